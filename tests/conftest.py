import os
from pathlib import Path

import pytest

from chalicelib import bootstrap
from chalicelib.adapters.calendar_file import load_calendar

# Every worker invocation and API call writes its counters as EMF lines on stdout; the tests
# that look at them turn them back on (tests/unit/test_observability.py, tests/e2e).
os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")

REPO_DATA_DIR = Path(__file__).resolve().parent.parent / "data"


@pytest.fixture(scope="session")
def calendar():
    """The shipped calendar table, as production loads it."""
    return load_calendar(REPO_DATA_DIR / "calendar.yaml")


@pytest.fixture(autouse=True)
def own_container():
    """Whatever container a test installs (the CLI, a local stack) is gone after it; one that a
    wider fixture installed stays."""
    before = bootstrap.installed()
    yield
    if bootstrap.installed() is not before:
        bootstrap.install(before)
