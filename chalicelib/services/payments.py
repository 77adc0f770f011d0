"""Fees paid online (issue 20): the payment order made when fees are requested, and what the
payment platform reports, checked against it.

- An order is opened by the transition worker once `request_fees` is applied (and again on a
  redelivery: the order code is the natural key, so the first order stays).
- A reported payment (callback or the nightly statement) is checked against its order: a
  match is recorded and becomes the `fees_paid` command (channel online) on the officials'
  command path, the platform acting for the agency that asked, and gets its receipt
  (services/receipts.py); anything else is recorded as parked for an official, and nothing is
  applied.
- An official decides on a parked payment (`resolve_parked`): refunded, or applied, which
  then goes the way of a matching payment (the order paid, `fees_paid` queued if the dossier
  still waits for fees, the receipt).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from chalicelib.domain import payments as pay
from chalicelib.domain.agencies import AgencyRegistry
from chalicelib.domain.dossier import Action, Actor, Command, Dossier, PaymentChannel
from chalicelib.domain.procedures import Catalog
from chalicelib.domain.receipts import IssuedReceipt, ReceiptRange
from chalicelib.domain.statuses import Role
from chalicelib.ports.payment_platform import (
    BeneficiaryAccount,
    Payer,
    PaymentPlatform,
    PaymentRequest,
    PlatformPayment,
)
from chalicelib.ports.payments import PaymentRecords, Recorded
from chalicelib.ports.queues import Publisher
from chalicelib.ports.receipts import ReceiptRecords
from chalicelib.ports.records import DossierRecord
from chalicelib.ports.store import DossierLoader
from chalicelib.services import receipts, transitions
from chalicelib.services.errors import Conflict, FieldIssue, Forbidden, Invalid, NotFound
from chalicelib.services.transitions import ActionStore

PAYMENT_NAMESPACE = uuid.UUID("8f4c2d1e-6b7a-4c3e-9d25-0a1b2c3d4e5f")
# The actions after which a dossier owes fees through a payment order.
ORDER_ACTIONS = frozenset({Action.REQUEST_FEES})


class PaymentStore(ActionStore, DossierLoader, Protocol):
    """What the payments service reads of dossiers and writes to queue a command."""


@dataclass(frozen=True)
class PaymentDeps:
    records: PaymentRecords
    store: PaymentStore
    catalog: Catalog
    agencies: AgencyRegistry
    platform: PaymentPlatform
    beneficiaries: Mapping[str, BeneficiaryAccount]  # per agency code
    publisher: Publisher
    queue_url: str  # the transitions queue
    order_valid_for: timedelta = timedelta(days=7)
    lookup_url: str = ""  # where the payer goes back to; {code} is the dossier's
    receipts: ReceiptRecords | None = None  # None: no receipts issued here
    receipt_ranges: Mapping[str, ReceiptRange] = field(default_factory=dict)  # per agency


# -- orders -----------------------------------------------------------------------------------
def open_order_for(code: str, deps: PaymentDeps) -> pay.PaymentOrder | None:
    """The order for the fees the dossier now waits for (opened once; the stored one after),
    or None when it waits for none or they cost nothing."""
    record = deps.store.load(code)
    if record is None:
        return None
    request = pay.fee_request_of(record.dossier, record.history)
    dossier = record.dossier
    procedure = deps.catalog.get(dossier.procedure_code, dossier.procedure_version)
    if request is None or procedure is None:
        return None
    # Made from the request itself (its time, its amount): a redelivery makes the same order.
    order = pay.new_order(
        dossier, request, procedure, created_at=request.at, valid_for=deps.order_valid_for
    )
    return deps.records.open_order(order) if order is not None else None


def payment_request(
    order: pay.PaymentOrder, dossier: Dossier, deps: PaymentDeps
) -> PaymentRequest | None:
    """What the platform is asked to collect for `order` of `dossier`: the fee, and the
    dossier, its procedure and applicant, the asking agency (docs/payment-contract.md §6.9).
    None when the agency has no beneficiary account set, or the catalog no longer has the
    dossier's procedure (the applicant pays at the counter)."""
    account = deps.beneficiaries.get(order.agency)
    procedure = deps.catalog.get(dossier.procedure_code, dossier.procedure_version)
    if account is None or procedure is None:
        return None
    applicant = dossier.applicant
    return PaymentRequest(
        order_code=order.order_code,
        amount_vnd=order.amount_vnd,
        description=f"{order.order_code} phi le phi ho so {order.code}",
        agency=order.agency,
        beneficiary=account,
        expires_at=order.expires_at,
        return_url=deps.lookup_url.format(code=order.code) if deps.lookup_url else "",
        dossier_code=dossier.code,
        procedure_code=dossier.procedure_code,
        procedure_name=procedure.name,
        payer=Payer(name=applicant.name, id_number=applicant.id_number),  # no address kept
        agency_name=deps.agencies.name_of(order.agency),
    )


