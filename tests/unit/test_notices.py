"""What each notice tells the applicant (or the officials), from a built dossier and entry:
what to do, by when, where, and the lookup reference; SMS unaccented, within three parts, and
never to a landline."""

from dataclasses import replace
from datetime import datetime

import pytest

from chalicelib.adapters.catalog_files import load_agencies
from chalicelib.domain import notifications
from chalicelib.domain.agencies import Agency, AgencyRegistry
from chalicelib.domain.alarms import AlarmKind, FiredAlarm, Recipient
from chalicelib.domain.dossier import Action, Applicant, Dossier, HistoryEntry
from chalicelib.domain.sms import encoding_of, is_landline, sms_parts
from chalicelib.domain.statuses import Channel, DossierStatus, Role
from chalicelib.services.outbox import Notices
from tests.unit.builders import HOME, at, land_procedure, new_dossier

PROCEDURE = land_procedure(fees=[{"name": "Lệ phí", "amount_vnd": 50000}])
CODE = "000.00.32.H19-260302-0001"
LOOKUP = "https://dichvucong.example.vn/tra-cuu?ma={code}"
NOTICES = Notices(load_agencies(), lookup_url=LOOKUP)
MOBILE = "84912345678"
LANDLINE = "842513822222"  # Đồng Nai, area code 251


@pytest.fixture
def dossier(calendar) -> Dossier:
    opened = new_dossier(PROCEDURE, calendar, at(2026, 3, 2, 9), code=CODE)
    return opened.dossier.model_copy(
        update={"applicant": Applicant(name="Lan", phone=MOBILE, email="lan@example.vn")}
    )


def entry(action: Action, when: datetime | None = None, **fields) -> HistoryEntry:
    return HistoryEntry(
        version=5,
        at=when or at(2026, 3, 4, 9),
        action=action,
        actor_id="x",
        actor_name="Cán bộ",
        actor_roles=(Role.SPECIALIST,),
        actor_agency=HOME,
        actor_unit="PHONG_DD",
        from_status=DossierStatus.PROCESSING,
        to_status=fields.pop("to_status", DossierStatus.PROCESSING),
        from_step=1,
        to_step=1,
        holder=fields.pop("holder", {"agency": HOME, "unit": "PHONG_DD"}),
        **fields,
    )


def notices(dossier: Dossier, *entries: HistoryEntry):
    jobs = [job for e in entries for job in NOTICES.for_entry(dossier, e, PROCEDURE)]
    for job in jobs:
        if job.sms_text is not None:
            assert encoding_of(job.sms_text) == "GSM-7"
            assert job.sms_parts == sms_parts(job.sms_text).parts <= 3
    return jobs


def counter() -> str:
    return f"Bộ phận Một cửa - {load_agencies().name_of(HOME)}"


def test_the_supplement_notice_says_what_by_when_and_where(dossier):
    at_counter = dossier.model_copy(update={"channel": Channel.IN_PERSON})
    request = entry(
        Action.REQUEST_SUPPLEMENT,
        note="Bản sao trích đo địa chính",
        supplement_due_at=at(2026, 4, 3, 17),
        to_status=DossierStatus.SUPPLEMENT_REQUESTED,
    )
    [job] = notices(at_counter, request)
    assert job.kind == "supplement_requested"
    assert "Bản sao trích đo địa chính" in job.text_vi
    assert "Hạn nộp bổ sung: 03/04/2026" in job.text_vi
    assert f"Nộp bổ sung tại {counter()}" in job.text_vi
    assert f"Tra cứu: {LOOKUP.format(code=CODE)}" in job.text_vi
    assert "Ban sao trich do dia chinh" in job.sms_text


def test_an_online_supplement_is_submitted_on_the_portal_and_a_missing_deadline_is_left_out(
    dossier,
):
    [job] = notices(dossier, entry(Action.REQUEST_SUPPLEMENT, note="Tờ khai"))
    assert "Nộp bổ sung trực tuyến trên Cổng Dịch vụ công." in job.text_vi
    assert "Hạn nộp" not in job.text_vi


def test_the_fees_notice_says_how_much_and_how_to_pay(dossier):
    [asked] = notices(dossier, entry(Action.REQUEST_FEES, amount_vnd=1_500_000))
    assert "1.500.000 đồng" in asked.text_vi
    assert f"nộp trực tuyến trên Cổng Dịch vụ công hoặc tại {counter()}" in asked.text_vi
    [own] = notices(dossier, entry(Action.REQUEST_FEES))
    assert "50.000 đồng" in own.text_vi  # the procedure's own fees when none was stated


