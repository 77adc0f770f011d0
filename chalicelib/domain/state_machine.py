"""Which moves a dossier may make, who may make them, and what each does to the legal clock.

`RULES` is the whole policy as data: for every action, the statuses it may start from, the
roles that may take it, where the actor must be, and its clock effect. `apply` checks a command
against it and computes the new state; it is pure, so the worker, the tests and the timers all
share one implementation.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from chalicelib.domain import alarms
from chalicelib.domain.calendar import WorkingCalendar, as_local
from chalicelib.domain.dossier import (
    Action,
    Actor,
    Applicant,
    Command,
    Dossier,
    Location,
    OfficialRef,
    PaymentChannel,
    SubmittedDocument,
    Transition,
    change_entry,
)
from chalicelib.domain.errors import IllegalTransition, InvalidInput, NotPermitted
from chalicelib.domain.legal import APPOINTMENT_HORIZON, DEFAULT_TERMS, LegalTerms
from chalicelib.domain.procedures import Procedure
from chalicelib.domain.refusals import RefusalReason as Why
from chalicelib.domain.refusals import message_vi, roles_vi
from chalicelib.domain.statuses import Channel, DossierStatus, Role
from chalicelib.domain.visible import visible_text

S = DossierStatus
ZERO = timedelta(0)


class Clock(Enum):
    NONE = "none"
    START = "start"  # the dossier is received: the appointment date is set
    PAUSE = "pause"  # waiting for the applicant: the clock stands still
    RESUME = "resume"  # the due dates move by the paused working time
    END = "end"  # processing is over (resolved, refused, withdrawn, stopped)
    EXTEND = "extend"  # a new appointment date, with an apology


class Place(Enum):
    """Where the actor must be for the action."""

    HOLDER = "the unit that holds the dossier"
    HOLDER_AGENCY = "the agency that holds the dossier"
    RECEIVING_DESK = "the one-stop counter that received the dossier"
    RESOLVING_AGENCY = "the resolving agency"
    FIRST_STEP = "the unit of the first processing step"


# Marks that the step's own role may act, besides the roles listed.
STEP_ROLE = "step role"


@dataclass(frozen=True)
class Rule:
    sources: frozenset[DossierStatus]
    roles: frozenset[Role | str]
    places: tuple[Place, ...]
    clock: Clock
    target: DossierStatus | None  # None: stays, or returns to where the pause began
    needs_note: bool = False


def _rule(
    sources: set[DossierStatus],
    roles: set[Role | str],
    places: tuple[Place, ...],
    clock: Clock,
    target: DossierStatus | None,
    needs_note: bool = False,
) -> Rule:
    return Rule(frozenset(sources), frozenset(roles), places, clock, target, needs_note)


OPEN = {S.RECEIVED, S.PROCESSING, S.SUPPLEMENT_REQUESTED, S.FEES_REQUESTED}
HOLDER_OR_DESK = (Place.HOLDER, Place.RECEIVING_DESK)
R = Role

RULES: dict[Action, Rule] = {
    Action.RECEIVE: _rule({S.SUBMITTED}, {R.RECEIVER}, (Place.RECEIVING_DESK,), Clock.START,
                          S.RECEIVED),
    # Refusal (Mẫu 03) replaces the receipt: only a dossier not received, possibly waiting for
    # a supplement asked before receipt. After receipt the endings are stop and resolve.
    Action.REFUSE: _rule({S.SUBMITTED, S.SUPPLEMENT_REQUESTED}, {R.RECEIVER}, HOLDER_OR_DESK,
                         Clock.END, S.REFUSED, needs_note=True),
    Action.TAKE_UP: _rule({S.RECEIVED}, {STEP_ROLE, R.LEADER}, (Place.FIRST_STEP,), Clock.NONE,
                          S.PROCESSING),
    Action.FORWARD: _rule({S.PROCESSING}, {STEP_ROLE, R.LEADER}, (Place.HOLDER,), Clock.NONE,
                          S.PROCESSING),
    Action.SEND_BACK: _rule({S.PROCESSING}, {STEP_ROLE, R.LEADER}, (Place.HOLDER,), Clock.NONE,
                            S.PROCESSING, needs_note=True),
    Action.TRANSFER: _rule({S.PROCESSING}, {STEP_ROLE, R.LEADER}, (Place.HOLDER,), Clock.NONE,
                           S.PROCESSING),
    Action.TRANSFER_BACK: _rule({S.PROCESSING}, {R.SPECIALIST, R.LEADER, R.SYSTEM},
                                (Place.HOLDER,), Clock.NONE, S.PROCESSING),
    # Mẫu 02: before receipt by the counter (no clock), after it once within the limit; a
    # later or second request by a leader. The note lists everything missing.
    Action.REQUEST_SUPPLEMENT: _rule({S.SUBMITTED, S.RECEIVED, S.PROCESSING},
                                     {R.RECEIVER, R.SPECIALIST, R.LEADER},
                                     (*HOLDER_OR_DESK, Place.RESOLVING_AGENCY), Clock.PAUSE,
                                     S.SUPPLEMENT_REQUESTED, needs_note=True),
    # The applicant's own acts (a supplement, fees paid, a withdrawal) may come from the portal
    # they used (role applicant, at the receiving desk: docs/dvcqg-contract.md §8).
    Action.SUPPLEMENT_RECEIVED: _rule({S.SUPPLEMENT_REQUESTED},
                                      {R.RECEIVER, R.SPECIALIST, R.APPLICANT}, HOLDER_OR_DESK,
                                      Clock.RESUME, None),
    # Received: fees owed up front (catalog `fees_due: at_receipt`), asked by the system at
    # receipt (services/fees_at_receipt.py); `fees_paid` then resumes to received.
    Action.REQUEST_FEES: _rule({S.RECEIVED, S.PROCESSING}, {R.SPECIALIST, R.LEADER, R.SYSTEM},
                               (Place.HOLDER,), Clock.PAUSE, S.FEES_REQUESTED),
    Action.FEES_PAID: _rule({S.FEES_REQUESTED}, {R.RECEIVER, R.SPECIALIST, R.SYSTEM, R.APPLICANT},
                            HOLDER_OR_DESK, Clock.RESUME, None),
    # NĐ 118 art. 21: an online applicant asks on the national portal (role applicant).
    Action.WITHDRAW: _rule({S.SUBMITTED, *OPEN}, {R.RECEIVER, R.APPLICANT}, HOLDER_OR_DESK,
                           Clock.END, S.WITHDRAWN, needs_note=True),
    # Mẫu 05, by a leader; the counter closes a dossier whose supplement deadline lapsed
    # (NĐ 118 art. 19(5): "đóng hồ sơ").
    Action.STOP: _rule(OPEN, {R.LEADER, R.RECEIVER},
                       (Place.HOLDER, Place.RESOLVING_AGENCY, Place.RECEIVING_DESK), Clock.END,
                       S.STOPPED, needs_note=True),
    # NĐ 118 art. 19(3): "trả lại hồ sơ" not eligible for resolution, with the written reasons
    # as its result, by a leader; a resolution, counted on time or late like any other.
    Action.RETURN_INELIGIBLE: _rule({S.PROCESSING}, {R.LEADER}, (Place.HOLDER,
                                    Place.RESOLVING_AGENCY), Clock.END, S.RESOLVED,
                                    needs_note=True),
    Action.RESOLVE: _rule({S.PROCESSING}, {STEP_ROLE, R.LEADER}, (Place.HOLDER,), Clock.END,
                          S.RESOLVED),
    Action.RETURN_RESULT: _rule({S.RESOLVED}, {R.RECEIVER}, HOLDER_OR_DESK, Clock.NONE,
                                S.RETURNED),
    # Mẫu 04: signed by a leader of the agency causing the delay (the one holding the dossier).
    Action.EXTEND_WITH_APOLOGY: _rule(OPEN, {R.LEADER},
                                      (Place.HOLDER_AGENCY, Place.RESOLVING_AGENCY),
                                      Clock.EXTEND, None, needs_note=True),
}  # fmt: skip


def allowed_actions(status: DossierStatus) -> list[Action]:
    """The actions the rules allow from `status`, whoever asks (for display and tests)."""
    return [action for action, rule in RULES.items() if status in rule.sources]


# -- steps ------------------------------------------------------------------------------------
def processing_range(procedure: Procedure) -> tuple[int, int]:
    """First and last index of the steps that are not the counter's (receive / return)."""
    indexes = [i for i, step in enumerate(procedure.steps) if step.role is not Role.RECEIVER]
    if not indexes:
        return 0, len(procedure.steps) - 1
    return indexes[0], indexes[-1]