@dataclass(frozen=True)
class HowToPay:
    """What the applicant needs to pay an open order (the lookup page)."""

    order: pay.PaymentOrder
    checkout_url: str
    request: PaymentRequest


def how_to_pay(code: str, deps: PaymentDeps, now: datetime) -> HowToPay | None:
    """The order of the fee request the dossier now waits for, with its checkout link, while
    it is open and unexpired and its agency takes payments online; None otherwise (an older
    order is never offered: its payment would be parked)."""
    record = deps.store.load(code)
    asked = pay.fee_request_of(record.dossier, record.history) if record else None
    if record is None or asked is None:
        return None
    order = deps.records.order(pay.order_code(code, asked.version))
    if order is None or order.state is not pay.OrderState.OPEN or order.expired(now):
        return None
    request = payment_request(order, record.dossier, deps)
    if request is None:
        return None
    return HowToPay(order, deps.platform.checkout_url(request), request)


# -- reported payments ------------------------------------------------------------------------
@dataclass(frozen=True)
class Taken:
    """What became of one reported payment."""

    payment: pay.RecordedPayment
    verdict: pay.Verdict  # APPLY: recorded and fees_paid queued; PARK; ALREADY_RECORDED
    command_id: str | None = None  # the fees_paid command queued (again), if any


def take_callback(
    headers: Mapping[str, str], body: bytes, deps: PaymentDeps, now: datetime
) -> Taken:
    """A callback: verified by the platform's adapter (CallbackRefused: nothing written),
    then taken like any reported payment."""
    return take_payment(deps.platform.read_callback(headers, body), deps, now, via="callback")


def take_payment(payment: PlatformPayment, deps: PaymentDeps, now: datetime, *, via: str) -> Taken:
    """Check `payment` against its order and record it: applied (then `fees_paid` queued) or
    parked. The same transaction again changes nothing but queues its command again (the
    command id is the same: the queue and the command marker make it apply once), which
    heals a crash between the record and the queueing."""
    platform = deps.platform.name
    for _ in range(3):  # a record refused by a race is checked again against what won
        known = deps.records.payment(platform, payment.transaction_id)
        order = deps.records.order(payment.order_code)
        dossier = deps.store.load(order.code) if order is not None else None
        awaited = known is None and _awaited(order, dossier)
        check = pay.check_payment(order, payment, platform=platform, recorded=known,
                                  awaited=awaited)  # fmt: skip
        if known is not None:
            queued = None
            if known.outcome is pay.PaymentOutcome.APPLIED and order is not None:
                # A payment an official applied queued fees_paid only if the dossier waited.
                if known.resolution is None or known.resolution.command_id is not None:
                    queued = _queue_fees_paid(order, known, dossier, deps, now)
                issue_receipt(known, order, dossier, deps, now)  # heals a crash before it
            return Taken(known, pay.Verdict.ALREADY_RECORDED, queued)
        record = pay.recorded(payment, order, check, platform=platform, at=now, via=via)
        applying = order if check.verdict is pay.Verdict.APPLY else None
        paid = pay.paid(applying, record) if applying is not None else None
        if deps.records.record(record, paid) is not Recorded.WRITTEN:
            continue
        if applying is not None:
            queued = _queue_fees_paid(applying, record, dossier, deps, now)
            issue_receipt(record, applying, dossier, deps, now)
            return Taken(record, check.verdict, queued)
        return Taken(record, check.verdict)
    raise RuntimeError(f"payment {platform}#{payment.transaction_id} could not be recorded")


def _awaited(order: pay.PaymentOrder | None, dossier: DossierRecord | None) -> bool:
    """The order's dossier still waits for the fee request the order was made for."""
    if order is None or dossier is None:
        return False
    request = pay.fee_request_of(dossier.dossier, dossier.history)
    return request is not None and request.version == order.fee_request


def issue_receipt(
    payment: pay.RecordedPayment,
    order: pay.PaymentOrder,
    dossier: DossierRecord | None,
    deps: PaymentDeps,
    now: datetime,
) -> IssuedReceipt | None:
    """The applied payment's receipt (issued once: the same one after); None where receipts
    are not issued (no receipt store, or the agency has no range)."""
    if deps.receipts is None:
        return None
    return receipts.issue_for(payment, order, dossier, records=deps.receipts,
                              ranges=deps.receipt_ranges, agencies=deps.agencies,
                              catalog=deps.catalog, lookup_url=deps.lookup_url,
                              now=now)  # fmt: skip


