"""The counter's pages in a real browser (chromium, headless) against a local stack: a dossier
received in person through to its Mẫu 01 (the code and the PIN printed), a form with bad
fields told beside them and nothing received, a post without its CSRF token refused, and an
online dossier waiting in status 1 received from the counter's list."""

from __future__ import annotations

import contextlib
import io
import urllib.error
import urllib.parse
import urllib.request

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as shown
from selenium.webdriver.support.ui import Select, WebDriverWait

from chalicelib import bootstrap
from chalicelib.http.requests import counter_client
from chalicelib.services.intake import receipt_id_for
from chalicelib.web import counter_intake as ci
from devstack import browser, demo, form_scenarios
from tests.browser.accessibility import serious_violations

pytestmark = pytest.mark.e2e

RECEIVER = "ward_receiver"


@pytest.fixture
def receiver(stack, chromium):
    browser.sign_in(chromium, stack.base_url, demo.actor(RECEIVER))
    return chromium


def _wait_for(driver, element_id: str, timeout: float = 20):
    return WebDriverWait(driver, timeout).until(
        shown.visibility_of_element_located((By.ID, element_id))
    )


def _type(driver, element_id: str, text: str) -> None:
    field = driver.find_element(By.ID, element_id)
    field.clear()
    field.send_keys(text)


def _pick_birth_registration(driver, base_url: str) -> None:
    """Search the catalog as the receiver types (htmx), then pick the procedure."""
    driver.get(f"{base_url}/quay/tiep-nhan")
    _type(driver, ci.SEARCH, "khai sinh")
    # The list is swapped after each key (htmx): the link may go stale under the click.
    browser.click_when_settled(driver, By.PARTIAL_LINK_TEXT, "Đăng ký khai sinh")
    assert "1.001193" in driver.find_element(By.ID, "thu-tuc-ten").text


def _receipt_of(reference: str) -> object:
    c = bootstrap.container()
    agency = demo.actor(RECEIVER).agency
    return c.store.get_receipt(receipt_id_for(f"counter:{agency}", reference))


def _receive(driver, base_url: str, name: str, id_number: str) -> tuple[str, str]:
    """A birth registration received at the counter through the pages: (code, PIN)."""
    _pick_birth_registration(driver, base_url)
    _type(driver, ci.NAME, name)
    _type(driver, ci.ID_NUMBER, id_number)
    _type(driver, ci.PHONE, "0912 345 679")
    _type(driver, ci.SUMMARY, "Đăng ký khai sinh cho con Võ Gia Bảo")
    driver.find_element(By.ID, f"{ci.COMPONENT}0").click()
    driver.find_element(By.ID, f"{ci.COMPONENT}1").click()
    browser.click_when_settled(driver, By.CSS_SELECTOR, f"button[value='{ci.CHECK}']")

    appointment = _wait_for(driver, "ngay-hen").text
    assert "ngày" in appointment  # the appointment date, seen before confirming
    assert name in driver.find_element(By.TAG_NAME, "main").text
    browser.click_when_settled(driver, By.ID, "xac-nhan")
    return _wait_for(driver, "ma-ho-so").text, driver.find_element(By.ID, "ma-pin").text


def test_a_dossier_received_at_the_counter_prints_its_code_and_pin_on_mau_01(stack, receiver):
    from pypdf import PdfReader

    driver = receiver
    _pick_birth_registration(driver, stack.base_url)
    assert serious_violations(driver) == [], "the intake form"
    code, pin = _receive(driver, stack.base_url, "Võ Thị Hồng Nhung", "075190004321")
    assert code.startswith(demo.WARD + "-") and len(pin) == 9
    assert driver.find_element(By.ID, "ngay-hen").text
    assert serious_violations(driver) == [], "the receipt"

    href = driver.find_element(By.ID, "in-mau-01").get_attribute("href")
    request = urllib.request.Request(href, headers={"Cookie": browser.cookie_header(driver)})
    with urllib.request.urlopen(request, timeout=30) as answer:  # 303 to the file's link
        pdf = answer.read()
    text = "".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages)
    assert code in text and pin in text