def step_location(dossier: Dossier, procedure: Procedure, index: int) -> Location:
    """Where step `index` runs. The counter's own steps run where the dossier was received."""
    first, last = processing_range(procedure)
    step = procedure.steps[index]
    if step.role is Role.RECEIVER and (index < first or index > last):
        return dossier.received_by
    return Location(agency=procedure.step_agency(index, dossier.resolving_agency), unit=step.unit)


# -- creating a dossier -----------------------------------------------------------------------
def open_dossier(
    *,
    code: str,
    procedure: Procedure,
    channel: Channel,
    applicant: Applicant,
    resolving_agency: str,
    received_by: Location,
    actor: Actor,
    at: datetime,
    calendar: WorkingCalendar,
    received: bool,
    note: str = "",
    documents: Sequence[SubmittedDocument] = (),
    policy: alarms.AlarmPolicy = alarms.DEFAULT_POLICY,
) -> Transition:
    """A new dossier at version 1: received (status 2, clock started) or waiting for the
    counter's check (status 1). `at` is the moment of submission or receipt; `documents` what
    was submitted with it, kept on the opening entry."""
    at = as_local(at, "received_at")
    base = Dossier(
        code=code,
        procedure_code=procedure.code,
        procedure_version=procedure.version,
        status=S.SUBMITTED,
        channel=channel,
        applicant=applicant,
        resolving_agency=resolving_agency,
        received_by=received_by,
        holder=received_by,
        involved_agencies=frozenset({resolving_agency, received_by.agency}),
        submitted_at=at,
        version=1,
        fully_online=procedure.fully_online and channel is Channel.ONLINE,
    )
    action = Action.RECEIVE if received else Action.SUBMIT
    dossier = _start_clock(base, procedure, calendar, at) if received else base
    dossier = alarms.scheduled(dossier, procedure, calendar, policy)
    entry = change_entry(None, dossier, action, actor, at, note)
    if received and procedure.total_fees_vnd:  # the fees owed, for 3.6's count
        entry = entry.model_copy(update={"amount_vnd": procedure.total_fees_vnd})
    if documents:
        entry = entry.model_copy(update={"documents": tuple(documents)})
    return Transition(dossier=dossier, entry=entry)


