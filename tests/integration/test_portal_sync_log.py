"""The portal sync marks on the real table (moto): they only move forward, and the operator's
standing pairs every dossier with its mark."""

from chalicelib.adapters.dynamo_store import DynamoStore
from chalicelib.adapters.memory_store import MemoryStore
from chalicelib.adapters.portal_sync_log import (
    DynamoPortalSyncLog,
    MemoryPortalSyncLog,
    SyncMark,
)
from chalicelib.ports.records import Opening, Receipt
from tests.unit.builders import at, land_procedure, new_dossier

PROCEDURE = land_procedure()
CODES = ("000.00.32.H19-260302-0001", "000.00.32.H19-260302-0002")


def mark(revision, status=2):
    return SyncMark(revision=revision, version=revision, status=status,
                    synced_at=at(2026, 3, 2, 9))  # fmt: skip


def fill(store, calendar):
    for n, code in enumerate(CODES):
        opened = new_dossier(PROCEDURE, calendar, at(2026, 3, 2, 9), code=code)
        receipt = Receipt(receipt_id=f"r{n}", client_id="portal", external_id=str(n),
                          status="accepted", updated_at=at(2026, 3, 2, 9))  # fmt: skip
        store.create(
            Opening(opened.dossier, opened.entry, intake_key=f"portal#{n}", receipt=receipt)
        )


def check_the_promises(log):
    assert log.get(CODES[0]) is None
    assert log.record(CODES[0], mark(1))
    assert not log.record(CODES[0], mark(1))  # a repeat
    assert log.record(CODES[0], mark(3, status=4))
    assert not log.record(CODES[0], mark(2))  # a late retry never moves it back
    assert log.get(CODES[0]) == mark(3, status=4)
    standing = {s.code: s for s in log.standing()}
    assert set(standing) == set(CODES)
    assert not standing[CODES[0]].behind  # mark 3 ≥ the dossier's revision 1
    assert standing[CODES[1]].behind and standing[CODES[1]].mark is None
    assert standing[CODES[1]].status == 2 and standing[CODES[1]].revision == 1


def test_on_dynamodb(aws, calendar):
    fill(DynamoStore(aws["MOTCUA_TABLE"]), calendar)
    check_the_promises(DynamoPortalSyncLog(aws["MOTCUA_TABLE"]))


def test_the_fake_keeps_the_same_promises(calendar):
    store = MemoryStore()
    fill(store, calendar)
    check_the_promises(MemoryPortalSyncLog(store))
