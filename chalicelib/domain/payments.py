"""Payment orders for fees owed on a dossier, and the check of a payment the platform reports
against its order (issue 20).

An order is made once per fee request: its code derives from the dossier's code and the
version of the change that asked for the fees, so a redelivered event makes the same order.
A reported payment is applied only when everything matches; anything else is parked for an
official (refund or a decision), never applied silently.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.domain.dossier import Action, Dossier, HistoryEntry
from chalicelib.domain.procedures import Procedure
from chalicelib.domain.statuses import DossierStatus

CURRENCY = "VND"
ORDER_PREFIX = "TT"  # thanh toán; the rest is base32 (A-Z, 2-7): safe in a bank transfer note
ORDER_CODE_LENGTH = 14
# Parked payments whose order is unknown belong to no agency: listed under this name.
NO_AGENCY = "-"
# The one line of an order whose amount an official or the tax office stated.
STATED_FEE_NAME = "Phí, lệ phí, nghĩa vụ tài chính theo thông báo"


class OrderState(StrEnum):
    OPEN = "open"  # waiting for the payment
    PAID = "paid"  # one payment applied; any other is a double payment


class FeeLine(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    amount_vnd: int = Field(ge=0)


class PaymentOrder(BaseModel):
    """What the applicant is asked to pay for one fee request of one dossier."""

    model_config = ConfigDict(frozen=True)

    order_code: str
    code: str  # the dossier's
    fee_request: int  # the dossier's version after the change that asked for the fees
    agency: str  # the agency that asked, whose beneficiary account receives the fee
    amount_vnd: int = Field(gt=0)
    currency: str = CURRENCY
    lines: tuple[FeeLine, ...]
    created_at: datetime
    expires_at: datetime
    state: OrderState = OrderState.OPEN
    paid_transaction: str | None = None  # "<platform>#<transaction id>" once paid
    paid_at: datetime | None = None

    def expired(self, at: datetime) -> bool:
        return at > self.expires_at


def order_code(dossier_code: str, fee_request: int) -> str:
    """Unique per dossier and fee request, and the same every time they are the same."""
    digest = hashlib.sha256(f"{dossier_code}\n{fee_request}".encode()).digest()
    tail = base64.b32encode(digest).decode()[: ORDER_CODE_LENGTH - len(ORDER_PREFIX)]
    return ORDER_PREFIX + tail


def fee_lines(procedure: Procedure, stated_vnd: int | None) -> tuple[FeeLine, ...]:
    """The amount stated with the request (by an official or the tax office) as one line
    (none when it stated 0); else, when it stated nothing, the catalog's fees that cost
    something. As the fees notice says (notifications.for_entry)."""
    if stated_vnd is not None:
        return (FeeLine(name=STATED_FEE_NAME, amount_vnd=stated_vnd),) if stated_vnd else ()
    return tuple(
        FeeLine(name=fee.name, amount_vnd=fee.amount_vnd)
        for fee in procedure.fees
        if fee.amount_vnd > 0
    )


def fee_request_of(dossier: Dossier, history: list[HistoryEntry]) -> HistoryEntry | None:
    """The change that asked for the fees the dossier now waits for; None when it waits for
    none (not in status 6)."""
    if dossier.status is not DossierStatus.FEES_REQUESTED:
        return None
    asked = [e for e in history if e.action is Action.REQUEST_FEES]
    return max(asked, key=lambda e: e.version) if asked else None


def new_order(
    dossier: Dossier,
    request: HistoryEntry,
    procedure: Procedure,
    *,
    created_at: datetime,
    valid_for: timedelta,
) -> PaymentOrder | None:
    """The order for `request` (the change that asked for fees), or None when nothing is to
    pay: the amount it stated, else the catalog's fees."""
    stated = request.amount_vnd if request.action is Action.REQUEST_FEES else None
    lines = fee_lines(procedure, stated)
    amount = sum(line.amount_vnd for line in lines)
    if amount <= 0:
        return None
    return PaymentOrder(
        order_code=order_code(dossier.code, request.version),
        code=dossier.code,
        fee_request=request.version,
        agency=request.holder.agency,
        amount_vnd=amount,
        lines=lines,
        created_at=created_at,
        expires_at=created_at + valid_for,
    )


# -- checking a reported payment ---------------------------------------------------------------
class ReportedPayment(Protocol):
    """A payment as the platform reports it (ports.payment_platform.PlatformPayment)."""

    @property
    def transaction_id(self) -> str: ...

    @property
    def order_code(self) -> str: ...

    @property
    def amount_vnd(self) -> int: ...

    @property
    def currency(self) -> str: ...

    @property
    def paid_at(self) -> datetime: ...


class Verdict(StrEnum):
    APPLY = "apply"
    ALREADY_RECORDED = "already_recorded"  # the same transaction again: nothing new
    PARK = "park"


class ParkReason(StrEnum):
    UNKNOWN_ORDER = "unknown_order"
    DOUBLE_PAYMENT = "double_payment"  # another transaction on an order already paid
    CURRENCY = "currency"
    AMOUNT_MISMATCH = "amount_mismatch"
    LATE = "late"  # paid after the order expired
    NOT_AWAITED = "not_awaited"  # the dossier no longer waits for these fees

    @property
    def label_vi(self) -> str:
        return PARK_REASONS_VI[self]