def command_id(platform: str, transaction_id: str) -> str:
    """One platform transaction names one command, however often it is reported."""
    return str(uuid.uuid5(PAYMENT_NAMESPACE, f"{platform}\n{transaction_id}"))


def platform_actor(platform: str, agency: str) -> Actor:
    """The payment platform, speaking for the agency whose order was paid."""
    return Actor(
        id=f"payment:{platform}",
        name=f"Nền tảng thanh toán trực tuyến ({platform})",
        agency=agency,
        roles=frozenset({Role.SYSTEM}),
    )


@dataclass(frozen=True)
class _FeesPaid:
    """The `fees_paid` request as transitions.request_action takes it (ActionRequested)."""

    payment: pay.RecordedPayment

    @property
    def expected_version(self) -> int | None:
        return None  # the platform reports a fact: it applies to whatever version is current

    def command(self) -> Command:
        return Command(
            action=Action.FEES_PAID,
            payment_channel=PaymentChannel.ONLINE,
            note=f"Thanh toán trực tuyến, mã giao dịch {self.payment.transaction_id}, "
            f"lệnh {self.payment.order_code}, {self.payment.amount_vnd:,} đồng".replace(",", "."),
        )


def _queue_fees_paid(
    order: pay.PaymentOrder,
    payment: pay.RecordedPayment,
    dossier: DossierRecord | None,
    deps: PaymentDeps,
    now: datetime,
) -> str:
    envelope = transitions.request_action(
        order.code,
        _FeesPaid(payment),
        platform_actor(payment.platform, order.agency),
        store=deps.store,
        agencies=deps.agencies,
        publisher=deps.publisher,
        queue_url=deps.queue_url,
        command_id=command_id(payment.platform, payment.transaction_id),
        now=effective_at(payment, order, dossier, now),
        key_field="transaction_id",
    )
    return envelope.command_id


def effective_at(
    payment: pay.RecordedPayment,
    order: pay.PaymentOrder,
    dossier: DossierRecord | None,
    now: datetime,
) -> datetime:
    """When `fees_paid` takes effect: when the platform says the applicant paid (a callback
    retried, or found by the nightly reconciliation, resumes the clock then), but never
    before the order or the dossier's last change (history stays in order, and a pause
    already counted is not rewritten), nor after now."""
    floor = order.created_at
    if dossier is not None and dossier.history:
        floor = max(floor, dossier.history[-1].at)
    return max(min(payment.paid_at, now), floor)


# -- officials' reads -------------------------------------------------------------------------
def parked_for(
    agency: str, actor: Actor, deps: PaymentDeps, limit: int = 200
) -> list[pay.RecordedPayment]:
    """The parked payments of `agency`, for its officials and administrators (NO_AGENCY,
    the payments of unknown orders: administrators only)."""
    if agency != pay.NO_AGENCY and agency not in deps.agencies:
        raise Invalid(
            f"agency: {agency} is not in the agency registry",
            errors=[FieldIssue("agency", "not in the agency registry",
                               "Cơ quan không có trong danh mục")],
        )  # fmt: skip
    allowed = Role.ADMIN in actor.roles or (agency != pay.NO_AGENCY and actor.agency == agency)
    if not allowed:
        raise Forbidden(
            f"agency: {actor.agency} officials may not read the parked payments of {agency}",
            errors=[FieldIssue("agency", "not your agency",
                               "Chỉ xem được khoản thanh toán của cơ quan mình")],
        )  # fmt: skip
    return deps.records.parked(agency, limit)


def dossier_payments(
    code: str, records: PaymentRecords, issued: ReceiptRecords | None = None
) -> dict[str, object]:
    """The dossier's orders, the payments reported against them and their receipts (the
    dossier read)."""
    found = issued.receipts_of(code) if issued is not None else []
    return {
        "orders": [o.model_dump(mode="json") for o in records.orders_of(code)],
        "payments": [p.model_dump(mode="json") for p in records.payments_of(code)],
        "receipts": [receipts.receipt_view(r) for r in found],
    }


# -- an official's decision on a parked payment ----------------------------------------------
@dataclass(frozen=True)
class Decision:
    """What an official decided (POST /v1/payments/parked/{platform}/{transaction_id})."""

    outcome: pay.PaymentOutcome  # REFUNDED or APPLIED
    refund_reference: str = ""  # the refund's reference (required when refunded)
    note: str = ""  # why (required when applied: why it counts)


@dataclass(frozen=True)
class Resolved:
    payment: pay.RecordedPayment
    command_id: str | None  # the fees_paid queued, when the dossier still waited for fees
    receipt: IssuedReceipt | None


