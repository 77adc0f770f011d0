"""The statutory public holidays of the supported years, precomputed (data/holidays.json).

The `holidays` package (every country imports) and one year's table cost ~60 ms of CPU at each
cold start; the table is computed once, checked in, and read as JSON. A test holds the file
equal to what the package computes, so an upgrade of `holidays` cannot leave it stale
silently. Years outside the table are computed by the package when asked (domain/calendar.py).

    python -m chalicelib.adapters.holiday_table     # rewrite data/holidays.json
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

HOLIDAYS_FILE = "holidays.json"
SUPPORTED_YEARS = range(2020, 2041)


def compute(years: range = SUPPORTED_YEARS) -> dict[str, list[str]]:
    """What the `holidays` package says, year by year, as the file holds it."""
    from chalicelib.domain.calendar import _statutory_holidays

    return {str(year): sorted(d.isoformat() for d in _statutory_holidays(year)) for year in years}


def load(path: Path) -> dict[int, frozenset[date]]:
    """The table in `path`; empty when there is none (every year is then computed)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    years = json.loads(text)["years"]
    return {int(year): frozenset(map(date.fromisoformat, days)) for year, days in years.items()}


def write(path: Path) -> None:
    from holidays import __version__

    document = {"source": f"holidays {__version__}, Vietnam", "years": compute()}
    path.write_text(json.dumps(document, indent=0) + "\n", encoding="utf-8")


if __name__ == "__main__":
    from chalicelib.adapters.catalog_files import DATA_DIR

    write(DATA_DIR / HOLIDAYS_FILE)
    print(f"wrote {DATA_DIR / HOLIDAYS_FILE}")
