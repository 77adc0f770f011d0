"""A dossier's files: ask for an upload, record it once checked, list them, hand one out.

Authorised as the dossier's reads are (`transitions.require_visible`: the dossier exists and
the official's agency takes part in it). The bytes go from the official's browser to the file
store through a presigned POST; recording reads them back (bounded), checks them
(`file_checks`) and only then copies them to their lasting key and writes the record. A
refused file leaves nothing: its upload object is deleted, no key under `files/`, no record.
Every download link is given only once the read is recorded (`on_release`: the read audit).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from chalicelib.domain.calendar import WorkingCalendar
from chalicelib.domain.dossier import Actor, Dossier
from chalicelib.domain.files import (
    FILE_ID,
    FileKind,
    PendingUpload,
    StoredFile,
    components_missing,
    digitised,
    electronic_result,
    file_id_for,
    latest_first,
)
from chalicelib.domain.procedures import Catalog, Procedure
from chalicelib.domain.result_signatures import Problem, SignatureCheck, result_acceptable
from chalicelib.domain.statuses import DossierStatus
from chalicelib.ports.files import FileRecords, FileStore, FileTooLarge
from chalicelib.ports.store import ChangeWriter, DossierLookup
from chalicelib.services.digitisation import FlagDeps, bring_flags_up_to_date, index_for_reuse
from chalicelib.services.errors import Conflict, FieldIssue, Invalid, NotFound
from chalicelib.services.file_checks import PDF, CheckedFile, FileLimits, check_file, refused
from chalicelib.services.transitions import require_visible

FILE_ID_FORM = re.compile(FILE_ID)
RESOLVED = frozenset({DossierStatus.RESOLVED, DossierStatus.RETURNED})


class UploadAsked(Protocol):
    kind: str
    component: str | None
    content_type: str
    size: int
    name: str


@dataclass(frozen=True)
class FileDeps:
    dossiers: DossierLookup
    catalog: Catalog
    blobs: FileStore
    records: FileRecords
    limits: FileLimits
    upload_seconds: int = 600
    # A result PDF's signature check (services/result_signatures.verify_result with the trust
    # list and the clock); None: results are taken as unsigned.
    verify_signature: Callable[[bytes], SignatureCheck] | None = None
    download_seconds: int = 300
    # Where a recorded file changes the dossier's QĐ 766 flags (services/digitisation.py):
    # both set in production (bootstrap); None: files are kept and the dossier left as it is.
    changes: ChangeWriter | None = None
    calendar: WorkingCalendar | None = None

    def flags(self) -> FlagDeps | None:
        if self.changes is None or self.calendar is None:
            return None
        return FlagDeps(self.dossiers, self.changes, self.records, self.catalog, self.calendar)


def request_upload(
    code: str,
    asked: UploadAsked,
    actor: Actor,
    deps: FileDeps,
    *,
    now: datetime,
    new_id: Callable[[], str] = lambda: uuid.uuid4().hex,
    redirect: Callable[[str], str] | None = None,
) -> dict[str, Any]:
    """A presigned POST for one file of `code`, and the upload's id to record it with.
    `redirect` (a page's form, posted by the browser to the store): the address, made from the
    upload's id, the store sends the browser back to once the bytes are in."""
    dossier = require_visible(code, deps.dossiers.get(code), actor)
    kind = FileKind(asked.kind)
    check_component(kind, asked.component, procedure_of(dossier, deps.catalog))
    if asked.content_type not in deps.limits.types:
        accepted = ", ".join(sorted(deps.limits.types))
        raise _invalid("content_type", f"not one of {accepted}",
                       f"Loại tệp không được chấp nhận (chỉ nhận {accepted})")  # fmt: skip
    if asked.size > deps.limits.max_bytes:
        raise _invalid(
            "size",
            f"{asked.size} bytes, more than the {deps.limits.max_bytes} allowed",
            "Tệp vượt quá dung lượng cho phép",
        )
    upload = PendingUpload(
        code=code,
        upload_id=new_id(),
        kind=kind,
        component=asked.component,
        content_type=asked.content_type,
        max_bytes=asked.size,
        name=asked.name,
        requested_by=actor.id,
        requested_at=now,
    )
    deps.records.put_upload(upload)
    form = deps.blobs.upload_form(
        upload.key,
        content_type=upload.content_type,
        max_bytes=upload.max_bytes,
        expires_in=deps.upload_seconds,
        redirect=redirect(upload.upload_id) if redirect is not None else None,
    )
    return {
        "upload_id": upload.upload_id,
        "url": form.url,
        "fields": form.fields,
        "expires_in": form.expires_in,
        "max_bytes": upload.max_bytes,
    }


def record_upload(
    code: str, upload_id: str, actor: Actor, deps: FileDeps, *, now: datetime
) -> tuple[StoredFile, bool]:
    """Check the uploaded bytes and keep them: (the file, whether it is new). Recording the same
    upload again, or the same bytes as the same component, answers the file kept."""
    require_visible(code, deps.dossiers.get(code), actor)
    upload = deps.records.get_upload(code, upload_id)
    if upload is None:
        raise NotFound(f"upload {upload_id} of {code} does not exist",
                       errors=[FieldIssue("upload_id", "no such upload",
                                          "Không tìm thấy lượt tải lên này")])  # fmt: skip
    if upload.file_id is not None:
        kept = deps.records.get_file(code, upload.file_id)
        if kept is not None:
            _file_kept(kept, actor, deps, now)  # a retry finishes what a failure left undone
            return kept, False
    data = _uploaded_bytes(upload, deps)
    try:
        checked = check_file(data, deps.limits, declared_type=upload.content_type)
        signature = _result_signature(upload.kind, data, checked.content_type, code, deps)
    except Invalid:
        deps.blobs.delete(upload.key)  # a refused file is not kept, even for a day
        raise
    candidate = _candidate(code, upload.kind, upload.component, upload.name, checked, actor,
                           now, signature=signature)  # fmt: skip
    stored, created = keep(candidate, upload.key, deps)
    deps.records.mark_recorded(code, upload_id, stored.file_id)
    deps.blobs.delete(upload.key)
    _file_kept(stored, actor, deps, now)
    return stored, created


def record_fetched(
    code: str, component: str, name: str, data: bytes, actor: Actor, deps: FileDeps,
    *, now: datetime,
) -> tuple[StoredFile, bool]:  # fmt: skip
    """Keep a component a portal sent by URL (services/file_fetch.py) as an upload is kept:
    the same checks (Invalid naming `file` when refused), the same id and key, the same say on
    the dossier's flags and the citizen's reuse index. Fetched again, the file kept is found."""
    checked = check_file(data, deps.limits)
    candidate = _candidate(code, FileKind.COMPONENT, component, name, checked, actor, now)
    stored, created = keep(candidate, None, deps, data=data)
    _file_kept(stored, actor, deps, now)
    return stored, created


def _candidate(
    code: str, kind: FileKind, component: str | None, name: str, checked: CheckedFile,
    actor: Actor, now: datetime, *, signature: SignatureCheck | None = None,
) -> StoredFile:  # fmt: skip
    return StoredFile(
        code=code,
        file_id=file_id_for(code, kind, component, checked.sha256),
        kind=kind,
        component=component,
        name=name,
        sha256=checked.sha256,
        size=checked.size,
        content_type=checked.content_type,
        pages=checked.pages,
        uploaded_by=actor.id,
        at=now,
        signature=signature,
    )


def keep(
    candidate: StoredFile, source_key: str | None, deps: FileDeps, *, data: bytes | None = None
) -> tuple[StoredFile, bool]:
    """(the file kept as `candidate.file_id`, whether it is new): the one recorded before, or
    `candidate`, its bytes copied from `source_key` (or written from `data`) to their lasting
    key (once per dossier)."""
    kept = deps.records.get_file(candidate.code, candidate.file_id)
    if kept is not None:
        return kept, False
    if not deps.blobs.exists(candidate.key):
        if data is not None:
            deps.blobs.put(candidate.key, data, content_type=candidate.content_type)
        else:
            assert source_key is not None  # one of them is given
            deps.blobs.copy(source_key, candidate.key)
    return deps.records.put_file(candidate), True


def _file_kept(stored: StoredFile, actor: Actor, deps: FileDeps, now: datetime) -> None:
    """What a kept file changes: the citizen's reuse index, and the dossier's flags with their
    counters (once per file: the command id names it)."""
    flags = deps.flags()
    if flags is None:
        return
    index_for_reuse(stored, flags)
    bring_flags_up_to_date(stored.code, f"files-{stored.file_id}", actor, flags, now=now)


def _result_signature(
    kind: FileKind, data: bytes, content_type: str, code: str, deps: FileDeps
) -> SignatureCheck | None:
    """A result's signature, checked (a PDF) or absent (an image); refused (Invalid, naming
    `file`) when the procedure cannot take it (domain/result_signatures.result_acceptable)."""
    if kind is not FileKind.RESULT:
        return None
    if content_type == PDF and deps.verify_signature is not None:
        check = deps.verify_signature(data)
    else:
        check = SignatureCheck.of_file(Problem.NO_SIGNATURE, f"a {content_type} has no signature")
    dossier = deps.dossiers.get(code)
    assert dossier is not None  # seen by require_visible
    accepted = result_acceptable(check, procedure_of(dossier, deps.catalog))
    if not accepted.ok:
        raise Invalid(
            f"file: the result's signature is {check.status.value}: {check.reason}",
            errors=[FieldIssue("file", f"signature {check.status.value}: {check.reason}",
                               accepted.reason)],
        )  # fmt: skip
    return check


def _uploaded_bytes(upload: PendingUpload, deps: FileDeps) -> bytes:
    limit = min(upload.max_bytes, deps.limits.max_bytes)
    try:
        data = deps.blobs.read(upload.key, max_bytes=limit)
    except FileTooLarge:
        deps.blobs.delete(upload.key)
        raise refused(
            f"more than the {limit} bytes asked for", "Tệp vượt quá dung lượng đã khai báo"
        ) from None
    if data is None:
        raise Conflict(
            f"nothing was uploaded for {upload.upload_id} (or its link expired)",
            errors=[FieldIssue("upload_id", "nothing uploaded yet",
                               "Chưa có tệp nào được tải lên cho lượt này")],
        )  # fmt: skip
    return data


def list_files(code: str, actor: Actor, deps: FileDeps) -> dict[str, Any]:
    """The dossier's files, newest first, and what they say of it (QĐ 766 4.1 and 4.2)."""
    dossier = require_visible(code, deps.dossiers.get(code), actor)
    files = deps.records.files(code)
    procedure = procedure_of(dossier, deps.catalog)
    return {
        "items": [file_view(f) for f in latest_first(files)],
        "components_missing": components_missing(files, procedure),
        "digitised": digitised(files, procedure, resolved=dossier.status in RESOLVED),
        "electronic_result": electronic_result(files),
    }


def download_link(
    code: str,
    file_id: str,
    actor: Actor,
    deps: FileDeps,
    *,
    on_release: Callable[[StoredFile], None],
) -> dict[str, Any]:
    """A short-lived link to one file; `on_release` (the read audit) runs first, and a failure
    there gives no link."""
    require_visible(code, deps.dossiers.get(code), actor)
    stored = deps.records.get_file(code, file_id) if FILE_ID_FORM.fullmatch(file_id) else None
    if stored is None:
        raise NotFound(f"file {file_id} of {code} does not exist",
                       errors=[FieldIssue("file_id", "no such file",
                                          "Không tìm thấy tệp")])  # fmt: skip
    on_release(stored)
    url = deps.blobs.download_url(
        stored.key,
        expires_in=deps.download_seconds,
        filename=stored.name,
        content_type=stored.content_type,
    )
    return {"url": url, "expires_in": deps.download_seconds, "file": file_view(stored)}


def file_view(stored: StoredFile) -> dict[str, Any]:
    return stored.model_dump(mode="json", exclude={"code"})


def recorded_view(stored: StoredFile, created: bool) -> dict[str, Any]:
    return {**file_view(stored), "created": created}


def procedure_of(dossier: Dossier, catalog: Catalog) -> Procedure:
    procedure = catalog.get(dossier.procedure_code, dossier.procedure_version)
    if procedure is None:  # a dossier is opened only under a procedure of the catalog
        raise LookupError(f"{dossier.procedure_code} v{dossier.procedure_version} not in catalog")
    return procedure


def check_component(kind: FileKind, component: str | None, procedure: Procedure) -> None:
    if kind is FileKind.RESULT:
        if component is not None:
            raise _invalid("component", "a result is no component: leave it out",
                           "Kết quả giải quyết không thuộc thành phần hồ sơ")  # fmt: skip
        return
    if component is None or procedure.component(component) is None:
        known = ", ".join(procedure.component_code(i) for i in range(len(procedure.components)))
        raise _invalid(
            "component",
            f"not a component of procedure {procedure.code} v{procedure.version} ({known})",
            "Không phải thành phần hồ sơ của thủ tục này",
        )


def _invalid(field: str, reason: str, message: str) -> Invalid:
    return Invalid(f"{field}: {reason}", errors=[FieldIssue(field, reason, message)])
