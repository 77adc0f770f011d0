"""The citizen's rating page in a real browser (chromium, headless) against a local stack: the
invitation's link (from the outbox) opens it, an answer is recorded through the API's use
case and QĐ 766 counts it, opening it again shows the answer chosen and a new one replaces
it; a post without its CSRF token and an answer after the period are refused in Vietnamese;
the lookup offers the page once the dossier is returned."""

from __future__ import annotations

import contextlib
import io
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime, timedelta

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as shown
from selenium.webdriver.support.ui import WebDriverWait

from chalicelib import bootstrap
from chalicelib.clock import FixedClock
from chalicelib.domain.calendar import LOCAL_TZ
from chalicelib.notify.providers.local_outbox import read_outbox
from chalicelib.web.rating import REASONS_MISSING
from devstack import browser, demo, form_scenarios

pytestmark = pytest.mark.e2e


@pytest.fixture
def clock():
    """The stack's clock, fixed for the test and given back after."""
    container = bootstrap.container()
    kept = container.clock
    fixed = FixedClock(datetime.now(LOCAL_TZ).replace(microsecond=0))
    container.clock = fixed
    yield fixed
    container.clock = kept


@pytest.fixture(scope="module")
def cast(stack):
    return demo.Cast.local(stack.base_url)


def _returned(cast) -> str:
    with contextlib.redirect_stdout(io.StringIO()):
        return demo.birth_registration(cast)


def _invitation_path(stack, code: str) -> str:
    """The path of the rating link the invitation carried (by SMS and email)."""
    stack.drain()
    texts = [m["text"] for m in read_outbox(stack.outbox_path)
             if m["key"].startswith(code) and "survey_invitation" in m["key"]]  # fmt: skip
    assert texts, f"no invitation for {code}"
    link = next(w for w in texts[0].split() if "/danh-gia/" in w)
    return urllib.parse.urlparse(link).path


def _counts(cast, month: str) -> tuple[int, int]:
    answer = cast.officials["ward_leader"].get(
        f"/v1/reports/766?agency={demo.WARD}&from={month}&to={month}"
    )
    assert answer.status == 200, answer.body
    return answer.body["counts"]["rated"], answer.body["counts"]["unsatisfied"]


def _dossier(code: str):
    loaded = bootstrap.container().store.load(code)
    assert loaded is not None
    return loaded.dossier


def _wait_for(driver, element_id: str):
    return WebDriverWait(driver, 15).until(shown.visibility_of_element_located((By.ID, element_id)))


def _answer(driver, verdict: str, reasons: tuple[str, ...] = (), comment: str = "") -> None:
    driver.find_element(By.ID, f"hai_long-{verdict}").click()
    for reason in reasons:
        driver.find_element(By.ID, f"ly_do_{reason}").click()
    if comment:
        driver.find_element(By.ID, "y_kien").send_keys(comment)
    browser.click_when_settled(driver, By.CSS_SELECTOR, "form.rating button[type=submit]")


def test_the_invitations_link_rates_and_a_second_answer_replaces_the_first(
    stack, cast, chromium, clock
):
    from tests.browser.accessibility import serious_violations

    code = _returned(cast)
    page = stack.base_url + _invitation_path(stack, code)
    month = clock.now().strftime("%Y-%m")
    before = _counts(cast, month)

    chromium.get(page)
    assert chromium.find_element(By.TAG_NAME, "html").get_attribute("lang") == "vi"
    assert chromium.find_element(By.ID, "ma-ho-so").text == code
    assert "Đăng ký khai sinh" in chromium.find_element(By.TAG_NAME, "main").text
    assert "Nguyễn Thị Lan" not in chromium.page_source  # no personal data
    assert serious_violations(chromium) == [], "the form"

    chromium.find_element(By.ID, "ly_do_official").click()  # a reason, and no verdict
    browser.click_when_settled(chromium, By.CSS_SELECTOR, "form.rating button[type=submit]")
    assert _wait_for(chromium, "hai_long-loi").text
    assert chromium.find_element(By.ID, "ly_do_official").is_selected()  # ticked again
    chromium.find_element(By.ID, "ly_do_official").click()

    _answer(chromium, "khong")  # no reason: told beside the reasons
    assert _wait_for(chromium, "ly_do-loi").text == REASONS_MISSING
    assert chromium.find_element(By.ID, "hai_long-khong").is_selected()  # the choice is kept
    assert serious_violations(chromium) == [], "a missing reason"
    assert _counts(cast, month) == before

    chromium.find_element(By.ID, "ly_do_official").click()
    chromium.find_element(By.ID, "y_kien").send_keys("Phải chờ lâu")
    browser.click_when_settled(chromium, By.CSS_SELECTOR, "form.rating button")
    thanks = _wait_for(chromium, "cam-on").text
    assert "Không hài lòng" in thanks
    until = (clock.now() + timedelta(days=30)).strftime("%d/%m/%Y")
    assert "có thể thay đổi câu trả lời đến" in thanks and until in thanks
    assert serious_violations(chromium) == [], "the thanks"
    assert _counts(cast, month) == (before[0] + 1, before[1] + 1)

    clock.set(clock.now() + timedelta(days=2))
    chromium.get(page)  # opened again: the answer given is chosen
    assert "Không hài lòng" in _wait_for(chromium, "da-danh-gia").text
    assert chromium.find_element(By.ID, "hai_long-khong").is_selected()
    ticked = [r for r in ("access", "procedure", "official", "result", "feedback_handling")
              if chromium.find_element(By.ID, f"ly_do_{r}").is_selected()]  # fmt: skip
    assert ticked == ["official"]  # its reason too
    _answer(chromium, "co")
    assert "Hài lòng" in _wait_for(chromium, "cam-on").text
    assert _counts(cast, month) == (before[0] + 1, before[1])  # replaced, not added
    assert _dossier(code).satisfied is True


