"""Fees paid online in process on moto with the real workers (issue 20): the fee request opens
an order, the platform's callback (three times) becomes one `fees_paid` online, a forged one
is refused with nothing written, a second payment of the paid order is parked and shown to
the agency's officials."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from app import transition_worker
from chalicelib import bootstrap
from chalicelib.domain.calendar import LOCAL_TZ
from tests.hostile import harness
from tests.hostile.conftest import drain, running_stack
from tests.integration.test_portal_events import SPECIALIST, act, dossier, new_dossier, official

PROCESSING, FEES_REQUESTED = 4, 6


@pytest.fixture(scope="module")
def stack():
    with running_stack() as running:
        yield running


def callback(stack, headers: dict[str, str], body: bytes):
    answer = stack.post("/v1/webhooks/payments/memory", body, headers)
    assert answer.status_code == 200, answer.body
    return json.loads(answer.body)["accepted"]


def test_a_fee_order_paid_online_resumes_the_dossier_once_and_odd_payments_are_parked(stack):
    code = new_dossier(stack)
    act(stack, code, {"action": "take_up", "note": "thụ lý"}, **SPECIALIST)
    act(stack, code, {"action": "request_fees", "amount_vnd": 150_000}, **SPECIALIST)
    waiting = dossier(stack, code)
    assert waiting["dossier"]["status"] == FEES_REQUESTED
    [order] = waiting["payments"]["orders"]
    assert (order["amount_vnd"], order["state"]) == (150_000, "open")

    platform = bootstrap.container().payment_platform
    headers, body = platform.pay(order["order_code"], 150_000, paid_at=datetime.now(LOCAL_TZ))
    assert callback(stack, headers, body.replace(b"150000", b"1")) is False  # forged
    assert dossier(stack, code)["payments"]["payments"] == []
    assert [callback(stack, headers, body) for _ in range(3)] == [True] * 3
    drain(stack, "MOTCUA_TRANSITIONS_QUEUE_URL", transition_worker)
    paid = dossier(stack, code)
    assert paid["dossier"]["status"] == PROCESSING and paid["dossier"]["fees_paid_online"]
    fees_paid = [e for e in paid["history"] if e["action"] == "fees_paid"]
    assert len(fees_paid) == 1 and fees_paid[0]["payment_channel"] == "online"
    assert paid["payments"]["orders"][0]["state"] == "paid"

    again = platform.pay(order["order_code"], 150_000, paid_at=datetime.now(LOCAL_TZ))
    assert callback(stack, *again) is True  # recorded, parked: the platform must not resend
    parked = official(stack, "GET", f"/v1/payments/parked?agency={harness.WARD}", **SPECIALIST)
    assert parked.status_code == 200, parked.body
    [item] = json.loads(parked.body)["items"]
    assert (item["code"], item["reason"]) == (code, "double_payment")
    bad = official(stack, "GET", "/v1/payments/parked?agency=nowhere", **SPECIALIST)
    assert bad.status_code == 400 and json.loads(bad.body)["errors"][0]["field"] == "agency"
