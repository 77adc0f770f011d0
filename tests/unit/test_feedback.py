"""PAKN (issue 19): the lifecycle and who may move it, the deadline in working days, alarms
due soon and overdue once each, the reply sent, the dossier's history, who sees the person,
and QĐ 766 5.2/5.3 from the live counters (equal to the rebuild)."""

from datetime import timedelta
from types import SimpleNamespace

import pytest

from chalicelib.adapters.feedback_records import MemoryFeedbackRecords
from chalicelib.adapters.memory_store import MemoryStore
from chalicelib.domain import feedback as fb
from chalicelib.domain import indicators
from chalicelib.domain.agencies import Agency, AgencyRegistry
from chalicelib.domain.alarms import AlarmKind
from chalicelib.domain.dossier import Action
from chalicelib.domain.statuses import Role
from chalicelib.services import feedback as service
from chalicelib.services import reports
from chalicelib.services.errors import Conflict, Forbidden, Invalid, NotFound
from chalicelib.services.outbox import Notices
from tests.unit.builders import HOME, OTHER, at, land_procedure, official, stored_dossier

PROCEDURE = land_procedure()
CODE = "000.00.32.H19-260302-0001"
LEADER = official(Role.LEADER, "LANH_DAO", ident="ld-1")
SPECIALIST = official(Role.SPECIALIST, "PHONG_DD", ident="cv-1")
ACCUSED = official(Role.RECEIVER, "MOT_CUA", ident="cb-1")
OTHER_AGENCY = official(Role.LEADER, "LANH_DAO", agency=OTHER, ident="ld-9")
MONDAY = at(2026, 3, 2, 9)
CHUYEN = SimpleNamespace(id=SPECIALIST.id, name="Lê Văn Chuyên", unit="PHONG_DD")  # an assignee


@pytest.fixture
def deps(calendar):
    store = stored_dossier(MemoryStore(), PROCEDURE, calendar, at(2026, 2, 23, 9), code=CODE)
    units = [{"code": "LANH_DAO", "name": "Lãnh đạo"}]
    agencies = AgencyRegistry([
        Agency.model_validate({"code": HOME, "name": "UBND phường Một", "level": "commune",
                               "units": units, "digest_recipients": ["lanhdao@phuong1.vn"]}),
        Agency.model_validate({"code": OTHER, "name": "Sở Xây dựng", "level": "province",
                               "units": units}),
    ])  # fmt: skip
    return service.FeedbackDeps(
        records=MemoryFeedbackRecords(store.counters),
        dossiers=store,
        agencies=agencies,
        calendar=calendar,
        answer_days=10,
        notices=Notices(agencies),
    )


def body(**overrides):
    values = dict(external_id="HOIDAP-1", kind=fb.FeedbackKind.COMPLAINT, agency=HOME,
                  title="Chậm trả kết quả", content="Hồ sơ quá hẹn", dossier_code=CODE,
                  procedure_code=None, about_official=ACCUSED.id, received_at=MONDAY,
                  person=SimpleNamespace(name="Trần Thị Bình", phone="84912345678",
                                         email="binh@example.vn", address=None))  # fmt: skip
    values.update(overrides)
    return SimpleNamespace(**values)


def receive(deps, **overrides):
    return service.receive(body(**overrides), channel=fb.FeedbackChannel.NATIONAL_PORTAL,
                           source="portal-dev", entered_by=None, now=MONDAY, deps=deps)  # fmt: skip


def act(deps, actor, item_id, action, when, **fields):
    current = deps.records.get(HOME, item_id)
    request = SimpleNamespace(
        action=action,
        expected_revision=current.revision,
        assignee=fields.get("assignee"),
        answer=fields.get("answer"),
        to_agency=fields.get("to_agency"),
        reason=fields.get("reason"),
    )
    return service.act(actor, item_id, request, now=when, deps=deps)


def assign(deps, item_id, *, when=MONDAY, by=LEADER, to=CHUYEN):
    """`by` (a leader) assigns the item to `to` (the specialist) at `when`."""
    return act(deps, by, item_id, fb.FeedbackAction.ASSIGN, when, assignee=to)


def counters(deps, month="2026-03"):
    rows = deps.dossiers.stats(HOME, month)
    return sum((indicators.Counters.from_mapping(r) for r in rows.values()), indicators.Counters())


def test_the_deadline_is_ten_working_days_on_the_calendar(deps):
    item, created = receive(deps)
    assert created and item.due_at == at(2026, 3, 16, 9)  # two weekends skipped
    again, created_again = receive(deps)
    assert (again.id, created_again) == (item.id, False)
    assert counters(deps).feedback_in_scope == 1  # once


