"""RFC 9457 problem details: every 4xx/5xx the API returns has this shape.

Each field error names the field (`field`, a dotted path or a query parameter), says why in
English for integrators (`reason`) and in Vietnamese for the people who see it (`message`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from chalice import Response
from pydantic import ValidationError

from chalicelib.domain.errors import DomainError
from chalicelib.domain.validation import field_path
from chalicelib.services import errors as service
from chalicelib.services.errors import DEFAULT_MESSAGE_VI, FieldIssue

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "https://motcua.example.gov.vn/problems/"

TITLES_VI = {
    400: "Yêu cầu không hợp lệ",
    401: "Chưa xác thực",
    403: "Không có quyền",
    404: "Không tìm thấy",
    405: "Phương thức không được hỗ trợ",
    409: "Xung đột dữ liệu",
    413: "Nội dung quá lớn",
    415: "Kiểu nội dung không được hỗ trợ",
    422: "Không thể xử lý",
    429: "Quá nhiều yêu cầu",
    500: "Lỗi hệ thống",
}

# Vietnamese wording for pydantic's error kinds that users meet most.
MESSAGES_VI = {
    "missing": "Thiếu trường bắt buộc",
    "extra_forbidden": "Trường không được phép",
    "int_parsing": "Phải là số nguyên",
    "int_type": "Phải là số nguyên",
    "greater_than": "Giá trị quá nhỏ",
    "greater_than_equal": "Giá trị quá nhỏ",
    "less_than": "Giá trị quá lớn",
    "less_than_equal": "Giá trị quá lớn",
    "datetime_parsing": "Thời điểm không đúng định dạng ISO-8601",
    "datetime_from_date_parsing": "Thời điểm không đúng định dạng ISO-8601",
    "datetime_type": "Thời điểm không đúng định dạng ISO-8601",
    "string_type": "Phải là chuỗi ký tự",
    "string_too_long": "Chuỗi quá dài",
    "string_too_short": "Chuỗi quá ngắn",
    "string_pattern_mismatch": "Không đúng định dạng",
    "value_error": "Giá trị không hợp lệ",
}
# The HTTP status of each kind of refusal a use case can answer.
STATUS_OF: dict[type[service.ServiceError], int] = {
    service.Invalid: 400,
    service.Unauthenticated: 401,
    service.Forbidden: 403,
    service.NotFound: 404,
    service.Conflict: 409,
    service.Unprocessable: 422,
    service.TooManyRequests: 429,
    service.Unavailable: 503,
}


class Problem(Exception):
    """Raised anywhere in a request to answer with a problem document."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        kind: str = "invalid-request",
        errors: Iterable[FieldIssue] = (),
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.kind = kind
        self.errors = list(errors)
        self.headers = headers or {}

    def to_response(self, instance: str | None = None) -> Response:
        body: dict[str, Any] = {
            "type": PROBLEM_BASE + self.kind,
            "title": TITLES_VI.get(self.status, "Lỗi"),
            "status": self.status,
            "detail": self.detail,
        }
        if instance:
            body["instance"] = instance
        if self.errors:
            body["errors"] = [
                {"field": e.field, "reason": e.reason, "message": e.message} for e in self.errors
            ]
        return Response(
            body=json.dumps(body, ensure_ascii=False),
            status_code=self.status,
            headers={"Content-Type": PROBLEM_JSON, **self.headers},
        )


def from_validation_error(exc: ValidationError, detail: str) -> Problem:
    errors = [
        FieldIssue(
            field=field_path(e["loc"], default="body"),
            reason=e["msg"],
            # A check's own Vietnamese message (chalicelib.intake.errors.checked), else the kind's.
            message=(e.get("ctx") or {}).get("message_vi")
            or MESSAGES_VI.get(e["type"], DEFAULT_MESSAGE_VI),
        )
        for e in exc.errors(include_url=False)
    ]
    return Problem(400, detail, kind="validation", errors=errors)


def problem_for(error: Exception) -> Problem | None:
    """The problem a refusal answers with; None for anything that is not a refusal (a bug or an
    outage: the entry layer logs it and answers 500)."""
    if isinstance(error, Problem):
        return error
    if isinstance(error, service.ServiceError):
        status = next(s for kind, s in STATUS_OF.items() if isinstance(error, kind))
        headers = {"WWW-Authenticate": error.challenge} if error.challenge else {}
        if isinstance(error, service.TooManyRequests):
            headers["Retry-After"] = str(error.retry_after)
        return Problem(status, error.detail, kind=error.kind, errors=error.errors, headers=headers)
    if isinstance(error, DomainError):
        return Problem(
            400,
            error.message,
            kind=error.code.replace("_", "-"),
            errors=[FieldIssue(error.field or "body", error.message)],
        )
    return None