def test_the_result_notice_says_where_the_result_is(dossier):
    [paper] = notices(dossier, entry(Action.RESOLVE, to_status=DossierStatus.RESOLVED))
    assert f"Mời ông/bà nhận kết quả tại {counter()}." in paper.text_vi
    electronic = entry(Action.RESOLVE, electronic_result=True, to_status=DossierStatus.RESOLVED)
    [online] = notices(dossier, electronic)
    assert "Kết quả điện tử đã có trên Cổng Dịch vụ công" in online.text_vi
    assert "Ket qua dien tu da co tren Cong Dich vu cong" in online.sms_text
    assert paper.emails == online.emails == ("lan@example.vn",)


def test_stop_and_withdrawal_are_told_by_phone_and_email(dossier):
    stop = entry(Action.STOP, note="Quá hạn bổ sung hồ sơ", to_status=DossierStatus.STOPPED)
    withdraw = entry(Action.WITHDRAW, note="Công dân đề nghị", to_status=DossierStatus.WITHDRAWN)
    stopped, withdrawn = notices(dossier, stop, withdraw)
    assert (stopped.kind, withdrawn.kind) == ("stopped", "withdrawn")
    assert "thông báo dừng xử lý hồ sơ" in stopped.text_vi
    assert "Lý do: Quá hạn bổ sung hồ sơ" in stopped.text_vi
    assert "rut theo de nghi cua ong/ba ngay 04/03/2026" in withdrawn.sms_text
    assert stopped.phone == withdrawn.phone == MOBILE
    assert stopped.emails == withdrawn.emails == ("lan@example.vn",)
    assert stopped.essential and withdrawn.essential


@pytest.mark.parametrize("action", [Action.SUPPLEMENT_RECEIVED, Action.FEES_PAID])
def test_a_resumption_tells_the_new_date_only_when_it_moved(dossier, action):
    moved = dossier.model_copy(update={"due_at": at(2026, 3, 20, 17)})
    [job] = notices(moved, entry(action, previous_due_at=at(2026, 3, 16, 17)))
    assert job.kind == action.value
    assert "Ngày hẹn trả mới: 20/03/2026" in job.text_vi
    assert notices(moved, entry(action)) == []  # the date did not move: nothing to tell


def test_the_apology_says_sorry_the_missed_date_and_the_new_one(dossier):
    extended = dossier.model_copy(
        update={"due_at": at(2026, 3, 27, 17), "original_due_at": at(2026, 3, 16, 17)}
    )
    apology = entry(
        Action.EXTEND_WITH_APOLOGY,
        note="Chờ kết quả xác minh",
        previous_due_at=at(2026, 3, 16, 17),
        original_due_at=at(2026, 3, 16, 17),
    )
    [job] = notices(extended, apology)
    name = load_agencies().name_of(HOME)
    assert job.text_vi.startswith(f"{name} xin lỗi ông/bà vì hồ sơ {CODE}")
    assert "đúng hẹn ngày 16/03/2026" in job.text_vi
    assert "Ngày hẹn trả mới: 27/03/2026" in job.text_vi


@pytest.mark.parametrize(
    ("portal", "sent", "said"),
    [
        (None, "16/03/2026", None),  # no portal date: ours
        (at(2026, 3, 16, 17), "16/03/2026", None),  # the same day
        (at(2026, 3, 18, 17), "18/03/2026", None),  # ours earlier: the portal's promise stands
        (at(2026, 3, 13, 17), "16/03/2026", "thay ngày hẹn 13/03/2026 trên Cổng Dịch vụ công"),
    ],
)
def test_the_receipt_notice_never_promises_later_than_the_portal_without_saying_so(
    dossier, portal, sent, said
):
    ours = dossier.model_copy(update={"due_at": at(2026, 3, 16, 17), "portal_due_at": portal})
    received = entry(Action.RECEIVE, to_status=DossierStatus.RECEIVED)
    [job] = notices(ours, received)
    assert f"Ngày hẹn trả: {sent}" in job.text_vi
    assert ("thay ngày hẹn" in job.text_vi) is (said is not None)
    if said:
        assert said in job.text_vi


def test_without_a_lookup_url_the_code_is_the_reference(dossier):
    [job] = Notices(load_agencies()).for_entry(dossier, entry(Action.REQUEST_FEES), PROCEDURE)
    assert CODE in job.sms_text and "Tra cuu" not in job.sms_text


