"""Deadline alarms: when each dossier must be looked at, and what to say when it is.

Thresholds, each firing at most once:
- a step due soon (its unit is alerted) and a step overdue (the unit and its leader);
- the dossier due soon; the apology due (Mẫu 04 must go out at least one working day before
  the appointment, NĐ 118 art. 19(6): the leader of the agency holding the dossier gets the
  prepared apology); the dossier overdue (flagged; the leaders are alerted, and told when the
  apology is still missing);
- while a supplement is awaited (the clock stands still): the applicant reminded before the
  deadline, and the officials told when it lapses (the counter may then close the dossier,
  art. 19(5)). A dossier never waits in status 5 without anyone being told.

A run that comes long after thresholds passed (the first sweep of a dossier, a timer stopped for
days) fires only what is still true, as one alarm per dossier: an overdue supersedes its due
soon (and the dossier's overdue the step's, and the apology's proposal, which it carries); what
remains is told in one message under the gravest kind. Every passed key is remembered, so
nothing superseded fires later.

An alarm names who holds the dossier (`Dossier.handled_by`) and whether their leader is told
too; services/outbox.py finds them in the officials' directory, and falls back to the agencies'
mailboxes (`recipients`) when the holder is unknown or has no address.

A threshold's key names what it is about: a step alarm belongs to one visit of one step (a
dossier sent back and forwarded again gets new ones), a dossier alarm to one appointment date
(an extension with apology gets new ones; a pause only moves the date, so it does not).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum

from chalicelib.domain.calendar import LOCAL_TZ, WorkingCalendar
from chalicelib.domain.dossier import Dossier, Location
from chalicelib.domain.legal import DEFAULT_TERMS, LegalTerms
from chalicelib.domain.procedures import LEGAL_WORKING_DAY, Procedure
from chalicelib.domain.statuses import Channel, DossierStatus, Role


class AlarmKind(StrEnum):
    STEP_DUE_SOON = "step_due_soon"
    STEP_OVERDUE = "step_overdue"
    DUE_SOON = "due_soon"
    # The apology (Mẫu 04) is due before the appointment: proposed to the leader of the
    # agency that holds the dossier (the one causing the delay).
    APOLOGY_DUE = "apology_due"
    OVERDUE = "overdue"
    # A supplement awaited: the applicant is reminded before its deadline, and the officials
    # are told when it lapses (the dossier may then be stopped, Mẫu 05).
    SUPPLEMENT_REMINDER = "supplement_reminder"
    SUPPLEMENT_LAPSED = "supplement_lapsed"
    # An online dossier not received nor asked to supplement within 8 working hours (NĐ 118
    # art. 17(2)): the counter and its leader are alerted.
    COUNTER_CHECK_DUE = "counter_check_due"
    # A PAKN's answer is due soon, or overdue (domain/feedback.py): its agency's leaders.
    FEEDBACK_DUE_SOON = "feedback_due_soon"
    FEEDBACK_OVERDUE = "feedback_overdue"


@dataclass(frozen=True)
class AlarmPolicy:
    """Warn when at most `warn_ahead` of working time, or `warn_fraction` of the step's (or the
    dossier's) own time, remains, whichever is less: a 4-hour step is not 'due soon' at its
    start."""

    warn_ahead: timedelta = LEGAL_WORKING_DAY
    warn_fraction: float = 0.25
    terms: LegalTerms = DEFAULT_TERMS  # the apology's and the supplement's own moments

    def lead(self, allowed: timedelta) -> timedelta:
        return min(self.warn_ahead, allowed * self.warn_fraction)


DEFAULT_POLICY = AlarmPolicy()


@dataclass(frozen=True)
class Recipient:
    """Who is alerted: the officials of a role at a unit. The notifier resolves people."""

    agency: str
    unit: str
    role: Role


@dataclass(frozen=True)
class Apology:
    """Mẫu 04 (văn bản xin lỗi và hẹn lại ngày trả kết quả), prepared for an official to send."""

    reason: str
    old_due_at: datetime
    new_due_at: datetime


@dataclass(frozen=True)
class Alarm:
    kind: AlarmKind
    key: str
    at: datetime  # the threshold
    step_index: int | None = None


@dataclass(frozen=True)
class FiredAlarm:
    """An alarm that fired: what the notifications pipeline sends, and the record kept."""

    code: str
    kind: AlarmKind
    key: str
    threshold_at: datetime
    fired_at: datetime
    recipients: tuple[Recipient, ...]
    message_vi: str
    step_index: int | None = None
    apology: Apology | None = None
    extra: dict[str, str] = field(default_factory=dict)
    # The official who has the dossier in hand (their id), and whether their leader is told too.
    holder: str | None = None
    leader_too: bool = False
    # The other kinds whose thresholds had passed too and are told in this one (a catch-up).
    covers: tuple[AlarmKind, ...] = ()
    # For the e-mail's subject: what it is about, in a few words (a step's name may be long),
    # and the deadline it is about (never cut: domain/subjects.py).
    title_vi: str = ""
    deadline_at: datetime | None = None


def _stamp(moment: datetime) -> str:
    return moment.astimezone(LOCAL_TZ).strftime("%Y%m%dT%H%M%S")


def shown(moment: datetime) -> str:
    """A moment as officials read it, in Vietnam time: 14:30 20/03/2026."""
    return moment.astimezone(LOCAL_TZ).strftime("%H:%M %d/%m/%Y")


def watched(dossier: Dossier) -> bool:
    """Only dossiers whose clock runs have alarms: not paused, not resolved, not closed."""
    return not (
        dossier.status.is_closed
        or dossier.is_paused
        or dossier.status in (DossierStatus.SUBMITTED, DossierStatus.RESOLVED)
    )


def thresholds(
    dossier: Dossier, procedure: Procedure, calendar: WorkingCalendar, policy: AlarmPolicy
) -> list[Alarm]:
    """Every alarm of the dossier's present state, fired or not, earliest first."""
    if dossier.status is DossierStatus.SUPPLEMENT_REQUESTED and dossier.supplement_due_at:
        return _supplement_alarms(dossier.supplement_due_at, policy.terms)
    if dossier.status is DossierStatus.SUBMITTED and dossier.channel == Channel.ONLINE:
        check_by = calendar.add(dossier.submitted_at, policy.terms.counter_check_within)
        return [Alarm(AlarmKind.COUNTER_CHECK_DUE, "counter_check_due", check_by)]
    if not watched(dossier):
        return []
    found: list[Alarm] = []
    if dossier.step_due_at is not None and dossier.step_started_at is not None:
        step = procedure.steps[dossier.step_index]
        visit = f"{dossier.step_index}:{_stamp(dossier.step_started_at)}"
        lead = policy.lead(step.duration.to_timedelta(calendar.working_day))
        found.append(
            Alarm(
                AlarmKind.STEP_DUE_SOON,
                f"step_due_soon:{visit}",
                calendar.subtract(dossier.step_due_at, lead),
                dossier.step_index,
            )
        )
        found.append(
            Alarm(
                AlarmKind.STEP_OVERDUE,
                f"step_overdue:{visit}",
                dossier.step_due_at,
                dossier.step_index,
            )
        )
    if dossier.due_at is not None:
        appointment = str(dossier.apologies)
        lead = policy.lead(procedure.time_limit.to_timedelta(calendar.working_day))
        found.append(
            Alarm(
                AlarmKind.DUE_SOON,
                f"due_soon:{appointment}",
                calendar.subtract(dossier.due_at, lead),
            )
        )
        if dossier.apologies < policy.terms.apologies_allowed:
            apology_at = calendar.subtract(dossier.due_at, policy.terms.apology_ahead)
            found.append(Alarm(AlarmKind.APOLOGY_DUE, f"apology_due:{appointment}", apology_at))
        found.append(Alarm(AlarmKind.OVERDUE, f"overdue:{appointment}", dossier.due_at))
    return sorted(found, key=lambda alarm: alarm.at)


