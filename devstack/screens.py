"""`make screens`: PNG screenshots of the pages, taken in chromium from a local stack, into
docs/screens/, so that people see the screens without running anything.

Runs in this process: a local stack, a dossier received at the counter and extended with an
apology (devstack/form_scenarios.py), then the citizen's lookup on a phone-sized window: the
form as the QR code opens it, a wrong PIN, the dossier, and once resolved its electronic result
to download; then, on a desktop window, the counter (the intake form filled in, the receipt
with its code, appointment and PIN, the dossier page with a scan attached), the officials'
workbench (the ward's worklist, and a dossier at the leader's step with the apology the timer
drafted), after the demo's dossiers the ward's leader's board, the citizen's rating page as
the invitation's link opens it (a phone window), and last paying fees online (a phone window):
the lookup of a land transfer waiting for its fees (the amount, the checkout link, the VietQR
code), the fake PayGov's checkout page, and the lookup once paid, listing the e-receipt.
Needs `make browser`.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
import urllib.parse
from pathlib import Path
from typing import Any

from devstack import browser

PROJECT_DIR = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devstack.screens", description=__doc__)
    parser.add_argument("--out", default="docs/screens", help="folder (default %(default)s)")
    out = (PROJECT_DIR / parser.parse_args(argv).out).resolve()
    problem = browser.missing()
    if problem is not None:
        print(problem, file=sys.stderr)
        return 1
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as shown
    from selenium.webdriver.support.ui import WebDriverWait

    from devstack import demo, form_scenarios, result_files
    from devstack.stack import LocalStack

    def submit(driver, pin: str, wait_for: str) -> None:
        field = driver.find_element(By.ID, "pin")
        field.clear()
        field.send_keys(pin)
        browser.click_when_settled(driver, By.CSS_SELECTOR, "form.lookup button[type=submit]")
        WebDriverWait(driver, 15).until(shown.visibility_of_element_located((By.ID, wait_for)))
        driver.execute_script("document.activeElement && document.activeElement.blur()")

    def save(driver, name: str) -> None:
        print(browser.full_page_png(driver, out / name).relative_to(PROJECT_DIR))
        driver.set_window_size(*browser.PHONE)

    def save_desktop(driver, name: str) -> None:
        print(browser.full_page_png(driver, out / name).relative_to(PROJECT_DIR))
        driver.set_window_size(*browser.DESKTOP)

    with LocalStack(port=0, moto_port=0, prefix="screens-") as stack:
        cast = demo.Cast.local(stack.base_url)
        with contextlib.redirect_stdout(io.StringIO()):
            code, pin = form_scenarios.counter_receipt_then_apology(cast)
        wrong = pin[:-1] + ("2" if pin[-1] != "2" else "3")
        with browser.chromium(browser.PHONE) as driver:
            phone_sized(driver)
            driver.get(f"{stack.base_url}/tra-cuu?ma={urllib.parse.quote(code)}")
            save(driver, "tra-cuu.png")
            submit(driver, wrong, "pin-loi")
            save(driver, "tra-cuu-sai-pin.png")
            submit(driver, pin, "tinh-trang")
            save(driver, "tra-cuu-ho-so.png")
            # Then resolved, its electronic result kept: the citizen sees where to download it.
            demo._applied(cast.officials["finance_specialist"].act(code, "forward"))
            demo._applied(cast.officials["finance_leader"].act(code, "resolve"))
            result_files.keep_result(code, "Giấy chứng nhận đăng ký doanh nghiệp.pdf")
            submit(driver, pin, "tinh-trang")
            save(driver, "tra-cuu-ket-qua.png")
        for path in counter_screens(stack.base_url, out):
            print(path.relative_to(PROJECT_DIR))
        with browser.chromium(browser.DESKTOP) as driver:
            _workbench(driver, stack.base_url, cast, lambda name: save_desktop(driver, name))
        print(board_screen(stack.base_url, out).relative_to(PROJECT_DIR))
        # After the board: its dossier would be one more on the board's figures.
        print(rating_screen(stack.base_url, cast, out).relative_to(PROJECT_DIR))
        for path in payment_screens(stack.base_url, cast, out):
            print(path.relative_to(PROJECT_DIR))
    return 0


def phone_sized(driver: Any) -> None:
    """The window at a phone's width: headless chromium opens its first window no narrower
    than 500 CSS pixels (--window-size notwithstanding), wider than a phone."""
    driver.set_window_size(*browser.PHONE)


def counter_screens(base_url: str, out: Path) -> list[Path]:
    """The ward's receiver at the counter (a desktop window, signed in on the stack of this
    process): the intake form filled in, then the receipt with its code, appointment and PIN,
    the Mẫu 01 it prints, and the dossier page with a component's scan attached."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as shown
    from selenium.webdriver.support.ui import WebDriverWait

    from chalicelib.web import counter_intake as ci
    from devstack import demo

    saved = []
    with browser.chromium(browser.DESKTOP) as driver:
        browser.sign_in(driver, base_url, demo.actor("ward_receiver"))
        driver.get(f"{base_url}/quay/tiep-nhan?{ci.PROCEDURE}=1.001193")
        for name, text in ((ci.NAME, "Võ Thị Hồng Nhung"), (ci.ID_NUMBER, "075190004321"),
                           (ci.PHONE, "0912345679"),
                           (ci.SUMMARY, "Đăng ký khai sinh cho con Võ Gia Bảo")):  # fmt: skip
            driver.find_element(By.ID, name).send_keys(text)
        for position in (0, 1):
            driver.find_element(By.ID, f"{ci.COMPONENT}{position}").click()
        driver.execute_script("document.activeElement && document.activeElement.blur()")
        saved.append(browser.full_page_png(driver, out / "quay-tiep-nhan.png"))
        driver.set_window_size(*browser.DESKTOP)
        browser.click_when_settled(driver, By.CSS_SELECTOR, f"button[value='{ci.CHECK}']")
        browser.click_when_settled(driver, By.ID, "xac-nhan")
        WebDriverWait(driver, 20).until(shown.visibility_of_element_located((By.ID, "ma-pin")))
        saved.append(browser.full_page_png(driver, out / "quay-bien-nhan.png"))
        saved.append(_printed_mau_01(driver, out / "mau-01.png"))
        saved.append(_attached_scan(driver, out / "quay-ho-so.png"))
    return saved


