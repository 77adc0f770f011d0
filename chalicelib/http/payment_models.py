"""The payments routes' query and answers (GET /v1/payments/parked, the platform's callback)."""

from __future__ import annotations

from typing import Annotated

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


class DossierPayments(BaseModel):
    """A dossier's payment orders and the payments reported against them."""

    orders: list[PaymentOrder]
    payments: list[RecordedPayment]


class PlatformAnswer(BaseModel):
    """The acknowledgement the payment platform expects, in its own format (its adapter's;
    the in-memory platform's is `{"accepted": true|false}`)."""

    model_config = ConfigDict(extra="allow")