def test_a_document_stored_with_the_applicants_earlier_dossier_is_reused(stack, receiver):
    """QĐ 766 4.3 at the counter: the birth certificate scanned for the applicant's earlier
    dossier is taken as this one's component instead of being scanned again."""
    id_number = "075190007777"
    cast = demo.Cast.local(stack.base_url)
    official = cast.officials[RECEIVER]
    with contextlib.redirect_stdout(io.StringIO()):
        earlier = official.receive({
            "external_id": f"quay-{ci.new_reference()[5:]}", "procedure_code": "1.001193",
            "channel": 1, "resolving_agency": demo.WARD,
            "applicant": {"name": "Trịnh Thị Hoa", "kind": 1, "id_number": id_number},
            "submitted_at": demo._moment(10).isoformat(), "awaiting_counter_check": False,
        })["code"]  # fmt: skip
        pdf = demo.result_pdf(earlier, "Giấy chứng sinh", "Trịnh Thị Hoa", "Bệnh viện")
        official.upload(earlier, pdf, name="giay-chung-sinh.pdf", component="2")
    driver = receiver
    code, _ = _receive(driver, stack.base_url, "Trịnh Thị Hoa", id_number)
    assert "giay-chung-sinh.pdf" in driver.find_element(By.TAG_NAME, "main").text
    assert serious_violations(driver) == [], "the receipt offering a reuse"
    browser.click_when_settled(driver, By.ID, "dung-lai-1")
    kept = _wait_for(driver, "tep-da-luu").text
    assert "giay-chung-sinh.pdf" in kept and earlier in kept and code != earlier


