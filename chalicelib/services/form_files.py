"""The forms (Mẫu 01–07) as stored files handed out through short-lived links.

A dossier's form is rendered from the dossier on the first request, kept in the files bucket
(`forms/<code>/<form>/<revision>.pdf`) with its SHA-256 recorded (`IssuedForms`), and handed out
again while the dossier's `revision` (which moves with every write) is the same: a change
renders it again. A form is a rendering of the dossier, which stays the record: the bucket's
lifecycle (infra/resources.json) expires kept forms after `FORM_KEPT_DAYS`, and Mẫu 01 with the
receipt PIN (`forms-pin/`, printed at the counter there and then) after `PIN_FORM_KEPT_DAYS`, so
a PIN does not lie in the bucket; a kept form older than its reuse window is rendered again
rather than linked to an object the lifecycle may have removed. An agency's tracking book (Mẫu
07) is kept by agency, period and a hash of the lines it lists. The bytes never pass through the
API: the answer is a presigned GET, as for a dossier's files (`services/files.py`), and every
link is given only once the read is recorded (`on_release`: the read audit; a failure there
gives no link).

The renderer (fpdf2) is reached only through `render_deps`, called only when a form must be
rendered: it stays out of the API's cold start (tests/unit/test_forms_cold_start.py).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from chalicelib.domain.agencies import AgencyRegistry
from chalicelib.domain.calendar import WorkingCalendar
from chalicelib.domain.dossier import Actor
from chalicelib.domain.procedures import Catalog
from chalicelib.domain.statuses import Role
from chalicelib.forms.model import Form, FormCode
from chalicelib.ports.files import FileStore
from chalicelib.ports.issued_forms import IssuedForm, IssuedForms
from chalicelib.ports.records import DossierRecord, Receipt
from chalicelib.ports.store import DossierLookup
from chalicelib.services.errors import FieldIssue, Forbidden, Invalid, NotFound
from chalicelib.services.forms import (
    FormDeps,
    FormStore,
    book_lines,
    form_code,
    render_form,
    tracking_book_csv,
    tracking_book_pdf,
)
from chalicelib.services.transitions import require_visible

if TYPE_CHECKING:
    from chalicelib.services.pins import ReceiptPins

PDF = "application/pdf"
# What the bucket's lifecycle rules keep (infra/resources.json; tests/infra holds both to these).
FORMS_PREFIX = "forms/"
FORM_KEPT_DAYS = 30
PIN_FORMS_PREFIX = "forms-pin/"
PIN_FORM_KEPT_DAYS = 1
# Linked again only well inside what the lifecycle keeps (S3 expires objects at the midnight
# UTC after their days are up, never earlier).
FORM_REUSE = timedelta(days=FORM_KEPT_DAYS - 1)
PIN_FORM_REUSE = timedelta(hours=12)
CSV = "text/csv; charset=utf-8"
BOOK_READERS = frozenset({Role.LEADER, Role.ADMIN})


class ReceiptLookup(Protocol):
    def get_receipt(self, receipt_id: str) -> Receipt | None: ...


@dataclass(frozen=True)
class FormFileDeps:
    dossiers: DossierLookup
    store: FormStore  # the dossiers, read whole (a form's record, the book's scan)
    catalog: Catalog
    blobs: FileStore
    issued: IssuedForms
    agencies: AgencyRegistry
    calendar: WorkingCalendar
    render_deps: Callable[[], FormDeps]  # imports the renderer: only when rendering a PDF
    download_seconds: int = 300


def dossier_form_link(
    code: str,
    form: str,
    actor: Actor,
    deps: FormFileDeps,
    *,
    now: datetime,
    on_release: Callable[[IssuedForm], None],
    pin: str | None = None,
) -> dict[str, Any]:
    """A link to form `form` (01-06) of dossier `code`, rendered only when the dossier changed
    since it was last kept. `pin` (plain, from the counter's receipt) prints on Mẫu 01; that
    copy is kept apart from the one without."""
    chosen = form_code(form)
    if chosen is FormCode.TRACKING_BOOK:
        raise Invalid(
            "form 07 is an agency's tracking book, not a dossier's form",
            kind="unknown-form",
            errors=[FieldIssue("form", "01-06 for a dossier", "Mẫu 07 là sổ theo dõi của cơ quan")],
        )
    dossier = require_visible(code, deps.dossiers.get(code), actor)
    partition, slot = f"D#{code}", chosen.value + ("-pin" if pin else "")
    issued = deps.issued.get(partition, slot)
    window = PIN_FORM_REUSE if pin else FORM_REUSE
    if issued is None or not reusable(issued, str(dossier.revision), now, window):
        issued = _issue_dossier_form(code, chosen, slot, deps, now=now, pin=pin)
        deps.issued.put(partition, slot, issued)
    on_release(issued)
    return link(issued, deps)


def _issue_dossier_form(
    code: str, form: FormCode, slot: str, deps: FormFileDeps, *, now: datetime, pin: str | None
) -> IssuedForm:
    record = deps.store.load(code)
    assert record is not None  # seen by require_visible; dossiers are never deleted
    revision = record.dossier.revision
    # Rendered from the very record whose revision names the object.
    rendering = replace(deps.render_deps(), store=_Snapshot({code: record}))
    pdf = render_form(code, form, rendering, now=now, pin=pin)
    prefix = PIN_FORMS_PREFIX if pin else FORMS_PREFIX
    return _keep(
        f"{prefix}{code}/{form.value}/{revision}.pdf",
        pdf,
        form=form.value,
        source=str(revision),
        content_type=PDF,
        filename=f"{code}-mau-{slot}.pdf",
        deps=deps,
        now=now,
    )


def receipt_pin(
    code: str, receipt_id: str, client_id: str, store: ReceiptLookup, pins: ReceiptPins
) -> str | None:
    """The PIN the counter's receipt `receipt_id` of dossier `code` carries sealed, for the
    counter that made it (`client_id`); another's receipt, or another dossier's: 404 naming
    `receipt_id`. None for a dossier opened before PINs."""
    receipt = store.get_receipt(receipt_id)
    if receipt is None or receipt.client_id != client_id or receipt.code != code:
        raise NotFound(
            f"receipt {receipt_id} of dossier {code} does not exist",
            errors=[FieldIssue("receipt_id", "no such receipt of this dossier at this counter",
                               "Không tìm thấy phiếu tiếp nhận của hồ sơ này")],
        )  # fmt: skip
    return pins.unseal(receipt.pin_sealed, receipt.receipt_id)


def may_read_book(actor: Actor, agency: str) -> bool:
    """The book names every applicant the agency received: its own leaders and admins only."""
    return actor.agency == agency and bool(BOOK_READERS & set(actor.roles))


def tracking_book_link(
    agency: str,
    first: date,
    last: date,
    spreadsheet: bool,
    actor: Actor,
    deps: FormFileDeps,
    *,
    now: datetime,
    on_release: Callable[[list[str]], None],
) -> dict[str, Any]:
    """A link to the agency's tracking book (Mẫu 07) from `first` to `last`, as PDF or CSV;
    rendered only when the dossiers it lists changed. `on_release` gets their codes (each one's
    read is recorded)."""
    if not may_read_book(actor, agency):
        raise Forbidden(
            f"{actor.id} of {actor.agency} cannot read the tracking book of {agency}",
            errors=[FieldIssue("agency", "the agency's own leaders and admins only",
                               "Chỉ lãnh đạo, quản trị của cơ quan được xem sổ theo dõi")],
        )  # fmt: skip
    lines = book_lines(agency, first, last, deps.store, deps.catalog)
    records = {line.record.dossier.code: line.record for line in lines}
    kind = "csv" if spreadsheet else "pdf"
    listed = sorted((c, r.dossier.revision) for c, r in records.items())
    source = hashlib.sha256(json.dumps([agency, str(first), str(last), kind, listed]).encode())
    partition, slot = f"BOOK#{agency}", f"07#{first}#{last}#{kind}"
    issued = deps.issued.get(partition, slot)
    if issued is None or not reusable(issued, source.hexdigest(), now, FORM_REUSE):
        issued = _issue_book(agency, first, last, spreadsheet, records, source.hexdigest(), deps,
                             now=now)  # fmt: skip
        deps.issued.put(partition, slot, issued)
    on_release(sorted(records))
    return link(issued, deps)


def _issue_book(
    agency: str,
    first: date,
    last: date,
    spreadsheet: bool,
    records: dict[str, DossierRecord],
    source: str,
    deps: FormFileDeps,
    *,
    now: datetime,
) -> IssuedForm:
    if spreadsheet:  # the spreadsheet needs no renderer
        rendering = FormDeps(store=_Snapshot(records), catalog=deps.catalog,
                             agencies=deps.agencies, calendar=deps.calendar,
                             render=_no_renderer)  # fmt: skip
        data, kind = tracking_book_csv(agency, first, last, rendering, now=now), "csv"
    else:
        rendering = replace(deps.render_deps(), store=_Snapshot(records))
        data, kind = tracking_book_pdf(agency, first, last, rendering, now=now), "pdf"
    period = f"{first:%Y%m%d}-{last:%Y%m%d}"
    return _keep(
        f"{FORMS_PREFIX}agencies/{agency}/07/{period}/{source}.{kind}",
        data,
        form=FormCode.TRACKING_BOOK.value,
        source=source,
        content_type=CSV if spreadsheet else PDF,
        filename=f"{agency}-mau-07-{period}.{kind}",
        deps=deps,
        now=now,
    )


def reusable(issued: IssuedForm, source: str, now: datetime, window: timedelta) -> bool:
    """Whether the kept form may be linked again: rendered from the same source, and young
    enough that the lifecycle has not removed it."""
    return issued.source == source and now - issued.at < window


def _keep(key: str, data: bytes, *, deps: FormFileDeps, now: datetime, **about: str) -> IssuedForm:
    deps.blobs.put(key, data, content_type=about["content_type"])
    sha256 = hashlib.sha256(data).hexdigest()
    return IssuedForm(key=key, sha256=sha256, size=len(data), at=now, **about)


def link(issued: IssuedForm, deps: FormFileDeps) -> dict[str, Any]:
    return {
        "form": issued.form,
        "source": issued.source,
        **download_view(issued, deps.blobs, deps.download_seconds),
    }


def download_view(issued: IssuedForm, blobs: FileStore, seconds: int) -> dict[str, Any]:
    """A kept rendering as its reader gets it: a short-lived link and what it holds."""
    url = blobs.download_url(
        issued.key, expires_in=seconds, filename=issued.filename, content_type=issued.content_type
    )
    return {
        "filename": issued.filename,
        "sha256": issued.sha256,
        "size": issued.size,
        "url": url,
        "expires_in": seconds,
        "rendered_at": issued.at.isoformat(),
    }


def _no_renderer(form: Form, *, created_at: datetime | None = None) -> bytes:
    raise AssertionError("a spreadsheet is not rendered as a PDF")


class _Snapshot:
    """The records already read, as the forms' store: what is rendered is what was keyed."""

    def __init__(self, records: dict[str, DossierRecord]) -> None:
        self.records = records

    def load(self, code: str) -> DossierRecord | None:
        return self.records.get(code)

    def all_codes(self) -> list[str]:
        return list(self.records)
