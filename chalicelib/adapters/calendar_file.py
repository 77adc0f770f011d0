"""Reads the editable calendar table (data/calendar.yaml) into a WorkingCalendar."""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from chalicelib.adapters.catalog_files import read_document
from chalicelib.domain.calendar import CalendarTable, WorkingCalendar
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.procedures import field_location


def load_calendar(path: Path) -> WorkingCalendar:
    try:
        return CalendarTable.model_validate(read_document(path) or {}).build()
    except ValidationError as exc:
        first = exc.errors()[0]
        where = field_location(first)
        raise InvalidInput(f"{path}: {where}: {first['msg']}", field=where) from exc
