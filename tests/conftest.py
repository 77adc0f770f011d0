from pathlib import Path

import pytest

from chalicelib.adapters.calendar_file import load_calendar

REPO_DATA_DIR = Path(__file__).resolve().parent.parent / "data"


@pytest.fixture(scope="session")
def calendar():
    """The shipped calendar table, as production loads it."""
    return load_calendar(REPO_DATA_DIR / "calendar.yaml")
