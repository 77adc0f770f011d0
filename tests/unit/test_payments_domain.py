"""Payment orders and the check of a reported payment (issue 20): pure."""

from datetime import timedelta

import pytest

from chalicelib.domain import payments as pay
from chalicelib.domain.dossier import Action, Command
from chalicelib.domain.state_machine import apply
from chalicelib.ports.payment_platform import PlatformPayment
from tests.unit.builders import SPECIALIST, TAX, TAX_SYSTEM, at, land_procedure, new_dossier

FEES = [{"name": "Lệ phí cấp giấy chứng nhận", "amount_vnd": 100_000},
        {"name": "Phí thẩm định", "amount_vnd": 0}]  # fmt: skip
PROCEDURE = land_procedure(fees=FEES)
CREATED = at(2026, 3, 3, 11)
WEEK = timedelta(days=7)


def fees_requested(calendar, amount=None):
    """A land dossier the tax office asked fees of; its history."""
    opened = new_dossier(PROCEDURE, calendar, at(2026, 3, 2, 9))
    history, d = [opened.entry], opened.dossier
    for action, actor, when, fields in (
        (Action.TAKE_UP, SPECIALIST, at(2026, 3, 2, 10), {}),
        (Action.FORWARD, SPECIALIST, at(2026, 3, 3, 10), {}),
        (Action.REQUEST_FEES, TAX_SYSTEM, CREATED, {"amount_vnd": amount}),
    ):
        t = apply(d, Command(action=action, **fields), actor, PROCEDURE, calendar, when)
        d, history = t.dossier, [*history, t.entry]
    return d, history


def order_for(calendar, amount=None):
    d, history = fees_requested(calendar, amount)
    request = pay.fee_request_of(d, history)
    return pay.new_order(d, request, PROCEDURE, created_at=CREATED, valid_for=WEEK)


def payment(order, *, tx="T1", amount=None, currency="VND", paid_at=None):
    return PlatformPayment(
        transaction_id=tx,
        order_code=order.order_code,
        amount_vnd=order.amount_vnd if amount is None else amount,
        currency=currency,
        paid_at=paid_at or CREATED + timedelta(hours=2),
    )


def test_the_order_code_is_the_same_for_the_same_request_and_differs_otherwise():
    code = pay.order_code("000.00.32.H19-260302-0001", 5)
    assert code == pay.order_code("000.00.32.H19-260302-0001", 5)
    assert code != pay.order_code("000.00.32.H19-260302-0001", 7)
    assert code != pay.order_code("000.00.32.H19-260302-0002", 5)
    assert len(code) == pay.ORDER_CODE_LENGTH and code.isalnum() and code.isupper()


def test_an_order_takes_the_stated_amount_else_the_catalog_fees(calendar):
    stated = order_for(calendar, amount=1_500_000)
    assert stated.amount_vnd == 1_500_000 and len(stated.lines) == 1
    assert stated.agency == TAX  # who asked: the tax office's account receives it
    assert stated.expires_at == CREATED + WEEK
    catalog = order_for(calendar)
    assert catalog.amount_vnd == 100_000  # the free line is left out
    assert [line.name for line in catalog.lines] == ["Lệ phí cấp giấy chứng nhận"]
    assert stated.order_code == catalog.order_code  # the same dossier and fee request


def test_nothing_to_pay_makes_no_order(calendar):
    free = land_procedure()
    d, history = fees_requested(calendar)
    request = pay.fee_request_of(d, history)
    assert pay.new_order(d, request, free, created_at=CREATED, valid_for=WEEK) is None
    d, history = fees_requested(calendar, amount=0)  # stated: nothing, whatever the catalog
    request = pay.fee_request_of(d, history)
    assert pay.new_order(d, request, PROCEDURE, created_at=CREATED, valid_for=WEEK) is None


def test_a_dossier_not_waiting_for_fees_has_no_fee_request(calendar):
    opened = new_dossier(PROCEDURE, calendar, at(2026, 3, 2, 9))
    assert pay.fee_request_of(opened.dossier, [opened.entry]) is None


def check(order, reported, *, recorded=None, awaited=True):
    return pay.check_payment(order, reported, platform="memory", recorded=recorded,
                             awaited=awaited)  # fmt: skip


def test_a_matching_payment_applies_and_its_second_delivery_is_already_recorded(calendar):
    order = order_for(calendar, amount=1_500_000)
    reported = payment(order)
    first = check(order, reported)
    assert first.verdict is pay.Verdict.APPLY
    record = pay.recorded(reported, order, first, platform="memory", at=CREATED, via="callback")
    assert record.outcome is pay.PaymentOutcome.APPLIED and record.code == order.code
    again = check(pay.paid(order, record), reported, recorded=record)
    assert again.verdict is pay.Verdict.ALREADY_RECORDED


@pytest.mark.parametrize(
    "change, reason",
    [
        ({"amount": 1_000_000}, pay.ParkReason.AMOUNT_MISMATCH),
        ({"currency": "USD"}, pay.ParkReason.CURRENCY),
        ({"paid_at": CREATED + WEEK + timedelta(minutes=1)}, pay.ParkReason.LATE),
    ],
)
def test_a_payment_that_does_not_match_its_order_is_parked(calendar, change, reason):
    order = order_for(calendar, amount=1_500_000)
    outcome = check(order, payment(order, **change))
    assert (outcome.verdict, outcome.reason) == (pay.Verdict.PARK, reason)
    assert outcome.detail


def test_another_transaction_on_a_paid_order_is_a_double_payment(calendar):
    order = order_for(calendar, amount=1_500_000)
    first = payment(order, tx="T1")
    record = pay.recorded(first, order, check(order, first), platform="memory", at=CREATED,
                          via="callback")  # fmt: skip
    second = check(pay.paid(order, record), payment(order, tx="T2"))
    assert (second.verdict, second.reason) == (pay.Verdict.PARK, pay.ParkReason.DOUBLE_PAYMENT)


def test_an_unknown_order_or_a_dossier_that_no_longer_waits_is_parked(calendar):
    order = order_for(calendar, amount=1_500_000)
    unknown = check(None, payment(order))
    assert unknown.reason is pay.ParkReason.UNKNOWN_ORDER
    record = pay.recorded(payment(order), None, unknown, platform="memory", at=CREATED,
                          via="callback")  # fmt: skip
    assert record.agency == pay.NO_AGENCY and record.code is None
    assert record.outcome is pay.PaymentOutcome.PARKED
    assert check(order, payment(order), awaited=False).reason is pay.ParkReason.NOT_AWAITED
    assert all(reason.label_vi for reason in pay.ParkReason)