def _attached_scan(driver: Any, png: Path) -> Path:
    """The counter's dossier page once a component's scan (a one-page PDF) is attached: posted
    by the browser to the file bucket, recorded on the way back."""
    import tempfile

    from pypdf import PdfWriter
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as shown
    from selenium.webdriver.support.ui import WebDriverWait

    browser.click_when_settled(driver, By.ID, "dinh-kem")
    with tempfile.TemporaryDirectory() as tmp:
        scan = Path(tmp) / "to-khai.pdf"
        writer = PdfWriter()
        writer.add_blank_page(595, 842)
        with scan.open("wb") as out:
            writer.write(out)
        driver.find_element(By.ID, "tep-1").send_keys(str(scan))
        browser.click_when_settled(driver, By.ID, "tai-len-1")
    WebDriverWait(driver, 20).until(shown.visibility_of_element_located((By.ID, "da-luu")))
    return browser.full_page_png(driver, png)


def _printed_mau_01(driver: Any, png: Path) -> Path:
    """Page 1 of the Mẫu 01 the receipt page links to (with its PIN), as the receiver prints
    it: fetched with the browser's session, turned into PNG by pdftoppm (poppler-utils)."""
    import tempfile
    import urllib.request

    from selenium.webdriver.common.by import By

    from devstack.form_images import page_one_png

    href = driver.find_element(By.ID, "in-mau-01").get_attribute("href")
    request = urllib.request.Request(href, headers={"Cookie": browser.cookie_header(driver)})
    with urllib.request.urlopen(request, timeout=30) as answer:  # 303 to the file's link
        pdf = answer.read()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "mau-01.pdf"
        path.write_bytes(pdf)
        return page_one_png(path, png)


def _workbench(driver, base_url: str, cast, save) -> None:
    """The ward's worklist with three births filed online, one of them at the leader's step;
    then that dossier as its leader sees it once the timer drafted the apology (Mẫu 04)."""
    from datetime import datetime, timedelta

    from chalicelib import bootstrap
    from chalicelib.handlers import workers
    from devstack import demo, form_scenarios

    people = (("Nguyễn Thị Hoa", "075190000321", "0911000321", "Nguyễn Gia Bảo"),
              ("Trần Văn Khoa", "075088000654", "0922000654", "Trần Minh Châu"),
              ("Lê Thị Thu", "075192000987", "0933000987", "Lê Anh Khôi"))  # fmt: skip
    with contextlib.redirect_stdout(io.StringIO()):
        codes = [form_scenarios._ward_birth(cast, (name, id_number, phone), child, minutes_ago=3)
                 for name, id_number, phone, child in people]  # fmt: skip
    o = cast.officials
    demo._applied(o["ward_specialist"].act(codes[0], "take_up"))
    demo._applied(o["ward_specialist"].act(codes[0], "forward", note="Trình ký"))
    browser.sign_in(driver, base_url, demo.actor("ward_leader"))
    driver.get(f"{base_url}/ban-lam-viec")
    save("ban-lam-viec.png")
    due = datetime.fromisoformat(o["ward_leader"].dossier(codes[0])["dossier"]["due_at"])
    workers.run_timer(bootstrap.container(), now=due + timedelta(minutes=5))
    driver.get(f"{base_url}/ho-so/{urllib.parse.quote(codes[0])}")
    save("ho-so.png")


