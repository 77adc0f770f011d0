"""An action on the dossier page, as a form: the fields each action asks for, the posted form
read into POST /v1/dossiers/{code}/actions' own body model (`ActionRequest`, its checks and
their Vietnamese messages), the command id a resubmitted form keeps, and a refused command's
reason in Vietnamese.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from chalicelib.domain.calendar import LOCAL_TZ
from chalicelib.domain.dossier import Action
from chalicelib.domain.state_machine import RULES

# The form's fields, and the body's fields they fill.
ACTION = "thao_tac"
VERSION = "phien_ban"
KEY = "khoa"  # a resubmitted form is the same command (the Idempotency-Key of the API)
NOTE = "ghi_chu"
NEW_DUE = "han_moi"
AGENCY = "co_quan"
UNIT = "bo_phan"
AMOUNT = "so_tien"
PAYMENT = "hinh_thuc"
BODY_FIELD = {NOTE: "note", NEW_DUE: "new_due_at", AGENCY: "target_agency",
              UNIT: "target_unit", AMOUNT: "amount_vnd", PAYMENT: "payment_channel",
              VERSION: "expected_version", ACTION: "action"}  # fmt: skip
FORM_FIELD = {body: form for form, body in BODY_FIELD.items()}
KEY_FORM = re.compile(r"[A-Za-z0-9_-]{16,64}")
PAGE_COMMANDS = uuid.UUID("5d7c0a0e-8f3b-4d8e-9a57-2f4c1b6e9d30")
NOT_OFFERED = "Thao tác này không còn được phép với hồ sơ ở thời điểm này; vui lòng tải lại trang"
NOTE_NEEDED = "Vui lòng ghi rõ lý do"


def fields_of(action: Action) -> tuple[str, ...]:
    """The inputs the action's form shows, besides its hidden ones."""
    extra: dict[Action, tuple[str, ...]] = {
        Action.EXTEND_WITH_APOLOGY: (NEW_DUE,),
        Action.TRANSFER: (AGENCY, UNIT),
        Action.REQUEST_FEES: (AMOUNT,),
        Action.FEES_PAID: (PAYMENT,),
    }
    return (NOTE, *extra.get(action, ()))


def needs_note(action: Action) -> bool:
    rule = RULES.get(action)
    return rule is not None and rule.needs_note


@dataclass
class Posted:
    """A posted action form: its action, the values typed (shown again when refused), the
    errors beside its fields, and the body for the API's model when there are none."""

    action: Action | None
    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    body: dict[str, Any] = field(default_factory=dict)


def read_posted(fields: Mapping[str, str], offered: list[Action]) -> Posted:
    """What the form says, checked against what the page offers now."""
    values = {name: (fields.get(name) or "").strip() for name in BODY_FIELD}
    values[KEY] = (fields.get(KEY) or "").strip()
    action = next((a for a in offered if a.value == values[ACTION]), None)
    posted = Posted(action, values)
    if action is None:
        posted.errors[ACTION] = NOT_OFFERED
        return posted
    if needs_note(action) and not values[NOTE]:
        posted.errors[NOTE] = NOTE_NEEDED
    version = values[VERSION]  # a number typed in a form is text: the model wants an int
    body: dict[str, Any] = {
        "action": action.value,
        "expected_version": int(version) if version.isdigit() and len(version) < 12 else version,
    }
    for name in fields_of(action):
        if values[name]:
            body[BODY_FIELD[name]] = (
                _local_moment(values[name]) if name == NEW_DUE else values[name]
            )
    posted.body = body
    return posted


def _local_moment(typed: str) -> str:
    """A datetime-local input's value ("2026-01-20T09:00") as a moment in Hà Nội time; what
    is not one is left to the body model to refuse."""
    try:
        moment = datetime.fromisoformat(typed)
    except ValueError:
        return typed
    return (moment if moment.tzinfo else moment.replace(tzinfo=LOCAL_TZ)).isoformat()


def errors_beside(issues: list[Any], action: Action | None) -> dict[str, str]:
    """The body model's or the service's field issues, beside the form's fields."""
    found: dict[str, str] = {}
    for issue in issues:
        found.setdefault(FORM_FIELD.get(issue.field, ACTION), issue.message)
    return found


def command_id(actor_id: str, code: str, key: str) -> str:
    """The same form posted twice (a double click, a retry) names the same command, applied
    once; a form without its key is a new command."""
    if not KEY_FORM.fullmatch(key):
        return str(uuid.uuid4())
    return str(uuid.uuid5(PAGE_COMMANDS, f"{actor_id}\n{code}\n{key}"))


# -- a refused command, as the official reads it ------------------------------------------
INPUT_TEXT = {
    "note": "Cần ghi rõ lý do.",
    "new_due_at": "Ngày hẹn trả mới không hợp lệ: phải sau ngày hẹn hiện tại, trong giờ làm "
    "việc của ngày làm việc và không vượt quá thời hạn được gia hạn.",
    "target_agency": "Cơ quan nhận hồ sơ chuyển đến không hợp lệ.",
    "target_unit": "Bộ phận nhận hồ sơ chuyển đến không hợp lệ.",
    "electronic_result": "Chưa có tệp kết quả điện tử của hồ sơ.",
}


def refusal_text(refusal: Mapping[str, Any]) -> str:
    """Why the worker did not apply a command (`Refusal`: its kind and field), in Vietnamese."""
    kind, at_fault = refusal.get("kind"), refusal.get("field")
    if kind == "stale_version":
        return (
            f"Hồ sơ đã thay đổi sau khi bạn mở trang (bạn thao tác trên phiên bản "
            f"{refusal.get('expected_version')}). Vui lòng xem lại hồ sơ rồi quyết định lại."
        )
    if kind == "not_permitted":
        if at_fault == "agency":
            return "Thao tác này phải do bộ phận đang giữ hồ sơ thực hiện."
        return "Bạn không có vai trò được thực hiện thao tác này ở bước hiện tại của hồ sơ."
    if kind == "illegal_transition":
        return "Thao tác này không thực hiện được ở trạng thái hoặc bước hiện tại của hồ sơ."
    if kind == "invalid_input":
        return INPUT_TEXT.get(str(at_fault), "Thông tin nhập chưa hợp lệ.")
    if kind == "failed":
        return ("Hệ thống chưa thực hiện được thao tác sau nhiều lần thử; bộ phận vận hành đã "
                "được báo. Vui lòng thử lại sau.")  # fmt: skip
    return "Thao tác không được thực hiện."
