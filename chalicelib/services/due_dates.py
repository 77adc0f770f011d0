"""The public due-date calculator: when is a dossier received at a moment due?"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from chalicelib.domain.calendar import LOCAL_TZ, WorkingCalendar, WorkingDuration
from chalicelib.domain.procedures import Catalog
from chalicelib.services.errors import FieldIssue, Invalid


class DueDateQuestion(Protocol):
    """What the calculator is asked (DueDateQuery in chalicelib/http/request_models.py)."""

    @property
    def received_at(self) -> datetime: ...
    @property
    def working_days(self) -> int | None: ...
    @property
    def working_hours(self) -> int | None: ...
    @property
    def procedure(self) -> str | None: ...  # a procedure code whose time limit applies

    def check_limit(self) -> None:
        """Refuses a question with no time limit, or with two."""


def due_date(query: DueDateQuestion, calendar: WorkingCalendar, catalog: Catalog) -> dict[str, Any]:
    query.check_limit()
    cutoff = None
    limit: WorkingDuration | None = None
    procedure_info = None
    if query.procedure is not None:
        procedure = catalog.current(query.procedure, query.received_at.astimezone(LOCAL_TZ))
        if procedure is None:
            raise Invalid(
                f"procedure {query.procedure} is not in the catalog",
                kind="unknown-procedure",
                errors=[FieldIssue("procedure", "unknown procedure code", "Thủ tục không tồn tại")],
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
    assert limit is not None  # guaranteed by check_limit
    counted_from = calendar.start_of_count(query.received_at, cutoff)
    due = calendar.add_duration(counted_from, limit)
    return {
        "received_at": query.received_at.astimezone(LOCAL_TZ).isoformat(),
        "counted_from": counted_from.isoformat(),
        "due_at": due.isoformat(),
        "time_limit": limit.model_dump(mode="json"),
        "procedure": procedure_info,
    }
