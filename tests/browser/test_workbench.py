"""The officials' workbench in a real browser against a local stack: a specialist and a leader
take a birth registration filed on the portal to its result through the pages (worklist →
dossier → take up → forward → the apology the timer drafted → resolve → the counter returns
the result); an action on a version that moved on is refused and told in Vietnamese, a reason
left out is told beside its field; a post without its CSRF token changes nothing."""

from __future__ import annotations

import contextlib
import io
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime, timedelta

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from chalicelib import bootstrap
from chalicelib.domain.calendar import LOCAL_TZ
from chalicelib.web.officials import start_session
from devstack import browser, demo
from devstack.client import new_id

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def cast(stack):
    return demo.Cast.local(stack.base_url)


def _filed(cast) -> str:
    """A birth registration filed online at the demo's ward, received (status 2)."""
    with contextlib.redirect_stdout(io.StringIO()):
        receipt = cast.portal.submit({
            "external_id": f"dvc-{new_id()}",
            "procedure_code": "1.001193",
            "channel": 2,
            "applicant": {"name": "Võ Thị Hồng", "kind": 1, "id_number": "075190000777",
                          "phone": "0911222333"},
            "resolving_agency": demo.WARD,
            "received_by_agency": demo.WARD,
            "submitted_at": demo._moment(2).isoformat(),
            "awaiting_counter_check": False,
            "summary": "Đăng ký khai sinh cho con Võ Minh Đức",
        })  # fmt: skip
    return demo._accepted(receipt)


def _as(driver, base_url: str, key: str) -> None:
    driver.delete_all_cookies()
    browser.sign_in(driver, base_url, demo.actor(key))


def _settled(driver) -> str:
    """Waits for the command the page follows to be applied or refused (htmx polls, then the
    page reloads): the notice's class, done or error."""
    notice = WebDriverWait(driver, 30).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "#lenh.done, #lenh.error")
    )
    return "done" if "done" in notice[0].get_attribute("class") else "error"


def _act(driver, action: str, **typed: str) -> str:
    form = driver.find_element(By.ID, f"{action}-form")
    for name, value in typed.items():
        field = form.find_element(By.NAME, name)
        if field.get_attribute("type") == "datetime-local":  # its widget reads the locale's way
            driver.execute_script("arguments[0].value = arguments[1]", field, value)
            continue
        field.clear()
        field.send_keys(value)
    browser.click_when_settled(driver, By.CSS_SELECTOR, f"#{action}-form button[type=submit]")
    return _settled(driver)


def _status(driver) -> str:
    return driver.find_element(By.ID, "trang-thai").text


def test_a_specialist_and_a_leader_take_a_dossier_to_its_result(stack, cast, chromium):
    from tests.browser.accessibility import serious_violations

    code = _filed(cast)
    base = stack.base_url
    chromium.set_window_size(*browser.DESKTOP)
    _as(chromium, base, "ward_specialist")
    chromium.get(f"{base}/ban-lam-viec?trang_thai=2")
    assert serious_violations(chromium) == [], "the worklist"
    browser.click_when_settled(chromium, By.LINK_TEXT, code)
    assert _status(chromium) == "Được tiếp nhận"
    assert "Tiếp nhận, kiểm tra hồ sơ" in chromium.find_element(By.ID, "mau-06").text  # Mẫu 06
    assert serious_violations(chromium) == [], "the dossier"

    assert _act(chromium, "take_up") == "done"
    assert _status(chromium) == "Đang xử lý"
    assert _act(chromium, "forward", ghi_chu="Trình ký") == "done"
    assert not chromium.find_elements(By.ID, "forward-form")  # with the leader now

    # The timer finds it past its appointment and drafts the apology (Mẫu 04) for the leader.
    from chalicelib.handlers import workers

    container = bootstrap.container()
    due = datetime.fromisoformat(cast.officials["ward_leader"].dossier(code)["dossier"]["due_at"])
    workers.run_timer(container, now=due + timedelta(minutes=5))
    _as(chromium, base, "ward_leader")
    chromium.get(f"{base}/ban-lam-viec?bo_phan=1")  # what is held at the leader's unit
    browser.click_when_settled(chromium, By.LINK_TEXT, code)
    draft = chromium.find_element(By.ID, "xin-loi").text
    assert "Ngày hẹn lại đề xuất" in draft and "đúng thời hạn" in draft
    note = chromium.find_element(By.ID, "extend_with_apology-ghi_chu").get_attribute("value")
    assert note.startswith("Hồ sơ chưa được giải quyết xong")  # the draft fills the form
    assert serious_violations(chromium) == [], "the leader's dossier with the draft"
    # The leader moves the proposed date inside the law's bound (one time limit) and signs.
    later = container.calendar.add(due, timedelta(hours=2)).astimezone(LOCAL_TZ)
    new_due = later.strftime("%Y-%m-%dT%H:%M")
    assert _act(chromium, "extend_with_apology", han_moi=new_due) == "done"
    assert not chromium.find_elements(By.ID, "xin-loi")  # sent: no draft any more
    assert _act(chromium, "resolve") == "done"
    assert _status(chromium) == "Đã xử lý xong"

    _as(chromium, base, "ward_receiver")
    chromium.get(f"{base}/ho-so/{urllib.parse.quote(code)}")
    assert _act(chromium, "return_result") == "done"
    assert _status(chromium) == "Đã trả kết quả"
    history = chromium.find_element(By.ID, "lich-su-bang").text
    for label in ("Thụ lý hồ sơ", "Chuyển bước tiếp theo", "Xin lỗi và gia hạn",
                  "Hoàn thành xử lý", "Trả kết quả"):  # fmt: skip
        assert label in history
    assert chromium.find_elements(By.PARTIAL_LINK_TEXT, "Mẫu 04")  # its form is linked


