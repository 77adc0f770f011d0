"""Debian's chromium driven by Selenium, headless, for tests/browser and `make screens`.

The browser is the system's (`make browser` installs chromium and chromium-driver with
apt-get): nothing is downloaded at run time (Selenium Manager is never asked, the driver's
path is given). Each session has a fresh profile in a temporary folder, removed at the end.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
MISSING = (
    "chromium or chromedriver is not installed: run `make browser` "
    "(apt-get install chromium chromium-driver)"
)
# No sandbox (CI runs as root in a container), and nothing that calls out to the network.
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
PHONE = (412, 915)  # a common phone's CSS pixels: the citizen's pages are read on phones
DESKTOP = (1280, 900)


def missing() -> str | None:
    """Why the browser cannot start here (one line naming the command that fixes it), or None."""
    if CHROMIUM.exists() and CHROMEDRIVER.exists():
        return None
    return MISSING


@contextlib.contextmanager
def chromium(size: tuple[int, int] = PHONE) -> Iterator[Any]:
    """A headless chromium session (a Selenium WebDriver), closed and its profile removed."""
    problem = missing()
    if problem is not None:
        raise RuntimeError(problem)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="motcua-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.add_argument(f"--window-size={size[0]},{size[1]}")
    options.add_argument("--lang=vi-VN")
    driver = webdriver.Chrome(options=options, service=Service(executable_path=str(CHROMEDRIVER)))
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def full_page_png(driver: Any, path: Path) -> Path:
    """A screenshot of the whole page (the window grown to the page's height), as PNG."""
    width = driver.get_window_size()["width"]
    height = driver.execute_script(
        "return document.documentElement.scrollHeight + (window.outerHeight - window.innerHeight)"
    )
    driver.set_window_size(width, max(int(height), 400))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(driver.get_screenshot_as_png())
    return path


def submitted(driver: Any, click: Any, timeout: float = 15) -> None:
    """Runs `click` (which submits a form) and waits until the answer replaced the page's
    main content (htmx swaps it in place, a plain post loads a new page: either way the old
    element goes stale)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    old = driver.find_element(By.TAG_NAME, "main")
    click()
    WebDriverWait(driver, timeout).until(expected_conditions.staleness_of(old))


def click_when_settled(driver: Any, by: str, value: str, timeout: float = 15) -> None:
    """Click what submits or opens a page, on an element htmx may still be replacing (a search
    as one types answers after each key): a click that found it stale finds it again."""
    import time

    from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    deadline = time.monotonic() + timeout
    while True:
        try:
            element = WebDriverWait(
                driver, timeout, ignored_exceptions=(StaleElementReferenceException,)
            ).until(expected_conditions.element_to_be_clickable((by, value)))
            submitted(driver, element.click, timeout)
            return
        except WebDriverException as lost:
            # Stale, or chromium's "Node … does not belong to the document": replaced meanwhile.
            gone = isinstance(lost, StaleElementReferenceException) or (
                "does not belong to the document" in str(lost.msg)
            )
            if not gone or time.monotonic() > deadline:
                raise


def sign_in(driver: Any, base_url: str, actor: Any) -> None:
    """`actor` signed in on the pages of the local stack in this process: a session started in
    its store, its cookie given to the browser (what the sign-in page ends with)."""
    from chalicelib import bootstrap
    from chalicelib.web.officials import start_session

    container = bootstrap.container()
    secure = base_url.startswith("https://")
    hours = container.settings.web_session_hours
    set_cookie = start_session(
        actor, container.web_sessions, now=container.now(), hours=hours, secure=secure
    )
    name, _, rest = set_cookie.partition("=")
    driver.get(base_url + "/")  # a cookie is given for the site the browser is on
    driver.add_cookie({"name": name, "value": rest.split(";", 1)[0], "path": "/"})


def cookie_header(driver: Any) -> str:
    """The browser's cookies as a `Cookie` header, for a request made beside it."""
    return "; ".join(f"{c['name']}={c['value']}" for c in driver.get_cookies())


def post_form(url: str, fields: dict[str, str], cookie: str | None = None) -> tuple[int, Any, str]:
    """A form posted without the browser (a forged or token-less post): status, headers, page."""
    import urllib.parse

    body = urllib.parse.urlencode(fields).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    return _answer(url, headers, cookie, body)


def get_page(url: str, cookie: str | None = None) -> tuple[int, Any, str]:
    """A page read without the browser: status, headers, page."""
    return _answer(url, {}, cookie, None)


def _answer(
    url: str, headers: dict[str, str], cookie: str | None, body: bytes | None
) -> tuple[int, Any, str]:
    import urllib.error
    import urllib.request

    if cookie:
        headers = {**headers, "Cookie": cookie}
    method = "POST" if body is not None else "GET"
    request = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, answer.headers, answer.read().decode()
    except urllib.error.HTTPError as refused:
        return refused.code, refused.headers, refused.read().decode()
