"""The file store (the bytes, on S3) and the file records (what they are, in the table).

Bytes never pass through the API: an official's browser posts them straight to the store with
a short-lived presigned form; the API then reads them back (bounded), checks them and records
them. Two implementations of each port: `S3FileStore` / `MemoryFileStore` and
`DynamoFileRecords` / `MemoryFileRecords`; tests/contract holds them to the same promises.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from chalicelib.domain.files import PendingUpload, ReusableDocument, StoredFile


class FileTooLarge(Exception):
    """The object holds more bytes than the reader would take."""


@dataclass(frozen=True)
class UploadForm:
    """A presigned POST: the URL, and the form fields to send before the file's own field."""

    url: str
    fields: dict[str, str] = field(default_factory=dict)
    expires_in: int = 0


class FileStore(Protocol):
    def upload_form(
        self, key: str, *, content_type: str, max_bytes: int, expires_in: int,
        redirect: str | None = None,
    ) -> UploadForm:  # fmt: skip
        """A presigned POST to `key` that the store accepts only with this `Content-Type` and
        at most `max_bytes` bytes, until `expires_in` seconds from now. With `redirect` (a
        page's form posted by the browser itself), the store sends the browser there once the
        bytes are in (S3's `success_action_redirect`, signed in the policy)."""
        ...

    def read(self, key: str, *, max_bytes: int) -> bytes | None:
        """The object's bytes; None when there is none; FileTooLarge past `max_bytes`."""
        ...

    def copy(self, source: str, target: str) -> None: ...

    def put(self, key: str, data: bytes, *, content_type: str) -> None:
        """Keep `data` at `key` (what the system makes itself: the forms)."""
        ...

    def delete(self, key: str) -> None:
        """Gone (absent already is fine)."""
        ...

    def exists(self, key: str) -> bool: ...

    def download_url(self, key: str, *, expires_in: int, filename: str, content_type: str) -> str:
        """A presigned GET, valid `expires_in` seconds, answered as an attachment `filename`."""
        ...

    def keys(self, prefix: str) -> list[str]:
        """The keys under `prefix`, sorted."""
        ...


class FileRecords(Protocol):
    def put_upload(self, upload: PendingUpload) -> None: ...

    def get_upload(self, code: str, upload_id: str) -> PendingUpload | None: ...

    def mark_recorded(self, code: str, upload_id: str, file_id: str) -> None:
        """The upload became file `file_id`: recording it again answers that file."""
        ...

    def put_file(self, stored: StoredFile) -> StoredFile:
        """Record `stored` unless its file id is recorded already: answers the one kept."""
        ...

    def get_file(self, code: str, file_id: str) -> StoredFile | None: ...

    def files(self, code: str) -> list[StoredFile]:
        """The dossier's files, by file id."""
        ...

    def index_document(self, document: ReusableDocument) -> None:
        """Keep `document` as the citizen's latest of its kind (replacing an older one)."""
        ...

    def documents_of(self, id_number: str) -> list[ReusableDocument]:
        """The citizen's reusable documents, by kind."""
        ...
