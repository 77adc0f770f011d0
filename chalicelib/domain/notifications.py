"""Which notices a change causes, rendered when the change is made.

The jobs are written with the change itself (history entry, fired alarm, digest): that item is
the outbox, and a stream relays it to the notifier. Rendering here, at write time, makes the
notifier a courier: it picks channels and sends, and a redelivery sends the same words.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from chalicelib.domain import messages, subjects
from chalicelib.domain.alarms import AlarmKind, FiredAlarm, shown
from chalicelib.domain.digest import Digest
from chalicelib.domain.dossier import Action, Dossier, HistoryEntry
from chalicelib.domain.payments import order_code
from chalicelib.domain.sms import is_landline
from chalicelib.domain.statuses import Channel, DossierStatus

# What each applied action tells the applicant. Legally required notices ignore opt-outs.
MILESTONES: dict[Action, messages.Milestone] = {
    Action.RECEIVE: messages.Milestone.RECEIVED,
    Action.REQUEST_SUPPLEMENT: messages.Milestone.SUPPLEMENT_REQUESTED,
    Action.REQUEST_FEES: messages.Milestone.FEES_REQUESTED,
    Action.RESOLVE: messages.Milestone.RESULT_READY,
    Action.RETURN_RESULT: messages.Milestone.RESULT_RETURNED,
    Action.REFUSE: messages.Milestone.REFUSED,
    Action.EXTEND_WITH_APOLOGY: messages.Milestone.OVERDUE_APOLOGY,
    Action.STOP: messages.Milestone.STOPPED,
    Action.RETURN_INELIGIBLE: messages.Milestone.INELIGIBLE,
    Action.WITHDRAW: messages.Milestone.WITHDRAWN,
    # Told only when the pause moved the appointment date (see `for_entry`).
    Action.SUPPLEMENT_RECEIVED: messages.Milestone.SUPPLEMENT_RECEIVED,
    Action.FEES_PAID: messages.Milestone.FEES_PAID,
}
RESUMED = frozenset({messages.Milestone.SUPPLEMENT_RECEIVED, messages.Milestone.FEES_PAID})
# The key under which the timer puts the supplement request's note (what is missing) on a
# SUPPLEMENT_REMINDER alarm: the dossier itself does not keep it.
MISSING_KEY = "missing"
NOT_ESSENTIAL = frozenset({messages.Milestone.SURVEY_INVITATION})
BY_EMAIL_TOO = frozenset(
    {
        messages.Milestone.RESULT_READY,
        # The rating invitation: ZNS or SMS, and email too (issue 19).
        messages.Milestone.SURVEY_INVITATION,
        messages.Milestone.OVERDUE_APOLOGY,
        messages.Milestone.REFUSED,
        messages.Milestone.STOPPED,
        messages.Milestone.INELIGIBLE,
        messages.Milestone.WITHDRAWN,
    }
)
# Officials' alerts that ask for an act: what the alert is about (when the alarm brings no
# words of its own) and what to do, after the alarm's own words.
OFFICIAL_ALERTS_VI: dict[AlarmKind, tuple[str, str]] = {
    AlarmKind.APOLOGY_DUE: (
        "cần văn bản xin lỗi trước ngày hẹn trả",
        "Đề nghị lãnh đạo cơ quan làm chậm hồ sơ ký văn bản xin lỗi và hẹn lại ngày trả kết "
        "quả (Mẫu 04), gửi người nộp chậm nhất 01 ngày làm việc trước ngày hẹn trả.",
    ),
    AlarmKind.COUNTER_CHECK_DUE: (
        "hồ sơ trực tuyến chưa được tiếp nhận",
        "Đề nghị Bộ phận Một cửa tiếp nhận hồ sơ hoặc yêu cầu bổ sung một lần (Mẫu 02) "
        "ngay (Nghị định 118/2025, Điều 17).",
    ),
    AlarmKind.SUPPLEMENT_LAPSED: (
        "đã hết thời hạn bổ sung hồ sơ",
        "Người nộp chưa bổ sung hồ sơ trong thời hạn. Đề nghị xem xét dừng xử lý hồ sơ "
        "(Mẫu 05) và thông báo cho người nộp.",
    ),
}


class NotificationJob(BaseModel):
    """One notice to one recipient, ready to send. `key` makes sending it idempotent."""

    model_config = ConfigDict(frozen=True)

    key: str
    code: str | None
    kind: str  # a milestone, an alarm kind, or "digest"
    essential: bool
    phone: str | None = None  # 84…: ZNS first, then SMS
    # A fixed line (sms.is_landline): no SMS text, so the notifier sends nothing to the phone;
    # the notice goes by email when there is an address, and this records why not by phone.
    landline: bool = False
    emails: tuple[str, ...] = ()
    subject: str = ""
    text_vi: str  # with diacritics: email, and what officials read
    sms_text: str | None = None  # unaccented
    sms_parts: int | None = None
    zns_template: str | None = None  # the milestone; the notifier maps it to Zalo's template id
    zns_data: dict[str, str] = {}


def _applicant_job(
    dossier: Dossier,
    key: str,
    milestone: messages.Milestone,
    values: dict[str, object],
    *,
    hours: bool,
) -> NotificationJob | None:
    applicant = dossier.applicant
    landline = applicant.phone is not None and is_landline(applicant.phone)
    textable = applicant.phone is not None and not landline
    # Without a phone that takes SMS, every notice goes by email, not only the main ones.
    by_email = milestone in BY_EMAIL_TOO or not textable
    emails = (applicant.email,) if applicant.email and by_email else ()
    if not applicant.phone and not emails:
        return None
    rendered = messages.render(milestone, values, show_time=hours)
    return NotificationJob(
        key=key,
        code=dossier.code,
        kind=milestone.value,
        essential=milestone not in NOT_ESSENTIAL,
        phone=applicant.phone,
        landline=landline,
        emails=emails,
        subject=f"Hồ sơ {dossier.code}",
        text_vi=rendered.text_vi,
        sms_text=rendered.sms_text if textable else None,
        sms_parts=rendered.sms_parts if textable else None,
        zns_template=milestone.value,
        zns_data={k: str(v) for k, v in rendered.params.items()},
    )


def _appointments(dossier: Dossier) -> dict[str, object]:
    """The appointment a receipt notice gives. The national portal told the citizen its own
    (NgayHenTra): a later one of ours replaces it and says so; an earlier one of ours is not
    sent, so the citizen holds one date, and it is kept (docs/dvcqg-contract.md §9)."""
    ours, portal = dossier.due_at, dossier.portal_due_at
    if portal is None or ours is None or ours == portal:
        return {"appointment": ours}
    if ours < portal:
        return {"appointment": portal}
    return {"appointment": ours, "portal_appointment": portal}


def for_entry(
    dossier: Dossier,
    entry: HistoryEntry,
    *,
    agency_name: str,
    result_place: str,
    survey_link: str | None,
    fees_vnd: int = 0,
    hours: bool = False,
    lookup_link: str | None = None,
    pin: str | None = None,
) -> list[NotificationJob]:
    """The applicant's notices for one applied change (none for most steps inside the office).

    `agency_name` is the agency that acted (it apologises or stops), `result_place` the
    receiving counter (where results, supplements and payments are handed in), `lookup_link`
    the public lookup page of this dossier when the province has one, `pin` the receipt PIN
    that opens it (given only when the dossier is opened: the receipt notice carries it).
    """
    milestone = MILESTONES.get(entry.action)
    if entry.action is Action.RECEIVE and entry.to_status is not DossierStatus.RECEIVED:
        milestone = None
    if milestone in RESUMED and not _appointment_moved(dossier, entry):
        milestone = None
    if milestone is None:
        return []
    key = f"{dossier.code}:v{entry.version}:{milestone.value}"
    values: dict[str, object] = {"code": dossier.code, "lookup": lookup_link}
    if milestone is messages.Milestone.RECEIVED:
        values.update(_appointments(dossier), pin=pin)
    elif milestone in RESUMED:
        values["appointment"] = dossier.due_at
    elif milestone is messages.Milestone.SUPPLEMENT_REQUESTED:
        values.update(
            missing=entry.note or "giấy tờ theo hướng dẫn của cán bộ",
            supplement_by=entry.supplement_due_at or dossier.supplement_due_at,
            where=_submit_where(dossier, result_place),
        )
    elif milestone is messages.Milestone.FEES_REQUESTED:
        # The amount the tax office or the official stated, else the procedure's own fees.
        values["amount"] = entry.amount_vnd if entry.amount_vnd is not None else fees_vnd
        values["place"] = result_place
        if values["amount"]:  # the payment order the payments service makes for this request
            values["order"] = order_code(dossier.code, entry.version)
    elif milestone is messages.Milestone.RESULT_READY:
        # Only the resolving official's word says an electronic result exists (not the intake's).
        values["where"] = messages.result_where(bool(entry.electronic_result), result_place)
    elif milestone is messages.Milestone.RESULT_RETURNED:
        values["returned_at"] = entry.at
    elif milestone is messages.Milestone.REFUSED:
        values["reason"] = entry.note
    elif milestone is messages.Milestone.STOPPED:
        values.update(agency=agency_name, reason=entry.note or "theo quy định")
    elif milestone is messages.Milestone.INELIGIBLE:
        values.update(reason=entry.note, place=result_place)
    elif milestone is messages.Milestone.WITHDRAWN:
        values["withdrawn_at"] = entry.at
    elif milestone is messages.Milestone.OVERDUE_APOLOGY:
        values.update(
            agency=agency_name,
            old_appointment=_previous_due(dossier, entry),
            reason=entry.note,
            new_appointment=dossier.due_at,
        )
    jobs = [_applicant_job(dossier, key, milestone, values, hours=hours)]
    if milestone is messages.Milestone.RESULT_RETURNED and survey_link:
        survey = messages.Milestone.SURVEY_INVITATION
        jobs.append(
            _applicant_job(
                dossier,
                f"{dossier.code}:v{entry.version}:{survey.value}",
                survey,
                {"code": dossier.code, "link": survey_link},
                hours=False,
            )
        )
    return [job for job in jobs if job is not None]


def _appointment_moved(dossier: Dossier, entry: HistoryEntry) -> bool:
    # The entry keeps the date before the change only when the change moved it.
    return (
        entry.previous_due_at is not None
        and dossier.due_at is not None
        and entry.previous_due_at != dossier.due_at
    )


def _submit_where(dossier: Dossier, counter: str) -> str:
    return messages.submit_where(dossier.channel is Channel.ONLINE, counter)


def for_supplement_reminder(
    alarm: FiredAlarm,
    dossier: Dossier,
    *,
    counter: str,
    lookup_link: str | None = None,
    hours: bool = False,
) -> list[NotificationJob]:
    """The applicant's reminder that a supplement is still awaited, before its deadline.
    What is missing is the request's note, carried by the alarm under MISSING_KEY."""
    reminder = messages.Milestone.SUPPLEMENT_REMINDER
    values: dict[str, object] = {
        "code": dossier.code,
        "missing": alarm.extra.get(MISSING_KEY) or None,
        "supplement_by": dossier.supplement_due_at,
        "where": _submit_where(dossier, counter),
        "lookup": lookup_link,
    }
    key = f"{dossier.code}:alarm:{alarm.key}"
    job = _applicant_job(dossier, key, reminder, values, hours=hours)
    return [job] if job is not None else []


