"""Fees paid online on the local stack (issue 20): the land transfer's fee order is paid on the
fake PayGov's page like a person, over HTTP; its callback resumes the dossier with its date moved
by the paused working time, and QĐ 766 3.6 counts it. The same callback three times applies
once; a forged one is refused with nothing written; a wrong amount and a payment after the
order's expiry are parked and listed for officials; a dropped callback is found and applied by
the nightly reconciliation. One stack for the module."""

from __future__ import annotations

import contextlib
import html
import io
import json
import re
import urllib.request
import uuid
from datetime import datetime, time, timedelta

import pytest

from chalicelib import cli
from chalicelib.adapters.calendar_file import load_calendar
from chalicelib.adapters.paygov import (
    CALLBACK_SIGNED_FIELDS,
    CHECKSUM_FIELD,
    COMMAND_PAY,
    PAID,
    VERSION,
    checksum,
    vietnam_time,
)
from chalicelib.auth.tokens import DEV_JWT_KEY
from chalicelib.domain.calendar import LOCAL_TZ
from devstack import demo
from devstack.client import Official
from devstack.fake_paygov import CLIENT_ID
from devstack.stack import PAYGOV_CALLBACK, PROJECT_DIR, LocalStack

pytestmark = pytest.mark.e2e

PROCESSING, FEES_REQUESTED = 4, 6
FEES = 2_350_000


@pytest.fixture(scope="module")
def stack():
    with LocalStack(port=0, moto_port=0, prefix=f"pay{uuid.uuid4().hex[:6]}-") as running:
        yield running


@pytest.fixture(scope="module")
def cast(stack):
    return demo.Cast.local(stack.base_url)


def fees_requested(cast) -> tuple[str, str, dict]:
    """A land transfer waiting for its fees: its code, its receipt PIN and its open order."""
    code, pin, order = demo.land_transfer_waiting_for_fees(
        cast, {"name": "Phạm Thị Hoa", "id_number": "075190004321", "phone": "0901234567"}, FEES
    )
    assert (order["amount_vnd"], order["state"]) == (FEES, "open")
    return code, pin, order


def read(cast, code: str) -> dict:
    return cast.officials["land_specialist"].dossier(code)


def checkout(cast, code: str, pin: str) -> str:
    page = demo.lookup_page(cast.api, code, pin)
    link = demo.checkout_link(page)
    assert link is not None, "the lookup page shows no checkout link"
    return link


def parked(cast, agency: str) -> list[dict]:
    """The parked payments of `agency` (the order's), as its leader reads them."""
    leader = Official.minted(cast.api, DEV_JWT_KEY, sub=f"leader-{agency}", agency=agency,
                             unit="LANH_DAO", role="leader", name="Lãnh đạo",
                             issuer="motcua-local", audience="motcua")  # fmt: skip
    answer = leader.get(f"/v1/payments/parked?agency={agency}")
    assert answer.status == 200, answer.body
    return answer.body["items"]


def forged_callback(order: dict) -> bytes:
    """A complete callback for `order`, signed with a key that is not the platform's."""
    line = {"client_id": CLIENT_ID, "transaction_id": order["order_code"],
            "transaction_code": "PG9999999999", "trans_amount": str(order["amount_vnd"]),
            "addition_fee": "0", "command": COMMAND_PAY, "version": VERSION,
            "currency_code": "VND", "status": PAID,
            "trans_date": vietnam_time(datetime.now(LOCAL_TZ))}  # fmt: skip
    line[CHECKSUM_FIELD] = checksum("not-the-platform-s-key", line, CALLBACK_SIGNED_FIELDS)
    return json.dumps(line).encode()


def receipt_text(page: str, printed_number: str) -> str:
    """The text of the receipt the lookup page links as number `printed_number` (its PDF
    fetched as the citizen's browser would, read back with pypdf)."""
    from pypdf import PdfReader

    section = page[page.index('id="bien-lai"') :]
    found = re.search(r'<a href="([^"]+)"[^>]*>Biên lai số ' + printed_number, section)
    assert found, "the lookup page links no such receipt"
    with urllib.request.urlopen(html.unescape(found.group(1)), timeout=30) as answer:
        assert answer.headers["Content-Type"] == "application/pdf"
        pdf = answer.read()
    return " ".join((p.extract_text() or "") for p in PdfReader(io.BytesIO(pdf)).pages)


def report_36(cast, months: tuple[str, str]) -> dict:
    path = f"/v1/reports/766?agency={demo.LAND_OFFICE}&from={months[0]}&to={months[1]}"
    body = cast.api.expect(cast.officials["land_leader"].get(path), 200)
    return {"value": body["indicators"]["3.6"]["value"], **{
        k: body["counts"][k] for k in ("fees_owed", "fees_paid_online")}}  # fmt: skip


@contextlib.contextmanager
def clock_at(stack, moment: datetime):
    """The API, the workers and the fake PayGov at `moment` (MOTCUA_NOW, local stage): only
    unsigned calls (pages, the platform's callback) in between."""
    stack.configure(MOTCUA_NOW=moment.isoformat())
    stack.paygov.clock = lambda: moment
    try:
        yield
        stack.drain()
    finally:
        stack.configure(MOTCUA_NOW="")
        stack.paygov.clock = lambda: datetime.now(LOCAL_TZ)


