"""The daily digest: on working days, each agency's due and overdue dossiers, once a day: to
its shared mailboxes, and to each official in the directory their own part (outbox.Notices)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from chalicelib.domain import digest
from chalicelib.domain.agencies import AgencyRegistry
from chalicelib.domain.calendar import LOCAL_TZ, WorkingCalendar
from chalicelib.ports.store import DigestStore
from chalicelib.services.outbox import Notices


@dataclass(frozen=True)
class DigestDeps:
    store: DigestStore
    agencies: AgencyRegistry
    calendar: WorkingCalendar
    notices: Notices | None = None


def run(now: datetime, deps: DigestDeps) -> list[digest.Digest]:
    """The digests written by this run: none on a day off, none twice a day, none empty."""
    if not deps.calendar.is_working_day(now.astimezone(LOCAL_TZ).date()):
        return []
    written = []
    until = digest.horizon(now, deps.calendar)
    for agency in deps.agencies.all():
        if not agency.digest_recipients and not _has_officials(deps, agency.code):
            continue  # nobody to tell
        dossiers = deps.store.open_due_before(agency.code, until)
        built = digest.build(agency.code, tuple(agency.digest_recipients), dossiers, now,
                             deps.calendar)  # fmt: skip
        outbox = deps.notices.for_digest(built) if deps.notices else []
        if not built.empty and deps.store.put_digest(built, outbox):
            written.append(built)
    return written


def _has_officials(deps: DigestDeps, agency: str) -> bool:
    directory = deps.notices.officials if deps.notices else None
    return directory is not None and bool(directory.of_agency(agency))