def _supplement_alarms(deadline: datetime, terms: LegalTerms) -> list[Alarm]:
    """The awaited supplement's reminder and lapse, keyed by its deadline (a new request has
    a new one)."""
    ahead = timedelta(days=terms.supplement_reminder_days)
    return [
        Alarm(AlarmKind.SUPPLEMENT_REMINDER, f"supplement_reminder:{_stamp(deadline)}",
              deadline - ahead),
        Alarm(AlarmKind.SUPPLEMENT_LAPSED, f"supplement_lapsed:{_stamp(deadline)}", deadline),
    ]  # fmt: skip


def pending(
    dossier: Dossier,
    procedure: Procedure,
    calendar: WorkingCalendar,
    policy: AlarmPolicy = DEFAULT_POLICY,
) -> list[Alarm]:
    return [
        a
        for a in thresholds(dossier, procedure, calendar, policy)
        if a.key not in dossier.alarms_fired
    ]


def next_alarm_at(
    dossier: Dossier,
    procedure: Procedure,
    calendar: WorkingCalendar,
    policy: AlarmPolicy = DEFAULT_POLICY,
) -> datetime | None:
    upcoming = pending(dossier, procedure, calendar, policy)
    return upcoming[0].at if upcoming else None


def scheduled(
    dossier: Dossier,
    procedure: Procedure,
    calendar: WorkingCalendar,
    policy: AlarmPolicy = DEFAULT_POLICY,
) -> Dossier:
    """The dossier with its next alarm set from its present state."""
    return dossier.model_copy(
        update={"next_alarm_at": next_alarm_at(dossier, procedure, calendar, policy)}
    )


