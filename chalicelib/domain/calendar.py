"""The working calendar: which moments are working time, and how legal time limits are counted.

Rules (DOMAIN.md, "Time rules"):
- working time is the office hours of a working day, in Asia/Ho_Chi_Minh;
- working days exclude weekends and public holidays, and include official make-up Saturdays;
- N working days are N times the working hours of one day (8 h by default), counted from the
  start moment, as production one-stop systems count them;
- a receipt outside office hours counts from the next opening; a per-procedure cut-off moves a
  late receipt to the next working day.

Statutory holidays, lunar ones included, come from the `holidays` package. The government's
yearly moves (extra days off, make-up Saturdays) and settings such as the 24/11 Culture Day come
from an editable table, because the package cannot know them in advance.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from functools import cached_property
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, PositiveInt, model_validator

from chalicelib.domain.errors import InvalidInput

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
ZERO = timedelta(0)
MAX_DAYS_WITHOUT_WORK = 60  # guards a misconfigured table; Tết is ~9 days
CULTURE_DAY = (11, 24)  # Ngày Văn hóa Việt Nam, proposed from 2026: whether it is off is a setting


class TimeUnit(StrEnum):
    WORKING_DAYS = "working_days"
    WORKING_HOURS = "working_hours"


class WorkingDuration(BaseModel):
    """An amount of working time as the law states it: N working days or N working hours."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    amount: PositiveInt
    unit: TimeUnit

    @classmethod
    def days(cls, amount: int) -> WorkingDuration:
        return cls(amount=amount, unit=TimeUnit.WORKING_DAYS)

    @classmethod
    def hours(cls, amount: int) -> WorkingDuration:
        return cls(amount=amount, unit=TimeUnit.WORKING_HOURS)

    def to_timedelta(self, working_day: timedelta) -> timedelta:
        if self.unit is TimeUnit.WORKING_DAYS:
            return working_day * self.amount
        return timedelta(hours=self.amount)

    def __str__(self) -> str:
        return f"{self.amount} {self.unit.value.replace('_', ' ')}"


@dataclass(frozen=True)
class OfficeHours:
    """Ordered, non-overlapping periods of one working day, in local time."""

    periods: tuple[tuple[time, time], ...] = (
        (time(7, 0), time(11, 30)),
        (time(13, 30), time(17, 0)),
    )

    def __post_init__(self) -> None:
        if not self.periods:
            raise InvalidInput("office hours need at least one period", field="office_hours")
        previous_end: time | None = None
        for index, (start, end) in enumerate(self.periods):
            if start >= end:
                raise InvalidInput(
                    f"period {index} must start before it ends", field=f"office_hours[{index}]"
                )
            if previous_end is not None and start < previous_end:
                raise InvalidInput(
                    f"period {index} overlaps or precedes the one before",
                    field=f"office_hours[{index}]",
                )
            previous_end = end

    @cached_property
    def working_day(self) -> timedelta:
        """The length of one working day: what "1 working day" is worth in working hours."""
        base = date(2000, 1, 3)
        spans = (
            datetime.combine(base, end) - datetime.combine(base, start)
            for start, end in self.periods
        )
        return sum(spans, ZERO)

    @property
    def opening(self) -> time:
        return self.periods[0][0]


