"""Reading a request body: size, content type, JSON, then a pydantic model."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from chalicelib.auth.webhooks import header
from chalicelib.http.problems import FieldIssue, Problem, from_validation_error
from chalicelib.intake.errors import IntakeInvalid
from chalicelib.intake.parse import read_body

Model = TypeVar("Model", bound=BaseModel)


def check_body(raw: bytes | None, headers: Mapping[str, str], *, max_bytes: int) -> bytes:
    body = raw or b""
    if len(body) > max_bytes:
        raise Problem(
            413,
            f"the body is {len(body)} bytes; the limit is {max_bytes}",
            kind="too-large",
            errors=[
                FieldIssue("body", f"larger than {max_bytes} bytes", "Nội dung gửi lên quá lớn")
            ],
        )
    content_type = (header(headers, "content-type") or "").split(";")[0].strip().lower()
    if content_type != "application/json":
        raise Problem(
            415,
            f"expected Content-Type application/json, got '{content_type or '-'}'",
            kind="unsupported-media-type",
            errors=[
                FieldIssue(
                    "Content-Type",
                    "must be application/json",
                    "Kiểu nội dung phải là application/json",
                )
            ],
        )
    return body


def parse_json(body: bytes) -> Any:
    """The one JSON document in `body`, read as strictly as an intake body (`read_body`):
    UTF-8, nested at most 20 levels (checked before parsing: a deeper body would exhaust the
    parser's recursion), no NaN or Infinity, no key twice in an object, no lone surrogate."""
    try:
        return read_body(body, max_bytes=max(len(body), 1))  # the size is checked before
    except IntakeInvalid as error:
        raise invalid(error, "the body is not valid JSON") from None


def invalid(error: IntakeInvalid, detail: str) -> Problem:
    """A 400 problem listing every field at fault."""
    return Problem(
        400,
        detail,
        kind="validation",
        errors=[FieldIssue(i.field, i.reason, i.message_vi) for i in error.errors],
    )


def parse_model(model: type[Model], data: Any, context: Mapping[str, Any] | None = None) -> Model:
    """`data` as `model`; `context` reaches its validators (`{"now": …}`: the request's time)."""
    try:
        return model.model_validate(data, context=dict(context) if context else None)
    except ValidationError as exc:
        raise from_validation_error(exc, "the body is not valid") from exc