def test_an_action_on_a_version_that_moved_on_is_refused_and_told(stack, cast, chromium):
    code = _filed(cast)
    _as(chromium, stack.base_url, "ward_specialist")
    chromium.get(f"{stack.base_url}/ho-so/{urllib.parse.quote(code)}")
    # A colleague takes it up while the page is open.
    demo._applied(cast.officials["ward_specialist_2"].act(code, "take_up"))
    assert _act(chromium, "take_up") == "error"
    reason = chromium.find_element(By.ID, "ly-do-tu-choi").text
    assert reason.startswith("Hồ sơ đã thay đổi sau khi bạn mở trang")
    assert "Hồ sơ đã thay đổi" in chromium.find_element(By.ID, "tu-choi").text  # and kept
    assert _status(chromium) == "Đang xử lý"  # the colleague's take-up, once

    # A reason left out is told beside its field, in Vietnamese, and nothing is queued.
    version = chromium.find_element(By.ID, "phien-ban").text
    browser.click_when_settled(
        chromium, By.CSS_SELECTOR, "#request_supplement-form button[type=submit]"
    )
    beside = chromium.find_element(By.ID, "request_supplement-ghi_chu-loi")
    assert beside.text == "Vui lòng ghi rõ lý do"
    field = chromium.find_element(By.ID, "request_supplement-ghi_chu")
    assert field.get_attribute("aria-invalid") == "true"
    assert chromium.find_element(By.ID, "phien-ban").text == version
    assert len(cast.officials["ward_specialist"].dossier(code)["refusals"]) == 1  # the stale one
    from tests.browser.accessibility import serious_violations

    assert serious_violations(chromium) == [], "a refusal and a field's error"


def test_an_action_posted_without_its_csrf_token_changes_nothing(stack, cast):
    code = _filed(cast)
    container = bootstrap.container()
    cookie = start_session(demo.actor("ward_specialist"), container.web_sessions,
                           now=container.now(), hours=1, secure=False)  # fmt: skip
    session = cookie.split(";", 1)[0]
    url = f"{stack.base_url}/ho-so/{urllib.parse.quote(code)}"
    fields = {"thao_tac": "take_up", "phien_ban": "1", "khoa": "k" * 20}
    for extra, cookie in (
        ({}, session),  # no token
        ({"csrf_token": "A" * 43}, session),  # no cookie to match
        ({"csrf_token": "A" * 43}, f"{session}; motcua-csrf={'B' * 43}"),  # another token
    ):
        status, _, html = browser.post_form(url, {**fields, **extra}, cookie)
        assert status == 403
        assert "Biểu mẫu đã hết hạn hoặc không hợp lệ" in html
    assert cast.officials["ward_specialist"].dossier(code)["dossier"]["version"] == 1
    assert cast.officials["ward_specialist"].dossier(code)["refusals"] == []


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # the 303 itself is the answer under test


def test_a_form_and_a_file_open_through_audited_links(stack, cast):
    from devstack import result_files

    code = _filed(cast)
    result_files.keep_result(code, "Giấy khai sinh.pdf")
    container = bootstrap.container()
    cookie = start_session(demo.actor("ward_specialist"), container.web_sessions,
                           now=container.now(), hours=1, secure=False)  # fmt: skip
    opener = urllib.request.build_opener(_NoRedirect)
    files = cast.officials["ward_specialist"].get(f"/v1/dossiers/{code}/files").body["items"]
    started = container.now()
    for path, route in (
        (f"/ho-so/{code}/mau/06", "GET /ho-so/{code}/mau/{form}"),
        (f"/ho-so/{code}/tep/{files[0]['file_id']}", "GET /ho-so/{code}/tep/{file_id}"),
    ):
        request = urllib.request.Request(stack.base_url + path)
        request.add_header("Cookie", cookie.split(";", 1)[0])
        try:
            opener.open(request, timeout=20)
            raise AssertionError(f"{path}: no redirect")
        except urllib.error.HTTPError as answer:
            assert answer.code == 303, path
            with urllib.request.urlopen(answer.headers["Location"], timeout=20) as pdf:
                assert pdf.read().startswith(b"%PDF")
        reads = container.read_audit.reads(started, container.now() + timedelta(seconds=5),
                                           code=code)  # fmt: skip
        assert route in [read.route for read in reads], path
