"""The rating page's form (chalicelib/web/rating.py): what a posted form says, the API's own
checks of its body told beside the fields, a closed period told on the page, the current
answer chosen when it opens again. In a browser against a local stack:
tests/browser/test_rating.py."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from chalicelib.domain.calendar import LOCAL_TZ
from chalicelib.domain.ratings import QUESTIONS_VI, RatingReason
from chalicelib.http.body import parse_model
from chalicelib.http.voice_models import RatingForm
from chalicelib.services.errors import Conflict, FieldIssue
from chalicelib.web import rating
from chalicelib.web.site import Site

RETURNED = datetime(2026, 12, 1, 10, 0, tzinfo=LOCAL_TZ)
CODE = "000.00.41.H19-261201-0001"


def questions(current: dict | None = None) -> dict:
    return {
        "code": CODE,
        "procedure": "1.001193",
        "procedure_name": "Đăng ký khai sinh",
        "returned_at": RETURNED.isoformat(),
        "open_until": (RETURNED + timedelta(days=30)).isoformat(),
        "questions": QUESTIONS_VI,
        "reasons": [],
        "current": current,
    }


def checked(body: dict) -> RatingForm:
    return parse_model(RatingForm, body)


class Recorder:
    """The use case, standing in: keeps what it was given."""

    def __init__(self) -> None:
        self.given: list[RatingForm] = []

    def __call__(self, form: RatingForm) -> dict:
        self.given.append(form)
        return {"code": CODE, "satisfied": form.satisfied, "replaced": False,
                "open_until": (RETURNED + timedelta(days=30)).isoformat()}  # fmt: skip


def test_a_form_says_the_verdict_the_ticked_reasons_and_the_comment():
    choice, errors = rating.parse_form(
        {"hai_long": "khong", "ly_do_official": "1", "ly_do_result": "1", "y_kien": " Chờ lâu "}
    )
    assert errors == {}
    assert choice == rating.Choice(False, (RatingReason.OFFICIAL, RatingReason.RESULT), "Chờ lâu")
    assert choice.body() == {"satisfied": False, "reasons": ["official", "result"],
                             "comment": "Chờ lâu"}  # fmt: skip


def test_reasons_ticked_before_choosing_satisfied_are_left_out_not_refused():
    choice, errors = rating.parse_form({"hai_long": "co", "ly_do_access": "1", "y_kien": ""})
    assert errors == {}
    assert choice.body() == {"satisfied": True, "reasons": [], "comment": None}
    checked(choice.body())  # the API's model takes it


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({}, "hai_long", rating.SATISFIED_MISSING),
        ({"hai_long": "có lẽ"}, "hai_long", rating.SATISFIED_MISSING),
        ({"hai_long": "khong", "y_kien": "x"}, "ly_do", rating.REASONS_MISSING),
        ({"hai_long": "khong", "ly_do_khac": "1"}, "ly_do", rating.REASONS_MISSING),
    ],
)
def test_a_missing_answer_is_told_beside_its_question(fields, field, message):
    recorded = Recorder()
    outcome = rating.rate(questions(), fields, checked=checked, record=recorded)
    assert outcome.status == 400 and outcome.errors == {field: message}
    assert recorded.given == []  # nothing reached the use case


@pytest.mark.parametrize(
    ("comment", "message"),
    [
        ("x" * 501, "Không được dài quá 500 ký tự"),
        ("x" * 5000, "Không được dài quá 500 ký tự"),  # cut to what the model reads: still long
        ("a\x00b", "Chứa ký tự điều khiển hoặc ký tự ẩn"),
    ],
)
def test_the_apis_check_of_the_comment_is_told_beside_it_and_the_comment_kept(comment, message):
    recorded = Recorder()
    fields = {"hai_long": "co", "y_kien": comment}
    outcome = rating.rate(questions(), fields, checked=checked, record=recorded)
    assert outcome.status == 400 and outcome.errors == {"y_kien": message}
    assert recorded.given == [] and outcome.choice.comment.startswith(comment[:500])


def _ticked(html: str) -> set[str]:
    import re

    return set(re.findall(r'<input type="checkbox" id="ly_do_(\w+)"[^>]* checked>', html))


@pytest.mark.parametrize(
    "fields",
    [
        {"ly_do_official": "1", "ly_do_result": "1"},  # the verdict left out: the page's check
        {"hai_long": "khong", "ly_do_official": "1", "ly_do_result": "1", "y_kien": "a\x00b"},
    ],  # the API model's check of the comment
)
def test_the_page_shown_again_after_an_error_ticks_the_reasons_chosen(fields):
    outcome = rating.rate(questions(), fields, checked=checked, record=Recorder())
    assert outcome.status == 400 and outcome.recorded is None
    html = rating.render_rating(Site(), "t" * 43, CODE + ".mac", outcome)
    assert _ticked(html) == {"official", "result"}
    assert ('id="hai_long-khong" name="hai_long" value="khong" checked' in html) is (
        "hai_long" in fields
    )


def test_an_answer_goes_to_the_use_case_as_the_apis_body():
    recorded = Recorder()
    fields = {"hai_long": "khong", "ly_do_procedure": "1", "y_kien": "Nhiều giấy tờ"}
    outcome = rating.rate(questions(), fields, checked=checked, record=recorded)
    assert outcome.status == 200 and outcome.errors == {} and outcome.recorded
    assert recorded.given == [RatingForm(satisfied=False, reasons=[RatingReason.PROCEDURE],
                                         comment="Nhiều giấy tờ")]  # fmt: skip


def test_a_closed_period_is_told_with_the_use_cases_words():
    closed = "Đã hết thời hạn đánh giá hồ sơ này (30 ngày)"

    def record(form: RatingForm) -> dict:
        raise Conflict("ended", errors=[FieldIssue("rated_at", "ended", closed)])

    outcome = rating.rate(questions(), {"hai_long": "co"}, checked=checked, record=record)
    assert outcome.status == 409 and outcome.closed == closed and outcome.recorded is None


def test_the_page_opens_with_the_current_answer_chosen_while_the_period_is_open():
    current = {"satisfied": False, "rated_at": (RETURNED + timedelta(days=1)).isoformat()}
    opened = rating.shown(questions(current), RETURNED + timedelta(days=2), days=30)
    assert opened.closed is None and opened.choice.satisfied is False
    late = rating.shown(questions(current), RETURNED + timedelta(days=31), days=30)
    assert late.closed == (
        "Đã hết thời hạn đánh giá hồ sơ này (30 ngày kể từ ngày trả kết quả 01/12/2026)"
    )
    not_returned = {**questions(), "returned_at": None, "open_until": None}
    assert rating.shown(not_returned, RETURNED, days=30).closed == (
        "Hồ sơ chưa trả kết quả nên chưa thể đánh giá"
    )


def test_the_page_opened_again_ticks_the_recorded_reasons():
    current = {"satisfied": False, "rated_at": (RETURNED + timedelta(days=1)).isoformat(),
               "reasons": ["official", "result"]}  # fmt: skip
    opened = rating.shown(questions(current), RETURNED + timedelta(days=2), days=30)
    assert opened.choice.reasons == (RatingReason.OFFICIAL, RatingReason.RESULT)
    html = rating.render_rating(Site(), "t" * 43, CODE + ".mac", opened)
    assert _ticked(html) == {"official", "result"}
    assert 'id="hai_long-khong" name="hai_long" value="khong" checked' in html
    # An answer recorded before its reasons were kept: the verdict alone is chosen.
    older = {"satisfied": False, "rated_at": current["rated_at"]}
    opened = rating.shown(questions(older), RETURNED + timedelta(days=2), days=30)
    assert opened.choice.satisfied is False and opened.choice.reasons == ()


def test_the_page_shows_no_personal_data_and_escapes_what_was_typed():
    outcome = rating.Outcome(questions=questions(), choice=rating.Choice(comment="<b>x</b>"))
    outcome.errors = {"y_kien": "Không được dài quá 500 ký tự"}
    html = rating.render_rating(Site("/api", secure=True), "t" * 43, CODE + ".mac", outcome)
    assert CODE in html and "Đăng ký khai sinh" in html
    assert "&lt;b&gt;x&lt;/b&gt;" in html and "<b>x</b>" not in html
    assert f'action="/api/danh-gia/{CODE}.mac"' in html
    assert 'aria-describedby="y_kien-loi"' in html and 'id="y_kien-loi"' in html
    for reason in RatingReason:
        assert f'name="ly_do_{reason.value}"' in html and reason.label_vi in html
    thanked = rating.Outcome(questions=questions(), recorded={
        "satisfied": True, "open_until": (RETURNED + timedelta(days=30)).isoformat()})  # fmt: skip
    html = rating.render_rating(Site(), "t" * 43, CODE + ".mac", thanked)
    assert "Cảm ơn ông/bà đã đánh giá" in html and "31/12/2026" in html
    assert "<form" not in html
