"""A citizen's stored documents taken again by a later dossier (QĐ 766 indicator 4.3).

Every kept component file and result is indexed by the applicant's identification number and
its kind (services/digitisation.index_for_reuse). An official handling a dossier may see and
take the documents of that dossier's own applicant, and of no one else: the index is asked
only with the id number of a dossier the official may read (`require_visible`), so a document
of another citizen is not found (404), whoever asks. Taking one records a file on the new
dossier with the same bytes (copied under its own key, `reused_from` naming the source) and
counts it for 4.3 in the same transaction as the dossier's flags.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib.domain.dossier import Actor
from chalicelib.domain.files import FileKind, ReusableDocument, ReusedFrom, StoredFile, file_id_for
from chalicelib.services.digitisation import bring_flags_up_to_date
from chalicelib.services.errors import FieldIssue, NotFound
from chalicelib.services.files import FileDeps, check_component, file_view, keep, procedure_of
from chalicelib.services.transitions import require_visible


def reusable_documents(code: str, actor: Actor, deps: FileDeps) -> dict[str, Any]:
    """The documents of `code`'s applicant stored with their other dossiers, latest of each
    kind."""
    return {"items": [_view(d) for d in _documents(code, actor, deps)]}


def reuse_document(
    code: str, component: str, source_file_id: str, actor: Actor, deps: FileDeps, *, now: datetime
) -> tuple[StoredFile, bool]:
    """Record the applicant's stored document `source_file_id` as `component` of `code`: (the
    file, whether it is new). Taking the same document again answers the file kept, counted
    once."""
    flags = deps.flags()
    if flags is None:
        raise LookupError("reuse needs the change path (FileDeps.changes and calendar)")
    documents = _documents(code, actor, deps)
    # Taken before: the same answer, even once a newer document of its kind is indexed.
    taken = next((f for f in deps.records.files(code) if f.reused_from is not None
                  and f.reused_from.file_id == source_file_id), None)  # fmt: skip
    if taken is not None:
        return taken, False
    found = next((d for d in documents if d.file_id == source_file_id), None)
    source = deps.records.get_file(found.code, found.file_id) if found else None
    if source is None:
        raise NotFound(
            f"no stored document {source_file_id} of this dossier's applicant",
            errors=[FieldIssue("source_file_id", "no such document of the applicant",
                               "Không tìm thấy giấy tờ đã lưu của công dân")],
        )  # fmt: skip
    dossier = deps.dossiers.get(code)
    assert dossier is not None  # seen by _documents
    check_component(FileKind.COMPONENT, component, procedure_of(dossier, deps.catalog))
    file_id = file_id_for(code, FileKind.COMPONENT, component, source.sha256)
    candidate = source.model_copy(
        update={
            "code": code,
            "file_id": file_id,
            "kind": FileKind.COMPONENT,
            "component": component,
            "uploaded_by": actor.id,
            "at": now,
            "reused_from": ReusedFrom(code=source.code, file_id=source.file_id),
        }
    )
    kept, created = keep(candidate, source.key, deps)
    # Counted once per reused file (the command id names it); the same bytes uploaded for
    # that component before are no reuse.
    reused = int(kept.reused_from is not None)
    bring_flags_up_to_date(code, f"reuse-{file_id}", actor, flags, now=now, reused=reused)
    return kept, created


def _documents(code: str, actor: Actor, deps: FileDeps) -> list[ReusableDocument]:
    dossier = require_visible(code, deps.dossiers.get(code), actor)
    id_number = dossier.applicant.id_number
    if not id_number:
        return []
    return [d for d in deps.records.documents_of(id_number) if d.code != code]


def _view(document: ReusableDocument) -> dict[str, Any]:
    return document.model_dump(mode="json", exclude={"id_number"})


def reused_view(stored: StoredFile, created: bool) -> dict[str, Any]:
    return {**file_view(stored), "created": created}