def test_handled_to_its_answer_with_each_alarm_once_and_the_reply_sent(deps):
    item, _ = receive(deps)
    assign(deps, item.id, when=MONDAY + timedelta(hours=1))
    act(deps, SPECIALIST, item.id, fb.FeedbackAction.START, MONDAY + timedelta(hours=2))
    soon = at(2026, 3, 13, 10)  # one working day before Monday 16/3 09:00
    first = service.fire_alarms(soon, deps)
    assert [a.kind for a in first.fired] == [AlarmKind.FEEDBACK_DUE_SOON]
    assert service.fire_alarms(soon, deps).fired == []
    late = at(2026, 3, 16, 9, 1)
    assert [a.kind for a in service.fire_alarms(late, deps).fired] == [AlarmKind.FEEDBACK_OVERDUE]
    assert service.fire_alarms(late + timedelta(days=3), deps).fired == []
    alerts = [j for j in deps.records.outbox if j.kind.startswith("feedback_")]
    assert [j.emails for j in alerts] == [("lanhdao@phuong1.vn",)] * 2
    answered = act(
        deps,
        SPECIALIST,
        item.id,
        fb.FeedbackAction.ANSWER,
        at(2026, 3, 16, 10),
        answer="Hồ sơ đã được trả kết quả ngày 16/3. Xin lỗi ông/bà.",
    )
    assert answered["status"] == "answered" and answered["on_time"] is False
    reply = [j for j in deps.records.outbox if j.kind == "feedback_answered"]
    assert len(reply) == 1 and reply[0].phone == "84912345678" and reply[0].essential
    assert "Xin lỗi" in reply[0].text_vi and reply[0].sms_text.isascii()
    history = deps.dossiers.load(CODE).history
    assert [e.action for e in history[-2:]] == [Action.FEEDBACK_RECEIVED, Action.FEEDBACK_ANSWERED]
    assert "Trần Thị Bình" not in " ".join(e.note for e in history)
    act(deps, LEADER, item.id, fb.FeedbackAction.PUBLISH, at(2026, 3, 17, 9))
    c = counters(deps)
    assert (c.feedback_in_scope, c.feedback_on_time, c.feedback_late, c.complained) == (1, 0, 1, 1)
    shown = indicators.indicators(c)
    assert (shown["5.2"].value, shown["5.3"].value) == (0.0, 0.0)


def test_an_answer_in_time_counts_on_time_and_the_rebuild_agrees(deps, calendar):
    item, _ = receive(deps)
    assign(deps, item.id)
    act(deps, LEADER, item.id, fb.FeedbackAction.ANSWER, at(2026, 3, 4, 9), answer="Đã xử lý.")
    other, _ = receive(deps, external_id="HOIDAP-2", dossier_code=None, about_official=None)
    act(
        deps,
        LEADER,
        other.id,
        fb.FeedbackAction.REFUSE,
        at(2026, 3, 4, 9),
        reason="Khiếu nại: theo Luật Khiếu nại",
    )
    c = counters(deps)
    assert (c.feedback_in_scope, c.feedback_on_time) == (1, 1)
    assert indicators.indicators(c)["5.2"].value == 100.0
    check = reports.rebuild_and_compare(HOME, "2026-02", "2026-03", deps.dossiers, calendar,
                                        deps.records)  # fmt: skip
    feedback_rows = [d for d in check["differences"] if d["procedure"] == "-"]
    assert feedback_rows == []


def test_only_leaders_assign_and_moves_the_status_forbids_are_refused(deps):
    item, _ = receive(deps)
    with pytest.raises(Forbidden):
        assign(deps, item.id, by=SPECIALIST)
    with pytest.raises(Conflict) as illegal:
        act(deps, LEADER, item.id, fb.FeedbackAction.PUBLISH, MONDAY)
    assert illegal.value.errors[0].field == "action"
    with pytest.raises(Invalid) as self_judging:
        assign(
            deps, item.id, to=SimpleNamespace(id=ACCUSED.id, name="Lê Văn Cường", unit="MOT_CUA")
        )
    assert self_judging.value.errors[0].field == "assignee"


def test_the_person_is_shown_only_to_those_handling_it_and_never_to_the_accused(deps):
    item, _ = receive(deps)
    assign(deps, item.id)
    assert service.read(LEADER, item.id, deps)["person"]["name"] == "Trần Thị Bình"
    assert service.read(SPECIALIST, item.id, deps)["person"]["phone"] == "84912345678"
    bystander = official(Role.RECEIVER, "MOT_CUA", ident="cb-2")
    seen = service.read(bystander, item.id, deps)
    assert seen["person"] is None and seen["about_official"] == "***"
    for nobody in (ACCUSED, OTHER_AGENCY):
        with pytest.raises(NotFound):
            service.read(nobody, item.id, deps)
    assert service.listing(ACCUSED, deps) == {"items": []}


def test_a_transfer_hands_it_to_the_competent_agency_and_out_of_the_count(deps):
    item, _ = receive(deps, dossier_code=None)
    act(
        deps,
        LEADER,
        item.id,
        fb.FeedbackAction.TRANSFER,
        MONDAY,
        to_agency=OTHER,
        reason="Thuộc thẩm quyền Sở Xây dựng",
    )
    assert counters(deps).feedback_in_scope == 0
    theirs = deps.records.of_agency(OTHER)
    assert len(theirs) == 1 and theirs[0].status is fb.FeedbackStatus.RECEIVED


def test_an_unknown_dossier_or_agency_is_refused_and_nothing_kept(deps):
    with pytest.raises(NotFound) as missing:
        receive(deps, dossier_code="000.00.32.H19-260302-0999")
    assert missing.value.errors[0].field == "dossier_code"
    with pytest.raises(Invalid) as unknown:
        receive(deps, agency="000.00.77.H19")
    assert unknown.value.errors[0].field == "agency"
    assert deps.records.items == {}


def test_whoever_typed_it_in_sees_the_person_but_only_the_assignee_or_a_leader_answers(deps):
    typist = official(Role.RECEIVER, "MOT_CUA", ident="cb-3")
    item, _ = service.receive(body(external_id=None, dossier_code=None, about_official=None),
                              channel=fb.FeedbackChannel.PHONE, source=typist.id,
                              entered_by=typist, now=MONDAY, deps=deps)  # fmt: skip
    assert service.read(typist, item.id, deps)["person"]["name"] == "Trần Thị Bình"
    assign(deps, item.id)
    with pytest.raises(Forbidden):
        act(deps, typist, item.id, fb.FeedbackAction.ANSWER, MONDAY, answer="Đã xử lý.")
    answered = act(deps, SPECIALIST, item.id, fb.FeedbackAction.ANSWER, MONDAY, answer="Đã xử lý.")
    assert answered["status"] == "answered"
