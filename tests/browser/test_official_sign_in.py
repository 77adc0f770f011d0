"""An official's sign-in in a real browser (chromium, headless) against a local stack: a page
for officials sends the browser to the sign-in page, which in the local stage lists the sample
officials; one click signs one in and goes back to the page; the header names them and signs
them out. axe-core finds no serious violation on either page."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By

from chalicelib.adapters.sample_officials import sample_officials
from devstack import browser
from tests.browser.accessibility import serious_violations

pytestmark = pytest.mark.e2e


def test_a_sample_official_signs_in_lands_back_and_signs_out(stack, chromium):
    official = sample_officials()["ward_receiver"]
    chromium.get(f"{stack.base_url}/can-bo")
    assert chromium.current_url == f"{stack.base_url}/dang-nhap?tiep=/can-bo"
    assert chromium.find_element(By.TAG_NAME, "h1").text == "Đăng nhập cán bộ"
    assert not chromium.find_elements(By.ID, "can-bo-dang-nhap")  # nobody signed in yet
    assert serious_violations(chromium) == []

    browser.click_when_settled(chromium, By.ID, f"dang-nhap-{official.key}")
    assert chromium.current_url == f"{stack.base_url}/can-bo"
    assert chromium.find_element(By.TAG_NAME, "h1").text == f"Xin chào, {official.name}"
    header = chromium.find_element(By.ID, "can-bo-dang-nhap")
    assert official.name in header.text and "Cán bộ tiếp nhận" in header.text
    links = [a.get_attribute("href") for a in chromium.find_elements(By.CSS_SELECTOR, "main a")]
    assert links == [f"{stack.base_url}/ban-lam-viec", f"{stack.base_url}/quay"]
    assert serious_violations(chromium) == []
    session = [c for c in chromium.get_cookies() if c["name"] == "motcua-session"]
    assert session and session[0]["httpOnly"] and official.name not in session[0]["value"]

    browser.click_when_settled(chromium, By.CSS_SELECTOR, "#can-bo-dang-nhap form.sign-out button")
    assert chromium.current_url == f"{stack.base_url}/"
    assert not chromium.find_elements(By.ID, "can-bo-dang-nhap")
    chromium.get(f"{stack.base_url}/can-bo")  # the session ended on the server too
    assert chromium.current_url.startswith(f"{stack.base_url}/dang-nhap")