def _start_clock(
    dossier: Dossier, procedure: Procedure, calendar: WorkingCalendar, now: datetime
) -> Dossier:
    start = calendar.start_of_count(now, procedure.cutoff)
    entered = _enter_step(dossier.model_copy(update={"step_index": 0}), procedure, calendar, 0, now)
    due = calendar.add_duration(start, procedure.time_limit)
    return entered.model_copy(
        update={
            "status": S.RECEIVED,
            "received_at": now,
            "clock_started_at": start,
            "due_at": due,
            "original_due_at": due,
            "fees_requested": procedure.total_fees_vnd > 0,
        }
    )


def _enter_step(
    dossier: Dossier, procedure: Procedure, calendar: WorkingCalendar, index: int, now: datetime
) -> Dossier:
    location = step_location(dossier, procedure, index)
    started = calendar.start_of_count(now, procedure.cutoff if index == 0 else None)
    return dossier.model_copy(
        update={
            "step_index": index,
            "holder": location,
            "involved_agencies": dossier.involved_agencies | {location.agency},
            "step_started_at": started,
            "step_due_at": calendar.add_duration(started, procedure.steps[index].duration),
        }
    )


# -- applying a command -----------------------------------------------------------------------
def apply(
    dossier: Dossier,
    command: Command,
    actor: Actor,
    procedure: Procedure,
    calendar: WorkingCalendar,
    now: datetime,
    policy: alarms.AlarmPolicy = alarms.DEFAULT_POLICY,
    terms: LegalTerms = DEFAULT_TERMS,
) -> Transition:
    """Apply `command` to `dossier`, or raise IllegalTransition / NotPermitted / InvalidInput.

    `procedure` must be the version the dossier pinned at intake.
    """
    if (procedure.code, procedure.version) != (dossier.procedure_code, dossier.procedure_version):
        raise InvalidInput(
            f"dossier {dossier.code} pinned {dossier.procedure_code} v{dossier.procedure_version}"
            f", not v{procedure.version}",
            field="procedure",
            message_vi=message_vi(
                Why.PROCEDURE_VERSION, pinned=dossier.procedure_version, given=procedure.version
            ),
        )
    now = as_local(now, "now")
    rule = RULES.get(command.action)
    if rule is None:
        raise IllegalTransition(
            f"'{command.action}' is not an action an official can take",
            action=command.action.value,
            status=dossier.status,
            message_vi=message_vi(Why.NOT_AN_OFFICIAL_ACTION, action=command.action.label_vi),
        )
    if dossier.status not in rule.sources:
        allowed = ", ".join(a.value for a in allowed_actions(dossier.status)) or "none"
        raise IllegalTransition(
            f"cannot {command.action.value} a dossier in status {dossier.status.value} "
            f"({dossier.status.label_vi}); allowed from here: {allowed}",
            action=command.action.value,
            status=dossier.status,
            message_vi=message_vi(
                Why.NOT_FROM_THIS_STATUS,
                action=command.action.label_vi,
                status=dossier.status.label_vi,
                allowed="; ".join(a.label_vi for a in allowed_actions(dossier.status))
                or "không có",
            ),
        )
    if command.electronic_result and command.action is not Action.RESOLVE:
        raise InvalidInput(
            f"electronic_result is said when resolving a dossier, not with {command.action.value}",
            field="electronic_result",
            message_vi=message_vi(Why.ELECTRONIC_RESULT_MISPLACED, action=command.action.label_vi),
        )
    if command.payment_channel is not None and command.action is not Action.FEES_PAID:
        raise InvalidInput(
            f"payment_channel is said with fees_paid, not with {command.action.value}",
            field="payment_channel",
            message_vi=message_vi(Why.PAYMENT_CHANNEL_MISPLACED, action=command.action.label_vi),
        )
    if rule.needs_note and not visible_text(command.note):
        raise InvalidInput(
            f"{command.action.value} needs a note giving the reason",
            field="note",
            message_vi=message_vi(Why.NOTE_NEEDED, action=command.action.label_vi),
        )
    _check_actor(dossier, command.action, rule, actor, procedure)
    handler = _HANDLERS.get(command.action, _plain)
    changed = handler(Context(dossier, command, actor, procedure, calendar, now, rule, terms))
    changed = _apply_clock(dossier, changed, rule, procedure, calendar, now, terms)
    changed = changed.model_copy(update={"handled_by": _handled_by(dossier, changed, actor)})
    paused_for = changed.paused_total - dossier.paused_total
    changed = changed.model_copy(
        update={"version": dossier.version + 1, "revision": dossier.revision + 1}
    )
    changed = alarms.scheduled(changed, procedure, calendar, policy)
    entry = change_entry(dossier, changed, command.action, actor, now, command.note, paused_for)
    if command.amount_vnd is not None:
        entry = entry.model_copy(update={"amount_vnd": command.amount_vnd})
    if command.action in (Action.RESOLVE, Action.RETURN_INELIGIBLE):
        entry = entry.model_copy(update={"electronic_result": changed.electronic_result})
    if command.action is Action.RECEIVE and procedure.total_fees_vnd:
        entry = entry.model_copy(update={"amount_vnd": procedure.total_fees_vnd})
    if command.action is Action.REQUEST_SUPPLEMENT:
        entry = entry.model_copy(update={
            "supplement_due_at": changed.supplement_due_at,
            "after_limit": changed.supplement_after_limit and not dossier.supplement_after_limit,
        })  # fmt: skip
    if command.action is Action.FEES_PAID:
        entry = entry.model_copy(update={"payment_channel": command.payment_channel})
    return Transition(dossier=changed, entry=entry)