def _previous_due(dossier: Dossier, entry: HistoryEntry) -> datetime | None:
    # The entry records the due date after the change; the apology names the one missed.
    return entry.previous_due_at or dossier.due_at


# The Zalo template of officials' alerts (approved in advance like the applicant's; the
# notifier maps it to its id through MOTCUA_ZNS_TEMPLATES).
OFFICIAL_ALERT_TEMPLATE = "official_alert"


def alarm_subject(alarm: FiredAlarm, headline: str) -> str:
    """`[motcua] Hồ sơ <code>: <what> (<deadline>)`: the code and the deadline whole, what it
    is about (a step's name may be long) shortened to fit."""
    if alarm.title_vi and alarm.deadline_at is not None:
        return subjects.email_subject(
            f"[motcua] Hồ sơ {alarm.code}:", alarm.title_vi, f"({shown(alarm.deadline_at)})"
        )
    return subjects.email_subject("[motcua]", headline)


def for_alarm(
    alarm: FiredAlarm, mailboxes: tuple[str, ...], zns_phones: tuple[str, ...] = ()
) -> list[NotificationJob]:
    """Officials' alert: one e-mail to `mailboxes` (the people's addresses, or their agencies'
    shared mailboxes), and a Zalo message to each of `zns_phones` (officials who gave one).
    A catch-up's alarm says what each kind it covers asks to do."""
    title, _ = OFFICIAL_ALERTS_VI.get(alarm.kind, ("cảnh báo", ""))
    headline = alarm.message_vi or f"Hồ sơ {alarm.code}: {title}"
    actions = [
        OFFICIAL_ALERTS_VI[kind][1]
        for kind in dict.fromkeys((alarm.kind, *alarm.covers))
        if kind in OFFICIAL_ALERTS_VI
    ]
    key = f"{alarm.code}:alarm:{alarm.key}"
    jobs = []
    if mailboxes:
        jobs.append(
            NotificationJob(
                key=key,
                code=alarm.code,
                kind=alarm.kind.value,
                essential=True,
                emails=mailboxes,
                subject=alarm_subject(alarm, headline),
                text_vi="\n".join((headline, *actions)),
            )
        )
    about = {
        "code": alarm.code,
        "about": alarm.title_vi or title,
        "deadline": shown(alarm.deadline_at or alarm.threshold_at),
    }
    jobs += [
        NotificationJob(
            key=f"{key}:zns:{phone}",
            code=alarm.code,
            kind=alarm.kind.value,
            essential=True,
            phone=phone,
            text_vi=headline,
            zns_template=OFFICIAL_ALERT_TEMPLATE,
            zns_data=about,
        )
        for phone in zns_phones
    ]
    return jobs


def for_digest(digest: Digest) -> list[NotificationJob]:
    """The digest by e-mail to its recipients (none: no job). An official's own part has its
    own key: the agency's and each official's are sent once each."""
    if not digest.recipients:
        return []
    lines = [digest.text_vi(), ""]
    for title, entries in (
        ("Quá hạn", digest.overdue),
        ("Đến hạn hôm nay", digest.due_today),
        ("Sắp đến hạn", digest.due_soon),
    ):
        if entries:
            lines.append(f"{title}:")
            lines += [f"  {e.code} (hẹn {shown(e.due_at)})" for e in entries]
    key = f"digest:{digest.agency}:{digest.day.isoformat()}"
    whose = "của ông/bà " if digest.official else ""
    subject = f"[motcua] Báo cáo hồ sơ {whose}ngày {digest.day:%d/%m/%Y}"
    return [
        NotificationJob(
            key=f"{key}:{digest.official}" if digest.official else key,
            code=None,
            kind="digest",
            essential=True,
            emails=digest.recipients,
            subject=subject,  # short: nothing to shorten
            text_vi="\n".join(lines),
        )
    ]
