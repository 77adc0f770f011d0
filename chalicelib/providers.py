"""Lazily built, process-wide dependencies of the handlers.

Built on first use, not at import: cold starts stay short, and the Chalice test client can set
environment variables before anything reads them.
"""

from __future__ import annotations

from functools import cache

from chalicelib.adapters.calendar_file import load_calendar
from chalicelib.adapters.catalog_files import data_dir, load_agencies, load_catalog
from chalicelib.domain.agencies import AgencyRegistry
from chalicelib.domain.calendar import WorkingCalendar
from chalicelib.domain.procedures import Catalog


@cache
def calendar() -> WorkingCalendar:
    return load_calendar(data_dir() / "calendar.yaml")


@cache
def agencies() -> AgencyRegistry:
    return load_agencies(data_dir() / "agencies.yaml")


@cache
def catalog() -> Catalog:
    return load_catalog(data_dir() / "procedures.yaml", agencies())


def reset() -> None:
    """Forget everything built (tests that change the environment call this)."""
    for provider in (calendar, agencies, catalog):
        provider.cache_clear()
