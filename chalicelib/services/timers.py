"""The deadline timer: fire the alarms whose moment has come, at a cost that follows them.

One run queries each shard of the sparse due index up to now (keys only), reads each dossier it
names, and writes its fired alarms together with the dossier's next alarm in one conditional
transaction. Two runs at once, or a run that dies halfway, fire each alarm once: the alarm
items are conditional puts and the state write is conditional on the revision read.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING

from chalicelib.domain import alarms
from chalicelib.domain.calendar import WorkingCalendar
from chalicelib.domain.dossier import Action
from chalicelib.domain.notifications import MISSING_KEY
from chalicelib.domain.procedures import Catalog
from chalicelib.ports.records import DUE_SHARDS, ApplyOutcome
from chalicelib.ports.store import TimerStore
from chalicelib.services.outbox import Notices

if TYPE_CHECKING:
    from chalicelib.services.feedback import FeedbackDeps


@dataclass(frozen=True)
class TimerDeps:
    store: TimerStore
    catalog: Catalog
    calendar: WorkingCalendar
    policy: alarms.AlarmPolicy = alarms.DEFAULT_POLICY
    notices: Notices | None = None  # None: alarms are recorded but nobody is told
    # PAKN deadlines (services/feedback.py), fired by the same run; None: none are watched.
    feedback: FeedbackDeps | None = None


@dataclass
class TimerReport:
    now: datetime
    shards_queried: int = 0
    due_keys_read: int = 0
    dossiers_read: int = 0
    fired: list[alarms.FiredAlarm] = field(default_factory=list)
    raced: list[str] = field(default_factory=list)  # another writer won; the next run retries

    def summary(self) -> dict[str, object]:
        return {
            "now": self.now.isoformat(),
            "shards_queried": self.shards_queried,
            "due_keys_read": self.due_keys_read,
            "dossiers_read": self.dossiers_read,
            "alarms_fired": [f"{a.code} {a.kind.value}" for a in self.fired],
            "raced": self.raced,
        }


def run(now: datetime, deps: TimerDeps) -> TimerReport:
    report = TimerReport(now=now)
    for shard in range(DUE_SHARDS):
        codes = deps.store.due_codes(shard, now)
        report.shards_queried += 1
        report.due_keys_read += len(codes)
        for code in codes:
            fire_one(code, now, deps, report)
    if deps.feedback is not None:
        from chalicelib.services.feedback import fire_alarms

        fed = fire_alarms(now, deps.feedback)
        report.due_keys_read += fed.read
        report.fired.extend(fed.fired)
        report.raced.extend(fed.raced)
    return report


def _with_missing(
    fired: list[alarms.FiredAlarm], code: str, store: TimerStore
) -> list[alarms.FiredAlarm]:
    """A supplement reminder carries what is missing: the note of the last request (read from
    the history only then: reminders are rare)."""
    if not any(a.kind is alarms.AlarmKind.SUPPLEMENT_REMINDER for a in fired):
        return fired
    record = store.load(code)
    requests = [
        e.note for e in (record.history if record else ()) if e.action is Action.REQUEST_SUPPLEMENT
    ]
    missing = requests[-1] if requests else ""
    return [
        replace(a, extra={**a.extra, MISSING_KEY: missing})
        if a.kind is alarms.AlarmKind.SUPPLEMENT_REMINDER
        else a
        for a in fired
    ]


def fire_one(code: str, now: datetime, deps: TimerDeps, report: TimerReport) -> None:
    dossier = deps.store.get(code)
    report.dossiers_read += 1
    if dossier is None:
        return
    procedure = deps.catalog.get(dossier.procedure_code, dossier.procedure_version)
    if procedure is None:
        report.raced.append(f"{code}: procedure v{dossier.procedure_version} missing")
        return
    updated, fired = alarms.fire(dossier, procedure, deps.calendar, now, deps.policy)
    if not fired:
        return
    fired = _with_missing(fired, code, deps.store)
    outbox = (
        {a.key: deps.notices.for_alarm(a, dossier, procedure) for a in fired}
        if deps.notices
        else None
    )
    outcome = deps.store.record_alarms(
        updated, fired, expected_revision=dossier.revision, outbox=outbox
    )
    if outcome is ApplyOutcome.APPLIED:
        report.fired.extend(fired)
    else:
        report.raced.append(code)