def test_a_post_without_its_csrf_token_or_with_a_forged_link_is_refused(stack, cast):
    code = _returned(cast)
    url = stack.base_url + _invitation_path(stack, code)
    answer = {"hai_long": "co"}
    status, _, html = browser.post_form(url, answer)
    assert status == 403 and "Biểu mẫu đã hết hạn hoặc không hợp lệ" in html
    token = "A" * 43
    status, _, html = browser.post_form(
        url, {**answer, "csrf_token": token}, f"motcua-csrf={'B' * 43}"
    )
    assert status == 403
    assert _dossier(code).rated_at is None  # nothing recorded
    forged = url[: -len("AAAA")] + ("AAAA" if not url.endswith("AAAA") else "BBBB")
    status, _, html = browser.post_form(
        forged, {**answer, "csrf_token": token}, f"motcua-csrf={token}"
    )
    assert status == 404 and "Không tìm thấy trang" in html
    status, _, html = browser.post_form(
        url, {**answer, "csrf_token": token}, f"motcua-csrf={token}"
    )
    assert status == 200 and "Cảm ơn ông/bà đã đánh giá" in html  # the token was all it lacked


def test_an_answer_after_the_period_is_refused_with_what_to_do(stack, cast, chromium, clock):
    from tests.browser.accessibility import serious_violations

    code = _returned(cast)
    page = stack.base_url + _invitation_path(stack, code)
    chromium.get(page)
    clock.set(clock.now() + timedelta(days=31))  # the form was open; the period is not
    _answer(chromium, "co")
    closed = _wait_for(chromium, "het-han").text
    assert "Đã hết thời hạn đánh giá hồ sơ này (30 ngày kể từ ngày trả kết quả" in closed
    assert "bộ phận một cửa" in closed  # what to do instead
    assert _dossier(code).rated_at is None
    assert serious_violations(chromium) == [], "the closed period"
    chromium.get(page)  # opened after the period: told so, no form
    assert "Đã hết thời hạn đánh giá" in _wait_for(chromium, "het-han").text
    assert not chromium.find_elements(By.CSS_SELECTOR, "form.rating")


def test_the_lookup_offers_the_rating_page_once_the_result_is_returned(stack, cast, chromium):
    with contextlib.redirect_stdout(io.StringIO()):
        code, pin = form_scenarios.counter_receipt_then_apology(cast)
    o = cast.officials
    demo._applied(o["finance_specialist"].act(code, "forward"))
    demo._applied(o["finance_leader"].act(code, "resolve"))

    def look_up() -> None:
        chromium.get(f"{stack.base_url}/tra-cuu?ma={urllib.parse.quote(code)}")
        chromium.find_element(By.ID, "pin").send_keys(pin)
        browser.click_when_settled(chromium, By.CSS_SELECTOR, "form.lookup button[type=submit]")
        _wait_for(chromium, "tinh-trang")

    look_up()  # resolved, not yet handed over: nothing to rate
    assert not chromium.find_elements(By.ID, "danh-gia")
    demo._applied(o["finance_receiver"].act(code, "return_result"))
    look_up()
    link = chromium.find_element(By.LINK_TEXT, "Đánh giá mức độ hài lòng")
    assert link.get_attribute("href").startswith(f"{stack.base_url}/danh-gia/{code}.")
    browser.click_when_settled(chromium, By.LINK_TEXT, "Đánh giá mức độ hài lòng")
    assert _wait_for(chromium, "ma-ho-so").text == code
