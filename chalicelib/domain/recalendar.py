"""When the calendar changes (a day off announced late), open dossiers' dates are counted again.

A pause under way moves the dates when it ends, as always; it is not counted here.
The appointment date is the moment at which the legal time limit plus the time spent paused
has elapsed, in working time, since the clock started; the step's date likewise from the
step's start. Counting these again on the new calendar gives the new dates. A date set by
hand with an apology is a promise made to the citizen: it is kept, and the note says so.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from chalicelib.domain import alarms
from chalicelib.domain.calendar import WorkingCalendar
from chalicelib.domain.dossier import Action, Actor, Dossier, HistoryEntry, Transition
from chalicelib.domain.procedures import Procedure

ZERO = timedelta(0)


def _shown(moment: datetime | None) -> str:
    return moment.strftime("%d/%m/%Y %H:%M") if moment else "-"


def recompute(
    dossier: Dossier,
    history: list[HistoryEntry],
    procedure: Procedure,
    calendar: WorkingCalendar,
    actor: Actor,
    now: datetime,
    reason: str,
) -> Transition | None:
    """The dossier with its dates counted on `calendar`, or None when nothing changes."""
    if dossier.status.is_closed or dossier.clock_started_at is None or dossier.ended_at:
        return None
    due = dossier.due_at
    if dossier.apologies == 0:
        limit = procedure.time_limit.to_timedelta(calendar.working_day)
        due = calendar.add(dossier.clock_started_at, limit + dossier.paused_total)
    step_due = dossier.step_due_at
    if dossier.step_started_at is not None:
        step = procedure.steps[dossier.step_index]
        paused_in_step = sum(
            (e.paused_for for e in history if e.paused_for and e.at >= dossier.step_started_at),
            ZERO,
        )
        allowed = step.duration.to_timedelta(calendar.working_day) + paused_in_step
        step_due = calendar.add(dossier.step_started_at, allowed)
    if (due, step_due) == (dossier.due_at, dossier.step_due_at):
        return None
    kept = " (ngày hẹn đã gia hạn được giữ nguyên)" if dossier.apologies else ""
    note = (
        f"{reason}: hạn trả {_shown(dossier.due_at)} → {_shown(due)}; hạn bước "
        f"{_shown(dossier.step_due_at)} → {_shown(step_due)}{kept}"
    )
    changed = dossier.model_copy(
        update={
            "due_at": due,
            "step_due_at": step_due,
            "version": dossier.version + 1,
            "revision": dossier.revision + 1,
        }
    )
    changed = alarms.scheduled(changed, procedure, calendar)
    entry = HistoryEntry(
        version=changed.version,
        at=now,
        action=Action.RECOMPUTE_DUE,
        actor_id=actor.id,
        actor_name=actor.name,
        actor_roles=tuple(sorted(actor.roles)),
        actor_agency=actor.agency,
        actor_unit=actor.unit,
        from_status=dossier.status,
        to_status=changed.status,
        from_step=dossier.step_index,
        to_step=changed.step_index,
        holder=changed.holder,
        note=note,
        due_at=changed.due_at,
    )
    return Transition(dossier=changed, entry=entry)
