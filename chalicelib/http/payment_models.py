"""The payments routes' queries, bodies and answers (the parked payments and an official's
decision on one, the platform's callback, the receipts)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.domain.identifiers import AGENCY_CODE
from chalicelib.domain.payments import NO_AGENCY, PaymentOrder, RecordedPayment

# An agency code of the registry, or "-": the payments of unknown orders (administrators).
PARKED_AGENCY = f"({AGENCY_CODE.pattern[1:-1]}|{NO_AGENCY})"


class ParkedQuery(BaseModel):
    """Query parameters of GET /v1/payments/parked."""

    model_config = ConfigDict(extra="forbid")

    agency: Annotated[str, Field(pattern=f"^{PARKED_AGENCY}$")]
    limit: Annotated[int, Field(ge=1, le=500)] = 200


class ParkedPayments(BaseModel):
    """Payments recorded but not applied, oldest first: each waits for an official (a refund,
    or a decision on the dossier)."""

    items: list[RecordedPayment]


class ReceiptSummary(BaseModel):
    """A receipt issued for a payment applied (its PDF: GET /v1/dossiers/{code}/receipts/
    {number})."""

    number: int
    printed_number: str
    form_code: str
    series: str
    agency: str
    payment: str  # "<platform>#<transaction id>"
    order_code: str
    amount_vnd: int
    paid_at: datetime
    issued_at: datetime


class DossierPayments(BaseModel):
    """A dossier's payment orders, the payments reported against them, their receipts."""

    orders: list[PaymentOrder]
    payments: list[RecordedPayment]
    receipts: list[ReceiptSummary] = []


class ParkedDecision(BaseModel):
    """An official's decision on a parked payment: `refunded` (with the refund's reference),
    or `applied` (it counts; `note` says why)."""

    model_config = ConfigDict(extra="forbid")

    outcome: Literal["refunded", "applied"]
    refund_reference: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    note: Annotated[str, Field(max_length=1000)] = ""


class DecidedPayment(BaseModel):
    """The payment as recorded after the decision; the fees_paid queued and the receipt
    issued, when applied."""

    payment: RecordedPayment
    command_id: str | None
    receipt: ReceiptSummary | None


class ReceiptQuery(BaseModel):
    """Query of GET /v1/dossiers/{code}/receipts/{number}: the series, only when two of the
    dossier's receipts share a number."""

    model_config = ConfigDict(extra="forbid")

    series: Annotated[str, Field(pattern=r"^[0-9A-Za-z/-]{1,20}$")] | None = None


class ReceiptLink(BaseModel):
    """A short-lived link to a receipt's PDF."""

    filename: str
    sha256: str
    size: int
    url: str
    expires_in: int
    rendered_at: datetime


class PlatformAnswer(BaseModel):
    """The acknowledgement the payment platform expects, in its own format (its adapter's;
    the in-memory platform's is `{"accepted": true|false}`)."""

    model_config = ConfigDict(extra="allow")
