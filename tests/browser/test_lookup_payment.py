"""Paying fees from the lookup page in Chromium (issue 20): the page shows the amount, the
checkout link and the VietQR code (inline SVG, named in Vietnamese) under the CSP with nothing
blocked and no serious WCAG violation; the link opens the fake PayGov's page, where paying
brings the browser back to the lookup page and the dossier resumes."""

from __future__ import annotations

import urllib.parse

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as shown
from selenium.webdriver.support.ui import WebDriverWait

from devstack import browser, demo
from tests.browser.accessibility import serious_violations

pytestmark = pytest.mark.e2e


def test_the_applicant_pays_from_the_lookup_page_with_the_qr_code_shown(stack, chromium):
    cast = demo.Cast.local(stack.base_url)
    code, pin, order = demo.land_transfer_waiting_for_fees(
        cast, {"name": "Lâm Thị Ngọc", "id_number": "075190007788", "phone": "0939123456"}
    )
    chromium.get(f"{stack.base_url}/tra-cuu?ma={urllib.parse.quote(code)}")
    chromium.find_element(By.ID, "pin").send_keys(pin)
    browser.click_when_settled(chromium, By.CSS_SELECTOR, "form.lookup button[type=submit]")
    qr = WebDriverWait(chromium, 15).until(
        shown.visibility_of_element_located((By.CSS_SELECTOR, "#ma-vietqr svg"))
    )
    assert qr.get_attribute("role") == "img" and qr.size["width"] >= 150
    title = chromium.find_element(By.ID, "vietqr-title").get_attribute("textContent")
    assert title.startswith("Mã VietQR: chuyển khoản 2.350.000 đồng vào tài khoản")
    assert order["order_code"] in title
    blocked = [e for e in chromium.get_log("browser") if "Content Security Policy" in e["message"]]
    assert blocked == []
    assert serious_violations(chromium) == [], "the lookup page with a payment"

    browser.click_when_settled(chromium, By.ID, "thanh-toan-truc-tuyen")
    WebDriverWait(chromium, 15).until(shown.visibility_of_element_located((By.ID, "pay")))
    assert chromium.find_element(By.ID, "order").text == order["order_code"]
    browser.click_when_settled(chromium, By.ID, "pay")
    WebDriverWait(chromium, 15).until(lambda d: d.current_url.startswith(stack.base_url))
    resumed = cast.api.wait_for(
        lambda: cast.officials["land_specialist"].dossier(code)["dossier"],
        lambda d: d["status"] != demo.FEES_REQUESTED,
    )
    assert resumed["fees_paid_online"]