def _handled_by(before: Dossier, after: Dossier, actor: Actor) -> OfficialRef | None:
    """An official acting where the dossier now is has it in hand; one who sent it elsewhere
    (forward, transfer) no longer does; a system's report leaves whoever had it."""
    if Role.SYSTEM in actor.roles:
        return before.handled_by if after.holder == before.holder else None
    if actor.is_at(after.holder):
        return OfficialRef(id=actor.id, name=actor.name)
    return None


def _check_actor(
    dossier: Dossier, action: Action, rule: Rule, actor: Actor, procedure: Procedure
) -> None:
    step_index = _first_step(procedure) if action is Action.TAKE_UP else dossier.step_index
    step = procedure.steps[step_index]
    roles = {r for r in rule.roles if isinstance(r, Role)}
    if STEP_ROLE in rule.roles:
        roles.add(step.role)
        if step.agency is not None:
            roles.add(Role.SYSTEM)  # an inter-agency step may be reported by that agency's system
    if not roles & actor.roles:
        wanted = ", ".join(sorted(r.value for r in roles))
        raise NotPermitted(
            f"{action.value} needs the role {wanted}; the actor has "
            f"{', '.join(sorted(r.value for r in actor.roles)) or 'none'}",
            action=action.value,
            status=dossier.status,
            field="roles",
            message_vi=message_vi(
                Why.ROLE_NEEDED,
                action=action.label_vi,
                wanted=roles_vi(roles),
                has=roles_vi(actor.roles),
            ),
        )
    places = {place: _place(dossier, procedure, place) for place in rule.places}
    if not any(_actor_at(actor, place, loc) for place, loc in places.items()):
        where = " or ".join(
            f"{place.value} ({loc.agency}/{loc.unit})"
            if place not in (Place.RESOLVING_AGENCY, Place.HOLDER_AGENCY)
            else f"{place.value} ({loc.agency})"
            for place, loc in places.items()
        )
        raise NotPermitted(
            f"{action.value} must be taken at {where}; the actor is at "
            f"{actor.agency}/{actor.unit or '-'}",
            action=action.value,
            status=dossier.status,
            field="agency",
            message_vi=message_vi(
                Why.WRONG_PLACE,
                action=action.label_vi,
                where=" hoặc ".join(f"{loc.agency}/{loc.unit}" for loc in places.values()),
                at=f"{actor.agency}/{actor.unit or '-'}",
            ),
        )


