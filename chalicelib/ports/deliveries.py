"""The delivery log: who was sent what, by which route, and whether it arrived."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from pydantic import BaseModel, ConfigDict

from chalicelib.domain.notifications import NotificationJob


class RouteState(StrEnum):
    SENDING = "sending"
    ACCEPTED = "accepted"
    FAILED = "failed"  # retryable: the next delivery may claim the route again
    UNKNOWN = "unknown"  # a send was under way when the notifier died: never resent


class Attempt(BaseModel):
    model_config = ConfigDict(frozen=True)

    job_key: str
    code: str | None
    kind: str
    route: str
    channel: str
    provider: str
    outcome: str
    provider_message_id: str | None = None
    error: str | None = None
    parts: int | None = None
    at: datetime
    delivery: str | None = None  # from the provider's receipt: delivered, failed …
    delivered_at: datetime | None = None


@dataclass(frozen=True)
class Claim:
    state: RouteState | None  # None: this delivery holds the route now
    since: datetime | None = None


class DeliveryLog(Protocol):
    def claim(self, job: NotificationJob, route: str, now: datetime) -> Claim: ...

    def settle(self, job: NotificationJob, route: str, state: RouteState) -> None: ...

    def record(self, job: NotificationJob, attempt: Attempt) -> None: ...

    def attempts(self, code: str) -> list[Attempt]: ...

    def receipt(self, provider: str, message_id: str, status: str, at: datetime) -> bool: ...

    def opted_out(self, phone: str) -> bool: ...

    def set_opt_out(self, phone: str, opted_out: bool, source: str, at: datetime) -> None: ...
