"""Builders of the events (SQS, DynamoDB Streams, schedules) and context Lambda hands a function.

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


def dynamodb_stream_event(
    records: Iterable[Mapping[str, Any]], stream_arn: str, region: str
) -> dict[str, Any]:
    """The `aws:dynamodb` event Lambda builds from `dynamodbstreams.get_records` (`Records`)."""
    return {"Records": [dynamodb_stream_record(record, stream_arn, region) for record in records]}


def dynamodb_stream_record(
    record: Mapping[str, Any], stream_arn: str, region: str
) -> dict[str, Any]:
    stream = record["dynamodb"]
    body: dict[str, Any] = {}
    if "ApproximateCreationDateTime" in stream:
        body["ApproximateCreationDateTime"] = _epoch_seconds(stream["ApproximateCreationDateTime"])
    for key in ("Keys", "NewImage", "OldImage"):
        if key in stream:
            body[key] = _attribute_map(stream[key])
    body["SequenceNumber"] = stream["SequenceNumber"]
    body["SizeBytes"] = stream["SizeBytes"]
    body["StreamViewType"] = stream["StreamViewType"]
    event: dict[str, Any] = {
        "eventID": record["eventID"],
        "eventName": record["eventName"],
        # Lambda sends 1.1 whatever the stream answered (moto answers 1.0).
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": region,  # moto answers us-east-1 whatever the region
        "dynamodb": body,
        "eventSourceARN": stream_arn,  # not in get_records' answer: Lambda adds it
    }
    identity = record.get("userIdentity")
    if identity:  # a deletion by Time to Live; the API's PascalCase becomes camelCase
        event["userIdentity"] = {
            "type": identity.get("Type"),
            "principalId": identity.get("PrincipalId"),
        }
    return event


def _epoch_seconds(value: datetime | float | str) -> float:
    # boto3 parses the timestamp into a datetime; Lambda sends epoch seconds, rounded down to
    # the second as DynamoDB Streams documents it (JSON 1.6e9 reads back as a float).
    if isinstance(value, datetime):
        seconds = value.timestamp() if value.tzinfo else value.replace(tzinfo=UTC).timestamp()
    else:
        seconds = float(value)
    return float(int(seconds))


def _attribute_map(item: Mapping[str, Any]) -> dict[str, Any]:
    return {name: _attribute_value(value) for name, value in item.items()}


def _attribute_value(value: Mapping[str, Any]) -> dict[str, Any]:
    # boto3 answers binary values as bytes; the event's JSON carries them as base64 text.
    kind, content = next(iter(value.items()))
    if kind == "B":
        return {"B": _b64(content)}
    if kind == "BS":
        return {"BS": [_b64(item) for item in content]}
    if kind == "M":
        return {"M": _attribute_map(content)}
    if kind == "L":
        return {"L": [_attribute_value(item) for item in content]}
    return {kind: content}


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