def test_paid_on_the_platform_s_page_the_dossier_resumes_its_date_moved_and_3_6_counts_it(
    stack, cast
):
    code, pin, order = fees_requested(cast)
    waiting = read(cast, code)
    asked = datetime.fromisoformat(waiting["history"][-1]["at"])
    due_before = datetime.fromisoformat(waiting["dossier"]["due_at"])
    link = checkout(cast, code, pin)
    assert link.startswith(stack.paygov.url + "/checkout/")
    page = demo.lookup_page(cast.api, code, pin)
    assert 'id="ma-vietqr"' in page and 'aria-labelledby="vietqr-title"' in page
    assert "văn bản xin lỗi" not in page  # no apology was made: none is claimed
    months = (f"{asked.astimezone(LOCAL_TZ):%Y-%m}", "")

    # A forged callback (signed with another key) gets the platform's refusal, writes nothing.
    forged = cast.api.call("POST", PAYGOV_CALLBACK, body=forged_callback(order),
                           headers={"Content-Type": "application/json"})  # fmt: skip
    assert (forged.status, forged.body) == (200, {"return_code": -1, "return_msg": "error"})
    assert read(cast, code)["payments"]["payments"] == []
    assert all(p["order_code"] != order["order_code"] for p in parked(cast, order["agency"]))

    # Paid three working hours into the third day after the request, like a person on the
    # platform's page; the platform sends its callback three times.
    paid_at = datetime.combine(asked.astimezone(LOCAL_TZ).date() + timedelta(days=3),
                               time(10, 0), LOCAL_TZ)  # fmt: skip
    months = (months[0], f"{paid_at:%Y-%m}")
    before = report_36(cast, months)
    stack.paygov.callback_times = 3
    try:
        with clock_at(stack, paid_at):
            demo.pay_on_checkout_page(cast.api, link)
    finally:
        stack.paygov.callback_times = 1
    assert [json.loads(text)["return_code"] for _, text in stack.paygov.deliveries[-3:]] == [0] * 3

    paid = read(cast, code)
    dossier = paid["dossier"]
    assert dossier["status"] == PROCESSING and dossier["fees_paid_online"]
    [entry] = [e for e in paid["history"] if e["action"] == "fees_paid"]  # applied once
    assert entry["payment_channel"] == "online" and datetime.fromisoformat(entry["at"]) == paid_at
    [payment] = paid["payments"]["payments"]  # recorded once
    assert (payment["outcome"], payment["amount_vnd"]) == ("applied", FEES)
    assert paid["payments"]["orders"][0]["state"] == "paid"
    # The appointment moved by exactly the working time the clock stood still.
    calendar = load_calendar(PROJECT_DIR / "data" / "calendar.yaml")
    paused = calendar.between(asked, paid_at)
    assert paused > timedelta(0)
    assert datetime.fromisoformat(dossier["due_at"]) == calendar.add(due_before, paused)

    after = report_36(cast, months)
    assert after["fees_paid_online"] == before["fees_paid_online"] + 1
    assert after["fees_owed"] == before["fees_owed"]  # owed since the request
    assert all(p["order_code"] != order["order_code"] for p in parked(cast, order["agency"]))

    # One electronic receipt, numbered once however often the callback came: the citizen's
    # lookup links its PDF, which names the dossier, the amount and the platform's transaction.
    [receipt] = paid["payments"]["receipts"]
    text = receipt_text(demo.lookup_page(cast.api, code, pin), receipt["printed_number"])
    for printed in (code, "2.350.000", payment["transaction_id"], "Phạm Thị Hoa",
                    "Hai triệu ba trăm năm mươi nghìn đồng chẵn"):  # fmt: skip
        assert printed in text, printed


def test_a_wrong_amount_and_a_late_payment_are_parked_and_listed_nothing_applied(stack, cast):
    mismatched, pin, mismatched_order = fees_requested(cast)
    stack.paygov.amount_delta = -50_000
    try:
        demo.pay_on_checkout_page(cast.api, checkout(cast, mismatched, pin))
    finally:
        stack.paygov.amount_delta = 0
    late, pin, late_order = fees_requested(cast)
    stack.paygov.paid_late_seconds = 8 * 24 * 3600  # the order was valid for 7 days
    try:
        demo.pay_on_checkout_page(cast.api, checkout(cast, late, pin))
    finally:
        stack.paygov.paid_late_seconds = 0
    stack.drain()

    listed = {p["order_code"]: p for p in parked(cast, mismatched_order["agency"])}
    assert listed[mismatched_order["order_code"]]["reason"] == "amount_mismatch"
    assert listed[mismatched_order["order_code"]]["amount_vnd"] == FEES - 50_000
    assert listed[late_order["order_code"]]["reason"] == "late"
    for code in (mismatched, late):
        view = read(cast, code)
        assert view["dossier"]["status"] == FEES_REQUESTED
        assert not any(e["action"] == "fees_paid" for e in view["history"])
        assert view["payments"]["orders"][0]["state"] == "open"


