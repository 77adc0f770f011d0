"""Reading a request body: size, content type, JSON, then a pydantic model."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from chalicelib.auth.webhooks import header
from chalicelib.http.problems import FieldError, Problem, from_validation_error

Model = TypeVar("Model", bound=BaseModel)


def check_body(raw: bytes | None, headers: Mapping[str, str], *, max_bytes: int) -> bytes:
    body = raw or b""
    if len(body) > max_bytes:
        raise Problem(
            413,
            f"the body is {len(body)} bytes; the limit is {max_bytes}",
            kind="too-large",
            errors=[
                FieldError("body", f"larger than {max_bytes} bytes", "Nội dung gửi lên quá lớn")
            ],
        )
    content_type = (header(headers, "content-type") or "").split(";")[0].strip().lower()
    if content_type != "application/json":
        raise Problem(
            415,
            f"expected Content-Type application/json, got '{content_type or '-'}'",
            kind="unsupported-media-type",
            errors=[
                FieldError(
                    "Content-Type",
                    "must be application/json",
                    "Kiểu nội dung phải là application/json",
                )
            ],
        )
    return body


def parse_json(body: bytes) -> Any:
    try:
        return json.loads(body.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise Problem(
            400,
            "the body is not valid UTF-8",
            kind="validation",
            errors=[
                FieldError(
                    "body", f"invalid UTF-8 at byte {exc.start}", "Nội dung không phải UTF-8 hợp lệ"
                )
            ],
        ) from exc
    except json.JSONDecodeError as exc:
        raise Problem(
            400,
            "the body is not valid JSON",
            kind="validation",
            errors=[
                FieldError(
                    "body",
                    f"{exc.msg} at line {exc.lineno} column {exc.colno}",
                    "Nội dung không phải JSON hợp lệ",
                )
            ],
        ) from exc


def parse_model(model: type[Model], data: Any) -> Model:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise from_validation_error(exc, "the body is not valid") from exc
