"""Payment orders and recorded payments (issue 20): the fake and the DynamoDB adapter keep the
same promises. One order per code; one record per platform transaction; an applied payment
pays its order only while it is open; parked payments listed per agency."""

from datetime import timedelta

from chalicelib.adapters.payment_records import DynamoPaymentRecords, MemoryPaymentRecords
from chalicelib.domain import payments as pay
from chalicelib.ports.payments import Recorded
from tests.contract.test_side_stores_contract import CODES, T0, on_both

records = on_both(MemoryPaymentRecords, DynamoPaymentRecords)
AGENCY = "000.00.32.H19"


def order(code=CODES[0], fee_request=4, amount=1_500_000):
    return pay.PaymentOrder(
        order_code=pay.order_code(code, fee_request), code=code, fee_request=fee_request,
        agency=AGENCY, amount_vnd=amount, lines=(pay.FeeLine(name="Lệ phí", amount_vnd=amount),),
        created_at=T0, expires_at=T0 + timedelta(days=7),
    )  # fmt: skip


def payment(o, tx, *, outcome=pay.PaymentOutcome.APPLIED, reason=None, minutes=0):
    return pay.RecordedPayment(
        platform="memory", transaction_id=tx, order_code=o.order_code if o else "TTUNKNOWN",
        code=o.code if o else None, agency=o.agency if o else pay.NO_AGENCY,
        amount_vnd=1_500_000, currency="VND", paid_at=T0 + timedelta(hours=1),
        recorded_at=T0 + timedelta(hours=1, minutes=minutes), outcome=outcome, reason=reason,
    )  # fmt: skip


def test_an_order_is_written_once_and_found_by_its_code_and_its_dossier(records):
    first = order()
    assert records.open_order(first) == first
    assert records.open_order(first.model_copy(update={"amount_vnd": 9})) == first
    later = order(fee_request=9, amount=200_000)
    records.open_order(later)
    records.open_order(order(code=CODES[1]))
    assert records.order(first.order_code) == first
    assert records.order("TTNOSUCHORDER") is None
    assert records.orders_of(CODES[0]) == [first, later]


def test_an_applied_payment_is_recorded_once_and_pays_its_open_order_only(records):
    o = records.open_order(order())
    applied = payment(o, "T1")
    assert records.record(applied, pay.paid(o, applied)) is Recorded.WRITTEN
    assert records.record(applied, pay.paid(o, applied)) is Recorded.KNOWN
    assert records.payment("memory", "T1") == applied
    assert records.order(o.order_code).state is pay.OrderState.PAID
    assert records.order(o.order_code).paid_transaction == "memory#T1"
    racing = payment(o, "T2")
    assert records.record(racing, pay.paid(o, racing)) is Recorded.ORDER_TAKEN
    assert records.payment("memory", "T2") is None  # nothing written
    assert records.order(o.order_code).paid_transaction == "memory#T1"
    assert records.payments_of(CODES[0]) == [applied]


def test_parked_payments_are_listed_per_agency_and_under_their_dossier(records):
    o = records.open_order(order())
    parked = pay.PaymentOutcome.PARKED
    double = payment(o, "T3", outcome=parked, reason=pay.ParkReason.DOUBLE_PAYMENT, minutes=2)
    wrong = payment(o, "T2", outcome=parked, reason=pay.ParkReason.AMOUNT_MISMATCH, minutes=1)
    unknown = payment(None, "T4", outcome=parked, reason=pay.ParkReason.UNKNOWN_ORDER)
    for p in (double, wrong, unknown):
        assert records.record(p) is Recorded.WRITTEN
    assert records.record(wrong) is Recorded.KNOWN
    assert records.parked(AGENCY) == [wrong, double]
    assert records.parked(AGENCY, limit=1) == [wrong]
    assert records.parked(pay.NO_AGENCY) == [unknown]
    assert records.parked("000.00.99.H19") == []
    assert records.payments_of(CODES[0]) == [wrong, double]
    assert records.order(o.order_code).state is pay.OrderState.OPEN  # parking pays nothing
