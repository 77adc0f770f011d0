"""Receipts of fees paid online and officials' decisions on parked payments, on the fakes
(issue 20): an applied payment gets one receipt numbered in its agency's series (a redelivery
gets the same one, no second number), its PDF says the number, the amount in words and the
transaction; a parked payment is refunded or applied once, by an official of its agency, and
an applied one resumes a dossier that still waits for its fees."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from chalicelib.adapters.file_store import MemoryFileStore
from chalicelib.adapters.issued_forms import MemoryIssuedForms
from chalicelib.adapters.receipt_records import MemoryReceiptRecords
from chalicelib.domain import payments as pay
from chalicelib.domain.receipts import ReceiptRange
from chalicelib.domain.statuses import DossierStatus as S
from chalicelib.domain.statuses import Role
from chalicelib.services import payments, receipt_files
from chalicelib.services.errors import Conflict, Forbidden, Invalid, NotFound
from chalicelib.services.transitions import Result
from tests.unit.builders import HOME, SPECIALIST, TAX, official
from tests.unit.test_payments_service import ASKED, CODE, World
from tests.unit.test_receipt import text_of

RANGE = ReceiptRange(agency=TAX, form_code="01BLP0-001", series="THUE-26E",
                     tax_code="3600000902", address="Phường Trấn Biên, tỉnh Đồng Nai",
                     place="Đồng Nai")  # fmt: skip
TAX_OFFICIAL = official(Role.LEADER, "THUE", agency=TAX)


@pytest.fixture
def world(calendar):
    found = World(calendar)
    found.deps = replace(found.deps, receipts=MemoryReceiptRecords(),
                         receipt_ranges={TAX: RANGE})  # fmt: skip
    found.links = receipt_files.ReceiptLinkDeps(
        receipts=found.deps.receipts, dossiers=found.store, blobs=MemoryFileStore(),
        issued=MemoryIssuedForms(),
    )  # fmt: skip
    return found


def pay_order(world, amount=1_500_000, *, late=False, transaction_id=None):
    order = world.ask_fees()
    paid_at = order.expires_at + timedelta(hours=1) if late else ASKED + timedelta(hours=1)
    extra = {"transaction_id": transaction_id} if transaction_id else {}
    sent = world.platform.pay(order.order_code, amount, paid_at=paid_at, **extra)
    return order, payments.take_callback(*sent, world.deps, paid_at)


def test_an_applied_payment_gets_one_receipt_and_its_pdf_says_what_was_paid(world):
    order, taken = pay_order(world, transaction_id="PG-2026-000123")
    [receipt] = world.deps.receipts.receipts_of(CODE)
    assert (receipt.number, receipt.series, receipt.amount_vnd) == (1, "THUE-26E", 1_500_000)
    assert receipt.payment == taken.payment.key and receipt.lines == order.lines
    assert receipt.lookup_url == f"https://dichvucong.example/tra-cuu?ma={CODE}"
    again = world.platform.pay(order.order_code, 1_500_000, paid_at=ASKED + timedelta(hours=1),
                               transaction_id="PG-2026-000123")  # fmt: skip
    assert payments.take_callback(*again, world.deps, ASKED).verdict is pay.Verdict.ALREADY_RECORDED
    assert world.deps.receipts.receipts_of(CODE) == [receipt]  # the same: no second number
    assert world.deps.receipts.sequences == {RANGE.agency + "#01BLP0-001#THUE-26E": 1}
    printed = text_of(receipt_files.render(receipt))
    for line in ("Số biên lai: 0000001", "Ký hiệu biên lai: THUE-26E",
                 "Số tiền viết bằng chữ: Một triệu năm trăm nghìn đồng chẵn",
                 "Mã giao dịch thanh toán: PG-2026-000123", f"Mã hồ sơ: {CODE}",
                 "Họ và tên người nộp: Nguyễn Văn A", "Mã số thuế: 3600000902"):  # fmt: skip
        assert line in printed, printed


def test_an_agency_without_a_receipt_range_issues_none(world):
    world.deps = replace(world.deps, receipt_ranges={})
    pay_order(world)
    assert world.deps.receipts.receipts_of(CODE) == []
    read = payments.dossier_payments(CODE, world.deps.records, world.deps.receipts)
    assert read["receipts"] == [] and len(read["payments"]) == 1


def test_the_receipt_is_linked_to_officials_of_the_dossier_rendered_once(world):
    pay_order(world)
    released = []
    link = receipt_files.official_link(CODE, 1, None, SPECIALIST, world.links, now=ASKED,
                                       on_release=released.append)  # fmt: skip
    assert link["filename"] == "bien-lai-THUE-26E-0000001.pdf" and len(released) == 1
    assert world.links.blobs.fetch(link["url"]).startswith(b"%PDF")
    again = receipt_files.official_link(CODE, 1, None, SPECIALIST, world.links,
                                        now=ASKED + timedelta(hours=1),
                                        on_release=released.append)  # fmt: skip
    assert again["rendered_at"] == link["rendered_at"]  # kept, not rendered again
    with pytest.raises(NotFound):
        receipt_files.official_link(CODE, 2, None, SPECIALIST, world.links, now=ASKED,
                                    on_release=released.append)  # fmt: skip
    stranger = official(Role.SPECIALIST, "VAN_PHONG", agency="000.00.42.H19")
    with pytest.raises(Forbidden):
        receipt_files.official_link(CODE, 1, None, stranger, world.links, now=ASKED,
                                    on_release=released.append)  # fmt: skip
    assert len(released) == 2
    with pytest.raises(Invalid):
        receipt_files.receipt_number("12345678")


def test_a_late_payment_applied_by_an_official_resumes_the_dossier_with_a_receipt(world):
    order, taken = pay_order(world, late=True)
    assert taken.payment.reason is pay.ParkReason.LATE
    decision = payments.Decision(pay.PaymentOutcome.APPLIED, note="Trễ do lỗi ngân hàng")
    done = payments.resolve_parked("memory", taken.payment.transaction_id, decision,
                                   TAX_OFFICIAL, world.deps, ASKED + timedelta(days=9))  # fmt: skip
    assert done.payment.outcome is pay.PaymentOutcome.APPLIED
    assert (done.payment.resolution.by, done.payment.resolution.at) == (
        TAX_OFFICIAL.id,
        ASKED + timedelta(days=9),
    )
    assert done.command_id == payments.command_id("memory", taken.payment.transaction_id)
    assert world.deliver_queued() == [Result.APPLIED]
    assert world.store.get(CODE).status is S.PROCESSING
    assert world.deps.records.order(order.order_code).state is pay.OrderState.PAID
    assert done.receipt.number == 1
    assert world.deps.records.parked(TAX) == []
    with pytest.raises(Conflict):  # decided: once
        payments.resolve_parked("memory", taken.payment.transaction_id, decision,
                                TAX_OFFICIAL, world.deps, ASKED + timedelta(days=9))  # fmt: skip


def test_a_refund_needs_its_reference_and_is_recorded_by_an_official_of_the_agency(world):
    _, taken = pay_order(world, amount=1_000_000)
    tx = taken.payment.transaction_id
    bare = payments.Decision(pay.PaymentOutcome.REFUNDED)
    with pytest.raises(Invalid) as refused:
        payments.resolve_parked("memory", tx, bare, TAX_OFFICIAL, world.deps, ASKED)
    assert refused.value.errors[0].field == "refund_reference"
    refund = payments.Decision(pay.PaymentOutcome.REFUNDED, refund_reference="HT-0001")
    with pytest.raises(Forbidden):  # the ward did not ask for these fees
        payments.resolve_parked("memory", tx, refund, SPECIALIST, world.deps, ASKED)
    assert world.deps.records.parked(TAX) == [taken.payment]  # nothing written
    done = payments.resolve_parked("memory", tx, refund, TAX_OFFICIAL, world.deps, ASKED)
    assert done.payment.outcome is pay.PaymentOutcome.REFUNDED and done.receipt is None
    assert done.payment.resolution.refund_reference == "HT-0001"
    assert world.publisher.sent == [] and world.deps.receipts.receipts_of(CODE) == []
    with pytest.raises(NotFound):
        payments.resolve_parked("memory", "nope", refund, TAX_OFFICIAL, world.deps, ASKED)


def test_a_payment_of_an_unknown_order_can_only_be_refunded(world):
    sent = world.platform.pay("TTNOSUCHORDER1", 5_000, paid_at=ASKED)
    taken = payments.take_callback(*sent, world.deps, ASKED)
    admin = official(Role.ADMIN, "LANH_DAO", agency=HOME)
    applied = payments.Decision(pay.PaymentOutcome.APPLIED, note="?")
    with pytest.raises(Conflict) as refused:
        payments.resolve_parked("memory", taken.payment.transaction_id, applied, admin,
                                world.deps, ASKED)  # fmt: skip
    assert refused.value.errors[0].field == "outcome"
