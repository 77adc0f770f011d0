from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.messages import (
    DEFAULT_TEMPLATES,
    MessageTemplate,
    Milestone,
    Placeholder,
    ValueKind,
    format_vnd,
    render,
    render_template,
    result_where,
    submit_where,
    validate_templates,
    worst_case_septets,
    worst_case_sms_parts,
)
from chalicelib.domain.sms import encoding_of, septets, sms_parts, unaccent

ICT = timezone(timedelta(hours=7))
CODE = "000.00.32.H19-260212-0001"
APPOINTMENT = datetime(2026, 2, 24, 17, 0, tzinfo=ICT)


def test_received_sms_is_the_production_text_in_one_part():
    message = render(Milestone.RECEIVED, {"code": CODE, "appointment": APPOINTMENT})
    assert message.text_vi == (
        "Hồ sơ 000.00.32.H19-260212-0001 đã được tiếp nhận. Ngày hẹn trả: 24/02/2026"
    )
    assert message.sms_text == (
        "Ho so 000.00.32.H19-260212-0001 da duoc tiep nhan. Ngay hen tra: 24/02/2026"
    )
    assert message.sms_parts == 1
    assert message.template_id == "received.v4"
    assert message.params == {"code": CODE, "appointment": "24/02/2026"}


def test_dates_are_shown_in_local_time():
    # 17:30 UTC on 23 February is 00:30 on 24 February in Vietnam.
    late = datetime(2026, 2, 23, 17, 30, tzinfo=UTC)
    message = render("received", {"code": CODE, "appointment": late})
    assert message.sms_text.endswith("Ngay hen tra: 24/02/2026")
    timed = render("received", {"code": CODE, "appointment": late}, show_time=True)
    assert timed.text_vi.endswith("Ngày hẹn trả: 24/02/2026 00:30")


def test_plain_date_is_accepted_without_time_only():
    message = render("received", {"code": CODE, "appointment": date(2026, 2, 24)})
    assert message.sms_text.endswith("24/02/2026")
    with pytest.raises(InvalidInput) as caught:
        render("received", {"code": CODE, "appointment": date(2026, 2, 24)}, show_time=True)
    assert caught.value.field == "appointment"


def test_naive_datetime_is_refused():
    with pytest.raises(InvalidInput) as caught:
        render("received", {"code": CODE, "appointment": datetime(2026, 2, 24, 17)})
    assert caught.value.field == "appointment"


COUNTER = "Bộ phận Một cửa - UBND xã Phú Hòa"
LOOKUP = "https://dichvucong.dongnai.gov.vn/tra-cuu?ma=000.00.32.H19-260212-0001"


def test_supplement_request_says_what_by_when_and_where():
    message = render(
        Milestone.SUPPLEMENT_REQUESTED,
        {
            "code": CODE,
            "missing": "Bản sao  giấy chứng nhận\nquyền sử dụng đất",
            "supplement_by": APPOINTMENT,
            "where": submit_where(False, COUNTER),
            "lookup": LOOKUP,
        },
    )
    assert message.text_vi == (
        "Hồ sơ 000.00.32.H19-260212-0001 cần bổ sung: Bản sao giấy chứng nhận quyền sử dụng "
        "đất. Hạn nộp bổ sung: 24/02/2026. Nộp bổ sung tại Bộ phận Một cửa - UBND xã Phú Hòa. "
        f"Tra cứu: {LOOKUP}"
    )
    assert message.sms_text == unaccent(message.text_vi)
    assert message.sms_parts == 2


def test_supplement_request_without_a_deadline_or_link_leaves_them_out():
    message = render(
        Milestone.SUPPLEMENT_REQUESTED,
        {"code": CODE, "missing": "Tờ khai", "where": submit_where(True, COUNTER)},
    )
    assert message.sms_text == (
        "Ho so 000.00.32.H19-260212-0001 can bo sung: To khai. "
        "Nop bo sung truc tuyen tren Cong Dich vu cong."
    )
    assert "supplement_by" not in message.params and "lookup" not in message.params


