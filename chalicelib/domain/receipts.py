"""The electronic receipt (biên lai điện tử) issued for a payment applied to a dossier (issue 20).

A receipt is numbered in the collecting agency's own range: its symbols (ký hiệu mẫu, ký hiệu)
are registered by the agency with its tax office and given to us as data
(`data/receipt_ranges.yaml`); the number is the next of that agency's series, used once. One
payment (`<platform>#<transaction id>`) has at most one receipt: a payment taken again finds
its receipt, never a second number. The record holds everything the receipt prints, so the
PDF is a rendering of it (docs/law.md §15). Pure.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from chalicelib.domain.payments import STATED_FEE_NAME, FeeLine, PaymentOrder, RecordedPayment

# Printable symbols as tax offices register them ("01BLP0-001", "BL-25E"): letters, digits,
# "-" and "/" (checked again, for printing, by forms/receipt.py's SYMBOL_MAX).
SYMBOL = r"^[0-9A-Za-z/-]{1,20}$"
NUMBER_DIGITS = 7  # as printed, and the most a series may reach
NUMBER_MAX = 10**NUMBER_DIGITS - 1


class ReceiptRange(BaseModel):
    """What an agency issues its receipts as: its registered symbols and who it is for tax."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    agency: str
    form_code: Annotated[str, StringConstraints(pattern=SYMBOL)]  # ký hiệu mẫu biên lai
    series: Annotated[str, StringConstraints(pattern=SYMBOL)]  # ký hiệu biên lai
    tax_code: Annotated[str, StringConstraints(pattern=r"^\d{10}(-\d{3})?$")]
    address: Annotated[str, StringConstraints(min_length=1, max_length=300)]
    parent: Annotated[str, StringConstraints(max_length=200)] = ""  # its governing body
    place: Annotated[str, StringConstraints(max_length=100)] = ""  # before the receipt's date
    collector: Annotated[str, StringConstraints(max_length=200)] = ""  # default: the agency


class IssuedReceipt(BaseModel):
    """One receipt, as stored: numbered once (`number` None only before the store numbers it)."""

    model_config = ConfigDict(frozen=True)

    payment: str  # "<platform>#<transaction id>": one receipt per payment
    code: str  # the dossier's
    order_code: str
    agency: str  # the collecting agency (the order's)
    form_code: str
    series: str
    number: Annotated[int, Field(ge=1, le=NUMBER_MAX)] | None = None
    agency_name: str
    agency_tax_code: str
    agency_address: str
    agency_parent: str = ""
    place: str = ""
    collector: str
    payer_name: str
    procedure: str
    lines: tuple[FeeLine, ...]
    platform: str
    transaction_id: str
    paid_at: datetime
    issued_at: datetime
    lookup_url: str = ""

    @property
    def amount_vnd(self) -> int:
        return sum(line.amount_vnd for line in self.lines)

    @property
    def printed_number(self) -> str:
        return f"{self.number or 0:0{NUMBER_DIGITS}d}"

    @property
    def sequence(self) -> str:
        """The numbering it belongs to: the agency's series of one form."""
        return f"{self.agency}#{self.form_code}#{self.series}"


def lines_paid(order: PaymentOrder, payment: RecordedPayment) -> tuple[FeeLine, ...]:
    """What the receipt lists: the order's lines when the payment is the order's amount; else
    (an official decided another amount counts) the amount paid as one line."""
    if payment.amount_vnd == order.amount_vnd:
        return order.lines
    return (FeeLine(name=STATED_FEE_NAME, amount_vnd=payment.amount_vnd),)


def draft(
    payment: RecordedPayment,
    order: PaymentOrder,
    chosen: ReceiptRange,
    *,
    agency_name: str,
    payer_name: str,
    procedure: str,
    issued_at: datetime,
    lookup_url: str = "",
) -> IssuedReceipt:
    """The receipt of `payment` (applied to `order`) before the store numbers it."""
    return IssuedReceipt(
        payment=payment.key,
        code=order.code,
        order_code=order.order_code,
        agency=order.agency,
        form_code=chosen.form_code,
        series=chosen.series,
        agency_name=agency_name,
        agency_tax_code=chosen.tax_code,
        agency_address=chosen.address,
        agency_parent=chosen.parent,
        place=chosen.place,
        collector=chosen.collector or agency_name,
        payer_name=payer_name,
        procedure=procedure,
        lines=lines_paid(order, payment),
        platform=payment.platform,
        transaction_id=payment.transaction_id,
        paid_at=payment.paid_at,
        issued_at=issued_at,
        lookup_url=lookup_url,
    )
