"""Officials' own alerts: an alarm goes to the official who holds the dossier (and their leader
when it is late), by e-mail and by ZNS where they have it; to the agencies' shared mailboxes
when the holder is unknown or has no address. A dossier first swept long after its deadline
fires what is still true, once."""

import pytest

from chalicelib.adapters.feedback_records import MemoryFeedbackRecords
from chalicelib.adapters.memory_store import MemoryStore
from chalicelib.adapters.officials_directory import MemoryOfficials
from chalicelib.bootstrap import Container
from chalicelib.clock import FixedClock
from chalicelib.domain import subjects
from chalicelib.domain.agencies import Agency, AgencyRegistry
from chalicelib.domain.alarms import AlarmKind, FiredAlarm, Recipient
from chalicelib.domain.dossier import Action, Command
from chalicelib.domain.officials import Official
from chalicelib.domain.procedures import Catalog
from chalicelib.domain.state_machine import apply
from chalicelib.domain.statuses import Role
from chalicelib.handlers import workers
from chalicelib.ports.records import Change
from chalicelib.services.outbox import Notices
from chalicelib.settings import Settings
from tests.unit.builders import HOME, SPECIALIST, TAX, at, land_procedure, stored_dossier

PROCEDURE = land_procedure()
CODE = "000.00.32.H19-260302-0001"
MAILBOX = "motcua@so.example.vn"
HOLDER = Official(id=SPECIALIST.id, name="Lê Văn Hùng", agency=HOME, unit="PHONG_DD",
                  role=Role.SPECIALIST, email="hung@so.example.vn", zns_phone="84901234501",
                  leader="bao")  # fmt: skip
LEADER = Official(id="bao", name="Phạm Quốc Bảo", agency=HOME, unit="LANH_DAO",
                  role=Role.LEADER, email="bao@so.example.vn")  # fmt: skip


def _agency(code: str, mailbox: str) -> Agency:
    return Agency(code=code, name=f"Cơ quan {code}", level="province",
                  units=[{"code": "LANH_DAO", "name": "Lãnh đạo"}],
                  digest_recipients=[mailbox])  # fmt: skip


AGENCIES = AgencyRegistry([_agency(HOME, MAILBOX), _agency(TAX, "thue@so.example.vn")])


def _container(calendar, when, officials, procedure=PROCEDURE, **settings) -> Container:
    store = stored_dossier(MemoryStore(), procedure, calendar, at(2026, 3, 2, 9), code=CODE)
    dossier = store.get(CODE)
    taken = apply(dossier, Command(action=Action.TAKE_UP), SPECIALIST, procedure, calendar,
                  at(2026, 3, 2, 10))  # fmt: skip
    store.apply(Change(taken.dossier, taken.entry, expected_revision=dossier.revision,
                       command_id="take-up"))  # fmt: skip
    store.outbox.clear()  # the applicant's receipt notice: not what is watched here
    return Container(
        Settings(**settings),
        clock=FixedClock(when),
        store=store,
        catalog=Catalog([procedure]),
        agencies=AGENCIES,
        calendar=calendar,
        officials=MemoryOfficials(officials),
        feedback_records=MemoryFeedbackRecords(),
    )


def test_a_dossier_swept_first_after_its_deadline_fires_one_overdue_alarm_to_holder_and_leader(
    calendar,
):
    # Due Monday 16/3 09:00; never swept before Wednesday 15/4: every threshold has passed.
    container = _container(calendar, at(2026, 4, 15, 10), [HOLDER, LEADER])
    summary = workers.run_timer(container)  # at the container's clock
    assert summary["alarms_fired"] == [f"{CODE} overdue"]
    [job] = container.store.outbox
    assert job.kind == "overdue" and job.emails == (HOLDER.email, LEADER.email)
    assert job.phone is None  # ZNS for officials is off until its template is configured
    assert MAILBOX not in job.emails
    assert [a.kind for a in container.store.alarms.values()] == [AlarmKind.OVERDUE]
    assert len(container.store.get(CODE).alarms_fired) == 5  # the moot ones never fire later
    # at-least-once timer runs: a second run, now or later, fires nothing
    assert workers.run_timer(container)["alarms_fired"] == []
    container.clock.set(at(2026, 5, 4, 9))
    assert workers.run_timer(container)["alarms_fired"] == []
    assert len(container.store.outbox) == 1


def test_with_its_zns_template_the_holder_who_gave_a_number_is_told_by_zns_too(calendar):
    container = _container(calendar, at(2026, 4, 15, 10), [HOLDER, LEADER],
                           zns_templates='{"official_alert": "301234"}')  # fmt: skip
    workers.run_timer(container)
    email, zns = container.store.outbox
    assert email.emails == (HOLDER.email, LEADER.email) and email.phone is None
    assert zns.phone == HOLDER.zns_phone and zns.emails == () and zns.sms_text is None
    assert zns.zns_template == "official_alert" and zns.zns_data["code"] == CODE
    assert zns.zns_data["deadline"] == "09:00 16/03/2026"


@pytest.mark.parametrize(
    "officials",
    [
        pytest.param([], id="holder-not-in-directory"),
        pytest.param(
            [HOLDER.model_copy(update={"email": None, "zns_phone": None}), LEADER],
            id="holder-without-address",
        ),
    ],
)
def test_a_holder_unknown_or_without_address_falls_back_to_the_mailbox(calendar, officials):
    container = _container(calendar, at(2026, 4, 15, 10), officials)
    workers.run_timer(container)
    [job] = container.store.outbox
    assert job.kind == "overdue" and job.emails == (MAILBOX,)