def test_a_component_scanned_at_the_counter_is_attached_and_recorded(stack, receiver, tmp_path):
    """The file goes from the browser straight to the bucket (moto's S3 here), which sends the
    browser back to the page that records it (checked, pages counted) and shows it."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(2):
        writer.add_blank_page(595, 842)
    scan = tmp_path / "to-khai.pdf"
    with scan.open("wb") as out:
        writer.write(out)
    driver = receiver
    code, _ = _receive(driver, stack.base_url, "Phan Thị Kim", "075190008888")
    browser.click_when_settled(driver, By.ID, "dinh-kem")
    assert serious_violations(driver) == [], "the dossier page with its upload forms"
    driver.find_element(By.ID, "tep-1").send_keys(str(scan))
    browser.click_when_settled(driver, By.ID, "tai-len-1")
    recorded = _wait_for(driver, "da-luu").text
    assert "2 trang" in recorded and "thành phần 1" in recorded
    c = bootstrap.container()
    (kept,) = c.file_records.files(code)
    assert kept.component == "1" and kept.pages == 2 and kept.content_type == "application/pdf"


def test_bad_fields_are_told_beside_them_and_nothing_is_received(stack, receiver):
    driver = receiver
    _pick_birth_registration(driver, stack.base_url)
    reference = driver.find_element(By.NAME, ci.REFERENCE).get_attribute("value")
    _type(driver, ci.ID_NUMBER, "12345")
    _type(driver, ci.PHONE, "không có")
    _type(driver, ci.EMAIL, "lan@")
    Select(driver.find_element(By.ID, ci.KIND)).select_by_value("1")
    browser.click_when_settled(driver, By.CSS_SELECTOR, f"button[value='{ci.CHECK}']")

    for name in (ci.NAME, ci.ID_NUMBER, ci.PHONE, ci.EMAIL):
        beside = _wait_for(driver, f"{name}-loi")
        assert beside.text, name
        assert driver.find_element(By.ID, name).get_attribute("aria-invalid") == "true", name
    assert driver.find_element(By.ID, ci.PHONE).get_attribute("value") == "không có"  # kept
    assert not driver.find_elements(By.ID, "ngay-hen")  # not offered to confirm
    assert serious_violations(driver) == [], "the form with its errors"
    assert _receipt_of(reference) is None  # nothing queued, no receipt, no dossier


def test_a_post_without_its_csrf_token_is_refused_and_receives_nothing(stack, receiver):
    driver = receiver
    driver.get(f"{stack.base_url}/quay/tiep-nhan?{ci.PROCEDURE}=1.001193")
    reference = ci.new_reference()
    fields = {ci.PROCEDURE: "1.001193", ci.CHANNEL: "1", ci.KIND: "1", ci.NAME: "Lê Văn Tâm",
              ci.REFERENCE: reference, ci.STEP: ci.CONFIRM}  # fmt: skip
    status, _, html = browser.post_form(
        f"{stack.base_url}/quay/tiep-nhan", fields, browser.cookie_header(driver)
    )
    assert status == 403 and "Biểu mẫu đã hết hạn hoặc không hợp lệ" in html
    assert _receipt_of(reference) is None
    # The same post with the cookie's token is received (the check is the token, nothing else).
    token = driver.find_element(By.NAME, "csrf_token").get_attribute("value")
    cookie = browser.cookie_header(driver)
    posted = {**fields, "csrf_token": token}
    status, _, _ = browser.post_form(f"{stack.base_url}/quay/tiep-nhan", posted, cookie)
    assert status in (200, 303) and _receipt_of(reference) is not None


def _waiting(cast, name: str, id_number: str) -> str:
    """A birth registration filed online at the ward, waiting for the counter (status 1)."""
    with contextlib.redirect_stdout(io.StringIO()):
        return form_scenarios._ward_birth(cast, (name, id_number, "0903111222"), "Bé Na",
                                          minutes_ago=2, awaiting_counter_check=True)  # fmt: skip


def test_an_online_dossier_waiting_in_status_1_is_received_from_the_counters_list(stack, receiver):
    code = _waiting(demo.Cast.local(stack.base_url), "Đinh Thị Thu", "075192000111")
    driver = receiver
    driver.get(f"{stack.base_url}/quay")
    assert serious_violations(driver) == [], "the counter's list"
    browser.click_when_settled(driver, By.LINK_TEXT, code)
    assert driver.find_element(By.ID, "tinh-trang").text == "Mới đăng ký"
    assert serious_violations(driver) == [], "the dossier waiting"

    browser.click_when_settled(driver, By.ID, "nut-receive")
    _wait_for(driver, "da-thuc-hien")
    assert driver.find_element(By.ID, "tinh-trang").text == "Được tiếp nhận"
    assert not driver.find_elements(By.ID, "nut-receive")  # no longer waiting
    assert counter_client(demo.actor(RECEIVER)) == f"counter:{demo.WARD}"


def test_a_refusal_needs_its_reason_and_then_offers_mau_03(stack, receiver):
    code = _waiting(demo.Cast.local(stack.base_url), "Hồ Văn Lực", "075090000222")
    driver = receiver
    driver.get(f"{stack.base_url}/quay/ho-so/{code}")
    browser.click_when_settled(driver, By.ID, "nut-refuse")
    assert _wait_for(driver, "ly_do-refuse-loi").text  # told beside the reason, nothing queued
    assert driver.find_element(By.ID, "tinh-trang").text == "Mới đăng ký"
    _type(driver, "ly_do-refuse", "Không thuộc thẩm quyền giải quyết của phường")
    browser.click_when_settled(driver, By.ID, "nut-refuse")
    _wait_for(driver, "da-thuc-hien")
    assert driver.find_element(By.ID, "tinh-trang").text == "Không được tiếp nhận"
    href = driver.find_element(By.ID, "in-mau-03").get_attribute("href")
    request = urllib.request.Request(href, headers={"Cookie": browser.cookie_header(driver)})
    with urllib.request.urlopen(request, timeout=30) as answer:
        assert answer.read().startswith(b"%PDF")


def test_a_decision_on_a_dossier_changed_meanwhile_is_told_in_vietnamese(stack, receiver):
    cast = demo.Cast.local(stack.base_url)
    code = _waiting(cast, "Mai Văn Tùng", "075089000333")
    driver = receiver
    driver.get(f"{stack.base_url}/quay/ho-so/{code}")  # the receiver reads version 1 …
    cast.officials[RECEIVER].act(code, "receive")  # … a colleague receives it meanwhile
    browser.click_when_settled(driver, By.ID, "nut-receive")
    refused = _wait_for(driver, "bi-tu-choi").text
    assert refused.startswith("Hồ sơ đã thay đổi sau khi bạn mở trang")


def test_the_search_works_without_javascript_and_only_receivers_use_the_counter(stack):
    from chalicelib.web.officials import start_session

    c = bootstrap.container()

    def session_of(key: str) -> str:
        set_cookie = start_session(demo.actor(key), c.web_sessions, now=c.now(), hours=1,
                                   secure=False)  # fmt: skip
        return set_cookie.split(";", 1)[0]

    status, _, html = browser.get_page(f"{stack.base_url}/quay/tiep-nhan?{ci.SEARCH}=khai+sinh",
                        session_of(RECEIVER))  # fmt: skip
    assert status == 200 and f"{ci.PROCEDURE}=1.001193" in html and "Đăng ký kết hôn" not in html
    status, _, html = browser.get_page(f"{stack.base_url}/quay", session_of("ward_specialist"))
    assert status == 403 and "Trang dành cho cán bộ tiếp nhận" in html
    request = urllib.request.Request(f"{stack.base_url}/quay")
    no_redirect = urllib.request.build_opener(_NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as signed_out:
        no_redirect.open(request, timeout=10)
    assert signed_out.value.code == 303
    assert signed_out.value.headers["Location"] == "/dang-nhap?tiep=/quay"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None
