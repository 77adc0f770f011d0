"""The bodies and answers of a dossier's file routes (`/v1/dossiers/{code}/uploads`, `/files`)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from chalicelib.domain.files import FILE_ID, UPLOAD_ID
from chalicelib.domain.procedures import COMPONENT_CODE

# A file's name as the official's browser gives it: shown and used as the download's name.
# No control characters, no path separators.
FILE_NAME = r"^[^\x00-\x1f\x7f/\\]{1,200}$"
CONTENT_TYPE = r"^[a-z]+/[a-z0-9.+-]{1,100}$"


class UploadRequest(BaseModel):
    """POST /v1/dossiers/{code}/uploads: what is about to be uploaded."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["component", "result"] = "component"
    # The catalog component (its code, or its position from 1); none for a result.
    component: Annotated[str | None, Field(pattern=COMPONENT_CODE)] = None
    content_type: Annotated[str, Field(pattern=CONTENT_TYPE)]
    size: Annotated[StrictInt, Field(ge=1)]
    name: Annotated[str, Field(pattern=FILE_NAME)]


class RecordRequest(BaseModel):
    """POST /v1/dossiers/{code}/files: the upload to check and keep."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    upload_id: Annotated[str, Field(pattern=UPLOAD_ID)]


class ReuseRequest(BaseModel):
    """POST /v1/dossiers/{code}/reuses: take the applicant's stored document as a component."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    component: Annotated[str, Field(pattern=COMPONENT_CODE)]
    source_file_id: Annotated[str, Field(pattern=FILE_ID)]


class UploadTicket(BaseModel):
    """Where and how to POST the file (multipart/form-data: every field, then `file`)."""

    upload_id: str
    url: str
    fields: dict[str, str]
    expires_in: int
    max_bytes: int


class FileView(BaseModel):
    file_id: str
    kind: Literal["component", "result"]
    component: str | None
    name: str
    sha256: str
    size: int
    content_type: str
    pages: int | None
    uploaded_by: str
    at: datetime


class RecordedFile(FileView):
    created: bool = Field(description="false when these bytes were recorded as this already")


class ReusedFrom(BaseModel):
    code: str
    file_id: str


class ReusedFile(RecordedFile):
    reused_from: ReusedFrom | None = Field(description="the dossier and file it was taken from")


class ReusableDocument(BaseModel):
    document: str = Field(description="a component's code, or result:<procedure code>")
    code: str = Field(description="the dossier it is stored with")
    file_id: str
    sha256: str
    name: str
    content_type: str
    at: datetime


class ReusableDocuments(BaseModel):
    items: list[ReusableDocument]


class FileList(BaseModel):
    items: list[FileView]
    components_missing: list[str] = Field(
        description="required components of the procedure with no file yet"
    )
    digitised: bool = Field(description="QĐ 766 4.2: every required component has a file "
                            "(and the result, once resolved)")  # fmt: skip
    electronic_result: bool = Field(description="QĐ 766 4.1: a result file is stored")


class DownloadLink(BaseModel):
    url: str
    expires_in: int
    file: FileView
