"""Intake errors: every field at fault, named the way the caller named it."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import ValidationError
from pydantic_core import PydanticCustomError

from chalicelib.domain.errors import InvalidInput

DEFAULT_MESSAGE_VI = "Giá trị không hợp lệ"
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class FieldIssue:
    """One field at fault: its path in the caller's key names (`applicant.phone`,
    `SoDienThoai`, `documents[2].url`, or `body` for the body as a whole), why in English for
    integrators, and a Vietnamese message for the people who see it."""

    field: str
    reason: str
    message_vi: str = DEFAULT_MESSAGE_VI

    def as_dict(self) -> dict[str, str]:
        """The shape of one entry of a problem document's `errors`."""
        return {"field": self.field, "reason": self.reason, "message": self.message_vi}


class CheckFailed(Exception):
    """A value failed a check (`checks.py`). Not a ValueError, so that a validator which forgets
    to turn it into a field error fails loudly instead of becoming a generic "Value error"."""

    def __init__(self, reason: str, message_vi: str = DEFAULT_MESSAGE_VI) -> None:
        super().__init__(reason)
        self.reason = reason
        self.message_vi = message_vi


class IntakeInvalid(InvalidInput):
    """A submission was refused; `errors` lists every field at fault, not only the first."""

    code = "invalid_intake"

    def __init__(self, errors: Iterable[FieldIssue]) -> None:
        issues = list(errors)
        if not issues:
            raise ValueError("IntakeInvalid needs at least one FieldIssue")
        first = issues[0]
        more = f" (and {len(issues) - 1} more)" if len(issues) > 1 else ""
        super().__init__(f"{first.field}: {first.reason}{more}", field=first.field)
        self.errors = issues


# -- from pydantic's validation errors ----------------------------------------------------------
INTAKE_CHECK = "intake_check"

# Vietnamese wording for the pydantic error kinds that intake bodies meet.
MESSAGES_VI = {
    "missing": "Thiếu trường bắt buộc",
    "extra_forbidden": "Trường không được phép",
    "string_type": "Phải là chuỗi ký tự",
    "bool_type": "Phải là true hoặc false",
    "int_type": "Phải là số nguyên",
    "int_from_float": "Phải là số nguyên",
    "enum": "Giá trị không nằm trong danh sách cho phép",
    "literal_error": "Giá trị không nằm trong danh sách cho phép",
    "list_type": "Phải là một danh sách",
    "too_long": "Danh sách quá dài",
    "model_type": "Phải là một đối tượng JSON",
    "model_attributes_type": "Phải là một đối tượng JSON",
    "dict_type": "Phải là một đối tượng JSON",
    "greater_than_equal": "Giá trị quá nhỏ",
    "less_than_equal": "Giá trị quá lớn",
}
_MAX_KEY = 64


def as_field_error(reason: str, message_vi: str = DEFAULT_MESSAGE_VI) -> PydanticCustomError:
    """A field error pydantic collects with its location, carrying the Vietnamese message."""
    return PydanticCustomError(
        INTAKE_CHECK, "{reason}", {"reason": reason, "message_vi": message_vi}
    )


def checked(check: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a check from a pydantic validator: its failure becomes an error of that field."""
    try:
        return check(*args, **kwargs)
    except CheckFailed as failure:
        raise as_field_error(failure.reason, failure.message_vi) from None


def path(loc: Iterable[Any], prefix: str = "") -> str:
    """`("documents", 2, "url")` → `documents[2].url`, after `prefix` (e.g. `data[0]`). Keys
    come from the caller: long or unprintable ones are shown escaped and cut short."""
    text = prefix
    for item in loc:
        if isinstance(item, int):
            text += f"[{item}]"
            continue
        key = str(item)
        if len(key) > _MAX_KEY or not key.isprintable():
            key = repr(key[:_MAX_KEY])
        text += f".{key}" if text else key
    return text or "body"


def issues_from(exc: ValidationError, prefix: str = "") -> list[FieldIssue]:
    """Every error pydantic collected, as FieldIssues in the caller's key names."""
    issues = []
    for error in exc.errors(include_url=False):
        context = error.get("ctx") or {}
        if error["type"] == INTAKE_CHECK:
            message_vi = context.get("message_vi", DEFAULT_MESSAGE_VI)
        else:
            message_vi = MESSAGES_VI.get(error["type"], DEFAULT_MESSAGE_VI)
        issues.append(FieldIssue(path(error["loc"], prefix), error["msg"], message_vi))
    return issues