def fire(
    dossier: Dossier,
    procedure: Procedure,
    calendar: WorkingCalendar,
    now: datetime,
    policy: AlarmPolicy = DEFAULT_POLICY,
) -> tuple[Dossier, list[FiredAlarm]]:
    """The alarms whose moment has come, and the dossier that remembers them (revision + 1,
    not version: firing an alarm is not a change of the dossier's course)."""
    due = [a for a in pending(dossier, procedure, calendar, policy) if a.at <= now]
    if not due:
        return dossier, []
    told = [_describe(a, dossier, procedure, calendar, now, policy) for a in still_true(due)]
    fired = [_merged(told)]
    updated = dossier.model_copy(
        update={
            "alarms_fired": dossier.alarms_fired | {a.key for a in due},
            "overdue": dossier.overdue or any(a.kind is AlarmKind.OVERDUE for a in due),
            "revision": dossier.revision + 1,
        }
    )
    return scheduled(updated, procedure, calendar, policy), fired


# What a passed threshold makes moot: the due soon once overdue, the step's own alarms and the
# apology's proposal once the dossier is overdue (its alarm carries the proposal), the
# applicant's reminder once the supplement has lapsed.
SUPERSEDED_BY: dict[AlarmKind, frozenset[AlarmKind]] = {
    AlarmKind.STEP_OVERDUE: frozenset({AlarmKind.STEP_DUE_SOON}),
    AlarmKind.OVERDUE: frozenset(
        {AlarmKind.DUE_SOON, AlarmKind.APOLOGY_DUE, AlarmKind.STEP_DUE_SOON, AlarmKind.STEP_OVERDUE}
    ),
    AlarmKind.SUPPLEMENT_LAPSED: frozenset({AlarmKind.SUPPLEMENT_REMINDER}),
}
# Gravest first: the kind a catch-up's one message goes under. The apology's proposal ranks
# above a late step: it is the law's deadline (before the appointment), a leader's act, and
# its key names the appointment, where the leader's page finds the draft (web/dossier_page.py).
GRAVITY: tuple[AlarmKind, ...] = (
    AlarmKind.OVERDUE,
    AlarmKind.FEEDBACK_OVERDUE,
    AlarmKind.SUPPLEMENT_LAPSED,
    AlarmKind.APOLOGY_DUE,
    AlarmKind.STEP_OVERDUE,
    AlarmKind.COUNTER_CHECK_DUE,
    AlarmKind.DUE_SOON,
    AlarmKind.FEEDBACK_DUE_SOON,
    AlarmKind.SUPPLEMENT_REMINDER,
    AlarmKind.STEP_DUE_SOON,
)


