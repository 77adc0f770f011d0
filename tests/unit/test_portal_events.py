"""Portal events without the stack: which commands they become, who the portal acts as, and
what that actor may do (docs/dvcqg-contract.md §8)."""

from datetime import UTC, datetime

import pytest

from chalicelib.domain.dossier import Action, Command, PaymentChannel
from chalicelib.domain.errors import NotPermitted
from chalicelib.domain.state_machine import RULES, apply
from chalicelib.domain.statuses import DossierStatus as S
from chalicelib.domain.statuses import Role
from chalicelib.http.portal_events import parse_event
from chalicelib.ports.webhook_clients import WebhookClient
from chalicelib.services.portal_events import applicant_actor, command_id
from tests.unit.builders import DESK, OTHER, RECEIVER, SPECIALIST, at, land_procedure, new_dossier

PROCEDURE = land_procedure()
PORTAL = WebhookClient("dvcqg", b"k", scopes=frozenset({"dossiers", "portal-events"}))
NOW = datetime(2026, 3, 10, 3, tzinfo=UTC)
APPLICANTS_OWN = {Action.SUPPLEMENT_RECEIVED, Action.FEES_PAID, Action.WITHDRAW}


def event(kind: str, **fields):
    body = {
        "event_id": "dvcqg-evt-0001",
        "MaHoSo": "000.00.32.H19-260302-0001",
        "kind": kind,
        "occurred_at": "2026-03-09T10:00:00+07:00",
        **fields,
    }
    return parse_event(body, province="H19", now=NOW)


def test_each_kind_is_the_command_an_official_would_send():
    paid = event("fees_paid", amount_vnd=1_250_000, payment_channel="online",
                 transaction_ref="PAYGOV-1").command()  # fmt: skip
    assert (paid.action, paid.amount_vnd, paid.payment_channel) == (
        Action.FEES_PAID,
        1_250_000,
        PaymentChannel.ONLINE,
    )
    assert "1.250.000 đồng" in paid.note and "PAYGOV-1" in paid.note
    assert "09/03/2026 10:00" in paid.note  # when the applicant paid, in local time

    withdrawn = event("withdrawal_requested", reason="Đổi ý").command()
    assert withdrawn.action is Action.WITHDRAW and withdrawn.note.endswith("Đổi ý")

    documents = [{"name": "Giấy chứng sinh"}, {"name": "Tờ khai"}]
    supplied = event("supplement_submitted", documents=documents).command()
    assert supplied.action is Action.SUPPLEMENT_RECEIVED
    assert "Giấy chứng sinh; Tờ khai" in supplied.note


def test_a_long_note_is_cut_to_what_a_command_holds():
    supplied = event("supplement_submitted", documents=[{"name": "x" * 500}] * 4, note="y" * 2000)
    assert len(supplied.command().note) == 2000


def test_the_command_id_is_the_portal_s_event_on_that_dossier():
    code = "000.00.32.H19-260302-0001"
    assert command_id("dvcqg", code, "e-1") == command_id("dvcqg", code, "e-1")
    assert command_id("dvcqg", code, "e-1") != command_id("other-portal", code, "e-1")
    assert command_id("dvcqg", code, "e-1") != command_id("dvcqg", code, "e-2")


def test_the_applicant_role_takes_the_applicant_s_own_acts_only():
    for action, rule in RULES.items():
        assert (Role.APPLICANT in rule.roles) is (action in APPLICANTS_OWN), action


def test_the_portal_acts_as_the_applicant_at_the_receiving_desk(calendar):
    d = new_dossier(PROCEDURE, calendar, at(2026, 3, 2, 9)).dossier
    actor = applicant_actor(PORTAL, d)
    assert (actor.agency, actor.unit, actor.roles) == (DESK.agency, DESK.unit, {Role.APPLICANT})

    d = apply(d, Command(action=Action.TAKE_UP), SPECIALIST, PROCEDURE, calendar,
              at(2026, 3, 2, 10)).dossier  # fmt: skip
    asked = Command(action=Action.REQUEST_SUPPLEMENT, note="Thiếu CCCD")
    d = apply(d, asked, SPECIALIST, PROCEDURE, calendar, at(2026, 3, 2, 11)).dossier
    # The dossier is held by a specialist's unit: the applicant still acts at the desk.
    supplied = Command(action=Action.SUPPLEMENT_RECEIVED, note="Nộp bổ sung trên cổng")
    d = apply(d, supplied, actor, PROCEDURE, calendar, at(2026, 3, 3, 9)).dossier
    assert d.status is S.PROCESSING
    withdrawn = Command(action=Action.WITHDRAW, note="Rút trên cổng")
    d = apply(d, withdrawn, actor, PROCEDURE, calendar, at(2026, 3, 3, 10)).dossier
    assert d.status is S.WITHDRAWN


@pytest.mark.parametrize("action", [Action.RECEIVE, Action.REFUSE])
def test_the_applicant_neither_receives_nor_refuses_their_own_dossier(calendar, action):
    d = new_dossier(PROCEDURE, calendar, at(2026, 3, 6, 16), received=False).dossier
    with pytest.raises(NotPermitted):
        apply(d, Command(action=action, note="x"), applicant_actor(PORTAL, d), PROCEDURE,
              calendar, at(2026, 3, 9, 8))  # fmt: skip


def test_an_applicant_actor_placed_at_another_desk_is_refused(calendar):
    d = new_dossier(PROCEDURE, calendar, at(2026, 3, 2, 9)).dossier
    elsewhere = applicant_actor(PORTAL, d).model_copy(update={"agency": OTHER})
    with pytest.raises(NotPermitted):
        apply(d, Command(action=Action.WITHDRAW, note="Rút"), elsewhere, PROCEDURE, calendar,
              at(2026, 3, 2, 10))  # fmt: skip
    # The counter itself still may.
    assert apply(d, Command(action=Action.WITHDRAW, note="Rút"), RECEIVER, PROCEDURE, calendar,
                 at(2026, 3, 2, 10)).dossier.status is S.WITHDRAWN  # fmt: skip