def test_a_dropped_callback_is_found_and_applied_by_the_nightly_reconciliation(stack, cast, capsys):
    code, pin, order = fees_requested(cast)
    stack.paygov.drop_callback = True
    try:
        demo.pay_on_checkout_page(cast.api, checkout(cast, code, pin))
    finally:
        stack.paygov.drop_callback = False
    stack.drain()
    assert read(cast, code)["dossier"]["status"] == FEES_REQUESTED  # no callback came

    # The night after (02:00 Hà Nội): yesterday's statement lists the payment.
    tonight = datetime.combine(datetime.now(LOCAL_TZ).date() + timedelta(days=1),
                               time(2, 0), LOCAL_TZ)  # fmt: skip
    with clock_at(stack, tonight):
        summary = stack.run_schedule("payment_reconcile")
    [transaction] = [p for p in stack.paygov.payments if p["transaction_id"] == order["order_code"]]
    assert f"paygov#{transaction['transaction_code']}" in summary["applied"]
    assert summary["unavailable"] is None

    view = read(cast, code)
    assert view["dossier"]["status"] == PROCESSING and view["dossier"]["fees_paid_online"]
    [entry] = [e for e in view["history"] if e["action"] == "fees_paid"]
    assert entry["payment_channel"] == "online"
    [payment] = view["payments"]["payments"]
    assert (payment["outcome"], payment["via"]) == ("applied", "reconciliation")

    # The operator runs the same day again: everything is matched now, nothing applied twice.
    today = datetime.now(LOCAL_TZ).date().isoformat()
    assert cli.main(["payments", "reconcile", "--day", today, "--json"]) == 0
    out = capsys.readouterr().out.splitlines()
    again = json.loads("\n".join(line for line in out if not line.startswith('{"level"')))
    assert again["answer"]["applied"] == [] and again["answer"]["matched"] >= 1
    assert len([e for e in read(cast, code)["history"] if e["action"] == "fees_paid"]) == 1


def test_the_demo_pays_its_land_transfer_online(stack):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        codes = demo.run(stack.base_url)
    printed = out.getvalue()
    assert f"{stack.base_url}/tra-cuu?ma={codes[1]}" in printed and "mã VietQR" in printed
    land = demo.Cast.local(stack.base_url).officials["land_leader"].dossier(codes[1])
    [entry] = [e for e in land["history"] if e["action"] == "fees_paid"]
    assert entry["payment_channel"] == "online" and land["dossier"]["fees_paid_online"]


def test_fees_due_at_receipt_are_asked_by_the_system_and_paid_before_processing(cast):
    """A criminal record certificate (2.000488, `fees_due: at_receipt` in the sample catalog)
    requested online without payment: the system asks for the catalog's fee right after
    receipt, and the payment puts it back where it was, received."""
    justice = "000.00.06.H19"  # Sở Tư pháp
    receipt = cast.portal.submit({
        "external_id": f"dvc-{uuid.uuid4().hex[:12]}",
        "procedure_code": "2.000488",
        "channel": 2,
        "applicant": {"name": "Trịnh Văn Khoa", "kind": 1, "id_number": "075092004567",
                      "phone": "0976543210"},
        "resolving_agency": justice,
        "received_by_agency": justice,
        "submitted_at": demo._moment(2).isoformat(),
        "awaiting_counter_check": False,
        "summary": "Cấp Phiếu lý lịch tư pháp số 1",
    })  # fmt: skip
    code = demo._accepted(receipt)
    specialist = Official.minted(cast.api, DEV_JWT_KEY, sub="justice-specialist",
                                 agency=justice, unit="PHONG_HCTP", role="specialist",
                                 name="Chuyên viên", issuer="motcua-local",
                                 audience="motcua")  # fmt: skip
    waiting = cast.api.wait_for(lambda: specialist.dossier(code),
                                lambda v: v["payments"]["orders"])  # fmt: skip
    assert waiting["dossier"]["status"] == FEES_REQUESTED
    [asked] = [e for e in waiting["history"] if e["action"] == "request_fees"]
    assert asked["actor_id"] == "system:fees-at-receipt"
    [order] = waiting["payments"]["orders"]
    assert (order["amount_vnd"], order["agency"]) == (200_000, justice)

    demo.pay_on_checkout_page(cast.api, checkout(cast, code, receipt["pin"]))
    paid = cast.api.wait_for(lambda: specialist.dossier(code),
                             lambda v: v["dossier"]["status"] != FEES_REQUESTED)  # fmt: skip
    assert paid["dossier"]["status"] == 2 and paid["dossier"]["fees_paid_online"]
    [entry] = [e for e in paid["history"] if e["action"] == "fees_paid"]
    assert entry["payment_channel"] == "online"
    # Asked once, however often the intake was delivered: the same command id.
    assert len([e for e in paid["history"] if e["action"] == "request_fees"]) == 1
