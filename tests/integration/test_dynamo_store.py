"""DynamoStore on moto: what only the table design shows (its index keys). The promises both
stores keep are in tests/contract/test_store_contract.py, run against moto there too."""

import boto3
import pytest

from chalicelib.adapters.dynamo_store import DynamoStore
from chalicelib.domain.dossier import Action, Command
from chalicelib.domain.state_machine import apply
from chalicelib.ports.records import Change, Opening, Receipt
from tests.unit.builders import RECEIVER, at, land_procedure, new_dossier

PROCEDURE = land_procedure()


def receipt(rid="r1"):
    return Receipt(receipt_id=rid, client_id="portal", external_id=rid, status="accepted",
                   updated_at=at(2026, 3, 2, 9))  # fmt: skip


@pytest.fixture
def store(aws):
    return DynamoStore(aws["MOTCUA_TABLE"])


def opened(calendar, code="000.00.32.H19-260302-0001", when=None):
    return new_dossier(PROCEDURE, calendar, when or at(2026, 3, 2, 9), code=code)


def raw_state(store, code):
    return boto3.client("dynamodb").get_item(
        TableName=store.table, Key={"PK": {"S": f"D#{code}"}, "SK": {"S": "STATE"}}
    )["Item"]


def test_index_keys_follow_the_state(store, calendar):
    first = opened(calendar)
    store.create(Opening(first.dossier, first.entry, intake_key="k", receipt=receipt()))
    item = raw_state(store, first.dossier.code)
    assert item["WL_PK"]["S"] == "WL#000.00.32.H19"
    assert item["DUE_SK"]["S"].endswith(first.dossier.code)
    paused = apply(first.dossier, Command(action=Action.REQUEST_SUPPLEMENT, note="Thiếu"),
                   RECEIVER, PROCEDURE, calendar, at(2026, 3, 2, 10))  # fmt: skip
    store.apply(Change(paused.dossier, paused.entry, expected_revision=1, command_id="p"))
    item = raw_state(store, first.dossier.code)
    # paused: still on the worklist; only the awaited supplement's reminder is due
    assert "WL_PK" in item and item["DUE_SK"]["S"].endswith(first.dossier.code)
    closed = apply(paused.dossier, Command(action=Action.WITHDRAW, note="Rút"), RECEIVER,
                   PROCEDURE, calendar, at(2026, 3, 3, 10))  # fmt: skip
    store.apply(Change(closed.dossier, closed.entry, expected_revision=2, command_id="w"))
    item = raw_state(store, first.dossier.code)
    assert "DUE_PK" not in item and "WL_PK" not in item


def test_a_change_is_one_transaction_with_no_read(store, calendar):
    """The transition worker's two requests per applied change: its GetItem, and this one."""
    first = opened(calendar)
    store.create(Opening(first.dossier, first.entry, intake_key="k", receipt=receipt()))
    paused = apply(first.dossier, Command(action=Action.REQUEST_SUPPLEMENT, note="Thiếu"),
                   RECEIVER, PROCEDURE, calendar, at(2026, 3, 2, 10))  # fmt: skip
    calls = []

    def count(model, **_):
        calls.append(model.name)

    events = store._db.meta.events
    events.register("before-call.dynamodb.*", count)
    try:
        store.apply(Change(paused.dossier, paused.entry, expected_revision=1, command_id="p"))
    finally:
        events.unregister("before-call.dynamodb.*", count)
    assert calls == ["TransactWriteItems"]