class YearOverrides(BaseModel):
    """One year's moves of the working calendar, as the government announces them."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    days_off: list[date] = Field(default_factory=list, description="extra days off (nghỉ bù)")
    working_days: list[date] = Field(
        default_factory=list, description="make-up working days (làm bù), usually Saturdays"
    )
    note: str = ""


def _parse_clock(value: str, field_name: str) -> time:
    try:
        return time.fromisoformat(value)
    except ValueError as exc:
        raise InvalidInput(f"'{value}' is not a time of day (HH:MM)", field=field_name) from exc


class CalendarTable(BaseModel):
    """The editable calendar table (data/calendar.yaml): office hours, settings, yearly moves."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    office_hours: Annotated[list[tuple[str, str]], Field(min_length=1)] = [
        ("07:00", "11:30"),
        ("13:30", "17:00"),
    ]
    culture_day_off: bool = False
    years: dict[int, YearOverrides] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _dates_belong_to_their_year(self) -> CalendarTable:
        for year, overrides in self.years.items():
            for kind in ("days_off", "working_days"):
                for day in getattr(overrides, kind):
                    if day.year != year:
                        raise ValueError(f"years.{year}.{kind}: {day.isoformat()} is not in {year}")
            both = set(overrides.days_off) & set(overrides.working_days)
            if both:
                listed = ", ".join(sorted(d.isoformat() for d in both))
                raise ValueError(f"years.{year}: {listed} is both a day off and a working day")
        return self

    def office_hours_value(self) -> OfficeHours:
        periods = tuple(
            (
                _parse_clock(start, f"office_hours[{i}][0]"),
                _parse_clock(end, f"office_hours[{i}][1]"),
            )
            for i, (start, end) in enumerate(self.office_hours)
        )
        return OfficeHours(periods)

    def build(self, statutory: Mapping[int, frozenset[date]] | None = None) -> WorkingCalendar:
        """The calendar; `statutory`: the public holidays of the years it covers, precomputed
        (data/holidays.json); other years are computed by the `holidays` package when asked."""
        days_off: set[date] = set()
        working: set[date] = set()
        for overrides in self.years.values():
            days_off.update(overrides.days_off)
            working.update(overrides.working_days)
        return WorkingCalendar(
            office_hours=self.office_hours_value(),
            extra_days_off=frozenset(days_off),
            extra_working_days=frozenset(working),
            culture_day_off=self.culture_day_off,
            _holidays_by_year=dict(statutory or {}),
        )


def _statutory_holidays(year: int) -> frozenset[date]:
    # Imported here: the package (every country) and a year's table cost ~60 ms of CPU; the
    # supported years come precomputed (chalicelib/adapters/holiday_table.py).
    from holidays.countries.vietnam import Vietnam

    return frozenset(Vietnam(years=year).keys())


