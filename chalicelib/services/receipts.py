"""The electronic receipt (biên lai điện tử) of a payment applied to a dossier (issue 20): issued
here, handed out as a PDF by services/receipt_files.py.

- Issued when a payment is applied (services/payments.py: a matching callback or statement
  line, or an official's decision on a parked payment): numbered in the collecting agency's
  series (`data/receipt_ranges.yaml`), once per payment (`ReceiptRecords.issue`). An agency
  without a range issues none here.
- The record holds everything the receipt prints; the dossier read lists it (`receipt_view`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from chalicelib.domain import payments as pay
from chalicelib.domain.agencies import AgencyRegistry
from chalicelib.domain.procedures import Catalog
from chalicelib.domain.receipts import IssuedReceipt, ReceiptRange, draft
from chalicelib.ports.receipts import ReceiptRecords
from chalicelib.ports.records import DossierRecord


# -- issuing ----------------------------------------------------------------------------------
def issue_for(
    payment: pay.RecordedPayment,
    order: pay.PaymentOrder,
    dossier: DossierRecord | None,
    *,
    records: ReceiptRecords,
    ranges: Mapping[str, ReceiptRange],
    agencies: AgencyRegistry,
    catalog: Catalog,
    lookup_url: str,
    now: datetime,
) -> IssuedReceipt | None:
    """The receipt of the applied `payment` (the one issued before, if any); None when the
    order's agency has no receipt range here."""
    chosen = ranges.get(order.agency)
    if chosen is None or dossier is None:
        return None
    known = records.receipt(order.code, payment.key)
    if known is not None:
        return known
    found = dossier.dossier
    procedure = catalog.get(found.procedure_code, found.procedure_version)
    receipt = draft(
        payment,
        order,
        chosen,
        agency_name=agencies.name_of(order.agency),
        payer_name=found.applicant.name,
        procedure=procedure.name if procedure is not None else found.procedure_code,
        issued_at=now,
        lookup_url=lookup_url.format(code=order.code) if lookup_url else "",
    )
    return records.issue(receipt)


def receipt_view(receipt: IssuedReceipt) -> dict[str, Any]:
    """A receipt as the dossier read lists it (what identifies it, not what it prints)."""
    return {
        "number": receipt.number,
        "printed_number": receipt.printed_number,
        "form_code": receipt.form_code,
        "series": receipt.series,
        "agency": receipt.agency,
        "payment": receipt.payment,
        "order_code": receipt.order_code,
        "amount_vnd": receipt.amount_vnd,
        "paid_at": receipt.paid_at.isoformat(),
        "issued_at": receipt.issued_at.isoformat(),
    }
