"""Feedback (phản ánh, kiến nghị: PAKN): its lifecycle, its deadline and its alarms.

received → assigned → being handled → answered → published; or transferred to the competent
agency, or refused as out of scope (both end it here and take it out of QĐ 766 5.2's
denominator). The answer is due `answer_within` working days after receipt on the dossiers'
working calendar (docs/law.md §14b); "due soon" and "overdue" alarms fire once each, as a
dossier's do (the same policy's lead, the same `FiredAlarm`, the same mailboxes).

Who acts: a leader of the handling agency assigns, transfers, refuses and publishes; the
assignee (or a leader) starts and answers. The person's data is shown only to those handling
it (the assignee, the agency's leaders, whoever typed it in); a PAKN about an official is not
shown to that official at all.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.domain.alarms import AlarmKind, AlarmPolicy, FiredAlarm, Recipient
from chalicelib.domain.calendar import LOCAL_TZ, WorkingCalendar, WorkingDuration, as_local
from chalicelib.domain.dossier import Actor
from chalicelib.domain.errors import IllegalTransition, InvalidInput, NotPermitted
from chalicelib.domain.notifications import NotificationJob
from chalicelib.domain.sms import fit_septets, is_landline, sms_parts, unaccent
from chalicelib.domain.statuses import Role

MAX_TITLE = 200
MAX_CONTENT = 4000
NO_PROCEDURE = "-"  # the counters' row of a PAKN that names no procedure


class FeedbackKind(StrEnum):
    COMPLAINT = "complaint"  # phản ánh
    SUGGESTION = "suggestion"  # kiến nghị


class FeedbackChannel(StrEnum):
    NATIONAL_PORTAL = "national_portal"
    HOTLINE_1022 = "hotline_1022"
    PHONE = "phone"  # a call taken by an official
    LETTER = "letter"
    COUNTER = "counter"  # said at the counter


class FeedbackStatus(StrEnum):
    RECEIVED = "received"
    ASSIGNED = "assigned"
    BEING_HANDLED = "being_handled"
    ANSWERED = "answered"
    PUBLISHED = "published"
    TRANSFERRED = "transferred"
    REFUSED = "refused"  # out of scope

    @property
    def is_open(self) -> bool:
        return self in OPEN


OPEN = frozenset({FeedbackStatus.RECEIVED, FeedbackStatus.ASSIGNED, FeedbackStatus.BEING_HANDLED})
ENDED_HERE = frozenset({FeedbackStatus.TRANSFERRED, FeedbackStatus.REFUSED})


class FeedbackAction(StrEnum):
    ASSIGN = "assign"
    START = "start"
    ANSWER = "answer"
    PUBLISH = "publish"
    TRANSFER = "transfer"
    REFUSE = "refuse"


S = FeedbackStatus
# action → (the statuses it starts from, the status it leads to)
MOVES: dict[FeedbackAction, tuple[frozenset[FeedbackStatus], FeedbackStatus]] = {
    FeedbackAction.ASSIGN: (frozenset({S.RECEIVED, S.ASSIGNED, S.BEING_HANDLED}), S.ASSIGNED),
    FeedbackAction.START: (frozenset({S.ASSIGNED}), S.BEING_HANDLED),
    FeedbackAction.ANSWER: (frozenset({S.ASSIGNED, S.BEING_HANDLED}), S.ANSWERED),
    FeedbackAction.PUBLISH: (frozenset({S.ANSWERED}), S.PUBLISHED),
    FeedbackAction.TRANSFER: (OPEN, S.TRANSFERRED),
    FeedbackAction.REFUSE: (OPEN, S.REFUSED),
}
LEADERS_ONLY = frozenset(
    {FeedbackAction.ASSIGN, FeedbackAction.PUBLISH, FeedbackAction.TRANSFER, FeedbackAction.REFUSE}
)


class Person(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    phone: str | None = None
    email: str | None = None
    address: str | None = None


class Official(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    unit: str


class Feedback(BaseModel):
    """One PAKN as this agency handles it."""

    model_config = ConfigDict(frozen=True)

    id: str
    channel: FeedbackChannel
    source: str  # the webhook client, or the official who typed it in
    external_id: str | None = None
    kind: FeedbackKind
    agency: str  # the handling agency
    title: str
    content: str
    dossier_code: str | None = None
    procedure_code: str | None = None
    about_official: str | None = None  # an official's id: never shown to that official
    person: Person
    entered_by: str | None = None  # the official who typed it in
    received_at: datetime
    due_at: datetime
    status: FeedbackStatus = FeedbackStatus.RECEIVED
    assignee: Official | None = None
    answer: str | None = None
    answered_at: datetime | None = None
    answered_by: str | None = None
    on_time: bool | None = None  # judged when answered
    published_at: datetime | None = None
    transferred_to: str | None = None
    reason: str | None = None  # of a transfer or a refusal
    closed_at: datetime | None = None  # transferred or refused: out of this agency's count
    alarms_fired: frozenset[str] = frozenset()
    next_alarm_at: datetime | None = None
    revision: int = Field(default=1, ge=1)

    @property
    def counter_procedure(self) -> str:
        return self.procedure_code or NO_PROCEDURE


def opened(feedback: Feedback, calendar: WorkingCalendar, policy: AlarmPolicy) -> Feedback:
    """A new PAKN with its first alarm moment."""
    return feedback.model_copy(update={"next_alarm_at": _next_alarm(feedback, calendar, policy)})


def due_at(received_at: datetime, calendar: WorkingCalendar, answer_within: int) -> datetime:
    """The answer's deadline: `answer_within` working days after receipt."""
    received = as_local(received_at, "received_at")
    return calendar.add_duration(received, WorkingDuration.days(answer_within))


