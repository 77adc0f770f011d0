"""DynamoStore on moto: the same promises as the in-memory store, on the real table design."""

import boto3
import pytest

from chalicelib.adapters.dynamo_store import DossierCodeTaken, DynamoStore, InvalidCursor
from chalicelib.adapters.store import ApplyOutcome, CreateOutcome, Receipt, Refusal
from chalicelib.domain.dossier import Action, Command
from chalicelib.domain.state_machine import apply
from chalicelib.domain.statuses import DossierStatus as S
from tests.unit.builders import RECEIVER, SPECIALIST, at, land_procedure, new_dossier

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


def test_create_once_per_intake_key(store, calendar):
    first = opened(calendar)
    assert store.create(first.dossier, first.entry, intake_key="portal#1",
                        receipt=receipt()).outcome is CreateOutcome.CREATED  # fmt: skip
    again = store.create(first.dossier, first.entry, intake_key="portal#1", receipt=receipt())
    assert (again.outcome, again.code) == (CreateOutcome.DUPLICATE, first.dossier.code)
    with pytest.raises(DossierCodeTaken):
        store.create(first.dossier, first.entry, intake_key="other#9", receipt=receipt("r2"))
    record = store.load(first.dossier.code)
    assert record.dossier == first.dossier and record.history == [first.entry]
    assert store.get_receipt("r1").status == "accepted"


def test_apply_is_atomic_idempotent_and_locked(store, calendar):
    first = opened(calendar)
    store.create(first.dossier, first.entry, intake_key="k", receipt=receipt())
    t = apply(first.dossier, Command(action=Action.TAKE_UP), SPECIALIST, PROCEDURE, calendar,
              at(2026, 3, 2, 10))  # fmt: skip
    assert (
        store.apply(t.dossier, t.entry, expected_revision=1, command_id="c1")
        is ApplyOutcome.APPLIED
    )
    assert (
        store.apply(t.dossier, t.entry, expected_revision=1, command_id="c1")
        is ApplyOutcome.DUPLICATE
    )
    assert (
        store.apply(t.dossier, t.entry, expected_revision=1, command_id="c2")
        is ApplyOutcome.CONFLICT
    )
    record = store.load(first.dossier.code)
    assert [e.version for e in record.history] == [1, 2]
    assert record.dossier.status is S.PROCESSING
    assert store.command(first.dossier.code, "c1").version == 2
    assert store.command(first.dossier.code, "c2") is None


def test_refusals_are_kept_once_per_command(store, calendar):
    first = opened(calendar)
    store.create(first.dossier, first.entry, intake_key="k", receipt=receipt())
    refusal = Refusal(command_id="x", action="resolve", actor_id="u", actor_agency="a",
                      expected_version=1, reason="no", kind="illegal_transition",
                      at=at(2026, 3, 2, 10))  # fmt: skip
    store.record_refusal(first.dossier.code, refusal)
    store.record_refusal(first.dossier.code, refusal)
    assert store.load(first.dossier.code).refusals == [refusal]
    assert store.refusal(first.dossier.code, "x") == refusal


def test_index_keys_follow_the_state(store, calendar):
    first = opened(calendar)
    store.create(first.dossier, first.entry, intake_key="k", receipt=receipt())
    item = raw_state(store, first.dossier.code)
    assert item["WL_PK"]["S"] == "WL#000.00.32.H19"
    assert item["DUE_SK"]["S"].endswith(first.dossier.code)
    paused = apply(first.dossier, Command(action=Action.REQUEST_SUPPLEMENT, note="Thiếu"),
                   RECEIVER, PROCEDURE, calendar, at(2026, 3, 2, 10))  # fmt: skip
    store.apply(paused.dossier, paused.entry, expected_revision=1, command_id="p")
    item = raw_state(store, first.dossier.code)
    assert "DUE_PK" not in item and "WL_PK" in item  # paused: no alarm, still on the worklist
    closed = apply(paused.dossier, Command(action=Action.WITHDRAW, note="Rút"), RECEIVER,
                   PROCEDURE, calendar, at(2026, 3, 3, 10))  # fmt: skip
    store.apply(closed.dossier, closed.entry, expected_revision=2, command_id="w")
    item = raw_state(store, first.dossier.code)
    assert "DUE_PK" not in item and "WL_PK" not in item


def test_worklist_pages_in_due_order_with_filters(store, calendar):
    codes = []
    for day in (6, 2, 4, 3, 5):
        o = opened(calendar, code=f"000.00.32.H19-2603{day:02d}-0001", when=at(2026, 3, day, 9))
        store.create(o.dossier, o.entry, intake_key=f"k{day}", receipt=receipt(f"r{day}"))
        codes.append(o.dossier.code)
    seen, cursor = [], None
    while True:
        page = store.worklist("000.00.32.H19", status=None, step=None, limit=2, cursor=cursor)
        seen += [d.code for d in page.items]
        cursor = page.cursor
        if cursor is None:
            break
    assert seen == sorted(codes)  # received on later days, due later
    only = store.worklist("000.00.32.H19", status=S.PROCESSING, step=None, limit=5, cursor=None)
    assert only.items == []
    assert store.worklist("000.00.99.H19", status=None, step=None, limit=5, cursor=None).items == []
    with pytest.raises(InvalidCursor):
        store.worklist("000.00.32.H19", status=None, step=None, limit=2, cursor="garbage!")


def test_receipts_and_sequences(store):
    queued = receipt().model_copy(update={"status": "queued"})
    store.put_receipt(receipt())
    store.put_receipt(queued, only_if_new=True)  # never overwrites the worker's answer
    assert store.get_receipt("r1").status == "accepted"
    day = at(2026, 3, 2).date()
    assert [store.next_sequence("000.00.32.H19", day) for _ in range(3)] == [1, 2, 3]
    assert store.next_sequence("000.00.41.H19", day) == 1
