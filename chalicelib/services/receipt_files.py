"""A receipt (services/receipts.py) as a PDF, handed out through short-lived links (issue 20).

Rendered from the record alone (`forms/receipt.render_receipt`), kept in the files bucket as
the forms are (`forms/<code>/bien-lai/<hash of the payment>.pdf`, recorded in `IssuedForms`
under the dossier, slot `BL#<payment>`, with the record's hash: rendered once, again only when
the bucket's lifecycle may have removed it), and linked: to an official who may read the
dossier (the read audited first), and to the citizen who opened the lookup with the receipt PIN
(`reading.public_answer`: the same limits and answers). The PIN is never printed on it.

The renderer (fpdf2) is imported only when a receipt must be rendered.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chalicelib.domain.dossier import Actor, Dossier, PaymentChannel
from chalicelib.domain.receipts import NUMBER_MAX, IssuedReceipt
from chalicelib.ports.files import FileStore
from chalicelib.ports.issued_forms import IssuedForm, IssuedForms
from chalicelib.ports.receipts import ReceiptRecords
from chalicelib.ports.store import DossierLookup
from chalicelib.services.errors import FieldIssue, Invalid, NotFound
from chalicelib.services.form_files import FORM_REUSE, FORMS_PREFIX, PDF, download_view, reusable
from chalicelib.services.transitions import require_visible

PUBLIC_ROUTE = "/v1/public/dossiers/{code}/receipts/{number}"
# How the receipt names the platform the applicant paid through (else by its adapter's name).
PLATFORM_LABELS = {"paygov": "Nền tảng thanh toán trên Cổng Dịch vụ công quốc gia"}
NO_RECEIPT_VI = "Không tìm thấy biên lai này của hồ sơ"


def facts_of(receipt: IssuedReceipt) -> Any:
    """What `render_receipt` prints, from the record alone."""
    from chalicelib.forms.receipt import FeeLine, ReceiptFacts

    return ReceiptFacts(
        form_code=receipt.form_code,
        series=receipt.series,
        number=receipt.number or 0,
        agency_name=receipt.agency_name,
        agency_tax_code=receipt.agency_tax_code,
        agency_address=receipt.agency_address,
        agency_parent=receipt.agency_parent,
        place=receipt.place,
        payer_name=receipt.payer_name,
        payer_address="",  # a dossier keeps no applicant's address
        dossier_code=receipt.code,
        procedure=receipt.procedure,
        lines=tuple(FeeLine(name=line.name, amount_vnd=line.amount_vnd) for line in receipt.lines),
        channel=PaymentChannel.ONLINE,
        transaction_id=receipt.transaction_id,
        paid_at=receipt.paid_at,
        issued_at=receipt.issued_at,
        collector=receipt.collector,
        platform=PLATFORM_LABELS.get(receipt.platform, receipt.platform),
        lookup_url=receipt.lookup_url,
    )


def render(receipt: IssuedReceipt) -> bytes:
    from chalicelib.forms.receipt import render_receipt

    return render_receipt(facts_of(receipt))


@dataclass(frozen=True)
class ReceiptLinkDeps:
    receipts: ReceiptRecords
    dossiers: DossierLookup
    blobs: FileStore
    issued: IssuedForms
    download_seconds: int = 300
    render: Callable[[IssuedReceipt], bytes] = render


def receipt_number(raw: str) -> int:
    """The `{number}` of a receipt's route: 1 to 7 digits (leading zeros as printed)."""
    if not (raw.isascii() and raw.isdigit() and 1 <= len(raw) <= 7 and 0 < int(raw) <= NUMBER_MAX):
        raise Invalid(
            f"number: {raw[:20]!r} is not a receipt number",
            errors=[FieldIssue("number", "1 to 7 digits, from 1",
                               "Số biên lai gồm tối đa 7 chữ số")],
        )  # fmt: skip
    return int(raw)