def _actor_at(actor: Actor, place: Place, location: Location) -> bool:
    if place in (Place.RESOLVING_AGENCY, Place.HOLDER_AGENCY):
        return actor.agency == location.agency
    return actor.is_at(location)


def _place(dossier: Dossier, procedure: Procedure, place: Place) -> Location:
    if place is Place.HOLDER:
        return dossier.holder
    if place is Place.RECEIVING_DESK:
        return dossier.received_by
    if place is Place.FIRST_STEP:
        return step_location(dossier, procedure, _first_step(procedure))
    if place is Place.HOLDER_AGENCY:
        return Location(agency=dossier.holder.agency, unit="*")
    return Location(agency=dossier.resolving_agency, unit="*")


def _first_step(procedure: Procedure) -> int:
    return processing_range(procedure)[0]


@dataclass(frozen=True)
class Context:
    """Everything a handler may read to compute the new state."""

    dossier: Dossier
    command: Command
    actor: Actor
    procedure: Procedure
    calendar: WorkingCalendar
    now: datetime
    rule: Rule
    terms: LegalTerms = DEFAULT_TERMS

    def refuse(self, message: str, why: Why, **values: object) -> IllegalTransition:
        """An action this dossier cannot take now: `message` in English, `why` for officials."""
        return IllegalTransition(
            message,
            action=self.command.action.value,
            status=self.dossier.status,
            message_vi=message_vi(why, **values),
        )


Handler = Callable[[Context], Dossier]


def _plain(c: Context) -> Dossier:
    if c.rule.target is None:
        return c.dossier
    return c.dossier.model_copy(update={"status": c.rule.target})


def _not_lent(c: Context) -> None:
    if c.dossier.transferred_from is not None:
        raise c.refuse(
            f"cannot {c.command.action.value} while the dossier is at another agency "
            f"({c.dossier.holder.agency}); it must be transferred back first",
            Why.AT_ANOTHER_AGENCY,
            agency=c.dossier.holder.agency,
            action=c.command.action.label_vi,
        )


def _take_up(c: Context) -> Dossier:
    moved = _enter_step(c.dossier, c.procedure, c.calendar, _first_step(c.procedure), c.now)
    return moved.model_copy(update={"status": S.PROCESSING})


def _forward(c: Context) -> Dossier:
    _not_lent(c)
    _, last = processing_range(c.procedure)
    if c.dossier.step_index >= last:
        raise c.refuse(
            f"step {c.dossier.step_index + 1} ({c.procedure.steps[c.dossier.step_index].name})"
            " is the last processing step: resolve the dossier instead of forwarding it",
            Why.FORWARD_FROM_LAST_STEP,
            step=c.dossier.step_index + 1,
            name=c.procedure.steps[c.dossier.step_index].name,
        )
    return _enter_step(c.dossier, c.procedure, c.calendar, c.dossier.step_index + 1, c.now)


def _send_back(c: Context) -> Dossier:
    _not_lent(c)
    first, _ = processing_range(c.procedure)
    if c.dossier.step_index <= first:
        raise c.refuse(
            "the dossier is at the first processing step; there is no step to send it back to",
            Why.SEND_BACK_FROM_FIRST_STEP,
        )
    return _enter_step(c.dossier, c.procedure, c.calendar, c.dossier.step_index - 1, c.now)