def _alarm(kind: AlarmKind, holder: str | None, *, leader_too: bool = True) -> FiredAlarm:
    return FiredAlarm(code=CODE, kind=kind, key=f"{kind.value}:0",
                      threshold_at=at(2026, 3, 16, 9), fired_at=at(2026, 3, 16, 9),
                      recipients=(Recipient(HOME, "LANH_DAO", Role.LEADER),),
                      message_vi=f"Hồ sơ {CODE} đã quá hạn hẹn trả (09:00 16/03/2026).",
                      holder=holder, leader_too=leader_too)  # fmt: skip


def test_a_dossier_nobody_holds_goes_to_the_agencies_mailboxes():
    notices = Notices(AGENCIES, officials=MemoryOfficials([HOLDER, LEADER]), official_zns=True)
    [job] = notices.for_alarm(_alarm(AlarmKind.OVERDUE, None))
    assert job.emails == (MAILBOX,) and job.phone is None


def test_due_soon_goes_to_the_holder_alone():
    notices = Notices(AGENCIES, officials=MemoryOfficials([HOLDER, LEADER]))
    [job] = notices.for_alarm(_alarm(AlarmKind.DUE_SOON, HOLDER.id, leader_too=False))
    assert job.emails == (HOLDER.email,)


def test_no_directory_at_all_keeps_todays_mailboxes():
    [job] = Notices(AGENCIES).for_alarm(_alarm(AlarmKind.OVERDUE, HOLDER.id))
    assert job.emails == (MAILBOX,)


LONG_STEP = ("Thẩm định hồ sơ, kiểm tra thực địa, lấy ý kiến các cơ quan có liên quan và trình "
             "phê duyệt phương án bồi thường, hỗ trợ, tái định cư")  # fmt: skip


def test_a_subject_keeps_the_whole_date_when_the_step_name_is_long(calendar):
    procedure = land_procedure()
    steps = list(procedure.steps)
    steps[1] = steps[1].model_copy(update={"name": LONG_STEP})
    procedure = procedure.model_copy(update={"steps": steps})
    # step overdue since 10/3 10:00; the dossier is not yet due soon on 11/3
    container = _container(calendar, at(2026, 3, 11, 9), [HOLDER, LEADER], procedure)
    workers.run_timer(container)
    [job] = container.store.outbox
    assert job.kind == "step_overdue" and len(job.subject) <= subjects.SUBJECT_MAX
    assert job.subject.startswith(f"[motcua] Hồ sơ {CODE}: đã quá hạn bước 'Thẩm định")
    assert job.subject.endswith("… (10:00 10/03/2026)")
    assert LONG_STEP in job.text_vi  # the body keeps the whole name


@pytest.mark.parametrize("room", range(0, 80))
def test_shortening_never_cuts_a_date(room):
    text = "Hồ sơ quá hạn bước 'Thẩm định' từ 10:00 10/03/2026, hẹn trả 16/03/2026 nay chưa xong"
    short = subjects.shorten(text, room)
    assert len(short) <= room
    body = short.removesuffix(subjects.ELLIPSIS)
    assert text.startswith(body)
    for date in subjects.DATE_TEXT.finditer(text):
        # a date is in the subject whole, or not at all
        assert date.end() <= len(body) or date.start() >= len(body.rstrip())


def test_a_subject_with_no_room_for_the_name_still_has_its_head_and_date():
    subject = subjects.email_subject("[motcua] Hồ sơ X:", "tên " * 60, "(10:00 10/03/2026)", 40)
    assert subject == "[motcua] Hồ sơ X: (10:00 10/03/2026)"


def test_a_leader_without_address_is_replaced_by_the_leaders_mailboxes():
    mute = LEADER.model_copy(update={"email": None})
    notices = Notices(AGENCIES, officials=MemoryOfficials([HOLDER, mute]))
    [job] = notices.for_alarm(_alarm(AlarmKind.OVERDUE, HOLDER.id))
    assert job.emails == (HOLDER.email, MAILBOX)


def test_a_holder_reached_only_by_zns_is_told_by_zns_or_else_at_the_mailbox():
    zns_only = HOLDER.model_copy(update={"email": None})
    alarm = _alarm(AlarmKind.DUE_SOON, HOLDER.id, leader_too=False)
    on = Notices(AGENCIES, officials=MemoryOfficials([zns_only, LEADER]), official_zns=True)
    [zns] = on.for_alarm(alarm)
    assert zns.phone == HOLDER.zns_phone and zns.emails == ()
    off = Notices(AGENCIES, officials=MemoryOfficials([zns_only, LEADER]))
    [email] = off.for_alarm(alarm)
    assert email.emails == (MAILBOX,) and email.phone is None


def test_a_leader_holding_the_dossier_is_told_alone():
    notices = Notices(AGENCIES, officials=MemoryOfficials([HOLDER, LEADER]))
    [job] = notices.for_alarm(_alarm(AlarmKind.OVERDUE, LEADER.id))
    assert job.emails == (LEADER.email,)


def test_the_directory_is_the_named_file_else_the_data_folders_else_the_samples_locally(tmp_path):
    named = tmp_path / "named.yaml"
    named.write_text('officials: {x: {agency: "000.00.41.H19", unit: A, role: leader, name: X, '
                     "email: x@example.vn}}", encoding="utf-8")  # fmt: skip
    chosen = Container(Settings(officials_file=named, data_dir=tmp_path)).officials
    assert chosen.get("x").email == "x@example.vn"
    assert Container(Settings(data_dir=tmp_path)).officials.get("x") is None  # none: mailboxes
    (tmp_path / "officials.yaml").write_text(named.read_text(), encoding="utf-8")
    assert Container(Settings(data_dir=tmp_path)).officials.get("x") is not None
    local = Container(Settings(stage="local")).officials
    assert local.get("ward_leader").email == "bao.pq@phuong.example.vn"
