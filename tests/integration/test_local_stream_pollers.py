"""The local stream pollers run `@app.on_dynamodb_record` handlers as Lambda's event source
mapping does (moto server on loopback, the table of infra/resources.json).

A tiny Chalice app is defined here, so these tests do not depend on app.py.
"""

from __future__ import annotations

import base64
import json
import logging
import random
import sys
import threading
import time
import types
import uuid
from datetime import UTC, datetime

import pytest
from chalice import Chalice
from chalice.app import DynamoDBEvent, DynamoDBEventConfig

from devstack.lambda_events import dynamodb_stream_event
from devstack.pollers import Pollers
from devstack.resources import create_resources, load_template
from devstack.stream_pollers import StreamPoller, resolve_stream_arn
from tests.integration.conftest import moto_client

REGION = "ap-southeast-1"
PLACEHOLDER = "arn:aws:dynamodb:ap-southeast-1:123456789012:table/placeholder/stream/local"


def _template() -> dict:
    """The real table, plus a queue for the stream handler to forward to."""
    return {
        "Resources": {
            "MotcuaTable": load_template()["Resources"]["MotcuaTable"],
            "Echo": {
                "Type": "AWS::SQS::Queue",
                "Metadata": {"motcua:env": "ECHO_URL", "motcua:env-value": "url"},
                "Properties": {"QueueName": "echo", "VisibilityTimeout": 30},
            },
        }
    }


# --- the app under test ------------------------------------------------------------------------
app = Chalice(app_name="streamtest")
SEEN: list[dict] = []  # every stream invocation: {"event": dict, "context": context}
ECHOED: list[str] = []  # bodies the queue handler received
SCRIPT: dict[str, object] = {}  # "stream" -> fn(event dict) -> response, or raises


@app.on_dynamodb_record(stream_arn=PLACEHOLDER, batch_size=10)
def outbox(event):
    raw = event.to_dict()
    SEEN.append({"event": raw, "context": event.context})
    script = SCRIPT.get("stream")
    return script(raw) if script else None


@app.on_sqs_message(queue="echo", batch_size=10)
def echo(event):
    ECHOED.extend(record.body for record in event)


# --- fixtures ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def clients(moto_url):
    return {
        service: moto_client(service, moto_url)
        for service in ("dynamodb", "dynamodbstreams", "sqs")
    }


@pytest.fixture
def env(clients, monkeypatch):
    """A fresh table (and queue) per test, named by MOTCUA_TABLE as in the local stack."""
    prefix = f"t{uuid.uuid4().hex[:8]}-"
    created = create_resources(
        clients["dynamodb"], clients["sqs"], prefix=prefix, template=_template()
    )
    monkeypatch.setenv("MOTCUA_TABLE", created["MOTCUA_TABLE"])
    SEEN.clear()
    ECHOED.clear()
    SCRIPT.clear()
    yield {"prefix": prefix, **created}
    SCRIPT.clear()


@pytest.fixture
def make_pollers(clients, env):
    made: list[Pollers] = []

    def make(**overrides) -> Pollers:
        arguments = {
            "app_module": sys.modules[__name__],
            "region": REGION,
            "queue_prefix": env["prefix"],
            "wait_time_seconds": 0,
            "retry_visibility_timeout": 0,
            "dynamodb_client": clients["dynamodb"],
            "streams_client": clients["dynamodbstreams"],
            "stream_retry_delay": 0,
            **overrides,
        }
        pollers = Pollers(app, clients["sqs"], **arguments)
        made.append(pollers)
        return pollers

    yield make
    for pollers in made:
        pollers.stop()


def _put(clients, env, pk, **attributes):
    item = {"PK": {"S": pk}, "SK": {"S": "META"}, **attributes}
    clients["dynamodb"].put_item(TableName=env["MOTCUA_TABLE"], Item=item)


def _batches():
    return [[r["dynamodb"]["Keys"]["PK"]["S"] for r in s["event"]["Records"]] for s in SEEN]


def _latest_stream_arn(clients, table):
    return clients["dynamodb"].describe_table(TableName=table)["Table"]["LatestStreamArn"]


