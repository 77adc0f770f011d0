"""A dossier's files: what is recorded of each, and what the files say about the dossier.

A file is the applicant's document for one catalog component (thành phần hồ sơ) digitised, or
the dossier's result issued electronically. The bytes are in the file store under
`files/<code>/<sha256>`; the record, under the dossier's partition, says what they are. Two
indicators of QĐ 766 follow from the records alone (pure functions below): 4.2, the dossier
is digitised (every required component has a file, and the result too once resolved); 4.1,
the result is electronic (a result file is stored).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, NonNegativeInt, StringConstraints

from chalicelib.domain.procedures import COMPONENT_CODE, Procedure
from chalicelib.domain.result_signatures import SignatureCheck

FILE_ID = r"^[0-9a-f]{32}$"
SHA256_HEX = r"^[0-9a-f]{64}$"
# An upload id is a UUID4's hex: the API makes it, and nothing else names an upload.
UPLOAD_ID = r"^[0-9a-f]{32}$"

ComponentCode = Annotated[str, StringConstraints(pattern=COMPONENT_CODE)]


class FileKind(StrEnum):
    COMPONENT = "component"  # a component the applicant submitted, digitised
    RESULT = "result"  # the dossier's result, issued electronically


class PendingUpload(BaseModel):
    """What an official asked to upload: the form the store signed allows no more than this."""

    model_config = ConfigDict(frozen=True)

    code: str
    upload_id: Annotated[str, StringConstraints(pattern=UPLOAD_ID)]
    kind: FileKind
    component: ComponentCode | None = None  # the component's code; None for a result
    content_type: str
    max_bytes: Annotated[int, Field(gt=0)]
    name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    requested_by: str
    requested_at: AwareDatetime
    file_id: str | None = None  # set once recorded: recording it again answers that file

    @property
    def key(self) -> str:
        return upload_key(self.code, self.upload_id)


class StoredFile(BaseModel):
    """One file of a dossier, checked and kept."""

    model_config = ConfigDict(frozen=True)

    code: str
    file_id: Annotated[str, StringConstraints(pattern=FILE_ID)]
    kind: FileKind
    component: ComponentCode | None = None
    name: str
    sha256: Annotated[str, StringConstraints(pattern=SHA256_HEX)]
    size: NonNegativeInt
    content_type: str
    pages: NonNegativeInt | None = None  # a PDF's page count
    uploaded_by: str
    at: AwareDatetime
    signature: SignatureCheck | None = None  # a result's signature, as checked when recorded
    # Taken from the citizen's documents already stored (QĐ 766 4.3): the dossier and file
    # it came from. The bytes are the same and copied under this dossier's own key.
    reused_from: ReusedFrom | None = None

    @property
    def key(self) -> str:
        return stored_key(self.code, self.sha256)


class ReusedFrom(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: str
    file_id: Annotated[str, StringConstraints(pattern=FILE_ID)]


class ReusableDocument(BaseModel):
    """A citizen's stored document that a later dossier may take instead of an upload: the
    latest one of each kind, indexed by the citizen's identification number (personal data,
    kept in the table as the dossier is). `document` is a component's code, or
    `result:<procedure code>` for a result issued to them."""

    model_config = ConfigDict(frozen=True)

    id_number: str
    document: str
    code: str
    file_id: Annotated[str, StringConstraints(pattern=FILE_ID)]
    sha256: Annotated[str, StringConstraints(pattern=SHA256_HEX)]
    name: str
    content_type: str
    at: AwareDatetime


def document_kind(stored: StoredFile, procedure_code: str) -> str:
    """What the reuse index calls a stored file: its component's code, or the procedure's
    result kind."""
    if stored.kind is FileKind.RESULT:
        return f"result:{procedure_code}"
    assert stored.component is not None  # a component file names its component
    return stored.component


def upload_key(code: str, upload_id: str) -> str:
    """Where an upload lands before it is checked (expired by the bucket after a day)."""
    return f"uploads/{code}/{upload_id}"


def stored_key(code: str, sha256: str) -> str:
    """Where checked bytes are kept: the same bytes twice in one dossier are kept once."""
    return f"files/{code}/{sha256}"


def file_id_for(code: str, kind: FileKind, component: str | None, sha256: str) -> str:
    """The same bytes recorded as the same thing of the same dossier are the same file: a
    repeated record (a retry, the same scan uploaded twice) finds it instead of adding one."""
    seed = f"{code}\n{kind.value}\n{component or ''}\n{sha256}"
    return hashlib.sha256(seed.encode()).hexdigest()[:32]


def components_missing(files: Iterable[StoredFile], procedure: Procedure) -> list[str]:
    """The codes of the procedure's required components with no stored file, in catalog order."""
    stored = {f.component for f in files if f.kind is FileKind.COMPONENT}
    return [
        procedure.component_code(index)
        for index, component in enumerate(procedure.components)
        if component.required and procedure.component_code(index) not in stored
    ]


def electronic_result(files: Iterable[StoredFile]) -> bool:
    """QĐ 766 indicator 4.1: the result is issued electronically (a result file is stored)."""
    return any(f.kind is FileKind.RESULT for f in files)


def digitised(files: Iterable[StoredFile], procedure: Procedure, *, resolved: bool) -> bool:
    """QĐ 766 indicator 4.2: every required component has a stored file, and once the dossier
    is resolved, so has its result."""
    kept = list(files)
    if components_missing(kept, procedure):
        return False
    return electronic_result(kept) or not resolved


def latest_first(files: Iterable[StoredFile]) -> list[StoredFile]:
    """The listing order: newest first, then by id (stable for equal moments)."""
    return sorted(files, key=lambda f: (_desc(f.at), f.file_id))


def _desc(moment: datetime) -> float:
    return -moment.timestamp()