def test_supplement_reminder_and_resumptions():
    reminder = render(
        Milestone.SUPPLEMENT_REMINDER,
        {"code": CODE, "supplement_by": APPOINTMENT, "where": submit_where(False, COUNTER)},
    )
    assert reminder.sms_text == (
        "Nhac: ho so 000.00.32.H19-260212-0001 dang cho ong/ba bo sung. Han nop bo sung: "
        "24/02/2026. Nop bo sung tai Bo phan Mot cua - UBND xa Phu Hoa. Qua han, ho so co the "
        "bi dung xu ly."
    )
    for milestone in (Milestone.SUPPLEMENT_RECEIVED, Milestone.FEES_PAID):
        resumed = render(milestone, {"code": CODE, "appointment": APPOINTMENT, "lookup": LOOKUP})
        assert "tiep tuc duoc giai quyet. Ngay hen tra moi: 24/02/2026. Tra cuu: " in (
            resumed.sms_text
        )


def test_stop_and_withdrawal_are_told():
    stopped = render(
        Milestone.STOPPED,
        {"code": CODE, "agency": "UBND xã Phú Hòa", "reason": "Quá hạn bổ sung hồ sơ"},
    )
    assert stopped.text_vi == (
        "UBND xã Phú Hòa thông báo dừng xử lý hồ sơ 000.00.32.H19-260212-0001. "
        "Lý do: Quá hạn bổ sung hồ sơ"
    )
    withdrawn = render(Milestone.WITHDRAWN, {"code": CODE, "withdrawn_at": APPOINTMENT})
    assert withdrawn.sms_text == (
        "Ho so 000.00.32.H19-260212-0001 da duoc rut theo de nghi cua ong/ba ngay 24/02/2026."
    )


def test_optional_segments_count_in_the_worst_case():
    template = DEFAULT_TEMPLATES[Milestone.SUPPLEMENT_REQUESTED]
    longest = {
        "code": "X" * 40,
        "missing": "y" * 400,
        "supplement_by": APPOINTMENT,
        "where": "z" * 400,
        "lookup": "https://e.vn/" + "a" * 77,
    }
    message = render_template(template, longest, show_time=True)
    assert septets(message.sms_text) <= worst_case_septets(template)
    assert message.sms_parts == worst_case_sms_parts(template) == 3


@pytest.mark.parametrize("segment", ["no slot", "{} twice {}", "{x} {}", "a } {}", "{ {}"])
def test_a_segment_holds_one_slot_and_no_other_brace(segment):
    with pytest.raises(ValueError):
        Placeholder(kind=ValueKind.LINK, max_length=90, segment=segment)


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        (0, "0 đồng"),
        (500, "500 đồng"),
        (1000, "1.000 đồng"),
        (1_500_000, "1.500.000 đồng"),
        (Decimal("25000"), "25.000 đồng"),
        (1_234_567_890, "1.234.567.890 đồng"),
    ],
)
def test_fees_amount_is_formatted_the_vietnamese_way(amount, shown):
    message = render("fees_requested", {"code": CODE, "amount": amount, "place": COUNTER})
    assert f"nghĩa vụ tài chính: {shown}." in message.text_vi
    assert f"nghia vu tai chinh: {unaccent(shown)}." in message.sms_text


def test_fees_message_says_how_much_and_how_to_pay():
    message = render(
        "fees_requested", {"code": CODE, "amount": 1_500_000, "place": COUNTER, "lookup": LOOKUP}
    )
    assert message.sms_text == (
        "Ho so 000.00.32.H19-260212-0001 can thuc hien nghia vu tai chinh: 1.500.000 dong. "
        "Ong/ba nop truc tuyen tren Cong Dich vu cong hoac tai Bo phan Mot cua - UBND xa Phu "
        "Hoa. Ket qua duoc tra sau khi hoan thanh nghia vu tai chinh. "
        f"Tra cuu: {LOOKUP}"
    )
    assert message.sms_parts == 2