PARK_REASONS_VI = {
    ParkReason.UNKNOWN_ORDER: "Không tìm thấy lệnh thanh toán",
    ParkReason.DOUBLE_PAYMENT: "Thanh toán trùng: lệnh đã được thanh toán",
    ParkReason.CURRENCY: "Sai loại tiền",
    ParkReason.AMOUNT_MISMATCH: "Số tiền không khớp lệnh thanh toán",
    ParkReason.LATE: "Thanh toán sau khi lệnh hết hạn",
    ParkReason.NOT_AWAITED: "Hồ sơ không còn chờ thực hiện nghĩa vụ tài chính",
}


class PaymentOutcome(StrEnum):
    APPLIED = "applied"
    PARKED = "parked"
    REFUNDED = "refunded"  # parked, then refunded by an official


class Resolution(BaseModel):
    """An official's decision on a parked payment: refunded (with the refund's reference), or
    applied (it counts: a late, mismatched or double payment taken as paid)."""

    model_config = ConfigDict(frozen=True)

    outcome: PaymentOutcome  # APPLIED or REFUNDED
    by: str  # the official's id
    by_name: str
    agency: str  # the official's
    at: datetime
    refund_reference: str = ""
    note: str = ""
    command_id: str | None = None  # the fees_paid queued, when the dossier still waited


class RecordedPayment(BaseModel):
    """A payment the platform reported, as we recorded it (applied or parked); its key is
    the platform and its transaction id."""

    model_config = ConfigDict(frozen=True)

    platform: str
    transaction_id: str
    order_code: str
    code: str | None  # the dossier, when the order is known
    agency: str  # the order's agency; NO_AGENCY when the order is unknown
    amount_vnd: int
    currency: str
    paid_at: datetime
    recorded_at: datetime
    outcome: PaymentOutcome
    reason: ParkReason | None = None
    detail: str = ""  # what was expected, in English (for officials' tools and logs)
    via: str = "callback"  # or "reconciliation"
    resolution: Resolution | None = None  # an official's decision, once parked

    @property
    def key(self) -> str:
        return f"{self.platform}#{self.transaction_id}"


class Check(BaseModel):
    model_config = ConfigDict(frozen=True)

    verdict: Verdict
    reason: ParkReason | None = None
    detail: str = ""


def check_payment(
    order: PaymentOrder | None,
    payment: ReportedPayment,
    *,
    platform: str,
    recorded: RecordedPayment | None,
    awaited: bool,
) -> Check:
    """What to do with `payment`: apply it, nothing (recorded before), or park it and why.
    `awaited`: the order's dossier still waits for this fee request."""
    if recorded is not None:
        return Check(verdict=Verdict.ALREADY_RECORDED)
    if order is None:
        return _park(ParkReason.UNKNOWN_ORDER, f"no order {payment.order_code}")
    if order.state is OrderState.PAID and order.paid_transaction != _key(platform, payment):
        return _park(ParkReason.DOUBLE_PAYMENT, f"order paid by {order.paid_transaction}")
    if payment.currency != order.currency:
        return _park(ParkReason.CURRENCY, f"expected {order.currency}, got {payment.currency}")
    if payment.amount_vnd != order.amount_vnd:
        return _park(
            ParkReason.AMOUNT_MISMATCH,
            f"expected {order.amount_vnd} VND, got {payment.amount_vnd}",
        )
    if order.expired(payment.paid_at):
        return _park(ParkReason.LATE, f"order expired at {order.expires_at.isoformat()}")
    if not awaited:
        return _park(ParkReason.NOT_AWAITED, f"dossier {order.code} no longer waits for it")
    return Check(verdict=Verdict.APPLY)


def _key(platform: str, payment: ReportedPayment) -> str:
    return f"{platform}#{payment.transaction_id}"


def _park(reason: ParkReason, detail: str) -> Check:
    return Check(verdict=Verdict.PARK, reason=reason, detail=detail)


def recorded(
    payment: ReportedPayment,
    order: PaymentOrder | None,
    check: Check,
    *,
    platform: str,
    at: datetime,
    via: str,
) -> RecordedPayment:
    """The record of `payment` after `check` (APPLY or PARK)."""
    return RecordedPayment(
        platform=platform,
        transaction_id=payment.transaction_id,
        order_code=payment.order_code,
        code=order.code if order else None,
        agency=order.agency if order else NO_AGENCY,
        amount_vnd=payment.amount_vnd,
        currency=payment.currency,
        paid_at=payment.paid_at,
        recorded_at=at,
        outcome=PaymentOutcome.APPLIED if check.verdict is Verdict.APPLY else PaymentOutcome.PARKED,
        reason=check.reason,
        detail=check.detail,
        via=via,
    )


def resolved(payment: RecordedPayment, resolution: Resolution) -> RecordedPayment:
    """The parked `payment` once an official decided: its outcome is the decision's, the
    reason it was parked stays."""
    return payment.model_copy(update={"outcome": resolution.outcome, "resolution": resolution})


def paid(order: PaymentOrder, payment: RecordedPayment) -> PaymentOrder:
    return order.model_copy(
        update={"state": OrderState.PAID, "paid_transaction": payment.key,
                "paid_at": payment.paid_at}
    )  # fmt: skip
