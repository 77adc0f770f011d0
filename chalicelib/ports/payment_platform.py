"""The payment platform (the national portal's PayGov, or another) as the payments service
needs it: a checkout link for an order, a callback read and verified, a day's statement.

The wire format (fields, checksum, the answer the platform expects) belongs to each adapter;
services see only these values."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol


@dataclass(frozen=True)
class BeneficiaryAccount:
    """The agency's account that receives the fee (a setting per agency)."""

    bank_bin: str  # the bank's NAPAS BIN, 6 digits (VietQR's acquirer id)
    account_number: str
    account_name: str  # upper case, no diacritics, as the bank holds it


@dataclass(frozen=True)
class Payer:
    """Who pays: the dossier's applicant. Personal data: kept out of reprs (and so out of any
    log line that prints a request); adapters send it and never log it."""

    name: str = field(repr=False)
    id_number: str | None = field(default=None, repr=False)  # when the dossier has one
    address: str | None = field(default=None, repr=False)  # dossiers keep none yet


@dataclass(frozen=True)
class PaymentRequest:
    """What we ask the platform to collect for one payment order, and for which dossier.

    The dossier's fields default to empty for callers that never send to a platform that
    needs them (a page's view, a memory platform); the payments service fills every one, and
    an adapter that must send one refuses a request without it."""

    order_code: str  # ours, unique; the platform echoes it in callbacks and statements
    amount_vnd: int
    description: str  # shown to the payer; no diacritics (bank transfer notes)
    agency: str  # the agency that asked for the fee, whose account receives it
    beneficiary: BeneficiaryAccount
    expires_at: datetime  # aware
    return_url: str  # where the payer's browser goes back to (the lookup page)
    dossier_code: str = ""
    procedure_code: str = ""  # the national procedure code (1.001234)
    procedure_name: str = ""
    payer: Payer | None = None
    agency_name: str = ""
    # The agency whose decision sets the fee: the asking agency unless told (OpenCPS gives
    # both the same code and name).
    deciding_agency: str = ""
    deciding_agency_name: str = ""

    def __post_init__(self) -> None:
        if not self.deciding_agency:
            object.__setattr__(self, "deciding_agency", self.agency)
            object.__setattr__(self, "deciding_agency_name", self.agency_name)


@dataclass(frozen=True)
class PlatformPayment:
    """One payment the platform says it took: from a callback or a statement line."""

    transaction_id: str  # the platform's; the natural key of a payment
    order_code: str
    amount_vnd: int
    currency: str  # "VND"
    paid_at: datetime  # aware


class CallbackRefused(Exception):
    """The callback is not the platform's (signature), or cannot be read: nothing is applied.
    `field` names what was wrong, `reason` says why (English, for logs and problem+json)."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class PlatformUnavailable(Exception):
    """The platform did not answer this time (down, slow, 5xx): try later."""


class PaymentPlatform(Protocol):
    name: str  # "paygov", "memory", …: recorded with each payment

    def checkout_url(self, request: PaymentRequest) -> str:
        """The link the payer opens to pay this order on the platform."""
        ...

    def read_callback(self, headers: Mapping[str, str], body: bytes) -> PlatformPayment:
        """The payment a callback reports, once its signature is verified; CallbackRefused
        otherwise. Says nothing about our orders: matching is the service's job."""
        ...

    def callback_answer(self, accepted: bool) -> tuple[int, str, bytes]:
        """The HTTP status, content type and body the platform expects in reply."""
        ...

    def statement(self, day: date) -> list[PlatformPayment]:
        """Every payment the platform took on `day` (Vietnam time) for us; PlatformUnavailable
        when it cannot say now."""
        ...