def is_leader_of(actor: Actor, agency: str) -> bool:
    return actor.agency == agency and (Role.LEADER in actor.roles or Role.ADMIN in actor.roles)


def handles(actor: Actor, feedback: Feedback) -> bool:
    """Whether `actor` handles it: the assignee, a leader of its agency, whoever typed it in."""
    if actor.id == feedback.about_official:
        return False
    return (
        is_leader_of(actor, feedback.agency)
        or (feedback.assignee is not None and feedback.assignee.id == actor.id)
        or (feedback.entered_by is not None and feedback.entered_by == actor.id)
    )


def works_on(actor: Actor, feedback: Feedback) -> bool:
    """Whether `actor` may start and answer it: the assignee, or a leader of its agency."""
    assigned = feedback.assignee is not None and feedback.assignee.id == actor.id
    return actor.id != feedback.about_official and (
        assigned or is_leader_of(actor, feedback.agency)
    )


def may_see(actor: Actor, feedback: Feedback) -> bool:
    """Officials of the handling agency see it (the person masked unless they handle it); an
    official it is about never does."""
    return actor.id != feedback.about_official and actor.agency == feedback.agency


def act(
    feedback: Feedback,
    action: FeedbackAction,
    actor: Actor,
    at: datetime,
    *,
    calendar: WorkingCalendar,
    policy: AlarmPolicy,
    assignee: Official | None = None,
    answer: str | None = None,
    to_agency: str | None = None,
    reason: str | None = None,
) -> Feedback:
    """The PAKN after `actor` does `action` at `at`; IllegalTransition / NotPermitted /
    InvalidInput (naming the field) otherwise."""
    sources, target = MOVES[action]
    if action in LEADERS_ONLY and not is_leader_of(actor, feedback.agency):
        raise NotPermitted(f"only a leader of {feedback.agency} may {action.value}",
                           action=action.value, status=0)  # fmt: skip
    if action not in LEADERS_ONLY and not works_on(actor, feedback):
        raise NotPermitted(f"only the assignee or a leader may {action.value}",
                           action=action.value, status=0)  # fmt: skip
    if feedback.status not in sources:
        raise IllegalTransition(
            f"cannot {action.value} a PAKN that is {feedback.status.value}",
            action=action.value, status=0,
        )  # fmt: skip
    at = as_local(at, "at")
    update: dict[str, object] = {"status": target, "revision": feedback.revision + 1}
    if action is FeedbackAction.ASSIGN:
        if assignee is None:
            raise InvalidInput("assign names the assignee", field="assignee")
        if assignee.id == feedback.about_official:
            raise InvalidInput("a PAKN is not assigned to the official it is about",
                               field="assignee")  # fmt: skip
        update["assignee"] = assignee
    elif action is FeedbackAction.ANSWER:
        if not answer:
            raise InvalidInput("answer gives the answer's text", field="answer")
        update.update(answer=answer, answered_at=at, answered_by=actor.id,
                      on_time=at <= feedback.due_at)  # fmt: skip
    elif action is FeedbackAction.PUBLISH:
        update["published_at"] = at
    elif action is FeedbackAction.TRANSFER:
        if not to_agency or to_agency == feedback.agency:
            raise InvalidInput("transfer names another agency", field="to_agency")
        update.update(transferred_to=to_agency, reason=reason, closed_at=at)
    elif action is FeedbackAction.REFUSE:
        if not reason:
            raise InvalidInput("a refusal as out of scope gives its reason", field="reason")
        update.update(reason=reason, closed_at=at)
    after = feedback.model_copy(update=update)
    return after.model_copy(update={"next_alarm_at": _next_alarm(after, calendar, policy)})


def counted(before: Feedback | None, after: Feedback) -> dict[str, int]:
    """QĐ 766 5.2/5.3 increments on the handling agency's row (docs/law.md §14c)."""
    delta: dict[str, int] = {}
    if before is None:
        delta["feedback_in_scope"] = 1
    elif before.status.is_open and after.status in ENDED_HERE:
        delta["feedback_in_scope"] = -1
    if after.answered_at is not None and (before is None or before.answered_at is None):
        delta["feedback_on_time" if after.on_time else "feedback_late"] = 1
    return delta


