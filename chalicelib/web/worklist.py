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
DUE_SOON = "sap_han"
MY_UNIT = "bo_phan"  # only the dossiers held at the official's own unit
UNIT = "don_vi"  # only those held at this unit of the agency (the leader's board links here)
OFFICIAL = "can_bo"  # only those this official has in hand
NOBODY = "chua_nhan"  # only those nobody at their unit has taken in hand yet
MAX_NAME = 64
# "Due soon" on the worklist and the leader's board alike (the board's counts link here).
DUE_SOON_WORKING_DAYS = 2
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
    due_soon_only: bool = False
    held_at: str = ""  # a unit of the agency (UNIT)
    official: str = ""  # an official's id (OFFICIAL)
    nobody: bool = False

    def query(self, cursor: str | None = None) -> str:
        """The page's query string with these filters (and `cursor`: the next page's)."""
        pairs = {STATUS: str(self.status or ""), PROCEDURE: self.procedure,
                 OVERDUE: "1" if self.overdue_only else "", MY_UNIT: "1" if self.unit else "",
                 DUE_SOON: "1" if self.due_soon_only else "", UNIT: self.held_at,
                 OFFICIAL: self.official, NOBODY: "1" if self.nobody else "",
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
                      cursor if not errors else None, mine,
                      due_soon_only=query.get(DUE_SOON) == "1",
                      held_at=query.get(UNIT, "").strip()[:MAX_NAME],
                      official=query.get(OFFICIAL, "").strip()[:MAX_NAME],
                      nobody=query.get(NOBODY) == "1")  # fmt: skip
    return filters, errors


def flagged(item: dict[str, Any], now: datetime, calendar: WorkingCalendar) -> dict[str, Any]:
    """A worklist row with its flags: past its appointment (overdue), within
    `DUE_SOON_WORKING_DAYS` working days of it (due soon, as the daily digest counts), past its
    step's deadline."""
    due = _moment(item.get("due_at"))
    step_due = _moment(item.get("step_due_at"))
    overdue = due is not None and due <= now
    horizon = calendar.add(now, calendar.working_day * DUE_SOON_WORKING_DAYS)
    soon = due is not None and not overdue and due <= horizon
    return {**item, "overdue": overdue, "due_soon": soon,
            "step_overdue": step_due is not None and step_due <= now}  # fmt: skip


def _passes(row: dict[str, Any], filters: Filters) -> bool:
    """The row-level filters (status and paging are the read's)."""
    held_at = (row.get("holder") or {}).get("unit")
    handler = (row.get("handled_by") or {}).get("id")
    return not (
        (filters.procedure and row["procedure_code"] != filters.procedure)
        or (filters.overdue_only and not row["overdue"])
        or (filters.due_soon_only and not row["due_soon"])
        or (filters.unit and held_at != filters.unit)
        or (filters.held_at and held_at != filters.held_at)
        or (filters.official and handler != filters.official)
        or (filters.nobody and handler is not None)
    )


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
            if not _passes(row, filters):
                continue
            page.rows.append(row)
        if cursor is None or len(page.rows) >= limit:
            break
    page.next_cursor = cursor
    return page