def as_local(moment: datetime, field_name: str = "moment") -> datetime:
    """The moment in Vietnamese local time. Naive datetimes are refused: they are ambiguous."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidInput("a moment must carry its UTC offset", field=field_name)
    return moment.astimezone(LOCAL_TZ)


@dataclass
class WorkingCalendar:
    office_hours: OfficeHours = field(default_factory=OfficeHours)
    extra_days_off: frozenset[date] = frozenset()
    extra_working_days: frozenset[date] = frozenset()
    culture_day_off: bool = False
    _holidays_by_year: dict[int, frozenset[date]] = field(default_factory=dict, repr=False)

    # -- days ---------------------------------------------------------------------------------
    def _holidays(self, year: int) -> frozenset[date]:
        known = self._holidays_by_year.get(year)
        if known is None:
            known = _statutory_holidays(year)
            self._holidays_by_year[year] = known
        return known

    def is_working_day(self, day: date) -> bool:
        if day in self.extra_working_days:
            return True
        if day in self.extra_days_off:
            return False
        if (day.month, day.day) == CULTURE_DAY and day.year >= 2026:
            # The package lists 24/11 from 2026; whether the civil service stops is a setting.
            return not self.culture_day_off and day.weekday() < 5
        return day.weekday() < 5 and day not in self._holidays(day.year)

    def days_off(self, year: int) -> list[date]:
        """Every weekday of the year that is not worked, plus nothing else (for display)."""
        day = date(year, 1, 1)
        result = []
        while day.year == year:
            if day.weekday() < 5 and not self.is_working_day(day):
                result.append(day)
            day += timedelta(days=1)
        return result

    def make_up_days(self, year: int) -> list[date]:
        return sorted(d for d in self.extra_working_days if d.year == year and d.weekday() >= 5)

    # -- moments ------------------------------------------------------------------------------
    @property
    def working_day(self) -> timedelta:
        return self.office_hours.working_day

    def _periods_on(self, day: date) -> Iterator[tuple[datetime, datetime]]:
        if not self.is_working_day(day):
            return
        for start, end in self.office_hours.periods:
            yield (
                datetime.combine(day, start, tzinfo=LOCAL_TZ),
                datetime.combine(day, end, tzinfo=LOCAL_TZ),
            )

    def _periods_from(
        self, moment: datetime, *, backwards: bool = False
    ) -> Iterator[tuple[datetime, datetime]]:
        """Working periods that end after `moment` (or, backwards, start before it), in order
        away from `moment`, without end."""
        day = moment.date()
        step = timedelta(days=-1 if backwards else 1)
        idle_days = 0
        while True:
            periods = list(self._periods_on(day))
            for start, end in reversed(periods) if backwards else periods:
                if (start < moment) if backwards else (end > moment):
                    yield start, end
            idle_days = 0 if periods else idle_days + 1
            if idle_days > MAX_DAYS_WITHOUT_WORK:
                raise InvalidInput("the calendar has no working day near", field="calendar")
            day += step

    def is_working_time(self, moment: datetime) -> bool:
        local = as_local(moment)
        return any(start <= local < end for start, end in self._periods_on(local.date()))

    def within_office_hours(self, moment: datetime) -> bool:
        """Whether `moment` falls in a working period, its closing moment included (an
        appointment at 17:00 is within the day that closes then)."""
        local = as_local(moment)
        return any(start <= local <= end for start, end in self._periods_on(local.date()))

    def next_opening(self, moment: datetime) -> datetime:
        """`moment` itself if it is working time, else the start of the next working period."""
        local = as_local(moment)
        start, _ = next(self._periods_from(local))
        return max(start, local)

    def start_of_count(self, received_at: datetime, cutoff: time | None = None) -> datetime:
        """When the legal clock starts for a dossier received at `received_at`."""
        local = as_local(received_at, "received_at")
        if cutoff is not None and self.is_working_day(local.date()) and local.time() > cutoff:
            next_day = local.date() + timedelta(days=1)
            local = datetime.combine(next_day, time(0), tzinfo=LOCAL_TZ)
        return self.next_opening(local)

    def add(self, start: datetime, amount: timedelta) -> datetime:
        """The moment when `amount` of working time has passed since `start`.

        A result that lands exactly at the end of a period stays there (due at 17:00, not at
        the next morning's 07:00), so a due moment is always the end of some working time.
        """
        if amount < ZERO:
            raise InvalidInput("working time to add must not be negative", field="amount")
        remaining = amount
        for period_start, period_end in self._periods_from(as_local(start)):
            begin = max(period_start, as_local(start))
            available = period_end - begin
            if remaining <= available:
                return begin + remaining
            remaining -= available
        raise AssertionError("unreachable: periods never end")  # pragma: no cover

    def subtract(self, end: datetime, amount: timedelta) -> datetime:
        """The moment `amount` of working time before `end` (a warning ahead of a deadline).

        A result that lands exactly at the start of a period stays there.
        """
        if amount < ZERO:
            raise InvalidInput("working time to subtract must not be negative", field="amount")
        remaining = amount
        for period_start, period_end in self._periods_from(as_local(end), backwards=True):
            finish = min(period_end, as_local(end))
            available = finish - period_start
            if remaining <= available:
                return finish - remaining
            remaining -= available
        raise AssertionError("unreachable: periods never end")  # pragma: no cover

    def add_duration(self, start: datetime, duration: WorkingDuration) -> datetime:
        return self.add(start, duration.to_timedelta(self.working_day))

    def between(self, start: datetime, end: datetime) -> timedelta:
        """Working time elapsed from `start` to `end` (zero when `end` is not after `start`)."""
        begin, finish = as_local(start), as_local(end)
        if finish <= begin:
            return ZERO
        total = ZERO
        day = begin.date()
        while day <= finish.date():
            for period_start, period_end in self._periods_on(day):
                overlap = min(period_end, finish) - max(period_start, begin)
                if overlap > ZERO:
                    total += overlap
            day += timedelta(days=1)
        return total

    def due_at(
        self, received_at: datetime, limit: WorkingDuration, cutoff: time | None = None
    ) -> datetime:
        """The appointment moment for a dossier received at `received_at` with `limit`."""
        return self.add_duration(self.start_of_count(received_at, cutoff), limit)
