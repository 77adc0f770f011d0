"""What a use case answers when it refuses: the kind of refusal and the fields at fault.

Services and auth raise these; they know nothing of HTTP. One mapper at the entry layer
(`chalicelib/http/problems.py`) turns each into its problem+json answer.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar

DEFAULT_MESSAGE_VI = "Giá trị không hợp lệ"


@dataclass(frozen=True)
class FieldIssue:
    """One field at fault: `reason` in English for integrators, `message` in Vietnamese for the
    people who see it."""

    field: str
    reason: str
    message: str = DEFAULT_MESSAGE_VI


class ServiceError(Exception):
    """A use case refused. `kind` names the refusal for clients (the problem type's last part);
    `challenge` is what a caller must present instead (an authentication scheme)."""

    default_kind: ClassVar[str] = "invalid-request"

    def __init__(
        self,
        detail: str,
        *,
        errors: Iterable[FieldIssue] = (),
        kind: str | None = None,
        challenge: str | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = list(errors)
        self.kind = kind or self.default_kind
        self.challenge = challenge


class Invalid(ServiceError):
    """The input breaks a rule; `errors` names each field."""

    default_kind = "validation"


class Unauthenticated(ServiceError):
    """Who calls could not be established (no, bad or expired credentials)."""

    default_kind = "unauthorized"


class Forbidden(ServiceError):
    """The caller is known, and not allowed this."""

    default_kind = "forbidden"


class NotFound(ServiceError):
    default_kind = "not-found"


class Conflict(ServiceError):
    """The request contradicts what is stored (a different body under the same key …)."""

    default_kind = "conflict"


class Unprocessable(ServiceError):
    """Well-formed, but it contradicts an earlier request under the same key."""

    default_kind = "unprocessable"


class TooManyRequests(ServiceError):
    """Too many attempts for now; `retry_after` seconds from now they are counted afresh."""

    default_kind = "too-many-requests"

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class Unavailable(ServiceError):
    """Something this use case depends on cannot answer now; the same request may work later."""

    default_kind = "unavailable"
