"""After a calendar change: count every open dossier's dates again, and say why in its history."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from chalicelib.domain.agencies import AgencyRegistry
from chalicelib.domain.calendar import WorkingCalendar
from chalicelib.domain.dossier import Actor
from chalicelib.domain.procedures import Catalog
from chalicelib.domain.recalendar import recompute
from chalicelib.domain.statuses import Role
from chalicelib.ports.records import ApplyOutcome, Change, utc_key
from chalicelib.ports.store import RecalendarStore

CALENDAR_ACTOR = Actor(
    id="calendar", name="Cập nhật lịch làm việc", agency="system", roles=frozenset({Role.SYSTEM})
)
FAR_FUTURE = datetime(9999, 1, 1).astimezone()


@dataclass(frozen=True)
class RecalendarDeps:
    store: RecalendarStore
    catalog: Catalog
    agencies: AgencyRegistry
    calendar: WorkingCalendar


@dataclass
class RecalendarReport:
    examined: int = 0
    changed: list[str] = field(default_factory=list)
    raced: list[str] = field(default_factory=list)


def run(reason: str, now: datetime, deps: RecalendarDeps, *, dry_run: bool = False):
    report = RecalendarReport()
    for agency in deps.agencies.codes():
        for held in deps.store.open_due_before(agency, FAR_FUTURE):
            report.examined += 1
            record = deps.store.load(held.code)
            procedure = deps.catalog.get(held.procedure_code, held.procedure_version)
            if record is None or procedure is None:
                continue
            dossier = record.dossier
            moved = recompute(
                dossier, record.history, procedure, deps.calendar, CALENDAR_ACTOR, now, reason
            )
            if moved is None:
                continue
            if dry_run:
                report.changed.append(f"{dossier.code}: {moved.entry.note}")
                continue
            # Keyed by the result: running the command again changes nothing more.
            command = (
                f"recompute:{utc_key(moved.dossier.due_at)}:{utc_key(moved.dossier.step_due_at)}"
            )
            outcome = deps.store.apply(
                Change(
                    moved.dossier,
                    moved.entry,
                    expected_revision=dossier.revision,
                    command_id=command,
                )
            )
            (report.changed if outcome is ApplyOutcome.APPLIED else report.raced).append(
                dossier.code
            )
    return report
