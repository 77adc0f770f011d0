"""Builders of the events and context Lambda hands to a function.

The shapes are AWS's, not Chalice's: the app's handlers (and Powertools' parsers inside them)
see locally exactly what they will see in production.
"""

from __future__ import annotations

import base64
import time
import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

ACCOUNT_ID = "123456789012"  # moto's default account

# What `receive_message` must be asked for, so that the event carries every field.
RECEIVE_ARGUMENTS: dict[str, Any] = {
    "MessageSystemAttributeNames": ["All"],
    "MessageAttributeNames": ["All"],
}

_SYSTEM_ATTRIBUTES = (
    "ApproximateReceiveCount",
    "SentTimestamp",
    "SenderId",
    "ApproximateFirstReceiveTimestamp",
    "SequenceNumber",
    "MessageGroupId",
    "MessageDeduplicationId",
    "AWSTraceHeader",
    "DeadLetterQueueSourceArn",
)


def sqs_event(messages: Iterable[Mapping[str, Any]], queue_arn: str, region: str) -> dict:
    """The `aws:sqs` event Lambda builds from `receive_message` output (`Messages`)."""
    return {"Records": [sqs_record(message, queue_arn, region) for message in messages]}


def sqs_record(message: Mapping[str, Any], queue_arn: str, region: str) -> dict[str, Any]:
    received = message.get("Attributes", {})
    attributes = {key: received[key] for key in _SYSTEM_ATTRIBUTES if key in received}
    record: dict[str, Any] = {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": attributes,
        "messageAttributes": {
            name: _message_attribute(value)
            for name, value in message.get("MessageAttributes", {}).items()
        },
        "md5OfBody": message["MD5OfBody"],
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }
    if "MD5OfMessageAttributes" in message:
        record["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
    return record


def _message_attribute(value: Mapping[str, Any]) -> dict[str, Any]:
    # boto3 answers PascalCase with bytes; Lambda sends camelCase with base64 text.
    attribute: dict[str, Any] = {
        "stringListValues": list(value.get("StringListValues", [])),
        "binaryListValues": [_b64(item) for item in value.get("BinaryListValues", [])],
        "dataType": value["DataType"],
    }
    if "StringValue" in value:
        attribute["stringValue"] = value["StringValue"]
    if "BinaryValue" in value:
        attribute["binaryValue"] = _b64(value["BinaryValue"])
    return attribute


def _b64(value: bytes | str) -> str:
    if isinstance(value, str):
        value = value.encode()
    return base64.b64encode(value).decode("ascii")


def scheduled_event(
    rule_arn: str, time: datetime | None = None, *, region: str | None = None
) -> dict[str, Any]:
    """EventBridge's "Scheduled Event" for a schedule rule (`time` in UTC, to the second)."""
    at = (time or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    parts = rule_arn.split(":")
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": parts[4] if len(parts) > 4 else ACCOUNT_ID,
        "time": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region or (parts[3] if len(parts) > 3 else ""),
        "resources": [rule_arn],
        "detail": {},
    }


def rule_arn(region: str, rule_name: str, account_id: str = ACCOUNT_ID) -> str:
    return f"arn:aws:events:{region}:{account_id}:rule/{rule_name}"


class LambdaContext:
    """The attributes and method of Lambda's Python context object that code may use."""

    def __init__(
        self,
        function_name: str,
        *,
        region: str = "ap-southeast-1",
        memory_limit_in_mb: int = 128,
        timeout_seconds: float = 60,
        account_id: str = ACCOUNT_ID,
        aws_request_id: str | None = None,
    ) -> None:
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.memory_limit_in_mb = memory_limit_in_mb
        self.invoked_function_arn = f"arn:aws:lambda:{region}:{account_id}:function:{function_name}"
        self.aws_request_id = aws_request_id or str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{function_name}"
        day = datetime.now(UTC).strftime("%Y/%m/%d")
        self.log_stream_name = f"{day}/[$LATEST]{uuid.uuid4().hex}"
        self.identity = None
        self.client_context = None
        self._deadline = time.monotonic() + timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))