@pytest.mark.parametrize("amount", [-1, 1.5, 1500.0, True, "1500000", Decimal("1.5")])
def test_bad_amounts_are_refused(amount):
    with pytest.raises(InvalidInput) as caught:
        render("fees_requested", {"code": CODE, "amount": amount, "place": COUNTER})
    assert caught.value.field == "amount"


def test_format_vnd():
    assert format_vnd(1_500_000) == "1.500.000 đồng"


def test_result_ready_returned_refused_and_survey():
    place = "Trung tâm Phục vụ hành chính công"
    ready = render("result_ready", {"code": CODE, "where": result_where(False, place)})
    assert ready.sms_text == (
        "Ho so 000.00.32.H19-260212-0001 da co ket qua. "
        "Moi ong/ba nhan ket qua tai Trung tam Phuc vu hanh chinh cong."
    )
    online = render(
        "result_ready", {"code": CODE, "where": result_where(True, place), "lookup": LOOKUP}
    )
    assert online.text_vi == (
        "Hồ sơ 000.00.32.H19-260212-0001 đã có kết quả. Kết quả điện tử đã có trên Cổng Dịch "
        "vụ công; bản giấy (nếu có) nhận tại Trung tâm Phục vụ hành chính công. "
        f"Tra cứu: {LOOKUP}"
    )
    returned = render("result_returned", {"code": CODE, "returned_at": APPOINTMENT})
    assert returned.text_vi == (
        "Hồ sơ 000.00.32.H19-260212-0001 đã được trả kết quả ngày 24/02/2026. "
        "Cảm ơn ông/bà đã sử dụng dịch vụ công."
    )
    refused = render("refused", {"code": CODE, "reason": "Hồ sơ không thuộc thẩm quyền"})
    assert refused.sms_text == (
        "Ho so 000.00.32.H19-260212-0001 khong duoc tiep nhan. Ly do: Ho so khong thuoc tham quyen"
    )
    survey = render("survey_invitation", {"code": CODE, "link": "https://dvc.dongnai.gov.vn/ks/a1"})
    assert survey.sms_text == (
        "Moi ong/ba danh gia muc do hai long ve viec giai quyet ho so "
        "000.00.32.H19-260212-0001 tai https://dvc.dongnai.gov.vn/ks/a1"
    )
    assert [m.sms_parts for m in (ready, returned, refused, survey)] == [1, 1, 1, 1]


def test_overdue_apology_gives_old_and_new_dates():
    message = render(
        Milestone.OVERDUE_APOLOGY,
        {
            "agency": "UBND xã Trảng Bom",
            "code": CODE,
            "old_appointment": APPOINTMENT,
            "reason": "cần xác minh nguồn gốc đất",
            "new_appointment": datetime(2026, 3, 3, 10, 0, tzinfo=UTC),
        },
    )
    assert message.text_vi == (
        "UBND xã Trảng Bom xin lỗi ông/bà vì hồ sơ 000.00.32.H19-260212-0001 chưa trả kết quả "
        "đúng hẹn ngày 24/02/2026. Lý do: cần xác minh nguồn gốc đất. "
        "Ngày hẹn trả mới: 03/03/2026"
    )
    assert message.sms_text == unaccent(message.text_vi)
    assert message.sms_parts == 2


def test_long_reason_is_cut_at_a_word_with_ellipsis():
    reason = "Thiếu giấy tờ chứng minh nguồn gốc đất hợp pháp " * 20
    message = render("refused", {"code": CODE, "reason": reason})
    cut = message.params["reason"]
    assert len(cut) <= 300
    assert cut.endswith("...")
    assert reason.startswith(cut[:-3])
    assert reason[len(cut) - 3] == " "  # cut between words
    assert message.sms_text == unaccent(message.text_vi)
    assert message.sms_parts == 3


def test_reason_full_of_expensive_characters_stays_within_its_septets():
    # '…' becomes three septets and '€' two: the SMS side is cut again, to the same bound.
    for reason in ("…" * 300, "€" * 300, "[x]" * 100):
        message = render("refused", {"code": CODE, "reason": reason})
        assert message.sms_parts <= 3
        assert encoding_of(message.sms_text) == "GSM-7"