# --- moto itself -------------------------------------------------------------------------------
def test_moto_server_streams_the_tables_changes(clients, env):
    """What the poller relies on: streams work in moto's server mode."""
    streams = clients["dynamodbstreams"]
    arn = _latest_stream_arn(clients, env["MOTCUA_TABLE"])
    _put(clients, env, "D#1")
    [shard] = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
    iterator = streams.get_shard_iterator(
        StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    [record] = streams.get_records(ShardIterator=iterator)["Records"]
    assert record["eventName"] == "INSERT"
    assert isinstance(record["dynamodb"]["ApproximateCreationDateTime"], datetime)


# --- event shape and the stream it reads -------------------------------------------------------
def test_changes_arrive_in_lambdas_shape_from_the_tables_stream(clients, env, make_pollers):
    pollers = make_pollers()
    [poller] = pollers.streams
    table = env["MOTCUA_TABLE"]
    stream_arn = _latest_stream_arn(clients, table)
    assert poller.stream_arn == stream_arn != PLACEHOLDER

    before = time.time()
    _put(clients, env, "D#1", status={"S": "new"}, blob={"B": b"\x00\x01"})
    clients["dynamodb"].update_item(
        TableName=table,
        Key={"PK": {"S": "D#1"}, "SK": {"S": "META"}},
        UpdateExpression="SET #s = :s",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":s": {"S": "accepted"}},
    )
    assert poller.pending()
    pollers.drain(timeout=10)
    assert not poller.pending()

    [seen] = SEEN
    event = seen["event"]
    json.dumps(event)  # plain JSON, as Lambda hands it
    inserted, modified = event["Records"]
    assert [inserted["eventName"], modified["eventName"]] == ["INSERT", "MODIFY"]
    for record in (inserted, modified):
        assert record["eventVersion"] == "1.1"
        assert record["eventSource"] == "aws:dynamodb"
        assert record["awsRegion"] == REGION
        assert record["eventSourceARN"] == stream_arn
        assert record["eventID"]
        stream = record["dynamodb"]
        assert stream["Keys"] == {"PK": {"S": "D#1"}, "SK": {"S": "META"}}
        assert stream["StreamViewType"] == "NEW_IMAGE"
        assert "OldImage" not in stream
        assert stream["SizeBytes"] > 0
        assert isinstance(stream["ApproximateCreationDateTime"], float)
        assert int(before) <= stream["ApproximateCreationDateTime"] <= time.time()
        assert stream["ApproximateCreationDateTime"].is_integer()
    assert inserted["dynamodb"]["NewImage"]["status"] == {"S": "new"}
    assert modified["dynamodb"]["NewImage"]["status"] == {"S": "accepted"}
    assert base64.b64decode(inserted["dynamodb"]["NewImage"]["blob"]["B"]) == b"\x00\x01"
    assert int(inserted["dynamodb"]["SequenceNumber"]) < int(modified["dynamodb"]["SequenceNumber"])

    # Chalice's own view of the event, as the app's handler sees it in production.
    first = next(iter(DynamoDBEvent(event, seen["context"])))
    assert first.table_name == table
    assert first.event_name == "INSERT"
    assert first.sequence_number == inserted["dynamodb"]["SequenceNumber"]
    assert first.new_image["status"] == {"S": "new"}
    assert seen["context"].function_name == "streamtest-dev-outbox"


def test_an_existing_stream_is_kept_and_a_missing_table_is_refused(clients, env, monkeypatch):
    other = f"{env['prefix']}other"
    clients["dynamodb"].create_table(
        TableName=other,
        KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "PK", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
    )
    other_arn = _latest_stream_arn(clients, other)
    ddb, streams = clients["dynamodb"], clients["dynamodbstreams"]

    assert resolve_stream_arn(other_arn, ddb, streams) == other_arn
    table_arn = _latest_stream_arn(clients, env["MOTCUA_TABLE"])
    assert resolve_stream_arn(PLACEHOLDER, ddb, streams) == table_arn
    # The right table, an old stream label: not that stream, so the table's latest one.
    stale = other_arn.rsplit("/", 1)[0] + "/2000-01-01T00:00:00.000"
    assert resolve_stream_arn(stale, ddb, streams, table_name=other) == other_arn

    source = DynamoDBEventConfig("outbox", "app.outbox", other_arn, 10, "LATEST", 0)
    poller = StreamPoller(
        source, outbox, streams, dynamodb_client=ddb, region=REGION, function_name="f"
    )
    assert poller.stream_arn == other_arn

    with pytest.raises(LookupError, match="no-such-table"):
        resolve_stream_arn(PLACEHOLDER, ddb, streams, table_name="no-such-table")
    monkeypatch.delenv("MOTCUA_TABLE")
    with pytest.raises(LookupError, match="MOTCUA_TABLE"):
        resolve_stream_arn(PLACEHOLDER, ddb, streams)


