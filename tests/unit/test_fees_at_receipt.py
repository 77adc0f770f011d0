"""Fees paid up front (catalog `fees_due: at_receipt`, services/fees_at_receipt.py): the system
asks for them right after an online receipt without payment, once; never at the counter, for a
dossier paid at submission, or for a procedure whose fees are asked during processing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.adapters.memory_payment_platform import MemoryPaymentPlatform
from chalicelib.adapters.memory_store import MemoryStore
from chalicelib.adapters.payment_records import MemoryPaymentRecords
from chalicelib.adapters.queues import InMemoryPublisher
from chalicelib.domain.agencies import Agency, AgencyRegistry
from chalicelib.domain.dossier import Action, Command, PaymentChannel
from chalicelib.domain.errors import CatalogError
from chalicelib.domain.procedures import Catalog
from chalicelib.domain.state_machine import apply
from chalicelib.domain.statuses import Channel
from chalicelib.domain.statuses import DossierStatus as S
from chalicelib.ports.records import Opening, Receipt
from chalicelib.services import fees_at_receipt, payments
from tests.unit.builders import HOME, at, land_procedure, new_dossier

FEE = [{"name": "Phí cung cấp thông tin", "amount_vnd": 200_000}]
UP_FRONT = land_procedure(fees=FEE, fees_due="at_receipt")
LATER = land_procedure(code="1.000002", fees=FEE)
CODE = "000.00.32.H19-260302-0001"
RECEIVED = at(2026, 3, 2, 9)
AGENCIES = AgencyRegistry([Agency(code=HOME, name=HOME, level="province",
                                  units=[{"code": "MOT_CUA", "name": "MOT_CUA"}])])  # fmt: skip


def deps(calendar, procedure, **dossier_changes):
    store = MemoryStore()
    opened = new_dossier(procedure, calendar, RECEIVED, code=CODE)
    dossier = opened.dossier.model_copy(update=dossier_changes)
    receipt = Receipt(receipt_id="r1", client_id="portal", external_id="1", status="accepted",
                      updated_at=RECEIVED)  # fmt: skip
    store.create(Opening(dossier, opened.entry, intake_key="p#1", receipt=receipt))
    return payments.PaymentDeps(
        records=MemoryPaymentRecords(), store=store, catalog=Catalog([UP_FRONT, LATER]),
        agencies=AGENCIES, platform=MemoryPaymentPlatform(), beneficiaries={},
        publisher=InMemoryPublisher(), queue_url="transitions.fifo",
    )  # fmt: skip


def test_an_online_receipt_without_payment_is_asked_for_its_fees_by_the_system_once(calendar):
    world = deps(calendar, UP_FRONT)
    first = fees_at_receipt.ask_if_due(CODE, UP_FRONT.code, world, RECEIVED)
    again = fees_at_receipt.ask_if_due(CODE, UP_FRONT.code, world, RECEIVED + timedelta(minutes=1))
    assert first == again == fees_at_receipt.command_id(CODE)  # a redelivery: the same command
    [(queue, body, group), *_] = world.publisher.sent
    envelope = body
    assert (queue, group, envelope["command"]["action"]) == ("transitions.fifo", CODE,
                                                             "request_fees")  # fmt: skip
    assert envelope["actor"]["agency"] == HOME and envelope["actor"]["roles"] == ["system"]
    assert envelope["command"].get("amount_vnd") is None  # the catalog's fees: the order's


@pytest.mark.parametrize(
    ("procedure", "changes"),
    [
        (LATER, {}),  # fees asked during processing
        (UP_FRONT, {"channel": Channel.IN_PERSON}),  # the counter takes them on the spot
        (UP_FRONT, {"paid_online": True}),  # paid at submission on the portal
        (UP_FRONT, {"status": S.SUBMITTED}),  # not received yet
    ],
)
def test_nothing_is_asked_otherwise(calendar, procedure, changes):
    world = deps(calendar, procedure, **changes)
    assert fees_at_receipt.ask_if_due(CODE, procedure.code, world, RECEIVED) is None
    assert world.publisher.sent == []


def test_a_received_dossier_waits_for_its_fees_and_resumes_received_its_date_moved(calendar):
    opened = new_dossier(UP_FRONT, calendar, RECEIVED, code=CODE).dossier
    system = fees_at_receipt.system_actor(HOME)
    asked = apply(opened, Command(action=Action.REQUEST_FEES), system, UP_FRONT, calendar,
                  RECEIVED + timedelta(minutes=5)).dossier  # fmt: skip
    assert asked.status is S.FEES_REQUESTED and asked.is_paused
    paid_at = at(2026, 3, 3, 9)
    paid = apply(asked, Command(action=Action.FEES_PAID, payment_channel=PaymentChannel.ONLINE),
                 system, UP_FRONT, calendar, paid_at).dossier  # fmt: skip
    assert paid.status is S.RECEIVED and paid.fees_paid_online
    paused = calendar.between(RECEIVED + timedelta(minutes=5), paid_at)
    assert paid.due_at == calendar.add(opened.due_at, paused)


def test_the_catalog_refuses_fees_due_at_receipt_without_a_fee():
    with pytest.raises(CatalogError, match="fees_due"):
        land_procedure(fees_due="at_receipt")