def test_empty_reason_is_refused():
    with pytest.raises(InvalidInput) as caught:
        render("refused", {"code": CODE, "reason": "  \n "})
    assert caught.value.field == "reason"


def test_missing_and_unknown_placeholders_name_the_field():
    with pytest.raises(InvalidInput) as caught:
        render("received", {"code": CODE})
    assert caught.value.field == "appointment"
    with pytest.raises(InvalidInput) as caught:
        render("received", {"code": CODE, "appointment": None})
    assert caught.value.field == "appointment"
    with pytest.raises(InvalidInput) as caught:
        render("received", {"code": CODE, "appointment": APPOINTMENT, "name": "An"})
    assert caught.value.field == "name"


def test_unknown_milestone_is_refused():
    with pytest.raises(InvalidInput) as caught:
        render("approved", {})
    assert caught.value.field == "milestone"


@pytest.mark.parametrize(
    ("name", "value"),
    [("code", "000 00"), ("code", "x" * 41), ("code", 12), ("code", "hồsơ")],
)
def test_codes_are_never_cut(name, value):
    with pytest.raises(InvalidInput) as caught:
        render("received", {"code": CODE, "appointment": APPOINTMENT, name: value})
    assert caught.value.field == name


@pytest.mark.parametrize(
    "link", ["ftp://x.vn", "https://x.vn/a b", "https://x.vn/" + "a" * 100, "https://x.vn/`"]
)
def test_bad_links_are_refused(link):
    with pytest.raises(InvalidInput) as caught:
        render("survey_invitation", {"code": CODE, "link": link})
    assert caught.value.field == "link"


def test_link_with_extension_characters_counts_its_septets():
    link = "https://x.vn/" + "~" * 44  # 101 septets in 57 characters
    with pytest.raises(InvalidInput):
        render("survey_invitation", {"code": CODE, "link": link})


# -- templates ------------------------------------------------------------------------------


def test_default_templates_cover_every_milestone_within_three_parts():
    assert set(DEFAULT_TEMPLATES) == set(Milestone)
    assert validate_templates(DEFAULT_TEMPLATES) == dict(DEFAULT_TEMPLATES)
    assert validate_templates(DEFAULT_TEMPLATES.values(), max_parts=3)
    for template in DEFAULT_TEMPLATES.values():
        assert worst_case_sms_parts(template) <= 3
        assert encoding_of(template.text_vi) == "UCS-2"  # written with diacritics


def test_worst_case_of_the_received_template():
    template = DEFAULT_TEMPLATES[Milestone.RECEIVED]
    # 40 for the code, 16 for the date, 40 of fixed text; 11 and 90 for the lookup link,
    # when there is one (without it, the production text in one part); 40 and 16 for the
    # portal's appointment, when ours replaces a different one; 14 and 9 for the receipt PIN.
    assert worst_case_septets(template) == 96 + 11 + 90 + 40 + 16 + 14 + 9
    assert worst_case_sms_parts(template) == 2


def test_the_receipt_notice_carries_the_pin_unaccented_and_within_one_part():
    values = {"code": CODE, "appointment": APPOINTMENT, "pin": "ABCD-EFGH"}
    message = render(Milestone.RECEIVED, values)
    assert message.sms_text.endswith(". Ma tra cuu: ABCD-EFGH")
    assert message.sms_parts == 1 and message.params["pin"] == "ABCD-EFGH"
    assert "Mã tra cứu: ABCD-EFGH" in message.text_vi
    with pytest.raises(InvalidInput):  # a PIN is a code: never cut, never free text
        render(Milestone.RECEIVED, {**values, "pin": "ABCD-EFGH-X"})


def _template(max_length: int, text: str = "Lý do: {reason}") -> MessageTemplate:
    return MessageTemplate(
        id="test.v1",
        milestone=Milestone.REFUSED,
        text_vi=text,
        placeholders={"reason": Placeholder(kind=ValueKind.TEXT, max_length=max_length)},
    )


