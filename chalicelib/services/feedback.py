"""Feedback (PAKN): received from the national portal, the 1022 hotline or an official;
handled to its answer; its alarms fired by the deadline timer.

Each PAKN is written with its QĐ 766 counters in one transaction (ports/feedback.py). One that
names a dossier is also recorded on the dossier (`feedback_received`, `feedback_answered`)
through the store's change path, under a command id that names the PAKN: a retried request
applies nothing twice there either. The reply to the person is the answer's outbox.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from chalicelib.domain import feedback as fb
from chalicelib.domain import indicators
from chalicelib.domain.agencies import AgencyRegistry
from chalicelib.domain.alarms import DEFAULT_POLICY, AlarmPolicy, FiredAlarm
from chalicelib.domain.calendar import WorkingCalendar
from chalicelib.domain.dossier import Action, Actor, Dossier, Transition, change_entry
from chalicelib.domain.errors import IllegalTransition, InvalidInput, NotPermitted
from chalicelib.domain.statuses import Role
from chalicelib.ports.feedback import FeedbackStore
from chalicelib.ports.records import ApplyOutcome, Change
from chalicelib.services.errors import Conflict, FieldIssue, Forbidden, Invalid, NotFound
from chalicelib.services.outbox import Notices
from chalicelib.services.ratings import RatingStore

ATTEMPTS = 4
NOT_FOUND_VI = "Không tìm thấy phản ánh, kiến nghị"


@dataclass(frozen=True)
class FeedbackDeps:
    records: FeedbackStore
    dossiers: RatingStore  # load and change a dossier the PAKN names
    agencies: AgencyRegistry
    calendar: WorkingCalendar
    answer_days: int
    policy: AlarmPolicy = DEFAULT_POLICY
    notices: Notices | None = None  # None: alarms are recorded but nobody is told


@dataclass
class FeedbackAlarmReport:
    read: int = 0
    fired: list[FiredAlarm] = field(default_factory=list)
    raced: list[str] = field(default_factory=list)


def feedback_id(source: str, external_id: str | None) -> str:
    """The same PAKN from the same source is the same id; one typed in without an id is new."""
    seed = f"{source}\n{external_id}" if external_id else uuid.uuid4().hex
    return "PA-" + hashlib.sha256(seed.encode()).hexdigest()[:12].upper()


def _issue(name: str, exc: InvalidInput | IllegalTransition, message_vi: str) -> FieldIssue:
    return FieldIssue(name, exc.message, message_vi)


def _not_found(feedback_id_: str) -> NotFound:
    return NotFound(
        f"no PAKN {feedback_id_} for you",
        errors=[FieldIssue("feedback_id", "no such PAKN", NOT_FOUND_VI)],
    )


def _month_row(agency: str, at: datetime, procedure: str) -> tuple[str, str, str]:
    return agency, fb.month_of(at), procedure


def receive(
    body: Any,
    *,
    channel: fb.FeedbackChannel,
    source: str,
    entered_by: Actor | None,
    now: datetime,
    deps: FeedbackDeps,
) -> tuple[fb.Feedback, bool]:
    """The PAKN `body` describes (voice_models.FeedbackIn), kept once per (source, external
    id): (it, True) when new, (the one kept, False) when sent before."""
    agency = body.agency or (entered_by.agency if entered_by else None)
    if agency is None or deps.agencies.get(agency) is None:
        raise Invalid(
            f"agency {agency} is not in the registry",
            errors=[FieldIssue("agency", "unknown agency", "Không tìm thấy cơ quan")],
        )
    dossier: Dossier | None = None
    if body.dossier_code:
        loaded = deps.dossiers.load(body.dossier_code)
        if loaded is None:
            raise NotFound(
                f"no dossier {body.dossier_code}",
                errors=[FieldIssue("dossier_code", "no such dossier", "Không tìm thấy hồ sơ")],
            )
        dossier = loaded.dossier
    received_at = body.received_at or now
    procedure = body.procedure_code or (dossier.procedure_code if dossier else None)
    person = body.person
    item = fb.Feedback(
        id=feedback_id(source, body.external_id),
        channel=channel,
        source=source,
        external_id=body.external_id,
        kind=body.kind,
        agency=agency,
        title=body.title,
        content=body.content,
        dossier_code=body.dossier_code,
        procedure_code=procedure,
        about_official=body.about_official,
        person=fb.Person(
            name=person.name, phone=person.phone, email=person.email, address=person.address
        ),
        entered_by=entered_by.id if entered_by else None,
        received_at=received_at,
        due_at=fb.due_at(received_at, deps.calendar, deps.answer_days),
    )
    item = fb.opened(item, deps.calendar, deps.policy)
    counted = (_month_row(agency, received_at, item.counter_procedure), fb.counted(None, item))
    created = deps.records.create(item, counted=counted)
    if not created:
        kept = deps.records.get(agency, item.id)
        assert kept is not None  # created before, never deleted
        item = kept
    if dossier is not None:  # again on a re-send: the command id makes it apply once
        _on_dossier(item, Action.FEEDBACK_RECEIVED, item.received_at, deps)
    return item, created


def _on_dossier(item: fb.Feedback, action: Action, at: datetime, deps: FeedbackDeps) -> None:
    """Record the PAKN on the dossier it names (its history; `complaints` on receipt, which
    QĐ 766 5.4 counts). No personal data: the PAKN's id and title, or the answer's start."""
    assert item.dossier_code is not None
    actor = Actor(id=item.source, name=f"Phản ánh, kiến nghị {item.id}", agency=item.agency,
                  roles=frozenset({Role.SYSTEM}))  # fmt: skip
    for _ in range(ATTEMPTS):
        loaded = deps.dossiers.load(item.dossier_code)
        if loaded is None:
            return
        if any(e.feedback_id == item.id and e.action is action for e in loaded.history):
            return  # recorded before (a re-send): read, not written again
        before = loaded.dossier
        complaints = before.complaints + int(action is Action.FEEDBACK_RECEIVED)
        after = before.model_copy(update={"complaints": complaints, "version": before.version + 1,
                                          "revision": before.revision + 1})  # fmt: skip
        note = f"{item.id}: {item.title}"
        if action is Action.FEEDBACK_ANSWERED:
            note = f"{item.id} đã được trả lời: {(item.answer or '')[:300]}"
        entry = change_entry(before, after, action, actor, at, note)
        transition = Transition(
            dossier=after, entry=entry.model_copy(update={"feedback_id": item.id})
        )
        outcome = deps.dossiers.apply(
            Change(
                transition.dossier,
                transition.entry,
                command_id=f"feedback-{action.value}-{item.id}",
                expected_revision=before.revision,
                counted=indicators.counted_change(before, after, at, deps.calendar),
            )
        )
        if outcome is not ApplyOutcome.CONFLICT:
            return
    raise Conflict(
        f"dossier {item.dossier_code} kept changing: send again",
        errors=[FieldIssue("dossier_code", "changed meanwhile", "Hồ sơ vừa thay đổi")],
    )


def visible(actor: Actor, feedback_id_: str, deps: FeedbackDeps) -> fb.Feedback:
    """The PAKN if `actor` may see it (404 otherwise: its existence is not told)."""
    item = deps.records.get(actor.agency, feedback_id_)
    if item is None or not fb.may_see(actor, item):
        raise _not_found(feedback_id_)
    return item


def read(actor: Actor, feedback_id_: str, deps: FeedbackDeps) -> dict[str, object]:
    return fb.view(visible(actor, feedback_id_, deps), actor)


def listing(actor: Actor, deps: FeedbackDeps) -> dict[str, object]:
    """The agency's PAKN the actor may see, newest first (the leaders' board)."""
    items = [f for f in deps.records.of_agency(actor.agency) if fb.may_see(actor, f)]
    return {"items": [fb.view(f, actor) for f in items]}


def act(
    actor: Actor,
    feedback_id_: str,
    request: Any,
    *,
    now: datetime,
    deps: FeedbackDeps,
) -> dict[str, object]:
    """Apply `request` (voice_models.FeedbackActionIn) to a PAKN the actor sees."""
    before = visible(actor, feedback_id_, deps)
    if request.expected_revision != before.revision:
        raise Conflict(
            f"the PAKN is at revision {before.revision}",
            errors=[FieldIssue("expected_revision", "stale", "Phản ánh vừa được cập nhật")],
        )
    assignee = request.assignee
    try:
        after = fb.act(
            before,
            request.action,
            actor,
            now,
            calendar=deps.calendar,
            policy=deps.policy,
            assignee=fb.Official(id=assignee.id, name=assignee.name, unit=assignee.unit)
            if assignee
            else None,
            answer=request.answer,
            to_agency=request.to_agency,
            reason=request.reason,
        )
    except NotPermitted as exc:
        raise Forbidden(exc.message, errors=[_issue("action", exc, "Không có quyền")]) from exc
    except IllegalTransition as exc:
        issue = _issue("action", exc, "Trạng thái không cho phép")
        raise Conflict(exc.message, errors=[issue]) from exc
    except InvalidInput as exc:
        issue = _issue(exc.field or "action", exc, "Thông tin chưa hợp lệ")
        raise Invalid(exc.message, errors=[issue]) from exc
    if request.action is fb.FeedbackAction.TRANSFER and (
        request.to_agency is None or deps.agencies.get(request.to_agency) is None
    ):
        raise Invalid(
            f"agency {request.to_agency} is not in the registry",
            errors=[FieldIssue("to_agency", "unknown agency", "Không tìm thấy cơ quan")],
        )
    delta = fb.counted(before, after)
    counted = (_month_row(after.agency, now, after.counter_procedure), delta) if delta else None
    outbox = []
    if request.action is fb.FeedbackAction.ANSWER:
        job = fb.reply_job(after, deps.agencies.name_of(after.agency))
        outbox = [job] if job else []
    outcome = deps.records.save(
        after, expected_revision=before.revision, counted=counted, outbox=outbox
    )
    if outcome is not ApplyOutcome.APPLIED:
        raise Conflict(
            "the PAKN changed meanwhile",
            errors=[FieldIssue("expected_revision", "stale", "Phản ánh vừa được cập nhật")],
        )
    if request.action is fb.FeedbackAction.ANSWER and after.dossier_code:
        _on_dossier(after, Action.FEEDBACK_ANSWERED, now, deps)
    if request.action is fb.FeedbackAction.TRANSFER and request.to_agency:
        _hand_over(after, request.to_agency, now, deps)
    return fb.view(after, actor)


def _hand_over(item: fb.Feedback, to_agency: str, now: datetime, deps: FeedbackDeps) -> None:
    """The competent agency receives the PAKN as its own (its deadline from now)."""
    copy = item.model_copy(
        update={
            "id": feedback_id(item.id, to_agency),
            "source": f"{item.agency}:{item.id}",
            "agency": to_agency,
            "status": fb.FeedbackStatus.RECEIVED,
            "assignee": None,
            "transferred_to": None,
            "reason": None,
            "received_at": now,
            "due_at": fb.due_at(now, deps.calendar, deps.answer_days),
            "alarms_fired": frozenset(),
            "revision": 1,
        }
    )
    copy = fb.opened(copy, deps.calendar, deps.policy)
    row = _month_row(to_agency, now, copy.counter_procedure)
    deps.records.create(copy, counted=(row, fb.counted(None, copy)))


def fire_alarms(now: datetime, deps: FeedbackDeps) -> FeedbackAlarmReport:
    """The deadline timer's part for PAKN: each alarm once (the alarm items are conditional,
    the PAKN's write is conditional on the revision read)."""
    report = FeedbackAlarmReport()
    for agency, found_id in deps.records.due(now):
        item = deps.records.get(agency, found_id)
        report.read += 1
        if item is None:
            continue
        after, fired = fb.fire(item, deps.calendar, now, deps.policy)
        if not fired:
            continue
        outbox = {a.key: deps.notices.for_alarm(a) for a in fired} if deps.notices else None
        outcome = deps.records.save(
            after, expected_revision=item.revision, alarms=fired, alarm_outbox=outbox
        )
        if outcome is ApplyOutcome.APPLIED:
            report.fired.extend(fired)
        else:
            report.raced.append(found_id)
    return report
