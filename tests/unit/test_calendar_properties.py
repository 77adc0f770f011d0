"""Properties of the working calendar that must hold for any moment and any amount."""

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain.calendar import LOCAL_TZ, WorkingDuration

moments = st.datetimes(
    min_value=datetime(2024, 12, 1), max_value=datetime(2027, 12, 31),
    timezones=st.sampled_from([LOCAL_TZ, UTC]),
)  # fmt: skip
amounts = st.integers(min_value=1, max_value=120 * 8 * 60).map(lambda m: timedelta(minutes=m))
PROPS = settings(max_examples=150, deadline=None)


@PROPS
@given(start=moments, amount=amounts)
def test_adding_then_measuring_gives_back_the_amount(calendar, start, amount):
    assert calendar.between(start, calendar.add(start, amount)) == amount


@PROPS
@given(start=moments, amount=amounts)
def test_a_due_moment_ends_working_time(calendar, start, amount):
    due = calendar.add(start, amount)
    assert calendar.is_working_time(due - timedelta(microseconds=1))
    assert due > start


@PROPS
@given(start=moments, days=st.integers(min_value=1, max_value=60))
def test_due_moment_is_strictly_monotonic_in_n(calendar, start, days):
    earlier = calendar.due_at(start, WorkingDuration.days(days))
    later = calendar.due_at(start, WorkingDuration.days(days + 1))
    assert earlier < later
    assert calendar.between(earlier, later) == calendar.working_day


@PROPS
@given(a=moments, b=moments, c=moments)
def test_working_time_is_additive(calendar, a, b, c):
    a, b, c = sorted([a, b, c])
    assert calendar.between(a, b) + calendar.between(b, c) == calendar.between(a, c)


@PROPS
@given(moment=moments)
def test_next_opening_is_working_time_and_skips_nothing(calendar, moment):
    opening = calendar.next_opening(moment)
    assert calendar.is_working_time(opening)
    assert opening >= moment
    assert calendar.between(moment, opening) == timedelta(0)


@PROPS
@given(start=moments, hours=st.integers(min_value=1, max_value=400))
def test_days_are_eight_working_hours(calendar, start, hours):
    if hours % 8 == 0:
        assert calendar.due_at(start, WorkingDuration.hours(hours)) == calendar.due_at(
            start, WorkingDuration.days(hours // 8)
        )
    assert calendar.due_at(start, WorkingDuration.hours(hours)).astimezone(LOCAL_TZ).tzinfo


@PROPS
@given(end=moments, amount=amounts)
def test_subtracting_then_measuring_gives_back_the_amount(calendar, end, amount):
    start = calendar.subtract(end, amount)
    assert calendar.between(start, end) == amount
    assert start < end


@PROPS
@given(start=moments, amount=amounts)
def test_subtract_undoes_add(calendar, start, amount):
    due = calendar.add(start, amount)
    assert calendar.subtract(due, amount) == calendar.next_opening(start)