@pytest.mark.parametrize(
    "phone",
    [LANDLINE, "842438221234", "+84 24 3822 1234", "02513 822 222", "0243.822.1234"],
)
def test_landlines_are_recognised(phone):
    assert is_landline(phone)


@pytest.mark.parametrize(
    "phone", [MOBILE, "84842345678", "0842345678", "+84 32 123 4567", "0912 345 678"]
)
def test_mobiles_are_not_landlines(phone):
    assert not is_landline(phone)


def test_a_landline_is_never_sent_an_sms_and_gets_every_notice_by_email(dossier):
    fixed = dossier.model_copy(
        update={"applicant": Applicant(name="Lan", phone=LANDLINE, email="lan@example.vn")}
    )
    [job] = notices(fixed, entry(Action.REQUEST_FEES))
    assert job.landline and job.sms_text is None and job.sms_parts is None
    assert job.emails == ("lan@example.vn",)  # fees go by SMS only to a mobile
    no_email = fixed.model_copy(update={"applicant": Applicant(name="Lan", phone=LANDLINE)})
    [recorded] = notices(no_email, entry(Action.REQUEST_FEES))
    assert recorded.landline and recorded.sms_text is None and recorded.emails == ()
    [mobile] = notices(dossier, entry(Action.REQUEST_FEES))
    assert not mobile.landline and mobile.sms_text and mobile.emails == ()


def _alarm(kind: AlarmKind, **extra: str) -> FiredAlarm:
    return FiredAlarm(
        code=CODE,
        kind=kind,
        key=f"{kind.value}:1",
        threshold_at=at(2026, 3, 30, 8),
        fired_at=at(2026, 3, 30, 8),
        recipients=(Recipient(HOME, "LANH_DAO", Role.LEADER),),
        message_vi="",
        extra=dict(extra),
    )


def test_the_supplement_reminder_goes_to_the_applicant_with_what_is_missing(dossier):
    waiting = dossier.model_copy(
        update={
            "status": DossierStatus.SUPPLEMENT_REQUESTED,
            "supplement_due_at": at(2026, 4, 3, 17),
        }
    )
    alarm = _alarm(AlarmKind.SUPPLEMENT_REMINDER, **{notifications.MISSING_KEY: "Tờ khai"})
    [job] = NOTICES.for_alarm(alarm, waiting, PROCEDURE)
    assert job.kind == "supplement_reminder" and job.phone == MOBILE
    assert "chờ ông/bà bổ sung: Tờ khai. Hạn nộp bổ sung: 03/04/2026" in job.text_vi
    assert "Cổng Dịch vụ công" in job.text_vi and LOOKUP.format(code=CODE) in job.text_vi
    assert encoding_of(job.sms_text) == "GSM-7" and job.sms_parts <= 3
    bare = NOTICES.for_alarm(_alarm(AlarmKind.SUPPLEMENT_REMINDER), dossier)[0]
    assert "bổ sung. Nộp bổ sung" in bare.text_vi  # no note, no deadline: still a reminder
    assert NOTICES.for_alarm(alarm) == []  # without the dossier there is nobody to remind


@pytest.mark.parametrize(
    ("kind", "words"),
    [
        (AlarmKind.SUPPLEMENT_LAPSED, "dừng xử lý hồ sơ (Mẫu 05)"),
        (AlarmKind.APOLOGY_DUE, "văn bản xin lỗi và hẹn lại ngày trả kết quả (Mẫu 04)"),
    ],
)
def test_officials_are_asked_to_act_on_a_lapsed_supplement_or_a_due_apology(kind, words):
    home = Agency(
        code=HOME,
        name="Sở thử nghiệm",
        level="province",
        units=[{"code": "LANH_DAO", "name": "Lãnh đạo"}],
        digest_recipients=["lanhdao@example.gov.vn"],
    )
    [job] = Notices(AgencyRegistry([home])).for_alarm(_alarm(kind))
    assert job.kind == kind.value and job.phone is None
    assert job.emails == ("lanhdao@example.gov.vn",)
    assert job.text_vi.startswith(f"Hồ sơ {CODE}: ") and words in job.text_vi
    said = replace(_alarm(kind), message_vi="Hồ sơ đã hết hạn bổ sung.")
    [told] = Notices(AgencyRegistry([home])).for_alarm(said)
    assert told.text_vi.startswith("Hồ sơ đã hết hạn bổ sung.\n") and words in told.text_vi
