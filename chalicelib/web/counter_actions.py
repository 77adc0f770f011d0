"""The counter's decisions on a dossier waiting in status 1 (`/quay/ho-so/{code}`): receive it,
ask for a supplement before receipt (Mẫu 02), or refuse it (Mẫu 03). Each is a posted form
turned into the API's `ActionRequest` (the body of `POST /v1/dossiers/{code}/actions`) and
queued by the same use case; what the transition worker made of it is read back as the API's
command status, its refusal told in Vietnamese here.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from chalicelib.domain.dossier import Action
from chalicelib.domain.state_machine import RULES

ACTION = "hanh_dong"
VERSION = "phien_ban"
NOTE = "ly_do"
KEY = "khoa"  # one key a form shown: the same post twice is the same command (Idempotency-Key)
COMMAND = "lenh"  # the query naming the queued command, on the page that follows it
GENERAL = "_"
# The counter's decisions before receipt, in the order the page offers them.
DECISIONS: dict[Action, str] = {
    Action.RECEIVE: "Tiếp nhận hồ sơ",
    Action.REQUEST_SUPPLEMENT: "Yêu cầu bổ sung trước khi tiếp nhận",
    Action.REFUSE: "Từ chối tiếp nhận",
}
NOTE_MISSING = "Vui lòng ghi rõ lý do (sẽ in trên văn bản gửi người nộp hồ sơ)"
NOT_OFFERED = "Thao tác này không có ở quầy tiếp nhận"
MAX_NOTE = 2000
# What a refused command means for the receiver, by the refusal's kind (ports/records.Refusal):
# the domain's reasons are in English, for integrators; the page says it in Vietnamese, and
# shows the English reason under it for whoever supports them.
REFUSAL_TEXT: dict[str, str] = {
    "stale_version": "Hồ sơ đã thay đổi sau khi bạn mở trang (có người khác vừa xử lý). "
    "Vui lòng tải lại trang hồ sơ rồi quyết định lại.",
    "illegal_transition": "Hồ sơ không còn ở trạng thái cho phép thao tác này.",
    "not_permitted": "Bạn không có quyền thực hiện thao tác này với hồ sơ này.",
    "invalid_input": "Thông tin gửi kèm thao tác không hợp lệ.",
    "failed": "Hệ thống chưa thực hiện được thao tác; bộ phận kỹ thuật đã được báo. "
    "Vui lòng thử lại sau.",
}
REFUSAL_FALLBACK = "Thao tác không được thực hiện."
APPLIED_TEXT: dict[str, str] = {
    Action.RECEIVE.value: "Đã tiếp nhận hồ sơ.",
    Action.REQUEST_SUPPLEMENT.value: "Đã gửi yêu cầu bổ sung hồ sơ.",
    Action.REFUSE.value: "Đã từ chối tiếp nhận hồ sơ.",
}


def refusal_text(kind: str) -> str:
    return REFUSAL_TEXT.get(kind, REFUSAL_FALLBACK)


def needs_note(action: Action) -> bool:
    """The state machine's own rule: a decision the applicant must be told the reasons of."""
    return RULES[action].needs_note


def new_key() -> str:
    return uuid.uuid4().hex


@dataclass
class Decision:
    """A decision posted: the API's action body when it is one, else the errors beside."""

    action: Action | None = None
    body: dict[str, Any] = field(default_factory=dict)
    key: str = ""
    note: str = ""
    errors: dict[str, str] = field(default_factory=dict)


def read_decision(fields: Mapping[str, str]) -> Decision:
    """The posted decision as the API's ActionRequest document (`action`, `note`,
    `expected_version`: the version the receiver saw), or the errors beside its inputs."""
    decision = Decision(
        key=fields.get(KEY, "").strip()[:128], note=fields.get(NOTE, "").strip()[:MAX_NOTE]
    )
    try:
        action = Action(fields.get(ACTION, ""))
    except ValueError:
        action = None
    if action not in DECISIONS:
        decision.errors[GENERAL] = NOT_OFFERED
        return decision
    decision.action = action
    if needs_note(action) and not decision.note:
        decision.errors[NOTE] = NOTE_MISSING
    version = fields.get(VERSION, "")
    decision.body = {
        "action": action.value,
        "note": decision.note,
        "expected_version": int(version) if version.isdigit() else version,
    }
    return decision


def errors_beside(issues: Any) -> dict[str, str]:
    """The API's refusal of the body (`note`, `expected_version` …) beside this form's inputs."""
    errors: dict[str, str] = {}
    for issue in issues:
        name = NOTE if issue.field == "note" else GENERAL
        errors.setdefault(name, issue.message)
    return errors
