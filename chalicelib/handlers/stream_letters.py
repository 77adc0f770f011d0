"""The outbox dead-letter queue's letters (`motcua-<stage>-outbox-dlq`): what Lambda sends there
when the stream relay gave up on a batch of the table's stream (its retries spent, or the
records older than the mapping allows).

Such a letter is not a message that can be sent back to a queue: it is Lambda's description of
the batch (`DDBStreamBatchInfo`: the stream, the shard, the first and last sequence numbers).
What it describes can be done again while the stream still keeps the records (24 hours):
`resend` reads them from the shard and hands them to the relay's own code
(`workers.run_outbox_relay`), which queues their notices and portal syncs as it would have.
Doing so twice is harmless: the stream is read at least once anyway, the notifier skips a
route already delivered and the portal sync keeps the latest revision.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

BATCH_INFO = "DDBStreamBatchInfo"
EMPTY_READS = 3  # empty answers in a row from an open shard before the range counts as read


@dataclass(frozen=True)
class StreamBatch:
    """Lambda's description of a stream batch it gave up on (its on-failure record)."""

    stream_arn: str
    shard_id: str
    first: str  # sequence numbers, inclusive
    last: str
    size: int
    condition: str  # RetryAttemptsExhausted, RecordAgeExceeded, …
    function_error: str
    at: datetime | None

    @property
    def reason(self) -> str:
        error = f", function error {self.function_error}" if self.function_error else ""
        return (
            f"{self.condition or 'gave up'}: the relay did not relay "
            f"{self.size} stream record(s) of shard {self.shard_id}, sequence {self.first}.."
            f"{self.last}{error}"
        )

    def as_json(self) -> dict[str, Any]:
        """What the letter says, whole: it carries no personal data (no record, no key)."""
        return {
            "condition": self.condition,
            "function_error": self.function_error,
            "stream": self.stream_arn,
            "shard": self.shard_id,
            "first_sequence": self.first,
            "last_sequence": self.last,
            "batch_size": self.size,
        }


def batch_of(document: object) -> StreamBatch | None:
    """The batch a letter of the outbox DLQ describes, or None when it is not such a letter."""
    if not isinstance(document, Mapping) or not isinstance(document.get(BATCH_INFO), Mapping):
        return None
    info = document[BATCH_INFO]
    request = document.get("requestContext") or {}
    response = document.get("responseContext") or {}
    try:
        at: datetime | None = datetime.fromisoformat(str(document.get("timestamp")))
    except ValueError:
        at = None
    if at is not None and at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return StreamBatch(
        stream_arn=str(info.get("streamArn", "")),
        shard_id=str(info.get("shardId", "")),
        first=str(info.get("startSequenceNumber", "")),
        last=str(info.get("endSequenceNumber", "")),
        size=int(info.get("batchSize") or 0),
        condition=str(request.get("condition", "")),
        function_error=str(response.get("functionError", "")),
        at=at,
    )


class RecordsGone(Exception):
    """The records cannot be read: the stream no longer keeps them (24 hours), the shard is
    gone, or the stream refused."""


def records_of(streams: Any, batch: StreamBatch) -> list[dict[str, Any]]:
    """The stream records of the batch's range, read from its shard, oldest first."""
    if not (batch.stream_arn and batch.shard_id and batch.first.isdigit()):
        raise RecordsGone("the letter names no stream, shard or sequence number")
    if not batch.last.isdigit():
        raise RecordsGone(f"the letter's last sequence number {batch.last!r} is not a number")
    try:
        iterator = streams.get_shard_iterator(
            StreamArn=batch.stream_arn,
            ShardId=batch.shard_id,
            ShardIteratorType="AT_SEQUENCE_NUMBER",
            SequenceNumber=batch.first,
        )["ShardIterator"]
        found: list[dict[str, Any]] = []
        empty = 0
        while iterator and empty < EMPTY_READS:
            answer = streams.get_records(ShardIterator=iterator, Limit=1000)
            records = answer.get("Records", [])
            for record in records:
                if int(record["dynamodb"]["SequenceNumber"]) > int(batch.last):
                    return found
                found.append(record)
            empty = 0 if records else empty + 1
            iterator = answer.get("NextShardIterator")
        return found
    except Exception as exc:  # botocore's ClientError: TrimmedDataAccess, ResourceNotFound
        from botocore.exceptions import ParamValidationError

        if isinstance(exc, ParamValidationError):
            raise RecordsGone(f"its range is not one a stream has ({exc})") from exc
        error = getattr(exc, "response", None)
        if not isinstance(error, dict):
            raise
        code = error.get("Error", {}).get("Code", "?")
        if code in ("TrimmedDataAccessException", "ResourceNotFoundException"):
            raise RecordsGone(f"the stream no longer keeps its records ({code})") from exc
        message = error.get("Error", {}).get("Message", "")
        raise RecordsGone(f"the stream could not be read ({code}: {message[:120]})") from exc


@dataclass(frozen=True)
class Resent:
    read: int  # records read from the stream
    failed: int  # records the relay failed on again

    @property
    def done(self) -> bool:
        return self.read > 0 and self.failed == 0


def resend(
    streams: Any, batch: StreamBatch, relay: Callable[[dict[str, Any]], dict[str, Any]]
) -> Resent:
    """Hand the batch's records to the relay (`relay`: its handler, given a stream event);
    answer how many were read and how many failed again."""
    records = records_of(streams, batch)
    if not records:
        return Resent(0, 0)
    region = batch.stream_arn.split(":")[3] if batch.stream_arn.count(":") >= 3 else ""
    event = {
        "Records": [
            {**record, "eventSourceARN": batch.stream_arn, "awsRegion": region}
            for record in records
        ]
    }
    try:
        answer = relay(event)
    except RuntimeError:  # the relay's "every record failed"
        return Resent(len(records), len(records))
    return Resent(len(records), len(answer.get("batchItemFailures", [])))
