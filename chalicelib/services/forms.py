"""The one-stop forms (Mẫu 01–07) of a dossier or an agency, as files: read the dossier,
assemble the form (`chalicelib/forms/content.py`, pure), render it with the renderer it is
given (`FormDeps.render`: `chalicelib/forms/render.py`, fpdf2, which `Container.form_deps`
imports only when asked, so that fpdf2 stays out of every other function's cold start).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Protocol

from chalicelib.domain.agencies import AgencyRegistry
from chalicelib.domain.calendar import LOCAL_TZ, WorkingCalendar
from chalicelib.domain.procedures import Catalog
from chalicelib.forms import content
from chalicelib.forms.model import Form, FormCode, FormRenderer
from chalicelib.forms.spreadsheet import table_csv
from chalicelib.ports.records import DossierRecord
from chalicelib.services.errors import FieldIssue, Invalid, NotFound
from chalicelib.services.pins import normalise, shown

# A book longer than this is refused: ask for a shorter period (a page holds about 12 lines).
MAX_BOOK_LINES = 5000


class FormStore(Protocol):
    def load(self, code: str) -> DossierRecord | None: ...

    def all_codes(self) -> list[str]: ...  # the tracking book's scan


@dataclass(frozen=True)
class FormDeps:
    store: FormStore
    catalog: Catalog
    agencies: AgencyRegistry
    calendar: WorkingCalendar
    render: FormRenderer
    lookup_url: str = ""


def form_code(text: str) -> FormCode:
    """ "01", "1", "mau-01" or "Mẫu 01" as a form of the circular; Invalid otherwise."""
    digits = "".join(c for c in text if c.isdigit())
    try:
        return FormCode(digits.zfill(2))
    except ValueError:
        raise Invalid(
            f"form {text!r} is not one of 01-07",
            kind="unknown-form",
            errors=[FieldIssue("form", "one of 01-07", "Mẫu phải là một trong 01 đến 07")],
        ) from None


def dossier_form(
    code: str, form: FormCode, deps: FormDeps, *, now: datetime, pin: str | None = None
) -> Form:
    """What form `form` of dossier `code` says. Mẫu 07 is an agency's book: `tracking_book`."""
    build = content.DOSSIER_FORMS.get(form)
    if build is None:
        raise Invalid(
            "form 07 is an agency's tracking book, not a dossier's form",
            kind="unknown-form",
            errors=[FieldIssue("form", "01-06 for a dossier", "Mẫu 07 là sổ theo dõi của cơ quan")],
        )
    record = deps.store.load(code)
    if record is None:
        raise NotFound(f"dossier {code} does not exist")
    d = record.dossier
    procedure = deps.catalog.get(d.procedure_code, d.procedure_version)
    if procedure is None:
        raise NotFound(f"procedure {d.procedure_code} v{d.procedure_version} is not in the catalog")
    bare = normalise(pin) if pin else None
    if pin and bare is None:
        raise Invalid(
            "pin is not a receipt PIN",
            errors=[FieldIssue("pin", "a receipt PIN", "Mã tra cứu không đúng dạng")],
        )
    printed_pin = shown(bare) if bare else None
    inputs = content.DossierForms(
        record, procedure, deps.agencies, deps.calendar, now, deps.lookup_url, printed_pin
    )
    try:
        return build(inputs)
    except content.FormUnavailable as missing:
        raise NotFound(
            f"form {form.value} of dossier {code} does not exist: {missing.reason}",
            kind="form-not-issued",
        ) from None


def render_form(
    code: str, form: FormCode | str, deps: FormDeps, *, now: datetime, pin: str | None = None
) -> bytes:
    """The PDF of form `form` (01-06) of dossier `code`; `pin` (plain) prints on Mẫu 01."""
    chosen = form if isinstance(form, FormCode) else form_code(form)
    return deps.render(dossier_form(code, chosen, deps, now=now, pin=pin), created_at=now)


def book_lines(
    agency: str, first: date, last: date, store: FormStore, catalog: Catalog
) -> list[content.BookLine]:
    """The dossiers an agency received (as receiving counter or resolving agency) from `first`
    to `last`, both included. Reads every dossier: an operator's export, not a request path."""
    if last < first:
        raise Invalid(
            "last is before first",
            errors=[FieldIssue("last", "on or after first", "Ngày cuối trước ngày đầu")],
        )
    lines = []
    for record in _records(store):
        d = record.dossier
        day = (d.received_at or d.submitted_at).astimezone(LOCAL_TZ).date()
        if not first <= day <= last or agency not in (d.resolving_agency, d.received_by.agency):
            continue
        procedure = catalog.get(d.procedure_code, d.procedure_version)
        lines.append(content.BookLine(record, procedure.name if procedure else d.procedure_code))
        if len(lines) > MAX_BOOK_LINES:
            raise Invalid(
                f"more than {MAX_BOOK_LINES} dossiers: ask for a shorter period",
                errors=[FieldIssue("last", "a shorter period", "Chọn khoảng thời gian ngắn hơn")],
            )
    return lines


def _records(store: FormStore) -> Iterable[DossierRecord]:
    for code in store.all_codes():
        record = store.load(code)
        if record is not None:
            yield record


def tracking_book(agency: str, first: date, last: date, deps: FormDeps, *, now: datetime) -> Form:
    if agency not in deps.agencies:
        raise NotFound(f"agency {agency} is not in the registry")
    lines = book_lines(agency, first, last, deps.store, deps.catalog)
    return content.tracking_book(agency, _moment(first), _moment(last), lines, deps.agencies, now)


def tracking_book_pdf(
    agency: str, first: date, last: date, deps: FormDeps, *, now: datetime
) -> bytes:
    return deps.render(tracking_book(agency, first, last, deps, now=now), created_at=now)


def tracking_book_csv(
    agency: str, first: date, last: date, deps: FormDeps, *, now: datetime
) -> bytes:
    return table_csv(tracking_book(agency, first, last, deps, now=now))


def _moment(day: date) -> datetime:
    return datetime.combine(day, time(12), tzinfo=LOCAL_TZ)


def export(
    target: str,
    form: str,
    deps: FormDeps,
    *,
    now: datetime,
    pin: str | None = None,
    first: date | None = None,
    last: date | None = None,
    spreadsheet: bool = False,
) -> tuple[bytes, str]:
    """A form as a file and its name: `target` is a dossier's code (Mẫu 01-06) or, for Mẫu
    07, an agency's code with the period (`first`, `last`; default: this month to today)."""
    chosen = form_code(form)
    if chosen is not FormCode.TRACKING_BOOK:
        pdf = render_form(target, chosen, deps, now=now, pin=pin)
        return pdf, f"{target}-mau-{chosen.value}.pdf"
    today = now.astimezone(LOCAL_TZ).date()
    first, last = first or today.replace(day=1), last or today
    make = tracking_book_csv if spreadsheet else tracking_book_pdf
    name = f"{target}-mau-07-{first:%Y%m%d}-{last:%Y%m%d}.{'csv' if spreadsheet else 'pdf'}"
    return make(target, first, last, deps, now=now), name
