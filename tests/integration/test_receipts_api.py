"""Receipts of fees paid online and officials' decisions on parked payments, in process on moto
with the real workers (issue 20): the receipt's PDF is downloaded with the receipt PIN (a wrong
PIN: the lookup's 404) and by an official of the dossier; a parked payment is refunded or
applied once (twice: 409), and a bad decision is a 400 naming its field with nothing written."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from urllib.parse import urlencode

import pytest
import requests

from app import transition_worker
from chalicelib import bootstrap
from chalicelib.domain.calendar import LOCAL_TZ
from tests.hostile import harness
from tests.hostile.conftest import drain, running_stack
from tests.integration.test_payments_api import callback
from tests.integration.test_portal_events import SPECIALIST, act, dossier, new_dossier, official
from tests.unit.test_receipt import text_of

PROCESSING, FEES_REQUESTED = 4, 6
ADMIN = dict(sub="qt-1", unit=None, roles=["admin"])
TAX_OFFICIAL = dict(sub="thue-1", agency=harness.TAX, unit="PHONG_QLTK", roles=["specialist"])


@pytest.fixture(scope="module")
def stack():
    with running_stack() as running:
        yield running


def ask_fees(stack, code: str, amount: int) -> dict:
    act(stack, code, {"action": "take_up", "note": "thụ lý"}, **SPECIALIST)
    act(stack, code, {"action": "request_fees", "amount_vnd": amount}, **SPECIALIST)
    [order] = dossier(stack, code)["payments"]["orders"]
    return order


def test_the_receipt_is_downloaded_with_the_pin_and_by_officials_of_the_dossier(stack):
    code, pin = stack.code, stack.pin
    order = ask_fees(stack, code, 150_000)
    platform = bootstrap.container().payment_platform
    paid = platform.pay(order["order_code"], 150_000, paid_at=datetime.now(LOCAL_TZ),
                        transaction_id="PG-RCPT-0001")  # fmt: skip
    assert [callback(stack, *paid) for _ in range(2)] == [True, True]
    drain(stack, "MOTCUA_TRANSITIONS_QUEUE_URL", transition_worker)
    [receipt] = dossier(stack, code)["payments"]["receipts"]
    assert (receipt["series"], receipt["amount_vnd"]) == ("TB-26E", 150_000)
    number = receipt["number"]

    public = f"/v1/public/dossiers/{code}/receipts/{number}"
    answer = stack.client.http.get(f"{public}?pin={pin}")
    assert answer.status_code == 302, answer.body
    pdf = requests.get(answer.headers["Location"], timeout=10)
    assert pdf.headers["Content-Type"] == "application/pdf"
    assert f"bien-lai-TB-26E-{number:07d}.pdf" in pdf.headers["Content-Disposition"]
    printed = text_of(pdf.content)
    for line in (f"Số biên lai: {number:07d}", "Mã giao dịch thanh toán: PG-RCPT-0001",
                 "Số tiền viết bằng chữ: Một trăm năm mươi nghìn đồng chẵn"):  # fmt: skip
        assert line in printed, printed
    bare = pin.replace("-", "")
    assert bare not in printed.replace("-", "").replace(" ", "")  # it opens it, never on it
    wrong = pin[:-1] + ("2" if pin[-1] != "2" else "3")
    lookup_404 = stack.client.http.get(f"/v1/public/dossiers/{code}?pin={wrong}")
    for refused in (f"{public}?pin={wrong}", public, f"{public[: -len(str(number))]}99?pin={pin}"):
        answer = stack.client.http.get(refused)
        assert answer.status_code == 404, refused
    said = json.loads(stack.client.http.get(f"{public}?pin={wrong}").body)
    # a wrong PIN says what the lookup says (but for the path it names): nothing of the receipt
    assert {**said, "instance": ""} == {**json.loads(lookup_404.body), "instance": ""}

    from app import _public_receipts  # what the lookup page lists, once the PIN opened it

    [listed] = _public_receipts(code, pin)
    assert (listed["number"], listed["series"]) == (number, "TB-26E")
    assert requests.get(listed["url"], timeout=10).content == pdf.content

    read = official(stack, "GET", f"/v1/dossiers/{code}/receipts/{number}", **SPECIALIST)
    assert read.status_code == 200, read.body
    assert requests.get(json.loads(read.body)["url"], timeout=10).content == pdf.content
    now = datetime.now(LOCAL_TZ)
    window = urlencode({"code": code, "from": (now - timedelta(hours=1)).isoformat(),
                        "to": (now + timedelta(hours=1)).isoformat()})  # fmt: skip
    audit = official(stack, "GET", f"/v1/audit/reads?{window}", **ADMIN)
    assert audit.status_code == 200, audit.body
    routes = [r["route"] for r in json.loads(audit.body)["items"]]
    assert "GET /v1/dossiers/{code}/receipts/{number}" in routes  # the read is audited
    stranger = official(stack, "GET", f"/v1/dossiers/{code}/receipts/{number}", **TAX_OFFICIAL)
    assert stranger.status_code == 403
    bad = official(stack, "GET", f"/v1/dossiers/{code}/receipts/x1", **SPECIALIST)
    assert bad.status_code == 400 and json.loads(bad.body)["errors"][0]["field"] == "number"


def parked_of(stack) -> list[dict]:
    answer = official(stack, "GET", f"/v1/payments/parked?agency={harness.WARD}", **SPECIALIST)
    assert answer.status_code == 200, answer.body
    return json.loads(answer.body)["items"]


def decide(stack, transaction_id: str, body: dict, claims=SPECIALIST):
    return official(stack, "POST", f"/v1/payments/parked/memory/{transaction_id}", body, **claims)


def test_parked_payments_are_decided_once_and_bad_decisions_write_nothing(stack):
    code = new_dossier(stack)
    order = ask_fees(stack, code, 200_000)
    platform = bootstrap.container().payment_platform
    late_at = datetime.fromisoformat(order["expires_at"]) + timedelta(hours=1)
    assert callback(stack, *platform.pay(order["order_code"], 1_000, transaction_id="PG-LOW",
                                         paid_at=datetime.now(LOCAL_TZ))) is True  # fmt: skip
    assert callback(stack, *platform.pay(order["order_code"], 200_000, transaction_id="PG-LATE",
                                         paid_at=late_at)) is True  # fmt: skip
    before, recorded = parked_of(stack), dossier(stack, code)["payments"]
    assert {p["transaction_id"]: p["reason"] for p in before} == {
        "PG-LOW": "amount_mismatch", "PG-LATE": "late"}  # fmt: skip

    bad = [({"outcome": "forgiven"}, "outcome"),
           ({"outcome": "refunded"}, "refund_reference"),
           ({"outcome": "applied"}, "note"),
           ({"outcome": "refunded", "refund_reference": "HT-1", "by": "x"}, "by")]  # fmt: skip
    for body, field in bad:
        answer = decide(stack, "PG-LOW", body)
        assert answer.status_code == 400, (body, answer.body)
        assert answer.headers["Content-Type"].startswith("application/problem+json")
        assert json.loads(answer.body)["errors"][0]["field"] == field
    assert decide(stack, "PG-LOW", {"outcome": "refunded", "refund_reference": "HT-1"},
                  TAX_OFFICIAL).status_code == 403  # fmt: skip
    assert parked_of(stack) == before and dossier(stack, code)["payments"] == recorded

    refunded = decide(stack, "PG-LOW", {"outcome": "refunded", "refund_reference": "HT-1"})
    assert refunded.status_code == 200, refunded.body
    decided = json.loads(refunded.body)["payment"]
    assert decided["outcome"] == "refunded" and decided["resolution"]["by"] == "cv-1"
    again = decide(stack, "PG-LOW", {"outcome": "refunded", "refund_reference": "HT-1"})
    assert again.status_code == 409, again.body

    applied = decide(stack, "PG-LATE", {"outcome": "applied", "note": "Lỗi của ngân hàng"})
    assert applied.status_code == 200, applied.body
    done = json.loads(applied.body)
    assert done["command_id"] and done["receipt"]["amount_vnd"] == 200_000
    drain(stack, "MOTCUA_TRANSITIONS_QUEUE_URL", transition_worker)
    read = dossier(stack, code)
    assert read["dossier"]["status"] == PROCESSING and read["dossier"]["fees_paid_online"]
    assert [r["payment"] for r in read["payments"]["receipts"]] == ["memory#PG-LATE"]
    assert read["payments"]["orders"][0]["state"] == "paid"
    assert decide(stack, "PG-LATE", {"outcome": "applied", "note": "x"}).status_code == 409
    assert parked_of(stack) == []
    assert decide(stack, "PG-NONE", {"outcome": "refunded", "refund_reference": "HT-2"}
                  ).status_code == 404  # fmt: skip
