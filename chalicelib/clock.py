"""The current time, settable outside production.

Tests and the local stage move time (e.g. `MOTCUA_NOW=2026-03-02T08:00:00+07:00`) to watch
deadlines pass; production always reads the real clock.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

from chalicelib.domain.calendar import LOCAL_TZ


def now() -> datetime:
    fixed = os.environ.get("MOTCUA_NOW")
    if fixed and os.environ.get("MOTCUA_STAGE", "dev") != "prod":
        moment = datetime.fromisoformat(fixed)
        return (moment if moment.tzinfo else moment.replace(tzinfo=LOCAL_TZ)).astimezone(LOCAL_TZ)
    return datetime.now(UTC).astimezone(LOCAL_TZ)
