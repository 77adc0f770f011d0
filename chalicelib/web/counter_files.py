"""Attaching a component's scan at the counter (`/quay/ho-so/{code}`), through the API's own
file path (services/files.py): no second way in.

The dossier page offers, per component of the procedure, a form that the browser posts
straight to the file bucket with the fields of `request_upload`'s presigned POST, plus
`success_action_redirect`: once the bytes are in, the bucket sends the browser back to
`/quay/ho-so/{code}/tep/{upload_id}`, which records the upload with `record_upload` (read back,
checked, SHA-256 and pages) and shows the dossier page with the file, or the refusal beside the
component's input (the refused bytes deleted, nothing recorded).

Without script a form cannot say the type or size of the file chosen before it is sent, and
the bucket takes only the `Content-Type` its policy names: the page's forms ask for a PDF (what
a counter's scanner makes) of at most the largest size allowed; the recording checks what came.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from chalicelib.domain.dossier import Actor
from chalicelib.services.errors import Conflict, Invalid, NotFound
from chalicelib.services.file_checks import PDF
from chalicelib.web.headers import origin_of

FILE_INPUT = "file"  # S3 takes the bytes from the field named `file`, sent last
GENERAL = "_"
UPLOAD_GONE = "Không tìm thấy lượt tải lên này. Vui lòng chọn tệp và tải lên lại."


@dataclass(frozen=True)
class AttachForm:
    """One component's form: where the browser posts it and the signed fields it carries."""

    component: str
    label: str
    url: str
    fields: dict[str, str] = field(default_factory=dict)
    max_bytes: int = 0


@dataclass
class Attachments:
    """The files recorded for the dossier, the forms to attach more, and a refusal beside one."""

    files: list[dict[str, Any]] = field(default_factory=list)
    forms: list[AttachForm] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)
    recorded: dict[str, Any] | None = None

    @property
    def form_targets(self) -> set[str]:
        """The origins the page's forms post to besides this site: the bucket's, nothing else."""
        return {origin_of(form.url) for form in self.forms}


def upload_name(component_name: str) -> str:
    """The name the file is kept under (shown, and the download's name): the component's, as a
    form posted to the bucket tells the page nothing of the file chosen."""
    cleaned = "".join(" " if ch < " " or ch in "/\\\x7f" else ch for ch in component_name)
    return " ".join(cleaned.split())[:190] + ".pdf"


def attach_forms(
    code: str,
    components: list[tuple[str, str]],
    official: Actor,
    deps: Any,
    *,
    now: Any,
    back: Callable[[str], str],
) -> list[AttachForm]:
    """One presigned form per component ((code, name) pairs), each its own pending upload
    (the API's `POST /v1/dossiers/{code}/uploads`); `back(upload_id)`: the absolute address the
    bucket sends the browser to. None when the settings accept no PDF."""
    from chalicelib.http.file_models import UploadRequest
    from chalicelib.services import files

    if PDF not in deps.limits.types:
        return []
    forms = []
    for component, name in components:
        # The API's own body model: what the page asks is what `POST .../uploads` would take.
        asked: Any = UploadRequest(kind="component", component=component, content_type=PDF,
                                   size=deps.limits.max_bytes, name=upload_name(name))  # fmt: skip
        ticket = files.request_upload(code, asked, official, deps, now=now, redirect=back)
        forms.append(AttachForm(component, name, ticket["url"], ticket["fields"],
                                ticket["max_bytes"]))  # fmt: skip
    return forms


def record(
    code: str, upload_id: str, official: Actor, deps: Any, *, now: Any
) -> tuple[dict[str, Any] | None, dict[str, str], int]:
    """Record an upload as `POST /v1/dossiers/{code}/files` does: (the file kept, {}, 303), or
    (None, the refusal beside the component's input in Vietnamese, the API's status)."""
    import re

    from chalicelib.domain.files import UPLOAD_ID
    from chalicelib.services import files

    pending = (
        deps.records.get_upload(code, upload_id) if re.fullmatch(UPLOAD_ID, upload_id) else None
    )
    if pending is None:
        return None, {GENERAL: UPLOAD_GONE}, 404
    beside = pending.component or GENERAL
    try:
        stored, _created = files.record_upload(code, upload_id, official, deps, now=now)
    except (Invalid, NotFound, Conflict) as refused:  # not visible, signed out: the boundary
        return None, {beside: _message(refused)}, _status(refused)
    return files.file_view(stored), {}, 303


def _message(refused: Invalid | NotFound | Conflict) -> str:
    for issue in refused.errors:
        if issue.message:
            return str(issue.message)
    return "Không lưu được tệp này. Vui lòng kiểm tra tệp rồi tải lên lại."


def _status(refused: Invalid | NotFound | Conflict) -> int:
    if isinstance(refused, Invalid):
        return 400
    if isinstance(refused, NotFound):
        return 404
    return 409
