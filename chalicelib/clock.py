"""The current time, as the composition root gives it: the real clock, or a fixed one.

Tests and the local stage fix time (`MOTCUA_NOW`, or `FixedClock.set`) to watch deadlines pass;
prod refuses a fixed clock (chalicelib/settings.py).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol

from chalicelib.domain.calendar import LOCAL_TZ


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC).astimezone(LOCAL_TZ)


class FixedClock:
    """Stands still at one moment until moved."""

    def __init__(self, moment: datetime) -> None:
        self.set(moment)

    def set(self, moment: datetime) -> None:
        self._moment = (moment if moment.tzinfo else moment.replace(tzinfo=LOCAL_TZ)).astimezone(
            LOCAL_TZ
        )

    def now(self) -> datetime:
        return self._moment