def _transfer(c: Context) -> Dossier:
    _not_lent(c)
    if not c.command.target_agency:
        raise InvalidInput("transfer needs the agency to send the dossier to",
                           field="target_agency",
                           message_vi=message_vi(Why.TRANSFER_AGENCY_NEEDED))  # fmt: skip
    if not c.command.target_unit:
        raise InvalidInput("transfer needs the unit of the target agency", field="target_unit",
                           message_vi=message_vi(Why.TRANSFER_UNIT_NEEDED))  # fmt: skip
    if c.command.target_agency == c.dossier.holder.agency:
        raise InvalidInput("the dossier is already at that agency", field="target_agency",
                           message_vi=message_vi(Why.TRANSFER_TO_SAME_AGENCY))  # fmt: skip
    target = Location(agency=c.command.target_agency, unit=c.command.target_unit)
    return c.dossier.model_copy(
        update={
            "holder": target,
            "transferred_from": c.dossier.holder,
            "involved_agencies": c.dossier.involved_agencies | {target.agency},
        }
    )


def _transfer_back(c: Context) -> Dossier:
    if c.dossier.transferred_from is None:
        raise c.refuse("the dossier was not transferred to another agency", Why.NOT_TRANSFERRED)
    return c.dossier.model_copy(update={"holder": c.dossier.transferred_from,
                                      "transferred_from": None})  # fmt: skip


def _resolve(c: Context) -> Dossier:
    _not_lent(c)
    _, last = processing_range(c.procedure)
    if c.dossier.step_index < last:
        raise c.refuse(
            f"the dossier is at step {c.dossier.step_index + 1} of {last + 1} processing steps; "
            "only the last one can resolve it",
            Why.RESOLVE_BEFORE_LAST_STEP,
            step=c.dossier.step_index + 1,
            steps=last + 1,
        )
    # A result file recorded before the resolve (domain/digitisation.py) already made it
    # electronic: the command cannot unsay what the stored file shows.
    electronic = c.command.electronic_result or c.dossier.electronic_result
    resolved = c.dossier.model_copy(update={"status": S.RESOLVED, "electronic_result": electronic})
    return _to_counter(c, resolved)


def _to_counter(c: Context, resolved: Dossier) -> Dossier:
    """Hand a resolved dossier (its result, or the reasons it is not eligible) to the counter's
    return step, where the procedure has one."""
    _, last = processing_range(c.procedure)
    if last + 1 < len(c.procedure.steps):
        return _enter_step(resolved, c.procedure, c.calendar, last + 1, c.now)
    return resolved


def _extend(c: Context) -> Dossier:
    d = c.dossier
    if d.apologies >= c.terms.apologies_allowed:
        raise c.refuse(
            f"this dossier was already extended with an apology {d.apologies} time(s); the law "
            f"allows {c.terms.apologies_allowed}",
            Why.EXTENSION_USED,
            done=d.apologies,
            allowed=c.terms.apologies_allowed,
        )
    if c.command.new_due_at is None:
        raise InvalidInput("an extension needs the new appointment date", field="new_due_at",
                           message_vi=message_vi(Why.EXTENSION_DATE_NEEDED))  # fmt: skip
    new_due = as_local(c.command.new_due_at, "new_due_at")
    if d.due_at is None:
        raise c.refuse("the dossier has no appointment date to extend", Why.NO_APPOINTMENT)
    if new_due <= d.due_at:
        raise InvalidInput(
            f"the new appointment date must be after the current one ({d.due_at.isoformat()})",
            field="new_due_at",
            message_vi=message_vi(Why.EXTENSION_NOT_LATER, due=alarms.shown(d.due_at)),
        )
    if new_due <= c.now:
        raise InvalidInput("the new appointment date must be in the future", field="new_due_at",
                           message_vi=message_vi(Why.EXTENSION_IN_PAST))  # fmt: skip
    if new_due > c.now + APPOINTMENT_HORIZON:
        raise InvalidInput(
            f"the new appointment date may be at most {APPOINTMENT_HORIZON.days} days away",
            field="new_due_at",
            message_vi=message_vi(Why.EXTENSION_TOO_FAR, days=APPOINTMENT_HORIZON.days),
        )
    if not c.calendar.within_office_hours(new_due):
        raise InvalidInput(
            "the new appointment date must fall in working hours of a working day",
            field="new_due_at",
            message_vi=message_vi(Why.EXTENSION_OUTSIDE_HOURS),
        )
    allowed = c.procedure.time_limit.to_timedelta(c.calendar.working_day)
    latest = c.calendar.add(d.due_at, allowed * c.terms.extension_at_most)
    if new_due > latest:
        raise InvalidInput(
            f"the new appointment date may be at most {c.terms.extension_at_most:g} × the "
            f"procedure's time limit after the current one: {latest.isoformat()} at the latest",
            field="new_due_at",
            message_vi=message_vi(
                Why.EXTENSION_BEYOND_LIMIT,
                latest=alarms.shown(latest),
                times=f"{c.terms.extension_at_most:g}",
            ),
        )
    return d.model_copy(update={
        "due_at": new_due,
        "original_due_at": d.original_due_at or d.due_at,  # QĐ 766 still judges this one
        "apologies": d.apologies + 1,
        "overdue": False,
    })  # fmt: skip


