"""Who read which dossier's personal data, when and how: the record NĐ 13/2023 asks for.

One `PersonalDataRead` for every answer that showed an official a dossier's applicant (name,
identity number, phone, email, address): written before the answer leaves, never changed.
Pure: the clock and the request's details are given.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Final

from pydantic import BaseModel, ConfigDict

MAX_QUERY_DAYS: Final = 31  # one query reads one partition a day: a month at most


class PersonalDataRead(BaseModel):
    """One read of one dossier's personal data by one official."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    at: datetime  # aware, as the clock gave it
    code: str  # the dossier
    actor_id: str  # the token's subject
    actor_name: str
    agency: str
    unit: str | None = None
    roles: tuple[str, ...]
    route: str  # "GET /v1/dossiers/{code}"
    source_ip: str | None = None
    request_id: str | None = None


def days_between(start: datetime, end: datetime) -> list[str]:
    """The UTC days (yyyy-mm-dd) that [start, end] touches, in order: the partitions to read."""
    first, last = start.astimezone(UTC).date(), end.astimezone(UTC).date()
    count = (last - first).days + 1
    return [(first + timedelta(days=n)).isoformat() for n in range(max(count, 0))]


def matches(read: PersonalDataRead, *, code: str | None, actor: str | None) -> bool:
    return (code is None or read.code == code) and (actor is None or read.actor_id == actor)
