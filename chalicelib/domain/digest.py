"""The daily digest of an agency: what is due today, due within two working days, overdue.

The agency's shared mailboxes get the whole of it; each official who has dossiers in hand
(`Dossier.handled_by`) and an address in the officials' directory gets their own part.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

from chalicelib.domain.calendar import LOCAL_TZ, WorkingCalendar
from chalicelib.domain.dossier import Dossier

HORIZON_DAYS = 2


@dataclass(frozen=True)
class DigestLine:
    code: str
    procedure_code: str
    status: int
    step_index: int
    due_at: datetime
    handled_by: str | None = None  # the official who has it in hand (their id)


@dataclass(frozen=True)
class Digest:
    agency: str
    day: date
    recipients: tuple[str, ...]
    overdue: tuple[DigestLine, ...]
    due_today: tuple[DigestLine, ...]
    due_soon: tuple[DigestLine, ...]  # within the next two working days
    official: str | None = None  # an official's own part (their id); None: the agency's

    @property
    def empty(self) -> bool:
        return not (self.overdue or self.due_today or self.due_soon)

    def text_vi(self) -> str:
        whose = " (hồ sơ ông/bà đang xử lý)" if self.official else ""
        return (
            f"Báo cáo ngày {self.day:%d/%m/%Y}{whose}: {len(self.overdue)} hồ sơ quá hạn, "
            f"{len(self.due_today)} hồ sơ đến hạn hôm nay, {len(self.due_soon)} hồ sơ đến hạn "
            f"trong {HORIZON_DAYS} ngày làm việc tới."
        )


def horizon(now: datetime, calendar: WorkingCalendar) -> datetime:
    """The end of the digest's window: two working days after today's close."""
    return calendar.add(end_of_day(now, calendar), calendar.working_day * HORIZON_DAYS)


def end_of_day(now: datetime, calendar: WorkingCalendar) -> datetime:
    local = now.astimezone(LOCAL_TZ)
    closing = calendar.office_hours.periods[-1][1]
    return datetime.combine(local.date(), closing, tzinfo=LOCAL_TZ)


def build(agency: str, recipients: tuple[str, ...], dossiers: list[Dossier], now: datetime,
          calendar: WorkingCalendar) -> Digest:  # fmt: skip
    """Sort the agency's open, unpaused dossiers into the digest's three lists."""
    today_end, window_end = end_of_day(now, calendar), horizon(now, calendar)
    lines: dict[str, list[DigestLine]] = {"overdue": [], "today": [], "soon": []}
    for d in sorted(dossiers, key=lambda d: (d.due_at or now, d.code)):
        if d.due_at is None or d.is_paused or d.status.is_closed:
            continue
        holder = d.handled_by.id if d.handled_by else None
        line = DigestLine(d.code, d.procedure_code, int(d.status), d.step_index, d.due_at, holder)
        if d.due_at < now:
            lines["overdue"].append(line)
        elif d.due_at <= today_end:
            lines["today"].append(line)
        elif d.due_at <= window_end:
            lines["soon"].append(line)
    return Digest(agency, now.astimezone(LOCAL_TZ).date(), recipients,
                  tuple(lines["overdue"]), tuple(lines["today"]), tuple(lines["soon"]))  # fmt: skip


def holders(digest: Digest) -> list[str]:
    """The officials who have some of the digest's dossiers in hand, first listed first."""
    lines = (*digest.overdue, *digest.due_today, *digest.due_soon)
    return list(dict.fromkeys(line.handled_by for line in lines if line.handled_by))


def own_part(digest: Digest, official: str, recipients: tuple[str, ...]) -> Digest:
    """The part of an agency's digest about the dossiers `official` has in hand."""

    def theirs(lines: tuple[DigestLine, ...]) -> tuple[DigestLine, ...]:
        return tuple(line for line in lines if line.handled_by == official)

    return replace(digest, recipients=recipients, official=official,
                   overdue=theirs(digest.overdue), due_today=theirs(digest.due_today),
                   due_soon=theirs(digest.due_soon))  # fmt: skip