def _request_supplement(c: Context) -> Dossier:
    d = c.dossier
    at_hand = c.actor.is_at(d.holder) or c.actor.is_at(d.received_by)
    if not at_hand and Role.LEADER not in c.actor.roles:  # the agency's leader may, anywhere
        raise NotPermitted(
            f"request_supplement is asked by the unit that holds the dossier "
            f"({d.holder.agency}/{d.holder.unit}), the counter, or a leader of the agency",
            action=c.command.action.value,
            status=d.status,
            field="agency",
            message_vi=message_vi(
                Why.SUPPLEMENT_NOT_AT_HAND, where=f"{d.holder.agency}/{d.holder.unit}"
            ),
        )
    deadline = c.now + timedelta(days=c.terms.supplement_wait_days)
    if d.received_at is None:  # the counter's check before receipt: no clock yet
        if Role.RECEIVER not in c.actor.roles:
            raise NotPermitted(
                "before receipt only the counter's receiver asks for a supplement",
                action=c.command.action.value,
                status=d.status,
                field="roles",
                message_vi=message_vi(Why.SUPPLEMENT_BEFORE_RECEIPT),
            )
        return d.model_copy(
            update={"status": S.SUPPLEMENT_REQUESTED, "supplement_due_at": deadline}
        )
    limit = c.procedure.supplement_request_within  # None: the law's, in the terms
    within = (
        limit.to_timedelta(c.calendar.working_day) if limit else c.terms.supplement_request_within
    )
    since_receipt = processing_time(d, c.calendar, c.now)
    late = d.supplement_requests >= 1 or since_receipt > within
    if late and Role.LEADER not in c.actor.roles:
        second = d.supplement_requests >= 1
        why = (
            "a second supplement request"
            if second
            else f"a supplement request more than {within} of working time after receipt"
        )
        hours = f"{within.total_seconds() / 3600:g}"
        raise NotPermitted(
            f"{why} needs a leader (it counts the dossier late for QĐ 766)",
            action=c.command.action.value,
            status=d.status,
            field="roles",
            message_vi=message_vi(Why.SECOND_SUPPLEMENT)
            if second
            else message_vi(Why.SUPPLEMENT_AFTER_LIMIT, within=hours),
        )
    return d.model_copy(update={
        "status": S.SUPPLEMENT_REQUESTED,
        "supplement_due_at": deadline,
        "supplement_after_limit": d.supplement_after_limit or late,
    })  # fmt: skip


def _refuse(c: Context) -> Dossier:
    if c.dossier.received_at is not None:
        raise c.refuse(
            "a received dossier is not refused: stop it (Mẫu 05) or resolve it with the reasons",
            Why.REFUSE_RECEIVED,
        )
    return c.dossier.model_copy(update={"status": S.REFUSED, "supplement_due_at": None})


def _stop(c: Context) -> Dossier:
    d = c.dossier
    if d.received_at is None:
        raise c.refuse("a dossier not received is refused (Mẫu 03), not stopped",
                       Why.STOP_NOT_RECEIVED)  # fmt: skip
    if Role.LEADER not in c.actor.roles:
        lapsed = d.supplement_due_at is not None and d.supplement_due_at <= c.now
        if not (d.status is S.SUPPLEMENT_REQUESTED and lapsed):
            raise NotPermitted(
                "stop needs a leader; the counter closes a dossier only once its supplement "
                "deadline has passed",
                action=c.command.action.value,
                status=d.status,
                field="roles",
                message_vi=message_vi(Why.STOP_NEEDS_LEADER),
            )
    return d.model_copy(update={"status": S.STOPPED, "supplement_due_at": None})


def _return_ineligible(c: Context) -> Dossier:
    _not_lent(c)
    return _to_counter(c, c.dossier.model_copy(update={"status": S.RESOLVED, "ineligible": True}))


def _request_fees(c: Context) -> Dossier:
    # Owed unless the request says 0 (the portal leaves fee lists of all 0 out of 3.6).
    owed = c.dossier.fees_requested or c.command.amount_vnd != 0
    return c.dossier.model_copy(update={"status": S.FEES_REQUESTED, "fees_requested": owed})


