"""A local stack and a headless chromium (Debian's: `make browser`) for the page tests.

Where chromium is absent the tests fail with one line naming the command that installs it:
a skipped browser test would pass CI without ever opening a page."""

from __future__ import annotations

import contextlib
import io
import uuid

import pytest

from chalicelib.services import reading
from devstack import browser, demo, form_scenarios
from devstack.stack import LocalStack


@pytest.fixture(scope="module")
def stack():
    with LocalStack(port=0, moto_port=0, prefix=f"br{uuid.uuid4().hex[:6]}-") as running:
        yield running


@pytest.fixture(scope="module")
def apologised(stack):
    """A dossier received at the counter, taken up, then extended with an apology (Mẫu 04):
    its code and receipt PIN."""
    with contextlib.redirect_stdout(io.StringIO()):
        return form_scenarios.counter_receipt_then_apology(demo.Cast.local(stack.base_url))


@pytest.fixture
def chromium(monkeypatch):
    problem = browser.missing()
    if problem is not None:
        pytest.fail(problem, pytrace=False)
    monkeypatch.setattr(reading, "PUBLIC_LOOKUP_SECONDS", 0.01)  # not about time here
    with browser.chromium() as driver:
        yield driver
