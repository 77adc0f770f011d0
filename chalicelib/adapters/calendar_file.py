"""Reads the editable calendar table (data/calendar.yaml) into a WorkingCalendar, with the
statutory holidays precomputed beside it (data/holidays.json, adapters/holiday_table.py)."""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from chalicelib.adapters import holiday_table
from chalicelib.adapters.catalog_files import read_document
from chalicelib.domain.calendar import CalendarTable, WorkingCalendar
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.procedures import field_location


def load_calendar(path: Path) -> WorkingCalendar:
    statutory = holiday_table.load(path.parent / holiday_table.HOLIDAYS_FILE)
    try:
        return CalendarTable.model_validate(read_document(path) or {}).build(statutory)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = field_location(first)
        raise InvalidInput(f"{path}: {where}: {first['msg']}", field=where) from exc