def _fees_paid(c: Context) -> Dossier:
    online = c.command.payment_channel is PaymentChannel.ONLINE
    return c.dossier.model_copy(update={"fees_paid_online": c.dossier.fees_paid_online or online})


_HANDLERS: dict[Action, Handler] = {
    Action.TAKE_UP: _take_up,
    Action.FORWARD: _forward,
    Action.SEND_BACK: _send_back,
    Action.TRANSFER: _transfer,
    Action.TRANSFER_BACK: _transfer_back,
    Action.RESOLVE: _resolve,
    Action.EXTEND_WITH_APOLOGY: _extend,
    Action.REQUEST_SUPPLEMENT: _request_supplement,
    Action.REFUSE: _refuse,
    Action.STOP: _stop,
    Action.RETURN_INELIGIBLE: _return_ineligible,
    Action.REQUEST_FEES: _request_fees,
    Action.FEES_PAID: _fees_paid,
}


# -- the clock --------------------------------------------------------------------------------
def paused_working_time(dossier: Dossier, calendar: WorkingCalendar, now: datetime) -> timedelta:
    """Working time of the pause under way, counted from when the legal clock started."""
    if dossier.paused_at is None:
        return ZERO
    since = dossier.paused_at
    if dossier.clock_started_at is not None:
        since = max(since, dossier.clock_started_at)
    return calendar.between(since, now)


def _apply_clock(
    before: Dossier,
    after: Dossier,
    rule: Rule,
    procedure: Procedure,
    calendar: WorkingCalendar,
    now: datetime,
    terms: LegalTerms = DEFAULT_TERMS,
) -> Dossier:
    if rule.clock is Clock.START:
        return _start_clock(after, procedure, calendar, now)
    if rule.clock is Clock.PAUSE:
        supplement = rule.target is S.SUPPLEMENT_REQUESTED
        received = before.received_at is not None
        return after.model_copy(update={
            "paused_at": now,
            "paused_from": before.status,
            "supplement_requests": before.supplement_requests + (supplement and received),
            "pre_receipt_supplements": before.pre_receipt_supplements
            + (supplement and not received),
        })  # fmt: skip
    if rule.clock is Clock.RESUME:
        resumed = {"status": before.paused_from or S.PROCESSING, "paused_at": None,
                   "paused_from": None, "supplement_due_at": None}  # fmt: skip
        if before.received_at is None:  # back to the counter's check: no clock to move
            return after.model_copy(update=resumed)
        paused = paused_working_time(before, calendar, now)
        shifted = after.model_copy(update={
            **resumed,
            "paused_total": before.paused_total + paused,
            "due_at": _shift(before.due_at, paused, calendar),
            "original_due_at": _shift(before.original_due_at or before.due_at, paused, calendar),
            "step_due_at": _shift(before.step_due_at, paused, calendar),
        })  # fmt: skip
        if _restarts(before, terms):
            # NĐ 118 art. 19(5): the time limit counts again from the complete dossier; what
            # QĐ 766 judges (original_due_at) only moved by the wait.
            restarted = _enter_step(shifted, procedure, calendar, shifted.step_index, now)
            start = calendar.start_of_count(now, procedure.cutoff)
            return restarted.model_copy(
                update={"due_at": calendar.add_duration(start, procedure.time_limit)}
            )
        return shifted
    if rule.clock is Clock.END:
        paused = paused_working_time(before, calendar, now) if before.received_at else ZERO
        return after.model_copy(update={
            "ended_at": now,
            "paused_at": None,
            "paused_from": None,
            "paused_total": before.paused_total + paused,
        })  # fmt: skip
    return after


def _restarts(before: Dossier, terms: LegalTerms) -> bool:
    """A supplement asked in time after receipt, now received: the appointment restarts."""
    return (
        terms.supplement_restarts_clock
        and before.status is S.SUPPLEMENT_REQUESTED
        and before.received_at is not None
        and before.apologies == 0  # an extended appointment is kept as promised
        and not before.supplement_after_limit
    )


def _shift(
    moment: datetime | None, paused: timedelta, calendar: WorkingCalendar
) -> datetime | None:
    if moment is None or paused <= ZERO:
        return moment
    return calendar.add(moment, paused)


def processing_time(dossier: Dossier, calendar: WorkingCalendar, now: datetime) -> timedelta:
    """Working time spent processing: from the clock's start to its end (or now), pauses out."""
    if dossier.clock_started_at is None:
        return ZERO
    end = dossier.ended_at or now
    elapsed = calendar.between(dossier.clock_started_at, end)
    ongoing = paused_working_time(dossier, calendar, end)
    return elapsed - dossier.paused_total - ongoing
