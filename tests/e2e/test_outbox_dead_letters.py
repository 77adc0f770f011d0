"""The outbox dead-letter queue on the local stack: the stream relay gives up on a dossier's
records (its receipt notice is never queued); the letter Lambda would send to
`motcua-<stage>-outbox-dlq` is listed, shown, refused by `redrive` in one line, resent through
the relay's own code (the notice then reaches the outbox) and purged, every count true.

The local stream poller only logs when it gives up (devstack/stream_pollers.py): here the relay
skips the dossier's jobs (what is lost once Lambda gave up and moved on) and the test puts the
letter in the queue as Lambda's on-failure destination does (its documented shape)."""

import json
import uuid

import pytest

from chalicelib import cli
from chalicelib.notify.providers.local_outbox import read_outbox
from chalicelib.services import outbox
from devstack import demo
from devstack.stack import LocalStack

pytestmark = pytest.mark.e2e


def stream_records(stack):
    """(shard id, record) of every record of the table's stream."""
    table = stack.aws_client("dynamodb").describe_table(TableName=stack.env["MOTCUA_TABLE"])
    arn = table["Table"]["LatestStreamArn"]
    streams = stack.aws_client("dynamodbstreams")
    found = []
    for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
        iterator = streams.get_shard_iterator(
            StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        for record in streams.get_records(ShardIterator=iterator, Limit=1000)["Records"]:
            found.append((shard["ShardId"], record))
    return arn, found


def lambda_on_failure_record(arn, shard, first, last, size):
    """What Lambda sends to a stream mapping's on-failure destination (AWS Lambda docs)."""
    return {
        "requestContext": {
            "requestId": str(uuid.uuid4()),
            "functionArn": "arn:aws:lambda:ap-southeast-1:123456789012:function:outbox_relay",
            "condition": "RetryAttemptsExhausted",
            "approximateInvokeCount": 6,
        },
        "responseContext": {
            "statusCode": 200,
            "executedVersion": "$LATEST",
            "functionError": "Unhandled",
        },
        "version": "1.0",
        "timestamp": "2026-12-05T01:02:03.456Z",
        "DDBStreamBatchInfo": {
            "shardId": shard,
            "startSequenceNumber": first,
            "endSequenceNumber": last,
            "approximateArrivalOfFirstRecord": "2026-12-05T01:00:00Z",
            "approximateArrivalOfLastRecord": "2026-12-05T01:00:00Z",
            "batchSize": size,
            "streamArn": arn,
        },
    }


def motcua(capsys, *argv, code=0):
    assert cli.main([*argv]) == code, capsys.readouterr()
    captured = capsys.readouterr()
    out = "\n".join(line for line in captured.out.splitlines() if not line.startswith('{"level"'))
    return out if code == 0 else captured.err


EMAIL = "long.tv@example.vn"  # the applicant's: the relay breaks on jobs sent to it


def test_an_outbox_letter_is_listed_shown_refused_resent_and_purged(capsys, monkeypatch):
    relay, broken = outbox.relay, ["skips"]

    def failing_relay(change, publisher, queue_url):
        if broken[0] and any(EMAIL in job.emails for job in change.jobs):
            if broken[0] == "raises":
                raise RuntimeError("the relay is broken for this applicant")
            return  # as after Lambda gave up on the record and moved on
        relay(change, publisher, queue_url)

    monkeypatch.setattr(outbox, "relay", failing_relay)
    with LocalStack(port=0, moto_port=0, prefix=f"ob{uuid.uuid4().hex[:6]}-") as stack:
        cast = demo.Cast.local(stack.base_url)
        receipt = cast.portal.submit(
            {
                "external_id": f"ob-{uuid.uuid4().hex[:8]}",
                "procedure_code": "1.000656",
                "channel": 2,
                "applicant": {"name": "Trịnh Văn Long", "kind": 1, "email": EMAIL},
                "resolving_agency": demo.WARD,
                "received_by_agency": demo.WARD,
                "submitted_at": "2026-12-05T09:00:00+07:00",
                "awaiting_counter_check": False,
            }
        )
        code = receipt["code"]
        stack.drain(60)
        sent = [m for m in read_outbox(stack.outbox_path) if m["key"].startswith(code)]
        assert sent == []

        # Lambda's description of the batch it gave up on: the dossier's records.
        arn, records = stream_records(stack)
        mine = [(shard, r) for shard, r in records if code in json.dumps(r["dynamodb"]["Keys"])]
        shard = mine[0][0]
        numbers = sorted((r["dynamodb"]["SequenceNumber"] for _, r in mine), key=int)
        letter = lambda_on_failure_record(arn, shard, numbers[0], numbers[-1], len(numbers))
        sqs, dlq_url = stack.aws_client("sqs"), stack.env["MOTCUA_OUTBOX_DLQ_URL"]
        sqs.send_message(
            QueueUrl=stack.env["MOTCUA_OUTBOX_DLQ_URL"], MessageBody=json.dumps(letter)
        )

        answer = json.loads(motcua(capsys, "dlq", "list", "--json"))["answer"]
        assert answer["total"] == 1
        queue = answer["queues"]["outbox"]
        assert (queue["listed"], queue["visible"]) == (1, 1)
        [listed] = queue["letters"]
        assert listed["reason"].startswith("RetryAttemptsExhausted: the relay did not relay")
        assert listed["masked"]["shard"] == shard
        assert listed["masked"]["first_sequence"] == numbers[0]
        letter_id = listed["id"]

        shown = motcua(capsys, "dlq", "show", letter_id)
        assert "queue         outbox" in shown and numbers[-1] in shown

        for refused in (["dlq", "redrive", letter_id], ["dlq", "redrive", "--all", "--queue",
                                                        "outbox"]):  # fmt: skip
            [line] = motcua(capsys, *refused, code=2).splitlines()[-1:]
            assert line.startswith("error: ") and "motcua dlq resend" in line
        # The letter was let go by the refused redrive: still there, once.
        assert json.loads(motcua(capsys, "dlq", "list", "--json"))["answer"]["total"] == 1

        # The relay still broken: the letter stays, and says why.
        broken[0] = "raises"
        out = motcua(capsys, "dlq", "resend", letter_id)
        assert "0 letters resent, 1 letter kept" in out and "failed again on 1 of" in out

        broken[0] = None  # fixed
        out = json.loads(motcua(capsys, "dlq", "resend", "--all", "--json"))["answer"]
        assert (out["resent"], out["kept"]) == (1, 0)
        in_range = [
            r
            for s, r in records
            if s == shard
            and int(numbers[0]) <= int(r["dynamodb"]["SequenceNumber"]) <= int(numbers[-1])
        ]
        assert out["letters"][0]["records"] == len(in_range)  # the dossier's and between
        stack.drain(60)
        sent = [m for m in read_outbox(stack.outbox_path) if m["key"].startswith(code)]
        assert [m["to"] for m in sent] == [EMAIL]
        assert json.loads(motcua(capsys, "dlq", "list", "--json"))["answer"]["total"] == 0

        # Resending the same batch again sends nothing twice (a route delivered is skipped).
        sqs.send_message(
            QueueUrl=stack.env["MOTCUA_OUTBOX_DLQ_URL"], MessageBody=json.dumps(letter)
        )
        assert "1 letter resent" in motcua(capsys, "dlq", "resend", "--all")
        stack.drain(60)
        assert len([m for m in read_outbox(stack.outbox_path) if m["key"].startswith(code)]) == 1

        # And a letter can be purged (here one naming a shard the stream does not have).
        gone = lambda_on_failure_record(
            arn, "shardId-00000001000000000000-0000dead", *numbers[:2], 2
        )
        sqs.send_message(QueueUrl=dlq_url, MessageBody=json.dumps(gone))
        out = motcua(capsys, "dlq", "resend", "--all")
        assert "0 letters resent, 1 letter kept" in out and "stream" in out
        assert "1 letter deleted (outbox 1)" in motcua(
            capsys, "dlq", "purge", "--all", "--queue", "outbox", "--yes"
        )
        assert json.loads(motcua(capsys, "dlq", "list", "--json"))["answer"]["total"] == 0
