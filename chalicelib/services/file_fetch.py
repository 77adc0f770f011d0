"""The components a portal sends as URLs (`TaiLieuNop[].DuongDanTaiTepTin`), fetched and kept.

Intake, once it opens the dossier, queues one `FetchRequest` per document with a URL on the
file-fetch queue (`enqueue`); the file_fetch worker fetches each (`fetch_component`) through a
`FileFetcher` (adapters/http_client.UrlFetcher: allowed hosts, HTTPS, bounded) and keeps the
bytes as an upload is kept (services/files.record_fetched: the same checks, id, key and say on
the dossier's flags). What can never succeed is a `PermanentFailure` (dead-lettered at once
with its reason, the dossier keeping the document without a file); a `FetchFailed` is retried.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.domain.dossier import Actor, SubmittedDocument
from chalicelib.domain.files import StoredFile
from chalicelib.domain.statuses import Role
from chalicelib.ports.fetch import FetchRefused, FileFetcher
from chalicelib.ports.queues import Publisher
from chalicelib.services.failures import PermanentFailure

if TYPE_CHECKING:
    from chalicelib.services.files import FileDeps


class FetchRequest(BaseModel):
    """One document of a dossier to fetch: the file-fetch queue's message."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    fetch_id: str  # fetch_id_for(code, position, url)
    code: str
    position: Annotated[int, Field(ge=0)]  # the document's index in the dossier's documents
    url: str
    component: str | None = None
    name: str
    client_id: str  # who sent it: the file is recorded as uploaded by them


def fetch_id_for(code: str, position: int, url: str) -> str:
    """The same document of the same dossier at the same URL is one fetch."""
    return hashlib.sha256(f"{code}\n{position}\n{url}".encode()).hexdigest()[:32]


def requests_for(
    code: str,
    documents: Sequence[SubmittedDocument],
    client_id: str,
    *,
    already: Iterable[SubmittedDocument] = (),
) -> list[FetchRequest]:
    """A request per document with a URL and a component code, but those `already` asked for
    (the same position and URL in a dossier's documents before an update). A document without
    its component's code cannot be kept as a component: it stays a link for the official to
    upload, rather than a dead letter that would wake an operator for nothing to do."""
    asked = {fetch_id_for(code, i, d.url) for i, d in enumerate(already) if d.url}
    found = []
    for position, document in enumerate(documents):
        if not document.url or document.component is None:
            continue
        fetch_id = fetch_id_for(code, position, document.url)
        if fetch_id in asked:
            continue
        found.append(
            FetchRequest(
                fetch_id=fetch_id,
                code=code,
                position=position,
                url=document.url,
                component=document.component,
                name=document.name[:200],
                client_id=client_id,
            )
        )
    return found


@dataclass(frozen=True)
class FetchQueue:
    """Where intake queues what there is to fetch."""

    publisher: Publisher
    queue_url: str

    def enqueue(self, requests: Iterable[FetchRequest]) -> None:
        for request in requests:
            # The id is a FIFO queue's deduplication id; on this standard queue it names the
            # message, and the fetch itself is idempotent (the same bytes are the same file).
            self.publisher.send(
                self.queue_url, request.model_dump(mode="json"), dedup_id=request.fetch_id
            )


@dataclass(frozen=True)
class FetchDeps:
    files: FileDeps
    fetcher: FileFetcher


def fetch_component(
    request: FetchRequest, deps: FetchDeps, *, now: datetime
) -> tuple[StoredFile, bool]:
    """Fetch and keep one document: (the file, whether it is new). PermanentFailure when it
    cannot be kept, ever; FetchFailed (from the fetcher) when another try may succeed."""
    from chalicelib.services.errors import Invalid
    from chalicelib.services.files import procedure_of, record_fetched

    dossier = deps.files.dossiers.get(request.code)
    if dossier is None:
        raise PermanentFailure(f"dossier {request.code} does not exist")
    if request.component is None:
        raise PermanentFailure("no component code (MaThanhPhanHoSo): the official may upload it")
    procedure = procedure_of(dossier, deps.files.catalog)
    if procedure.component(request.component) is None:
        raise PermanentFailure(
            f"component {request.component!r} is not one of procedure {procedure.code} "
            f"v{procedure.version}"
        )
    try:
        data = deps.fetcher.fetch(request.url)
    except FetchRefused as exc:
        raise PermanentFailure(str(exc)) from None
    actor = Actor(
        id=request.client_id,
        name=request.client_id,
        agency=dossier.received_by.agency,
        roles=frozenset({Role.SYSTEM}),
    )
    try:
        return record_fetched(
            request.code, request.component, request.name, data, actor, deps.files, now=now
        )
    except Invalid as exc:
        raise PermanentFailure(str(exc)) from None
