"""The other stores with a fake beside the real adapter: the delivery log, the webhook replay
guard and the portal sync log, each held to the same promises in memory and on DynamoDB (moto)."""

from datetime import timedelta

import pytest

from chalicelib.adapters.delivery_log import DynamoDeliveryLog, MemoryDeliveryLog
from chalicelib.adapters.dynamo_store import DynamoStore
from chalicelib.adapters.memory_store import MemoryStore
from chalicelib.adapters.portal_sync_log import DynamoPortalSyncLog, MemoryPortalSyncLog
from chalicelib.adapters.replay_guard import DynamoReplayGuard, InMemoryReplayGuard
from chalicelib.domain.notifications import NotificationJob
from chalicelib.ports.deliveries import Attempt, RouteState
from chalicelib.ports.portal import SyncMark
from chalicelib.ports.records import Opening, Receipt
from tests.unit.builders import at, land_procedure, new_dossier

PROCEDURE = land_procedure()
CODES = ("000.00.32.H19-260302-0001", "000.00.32.H19-260302-0002")
T0 = at(2026, 3, 2, 9)


def on_both(memory, dynamo):
    """A fixture answering the fake, then the adapter on a moto table."""

    @pytest.fixture(params=["memory", "dynamo"])
    def fixture(request):
        if request.param == "memory":
            return memory()
        return dynamo(request.getfixturevalue("table"))

    return fixture


# -- the delivery log -----------------------------------------------------------------------------
log = on_both(MemoryDeliveryLog, DynamoDeliveryLog)


def job(key, code=CODES[0]):
    return NotificationJob(key=key, code=code, kind="received", essential=True, text_vi="Đã nhận")


def attempt(key, when, *, route="sms:84912345678", message_id=None, code=CODES[0]):
    return Attempt(job_key=key, code=code, kind="received", route=route, channel="sms",
                   provider="esms", outcome="accepted", provider_message_id=message_id,
                   at=when)  # fmt: skip


def test_a_route_is_claimed_once_until_it_fails(log):
    notice, route = job("j1"), "sms:84912345678"
    assert log.claim(notice, route, T0).state is None  # this delivery holds it
    held = log.claim(notice, route, T0 + timedelta(minutes=1))
    assert (held.state, held.since) == (RouteState.SENDING, T0)
    assert log.claim(notice, "email:a@example.vn", T0).state is None  # another route
    log.settle(notice, route, RouteState.FAILED)
    assert log.claim(notice, route, T0 + timedelta(minutes=2)).state is None  # retryable
    log.settle(notice, route, RouteState.ACCEPTED)
    assert log.claim(notice, route, T0 + timedelta(minutes=3)).state is RouteState.ACCEPTED
    log.settle(notice, route, RouteState.UNKNOWN)
    assert log.claim(notice, route, T0 + timedelta(minutes=4)).state is RouteState.UNKNOWN


def test_attempts_are_read_per_dossier_in_time_order(log):
    later = attempt("j2", T0 + timedelta(minutes=5))
    first = attempt("j1", T0)
    log.record(job("j2"), later)
    log.record(job("j1"), first)
    elsewhere = attempt("j3", T0, code=CODES[1])
    log.record(job("j3", CODES[1]), elsewhere)
    assert log.attempts(CODES[0]) == [first, later]
    assert log.attempts(CODES[1]) == [elsewhere]
    assert log.attempts("000.00.99.H19-260302-0001") == []


def test_a_delivery_receipt_lands_on_its_attempt(log):
    sent = attempt("j1", T0, message_id="m-1")
    log.record(job("j1"), sent)
    delivered_at = T0 + timedelta(seconds=30)
    assert log.receipt("esms", "m-1", "delivered", delivered_at) is True
    [found] = log.attempts(CODES[0])
    assert (found.delivery, found.delivered_at) == ("delivered", delivered_at)
    assert log.receipt("esms", "m-unknown", "delivered", delivered_at) is False
    assert log.receipt("zalo", "m-1", "delivered", delivered_at) is False


