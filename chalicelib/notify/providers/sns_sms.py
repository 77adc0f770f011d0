"""SMS through Amazon SNS: `Publish` straight to a phone number, as a transactional message.

Transactional (not Promotional) because dossier notices are customer care and SNS routes
transactional SMS for reliability. The sender ID is the brandname registered for Vietnam;
without it the operators' defaults apply. Errors (botocore's SNS model for Publish):
throttling and InternalError are TRANSIENT; InvalidParameter, ParameterValueInvalid,
AuthorizationError, OptedOut and the rest are PERMANENT, with the AWS code in `error`.
"""

from __future__ import annotations

from typing import Any

from chalicelib.domain.sms import sms_parts
from chalicelib.notify.model import Channel, Outcome, OutgoingMessage, SendResult
from chalicelib.notify.providers import (
    AWS_ERRORS,
    DEFAULT_TIMEOUT,
    aws_error_result,
    timed_client,
    valid_msisdn,
)


class SnsSmsProvider:
    channel = Channel.SMS

    def __init__(
        self,
        sender_id: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        *,
        name: str = "sns-sms",
    ) -> None:
        self.name = name
        self.sender_id = sender_id or None
        self.timeout = timeout
        self._sns: Any = None

    def _client(self) -> Any:
        if self._sns is None:
            self._sns = timed_client("sns", self.timeout)
        return self._sns

    def attributes(self) -> dict[str, dict[str, str]]:
        attributes = {
            "AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"},
        }
        if self.sender_id:
            attributes["AWS.SNS.SMS.SenderID"] = {
                "DataType": "String",
                "StringValue": self.sender_id,
            }
        return attributes

    def send(self, message: OutgoingMessage) -> SendResult:
        if not valid_msisdn(message.to):
            return SendResult(Outcome.PERMANENT, self.name, error="invalid phone number")
        try:
            answer = self._client().publish(
                PhoneNumber="+" + message.to,
                Message=message.text,
                MessageAttributes=self.attributes(),
            )
        except AWS_ERRORS as exc:
            return aws_error_result(self.name, exc)
        return SendResult(
            Outcome.ACCEPTED,
            self.name,
            provider_message_id=answer.get("MessageId"),
            parts=sms_parts(message.text).parts,
        )
