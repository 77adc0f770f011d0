from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.codes import DossierCode, make_code, parse_code, sequence_key
from chalicelib.domain.errors import InvalidInput

AGENCY = "000.00.32.H19"
ICT = timezone(timedelta(hours=7))


def test_make_code_matches_the_documented_example():
    assert make_code(AGENCY, datetime(2021, 7, 8, 9, 15, tzinfo=ICT), 32) == (
        "000.00.32.H19-210708-0032"
    )


def test_make_code_uses_the_local_date():
    late_utc = datetime(2026, 1, 1, 23, 30, tzinfo=UTC)  # 06:30 on 2 January in Vietnam
    assert make_code(AGENCY, late_utc, 1) == "000.00.32.H19-260102-0001"
    assert make_code(AGENCY, datetime(2026, 1, 1, 16, 59, tzinfo=UTC), 1) == (
        "000.00.32.H19-260101-0001"
    )


def test_sequence_widens_beyond_9999_instead_of_refusing():
    moment = datetime(2026, 2, 12, 8, tzinfo=ICT)
    assert make_code(AGENCY, moment, 9999).endswith("-9999")
    assert make_code(AGENCY, moment, 10000).endswith("-10000")
    assert parse_code("000.00.32.H19-260212-10000").sequence == 10000
    assert make_code(AGENCY, moment, 99999).endswith("-99999")


@pytest.mark.parametrize(
    ("agency", "moment", "sequence", "field"),
    [
        ("000.00.32.H19", datetime(2026, 2, 12, 8, tzinfo=ICT), 0, "sequence"),
        ("000.00.32.H19", datetime(2026, 2, 12, 8, tzinfo=ICT), -3, "sequence"),
        ("000.00.32.H19", datetime(2026, 2, 12, 8, tzinfo=ICT), 100_000, "sequence"),
        ("000.00.32.H19", datetime(2026, 2, 12, 8, tzinfo=ICT), True, "sequence"),
        ("000.00.32.H19", datetime(2026, 2, 12, 8, tzinfo=ICT), 1.0, "sequence"),
        ("000.00.32.H19", datetime(2026, 2, 12, 8), 1, "received_at"),  # naive
        ("000.00.32.H19", datetime(2100, 1, 1, 8, tzinfo=ICT), 1, "received_at"),
        ("00.00.32.H19", datetime(2026, 2, 12, 8, tzinfo=ICT), 1, "agency"),
        ("000.00.32.h19", datetime(2026, 2, 12, 8, tzinfo=ICT), 1, "agency"),
        ("000.00.32.H19 ", datetime(2026, 2, 12, 8, tzinfo=ICT), 1, "agency"),
        ("٠٠٠.٠٠.٣٢.H١٩", datetime(2026, 2, 12, 8, tzinfo=ICT), 1, "agency"),
    ],
)
def test_make_code_refuses(agency, moment, sequence, field):
    with pytest.raises(InvalidInput) as caught:
        make_code(agency, moment, sequence)
    assert caught.value.field == field


def test_parse_code_reads_the_parts():
    parsed = parse_code("000.00.32.H19-210708-0032")
    assert parsed == DossierCode(agency=AGENCY, day=date(2021, 7, 8), sequence=32)
    assert parsed.province == "H19"
    assert str(parsed) == "000.00.32.H19-210708-0032"


def test_parse_code_checks_the_province():
    assert parse_code("000.00.00.H19-260212-0001", province="H19").agency == "000.00.00.H19"
    with pytest.raises(InvalidInput, match="not in province H19") as caught:
        parse_code("000.00.00.H26-260212-0001", province="H19")
    assert caught.value.field == "code"
    with pytest.raises(InvalidInput) as caught:
        parse_code("000.00.00.H19-260212-0001", province="19")
    assert caught.value.field == "province"


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("000.00.32.H19-210230-0032", "not a real calendar date"),
        ("000.00.32.H19-211301-0032", "not a real calendar date"),
        ("000.00.32.H19-210700-0032", "not a real calendar date"),
        ("000.00.32.H19-250229-0001", "not a real calendar date"),  # 2025 is not a leap year
        ("000.00.32.H19-210708-0000", "starts at 0001"),
        ("000.00.32.H19-210708-00032", "4 digits"),
        ("000.00.32.H19-210708-032", "not of the form"),
        ("000.00.32.H19-210708-123456", "not of the form"),
        ("000.00.32.H19-20210708-0032", "not of the form"),
        ("000.00.32.H19_210708_0032", "not of the form"),
        ("000.00.32.H19-210708-0032\n", "not of the form"),
        (" 000.00.32.H19-210708-0032", "not of the form"),
        ("000.00.32.X19-210708-0032", "not of the form"),
        ("000.00.32.H19-٢١٠٧٠٨-0032", "not of the form"),
        ("", "not of the form"),
    ],
)
def test_parse_code_refuses_with_a_reason(code, reason):
    with pytest.raises(InvalidInput, match=reason) as caught:
        parse_code(code)
    assert caught.value.field == "code"


def test_parse_code_accepts_leap_day():
    assert parse_code("000.00.32.H19-240229-0001").day == date(2024, 2, 29)


def test_sequence_key_is_agency_and_local_day():
    assert sequence_key(AGENCY, datetime(2026, 1, 1, 23, 30, tzinfo=UTC)) == (
        "000.00.32.H19#2026-01-02"
    )
    morning = datetime(2026, 1, 2, 8, tzinfo=ICT)
    evening = datetime(2026, 1, 2, 16, 59, tzinfo=UTC)  # 23:59 local, same day
    assert sequence_key(AGENCY, morning) == sequence_key(AGENCY, evening)
    assert sequence_key(AGENCY, morning) != sequence_key("000.00.33.H19", morning)
    with pytest.raises(InvalidInput):
        sequence_key(AGENCY, datetime(2026, 1, 2, 8))


agencies = st.from_regex(r"[0-9]{3}\.[0-9]{2}\.[0-9]{2}\.H[0-9]{2}", fullmatch=True)
moments = st.datetimes(
    min_value=datetime(2000, 1, 2), max_value=datetime(2099, 12, 30), timezones=st.just(UTC)
)


@given(agencies, moments, st.integers(1, 99_999))
def test_parse_inverts_make(agency, moment, sequence):
    code = make_code(agency, moment, sequence)
    parsed = parse_code(code, province=agency[-3:])
    assert parsed == DossierCode(agency, moment.astimezone(ICT).date(), sequence)
    assert str(parsed) == code
    assert sequence_key(agency, moment) == f"{agency}#{parsed.day.isoformat()}"


@given(agencies, moments, st.integers(1, 99_999), st.integers(1, 99_999))
def test_distinct_sequences_give_distinct_codes(agency, moment, first, second):
    same = make_code(agency, moment, first) == make_code(agency, moment, second)
    assert same == (first == second)
