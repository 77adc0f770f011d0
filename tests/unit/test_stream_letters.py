"""An outbox dead letter (Lambda's description of a stream batch the relay gave up on) is read
as its batch, and resending reads exactly the batch's range of its shard."""

import pytest
from botocore.exceptions import ClientError

from chalicelib.handlers import stream_letters
from chalicelib.handlers.stream_letters import RecordsGone, batch_of

ARN = "arn:aws:dynamodb:ap-southeast-1:123456789012:table/motcua-prod/stream/2026-12-01T00:00:00"
SHARD = "shardId-00000001733000000000-0a1b2c3d"
LETTER = {
    "requestContext": {"condition": "RecordAgeExceeded", "approximateInvokeCount": 3},
    "responseContext": {"statusCode": 200, "functionError": "Unhandled"},
    "version": "1.0",
    "timestamp": "2026-12-05T01:02:03.456Z",
    "DDBStreamBatchInfo": {
        "shardId": SHARD,
        "startSequenceNumber": "100000000000000000012",
        "endSequenceNumber": "100000000000000000014",
        "batchSize": 2,
        "streamArn": ARN,
    },
}


def record(number: int) -> dict:
    return {"eventName": "MODIFY", "dynamodb": {"SequenceNumber": str(number)}}


class Streams:
    """A shard holding records 10..20, read two at a time."""

    def __init__(self, error: str | None = None) -> None:
        self.error = error
        self.asked: list[dict] = []

    def get_shard_iterator(self, **asked):
        self.asked.append(asked)
        if self.error:
            raise ClientError({"Error": {"Code": self.error, "Message": "no"}}, "GetShardIterator")
        return {"ShardIterator": asked["SequenceNumber"]}

    def get_records(self, ShardIterator, Limit):
        start = int(ShardIterator)
        numbers = [n for n in range(start, start + 2) if n <= 100000000000000000020]
        following = str(start + 2) if numbers else ShardIterator
        return {"Records": [record(n) for n in numbers], "NextShardIterator": following}


def test_a_letter_is_read_as_its_batch_with_a_reason_and_no_personal_data():
    batch = batch_of(LETTER)
    assert batch is not None and batch.shard_id == SHARD and batch.size == 2
    assert batch.reason == (
        f"RecordAgeExceeded: the relay did not relay 2 stream record(s) of shard {SHARD}, "
        "sequence 100000000000000000012..100000000000000000014, function error Unhandled"
    )
    assert batch.at is not None and batch.at.utcoffset().total_seconds() == 0
    assert batch_of({"kind": "dead-letter"}) is None and batch_of("text") is None


def test_resend_reads_the_range_only_and_counts_what_the_relay_failed_on():
    streams, handed = Streams(), []

    def relay(event):
        handed.extend(event["Records"])
        failed = [{"itemIdentifier": "100000000000000000013"}]
        return {"batchItemFailures": failed}

    result = stream_letters.resend(streams, batch_of(LETTER), relay)
    assert [r["dynamodb"]["SequenceNumber"][-2:] for r in handed] == ["12", "13", "14"]
    assert handed[0]["eventSourceARN"] == ARN and handed[0]["awsRegion"] == "ap-southeast-1"
    assert (result.read, result.failed, result.done) == (3, 1, False)
    assert streams.asked[0]["ShardIteratorType"] == "AT_SEQUENCE_NUMBER"


def test_records_the_stream_no_longer_keeps_are_said_so():
    with pytest.raises(RecordsGone, match="no longer keeps its records"):
        stream_letters.records_of(Streams("TrimmedDataAccessException"), batch_of(LETTER))
    broken = {**LETTER, "DDBStreamBatchInfo": {**LETTER["DDBStreamBatchInfo"], "shardId": ""}}
    with pytest.raises(RecordsGone, match="names no stream"):
        stream_letters.records_of(Streams(), batch_of(broken))
