"""The leader's board in a real browser (chromium, headless) against a local stack, after the
demo's dossiers (devstack/demo.py): the ward's leader sees the month's QĐ 766 indicators as
the API's report gives them, with the trend's charts; a specialist is refused; a province
admin switches to another agency; the month's CSV downloads as the API's."""

from __future__ import annotations

import contextlib
import io
import urllib.error
import urllib.request
from datetime import datetime

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from chalicelib.domain.calendar import LOCAL_TZ
from chalicelib.domain.dossier import Actor
from chalicelib.domain.statuses import Role
from chalicelib.web import board
from chalicelib.web.charts import value_text
from devstack import browser, demo
from tests.browser.accessibility import serious_violations

pytestmark = pytest.mark.e2e

ADMIN = Actor(id="province_admin", name="Nguyễn Quản Trị", agency="000.00.01.H19", unit="CNTT",
              roles=frozenset({Role.ADMIN}))  # fmt: skip


@pytest.fixture(scope="module")
def cast(stack):
    """The demo's three dossiers, through to their results, on this module's stack."""
    cast = demo.Cast.local(stack.base_url)
    with contextlib.redirect_stdout(io.StringIO()):
        demo.run(stack.base_url)
    return cast


def _month() -> str:
    return datetime.now(LOCAL_TZ).strftime("%Y-%m")


def _api_report(cast, viewer: str, agency: str, form: str = "json"):
    path = f"/v1/reports/766?agency={agency}&from={_month()}&to={_month()}&format={form}"
    return cast.api.expect(cast.officials[viewer].get(path), 200)


def _fetch(driver, url: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers={"Cookie": browser.cookie_header(driver)})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, dict(answer.headers), answer.read()
    except urllib.error.HTTPError as refused:
        return refused.code, dict(refused.headers), refused.read()


def _shown_value(driver, code: str) -> str:
    row = driver.find_element(By.ID, f"chi-so-{code.replace('.', '-')}")
    return row.find_element(By.CSS_SELECTOR, "td.value").text


def test_the_wards_leader_sees_the_months_indicators_as_the_apis_report(stack, cast, chromium):
    driver = chromium
    driver.set_window_size(*browser.DESKTOP)
    browser.sign_in(driver, stack.base_url, demo.actor("ward_leader"))
    driver.get(f"{stack.base_url}/bang-dieu-khien")
    report = _api_report(cast, "ward_leader", demo.WARD)
    assert report["counts"]["resolved"] >= 1  # the demo's birth registration
    for code in ("2.1", "3.3", "4.1", "4.2"):
        assert _shown_value(driver, code) == value_text(report["indicators"][code]["value"], "%")
    assert driver.find_element(By.ID, "so-tiep-nhan").text == str(report["period"]["received"])
    assert driver.find_element(By.ID, "so-xin-loi").text == str(
        report["period"]["extended_with_apology"]
    )
    charts = driver.find_elements(By.CSS_SELECTOR, "svg[role=img]")
    assert len(charts) == len(board.CHARTED)
    assert (
        charts[0].find_element(By.TAG_NAME, "title").get_attribute("textContent").startswith("2.1 ")
    )
    assert "Ủy ban nhân dân phường Trấn Biên" in driver.find_element(By.TAG_NAME, "h1").text
    assert serious_violations(driver) == [], "the board"


def test_a_specialist_is_refused_the_board(stack, cast, chromium):
    browser.sign_in(chromium, stack.base_url, demo.actor("ward_specialist"))
    chromium.get(f"{stack.base_url}/bang-dieu-khien")
    assert "lãnh đạo" in chromium.find_element(By.ID, "khong-duoc-xem").text
    status, _, _ = _fetch(chromium, f"{stack.base_url}/bang-dieu-khien")
    assert status == 403
    assert serious_violations(chromium) == [], "the refusal"


def test_a_leader_asking_for_another_agency_is_refused(stack, cast, chromium):
    browser.sign_in(chromium, stack.base_url, demo.actor("ward_leader"))
    status, _, body = _fetch(chromium, f"{stack.base_url}/bang-dieu-khien?co_quan={demo.FINANCE}")
    assert status == 403 and "khong-duoc-xem" in body.decode()


def test_a_province_admin_switches_agency(stack, cast, chromium):
    driver = chromium
    driver.set_window_size(*browser.DESKTOP)
    browser.sign_in(driver, stack.base_url, ADMIN)
    driver.get(f"{stack.base_url}/bang-dieu-khien")
    Select(driver.find_element(By.ID, "co_quan")).select_by_value(demo.FINANCE)
    browser.click_when_settled(driver, By.CSS_SELECTOR, "#chon-ky button")
    assert f"co_quan={demo.FINANCE}" in driver.current_url
    report = _api_report(cast, "finance_leader", demo.FINANCE)
    assert report["counts"]["resolved"] >= 1  # the demo's company registration
    for code in ("2.1", "4.1"):
        assert _shown_value(driver, code) == value_text(report["indicators"][code]["value"], "%")
    assert serious_violations(driver) == [], "the admin's board"


def test_the_months_csv_downloads_as_the_apis(stack, cast, chromium):
    browser.sign_in(chromium, stack.base_url, demo.actor("ward_leader"))
    chromium.get(f"{stack.base_url}/bang-dieu-khien")
    link = chromium.find_element(By.ID, "tai-csv").get_attribute("href")
    status, headers, body = _fetch(chromium, link)
    assert status == 200 and headers["Content-Type"].startswith("text/csv")
    assert headers["Content-Disposition"] == (
        f'attachment; filename="qd766-{demo.WARD}-{_month()}.csv"'
    )
    assert body.decode() == _api_report(cast, "ward_leader", demo.WARD, "csv")