def test_the_event_builder_converts_what_boto3_answers():
    at = datetime(2026, 3, 9, 1, 2, 3, 456000, tzinfo=UTC)
    record = {
        "eventID": "e1",
        "eventName": "REMOVE",
        "eventVersion": "1.0",
        "eventSource": "aws:dynamodb",
        "awsRegion": "us-east-1",
        "userIdentity": {"PrincipalId": "dynamodb.amazonaws.com", "Type": "Service"},
        "dynamodb": {
            "ApproximateCreationDateTime": at,
            "Keys": {"PK": {"S": "k"}},
            "OldImage": {
                "PK": {"S": "k"},
                "nested": {"M": {"b": {"B": b"\xff"}, "l": {"L": [{"BS": [b"a"]}, {"N": "1"}]}}},
            },
            "SequenceNumber": "42",
            "SizeBytes": 9,
            "StreamViewType": "OLD_IMAGE",
        },
    }
    [converted] = dynamodb_stream_event([record], "arn:stream", REGION)["Records"]
    assert converted["dynamodb"]["ApproximateCreationDateTime"] == 1773018123.0
    assert converted["dynamodb"]["OldImage"]["nested"] == {
        "M": {"b": {"B": "/w=="}, "l": {"L": [{"BS": ["YQ=="]}, {"N": "1"}]}}
    }
    assert "NewImage" not in converted["dynamodb"]
    assert converted["userIdentity"] == {"type": "Service", "principalId": "dynamodb.amazonaws.com"}
    assert (converted["awsRegion"], converted["eventVersion"]) == (REGION, "1.1")
    assert converted["eventSourceARN"] == "arn:stream"


# --- checkpoints and retries as Lambda does them -----------------------------------------------
def test_a_reported_failure_redelivers_from_that_record_on(clients, env, make_pollers):
    def fail_second_on_first_try(event):
        records = event["Records"]
        if len(SEEN) == 1:
            return {
                "batchItemFailures": [{"itemIdentifier": records[1]["dynamodb"]["SequenceNumber"]}]
            }
        return {"batchItemFailures": []}

    SCRIPT["stream"] = fail_second_on_first_try
    for pk in ("a", "b", "c"):
        _put(clients, env, pk)
    pollers = make_pollers()
    pollers.drain(timeout=10)

    assert _batches() == [["a", "b", "c"], ["b", "c"]]
    first, second = pollers.streams[0].invocations
    b_sequence = SEEN[0]["event"]["Records"][1]["dynamodb"]["SequenceNumber"]
    assert first.failed == {b_sequence}
    assert second.failed == frozenset()
    assert SEEN[1]["event"]["Records"][0]["dynamodb"]["SequenceNumber"] == b_sequence


def test_an_unknown_item_identifier_redelivers_the_whole_batch(clients, env, make_pollers):
    SCRIPT["stream"] = lambda event: (
        {"batchItemFailures": [{"itemIdentifier": "not-in-the-batch"}]} if len(SEEN) == 1 else None
    )
    for pk in ("a", "b"):
        _put(clients, env, pk)
    make_pollers().drain(timeout=10)
    assert _batches() == [["a", "b"], ["a", "b"]]


def test_a_raised_exception_redelivers_the_whole_batch_and_the_shard_waits(
    clients, env, make_pollers
):
    def raise_first_time(event):
        if len(SEEN) == 1:
            _put(clients, env, "later")  # written while the batch fails: must wait its turn
            raise RuntimeError("database unavailable")

    SCRIPT["stream"] = raise_first_time
    for pk in ("x", "y"):
        _put(clients, env, pk)
    pollers = make_pollers()
    pollers.drain(timeout=10)

    assert _batches() == [["x", "y"], ["x", "y", "later"]]
    errors = [i.error for i in pollers.streams[0].invocations]
    assert errors == ["RuntimeError: database unavailable", None]


def test_a_batch_that_keeps_failing_is_given_up_loudly_after_the_retries(
    clients, env, make_pollers, caplog
):
    def poison(event):
        if any(r["dynamodb"]["Keys"]["PK"]["S"] == "poison" for r in event["Records"]):
            raise ValueError("cannot render")

    SCRIPT["stream"] = poison
    _put(clients, env, "poison")
    pollers = make_pollers(stream_max_retries=2)
    with caplog.at_level(logging.ERROR, logger="devstack"):
        pollers.drain(timeout=10)
    assert _batches() == [["poison"]] * 3  # the first attempt and 2 retries
    assert any("GIVING UP" in r.getMessage() for r in caplog.records)

    _put(clients, env, "after")
    pollers.drain(timeout=10)
    assert _batches()[-1] == ["after"]