def rating_screen(base_url: str, cast, out: Path) -> Path:
    """The citizen's rating page (a phone window) as the invitation's link opens it for a
    birth registration just returned: "not satisfied" chosen, a reason ticked, a comment."""
    from selenium.webdriver.common.by import By

    from chalicelib import bootstrap
    from chalicelib.services.rating_links import PATH
    from devstack import demo

    with contextlib.redirect_stdout(io.StringIO()):
        code = demo.birth_registration(cast)
    token = bootstrap.container().rating_links.token(code)
    with browser.chromium(browser.PHONE) as driver:
        phone_sized(driver)
        driver.get(f"{base_url}{PATH}{token}")
        driver.find_element(By.ID, "hai_long-khong").click()
        driver.find_element(By.ID, "ly_do_official").click()
        driver.find_element(By.ID, "y_kien").send_keys("Phải chờ lâu ở quầy tiếp nhận")
        driver.execute_script("document.activeElement && document.activeElement.blur()")
        return browser.full_page_png(driver, out / "danh-gia.png")


def payment_screens(base_url: str, cast, out: Path) -> list[Path]:
    """Fees paid online, as the citizen sees them on a phone: the lookup of a land transfer
    the tax office asked fees for (the amount, the checkout link, the VietQR code), the
    platform's checkout page (the local stack's fake PayGov) opened by that link, and, back on
    the lookup once paid, the electronic receipt listed."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as shown
    from selenium.webdriver.support.ui import WebDriverWait

    from devstack import demo

    applicant = {"name": "Phạm Thị Hoa", "id_number": "075190004321", "phone": "0901234567"}
    code, pin, _ = demo.land_transfer_waiting_for_fees(cast, applicant)
    specialist = cast.officials["land_specialist"]

    def looked_up(driver, wait_for: str) -> None:
        driver.get(f"{base_url}/tra-cuu?ma={urllib.parse.quote(code)}")
        driver.find_element(By.ID, "pin").send_keys(pin)
        browser.click_when_settled(driver, By.CSS_SELECTOR, "form.lookup button[type=submit]")
        WebDriverWait(driver, 15).until(shown.visibility_of_element_located((By.ID, wait_for)))
        driver.execute_script("document.activeElement && document.activeElement.blur()")

    saved = []
    with browser.chromium(browser.PHONE) as driver:
        phone_sized(driver)
        looked_up(driver, "ma-vietqr")
        saved.append(browser.full_page_png(driver, out / "tra-cuu-thanh-toan.png"))
        driver.set_window_size(*browser.PHONE)
        browser.click_when_settled(driver, By.ID, "thanh-toan-truc-tuyen")
        WebDriverWait(driver, 15).until(shown.visibility_of_element_located((By.ID, "pay")))
        saved.append(browser.full_page_png(driver, out / "paygov-thanh-toan.png"))
        driver.set_window_size(*browser.PHONE)
        browser.click_when_settled(driver, By.ID, "pay")
        WebDriverWait(driver, 15).until(lambda d: d.current_url.startswith(base_url))
        cast.api.wait_for(lambda: specialist.dossier(code)["payments"]["receipts"], bool)
        looked_up(driver, "bien-lai")
        saved.append(browser.full_page_png(driver, out / "tra-cuu-bien-lai.png"))
    return saved


def board_screen(base_url: str, out: Path) -> Path:
    """The ward's leader's board (a desktop window) after the demo's dossiers this month."""
    from devstack import demo

    with contextlib.redirect_stdout(io.StringIO()):
        demo.run(base_url)
    with browser.chromium(browser.DESKTOP) as driver:
        browser.sign_in(driver, base_url, demo.actor("ward_leader"))
        driver.get(f"{base_url}/bang-dieu-khien")
        return browser.full_page_png(driver, out / "bang-dieu-khien.png")


if __name__ == "__main__":
    sys.exit(main())
