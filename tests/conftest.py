import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from chalicelib import bootstrap
from chalicelib.adapters.calendar_file import load_calendar

# Every worker invocation and API call writes its counters as EMF lines on stdout; the tests
# that look at them turn them back on (tests/unit/test_observability.py, tests/e2e).
os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")

REPO_DATA_DIR = Path(__file__).resolve().parent.parent / "data"

# Hypothesis: CI runs the same examples every time (a failure is reproducible from the log's
# blob), twice Hypothesis' default number, with no deadline (a shared runner is slow at
# random); `dev`, the default elsewhere, keeps random examples and Hypothesis' number.
# HYPOTHESIS_PROFILE picks one; tests that set max_examples themselves keep theirs.
settings.register_profile(
    "ci",
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=True,
    max_examples=200,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", deadline=None, print_blob=True)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") == "true" else "dev")
)

# Suites of more than a few seconds, left out of `make check` (`pytest -m "not slow"`) and run
# by `make test`: every e2e test (a local stack over HTTP), the packaging (`chalice package`,
# cfn-lint), the fault injection (~100 s), the OpenAPI fuzzing and the load smoke.
SLOW_PATHS = (
    "tests/e2e/",
    "tests/infra/test_template.py",
    "tests/hostile/test_faults.py",
    "tests/hostile/test_schemathesis.py",
    "tests/hostile/test_load.py",
)


def pytest_collection_modifyitems(config, items):
    root = Path(str(config.rootpath))
    for item in items:
        where = Path(str(item.path)).relative_to(root).as_posix()
        if item.get_closest_marker("e2e") or where.startswith(SLOW_PATHS):
            item.add_marker(pytest.mark.slow)


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
