"""What the dossier page (`/ho-so/{code}`) shows an official, built from what the API's read
returns (GET /v1/dossiers/{code}: state, history, refusals, alarms, deliveries) and the record
it was made from: the steps and deadlines as Mẫu 06 shows them (the control slip's own
content, `forms/content.control_slip`), the forms the dossier has come to, its files, the
actions this official may take now (`domain/permitted`) and, for a leader, the apology the
timer prepared (Mẫu 04). Pure: the moment, the calendar and the registry are given.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from chalicelib.domain.agencies import AgencyRegistry
from chalicelib.domain.alarms import Apology, FiredAlarm
from chalicelib.domain.calendar import LOCAL_TZ, WorkingCalendar
from chalicelib.domain.dossier import Action, Actor, Dossier
from chalicelib.domain.legal import DEFAULT_TERMS, LegalTerms
from chalicelib.domain.permitted import permitted_actions
from chalicelib.domain.procedures import Procedure
from chalicelib.forms import content
from chalicelib.forms.model import Fields, FormCode, Paragraph, Table
from chalicelib.ports.records import DossierRecord
from chalicelib.web import action_form

FORM_TITLES = {
    FormCode.RECEIPT: "Mẫu 01: Giấy tiếp nhận hồ sơ và hẹn trả kết quả",
    FormCode.SUPPLEMENT_REQUEST: "Mẫu 02: Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ",
    FormCode.REFUSAL: "Mẫu 03: Phiếu từ chối tiếp nhận giải quyết hồ sơ",
    FormCode.APOLOGY: "Mẫu 04: Văn bản xin lỗi và hẹn lại ngày trả kết quả",
    FormCode.STOP_NOTICE: "Mẫu 05: Thông báo dừng giải quyết hồ sơ",
    FormCode.CONTROL_SLIP: "Mẫu 06: Phiếu kiểm soát quá trình giải quyết hồ sơ",
}
FIELD_LABELS = {
    action_form.NOTE: "Ghi chú",
    action_form.NEW_DUE: "Ngày hẹn trả mới",
    action_form.AGENCY: "Mã cơ quan nhận hồ sơ",
    action_form.UNIT: "Mã bộ phận nhận hồ sơ",
    action_form.AMOUNT: "Số tiền (đồng)",
    action_form.PAYMENT: "Hình thức nộp",
}


@dataclass
class ControlSlip:
    """Mẫu 06's content: the dossier's facts, one row a step, the overall verdict."""

    facts: tuple[tuple[str, str], ...]
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    verdict: str


def control_slip(forms: content.DossierForms) -> ControlSlip | None:
    try:
        form = content.control_slip(forms)
    except content.FormUnavailable:  # not received yet: no steps to show
        return None
    facts = next(b.rows for b in form.blocks if isinstance(b, Fields))
    table = next(b for b in form.blocks if isinstance(b, Table))
    verdict = next((b.text for b in form.blocks if isinstance(b, Paragraph)), "")
    return ControlSlip(facts, table.headers, table.rows, verdict)


def forms_issued(forms: content.DossierForms) -> list[tuple[str, str]]:
    """(number, title) of each form the dossier has come to (Mẫu 03 only once refused …)."""
    found = []
    for code, build in content.DOSSIER_FORMS.items():
        try:
            build(forms)
        except content.FormUnavailable:
            continue
        found.append((code.value, FORM_TITLES[code]))
    return found


def prepared_apology(dossier: Dossier, fired: list[FiredAlarm]) -> Apology | None:
    """The apology the timer prepared for the dossier's present appointment (its alarm keys end
    with how many apologies it had), the latest one; None once it is sent or closed."""
    if dossier.status.is_closed or dossier.due_at is None:
        return None
    appointment = f":{dossier.apologies}"
    drafts = [a for a in fired if a.apology is not None and a.key.endswith(appointment)]
    latest = max(drafts, key=lambda a: a.fired_at, default=None)
    return latest.apology if latest is not None else None


@dataclass
class ActionView:
    action: str
    label: str
    fields: tuple[str, ...]
    needs_note: bool
    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


def _local_input(moment: datetime) -> str:
    """A moment as a datetime-local input's value, in Hà Nội time."""
    return moment.astimezone(LOCAL_TZ).strftime("%Y-%m-%dT%H:%M")


def action_views(
    offered: list[Action],
    apology: Apology | None,
    posted: action_form.Posted | None = None,
) -> list[ActionView]:
    """A form for each action offered; the apology's draft fills the extension's, and a
    posted form comes back with what was typed and its errors."""
    views = []
    for action in offered:
        view = ActionView(action.value, action.label_vi, action_form.fields_of(action),
                          action_form.needs_note(action))  # fmt: skip
        if action is Action.EXTEND_WITH_APOLOGY and apology is not None:
            view.values = {action_form.NOTE: apology.reason,
                           action_form.NEW_DUE: _local_input(apology.new_due_at)}  # fmt: skip
        if posted is not None and posted.action is action:
            view.values = posted.values
            view.errors = posted.errors
        views.append(view)
    return views


@dataclass
class DossierPage:
    view: dict[str, Any]  # what GET /v1/dossiers/{code} answers
    control_slip: ControlSlip | None
    forms: list[tuple[str, str]]
    files: dict[str, Any]
    actions: list[ActionView]
    apology: Apology | None
    refusals: list[dict[str, Any]]
    form_key: str  # names the command of the forms of this page (action_form.command_id)
    errors: dict[str, str] = field(default_factory=dict)  # not beside any one field

    @property
    def dossier(self) -> dict[str, Any]:
        return dict(self.view["dossier"])


def offered_to(
    actor: Actor,
    record: DossierRecord,
    procedure: Procedure,
    calendar: WorkingCalendar,
    now: datetime,
    terms: LegalTerms = DEFAULT_TERMS,
) -> list[Action]:
    return permitted_actions(record.dossier, actor, procedure, calendar, now, terms)


def dossier_page(
    view: dict[str, Any],
    record: DossierRecord,
    procedure: Procedure,
    *,
    actor: Actor,
    files: dict[str, Any],
    agencies: AgencyRegistry,
    calendar: WorkingCalendar,
    now: datetime,
    terms: LegalTerms = DEFAULT_TERMS,
    posted: action_form.Posted | None = None,
) -> DossierPage:
    forms = content.DossierForms(record, procedure, agencies, calendar, now)
    offered = offered_to(actor, record, procedure, calendar, now, terms)
    apology = prepared_apology(record.dossier, list(record.alarms))
    if Action.EXTEND_WITH_APOLOGY not in offered:
        apology = None  # the draft is for whoever may send it
    refusals = [{**r, "text": action_form.refusal_text(r),
                 "action_label": _action_label(r.get("action"))}
                for r in view.get("refusals", [])]  # fmt: skip
    return DossierPage(
        view=view,
        control_slip=control_slip(forms),
        forms=forms_issued(forms),
        files=files,
        actions=action_views(offered, apology, posted),
        apology=apology,
        refusals=sorted(refusals, key=lambda r: r["at"], reverse=True),
        form_key=secrets.token_urlsafe(18),
        errors=dict(posted.errors) if posted is not None and posted.action is None else {},
    )


def _action_label(value: Any) -> str:
    try:
        return Action(value).label_vi
    except ValueError:
        return str(value)