def test_worst_case_bound_at_the_edges():
    # "Ly do: " is 7 septets.
    assert worst_case_sms_parts(_template(153)) == 1  # 160
    assert worst_case_sms_parts(_template(154)) == 2  # 161
    assert worst_case_sms_parts(_template(297)) == 2  # 304 = 2 x 152
    assert worst_case_sms_parts(_template(298)) == 3  # an escape may waste a septet per part
    assert worst_case_sms_parts(_template(449)) == 3  # 456
    assert worst_case_sms_parts(_template(450)) == 4


def test_validate_templates_refuses_a_template_that_could_exceed_the_budget():
    with pytest.raises(InvalidInput, match=r"test\.v1 could need 4 SMS parts") as caught:
        validate_templates([_template(450)])
    assert caught.value.field == "test.v1"
    validate_templates([_template(449)])
    with pytest.raises(InvalidInput):
        validate_templates([_template(200)], max_parts=1)


def test_validate_templates_refuses_duplicates():
    with pytest.raises(InvalidInput, match="already has"):
        validate_templates([_template(10), _template(10).model_copy(update={"id": "other.v1"})])
    with pytest.raises(InvalidInput, match="used twice"):
        validate_templates(
            [_template(10), _template(10).model_copy(update={"milestone": Milestone.RECEIVED})]
        )


@pytest.mark.parametrize(
    ("text", "placeholders"),
    [
        ("Lý do: {reason} {other}", {"reason": 10}),  # undeclared
        ("Lý do", {"reason": 10}),  # declared, unused
        ("Lý do: {reason!r}", {"reason": 10}),
        ("Lý do: {reason:>10}", {"reason": 10}),
        ("Lý do: {0}", {"0": 10}),
        ("Lý do: {reason", {"reason": 10}),
        ("Lý do: {reason}", {"reason": 3}),  # no room beside '...'
    ],
)
def test_malformed_templates_are_refused(text, placeholders):
    with pytest.raises(ValidationError):
        MessageTemplate(
            id="bad.v1",
            milestone=Milestone.REFUSED,
            text_vi=text,
            placeholders={
                k: Placeholder(kind=ValueKind.TEXT, max_length=v) for k, v in placeholders.items()
            },
        )


def test_custom_template_set_and_literal_braces():
    template = _template(20, "{{Một cửa}} Lý do: {reason}")
    message = render_template(template, {"reason": "đủ"})
    assert message.text_vi == "{Một cửa} Lý do: đủ"
    assert message.sms_text == "{Mot cua} Ly do: du"
    assert (
        render("refused", {"reason": "x"}, templates={Milestone.REFUSED: template}).sms_parts == 1
    )
    with pytest.raises(InvalidInput):
        render("received", {}, templates={Milestone.REFUSED: template})


# -- properties -----------------------------------------------------------------------------

free_text = st.text(min_size=1, max_size=600).filter(lambda s: s.strip())


@settings(max_examples=200)
@given(free_text, free_text, free_text)
def test_any_apology_stays_within_its_worst_case(agency, reason, _unused):
    template = DEFAULT_TEMPLATES[Milestone.OVERDUE_APOLOGY]
    try:
        message = render_template(
            template,
            {
                "agency": agency,
                "code": CODE,
                "old_appointment": APPOINTMENT,
                "reason": reason,
                "new_appointment": APPOINTMENT,
            },
            show_time=True,
        )
    except InvalidInput:
        return  # e.g. a value of control characters only
    assert encoding_of(message.sms_text) == "GSM-7"
    assert sms_parts(message.sms_text).parts == message.sms_parts
    assert message.sms_parts <= worst_case_sms_parts(template) <= 3
    assert len(message.params["reason"]) <= 160
    assert len(message.params["agency"]) <= 80


@given(st.text(alphabet="aă€[ đ…", min_size=1, max_size=500))
def test_refusal_with_any_reason_stays_within_three_parts(reason):
    try:
        message = render("refused", {"code": CODE, "reason": reason})
    except InvalidInput:
        return
    assert message.sms_parts == sms_parts(message.sms_text).parts <= 3
