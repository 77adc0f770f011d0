"""Faults: 1,000 dossiers through their whole lives while DynamoDB throttles and cancels
transactions, writes are answered with timeouts after they were applied, workers die mid-batch,
SQS delivers twice and the SMS and Zalo providers go down (bench/fault_injection.py, on the
real handlers in-process). Every dossier ends as expected, its history has no gap or repeat,
the counters equal a recount, and every notice was sent once or is in the DLQ with a reason.
Also: each injected fault looks to the app as DynamoDB's own would."""

from __future__ import annotations

import io

import boto3
import pytest
from botocore.exceptions import ClientError, ReadTimeoutError
from moto import mock_aws

from bench import fault_injection
from devstack.faults import THROTTLE_CODES, FaultInjector, FaultPlan, WorkerDied
from tests.integration.conftest import AWS_ENV

DOSSIERS = 1000
HOT_CONFLICT_DOSSIERS = 200


@pytest.fixture
def table(monkeypatch):
    for name, value in AWS_ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        db = boto3.client("dynamodb")
        db.create_table(
            TableName="faults",
            AttributeDefinitions=[
                {"AttributeName": "PK", "AttributeType": "S"},
                {"AttributeName": "SK", "AttributeType": "S"},
            ],
            KeySchema=[
                {"AttributeName": "PK", "KeyType": "HASH"},
                {"AttributeName": "SK", "KeyType": "RANGE"},
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        yield db, "faults"


def _item(pk: str) -> dict:
    return {"PK": {"S": pk}, "SK": {"S": "X"}}


def test_throttling_answers_as_dynamodb_does_and_writes_nothing(table):
    db, name = table
    faults = FaultInjector(FaultPlan(throttle=1.0))
    faults.attach(db)
    with faults.scope(), pytest.raises(ClientError) as raised:
        db.put_item(TableName=name, Item=_item("T#1"))
    assert raised.value.response["Error"]["Code"] in THROTTLE_CODES
    assert "Item" not in db.get_item(TableName=name, Key=_item("T#1"))  # outside the scope
    assert faults.counts["throttled"] == 1


def test_a_conflict_cancels_the_transaction_with_its_reasons(table):
    db, name = table
    faults = FaultInjector(FaultPlan(conflict=1.0))
    faults.attach(db)
    items = [{"Put": {"TableName": name, "Item": _item(f"C#{n}")}} for n in range(3)]
    with faults.scope(), pytest.raises(ClientError) as raised:
        db.transact_write_items(TransactItems=items)
    answer = raised.value.response
    assert answer["Error"]["Code"] == "TransactionCanceledException"
    codes = [reason["Code"] for reason in answer["CancellationReasons"]]
    assert sorted(codes) == ["None", "None", "TransactionConflict"]
    assert "Item" not in db.get_item(TableName=name, Key=_item("C#0"))


def test_an_ambiguous_write_is_applied_but_answered_with_a_timeout(table):
    db, name = table
    faults = FaultInjector(FaultPlan(ambiguous=1.0))
    faults.attach(db)
    with faults.scope(), pytest.raises(ReadTimeoutError):
        db.put_item(TableName=name, Item=_item("A#1"))
    assert "Item" in db.get_item(TableName=name, Key=_item("A#1"))


def test_a_killed_worker_fails_its_whole_invocation_whatever_it_catches(table):
    db, name = table
    faults = FaultInjector(FaultPlan(kill=1.0, seed=3))
    faults.attach(db)
    handled = []

    def handler(event, context):
        for record in event["Records"]:
            try:  # a handler that swallows every Exception cannot swallow a killed process
                db.put_item(TableName=name, Item=_item(record["messageId"]))
                handled.append(record["messageId"])
            except Exception:
                handled.append("caught")
        return {"batchItemFailures": []}

    records = [{"messageId": "m1", "attributes": {"ApproximateReceiveCount": "1"}}]
    with pytest.raises(WorkerDied):
        faults.wrap_handler(handler, "test")({"Records": records}, None)
    assert "caught" not in handled
    late = [{"messageId": "m1", "attributes": {"ApproximateReceiveCount": "3"}}]
    assert faults.wrap_handler(handler, "test")({"Records": late}, None) is not None  # calm


def test_a_thousand_dossiers_through_faults_end_as_expected(capsys):
    out = io.StringIO()
    tally = fault_injection.run(DOSSIERS, out=out)
    with capsys.disabled():
        print("\n" + out.getvalue())
    assert tally["wrong"] == [] and tally["as_expected"] == DOSSIERS
    assert tally["version_gaps"] == 0 and tally["version_repeats"] == 0
    assert tally["counters_match"]
    # Nothing of the dossiers dead-lettered: every injected fault was retried to success.
    assert tally["dead_intakes"] == 0 and tally["dead_transitions"] == 0
    # Every notice sent once, or in the DLQ with a reason; none twice, none lost.
    assert tally["sent_twice_or_more"] == 0 and tally["lost"] == 0
    assert tally["sent_once"] + tally["in_dlq"] == tally["notices"] > 3 * DOSSIERS
    assert tally["dlq_letters_without_reason"] == 0
    # ... and every kind of fault did happen.
    faults = tally["faults"]
    for kind in ("throttled", "transaction conflicts", "ambiguous writes", "deletes lost",
                 "messages delivered twice"):  # fmt: skip
        assert faults.get(kind, 0) > 10, (kind, faults)
    assert sum(n for kind, n in faults.items() if kind.startswith("worker killed")) > 10
    assert tally["api_statuses"].get(500, 0) > 0  # throttled API calls, retried by the caller
    assert not tally["provider_failures"]["zns"].startswith("0 of")
    assert not tally["provider_failures"]["sms"].startswith("0 of")


def test_a_hot_conflict_is_placed_on_the_counter_item_and_only_there(table):
    db, name = table
    faults = FaultInjector(FaultPlan(conflict=1.0, hot_conflicts=True))
    faults.attach(db)
    counter = {"Update": {"TableName": name, "Key": {"PK": {"S": "STATS#A#2026-12"},
               "SK": {"S": "P#1"}}, "UpdateExpression": "ADD n :one",
               "ExpressionAttributeValues": {":one": {"N": "1"}}}}  # fmt: skip
    with faults.scope():
        with pytest.raises(ClientError) as cancelled:
            db.transact_write_items(
                TransactItems=[{"Put": {"TableName": name, "Item": _item("D#1")}}, counter]
            )
        db.transact_write_items(TransactItems=[{"Put": {"TableName": name, "Item": _item("D#2")}}])
    reasons = [r["Code"] for r in cancelled.value.response["CancellationReasons"]]
    assert reasons == ["None", "TransactionConflict"]
    assert "Item" not in db.get_item(TableName=name, Key=_item("D#1"))
    assert "Item" in db.get_item(TableName=name, Key=_item("D#2"))  # no counter: never hot
    assert faults.counts["transaction conflicts"] == 1


def test_conflicts_on_hot_items_are_retried_in_process_and_stall_no_queue(capsys):
    """2% of the transactions that update a QĐ 766 counter cancelled by a conflict on it: each
    is retried inside its invocation, so no message goes back to its queue (on AWS, a FIFO
    group stalled for the 180 s visibility timeout), and every dossier ends as expected."""
    out = io.StringIO()
    tally = fault_injection.run(HOT_CONFLICT_DOSSIERS, fault_injection.HOT_CONFLICTS_PLAN,
                                outages=False, out=out)  # fmt: skip
    with capsys.disabled():
        print("\n" + out.getvalue())
    assert tally["faults"].get("transaction conflicts", 0) >= 5, tally["faults"]
    assert tally["returned_to_queues"] == {}
    assert tally["wrong"] == [] and tally["as_expected"] == HOT_CONFLICT_DOSSIERS
    assert tally["counters_match"] and tally["version_gaps"] == 0
    assert tally["dead_intakes"] == 0 and tally["dead_transitions"] == 0
