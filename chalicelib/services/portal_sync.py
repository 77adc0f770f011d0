"""Keeping the national portal (DVCQG) up to date with every dossier, and finding where it is not.

Every write of a dossier's state goes through the table's stream; the relay queues one sync
request per write (FIFO, grouped by dossier, so one dossier is never pushed by two workers at
once). A sync pushes the dossier's latest snapshot (`DongBoHoSoMC`) and the steps the portal has
not had yet (`CapNhatTienDoHoSoMC`), then moves the dossier's mark. Requests carry only the code:
whatever order they arrive in, the portal is told the latest, and a request for a revision the
portal already has costs two reads and no push.

`reconcile` compares every dossier with its mark and queues a sync for each one behind: the
net under the queue's retries and dead letters.
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
from chalicelib.ports.portal import (
    NationalPortal,
    PortalRejected,
    PortalSyncLog,
    Standing,
    SyncMark,
)
from chalicelib.ports.queues import Publisher
from chalicelib.ports.store import DossierLoader
from chalicelib.ports.stream import StateWritten
from chalicelib.services.failures import PermanentFailure


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


def sync(code: str, deps: PortalSyncDeps, now: datetime) -> SyncResult:
    record = deps.store.load(code)
    if record is None:
        raise PermanentFailure(f"dossier {code} does not exist")
    dossier = record.dossier
    mark = deps.log.get(code)
    if mark is not None and mark.revision >= dossier.revision:
        return SyncResult.UP_TO_DATE
    snapshot = portal_records.dossier_item(
        dossier,
        deps.catalog.get(dossier.procedure_code, dossier.procedure_version),
        record.history,
        resolving_agency_name=deps.agencies.name_of(dossier.resolving_agency),
    )
    steps = [
        portal_records.progress_item(code, entry, unit_name=deps.agencies.place_name)
        for entry in record.history
        if mark is None or entry.version > mark.version
    ]
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


def request_for_state(state: StateWritten) -> SyncRequest:
    """The sync a written dossier state asks for (every one: a new status, step, date or alarm
    all change what the portal shows or may show)."""
    return SyncRequest(code=state.code, revision=state.revision)


def enqueue(request: SyncRequest, publisher: Publisher, queue_url: str, *, nonce: str = "") -> None:
    """One message per dossier revision (FIFO deduplication); `nonce` lets reconciliation ask
    again for a revision whose message was dead-lettered minutes ago."""
    publisher.send(
        queue_url,
        request.model_dump(mode="json"),
        group=request.code,
        dedup_id=f"{request.code}#{request.revision}{'#' + nonce if nonce else ''}",
    )


@dataclass(frozen=True)
class Reconciliation:
    checked: int
    behind: list[Standing]
    requeued: int

    def summary(self) -> dict[str, Any]:
        return {
            "checked": self.checked,
            "behind": len(self.behind),
            "requeued": self.requeued,
            "dossiers": [
                {
                    "code": s.code,
                    "status": s.status,
                    "revision": s.revision,
                    "portal_status": s.mark.status if s.mark else None,
                    "portal_revision": s.mark.revision if s.mark else None,
                    "synced_at": s.mark.synced_at.isoformat() if s.mark else None,
                }
                for s in self.behind
            ],
        }


def reconcile(
    log: PortalSyncLog,
    *,
    publisher: Publisher | None = None,
    queue_url: str = "",
    nonce: str = "",
) -> Reconciliation:
    """Every dossier whose mark is behind its state; with a publisher, a sync queued for each
    (through the queue, so it is ordered with the dossier's other syncs)."""
    standing = log.standing()
    behind = [s for s in standing if s.behind]
    if publisher is not None:
        for found in behind:
            enqueue(SyncRequest(code=found.code, revision=found.revision), publisher, queue_url,
                    nonce=nonce)  # fmt: skip
    return Reconciliation(
        checked=len(standing), behind=behind, requeued=len(behind) if publisher else 0
    )