def test_opt_outs_are_remembered_and_can_be_undone(log):
    phone = "84912345678"
    assert log.opted_out(phone) is False
    log.set_opt_out(phone, True, "sms-stop", T0)
    assert log.opted_out(phone) is True and log.opted_out("84987654321") is False
    log.set_opt_out(phone, False, "portal", T0 + timedelta(days=1))
    assert log.opted_out(phone) is False


# -- the replay guard -----------------------------------------------------------------------------
guard = on_both(InMemoryReplayGuard, DynamoReplayGuard)


def test_a_signature_is_spent_once(guard):
    assert guard.used("ab" * 32) is False  # asking spends nothing
    assert guard.first_use("ab" * 32, 1_767_226_200) is True
    assert guard.used("ab" * 32) is True
    assert guard.first_use("ab" * 32, 1_767_226_200) is False
    assert guard.first_use("cd" * 32, 1_767_226_200) is True


# -- the portal sync log --------------------------------------------------------------------------
@pytest.fixture(params=["memory", "dynamo"])
def sync_log(request, calendar):
    """The log, beside a store holding two dossiers (its standing pairs them with marks)."""
    if request.param == "memory":
        store = MemoryStore()
        sync = MemoryPortalSyncLog(store)
    else:
        table = request.getfixturevalue("table")
        store, sync = DynamoStore(table), DynamoPortalSyncLog(table)
    for n, code in enumerate(CODES):
        opened = new_dossier(PROCEDURE, calendar, T0, code=code)
        receipt = Receipt(receipt_id=f"r{n}", client_id="portal", external_id=str(n),
                          status="accepted", updated_at=T0)  # fmt: skip
        store.create(
            Opening(opened.dossier, opened.entry, intake_key=f"portal#{n}", receipt=receipt)
        )
    return sync


def mark(revision, status=2):
    return SyncMark(revision=revision, version=revision, status=status, synced_at=T0)


def test_a_sync_mark_only_moves_forward(sync_log):
    assert sync_log.get(CODES[0]) is None
    assert sync_log.record(CODES[0], mark(1))
    assert not sync_log.record(CODES[0], mark(1))  # a repeat
    assert sync_log.record(CODES[0], mark(3, status=4))
    assert not sync_log.record(CODES[0], mark(2))  # a late retry never moves it back
    assert sync_log.get(CODES[0]) == mark(3, status=4)


def test_the_standing_pairs_every_dossier_with_its_mark(sync_log):
    sync_log.record(CODES[0], mark(3, status=4))
    standing = {s.code: s for s in sync_log.standing()}
    assert set(standing) == set(CODES)
    assert not standing[CODES[0]].behind  # mark 3 ≥ the dossier's revision 1
    assert standing[CODES[1]].behind and standing[CODES[1]].mark is None
    assert standing[CODES[1]].status == 2 and standing[CODES[1]].revision == 1


def test_marks_are_read_in_batches_each_code_once_none_where_nothing_was_acknowledged(sync_log):
    sync_log.record(CODES[0], mark(3, status=4))
    assert sync_log.marks([CODES[0], CODES[1], CODES[0]]) == {
        CODES[0]: mark(3, status=4),
        CODES[1]: None,
    }
    assert sync_log.marks([]) == {}


def test_more_marks_than_one_batch_holds_are_all_read(table):
    """DynamoDB's BatchGetItem takes 100 keys a call: 250 codes are three calls."""
    sync = DynamoPortalSyncLog(table)
    codes = [f"000.00.41.H19-260302-{n:04d}" for n in range(250)]
    for n, code in enumerate(codes[::7]):
        sync.record(code, mark(n + 1))
    found = sync.marks(codes)
    assert len(found) == 250
    assert {c for c, m in found.items() if m is not None} == set(codes[::7])
