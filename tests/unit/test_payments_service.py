"""Fees paid online through the payments service, on the fakes (issue 20): the order follows
the fee request, a verified callback becomes `fees_paid` (online) on the command path, the
dossier resumes with its date moved, and QĐ 766 3.6 counts it; a callback delivered again
applies once; forged, mismatched, late and double payments apply nothing."""

from dataclasses import replace
from datetime import timedelta

import pytest

from chalicelib.adapters.memory_payment_platform import MemoryPaymentPlatform
from chalicelib.adapters.memory_store import MemoryStore
from chalicelib.adapters.payment_records import MemoryPaymentRecords
from chalicelib.adapters.queues import InMemoryPublisher
from chalicelib.domain import payments as pay
from chalicelib.domain.agencies import Agency, AgencyRegistry
from chalicelib.domain.dossier import Action, Command, PaymentChannel
from chalicelib.domain.indicators import Counters, counted_change, indicators
from chalicelib.domain.procedures import Catalog
from chalicelib.domain.statuses import DossierStatus as S
from chalicelib.domain.statuses import Role
from chalicelib.ports.payment_platform import BeneficiaryAccount, CallbackRefused
from chalicelib.ports.records import Opening, Receipt
from chalicelib.services import payments
from chalicelib.services.envelopes import TransitionEnvelope
from chalicelib.services.errors import Forbidden, Invalid
from chalicelib.services.outbox import Notices
from chalicelib.services.transitions import Result, TransitionDeps, apply_envelope
from tests.unit.builders import (
    HOME,
    SPECIALIST,
    TAX,
    TAX_SYSTEM,
    at,
    land_procedure,
    new_dossier,
    official,
)

PROCEDURE = land_procedure(fees=[{"name": "Lệ phí cấp giấy chứng nhận", "amount_vnd": 100_000}])
CODE = "000.00.32.H19-260302-0001"
QUEUE = "transitions.fifo"
ASKED = at(2026, 3, 3, 11)
ACCOUNT = BeneficiaryAccount(bank_bin="970418", account_number="31110009000190",
                             account_name="THUE TINH DONG NAI")  # fmt: skip


def _agency(code, *units):
    return Agency(code=code, name=code, level="province",
                  units=[{"code": u, "name": u} for u in units])  # fmt: skip


AGENCIES = AgencyRegistry([_agency(HOME, "MOT_CUA", "PHONG_DD", "LANH_DAO"),
                           _agency(TAX, "THUE", "LANH_DAO")])  # fmt: skip


class World:
    def __init__(self, calendar):
        self.calendar = calendar
        self.store = MemoryStore()
        opened = new_dossier(PROCEDURE, calendar, at(2026, 3, 2, 9), code=CODE)
        receipt = Receipt(receipt_id="r1", client_id="portal", external_id="1",
                          status="accepted", updated_at=at(2026, 3, 2, 9))  # fmt: skip
        counted = counted_change(None, opened.dossier, at(2026, 3, 2, 9), calendar)
        self.store.create(Opening(opened.dossier, opened.entry, counted=counted,
                                  intake_key="p#1", receipt=receipt))  # fmt: skip
        self.transitions = TransitionDeps(store=self.store, catalog=Catalog([PROCEDURE]),
                                          calendar=calendar, agencies=AGENCIES,
                                          notices=Notices(AGENCIES))  # fmt: skip
        self.platform = MemoryPaymentPlatform()
        self.publisher = InMemoryPublisher()
        self.deps = payments.PaymentDeps(
            records=MemoryPaymentRecords(), store=self.store, catalog=Catalog([PROCEDURE]),
            agencies=AGENCIES, platform=self.platform, beneficiaries={TAX: ACCOUNT},
            publisher=self.publisher, queue_url=QUEUE,
            lookup_url="https://dichvucong.example/tra-cuu?ma={code}",
        )  # fmt: skip
        self.version = 1

    def act(self, action, actor, when, **fields):
        envelope = TransitionEnvelope(command_id=f"c{self.version}", code=CODE,
                                      command=Command(action=action, **fields), actor=actor,
                                      expected_version=self.version, requested_at=when)  # fmt: skip
        assert apply_envelope(envelope, self.transitions).result is Result.APPLIED
        self.version += 1

    def ask_fees(self, amount=1_500_000):
        self.act(Action.TAKE_UP, SPECIALIST, at(2026, 3, 2, 10))
        self.act(Action.FORWARD, SPECIALIST, at(2026, 3, 3, 10))
        self.act(Action.REQUEST_FEES, TAX_SYSTEM, ASKED, amount_vnd=amount)
        return payments.open_order_for(CODE, self.deps)

    def deliver_queued(self):
        """The transition worker takes what the payments service queued."""
        results = []
        for queue, body, group in self.publisher.sent:
            assert (queue, group) == (QUEUE, CODE)
            results.append(apply_envelope(TransitionEnvelope.model_validate(body),
                                          self.transitions).result)  # fmt: skip
        self.publisher.sent.clear()
        return results


