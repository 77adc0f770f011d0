"""The actions offered to an official on a dossier: the state machine's own answer, by role,
place, status and each action's preconditions."""

from chalicelib.domain.dossier import Action, Command
from chalicelib.domain.permitted import permitted_actions
from chalicelib.domain.state_machine import apply
from chalicelib.domain.statuses import Role
from tests.unit.builders import (
    LEADER,
    OTHER,
    RECEIVER,
    SPECIALIST,
    TAX_SYSTEM,
    at,
    land_procedure,
    new_dossier,
    official,
)

PROCEDURE = land_procedure()
NOW = at(2026, 1, 5, 10)


def _moved(calendar, dossier, *steps):
    for action, actor, fields in steps:
        command = Command(action=action, **fields)
        dossier = apply(dossier, command, actor, PROCEDURE, calendar, NOW).dossier
    return dossier


def test_a_received_dossier_is_taken_up_by_the_first_steps_specialist(calendar):
    received = new_dossier(PROCEDURE, calendar, at(2026, 1, 5, 9)).dossier
    offered = permitted_actions(received, SPECIALIST, PROCEDURE, calendar, NOW)
    assert Action.TAKE_UP in offered
    assert Action.FORWARD not in offered and Action.RESOLVE not in offered  # not processing
    assert Action.RECEIVE not in offered  # the status is past it
    # A specialist of another unit, or of another agency, is offered nothing to move it.
    elsewhere = official(Role.SPECIALIST, "PHONG_KHAC")
    assert Action.TAKE_UP not in permitted_actions(received, elsewhere, PROCEDURE, calendar, NOW)
    stranger = official(Role.SPECIALIST, "PHONG_DD", agency=OTHER)
    assert permitted_actions(received, stranger, PROCEDURE, calendar, NOW) == []


def test_the_counter_is_offered_its_own_actions_only(calendar):
    received = new_dossier(PROCEDURE, calendar, at(2026, 1, 5, 9)).dossier
    offered = permitted_actions(received, RECEIVER, PROCEDURE, calendar, NOW)
    assert Action.WITHDRAW in offered and Action.REQUEST_SUPPLEMENT in offered
    assert Action.TAKE_UP not in offered and Action.STOP not in offered  # stop needs a leader


def test_forward_and_resolve_follow_the_step(calendar):
    received = new_dossier(PROCEDURE, calendar, at(2026, 1, 5, 9)).dossier
    examining = _moved(calendar, received, (Action.TAKE_UP, SPECIALIST, {}))
    offered = permitted_actions(examining, SPECIALIST, PROCEDURE, calendar, NOW)
    assert Action.FORWARD in offered
    assert Action.RESOLVE not in offered  # not the last processing step
    assert Action.SEND_BACK not in offered  # the first processing step: nowhere back to
    assert Action.TRANSFER in offered  # its target is the form's to say
    approving = _moved(calendar, examining, (Action.FORWARD, SPECIALIST, {}),
                       (Action.FORWARD, TAX_SYSTEM, {}))  # fmt: skip
    offered = permitted_actions(approving, LEADER, PROCEDURE, calendar, NOW)
    assert Action.RESOLVE in offered and Action.SEND_BACK in offered
    assert Action.FORWARD not in offered  # the last processing step resolves
    assert Action.EXTEND_WITH_APOLOGY in offered  # the new date is the form's to say
    # At the leader's unit now: the specialist who sent it there has nothing left to do.
    assert permitted_actions(approving, SPECIALIST, PROCEDURE, calendar, NOW) == []


def test_an_apology_is_offered_once(calendar):
    received = new_dossier(PROCEDURE, calendar, at(2026, 1, 5, 9)).dossier
    examining = _moved(calendar, received, (Action.TAKE_UP, SPECIALIST, {}))
    assert examining.due_at is not None
    apology = {"note": "Chờ ý kiến", "new_due_at": at(2026, 1, 20, 9)}
    extended = _moved(calendar, examining, (Action.EXTEND_WITH_APOLOGY, LEADER, apology))
    assert Action.EXTEND_WITH_APOLOGY not in permitted_actions(
        extended, LEADER, PROCEDURE, calendar, NOW
    )


def test_a_closed_dossier_offers_nothing(calendar):
    received = new_dossier(PROCEDURE, calendar, at(2026, 1, 5, 9)).dossier
    withdrawn = _moved(calendar, received, (Action.WITHDRAW, RECEIVER, {"note": "Rút"}))
    for actor in (RECEIVER, SPECIALIST, LEADER):
        assert permitted_actions(withdrawn, actor, PROCEDURE, calendar, NOW) == []