def resolve_parked(
    platform: str,
    transaction_id: str,
    decision: Decision,
    actor: Actor,
    deps: PaymentDeps,
    now: datetime,
) -> Resolved:
    """Refund or apply a parked payment, only while it is parked (409 once decided). Applied,
    it goes the way of a matching payment: its order paid (if still open), `fees_paid` (online)
    queued if the dossier still waits for fees, its receipt issued. Bad input: 400 naming the
    field, nothing written."""
    _check_decision(decision)
    for _ in range(3):  # an order paid meanwhile is read again
        parked = deps.records.payment(platform, transaction_id)
        if parked is None:
            raise NotFound(
                f"no payment {platform}#{transaction_id}",
                errors=[FieldIssue("transaction_id", "no such payment",
                                   "Không tìm thấy khoản thanh toán")],
            )  # fmt: skip
        _may_decide(parked, actor)
        if parked.outcome is not pay.PaymentOutcome.PARKED:
            raise _decided(parked)
        order = deps.records.order(parked.order_code) if parked.code is not None else None
        applying = decision.outcome is pay.PaymentOutcome.APPLIED
        if applying and order is None:
            raise Conflict(
                f"payment {parked.key} names no known order: it can only be refunded",
                errors=[FieldIssue("outcome", "no order to apply it to: refunded only",
                                   "Không có lệnh thanh toán để ghi nhận: chỉ hoàn trả được")],
            )  # fmt: skip
        dossier = deps.store.load(order.code) if applying and order is not None else None
        waits = dossier is not None and pay.fee_request_of(dossier.dossier, dossier.history)
        queued = command_id(parked.platform, parked.transaction_id) if waits else None
        resolution = pay.Resolution(
            outcome=decision.outcome, by=actor.id, by_name=actor.name, agency=actor.agency,
            at=now, refund_reference=decision.refund_reference, note=decision.note,
            command_id=queued,
        )  # fmt: skip
        after = pay.resolved(parked, resolution)
        paying = order if applying and order and order.state is pay.OrderState.OPEN else None
        written = deps.records.resolve(parked, after, pay.paid(paying, after) if paying else None)
        if written is Recorded.KNOWN:
            raise _decided(deps.records.payment(platform, transaction_id) or parked)
        if written is Recorded.ORDER_TAKEN:
            continue
        if not applying or order is None:
            return Resolved(after, None, None)
        if queued is not None:
            _queue_fees_paid(order, after, dossier, deps, now)
        return Resolved(after, queued, issue_receipt(after, order, dossier, deps, now))
    raise RuntimeError(f"payment {platform}#{transaction_id} could not be resolved")


def _check_decision(decision: Decision) -> None:
    outcomes = (pay.PaymentOutcome.REFUNDED, pay.PaymentOutcome.APPLIED)
    if decision.outcome not in outcomes:
        raise Invalid(
            f"outcome: {decision.outcome.value} is not a decision",
            errors=[FieldIssue("outcome", "refunded or applied",
                               "Chỉ chọn: đã hoàn trả, hoặc ghi nhận đã nộp")],
        )  # fmt: skip
    if decision.outcome is pay.PaymentOutcome.REFUNDED and not decision.refund_reference.strip():
        raise Invalid(
            "refund_reference: required when refunded",
            errors=[FieldIssue("refund_reference", "required when refunded",
                               "Cần số tham chiếu của giao dịch hoàn trả")],
        )  # fmt: skip
    if decision.outcome is pay.PaymentOutcome.APPLIED and not decision.note.strip():
        raise Invalid(
            "note: required when applied (why the payment counts)",
            errors=[FieldIssue("note", "required when applied: why it counts",
                               "Cần ghi lý do chấp nhận khoản thanh toán")],
        )  # fmt: skip


def _may_decide(payment: pay.RecordedPayment, actor: Actor) -> None:
    """The officials of the payment's agency, and administrators (alone for unknown orders)."""
    mine = payment.agency != pay.NO_AGENCY and actor.agency == payment.agency
    if not (mine or Role.ADMIN in actor.roles):
        raise Forbidden(
            f"agency: {actor.agency} officials may not decide on payments of {payment.agency}",
            errors=[FieldIssue("agency", "not your agency",
                               "Chỉ xử lý được khoản thanh toán của cơ quan mình")],
        )  # fmt: skip


def _decided(payment: pay.RecordedPayment) -> Conflict:
    by = f" by {payment.resolution.by}" if payment.resolution is not None else ""
    return Conflict(
        f"payment {payment.key} is {payment.outcome.value}{by}: not parked",
        errors=[FieldIssue("transaction_id", f"not parked: {payment.outcome.value}",
                           "Khoản thanh toán này không còn chờ xử lý")],
    )  # fmt: skip
