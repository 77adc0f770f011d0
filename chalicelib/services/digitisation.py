"""The stored files' say on a dossier (QĐ 766 4.1, 4.2, 4.3), written through the change path.

After a file is recorded (services/files.record_upload) or taken from the citizen's stored
documents (services/reuse.py), `bring_flags_up_to_date` re-reads the dossier and its files and
applies the `files_recorded` change (domain/digitisation.py) with its counters, in one store
transaction. Its command id names the file, so a redelivery or a second record of the same
file applies nothing twice; a concurrent change of the dossier (CONFLICT) is retried from a
fresh read a few times.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from chalicelib.domain import indicators
from chalicelib.domain.calendar import WorkingCalendar
from chalicelib.domain.digitisation import files_recorded
from chalicelib.domain.dossier import Actor
from chalicelib.domain.files import ReusableDocument, StoredFile, document_kind
from chalicelib.domain.procedures import Catalog
from chalicelib.ports.files import FileRecords
from chalicelib.ports.records import ApplyOutcome, Change
from chalicelib.ports.store import ChangeWriter, DossierLookup
from chalicelib.services.errors import Conflict, FieldIssue

ATTEMPTS = 4


@dataclass(frozen=True)
class FlagDeps:
    dossiers: DossierLookup
    changes: ChangeWriter
    records: FileRecords
    catalog: Catalog
    calendar: WorkingCalendar


def bring_flags_up_to_date(
    code: str,
    command_id: str,
    actor: Actor,
    deps: FlagDeps,
    *,
    now: datetime,
    reused: int = 0,
) -> ApplyOutcome | None:
    """Apply what the stored files make of `code` (and `reused` more reused components):
    APPLIED, DUPLICATE (this command applied before), or None when they change nothing."""
    for _ in range(ATTEMPTS):
        dossier = deps.dossiers.get(code)
        if dossier is None:
            raise LookupError(f"dossier {code} vanished while recording its files")
        procedure = deps.catalog.get(dossier.procedure_code, dossier.procedure_version)
        if procedure is None:
            raise LookupError(f"{dossier.procedure_code} v{dossier.procedure_version} unknown")
        transition = files_recorded(dossier, deps.records.files(code), procedure, actor=actor,
                                    at=now, reused=reused)  # fmt: skip
        if transition is None:
            return None
        outcome = deps.changes.apply(
            Change(
                transition.dossier,
                transition.entry,
                command_id=command_id,
                expected_revision=dossier.revision,
                counted=indicators.counted_change(dossier, transition.dossier, now, deps.calendar),
            )
        )
        if outcome is not ApplyOutcome.CONFLICT:
            return outcome
    raise Conflict(
        f"dossier {code} kept changing while its files were recorded: record again",
        errors=[FieldIssue("code", "changed meanwhile", "Hồ sơ vừa thay đổi, vui lòng thử lại")],
    )


def index_for_reuse(stored: StoredFile, deps: FlagDeps) -> None:
    """Keep `stored` as the citizen's latest document of its kind, for a later dossier to
    take (QĐ 766 4.3). A copy taken from the index is not indexed again: its source stays the
    citizen's document (and taking it again finds it)."""
    dossier = deps.dossiers.get(stored.code)
    if dossier is None or not dossier.applicant.id_number or stored.reused_from is not None:
        return
    deps.records.index_document(
        ReusableDocument(
            id_number=dossier.applicant.id_number,
            document=document_kind(stored, dossier.procedure_code),
            code=stored.code,
            file_id=stored.file_id,
            sha256=stored.sha256,
            name=stored.name,
            content_type=stored.content_type,
            at=stored.at,
        )
    )
