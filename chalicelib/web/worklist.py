"""The workbench's worklist (`/ban-lam-viec`): the official's agency's open dossiers by due
date, each flagged overdue or due soon, filtered by status (the API's own filter), procedure,
overdue only and the official's own unit (over the rows each read returns), a page at a time
with GET /v1/worklist's sealed cursor.

A page filtered here is filled by reading on from the cursor until it is full or the list
ends (at most `MAX_READS` reads): the cursor handed on is the last read's, so every dossier
passed over was either shown or filtered out, never skipped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from chalicelib.domain.calendar import WorkingCalendar
from chalicelib.domain.statuses import DossierStatus

PATH = "/ban-lam-viec"
STATUS = "trang_thai"
PROCEDURE = "thu_tuc"
OVERDUE = "qua_han"
MY_UNIT = "bo_phan"  # only the dossiers held at the official's own unit
CURSOR = "con_tro"
PAGE_SIZE = 20
MAX_READS = 5
MAX_CURSOR = 1024  # GET /v1/worklist's bound
# The statuses of the worklist (open dossiers and those waiting at the counter).
STATUSES = (
    DossierStatus.SUBMITTED,
    DossierStatus.RECEIVED,
    DossierStatus.PROCESSING,
    DossierStatus.SUPPLEMENT_REQUESTED,
    DossierStatus.FEES_REQUESTED,
    DossierStatus.RESOLVED,
)
STATUS_WRONG = "Chọn một trạng thái trong danh sách"
PROCEDURE_WRONG = "Chọn một thủ tục trong danh sách"

Read = Callable[[int | None, int, str | None], tuple[list[dict[str, Any]], str | None]]


@dataclass(frozen=True)
class Filters:
    status: int | None = None
    procedure: str = ""
    overdue_only: bool = False
    cursor: str | None = None
    unit: str | None = None  # the official's unit, when only its dossiers are asked for

    def query(self, cursor: str | None = None) -> str:
        """The page's query string with these filters (and `cursor`: the next page's)."""
        pairs = {STATUS: str(self.status or ""), PROCEDURE: self.procedure,
                 OVERDUE: "1" if self.overdue_only else "", MY_UNIT: "1" if self.unit else "",
                 CURSOR: cursor or ""}  # fmt: skip
        kept = {name: value for name, value in pairs.items() if value}
        return "?" + urlencode(kept) if kept else ""


def parse_filters(
    query: dict[str, str], procedures: Iterable[str], unit: str | None = None
) -> tuple[Filters, dict[str, str]]:
    """The filters of the page's query (`unit`: the official's, for "my unit only"); a value
    not offered is told beside its field."""
    errors: dict[str, str] = {}
    status: int | None = None
    raw_status = query.get(STATUS, "").strip()
    if raw_status:
        if raw_status.isdigit() and int(raw_status) in {int(s) for s in STATUSES}:
            status = int(raw_status)
        else:
            errors[STATUS] = STATUS_WRONG
    procedure = query.get(PROCEDURE, "").strip()
    if procedure and procedure not in set(procedures):
        errors[PROCEDURE] = PROCEDURE_WRONG
        procedure = ""
    cursor = query.get(CURSOR, "").strip()[:MAX_CURSOR] or None
    mine = unit if query.get(MY_UNIT) == "1" else None
    filters = Filters(status, procedure, query.get(OVERDUE) == "1",
                      cursor if not errors else None, mine)  # fmt: skip
    return filters, errors


def flagged(item: dict[str, Any], now: datetime, calendar: WorkingCalendar) -> dict[str, Any]:
    """A worklist row with its flags: past its appointment (overdue), within one working day
    of it (due soon), past its step's deadline."""
    due = _moment(item.get("due_at"))
    step_due = _moment(item.get("step_due_at"))
    overdue = due is not None and due <= now
    soon = due is not None and not overdue and due <= calendar.add(now, calendar.working_day)
    return {**item, "overdue": overdue, "due_soon": soon,
            "step_overdue": step_due is not None and step_due <= now}  # fmt: skip


def _moment(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


@dataclass
class Page:
    rows: list[dict[str, Any]] = field(default_factory=list)
    next_cursor: str | None = None


def page_of(
    read: Read,
    filters: Filters,
    *,
    now: datetime,
    calendar: WorkingCalendar,
    limit: int = PAGE_SIZE,
) -> Page:
    """One page of rows that pass the filters, read from `filters.cursor` on."""
    page, cursor = Page(), filters.cursor
    for _ in range(MAX_READS):
        items, cursor = read(filters.status, limit - len(page.rows), cursor)
        for item in items:
            row = flagged(item, now, calendar)
            if filters.procedure and row["procedure_code"] != filters.procedure:
                continue
            if filters.overdue_only and not row["overdue"]:
                continue
            if filters.unit and (row.get("holder") or {}).get("unit") != filters.unit:
                continue
            page.rows.append(row)
        if cursor is None or len(page.rows) >= limit:
            break
    page.next_cursor = cursor
    return page