def still_true(due: list[Alarm]) -> list[Alarm]:
    """The passed alarms that are still worth telling: none that a graver one passed with them
    makes moot. Gravest first."""
    kinds = {a.kind for a in due}
    moot = set().union(*(SUPERSEDED_BY.get(k, frozenset()) for k in kinds))
    return sorted((a for a in due if a.kind not in moot), key=lambda a: GRAVITY.index(a.kind))


def _merged(told: list[FiredAlarm]) -> FiredAlarm:
    """One alarm saying all of `told` (gravest first): under the gravest's kind and key, to
    everyone any of them was for."""
    lead, rest = told[0], told[1:]
    if not rest:
        return lead
    return replace(
        lead,
        recipients=tuple(dict.fromkeys(r for a in told for r in a.recipients)),
        message_vi=" ".join(a.message_vi for a in told),
        apology=next((a.apology for a in told if a.apology is not None), None),
        leader_too=any(a.leader_too for a in told),
        covers=tuple(a.kind for a in rest),
    )


def _leader_of(place: Location) -> Recipient:
    return Recipient(place.agency, "LANH_DAO", Role.LEADER)


# The kinds whose alert reaches the holder's leader as well as the holder: what is late, and
# the apology only a leader signs.
TO_THE_LEADER = frozenset(
    {AlarmKind.STEP_OVERDUE, AlarmKind.OVERDUE, AlarmKind.APOLOGY_DUE,
     AlarmKind.SUPPLEMENT_LAPSED}
)  # fmt: skip


