"""Issue 16, item 9: the masker (`chalicelib/domain/masking.py`) catches personal data in the
forms people actually write: phones with spaces after `+84`, CCCD numbers in groups, passports
in lower case. Property tests over the formats, each inside surrounding text."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.masking import ID_MASK, PHONE_MASK, mask

digit = st.integers(0, 9).map(str)


def digits(n: int) -> st.SearchStrategy[str]:
    return st.lists(digit, min_size=n, max_size=n).map("".join)


# What a separator between groups can be: spaces (one to three, non-breaking too), dots,
# dashes, and either of those with spaces around.
SPACES = st.sampled_from([" ", "  ", "   ", "\u00a0", "\u202f", "\t"])
SEPARATORS = st.one_of(
    SPACES, st.sampled_from([".", "-", " - ", " . ", "- ", " -"])
)  # fmt: skip
# Text around a secret: words, punctuation, line breaks; no digits (that would make another
# number of the secret).
AROUND = st.text(st.characters(blacklist_categories=["Nd"]), max_size=30)
BOUNDARY = st.sampled_from([" ", "\n", ", ", ": ", "(", ")", "'", '"', "; ", "|", "/", "="])

mobile = st.tuples(st.sampled_from("35789"), digits(8)).map("".join)  # without the 0
fixed = st.tuples(st.just("2"), digits(9)).map("".join)


@st.composite
def grouped(draw: st.DrawFn, number: str, sizes: list[list[int]]) -> str:
    """`number` cut into groups of one of the `sizes`, joined by one drawn separator."""
    size = draw(st.sampled_from([s for s in sizes if sum(s) == len(number)]))
    parts, at = [], 0
    for n in size:
        parts.append(number[at : at + n])
        at += n
    return draw(SEPARATORS).join(parts)


@st.composite
def phones(draw: st.DrawFn) -> tuple[str, str]:
    """(a phone as written, its national digits)."""
    national = draw(st.one_of(mobile, fixed))
    # Mobiles: 0912 345 678, 091 234 5678…; fixed lines after their area code: 024 3822 1234,
    # 0251 3822 123.
    sizes = [[3, 3, 3], [2, 3, 2, 2], [2, 3, 4], [3, 6], [9], [2, 4, 4], [3, 4, 3], [3, 7], [10]]
    body = draw(grouped(national, sizes))
    prefix = draw(
        st.one_of(
            st.just("0"),
            st.builds(lambda s: "+84" + s, SPACES),
            st.builds(lambda s: "84" + s, SPACES),
            st.builds(lambda s: "+84" + s + "(0)" + s, SPACES),
            st.just("+84"),
        )
    )
    return prefix + body, national


cccd = st.tuples(st.integers(1, 96).map(lambda p: f"{p:03d}"), digits(9)).map("".join)


@given(AROUND, BOUNDARY, phones(), BOUNDARY, AROUND)
def test_phones_in_every_written_form_are_masked(before, left, phone, right, after):
    written, national = phone
    masked = mask(before + left + written + right + after)
    assert PHONE_MASK in masked
    assert national not in re.sub(r"[^0-9]", "", masked)  # not even its digits remain


@given(AROUND, BOUNDARY, cccd, st.sampled_from([[3, 3, 3, 3], [4, 4, 4]]), SEPARATORS, BOUNDARY,
       AROUND)  # fmt: skip
def test_cccd_numbers_written_in_groups_are_masked(before, left, number, sizes, sep, right, after):
    parts = [number[i : i + sizes[0]] for i in range(0, 12, sizes[0])]
    masked = mask(before + left + sep.join(parts) + right + after)
    assert ID_MASK in masked
    assert number not in re.sub(r"[^0-9]", "", masked)


@given(
    AROUND,
    BOUNDARY,
    st.tuples(st.sampled_from("BCNPbcnp"), digits(7)).map("".join),
    BOUNDARY,
    AROUND,
)
def test_passports_in_either_case_are_masked(before, left, passport, right, after):
    masked = mask(before + left + passport + right + after)
    assert passport not in masked
    assert passport[1:] not in masked


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("gọi +84 912345678 nhé", "gọi [phone] nhé"),
        ("gọi +84  912 345 678", "gọi [phone]"),
        ("+84 (0) 912 345 678", "[phone]"),
        ("+84\u00a0912\u00a0345\u00a0678", "[phone]"),
        ("máy bàn +84 251 3822123", "máy bàn [phone]"),
        ("ĐT 0912 - 345 - 678.", "ĐT [phone]."),
        ("CCCD 075 090 001 234, cấp ngày", "CCCD [id], cấp ngày"),
        ("CCCD 0750.9000.1234", "CCCD [id]"),
        ("CMND 123 456 789", "CMND [id]"),
        ("hộ chiếu b1234567.", "hộ chiếu [id]."),
    ],
)
def test_examples(text, expected):
    assert mask(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "dossier 000.00.84.H84-261121-0001 at version 2",
        "dossier 000.00.41.H19-260105-0001 and 000.00.41.H19-260105-10000",
        "procedure 1.012766.000.00.00.H19, fee 1.500.000 đồng",
        "at 2026-01-05 08:30, 3 records, 05/01/2026",
    ],
)
def test_codes_amounts_and_dates_are_kept(text):
    assert mask(text) == text


def test_a_payment_platform_s_transaction_reference_is_kept_under_its_key_only():
    from chalicelib.domain.masking import redact

    kept = redact({"transaction_id": "PG0912345678", "order_code": "TTJLOBGN33OA2E"})
    assert kept == {"transaction_id": "PG0912345678", "order_code": "TTJLOBGN33OA2E"}
    # A bare phone under the key, or the reference anywhere else, is masked as before.
    assert redact({"transaction_id": "0912345678"}) == {"transaction_id": PHONE_MASK}
    assert PHONE_MASK in redact({"note": "paid PG0912345678"})["note"]
