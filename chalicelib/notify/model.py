"""What the notifier hands a provider, and what a provider answers. Pure data."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol, runtime_checkable


class Channel(StrEnum):
    ZNS = "zns"
    SMS = "sms"
    EMAIL = "email"


class Outcome(StrEnum):
    ACCEPTED = "accepted"  # the provider took it; a delivery receipt may follow
    TRANSIENT = "transient"  # timeout, 5xx, throttling: retry the same channel later
    NO_ACCOUNT = "no_account"  # ZNS -118: the phone has no Zalo account: fall back to SMS
    QUOTA = "quota"  # daily quota or rate cap of the channel: fall back
    TEMPLATE = "template"  # template missing, not approved or data refused: fall back
    PERMANENT = "permanent"  # anything else that retrying cannot fix


FALLBACK_OUTCOMES = frozenset({Outcome.NO_ACCOUNT, Outcome.QUOTA, Outcome.TEMPLATE})


@dataclass(frozen=True)
class OutgoingMessage:
    """One message on one channel. `key` is the job's idempotency key: providers that can
    deduplicate (ZNS tracking_id, gateways' client message id) receive it."""

    key: str
    channel: Channel
    to: str  # 84xxxxxxxxx for SMS and ZNS, an address for email
    text: str  # SMS: unaccented; email: the body; ZNS: a fallback description
    subject: str = ""  # email
    template_id: str = ""  # ZNS
    template_data: dict[str, str] = field(default_factory=dict)  # ZNS


@dataclass(frozen=True)
class SendResult:
    outcome: Outcome
    provider: str
    provider_message_id: str | None = None
    error: str | None = None  # the provider's code and message, for the delivery log
    parts: int | None = None  # SMS parts billed, when known


@runtime_checkable
class Provider(Protocol):
    """One channel's provider: sends one message, answers what became of it."""

    name: str
    channel: Channel

    def send(self, message: OutgoingMessage) -> SendResult: ...
