"""Reads the editable calendar table (data/calendar.yaml) into a WorkingCalendar."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import ValidationError

from chalicelib.domain.calendar import CalendarTable, WorkingCalendar
from chalicelib.domain.errors import InvalidInput


def load_calendar(path: Path) -> WorkingCalendar:
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return CalendarTable.model_validate(document).build()
    except yaml.YAMLError as exc:
        raise InvalidInput(f"{path}: not valid YAML: {exc}", field="calendar") from exc
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "calendar"
        raise InvalidInput(f"{path}: {where}: {first['msg']}", field=where) from exc
