"""Email through Amazon SES (`SendEmail`, v1 API): UTF-8 subject and plain-text body.

SES answers both limits with a Throttling error and tells them apart only by the message
("Maximum sending rate exceeded" / "Daily message quota exceeded", SES developer guide,
manage-sending-quotas-errors): the rate passes in a second (TRANSIENT), the daily quota not
before tomorrow (QUOTA: fall back). MessageRejected, MailFromDomainNotVerifiedException,
ConfigurationSetDoesNotExist and paused sending need an operator (PERMANENT).
"""

from __future__ import annotations

from typing import Any

from chalicelib.notify.model import Channel, Outcome, OutgoingMessage, SendResult
from chalicelib.notify.providers import AWS_ERRORS, DEFAULT_TIMEOUT, aws_error_result, timed_client


def _classify(code: str, text: str) -> Outcome | None:
    if code.startswith("Throttling") and "daily message quota" in text.lower():
        return Outcome.QUOTA
    return None


class SesEmailProvider:
    channel = Channel.EMAIL

    def __init__(
        self,
        sender: str,
        timeout: float = DEFAULT_TIMEOUT,
        *,
        name: str = "ses-email",
        configuration_set: str | None = None,
    ) -> None:
        self.name = name
        self.sender = sender
        self.timeout = timeout
        self.configuration_set = configuration_set
        self._ses: Any = None

    def _client(self) -> Any:
        if self._ses is None:
            self._ses = timed_client("ses", self.timeout)
        return self._ses

    def send(self, message: OutgoingMessage) -> SendResult:
        if "@" not in message.to or any(c in message.to for c in "\r\n,;"):
            # One plain address only: a stray comma or newline would add recipients.
            return SendResult(Outcome.PERMANENT, self.name, error="invalid email address")
        kwargs: dict[str, Any] = {
            "Source": self.sender,
            "Destination": {"ToAddresses": [message.to]},
            "Message": {
                "Subject": {"Data": message.subject, "Charset": "UTF-8"},
                "Body": {"Text": {"Data": message.text, "Charset": "UTF-8"}},
            },
        }
        if self.configuration_set:
            kwargs["ConfigurationSetName"] = self.configuration_set
        try:
            answer = self._client().send_email(**kwargs)
        except AWS_ERRORS as exc:
            return aws_error_result(self.name, exc, _classify)
        return SendResult(Outcome.ACCEPTED, self.name, provider_message_id=answer.get("MessageId"))
