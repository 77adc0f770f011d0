"""The citizen's lookup page in a real browser (chromium, headless) against a local stack:
the QR code's link opens it with the code filled in, a wrong PIN is told beside its field,
the right one shows the dossier; a form posted without its CSRF token is refused."""

from __future__ import annotations

import contextlib
import io
import urllib.error
import urllib.parse
import urllib.request

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as shown
from selenium.webdriver.support.ui import WebDriverWait

from chalicelib.services.reading import NOT_FOUND_PUBLIC
from chalicelib.web.headers import CONTENT_SECURITY_POLICY
from chalicelib.web.lookup import CODE_MISSING
from devstack import browser, demo, form_scenarios, result_files

pytestmark = pytest.mark.e2e


def _submit(driver, pin: str, code: str | None = None):
    if code is not None:
        field = driver.find_element(By.ID, "ma")
        field.clear()
        field.send_keys(code)
    pin_field = driver.find_element(By.ID, "pin")
    pin_field.clear()
    pin_field.send_keys(pin)
    browser.click_when_settled(driver, By.CSS_SELECTOR, "form.lookup button[type=submit]")


def _wait_for(driver, element_id: str):
    return WebDriverWait(driver, 15).until(shown.visibility_of_element_located((By.ID, element_id)))


def _wrong(pin: str) -> str:
    return pin[:-1] + ("2" if pin[-1] != "2" else "3")


def test_the_qr_link_opens_the_lookup_and_the_right_pin_shows_the_dossier(
    stack, apologised, chromium
):
    code, pin = apologised
    chromium.get(f"{stack.base_url}/tra-cuu?ma={urllib.parse.quote(code)}")
    assert chromium.find_element(By.TAG_NAME, "html").get_attribute("lang") == "vi"
    assert chromium.find_element(By.ID, "ma").get_attribute("value") == code  # prefilled

    _submit(chromium, _wrong(pin))
    beside = _wait_for(chromium, "pin-loi")
    assert beside.text == NOT_FOUND_PUBLIC
    assert chromium.find_element(By.ID, "pin").get_attribute("aria-invalid") == "true"
    assert not chromium.find_elements(By.ID, "tinh-trang")  # nothing of the dossier

    _submit(chromium, pin)
    status = _wait_for(chromium, "tinh-trang")
    assert status.text == "Đang xử lý"
    page = chromium.find_element(By.TAG_NAME, "main").text
    assert code in page
    assert "văn bản xin lỗi" in page and "hẹn lại ngày trả kết quả" in page  # the apology
    assert not chromium.find_elements(By.ID, "pin-loi")
    # htmx (vendored) ran under the CSP and swapped the answers in: nothing was blocked.
    assert chromium.execute_script("return typeof htmx") == "object"
    blocked = [e for e in chromium.get_log("browser") if "Content Security Policy" in e["message"]]
    assert blocked == []


def test_an_electronic_result_is_downloaded_from_the_lookup(stack, chromium):
    with contextlib.redirect_stdout(io.StringIO()):
        code, pin = form_scenarios.counter_receipt_then_apology(demo.Cast.local(stack.base_url))
    result_files.keep_result(code, "Giấy chứng nhận.pdf")
    chromium.get(f"{stack.base_url}/tra-cuu?ma={urllib.parse.quote(code)}")
    _submit(chromium, pin)
    _wait_for(chromium, "tinh-trang")
    link = chromium.find_element(By.PARTIAL_LINK_TEXT, "Giấy chứng nhận.pdf")
    with urllib.request.urlopen(link.get_attribute("href"), timeout=10) as answer:
        assert answer.read() == result_files.SAMPLE_PDF


def test_an_empty_code_is_told_beside_its_field(stack, chromium):
    chromium.get(f"{stack.base_url}/tra-cuu")
    _submit(chromium, "ABCD-EFGH")
    assert _wait_for(chromium, "ma-loi").text == CODE_MISSING


def test_a_malformed_code_is_told_beside_its_field(stack, chromium):
    chromium.get(f"{stack.base_url}/tra-cuu")
    _submit(chromium, "ABCD-EFGH", code="không-phải-mã")
    assert _wait_for(chromium, "ma-loi").text == "Mã hồ sơ không đúng định dạng"


def test_a_post_without_its_csrf_token_is_refused_in_vietnamese(stack, apologised):
    code, pin = apologised
    url = f"{stack.base_url}/tra-cuu"
    token = "A" * 43
    for fields, cookie in (
        ({"ma": code, "pin": pin}, None),  # no token at all
        ({"ma": code, "pin": pin, "csrf_token": token}, None),  # no cookie to match
        ({"ma": code, "pin": pin, "csrf_token": token}, f"motcua-csrf={'B' * 43}"),  # mismatch
    ):
        status, headers, html = browser.post_form(url, fields, cookie)
        assert status == 403, fields
        assert "Biểu mẫu đã hết hạn hoặc không hợp lệ" in html
        assert "Đang xử lý" not in html  # the dossier was not looked up
        assert headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    # The same post with the cookie's token is looked up (the check is the token, nothing else).
    status, _, html = browser.post_form(url, {"ma": code, "pin": pin, "csrf_token": token},
                            f"motcua-csrf={token}")  # fmt: skip
    assert status == 200 and "Đang xử lý" in html


def test_every_page_carries_the_security_headers(stack):
    for path, expected in (("/", 200), ("/tra-cuu", 200), ("/static/khong-co.css", 404)):
        try:
            with urllib.request.urlopen(stack.base_url + path, timeout=10) as answer:
                status, headers, html = answer.status, answer.headers, answer.read().decode()
        except urllib.error.HTTPError as refused:
            status, headers, html = refused.code, refused.headers, refused.read().decode()
        assert status == expected, path
        assert headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY, path
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Content-Type"] == "text/html; charset=utf-8"
        assert '<html lang="vi">' in html
    assert "Không tìm thấy trang" in html  # the 404 page says so, in Vietnamese


def test_the_lookup_pages_have_no_serious_accessibility_violations(stack, apologised, chromium):
    from tests.browser.accessibility import serious_violations

    code, pin = apologised
    chromium.get(f"{stack.base_url}/tra-cuu?ma={urllib.parse.quote(code)}")
    assert serious_violations(chromium) == [], "the form"
    _submit(chromium, _wrong(pin))
    _wait_for(chromium, "pin-loi")
    assert serious_violations(chromium) == [], "a wrong PIN"
    _submit(chromium, pin)
    _wait_for(chromium, "tinh-trang")
    assert serious_violations(chromium) == [], "the dossier"
    chromium.get(f"{stack.base_url}/static/khong-co.css")
    assert serious_violations(chromium) == [], "the error page"
