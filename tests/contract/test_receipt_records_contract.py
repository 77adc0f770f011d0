"""Receipts issued for payments (issue 20): the fake and the DynamoDB adapter keep the same
promises. Numbers run 1, 2, … per agency's series with no gap; one receipt per payment (taken
again: the same receipt, no number used); another series, or another agency, counts apart;
parked payments are decided once."""

from datetime import timedelta

import pytest

from chalicelib.adapters.payment_records import DynamoPaymentRecords, MemoryPaymentRecords
from chalicelib.adapters.receipt_records import (
    DynamoReceiptRecords,
    MemoryReceiptRecords,
    SeriesExhausted,
)
from chalicelib.domain import payments as pay
from chalicelib.domain.receipts import NUMBER_MAX, ReceiptRange, draft
from chalicelib.ports.payments import Recorded
from tests.contract.test_payment_records_contract import AGENCY, order, payment
from tests.contract.test_side_stores_contract import CODES, T0, on_both

receipts = on_both(MemoryReceiptRecords, DynamoReceiptRecords)
payment_records = on_both(MemoryPaymentRecords, DynamoPaymentRecords)
RANGE = ReceiptRange(agency=AGENCY, form_code="01BLP0-001", series="TB-26E",
                     tax_code="3600004105", address="Phường Trấn Biên")  # fmt: skip


def receipt_of(tx, *, code=CODES[0], chosen=RANGE, agency=AGENCY):
    o = order(code=code).model_copy(update={"agency": agency})
    return draft(payment(o, tx), o, chosen, agency_name="UBND phường Trấn Biên",
                 payer_name="Nguyễn Văn An", procedure="Đăng ký đất đai",
                 issued_at=T0 + timedelta(hours=2))  # fmt: skip


def test_numbers_run_on_per_series_and_a_payment_has_one_receipt(receipts):
    first = receipts.issue(receipt_of("T1"))
    second = receipts.issue(receipt_of("T2", code=CODES[1]))
    assert (first.number, second.number) == (1, 2)
    assert receipts.issue(receipt_of("T1")) == first  # taken again: no number used
    assert receipts.issue(receipt_of("T3")).number == 3  # so no gap either
    other_series = RANGE.model_copy(update={"series": "TB-27E"})
    assert receipts.issue(receipt_of("T4", chosen=other_series)).number == 1
    assert receipts.issue(receipt_of("T5", agency="000.00.90.H19")).number == 1
    assert receipts.receipt(CODES[0], "memory#T1") == first
    assert receipts.receipt(CODES[1], "memory#T1") is None
    assert [r.number for r in receipts.receipts_of(CODES[0])] == [1, 3, 1, 1]
    assert receipts.receipts_of(CODES[1]) == [second]


def test_a_series_at_its_last_number_issues_no_more(receipts):
    if isinstance(receipts, MemoryReceiptRecords):
        receipts.sequences[RANGE.agency + "#01BLP0-001#TB-26E"] = NUMBER_MAX
    else:
        import boto3

        boto3.client("dynamodb").put_item(TableName=receipts.table, Item={
            "PK": {"S": f"SEQ#BL#{AGENCY}#01BLP0-001#TB-26E"}, "SK": {"S": "SEQ"},
            "n": {"N": str(NUMBER_MAX)}})  # fmt: skip
    with pytest.raises(SeriesExhausted):
        receipts.issue(receipt_of("T9"))
    assert receipts.receipts_of(CODES[0]) == []


def _decision(outcome, **fields):
    return pay.Resolution(outcome=outcome, by="ld-1", by_name="Lãnh đạo", agency=AGENCY,
                          at=T0 + timedelta(days=1), **fields)  # fmt: skip


def test_a_parked_payment_is_decided_once_and_leaves_the_list(payment_records):
    records = payment_records
    o = records.open_order(order())
    parked = pay.PaymentOutcome.PARKED
    late = payment(o, "T1", outcome=parked, reason=pay.ParkReason.LATE)
    wrong = payment(o, "T2", outcome=parked, reason=pay.ParkReason.AMOUNT_MISMATCH, minutes=1)
    for p in (late, wrong):
        assert records.record(p) is Recorded.WRITTEN
    refunded = pay.resolved(wrong, _decision(pay.PaymentOutcome.REFUNDED, refund_reference="HT1"))
    assert records.resolve(wrong, refunded) is Recorded.WRITTEN
    assert records.resolve(wrong, refunded) is Recorded.KNOWN  # decided: once
    assert records.parked(AGENCY) == [late]
    assert records.payment("memory", "T2") == refunded
    applied = pay.resolved(late, _decision(pay.PaymentOutcome.APPLIED, note="trễ 1 ngày"))
    assert records.resolve(late, applied, pay.paid(o, applied)) is Recorded.WRITTEN
    assert records.parked(AGENCY) == []
    assert records.order(o.order_code).paid_transaction == "memory#T1"
    assert records.payments_of(CODES[0]) == [applied, refunded]


def test_a_decision_to_apply_pays_only_an_open_order(payment_records):
    records = payment_records
    o = records.open_order(order())
    first = payment(o, "T1")
    assert records.record(first, pay.paid(o, first)) is Recorded.WRITTEN
    double = payment(o, "T2", outcome=pay.PaymentOutcome.PARKED,
                     reason=pay.ParkReason.DOUBLE_PAYMENT)  # fmt: skip
    assert records.record(double) is Recorded.WRITTEN
    applied = pay.resolved(double, _decision(pay.PaymentOutcome.APPLIED, note="hai phần"))
    assert records.resolve(double, applied, pay.paid(o, applied)) is Recorded.ORDER_TAKEN
    assert records.payment("memory", "T2") == double  # nothing written
    assert records.parked(AGENCY) == [double]