def test_a_retry_waits_for_the_retry_delay(clients, env, make_pollers):
    def down(event):
        raise RuntimeError("down")

    SCRIPT["stream"] = down
    _put(clients, env, "a")
    pollers = make_pollers(stream_retry_delay=30)
    [poller] = pollers.streams
    assert poller.poll_once() == 1
    assert poller.poll_once() == 0  # the shard waits
    assert poller.pending()
    with pytest.raises(TimeoutError, match="stream outbox"):
        pollers.drain(timeout=0.3)
    assert _batches() == [["a"]]


@pytest.mark.parametrize("failing", [False, True], ids=["clean", "random-failures"])
def test_fifty_writes_while_the_thread_runs_are_handled_once_each_in_order(
    clients, env, make_pollers, failing
):
    rng = random.Random(7)
    acknowledged: list[str] = []
    sequence_numbers: list[int] = []

    def handle(event):
        records = event["Records"]
        failed_at = len(records)
        if failing and rng.random() < 0.4:
            failed_at = rng.randrange(len(records))
        for record in records[:failed_at]:
            acknowledged.append(record["dynamodb"]["Keys"]["PK"]["S"])
            sequence_numbers.append(int(record["dynamodb"]["SequenceNumber"]))
        if failed_at < len(records):
            failed = records[failed_at]["dynamodb"]["SequenceNumber"]
            return {"batchItemFailures": [{"itemIdentifier": failed}]}
        return None

    SCRIPT["stream"] = handle
    pollers = make_pollers(stream_max_retries=100).start()
    expected = [f"k{n:02}" for n in range(50)]

    def write():
        for pk in expected:
            _put(clients, env, pk)
            time.sleep(0.002)

    writer = threading.Thread(target=write)
    writer.start()
    writer.join(30)
    pollers.drain(timeout=30)

    assert acknowledged == expected
    assert sequence_numbers == sorted(set(sequence_numbers))
    delivered = [pk for batch in _batches() for pk in batch]
    assert all(len(batch) <= 10 for batch in _batches())
    if failing:
        assert len(delivered) > 50
    else:
        assert delivered == expected


# --- drain -------------------------------------------------------------------------------------
@pytest.mark.parametrize("threads", [False, True], ids=["polled-by-drain", "threads"])
def test_drain_waits_for_stream_records_and_the_messages_they_send(
    clients, env, make_pollers, threads
):
    def forward(event):
        for record in event["Records"]:
            clients["sqs"].send_message(
                QueueUrl=env["ECHO_URL"], MessageBody=record["dynamodb"]["Keys"]["PK"]["S"]
            )

    SCRIPT["stream"] = forward
    pollers = make_pollers()
    if threads:
        pollers.start()
        time.sleep(0.8)  # the stream thread is idle, backing off
    for pk in ("n1", "n2", "n3"):
        _put(clients, env, pk)
    pollers.drain(timeout=10)

    assert sorted(ECHOED) == ["n1", "n2", "n3"]
    assert not pollers.streams[0].pending()
    if threads:
        pollers.stop()
        assert not pollers.running


# --- the stack ---------------------------------------------------------------------------------
def test_the_local_stack_runs_stream_handlers_on_the_tables_stream():
    """LocalStack as `make run` builds it: its own clients, its table's stream."""
    from devstack.stack import LocalStack

    module = types.ModuleType("stream_stack_app")
    stack_app = Chalice(app_name="streamstack")
    module.app = stack_app
    module.seen = []

    @stack_app.on_dynamodb_record(stream_arn=PLACEHOLDER, batch_size=5)
    def outbox_worker(event):
        module.seen.extend((r.event_name, r.keys["PK"]["S"], r.table_name) for r in event)

    module.outbox_worker = outbox_worker
    prefix = f"s{uuid.uuid4().hex[:8]}-"
    with LocalStack(port=0, moto_port=0, prefix=prefix, app_module=module) as stack:
        [poller] = stack.pollers.streams
        table = stack.env["MOTCUA_TABLE"]
        assert table == f"{prefix}motcua"
        ddb = stack.aws_client("dynamodb")
        assert poller.stream_arn == ddb.describe_table(TableName=table)["Table"]["LatestStreamArn"]
        ddb.put_item(TableName=table, Item={"PK": {"S": "D#9"}, "SK": {"S": "META"}})
        ddb.delete_item(TableName=table, Key={"PK": {"S": "D#9"}, "SK": {"S": "META"}})
        stack.drain(timeout=10)
        assert module.seen == [("INSERT", "D#9", table), ("REMOVE", "D#9", table)]