@pytest.fixture
def world(calendar):
    return World(calendar)


def test_the_order_follows_the_fee_request_once(world):
    order = world.ask_fees()
    assert (order.amount_vnd, order.agency, order.created_at) == (1_500_000, TAX, ASKED)
    assert payments.open_order_for(CODE, world.deps) == order  # a redelivery: the same order
    assert world.deps.records.orders_of(CODE) == [order]
    how = payments.how_to_pay(CODE, world.deps, ASKED + timedelta(hours=1))
    assert how.order == order and order.order_code in how.checkout_url
    assert how.request.beneficiary == ACCOUNT
    assert how.request.return_url == f"https://dichvucong.example/tra-cuu?ma={CODE}"
    assert payments.how_to_pay(CODE, world.deps, order.expires_at + timedelta(seconds=1)) is None


def test_a_paid_order_resumes_the_dossier_online_and_three_deliveries_apply_once(world):
    order = world.ask_fees()
    due_before = world.store.get(CODE).due_at
    paid_at = at(2026, 3, 5, 11)  # two working days later
    headers, body = world.platform.pay(order.order_code, 1_500_000, paid_at=paid_at)
    takes = [payments.take_callback(headers, body, world.deps, paid_at + timedelta(minutes=1))
             for _ in range(3)]  # fmt: skip
    assert [t.verdict for t in takes] == [pay.Verdict.APPLY] + [pay.Verdict.ALREADY_RECORDED] * 2
    assert len({t.command_id for t in takes}) == 1
    assert world.deliver_queued() == [Result.APPLIED, Result.DUPLICATE, Result.DUPLICATE]
    dossier = world.store.get(CODE)
    assert dossier.status is S.PROCESSING and dossier.fees_paid_online
    assert world.calendar.between(due_before, dossier.due_at) == timedelta(hours=16)
    history = world.store.load(CODE).history
    assert history[-1].action is Action.FEES_PAID
    assert history[-1].payment_channel is PaymentChannel.ONLINE
    assert history[-1].actor_id == "payment:memory" and history[-1].at == paid_at
    assert world.deps.records.order(order.order_code).state is pay.OrderState.PAID
    # QĐ 766 3.6: the dossier owed fees and paid them online.
    counted = {}
    for row in world.store.stats(HOME, "2026-03").values():
        for key, amount in row.items():
            counted[key] = counted.get(key, 0) + amount
    assert indicators(Counters.from_mapping(counted))["3.6"].value == 100.0


def test_a_forged_callback_is_refused_and_writes_nothing(world):
    order = world.ask_fees()
    headers, body = world.platform.pay(order.order_code, 1_500_000, paid_at=ASKED)
    forged = body.replace(b"1500000", b"1")
    with pytest.raises(CallbackRefused):
        payments.take_callback(headers, forged, world.deps, ASKED)
    assert world.deps.records.payments == {} and world.publisher.sent == []


@pytest.mark.parametrize(
    "amount, late, reason",
    [(1_000_000, False, pay.ParkReason.AMOUNT_MISMATCH), (1_500_000, True, pay.ParkReason.LATE)],
)
def test_a_mismatched_or_late_payment_is_parked_for_the_agency(world, amount, late, reason):
    order = world.ask_fees()
    paid_at = order.expires_at + timedelta(hours=1) if late else ASKED + timedelta(hours=1)
    headers, body = world.platform.pay(order.order_code, amount, paid_at=paid_at)
    taken = payments.take_callback(headers, body, world.deps, paid_at)
    assert (taken.verdict, taken.payment.reason) == (pay.Verdict.PARK, reason)
    assert world.publisher.sent == [] and world.store.get(CODE).status is S.FEES_REQUESTED
    tax_official = official(Role.SPECIALIST, "THUE", agency=TAX)
    assert payments.parked_for(TAX, tax_official, world.deps) == [taken.payment]
    with pytest.raises(Forbidden):
        payments.parked_for(TAX, SPECIALIST, world.deps)
    with pytest.raises(Invalid):
        payments.parked_for("000.00.77.H19", tax_official, world.deps)


def test_a_second_payment_of_a_paid_order_is_parked_as_double(world):
    order = world.ask_fees()
    first = world.platform.pay(order.order_code, 1_500_000, paid_at=ASKED)
    second = world.platform.pay(order.order_code, 1_500_000, paid_at=ASKED + timedelta(hours=1))
    assert payments.take_callback(*first, world.deps, ASKED).verdict is pay.Verdict.APPLY
    taken = payments.take_callback(*second, world.deps, ASKED + timedelta(hours=1))
    assert taken.payment.reason is pay.ParkReason.DOUBLE_PAYMENT
    assert len(world.publisher.sent) == 1