def rebuild(items: list[Feedback]) -> dict[tuple[str, str, str], dict[str, int]]:
    """The counters `counted` added, recomputed from the PAKN as they stand (the rebuild's
    check of the live counters): each on its own agency's row, in the month of each event."""
    rows: dict[tuple[str, str, str], dict[str, int]] = {}

    def add(at: datetime, item: Feedback, key: str, amount: int = 1) -> None:
        row = rows.setdefault((item.agency, month_of(at), item.counter_procedure), {})
        row[key] = row.get(key, 0) + amount

    for item in items:
        add(item.received_at, item, "feedback_in_scope")
        if item.status in ENDED_HERE and item.closed_at is not None:
            add(item.closed_at, item, "feedback_in_scope", -1)
        if item.answered_at is not None:
            add(item.answered_at, item, "feedback_on_time" if item.on_time else "feedback_late")
    return rows


def month_of(moment: datetime) -> str:
    return as_local(moment, "moment").strftime("%Y-%m")


# -- alarms -----------------------------------------------------------------------------------
def _thresholds(
    feedback: Feedback, calendar: WorkingCalendar, policy: AlarmPolicy
) -> list[tuple[AlarmKind, str, datetime]]:
    if not feedback.status.is_open:
        return []
    allowed = calendar.between(feedback.received_at, feedback.due_at)
    warn = calendar.subtract(feedback.due_at, policy.lead(allowed))
    return [
        (AlarmKind.FEEDBACK_DUE_SOON, "feedback_due_soon", warn),
        (AlarmKind.FEEDBACK_OVERDUE, "feedback_overdue", feedback.due_at),
    ]


def _next_alarm(
    feedback: Feedback, calendar: WorkingCalendar, policy: AlarmPolicy
) -> datetime | None:
    pending = [
        at
        for _, key, at in _thresholds(feedback, calendar, policy)
        if key not in feedback.alarms_fired
    ]
    return min(pending) if pending else None


MESSAGES_VI = {
    AlarmKind.FEEDBACK_DUE_SOON: "Phản ánh, kiến nghị {id} sắp đến hạn trả lời ({due})",
    AlarmKind.FEEDBACK_OVERDUE: "Phản ánh, kiến nghị {id} đã quá hạn trả lời ({due})",
}


def fire(
    feedback: Feedback, calendar: WorkingCalendar, now: datetime, policy: AlarmPolicy
) -> tuple[Feedback, list[FiredAlarm]]:
    """The alarms whose moment has come and have not fired, and the PAKN that remembers them
    (its next alarm moved on)."""
    fired: list[FiredAlarm] = []
    keys = set(feedback.alarms_fired)
    due = feedback.due_at.astimezone(LOCAL_TZ).strftime("%H:%M %d/%m/%Y")
    for kind, key, at in _thresholds(feedback, calendar, policy):
        if key in keys or at > now:
            continue
        keys.add(key)
        fired.append(
            FiredAlarm(
                code=feedback.id,
                kind=kind,
                key=key,
                threshold_at=at,
                fired_at=now,
                recipients=(Recipient(feedback.agency, "", Role.LEADER),),
                message_vi=MESSAGES_VI[kind].format(id=feedback.id, due=due),
            )
        )
    if not fired:
        return feedback, []
    after = feedback.model_copy(
        update={"alarms_fired": frozenset(keys), "revision": feedback.revision + 1}
    )
    return after.model_copy(update={"next_alarm_at": _next_alarm(after, calendar, policy)}), fired


# -- what people see ----------------------------------------------------------------------------
def view(feedback: Feedback, actor: Actor) -> dict[str, object]:
    """The PAKN as `actor` sees it: the person only for those handling it."""
    shown = feedback.model_dump(mode="json", exclude={"alarms_fired", "next_alarm_at"})
    if not handles(actor, feedback):
        shown["person"] = None
        shown["about_official"] = "***" if feedback.about_official else None
    shown["alarms_fired"] = sorted(feedback.alarms_fired)
    return shown


# -- the reply to the person ----------------------------------------------------------------------
SMS_REPLY_SEPTETS = 459  # three parts of 153: the answer is cut to fit, the email has it whole


def reply_job(feedback: Feedback, agency_name: str) -> NotificationJob | None:
    """The answer sent to the person (SMS when the phone takes it, email when there is an
    address): essential, so an opt-out does not stop it. None when there is nowhere to send."""
    person = feedback.person
    landline = person.phone is not None and is_landline(person.phone)
    textable = person.phone is not None and not landline
    if not textable and not person.email:
        return None
    head = f"{agency_name} trả lời phản ánh, kiến nghị {feedback.id} ({feedback.title})"
    text_vi = f"{head}:\n{feedback.answer or ''}"
    sms = fit_septets(unaccent(f"{head}: {feedback.answer or ''}"), SMS_REPLY_SEPTETS)
    return NotificationJob(
        key=f"{feedback.id}:r{feedback.revision}:feedback_answered",
        code=feedback.dossier_code,
        kind="feedback_answered",
        essential=True,
        phone=person.phone if textable else None,
        landline=landline,
        emails=(person.email,) if person.email else (),
        subject=f"Trả lời phản ánh, kiến nghị {feedback.id}",
        text_vi=text_vi,
        sms_text=sms if textable else None,
        sms_parts=sms_parts(sms).parts if textable else None,
    )