def find(code: str, number: int, series: str | None, receipts: ReceiptRecords) -> IssuedReceipt:
    """Dossier `code`'s receipt numbered `number` (of `series`, when two agencies' series gave
    the same number to receipts of one dossier); 404 naming `number` when there is none."""
    matching = [r for r in receipts.receipts_of(code) if r.number == number
                and (series is None or r.series == series)]  # fmt: skip
    if not matching:
        raise NotFound(
            f"dossier {code} has no receipt numbered {number}",
            errors=[FieldIssue("number", "no such receipt of this dossier", NO_RECEIPT_VI)],
        )
    if len(matching) > 1:
        raise Invalid(
            f"dossier {code} has {len(matching)} receipts numbered {number}: give the series",
            errors=[FieldIssue("series", "several series have this number",
                               "Hồ sơ có nhiều biên lai cùng số: cần ký hiệu biên lai")],
        )  # fmt: skip
    return matching[0]


def official_link(
    code: str,
    number: int,
    series: str | None,
    actor: Actor,
    deps: ReceiptLinkDeps,
    *,
    now: datetime,
    on_release: Callable[[IssuedForm], None],
) -> dict[str, Any]:
    """A link to the receipt for an official who may read the dossier; `on_release` (the read
    audit) runs before the link is given."""
    require_visible(code, deps.dossiers.get(code), actor)
    kept = _kept(find(code, number, series, deps.receipts), deps, now)
    on_release(kept)
    return link(kept, deps)


def public_link(dossier: Dossier, number: int, deps: ReceiptLinkDeps, *, now: datetime) -> str:
    """The link to the receipt of a dossier the citizen opened (reading.public_answer)."""
    kept = _kept(find(dossier.code, number, None, deps.receipts), deps, now)
    return str(link(kept, deps)["url"])


def public_links(dossier: Dossier, deps: ReceiptLinkDeps, *, now: datetime) -> list[dict[str, Any]]:
    """Every receipt of a dossier the citizen opened, oldest first, each with its link (the
    lookup page)."""
    found = []
    for receipt in deps.receipts.receipts_of(dossier.code):
        kept = _kept(receipt, deps, now)
        found.append({"number": receipt.number, "printed_number": receipt.printed_number,
                      "series": receipt.series, "amount_vnd": receipt.amount_vnd,
                      "paid_at": receipt.paid_at.isoformat(), **link(kept, deps)})  # fmt: skip
    return found


def _kept(receipt: IssuedReceipt, deps: ReceiptLinkDeps, now: datetime) -> IssuedForm:
    partition, slot = f"D#{receipt.code}", f"BL#{receipt.payment}"
    source = hashlib.sha256(receipt.model_dump_json().encode()).hexdigest()
    issued = deps.issued.get(partition, slot)
    if issued is not None and reusable(issued, source, now, FORM_REUSE):
        return issued
    pdf = deps.render(receipt)
    name = hashlib.sha256(receipt.payment.encode()).hexdigest()[:32]
    key = f"{FORMS_PREFIX}{receipt.code}/bien-lai/{name}.pdf"
    deps.blobs.put(key, pdf, content_type=PDF)
    issued = IssuedForm(
        form="bien-lai",
        source=source,
        key=key,
        sha256=hashlib.sha256(pdf).hexdigest(),
        size=len(pdf),
        content_type=PDF,
        filename=filename(receipt),
        at=now,
    )
    deps.issued.put(partition, slot, issued)
    return issued


def filename(receipt: IssuedReceipt) -> str:
    """ "bien-lai-TB-26E-0000012.pdf": the series (a "/" as "-") and the printed number."""
    return f"bien-lai-{receipt.series.replace('/', '-')}-{receipt.printed_number}.pdf"


def link(issued: IssuedForm, deps: ReceiptLinkDeps) -> dict[str, Any]:
    return download_view(issued, deps.blobs, deps.download_seconds)
