"""The officials' use cases as the workbench pages call them: the very services, arguments and
read audit of app.py's /v1 routes (GET /v1/worklist, GET /v1/dossiers/{code}, POST …/actions,
GET …/commands/{id}, GET …/files and …/files/{id}, GET …/forms/{form}), bound to the page's
request. Imported by the page routes when they run, never at the API's cold start.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chalicelib import bootstrap
from chalicelib.domain.dossier import Actor
from chalicelib.http import official_calls
from chalicelib.ports.records import DossierRecord
from chalicelib.services import files, form_files, reading, transitions
from chalicelib.services.envelopes import TransitionEnvelope

# The routes the pages' reads are recorded under (NĐ 13/2023): the page's own path.
DOSSIER_ROUTE = "GET /ho-so/{code}"
FILE_ROUTE = "GET /ho-so/{code}/tep/{file_id}"
FORM_ROUTE = "GET /ho-so/{code}/mau/{form}"


class _Kept:
    """The dossier loader read_dossier is given, keeping the record it read: the page shows
    Mẫu 06 from the very record the read (authorised and audited) returned."""

    def __init__(self, store: Any) -> None:
        self.store = store
        self.record: DossierRecord | None = None

    def load(self, code: str) -> DossierRecord | None:
        self.record = self.store.load(code)
        return self.record


@dataclass
class OfficialCalls:
    actor: Actor
    request: Any  # chalice.app.Request (its context: the caller's address and request id)

    @property
    def deps(self) -> bootstrap.Container:
        return bootstrap.container()

    def worklist(
        self, status: int | None, limit: int, cursor: str | None
    ) -> tuple[list[dict[str, Any]], str | None]:
        """One page of the agency's worklist by due date, and the sealed cursor to the next
        (GET /v1/worklist's, with no step filter: a cursor of one works with the other)."""
        page = official_calls.worklist(self.deps, self.actor.agency, status=status, step=None,
                                       limit=limit, cursor=cursor)  # fmt: skip
        return page["items"], page["next_cursor"]

    def read_dossier(self, code: str) -> tuple[dict[str, Any], DossierRecord]:
        """GET /v1/dossiers/{code}: the view, with its deliveries, once the read is recorded;
        and the record it was made from."""
        deps = self.deps
        kept = _Kept(deps.store)
        view = official_calls.read_dossier(deps, self.request, code, self.actor,
                                           route=DOSSIER_ROUTE, loader=kept)  # fmt: skip
        assert kept.record is not None  # read_dossier found it visible
        return view, kept.record

    def files(self, code: str) -> dict[str, Any]:
        return files.list_files(code, self.actor, self.deps.file_deps())

    def file_link(self, code: str, file_id: str) -> dict[str, Any]:
        return files.download_link(code, file_id, self.actor, self.deps.file_deps(),
                                   on_release=lambda _s: self.audit(code, FILE_ROUTE))  # fmt: skip

    def form_link(self, code: str, form: str) -> dict[str, Any]:
        deps = self.deps
        return form_files.dossier_form_link(
            code,
            form,
            self.actor,
            deps.form_file_deps(),
            now=deps.now(),
            on_release=lambda _issued: self.audit(code, FORM_ROUTE),
        )

    def queue_action(
        self, code: str, body: transitions.ActionRequested, command_id: str
    ) -> TransitionEnvelope:
        """POST /v1/dossiers/{code}/actions: checked, recorded, queued for the worker."""
        return official_calls.queue_action(self.deps, code, body, self.actor,
                                           command_id=command_id)  # fmt: skip

    def command_status(self, code: str, command_id: str) -> dict[str, Any]:
        return reading.command_status(code, command_id, self.actor, self.deps.store)

    def audit(self, code: str, route: str) -> None:
        official_calls.audit_read(self.deps, self.request, code, self.actor, route)
