"""Keeping the national portal (DVCQG) up to date with every dossier, and finding where it is not.

Every write of a dossier's state goes through the table's stream; the relay queues one sync
request per write (FIFO, grouped by dossier, so one dossier is never pushed by two workers at
once). A sync pushes the dossier's latest snapshot (`DongBoHoSoMC`) and the steps the portal has
not had yet (`CapNhatTienDoHoSoMC`), then moves the dossier's mark. Requests carry only the code:
whatever order they arrive in, the portal is told the latest, and a request for a revision the
portal already has costs two reads and no push.

What the queue's retries and dead letters miss (and what the portal acknowledged and then
lost), the reconciliation against the portal's own view finds and pushes again
(`chalicelib/services/portal_reconcile.py`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any

from pydantic import BaseModel, ConfigDict

from chalicelib.domain import portal_records
from chalicelib.domain.agencies import AgencyRegistry
from chalicelib.domain.procedures import Catalog
from chalicelib.ports.files import FileRecords
from chalicelib.ports.portal import (
    NationalPortal,
    PortalRejected,
    PortalSyncLog,
    SyncMark,
)
from chalicelib.ports.queues import Publisher
from chalicelib.ports.records import DossierRecord
from chalicelib.ports.store import DossierLoader
from chalicelib.ports.stream import StateWritten
from chalicelib.services.failures import PermanentFailure
from chalicelib.services.file_links import PublicFileLinks


class SyncRequest(BaseModel):
    """The queue's message: which dossier, and the revision that asked (for the logs and the
    FIFO deduplication id; the sync itself reads the latest)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str
    revision: int


class SyncResult(Enum):
    PUSHED = "pushed"
    UP_TO_DATE = "up_to_date"


@dataclass(frozen=True)
class PortalSyncDeps:
    store: DossierLoader
    log: PortalSyncLog
    portal: NationalPortal
    catalog: Catalog
    agencies: AgencyRegistry
    # The dossier's stored files and their public links (TaiLieuNop, DanhSachGiayToKetQua);
    # without them, the documents intake received and no result.
    files: FileRecords | None = None
    links: PublicFileLinks | None = None


def sync(code: str, deps: PortalSyncDeps, now: datetime) -> SyncResult:
    record = deps.store.load(code)
    if record is None:
        raise PermanentFailure(f"dossier {code} does not exist")
    dossier = record.dossier
    mark = deps.log.get(code)
    if mark is not None and mark.revision >= dossier.revision:
        return SyncResult.UP_TO_DATE
    snapshot, steps = portal_items(record, deps, after_version=mark.version if mark else None)
    try:
        deps.portal.push(portal_records.DOSSIER_SERVICE, [snapshot])
        deps.portal.push(portal_records.PROGRESS_SERVICE, steps)
    except PortalRejected as exc:
        # The same items will be refused again: a person must look (dead letter, reconcile).
        raise PermanentFailure(f"the national portal refused {code}: {exc}") from exc
    deps.log.record(
        code,
        SyncMark(
            revision=dossier.revision,
            version=dossier.version,
            status=int(dossier.status),
            synced_at=now,
        ),
    )
    return SyncResult.PUSHED


def portal_items(
    record: DossierRecord, deps: PortalSyncDeps, *, after_version: int | None = None
) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """What the portal is told of a dossier now: its snapshot, and its steps (those after
    `after_version` only, when given)."""
    dossier = record.dossier
    snapshot = portal_records.dossier_item(
        dossier,
        deps.catalog.get(dossier.procedure_code, dossier.procedure_version),
        record.history,
        resolving_agency_name=deps.agencies.name_of(dossier.resolving_agency),
        files=linked_files(dossier.code, deps),
    )
    steps = [
        portal_records.progress_item(dossier.code, entry, unit_name=deps.agencies.place_name)
        for entry in record.history
        if after_version is None or entry.version > after_version
    ]
    return snapshot, steps


def linked_files(code: str, deps: PortalSyncDeps) -> list[portal_records.LinkedFile]:
    """The dossier's stored files, each with the link the portal fetches it from."""
    if deps.files is None or deps.links is None:
        return []
    links = deps.links
    return [
        portal_records.LinkedFile(stored, links.url(code, stored.file_id))
        for stored in deps.files.files(code)
    ]


def request_for_state(state: StateWritten) -> SyncRequest:
    """The sync a written dossier state asks for (every one: a new status, step, date or alarm
    all change what the portal shows or may show)."""
    return SyncRequest(code=state.code, revision=state.revision)


def enqueue(request: SyncRequest, publisher: Publisher, queue_url: str, *, nonce: str = "") -> None:
    """One message per dossier revision (FIFO deduplication); `nonce` lets a caller ask again
    for a revision whose message was dead-lettered minutes ago."""
    publisher.send(
        queue_url,
        request.model_dump(mode="json"),
        group=request.code,
        dedup_id=f"{request.code}#{request.revision}{'#' + nonce if nonce else ''}",
    )
