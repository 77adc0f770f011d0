"""The notices a dossier's life causes: written with each change, rendered once."""

import pytest

from chalicelib.adapters.catalog_files import load_agencies
from chalicelib.adapters.memory_store import MemoryStore
from chalicelib.domain.agencies import Agency, AgencyRegistry
from chalicelib.domain.dossier import Action, Applicant, Command
from chalicelib.domain.procedures import Catalog
from chalicelib.domain.sms import encoding_of
from chalicelib.ports.records import Opening, Receipt
from chalicelib.services import timers
from chalicelib.services.envelopes import TransitionEnvelope
from chalicelib.services.outbox import Notices
from chalicelib.services.transitions import TransitionDeps, apply_envelope
from tests.unit.builders import (
    HOME,
    LEADER,
    RECEIVER,
    SPECIALIST,
    TAX_SYSTEM,
    at,
    land_procedure,
    new_dossier,
)

PROCEDURE = land_procedure(fees=[{"name": "Lệ phí", "amount_vnd": 50000}])
CODE = "000.00.32.H19-260302-0001"


@pytest.fixture
def world(calendar):
    store = MemoryStore()
    notices = Notices(load_agencies(), survey_url="https://dvc.example/khao-sat?ma={code}")
    opened = new_dossier(PROCEDURE, calendar, at(2026, 3, 2, 9), code=CODE)
    dossier = opened.dossier.model_copy(
        update={
            "applicant": Applicant(
                name="Nguyễn Thị Lan", phone="84912345678", email="lan@example.vn"
            )
        }
    )
    receipt = Receipt(
        receipt_id="r",
        client_id="p",
        external_id="1",
        status="accepted",
        updated_at=at(2026, 3, 2, 9),
    )
    store.create(
        Opening(
            dossier,
            opened.entry,
            intake_key="p#1",
            receipt=receipt,
            outbox=notices.for_entry(dossier, opened.entry, PROCEDURE),
        )
    )
    deps = TransitionDeps(
        store=store,
        catalog=Catalog([PROCEDURE]),
        calendar=calendar,
        agencies=AgencyRegistry([]),  # no transfers here
        notices=notices,
    )
    return deps


def act(deps, n, action, actor, when, **fields):
    version = deps.store.get(CODE).version
    envelope = TransitionEnvelope(
        command_id=str(n),
        code=CODE,
        actor=actor,
        command=Command(action=action, **fields),
        expected_version=version,
        requested_at=when,
    )
    assert apply_envelope(envelope, deps).result.value == "applied"


def test_a_life_writes_one_notice_per_milestone(world):
    leader = SPECIALIST.model_copy(update={"unit": "LANH_DAO", "roles": frozenset({"leader"})})
    steps = [
        (Action.TAKE_UP, SPECIALIST, {}),
        (Action.REQUEST_SUPPLEMENT, SPECIALIST, {"note": "Bản sao trích đo địa chính"}),
        (Action.SUPPLEMENT_RECEIVED, RECEIVER, {}),
        (Action.FORWARD, SPECIALIST, {}),
        (Action.REQUEST_FEES, TAX_SYSTEM, {"amount_vnd": 1_500_000}),
        (Action.FEES_PAID, TAX_SYSTEM, {}),
        (Action.FORWARD, TAX_SYSTEM, {}),
        (Action.RESOLVE, leader, {}),
        (Action.RETURN_RESULT, RECEIVER, {}),
    ]
    for n, (action, actor, fields) in enumerate(steps):
        act(world, n, action, actor, at(2026, 3, 3 + n, 9), **fields)
    jobs = world.store.outbox
    assert [j.kind for j in jobs] == [
        "received",
        "supplement_requested",
        "supplement_received",  # the appointment restarted (NĐ 118 19(5)): the new date is told
        "fees_requested",
        "result_ready",
        "result_returned",
        "survey_invitation",
    ]
    assert len({j.key for j in jobs}) == len(jobs)
    received = jobs[0]
    assert received.sms_text == f"Ho so {CODE} da duoc tiep nhan. Ngay hen tra: 16/03/2026"
    assert received.sms_parts == 1 and received.emails == ()
    resumed = jobs[2]
    assert resumed.sms_text.startswith(f"Ho so {CODE} da nhan ho so bo sung")
    assert "Ngay hen tra moi: 19/03/2026" in resumed.sms_text  # 5/3 09:00 + 10 working days
    assert "1.500.000" in jobs[3].sms_text
    assert jobs[4].emails == ("lan@example.vn",)  # the result also goes by email
    assert "Bộ phận Một cửa" in jobs[4].text_vi
    assert all(encoding_of(j.sms_text) == "GSM-7" for j in jobs)
    assert [j.essential for j in jobs] == [True] * 6 + [False]  # the survey may be refused
    assert "khao-sat?ma=" in jobs[6].sms_text


def test_the_apology_names_the_missed_date_and_the_new_one(world):
    act(world, 1, Action.TAKE_UP, SPECIALIST, at(2026, 3, 2, 10))
    act(
        world,
        2,
        Action.EXTEND_WITH_APOLOGY,
        LEADER,
        at(2026, 3, 13, 10),
        note="Chờ kết quả xác minh",
        new_due_at=at(2026, 3, 20, 17),
    )
    apology = world.store.outbox[-1]
    assert apology.kind == "overdue_apology" and apology.essential
    assert "16/03/2026" in apology.sms_text and "20/03/2026" in apology.sms_text
    assert apology.emails == ("lan@example.vn",)


def test_alarms_alert_the_agency_mailboxes(world, calendar):
    act(world, 1, Action.TAKE_UP, SPECIALIST, at(2026, 3, 2, 10))
    home = Agency(
        code=HOME,
        name="Sở thử nghiệm",
        level="province",
        units=[{"code": "PHONG_DD", "name": "Phòng Đất đai"}],
        digest_recipients=["canhbao@example.gov.vn"],
    )
    notices = Notices(AgencyRegistry([home]))
    deps = timers.TimerDeps(
        store=world.store, catalog=world.catalog, calendar=calendar, notices=notices
    )
    before = len(world.store.outbox)
    report = timers.run(at(2026, 3, 16, 10), deps)
    alerts = world.store.outbox[before:]
    assert [a.kind for a in alerts] == [a.kind.value for a in report.fired]
    assert {a.emails for a in alerts} == {("canhbao@example.gov.vn",)}
    assert any("quá hạn hẹn trả" in a.text_vi for a in alerts)
    assert Notices(load_agencies()).for_alarm(report.fired[0]) == []  # no mailbox: nobody
