"""The public due-date calculator: when is a dossier received at a moment due?"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from chalicelib.domain.calendar import LOCAL_TZ, WorkingCalendar, WorkingDuration
from chalicelib.domain.procedures import PROCEDURE_CODE, Catalog
from chalicelib.http.problems import FieldError, Problem

MAX_WORKING_DAYS = 365
MAX_WORKING_HOURS = MAX_WORKING_DAYS * 8
EARLIEST = datetime(2000, 1, 1, tzinfo=LOCAL_TZ)
LATEST = datetime(2100, 1, 1, tzinfo=LOCAL_TZ)


class DueDateQuery(BaseModel):
    """Query parameters of GET /v1/calendar/due-date."""

    model_config = ConfigDict(extra="forbid")

    received_at: datetime
    working_days: Annotated[int | None, Field(ge=1, le=MAX_WORKING_DAYS)] = None
    working_hours: Annotated[int | None, Field(ge=1, le=MAX_WORKING_HOURS)] = None
    procedure: Annotated[str | None, Field(pattern=PROCEDURE_CODE.pattern)] = None

    @field_validator("received_at")
    @classmethod
    def _local_when_naive(cls, value: datetime) -> datetime:
        # Vietnam has one offset and no DST, so a naive local time is unambiguous.
        value = value.replace(tzinfo=LOCAL_TZ) if value.tzinfo is None else value
        # The calendar knows the years of this system, not the 6th century (where the zone's
        # offset is its local mean time, to the second: no RFC 3339 offset) nor year 9999.
        if not EARLIEST <= value < LATEST:
            raise ValueError(f"must be in the years {EARLIEST.year} to {LATEST.year - 1}")
        return value

    def check_limit(self) -> None:
        """One time limit, or a procedure whose limit applies. Named per field, not per model."""
        if self.working_days is not None and self.working_hours is not None:
            reason = "give working_days or working_hours, not both"
            names: tuple[str, ...] = ("working_days", "working_hours")
        elif self.working_days is None and self.working_hours is None and self.procedure is None:
            reason = "give working_days, working_hours or procedure"
            names = ("working_days", "working_hours", "procedure")
        else:
            return
        message = "Cần đúng một thời hạn: số ngày làm việc hoặc số giờ làm việc"
        raise Problem(
            400,
            reason,
            kind="validation",
            errors=[FieldError(name, reason, message) for name in names],
        )


def due_date(query: DueDateQuery, calendar: WorkingCalendar, catalog: Catalog) -> dict[str, Any]:
    query.check_limit()
    cutoff = None
    limit: WorkingDuration | None = None
    procedure_info = None
    if query.procedure is not None:
        procedure = catalog.current(query.procedure, query.received_at.astimezone(LOCAL_TZ))
        if procedure is None:
            raise Problem(
                400,
                f"procedure {query.procedure} is not in the catalog",
                kind="unknown-procedure",
                errors=[FieldError("procedure", "unknown procedure code", "Thủ tục không tồn tại")],
            )
        cutoff = procedure.cutoff
        limit = procedure.time_limit
        procedure_info = {
            "code": procedure.code,
            "version": procedure.version,
            "name": procedure.name,
            "cutoff": cutoff.strftime("%H:%M") if cutoff else None,
        }
    if query.working_days is not None:
        limit = WorkingDuration.days(query.working_days)
    elif query.working_hours is not None:
        limit = WorkingDuration.hours(query.working_hours)
    assert limit is not None  # guaranteed by DueDateQuery
    counted_from = calendar.start_of_count(query.received_at, cutoff)
    due = calendar.add_duration(counted_from, limit)
    return {
        "received_at": query.received_at.astimezone(LOCAL_TZ).isoformat(),
        "counted_from": counted_from.isoformat(),
        "due_at": due.isoformat(),
        "time_limit": limit.model_dump(mode="json"),
        "procedure": procedure_info,
    }
