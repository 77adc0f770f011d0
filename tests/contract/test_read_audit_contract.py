"""The read audit (issue 16, item 9): the fake and the DynamoDB adapter keep the same promises.
Appended, never replaced; read back by time range, by dossier and by official."""

from datetime import timedelta

import pytest

from chalicelib.adapters.read_audit import DynamoReadAudit, MemoryReadAudit
from chalicelib.domain.read_audit import PersonalDataRead
from chalicelib.ports.read_audit import AuditUnavailable
from tests.contract.test_side_stores_contract import CODES, T0, on_both

audit = on_both(MemoryReadAudit, DynamoReadAudit)


def read(at, *, code=CODES[0], actor="cv-1", request_id=None):
    return PersonalDataRead(at=at, code=code, actor_id=actor, actor_name="Trần Thị Mai",
                            agency="000.00.32.H19", unit="VAN_PHONG", roles=("specialist",),
                            route="GET /v1/dossiers/{code}", source_ip="203.0.113.7",
                            request_id=request_id)  # fmt: skip


def test_reads_come_back_oldest_first_across_days(audit):
    later = read(T0 + timedelta(days=1, hours=2), request_id="r2")
    first = read(T0, request_id="r1")
    audit.record(later)
    audit.record(first)
    assert audit.reads(T0 - timedelta(hours=1), T0 + timedelta(days=2)) == [first, later]
    assert audit.reads(T0 + timedelta(hours=1), T0 + timedelta(days=2)) == [later]
    assert audit.reads(T0, T0) == [first]  # both ends included


def test_reads_of_one_dossier_or_one_official(audit):
    mine = read(T0, request_id="r1")
    other_code = read(T0 + timedelta(minutes=1), code=CODES[1], request_id="r2")
    other_actor = read(T0 + timedelta(minutes=2), actor="ld-1", request_id="r3")
    for entry in (mine, other_code, other_actor):
        audit.record(entry)
    end = T0 + timedelta(hours=1)
    assert audit.reads(T0, end, code=CODES[0]) == [mine, other_actor]
    assert audit.reads(T0, end, actor="cv-1") == [mine, other_code]
    assert audit.reads(T0, end, code=CODES[1], actor="ld-1") == []
    assert audit.reads(T0, end, limit=2) == [mine, other_code]


def test_two_reads_in_the_same_instant_are_both_kept(audit):
    audit.record(read(T0, request_id="r1"))
    audit.record(read(T0, request_id="r2"))
    audit.record(read(T0))  # no request id: kept apart all the same
    assert len(audit.reads(T0, T0)) == 3


def test_a_record_is_never_replaced(audit):
    original = read(T0, request_id="r1")
    audit.record(original)
    with pytest.raises(AuditUnavailable):
        audit.record(original.model_copy(update={"actor_name": "someone else"}))
    assert audit.reads(T0, T0) == [original]


def test_the_audit_has_no_way_to_change_or_delete():
    for kind in (MemoryReadAudit, DynamoReadAudit):
        public = {name for name in vars(kind) if not name.startswith("_")}
        assert public == {"record", "reads"}, kind
