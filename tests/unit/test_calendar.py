"""Working calendar: the 2025 and 2026 civil-service schedules, office hours, cut-offs."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from pydantic import ValidationError

from chalicelib.domain.calendar import (
    LOCAL_TZ,
    CalendarTable,
    OfficeHours,
    WorkingCalendar,
    WorkingDuration,
)
from chalicelib.domain.errors import InvalidInput


def at(y, m, d, hh=0, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=LOCAL_TZ)


ONE_DAY = WorkingDuration.days(1)

# (received, limit, due): DOMAIN.md's 2025 and 2026 schedules.
SCHEDULE_CASES = [
    # 2025
    (at(2024, 12, 31, 16), ONE_DAY, at(2025, 1, 2, 16)),  # 1/1 off
    (at(2025, 1, 24, 10), ONE_DAY, at(2025, 2, 3, 10)),  # Tết 27/1-31/1, then a weekend
    (at(2025, 4, 4, 14), ONE_DAY, at(2025, 4, 8, 14)),  # Giỗ Tổ Monday 7/4
    (at(2025, 4, 25, 9), ONE_DAY, at(2025, 4, 26, 9)),  # Saturday 26/4 is a make-up day
    (at(2025, 4, 29, 9), ONE_DAY, at(2025, 5, 5, 9)),  # 30/4, 1/5, 2/5 off
    (at(2025, 8, 29, 9), ONE_DAY, at(2025, 9, 3, 9)),  # 1/9 and 2/9 off
    (at(2025, 4, 25, 9), WorkingDuration.days(3), at(2025, 4, 29, 9)),  # via Saturday 26/4
    (at(2025, 4, 25, 9), WorkingDuration.days(4), at(2025, 5, 5, 9)),  # then 30/4-2/5 off
    # 2026
    (at(2025, 12, 31, 9), ONE_DAY, at(2026, 1, 5, 9)),  # 1/1 and 2/1 off
    (at(2026, 1, 9, 9), ONE_DAY, at(2026, 1, 10, 9)),  # Saturday 10/1 is a make-up day
    (at(2026, 2, 13, 16), ONE_DAY, at(2026, 2, 23, 16)),  # Tết 16/2-20/2
    (at(2026, 4, 24, 10), ONE_DAY, at(2026, 4, 28, 10)),  # 27/4 in lieu of Giỗ Tổ
    (at(2026, 4, 29, 9), ONE_DAY, at(2026, 5, 4, 9)),  # 30/4 and 1/5 off
    (at(2026, 8, 21, 9), ONE_DAY, at(2026, 8, 22, 9)),  # Saturday 22/8 made up
    (at(2026, 8, 28, 9), ONE_DAY, at(2026, 9, 3, 9)),  # 31/8, 1/9, 2/9 off
    (at(2026, 11, 23, 9), ONE_DAY, at(2026, 11, 24, 9)),  # 24/11 worked unless set off
    (at(2026, 2, 12, 9), WorkingDuration.days(5), at(2026, 2, 26, 9)),
]


@pytest.mark.parametrize(("received", "limit", "due"), SCHEDULE_CASES)
def test_due_dates_follow_the_civil_service_schedule(calendar, received, limit, due):
    assert calendar.due_at(received, limit) == due


def test_days_off_match_the_published_schedules(calendar):
    assert [d.isoformat() for d in calendar.days_off(2025)] == [
        "2025-01-01", "2025-01-27", "2025-01-28", "2025-01-29", "2025-01-30", "2025-01-31",
        "2025-04-07", "2025-04-30", "2025-05-01", "2025-05-02", "2025-09-01", "2025-09-02",
    ]  # fmt: skip
    assert [d.isoformat() for d in calendar.days_off(2026)] == [
        "2026-01-01", "2026-01-02", "2026-02-16", "2026-02-17", "2026-02-18", "2026-02-19",
        "2026-02-20", "2026-04-27", "2026-04-30", "2026-05-01", "2026-08-31", "2026-09-01",
        "2026-09-02",
    ]  # fmt: skip
    assert calendar.make_up_days(2025) == [date(2025, 4, 26)]
    assert calendar.make_up_days(2026) == [date(2026, 1, 10), date(2026, 8, 22)]


def test_culture_day_is_a_setting():
    worked = CalendarTable(culture_day_off=False).build()
    off = CalendarTable(culture_day_off=True).build()
    assert worked.is_working_day(date(2026, 11, 24))
    assert not off.is_working_day(date(2026, 11, 24))
    assert off.due_at(at(2026, 11, 23, 9), ONE_DAY) == at(2026, 11, 25, 9)
    assert worked.is_working_day(date(2025, 11, 24))  # before 2026 it never was a day off


def test_ordinary_saturday_and_sunday_are_not_worked(calendar):
    assert not calendar.is_working_day(date(2026, 3, 7))
    assert not calendar.is_working_day(date(2026, 3, 8))
    # Received on a Saturday: the clock starts Monday 07:00.
    assert calendar.due_at(at(2026, 3, 7, 10), ONE_DAY) == at(2026, 3, 9, 17)


@pytest.mark.parametrize(
    ("received", "hours", "due"),
    [
        (at(2026, 3, 9, 12), 4, at(2026, 3, 10, 7, 30)),  # lunch: counts from 13:30
        (at(2026, 3, 9, 18), 1, at(2026, 3, 10, 8)),  # evening: next opening
        (at(2026, 3, 9, 6), 1, at(2026, 3, 9, 8)),  # early morning: same-day opening
        (at(2026, 3, 9, 16), 4, at(2026, 3, 10, 10)),  # 1 h Monday, 3 h Tuesday
        (at(2026, 3, 9, 8, 30), 3, at(2026, 3, 9, 11, 30)),  # ends at noon, not at 13:30
        (at(2026, 3, 9, 9), 8, at(2026, 3, 10, 9)),  # 8 working hours = 1 working day
        (at(2026, 3, 9, 7), 8, at(2026, 3, 9, 17)),  # a full day ends at 17:00, same day
    ],
)
def test_working_hours(calendar, received, hours, due):
    assert calendar.due_at(received, WorkingDuration.hours(hours)) == due


def test_cutoff_moves_late_receipts_to_the_next_working_day(calendar):
    cutoff = time(15, 0)
    assert calendar.start_of_count(at(2026, 3, 9, 15, 30), cutoff) == at(2026, 3, 10, 7)
    assert calendar.start_of_count(at(2026, 3, 9, 14, 59), cutoff) == at(2026, 3, 9, 14, 59)
    assert calendar.start_of_count(at(2026, 3, 9, 15, 30)) == at(2026, 3, 9, 15, 30)
    # Friday after the cut-off: Monday morning.
    assert calendar.due_at(at(2026, 3, 13, 16), ONE_DAY, cutoff) == at(2026, 3, 16, 17)


def test_moments_in_other_offsets_are_converted():
    calendar = WorkingCalendar()
    utc_moment = datetime(2026, 3, 9, 2, 0, tzinfo=UTC)
    assert calendar.is_working_time(utc_moment)  # 09:00 in Hà Nội
    with pytest.raises(InvalidInput) as err:
        calendar.is_working_time(datetime(2026, 3, 9, 9))
    assert err.value.field == "moment"


def test_working_time_between(calendar):
    # Friday 16:00 to Monday 08:00 over make-up Saturday 26/4/2025: 1 + 8 + 1 hours.
    assert calendar.between(at(2025, 4, 25, 16), at(2025, 4, 28, 8)) == timedelta(hours=10)
    assert calendar.between(at(2026, 2, 13, 17), at(2026, 2, 23, 7)) == timedelta(0)
    assert calendar.between(at(2026, 3, 10), at(2026, 3, 9)) == timedelta(0)


def test_working_time_predicates(calendar):
    assert calendar.is_working_time(at(2026, 3, 9, 7))
    assert not calendar.is_working_time(at(2026, 3, 9, 11, 30))
    assert not calendar.is_working_time(at(2026, 3, 9, 12))
    assert not calendar.is_working_time(at(2026, 3, 9, 17))
    assert calendar.is_working_time(at(2025, 4, 26, 10))  # make-up Saturday
    assert not calendar.is_working_time(at(2025, 4, 30, 10))
    assert calendar.next_opening(at(2026, 2, 13, 17)) == at(2026, 2, 23, 7)


def test_configurable_office_hours():
    table = CalendarTable(office_hours=[("07:30", "11:30"), ("13:00", "17:00")])
    calendar = table.build()
    assert calendar.working_day == timedelta(hours=8)
    assert calendar.due_at(at(2026, 3, 9, 11), WorkingDuration.hours(1)) == at(2026, 3, 9, 13, 30)


@pytest.mark.parametrize(
    ("document", "field_fragment"),
    [
        ({"years": {2026: {"days_off": ["2025-05-02"]}}}, "2025-05-02 is not in 2026"),
        ({"years": {2026: {"days_off": ["2026-01-02"], "working_days": ["2026-01-02"]}}},
         "both a day off and a working day"),
        ({"years": {2026: {"holidays": []}}}, "holidays"),
        ({"culture_day_off": "maybe"}, "culture_day_off"),
    ],
)  # fmt: skip
def test_a_broken_table_names_what_is_wrong(document, field_fragment):
    with pytest.raises(ValidationError) as err:
        CalendarTable.model_validate(document)
    assert field_fragment in str(err.value)


@pytest.mark.parametrize(
    "periods",
    [
        ((time(9), time(8)),),
        ((time(7), time(12)), (time(11), time(17))),
        (),
    ],
)
def test_office_hours_must_be_ordered_periods(periods):
    with pytest.raises(InvalidInput):
        OfficeHours(periods)


def test_bad_clock_in_table_names_the_period():
    with pytest.raises(InvalidInput) as err:
        CalendarTable(office_hours=[("7h", "11:30")]).build()
    assert err.value.field == "office_hours[0][0]"