def _describe(
    alarm: Alarm,
    dossier: Dossier,
    procedure: Procedure,
    calendar: WorkingCalendar,
    now: datetime,
    policy: AlarmPolicy = DEFAULT_POLICY,
) -> FiredAlarm:
    holder = dossier.holder
    step = procedure.steps[dossier.step_index]
    unit = Recipient(holder.agency, holder.unit, step.role)
    resolving = Location(agency=dossier.resolving_agency, unit="LANH_DAO")
    apology = None
    if alarm.kind is AlarmKind.STEP_DUE_SOON:
        recipients: tuple[Recipient, ...] = (unit,)
        title, deadline = f"sắp đến hạn bước '{step.name}'", alarm_due(dossier)
        text = f"Hồ sơ {dossier.code} sắp đến hạn bước '{step.name}' ({shown(alarm_due(dossier))})."
    elif alarm.kind is AlarmKind.STEP_OVERDUE:
        recipients = (unit, _leader_of(holder))
        title, deadline = f"đã quá hạn bước '{step.name}'", alarm.at
        text = f"Hồ sơ {dossier.code} đã quá hạn bước '{step.name}' ({shown(alarm.at)})."
    elif alarm.kind is AlarmKind.DUE_SOON:
        assert dossier.due_at is not None  # only a dossier with a due date has this alarm
        recipients = (unit, _leader_of(resolving))
        title, deadline = "sắp đến ngày hẹn trả", dossier.due_at
        text = f"Hồ sơ {dossier.code} sắp đến ngày hẹn trả ({shown(dossier.due_at)})."
    elif alarm.kind is AlarmKind.APOLOGY_DUE:
        assert dossier.due_at is not None
        recipients = tuple(dict.fromkeys((_leader_of(holder), _leader_of(resolving))))
        apology = prepare_apology(dossier, procedure, calendar, now)
        title, deadline = "cần văn bản xin lỗi trước ngày hẹn trả", dossier.due_at
        text = (
            f"Hồ sơ {dossier.code} có thể không kịp ngày hẹn trả ({shown(dossier.due_at)}). "
            f"Dự kiến hẹn lại: {shown(apology.new_due_at)}."
        )
    elif alarm.kind is AlarmKind.SUPPLEMENT_REMINDER:
        recipients = ()  # the applicant (services/outbox.Notices.for_alarm)
        title, deadline = "đang chờ bổ sung", alarm.at
        text = f"Hồ sơ {dossier.code} đang chờ bổ sung đến {shown(alarm.at)}."
    elif alarm.kind is AlarmKind.COUNTER_CHECK_DUE:
        desk = dossier.received_by
        recipients = (Recipient(desk.agency, desk.unit, Role.RECEIVER), _leader_of(desk))
        title, deadline = "hồ sơ trực tuyến chưa được tiếp nhận", alarm.at
        text = (
            f"Hồ sơ {dossier.code} nộp trực tuyến lúc {shown(dossier.submitted_at)} chưa được "
            f"tiếp nhận hay yêu cầu bổ sung sau 8 giờ làm việc ({shown(alarm.at)})."
        )
    elif alarm.kind is AlarmKind.SUPPLEMENT_LAPSED:
        recipients = (Recipient(dossier.received_by.agency, dossier.received_by.unit,
                                Role.RECEIVER), unit, _leader_of(holder))  # fmt: skip
        title, deadline = "đã quá hạn bổ sung", alarm.at
        text = (
            f"Hồ sơ {dossier.code} đã quá hạn bổ sung ({shown(alarm.at)}) mà người nộp chưa "
            "bổ sung."
        )
    else:
        recipients = (_leader_of(resolving), _leader_of(holder), unit)
        title, deadline = "đã quá hạn hẹn trả", alarm.at
        text = f"Hồ sơ {dossier.code} đã quá hạn hẹn trả ({shown(alarm.at)})."
        if dossier.apologies < policy.terms.apologies_allowed:
            apology = prepare_apology(dossier, procedure, calendar, now)
            text += (
                " Văn bản xin lỗi (Mẫu 04) chưa được ban hành. Đề nghị ban hành, hẹn lại ngày "
                f"trả: {shown(apology.new_due_at)}."
            )
        else:
            text += " Hồ sơ đã được gia hạn một lần: đề nghị giải quyết ngay."
    return FiredAlarm(
        code=dossier.code,
        kind=alarm.kind,
        key=alarm.key,
        threshold_at=alarm.at,
        fired_at=now,
        recipients=tuple(dict.fromkeys(recipients)),
        message_vi=text,
        step_index=alarm.step_index,
        apology=apology,
        holder=dossier.handled_by.id if dossier.handled_by else None,
        leader_too=alarm.kind in TO_THE_LEADER,
        title_vi=title,
        deadline_at=deadline,
    )


def alarm_due(dossier: Dossier) -> datetime:
    assert dossier.step_due_at is not None
    return dossier.step_due_at


def prepare_apology(
    dossier: Dossier, procedure: Procedure, calendar: WorkingCalendar, now: datetime
) -> Apology:
    """The new appointment: the work left (what remains of this step, then the later steps'
    own times), counted from now; at least one working day."""
    assert dossier.due_at is not None
    left_in_step = calendar.between(now, dossier.step_due_at) if dossier.step_due_at else None
    later = sum(
        (
            s.duration.to_timedelta(calendar.working_day)
            for s in procedure.steps[dossier.step_index + 1 :]
        ),
        timedelta(0),
    )
    remaining = max((left_in_step or timedelta(0)) + later, calendar.working_day)
    step = procedure.steps[dossier.step_index]
    return Apology(
        reason=f"Hồ sơ chưa được giải quyết xong tại bước '{step.name}' đúng thời hạn quy định",
        old_due_at=dossier.due_at,
        new_due_at=calendar.add(calendar.next_opening(now), remaining),
    )