def test_a_payment_of_an_unknown_order_is_parked_for_administrators(world):
    headers, body = world.platform.pay("TTNOSUCHORDER1", 5_000, paid_at=ASKED)
    taken = payments.take_callback(headers, body, world.deps, ASKED)
    assert taken.payment.reason is pay.ParkReason.UNKNOWN_ORDER
    admin = official(Role.ADMIN, "LANH_DAO")
    assert payments.parked_for(pay.NO_AGENCY, admin, world.deps) == [taken.payment]
    with pytest.raises(Forbidden):
        payments.parked_for(pay.NO_AGENCY, SPECIALIST, world.deps)


def test_the_fees_notice_names_the_order_the_service_makes(world):
    order = world.ask_fees()
    [job] = [j for j in world.store.outbox if j.kind == "fees_requested"]
    assert f"Mã thanh toán: {order.order_code}." in job.text_vi
    assert f"Ma thanh toan: {order.order_code}." in job.sms_text
    assert job.sms_text.isascii()


def test_the_nightly_reconciliation_applies_a_missing_callback_and_parks_the_odd(world):
    from chalicelib.services.payment_reconcile import reconcile, yesterday

    order = world.ask_fees()
    day_paid = at(2026, 3, 4, 15)
    heard = world.platform.pay(order.order_code, 1_500_000, paid_at=day_paid, transaction_id="A")
    payments.take_callback(*heard, world.deps, day_paid)  # its callback came: matched
    world.platform.pay(order.order_code, 1_500_000, paid_at=day_paid, transaction_id="B")
    world.platform.pay("TTNOSUCHORDER1", 9_000, paid_at=day_paid, transaction_id="C")
    night = at(2026, 3, 5, 2)
    assert yesterday(night) == day_paid.date()
    result = reconcile(yesterday(night), world.deps, night)
    assert (result.lines, result.matched, result.applied) == (3, 1, [])
    assert [p.reason for p in result.parked] == [pay.ParkReason.DOUBLE_PAYMENT,
                                                 pay.ParkReason.UNKNOWN_ORDER]  # fmt: skip
    assert all(p.via == "reconciliation" for p in result.parked)
    assert result.differences == 2


def test_a_payment_whose_callback_never_came_is_applied_by_the_reconciliation(world):
    from chalicelib.services.payment_reconcile import reconcile

    order = world.ask_fees()
    paid_at = at(2026, 3, 4, 15)
    world.platform.pay(order.order_code, 1_500_000, paid_at=paid_at)  # the callback is lost
    night = at(2026, 3, 5, 2)
    result = reconcile(paid_at.date(), world.deps, night)
    assert len(result.applied) == 1 and result.differences == 0
    assert world.deliver_queued() == [Result.APPLIED]
    last = world.store.load(CODE).history[-1]
    assert (last.action, last.at) == (Action.FEES_PAID, paid_at)  # resumed when it was paid
    again = reconcile(paid_at.date(), world.deps, night + timedelta(days=1))
    assert (again.matched, again.applied) == (1, [])


def test_a_platform_that_cannot_say_leaves_everything_as_it_was(world):
    from chalicelib.services.payment_reconcile import reconcile

    world.platform.down = True
    result = reconcile(ASKED.date(), world.deps, ASKED)
    assert result.unavailable and result.lines == 0


def test_fees_paid_takes_effect_when_paid_but_never_before_the_last_change_nor_after_now(world):
    order = world.ask_fees()
    record = world.store.load(CODE)
    last = record.history[-1].at

    def paid_at(moment):
        return pay.RecordedPayment(
            platform="memory", transaction_id="T", order_code=order.order_code, code=CODE,
            agency=order.agency, amount_vnd=order.amount_vnd, currency="VND", paid_at=moment,
            recorded_at=moment, outcome=pay.PaymentOutcome.APPLIED,
        )  # fmt: skip

    now = last + timedelta(days=2)
    within = last + timedelta(hours=3)
    assert payments.effective_at(paid_at(within), order, record, now) == within
    assert payments.effective_at(paid_at(last - timedelta(hours=1)), order, record, now) == last
    assert payments.effective_at(paid_at(now + timedelta(hours=1)), order, record, now) == now


def test_how_to_pay_is_offered_only_while_the_dossier_waits_and_the_agency_takes_payments(world):
    order = world.ask_fees()
    assert payments.how_to_pay(CODE, world.deps, ASKED).order == order
    no_account = replace(world.deps, beneficiaries={})
    assert payments.how_to_pay(CODE, no_account, ASKED) is None
    headers, body = world.platform.pay(order.order_code, 1_500_000, paid_at=ASKED)
    payments.take_callback(headers, body, world.deps, ASKED)
    assert payments.how_to_pay(CODE, world.deps, ASKED) is None  # paid, not yet resumed
    world.deliver_queued()
    assert payments.how_to_pay(CODE, world.deps, ASKED) is None  # no longer waiting
