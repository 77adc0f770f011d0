"""Which notices a change causes, rendered when the change is made.

The jobs are written with the change itself (history entry, fired alarm, digest): that item is
the outbox, and a stream relays it to the notifier. Rendering here, at write time, makes the
notifier a courier: it picks channels and sends, and a redelivery sends the same words.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from chalicelib.domain import messages
from chalicelib.domain.alarms import FiredAlarm
from chalicelib.domain.digest import Digest
from chalicelib.domain.dossier import Action, Dossier, HistoryEntry
from chalicelib.domain.statuses import DossierStatus

# What each applied action tells the applicant. Legally required notices ignore opt-outs.
MILESTONES: dict[Action, messages.Milestone] = {
    Action.RECEIVE: messages.Milestone.RECEIVED,
    Action.REQUEST_SUPPLEMENT: messages.Milestone.SUPPLEMENT_REQUESTED,
    Action.REQUEST_FEES: messages.Milestone.FEES_REQUESTED,
    Action.RESOLVE: messages.Milestone.RESULT_READY,
    Action.RETURN_RESULT: messages.Milestone.RESULT_RETURNED,
    Action.REFUSE: messages.Milestone.REFUSED,
    Action.EXTEND_WITH_APOLOGY: messages.Milestone.OVERDUE_APOLOGY,
}
NOT_ESSENTIAL = frozenset({messages.Milestone.SURVEY_INVITATION})
BY_EMAIL_TOO = frozenset(
    {
        messages.Milestone.RESULT_READY,
        messages.Milestone.OVERDUE_APOLOGY,
        messages.Milestone.REFUSED,
    }
)


class NotificationJob(BaseModel):
    """One notice to one recipient, ready to send. `key` makes sending it idempotent."""

    model_config = ConfigDict(frozen=True)

    key: str
    code: str | None
    kind: str  # a milestone, an alarm kind, or "digest"
    essential: bool
    phone: str | None = None  # 84…: ZNS first, then SMS
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
    emails = (applicant.email,) if applicant.email and milestone in BY_EMAIL_TOO else ()
    if not applicant.phone and not emails:
        return None
    rendered = messages.render(milestone, values, show_time=hours)
    return NotificationJob(
        key=key,
        code=dossier.code,
        kind=milestone.value,
        essential=milestone not in NOT_ESSENTIAL,
        phone=applicant.phone,
        emails=emails,
        subject=f"Hồ sơ {dossier.code}",
        text_vi=rendered.text_vi,
        sms_text=rendered.sms_text,
        sms_parts=rendered.sms_parts,
        zns_template=milestone.value,
        zns_data={k: str(v) for k, v in rendered.params.items()},
    )


def for_entry(
    dossier: Dossier,
    entry: HistoryEntry,
    *,
    agency_name: str,
    result_place: str,
    survey_link: str | None,
    fees_vnd: int = 0,
    hours: bool = False,
) -> list[NotificationJob]:
    """The applicant's notices for one applied change (none for most steps inside the office)."""
    milestone = MILESTONES.get(entry.action)
    if entry.action is Action.RECEIVE and entry.to_status is not DossierStatus.RECEIVED:
        milestone = None
    if milestone is None:
        return []
    key = f"{dossier.code}:v{entry.version}:{milestone.value}"
    values: dict[str, object] = {"code": dossier.code}
    if milestone is messages.Milestone.RECEIVED:
        values["appointment"] = dossier.due_at
    elif milestone in (messages.Milestone.SUPPLEMENT_REQUESTED,):
        values["missing"] = entry.note or "giấy tờ theo hướng dẫn của cán bộ"
    elif milestone is messages.Milestone.FEES_REQUESTED:
        # The amount the tax office or the official stated, else the procedure's own fees.
        values["amount"] = entry.amount_vnd if entry.amount_vnd is not None else fees_vnd
    elif milestone is messages.Milestone.RESULT_READY:
        values["place"] = result_place
    elif milestone is messages.Milestone.RESULT_RETURNED:
        values["returned_at"] = entry.at
    elif milestone is messages.Milestone.REFUSED:
        values["reason"] = entry.note
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


def _previous_due(dossier: Dossier, entry: HistoryEntry) -> datetime | None:
    # The entry records the due date after the change; the apology names the one missed.
    return entry.previous_due_at or dossier.due_at


def for_alarm(alarm: FiredAlarm, mailboxes: tuple[str, ...]) -> list[NotificationJob]:
    """Officials' alert: to the mailboxes of the agencies named by the alarm's recipients."""
    if not mailboxes:
        return []
    return [
        NotificationJob(
            key=f"{alarm.code}:alarm:{alarm.key}",
            code=alarm.code,
            kind=alarm.kind.value,
            essential=True,
            emails=mailboxes,
            subject=f"[motcua] {alarm.message_vi[:120]}",
            text_vi=alarm.message_vi,
        )
    ]


def for_digest(digest: Digest) -> list[NotificationJob]:
    lines = [digest.text_vi(), ""]
    for title, entries in (
        ("Quá hạn", digest.overdue),
        ("Đến hạn hôm nay", digest.due_today),
        ("Sắp đến hạn", digest.due_soon),
    ):
        if entries:
            lines.append(f"{title}:")
            lines += [f"  {e.code} (hẹn {e.due_at:%H:%M %d/%m/%Y})" for e in entries]
    return [
        NotificationJob(
            key=f"digest:{digest.agency}:{digest.day.isoformat()}",
            code=None,
            kind="digest",
            essential=True,
            emails=digest.recipients,
            subject=f"[motcua] Báo cáo hồ sơ ngày {digest.day:%d/%m/%Y}",
            text_vi="\n".join(lines),
        )
    ]
