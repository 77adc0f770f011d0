"""What providers and citizens tell us about messages: delivery receipts and opt-outs."""

from __future__ import annotations

from datetime import datetime

from chalicelib.ports.deliveries import DeliveryLog
from chalicelib.services.errors import FieldIssue, NotFound


def record_receipt(
    log: DeliveryLog, *, provider: str, message_id: str, status: str, at: datetime
) -> None:
    """A provider reports what became of a message; a message we never sent is not found."""
    if not log.receipt(provider, message_id, status, at):
        raise NotFound(
            f"no message {message_id} from {provider}",
            errors=[FieldIssue("message_id", "no such message from this provider",
                               "Không có tin nhắn này")],
        )  # fmt: skip


def set_opt_out(
    log: DeliveryLog, *, phone: str, opted_out: bool, source: str, at: datetime
) -> None:
    """Survey invitations stop (or start again); legally required notices never stop."""
    log.set_opt_out(phone, opted_out, source, at)
