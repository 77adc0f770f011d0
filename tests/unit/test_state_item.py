"""The dossier's STATE item stays under 1 KB, so each transactional write of it costs 2 WRU
and its worklist projection 1, however full the dossier; packing loses nothing, and items
written before packing still read."""

from __future__ import annotations

from datetime import timedelta

from bench.aws_calls import item_size  # DynamoDB's sizing rules, as the cost model uses them
from chalicelib.adapters.dynamo_store import DynamoStore, pack_state, unpack_state
from chalicelib.domain.dossier import Applicant, Location
from chalicelib.domain.statuses import ApplicantKind, DossierStatus
from tests.unit.builders import OTHER, at, land_procedure, new_dossier

KB = 1024


def crowded_dossier(calendar):
    """Everything a dossier can carry at once, each text at a generous length."""
    dossier = new_dossier(land_procedure(), calendar, at(2026, 3, 2, 9)).dossier
    moment = at(2026, 3, 5, 14, 30)
    return dossier.model_copy(update={
        "applicant": Applicant(
            name="Công ty Trách nhiệm hữu hạn Một thành viên Xây dựng và Thương mại Phước Long",
            kind=ApplicantKind.BUSINESS, id_number="3602345678-001",
            phone="0912345678", email="phong.hanhchinh.nhansu@xaydungphuoclong.com.vn"),
        "status": DossierStatus.SUPPLEMENT_REQUESTED,
        "holder": Location(agency=OTHER, unit="PHONG_TAI_NGUYEN_MOI_TRUONG"),
        "transferred_from": Location(agency=dossier.resolving_agency, unit="PHONG_DD"),
        "involved_agencies": frozenset({dossier.resolving_agency, OTHER, "000.00.99.H19"}),
        "step_index": 3, "step_started_at": moment, "step_due_at": moment + timedelta(days=3),
        "paused_at": moment, "paused_from": DossierStatus.PROCESSING,
        "paused_total": timedelta(hours=13, minutes=25), "supplement_requests": 2,
        "apologies": 1, "paid_online": True, "digitised": True, "electronic_result": True,
        "alarms_fired": frozenset({"step:1:due_soon", "step:1:overdue", "step:2:due_soon",
                                   "dossier:due_soon", "dossier:overdue"}),
        "overdue": True, "next_alarm_at": moment + timedelta(hours=20),
        "version": 123, "revision": 187,
    })  # fmt: skip


def test_the_state_item_of_a_crowded_dossier_is_under_one_kilobyte(calendar):
    dossier = crowded_dossier(calendar)
    item = DynamoStore("motcua")._state_item(dossier)
    assert "WL_PK" in item and "DUE_PK" in item  # both index keys counted
    assert item_size(item) < KB
    plain = len(dossier.model_dump_json())
    assert plain > KB  # what packing saves: the same dossier as plain JSON would not fit


def test_packing_loses_nothing(calendar):
    plain = new_dossier(land_procedure(), calendar, at(2026, 3, 2, 9)).dossier
    for dossier in (crowded_dossier(calendar), plain):
        assert unpack_state({"state": pack_state(dossier)}) == dossier


def test_a_state_written_before_packing_still_reads(calendar):
    dossier = crowded_dossier(calendar)
    assert unpack_state({"state": {"S": dossier.model_dump_json()}}) == dossier


def test_a_history_entry_and_its_outbox_pack_and_read_back(calendar):
    from chalicelib.adapters.dynamo_store import unpack_history, unpack_outbox
    from chalicelib.domain.notifications import NotificationJob

    opened = new_dossier(land_procedure(), calendar, at(2026, 3, 2, 9))
    jobs = [
        NotificationJob(key=f"k{n}", code=opened.dossier.code, kind="received", essential=True,
                        phone="84912345678", emails=("a@example.com",), subject="Hồ sơ",
                        text_vi="Hồ sơ của ông/bà đã được tiếp nhận. " * 6,
                        sms_text="Ho so da duoc tiep nhan. " * 5, sms_parts=1)
        for n in range(2)
    ]  # fmt: skip
    item = DynamoStore("motcua")._history_item(opened.dossier.code, opened.entry, jobs)
    assert "B" in item["entry"] and "B" in item["outbox"]
    assert unpack_history(item) == opened.entry
    assert unpack_outbox(item) == jobs
    assert item_size(item) < KB
    plain = len(opened.entry.model_dump_json()) + sum(len(j.model_dump_json()) for j in jobs)
    assert plain > KB  # the same as plain JSON would cost twice the write units
    assert unpack_outbox({"outbox": {"S": "[]"}}) == [] and unpack_outbox({}) == []
