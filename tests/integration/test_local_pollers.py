"""The local pollers and schedules invoke handlers as Lambda does (moto server on loopback).

A tiny Chalice app is defined here, so these tests do not depend on app.py's routes.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import sys
import threading
import time
import types
import urllib.request
import uuid
from datetime import UTC, datetime

import pytest
from chalice import Chalice, Rate

from chalicelib import bootstrap
from devstack.lambda_events import LambdaContext
from devstack.pollers import Pollers, parse_schedule, reported_failures
from devstack.resources import create_resources
from devstack.stack import LocalStack, loopback_host
from tests.integration.conftest import moto_client

REGION = "ap-southeast-1"
PREFIX = f"p{uuid.uuid4().hex[:8]}-"
TEMPLATE = {
    "Resources": {
        "Work": {
            "Type": "AWS::SQS::Queue",
            "Metadata": {"motcua:env": "WORK_URL", "motcua:env-value": "url"},
            "Properties": {
                "QueueName": "work",
                "VisibilityTimeout": 30,
                "RedrivePolicy": {
                    "deadLetterTargetArn": {"Fn::GetAtt": ["WorkDlq", "Arn"]},
                    "maxReceiveCount": 2,
                },
            },
        },
        "WorkDlq": {
            "Type": "AWS::SQS::Queue",
            "Metadata": {"motcua:env": "WORK_DLQ_URL", "motcua:env-value": "url"},
            "Properties": {"QueueName": "work-dlq"},
        },
        "OrderedDlq": {
            "Type": "AWS::SQS::Queue",
            "Metadata": {"motcua:env": "ORDERED_DLQ_URL", "motcua:env-value": "url"},
            "Properties": {"QueueName": "ordered-dlq.fifo", "FifoQueue": True},
        },
        "Ordered": {
            "Type": "AWS::SQS::Queue",
            "Metadata": {"motcua:env": "ORDERED_URL", "motcua:env-value": "url"},
            "Properties": {
                "QueueName": "ordered.fifo",
                "FifoQueue": True,
                "ContentBasedDeduplication": False,
                "VisibilityTimeout": 30,
                "RedrivePolicy": {
                    "deadLetterTargetArn": {"Fn::GetAtt": ["OrderedDlq", "Arn"]},
                    "maxReceiveCount": 2,
                },
            },
        },
    }
}

# --- the app under test ------------------------------------------------------------------------
app = Chalice(app_name="localtest")
SEEN: list[dict] = []  # (queue name, event dict, context) of every invocation
SCRIPT: dict[str, object] = {}  # queue name -> fn(event dict) -> response, or raises


def _record(queue: str, event) -> object:
    raw = event.to_dict()
    SEEN.append({"queue": queue, "event": raw, "context": event.context})
    script = SCRIPT.get(queue)
    return script(raw) if script else None


@app.on_sqs_message(queue="work", batch_size=10)
def work(event):
    return _record("work", event)


@app.on_sqs_message(queue="ordered.fifo", batch_size=10)
def ordered(event):
    return _record("ordered.fifo", event)


@app.schedule("cron(0 1 ? * MON-FRI *)")
def digest(event):
    SEEN.append({"queue": "schedule", "event": event.to_dict(), "context": event.context})
    return {"digest": "sent"}


@app.schedule(Rate(5, unit=Rate.MINUTES))
def tick(event):
    return "tick"


# --- fixtures ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sqs(moto_url):
    return moto_client("sqs", moto_url)


@pytest.fixture(scope="module")
def urls(moto_url, sqs):
    return create_resources(
        moto_client("dynamodb", moto_url), sqs, prefix=PREFIX, template=TEMPLATE
    )


@pytest.fixture
def pollers(sqs, urls):
    SEEN.clear()
    SCRIPT.clear()
    pollers = Pollers(
        app,
        sqs,
        app_module=sys.modules[__name__],
        region=REGION,
        queue_prefix=PREFIX,
        wait_time_seconds=0,
        retry_visibility_timeout=0,
    )
    yield pollers
    pollers.stop()


def _events(queue):
    return [seen["event"] for seen in SEEN if seen["queue"] == queue]


def _records(queue):
    return [record for event in _events(queue) for record in event["Records"]]


def _queue_arn(sqs, url):
    return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]


def _bodies(sqs, url):
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    return [message["Body"] for message in messages]


# --- event shapes ------------------------------------------------------------------------------
def test_a_standard_queue_message_arrives_in_lambdas_shape(pollers, sqs, urls):
    body = json.dumps({"hello": "xin chào"})
    sqs.send_message(
        QueueUrl=urls["WORK_URL"],
        MessageBody=body,
        MessageAttributes={
            "kind": {"DataType": "String", "StringValue": "intake"},
            "blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01"},
        },
    )
    pollers.drain(timeout=10)

    [event] = _events("work")
    [record] = event["Records"]
    assert record["body"] == body
    assert record["messageId"]
    assert record["receiptHandle"]
    assert record["md5OfBody"] == hashlib.md5(body.encode()).hexdigest()
    assert record["eventSource"] == "aws:sqs"
    assert record["eventSourceARN"] == _queue_arn(sqs, urls["WORK_URL"])
    assert record["awsRegion"] == REGION
    attributes = record["attributes"]
    assert attributes["ApproximateReceiveCount"] == "1"
    assert {"SentTimestamp", "SenderId", "ApproximateFirstReceiveTimestamp"} <= set(attributes)
    assert "MessageGroupId" not in attributes
    assert record["messageAttributes"]["kind"] == {
        "stringValue": "intake",
        "stringListValues": [],
        "binaryListValues": [],
        "dataType": "String",
    }
    blob = record["messageAttributes"]["blob"]
    assert base64.b64decode(blob["binaryValue"]) == b"\x00\x01"
    assert blob["dataType"] == "Binary"

    context = SEEN[0]["context"]
    assert context.function_name == "localtest-dev-work"
    assert context.invoked_function_arn.endswith(":function:localtest-dev-work")
    assert 0 < context.get_remaining_time_in_millis() <= 60_000
    assert (
        sqs.get_queue_attributes(
            QueueUrl=urls["WORK_URL"], AttributeNames=["ApproximateNumberOfMessages"]
        )["Attributes"]["ApproximateNumberOfMessages"]
        == "0"
    )


def test_a_fifo_message_carries_its_group_deduplication_id_and_sequence(pollers, sqs, urls):
    sqs.send_message(
        QueueUrl=urls["ORDERED_URL"],
        MessageBody="step",
        MessageGroupId="D#000.00.12.H19-260309-0001",
        MessageDeduplicationId="cmd-1",
    )
    pollers.drain(timeout=10)

    [record] = _records("ordered.fifo")
    assert record["attributes"]["MessageGroupId"] == "D#000.00.12.H19-260309-0001"
    assert record["attributes"]["MessageDeduplicationId"] == "cmd-1"
    assert record["attributes"]["SequenceNumber"]
    assert record["eventSourceARN"].endswith(f":{PREFIX}ordered.fifo")


# --- settling a batch as Lambda does -----------------------------------------------------------
def test_reported_failures_return_exactly_the_failed_message(pollers, sqs, urls):
    def fail_b_once(event):
        return {
            "batchItemFailures": [
                {"itemIdentifier": r["messageId"]}
                for r in event["Records"]
                if r["body"] == "b" and r["attributes"]["ApproximateReceiveCount"] == "1"
            ]
        }

    SCRIPT["work"] = fail_b_once
    sqs.send_message_batch(
        QueueUrl=urls["WORK_URL"],
        Entries=[{"Id": body, "MessageBody": body} for body in ("a", "b", "c")],
    )
    pollers.drain(timeout=10)

    first, second = _events("work")
    assert sorted(r["body"] for r in first["Records"]) == ["a", "b", "c"]
    [retried] = second["Records"]
    assert retried["body"] == "b"
    assert retried["attributes"]["ApproximateReceiveCount"] == "2"
    assert _bodies(sqs, urls["WORK_DLQ_URL"]) == []


def test_a_raised_exception_returns_the_whole_batch(pollers, sqs, urls):
    def raise_first_time(event):
        if any(r["attributes"]["ApproximateReceiveCount"] == "1" for r in event["Records"]):
            raise RuntimeError("database unavailable")

    SCRIPT["work"] = raise_first_time
    sqs.send_message_batch(
        QueueUrl=urls["WORK_URL"],
        Entries=[{"Id": body, "MessageBody": body} for body in ("x", "y")],
    )
    pollers.drain(timeout=10)

    records = _records("work")
    assert sorted(r["body"] for r in records) == ["x", "x", "y", "y"]
    retried = [r for r in records if r["attributes"]["ApproximateReceiveCount"] == "2"]
    assert sorted(r["body"] for r in retried) == ["x", "y"]
    errors = [i.error for i in pollers.queues[0].invocations if i.error]
    assert errors == ["RuntimeError: database unavailable"]


def test_an_unknown_item_identifier_fails_the_whole_batch():
    assert reported_failures({"batchItemFailures": []}, ["1", "2"]) == set()
    assert reported_failures(None, ["1"]) == set()
    assert reported_failures({"batchItemFailures": [{"itemIdentifier": "2"}]}, ["1", "2"]) == {"2"}
    assert reported_failures({"batchItemFailures": [{"itemIdentifier": "9"}]}, ["1", "2"]) == {
        "1",
        "2",
    }
    assert reported_failures({"batchItemFailures": [{}]}, ["1"]) == {"1"}


def test_a_poison_message_lands_in_the_dead_letter_queue(pollers, sqs, urls):
    def always_fail(event):
        return {"batchItemFailures": [{"itemIdentifier": r["messageId"]} for r in event["Records"]]}

    SCRIPT["work"] = always_fail
    sqs.send_message(QueueUrl=urls["WORK_URL"], MessageBody="poison")
    pollers.drain(timeout=10)

    counts = [r["attributes"]["ApproximateReceiveCount"] for r in _records("work")]
    assert counts == ["1", "2"]  # maxReceiveCount 2, then the redrive policy moves it
    assert _bodies(sqs, urls["WORK_DLQ_URL"]) == ["poison"]


def test_a_fifo_group_is_redelivered_in_order_after_a_failure(pollers, sqs, urls):
    def fail_from_second_on_first_try(event):
        records = event["Records"]
        if records[0]["attributes"]["ApproximateReceiveCount"] != "1":
            return None
        return {"batchItemFailures": [{"itemIdentifier": r["messageId"]} for r in records[1:]]}

    SCRIPT["ordered.fifo"] = fail_from_second_on_first_try
    for n in (1, 2, 3):
        sqs.send_message(
            QueueUrl=urls["ORDERED_URL"],
            MessageBody=f"m{n}",
            MessageGroupId="g",
            MessageDeduplicationId=f"m{n}-{PREFIX}",
        )
    pollers.drain(timeout=10)

    batches = [[r["body"] for r in event["Records"]] for event in _events("ordered.fifo")]
    assert batches == [["m1", "m2", "m3"], ["m2", "m3"]]


def test_the_threads_process_what_arrives_and_drain_waits_for_them(pollers, sqs, urls):
    pollers.start()
    sqs.send_message(QueueUrl=urls["WORK_URL"], MessageBody="threaded")
    pollers.drain(timeout=10)
    assert [r["body"] for r in _records("work")] == ["threaded"]
    pollers.stop()
    assert not pollers.running


def test_drain_times_out_while_a_message_keeps_failing(sqs, urls):
    slow = Pollers(app, sqs, queue_prefix=PREFIX, wait_time_seconds=0, retry_visibility_timeout=5)
    SCRIPT.clear()
    SCRIPT["work"] = lambda event: {
        "batchItemFailures": [{"itemIdentifier": r["messageId"]} for r in event["Records"]]
    }
    sqs.send_message(QueueUrl=urls["WORK_URL"], MessageBody="stuck")
    with pytest.raises(TimeoutError, match="work"):
        slow.drain(timeout=0.5)
    SCRIPT.clear()
    sqs.purge_queue(QueueUrl=urls["WORK_URL"])


# --- schedules ---------------------------------------------------------------------------------
def test_run_schedule_invokes_the_handler_with_a_scheduled_event(pollers):
    monday_0800_hanoi = datetime(2026, 3, 9, 1, 0, tzinfo=UTC)
    assert pollers.run_schedule("digest", now=monday_0800_hanoi) == {"digest": "sent"}

    [seen] = [s for s in SEEN if s["queue"] == "schedule"]
    event = seen["event"]
    assert event["detail-type"] == "Scheduled Event"
    assert event["source"] == "aws.events"
    assert event["time"] == "2026-03-09T01:00:00Z"
    assert event["region"] == REGION
    assert event["resources"] == [f"arn:aws:events:{REGION}:123456789012:rule/localtest-dev-digest"]
    assert event["detail"] == {}
    assert seen["context"].function_name == "localtest-dev-digest"
    assert pollers.run_schedule("tick") == "tick"
    with pytest.raises(KeyError, match="digest"):
        pollers.run_schedule("nope")


@pytest.mark.parametrize(
    ("expression", "after", "expected"),
    [
        # Friday 02:00 UTC: the next weekday 01:00 UTC is Monday.
        ("cron(0 1 ? * MON-FRI *)", "2026-03-13T02:00", "2026-03-16T01:00"),
        ("cron(0 1 ? * MON-FRI *)", "2026-03-09T00:59", "2026-03-09T01:00"),
        ("cron(0 1 ? * MON-FRI *)", "2026-03-09T01:00", "2026-03-10T01:00"),
        ("cron(*/15 * * * ? *)", "2026-03-09T10:07", "2026-03-09T10:15"),
        ("cron(30 17 1 JAN ? *)", "2026-03-09T00:00", "2027-01-01T17:30"),
        ("cron(0 0 ? * SUN *)", "2026-03-09T00:00", "2026-03-15T00:00"),
        ("rate(5 minutes)", "2026-03-09T10:07", "2026-03-09T10:12"),
        ("rate(1 hour)", "2026-03-09T10:07", "2026-03-09T11:07"),
        ("rate(1 day)", "2026-03-09T10:07", "2026-03-10T10:07"),
    ],
)
def test_schedules_fire_in_utc_as_eventbridge_does(expression, after, expected):
    moment = datetime.fromisoformat(after).replace(tzinfo=UTC)
    assert parse_schedule(expression).next_after(moment) == datetime.fromisoformat(
        expected
    ).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    "expression",
    ["rate(0 minutes)", "rate(5 weeks)", "cron(0 1 * * MON *)", "cron(0 1 L * ? *)", "at(x)"],
)
def test_unsupported_schedules_are_refused(expression):
    with pytest.raises(ValueError):
        parse_schedule(expression)


def test_the_lambda_context_counts_down():
    context = LambdaContext("motcua-dev-intake_worker", timeout_seconds=1)
    first = context.get_remaining_time_in_millis()
    time.sleep(0.02)
    assert 0 < context.get_remaining_time_in_millis() < first <= 1000
    assert context.log_group_name == "/aws/lambda/motcua-dev-intake_worker"
    assert context.memory_limit_in_mb == 128
    assert context.aws_request_id


# --- the stack ---------------------------------------------------------------------------------
def _stack_app() -> types.ModuleType:
    """An app module listening to the real infra queue, with a slow route."""
    module = types.ModuleType("stack_app")
    stack_app = Chalice(app_name="stacktest")
    module.app = stack_app
    module.seen = []
    module.concurrency = {"now": 0, "max": 0}
    lock = threading.Lock()

    @stack_app.route("/slow")
    def slow():
        with lock:
            module.concurrency["now"] += 1
            module.concurrency["max"] = max(module.concurrency["max"], module.concurrency["now"])
        time.sleep(0.1)
        with lock:
            module.concurrency["now"] -= 1
        return {"ok": True}

    @stack_app.on_sqs_message(queue="motcua-intake", batch_size=10)
    def intake_worker(event):
        module.seen.extend(record.body for record in event)

    module.slow = slow
    module.intake_worker = intake_worker
    return module


def test_the_stack_serves_runs_workers_and_leaves_the_environment_alone(monkeypatch):
    # A developer's own endpoint setting: the stack neither uses nor changes it.
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    monkeypatch.delenv("MOTCUA_TABLE", raising=False)
    module = _stack_app()
    prefix = f"s{uuid.uuid4().hex[:8]}-"
    with LocalStack(
        port=0, moto_port=0, prefix=prefix, app_module=module, retry_visibility_timeout=0
    ) as stack:
        assert os.environ["AWS_ENDPOINT_URL"] == "http://127.0.0.1:9"
        assert "MOTCUA_TABLE" not in os.environ
        settings = bootstrap.container().settings  # the app's, installed by the stack
        assert settings.aws_endpoint_url == stack.endpoint_url
        assert settings.table_name == stack.env["MOTCUA_TABLE"] == f"{prefix}motcua"
        assert stack.env["MOTCUA_STAGE"] == "local"
        assert stack.env["MOTCUA_PROVINCE"] == "H19"
        assert stack.env["MOTCUA_JWT_DEV_KEY"]

        threads = [
            threading.Thread(target=urllib.request.urlopen, args=(stack.base_url + "/slow",))
            for _ in range(3)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(5)
        assert module.concurrency["max"] == 1

        sqs = stack.aws_client("sqs")
        sqs.send_message(QueueUrl=stack.env["MOTCUA_INTAKE_QUEUE_URL"], MessageBody="hồ sơ")
        stack.drain(timeout=10)
        assert module.seen == ["hồ sơ"]

        ssm = stack.aws_client("ssm")
        path = "/motcua/local/webhook-clients/"
        secrets = {
            p["Name"].removeprefix(path): p
            for p in ssm.get_parameters_by_path(Path=path, WithDecryption=True)["Parameters"]
        }
        assert {"portal-dev", "thue-dev"} <= set(secrets)
        assert secrets["portal-dev"]["Type"] == "SecureString"
        assert json.loads(secrets["thue-dev"]["Value"]) == {
            "secret": json.loads(secrets["portal-dev"]["Value"])["secret"],
            "agency": "000.00.90.H19",
        }
    assert os.environ["AWS_ENDPOINT_URL"] == "http://127.0.0.1:9"
    assert "MOTCUA_TABLE" not in os.environ
    assert bootstrap.installed() is None  # the container before the stack is back


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "example.org", "::1"])
def test_the_stack_binds_to_loopback_only(host):
    with pytest.raises(ValueError, match="loopback"):
        loopback_host(host)
    assert loopback_host("localhost") == "127.0.0.1"


@pytest.mark.e2e
def test_the_real_app_answers_health():
    with LocalStack(port=0, moto_port=0, prefix=f"h{uuid.uuid4().hex[:8]}-") as stack:
        response = urllib.request.urlopen(stack.base_url + "/v1/health")
        assert response.status == 200
        assert json.load(response)["status"] == "ok"
