"""The dossier state machine: legal moves, who may make them, and the clock."""

from datetime import timedelta

import pytest

from chalicelib.domain.dossier import Action, Command
from chalicelib.domain.errors import IllegalTransition, InvalidInput, NotPermitted
from chalicelib.domain.legal import LegalTerms
from chalicelib.domain.state_machine import RULES, allowed_actions, apply, processing_time
from chalicelib.domain.statuses import DossierStatus as S
from chalicelib.domain.statuses import Role
from tests.unit.builders import (
    DESK,
    HOME,
    LEADER,
    OTHER,
    RECEIVER,
    SPECIALIST,
    TAX,
    TAX_SYSTEM,
    at,
    land_procedure,
    new_dossier,
    official,
)

PROCEDURE = land_procedure()


def act(calendar, dossier, action, actor, when, **fields):
    return apply(dossier, Command(action=action, **fields), actor, PROCEDURE, calendar, when)


def test_a_dossier_goes_from_receipt_to_returned_result(calendar):
    opened = new_dossier(PROCEDURE, calendar, at(2026, 1, 5, 9))
    d = opened.dossier
    assert (d.status, d.version, d.holder) == (S.RECEIVED, 1, DESK)
    assert d.due_at == at(2026, 1, 16, 9)  # 10 working days; Saturday 10/1 is worked
    assert d.step_due_at == at(2026, 1, 5, 15)  # 4 working hours across the lunch break
    assert opened.entry.action is Action.RECEIVE and opened.entry.from_status is None

    entries = [opened.entry]
    for action, actor, when in [
        (Action.TAKE_UP, SPECIALIST, at(2026, 1, 5, 10)),
        (Action.FORWARD, SPECIALIST, at(2026, 1, 7, 10)),
        (Action.FORWARD, TAX_SYSTEM, at(2026, 1, 8, 10)),
        (Action.RESOLVE, LEADER, at(2026, 1, 9, 10)),
        (Action.RETURN_RESULT, RECEIVER, at(2026, 1, 12, 8)),
    ]:
        t = act(calendar, d, action, actor, when)
        assert t.dossier.version == d.version + 1 == t.entry.version
        d = t.dossier
        entries.append(t.entry)

    assert [e.to_status for e in entries] == [S.RECEIVED, S.PROCESSING, S.PROCESSING,
                                              S.PROCESSING, S.RESOLVED, S.RETURNED]  # fmt: skip
    assert [e.to_step for e in entries] == [0, 1, 2, 3, 4, 4]
    assert entries[2].holder.agency == TAX  # the inter-agency step
    assert d.ended_at == at(2026, 1, 9, 10)  # processing ends at resolve, not at return
    assert d.involved_agencies == {HOME, TAX}
    # 5/1 09:00 → 9/1 10:00 is 4 working days and 1 hour.
    assert processing_time(d, calendar, at(2026, 2, 1)) == timedelta(hours=33)


def test_a_portal_dossier_waits_at_status_1_until_the_counter_receives_it(calendar):
    submitted = new_dossier(PROCEDURE, calendar, at(2026, 3, 6, 16), received=False).dossier
    assert submitted.status is S.SUBMITTED and submitted.due_at is None
    received = act(calendar, submitted, Action.RECEIVE, RECEIVER, at(2026, 3, 9, 8)).dossier
    assert received.status is S.RECEIVED
    assert received.received_at == at(2026, 3, 9, 8)
    assert received.due_at == at(2026, 3, 23, 8)


def test_a_timely_supplement_restarts_the_appointment_and_qd766_moves_it_by_the_wait(calendar):
    # NĐ 118 art. 19(5): the time limit counts again from the complete dossier; QĐ 766 judges
    # against the original appointment moved by the time the applicant took (docs/law.md §1c).
    d = new_dossier(PROCEDURE, calendar, at(2026, 3, 2, 9)).dossier
    d = act(calendar, d, Action.TAKE_UP, SPECIALIST, at(2026, 3, 2, 10)).dossier
    due = d.due_at
    d = act(calendar, d, Action.REQUEST_SUPPLEMENT, SPECIALIST, at(2026, 3, 3, 9),
            note="Thiếu bản vẽ").dossier  # fmt: skip
    assert d.status is S.SUPPLEMENT_REQUESTED and d.supplement_requests == 1
    assert d.supplement_due_at == at(2026, 3, 18, 9)  # 15 days from the notice
    assert not d.supplement_after_limit
    t = act(calendar, d, Action.SUPPLEMENT_RECEIVED, RECEIVER, at(2026, 3, 6, 9))
    d = t.dossier
    assert d.status is S.PROCESSING and d.supplement_due_at is None
    assert t.entry.paused_for == timedelta(hours=24)  # 3 working days
    assert d.original_due_at == at(2026, 3, 19, 9)  # 16/3 09:00 moved by 3 working days
    assert calendar.between(due, d.original_due_at) == timedelta(hours=24)
    assert d.due_at == calendar.add(at(2026, 3, 6, 9), timedelta(hours=80))  # 10 days again
    assert d.step_started_at == at(2026, 3, 6, 9)  # the step counts again too
    assert t.entry.due_at == d.due_at and t.entry.previous_due_at == due


def test_with_the_pause_model_the_appointment_moves_by_the_wait_only(calendar):
    terms = LegalTerms(supplement_restarts_clock=False)
    d = new_dossier(PROCEDURE, calendar, at(2026, 3, 2, 9)).dossier
    d = act(calendar, d, Action.TAKE_UP, SPECIALIST, at(2026, 3, 2, 10)).dossier
    step_due = d.step_due_at
    d = apply(d, Command(action=Action.REQUEST_SUPPLEMENT, note="Thiếu bản vẽ"), SPECIALIST,
              PROCEDURE, calendar, at(2026, 3, 3, 9), terms=terms).dossier  # fmt: skip
    d = apply(d, Command(action=Action.SUPPLEMENT_RECEIVED), RECEIVER, PROCEDURE, calendar,
              at(2026, 3, 6, 9), terms=terms).dossier  # fmt: skip
    assert d.due_at == d.original_due_at == at(2026, 3, 19, 9)
    assert calendar.between(step_due, d.step_due_at) == timedelta(hours=24)


def test_fees_pause_and_return_to_processing(calendar):
    d = new_dossier(PROCEDURE, calendar, at(2026, 3, 2, 9)).dossier
    d = act(calendar, d, Action.TAKE_UP, SPECIALIST, at(2026, 3, 2, 10)).dossier
    d = act(calendar, d, Action.FORWARD, SPECIALIST, at(2026, 3, 3, 10)).dossier
    d = act(calendar, d, Action.REQUEST_FEES, TAX_SYSTEM, at(2026, 3, 3, 11)).dossier
    assert d.status is S.FEES_REQUESTED
    d = act(calendar, d, Action.FEES_PAID, TAX_SYSTEM, at(2026, 3, 4, 11)).dossier
    assert d.status is S.PROCESSING and d.paused_total == timedelta(hours=8)


def test_a_receipt_after_the_cutoff_counts_from_the_next_working_day(calendar):
    procedure = land_procedure(cutoff="15:00")
    d = new_dossier(procedure, calendar, at(2026, 3, 6, 15, 30)).dossier
    assert d.clock_started_at == at(2026, 3, 9, 7)
    assert d.due_at == at(2026, 3, 20, 17)


ILLEGAL_MOVES = [
    (status, action) for action, rule in RULES.items() for status in S if status not in rule.sources
]


@pytest.mark.parametrize(("status", "action"), ILLEGAL_MOVES)
def test_every_action_outside_its_source_statuses_is_refused(calendar, status, action):
    d = new_dossier(PROCEDURE, calendar, at(2026, 3, 2, 9)).dossier
    d = d.model_copy(update={"status": status})
    with pytest.raises(IllegalTransition) as err:
        act(calendar, d, action, LEADER, at(2026, 3, 2, 10), note="x")
    assert not isinstance(err.value, NotPermitted)
    assert f"cannot {action.value}" in err.value.message
    assert err.value.status == status


def test_submit_is_not_an_action_officials_take(calendar):
    d = new_dossier(PROCEDURE, calendar, at(2026, 3, 2, 9)).dossier
    with pytest.raises(IllegalTransition, match="not an action"):
        act(calendar, d, Action.SUBMIT, RECEIVER, at(2026, 3, 2, 10))


def test_the_wrong_role_is_refused_with_the_role_named(calendar):
    d = new_dossier(PROCEDURE, calendar, at(2026, 3, 2, 9)).dossier
    clerk = official(Role.RECEIVER, "PHONG_DD")
    with pytest.raises(NotPermitted) as err:
        act(calendar, d, Action.TAKE_UP, clerk, at(2026, 3, 2, 10))
    assert err.value.field == "roles" and "specialist" in err.value.message


def test_an_official_of_another_unit_or_agency_is_refused(calendar):
    d = new_dossier(PROCEDURE, calendar, at(2026, 3, 2, 9)).dossier
    d = act(calendar, d, Action.TAKE_UP, SPECIALIST, at(2026, 3, 2, 10)).dossier
    for outsider in (
        official(Role.SPECIALIST, "PHONG_KHAC"),
        official(Role.SPECIALIST, "PHONG_DD", agency=OTHER),
    ):
        with pytest.raises(NotPermitted) as err:
            act(calendar, d, Action.FORWARD, outsider, at(2026, 3, 2, 11))
        assert err.value.field == "agency"


def test_forward_past_the_last_processing_step_asks_to_resolve(calendar):
    d = new_dossier(PROCEDURE, calendar, at(2026, 3, 2, 9)).dossier
    d = act(calendar, d, Action.TAKE_UP, SPECIALIST, at(2026, 3, 2, 10)).dossier
    with pytest.raises(IllegalTransition, match="only the last one"):
        act(calendar, d, Action.RESOLVE, SPECIALIST, at(2026, 3, 2, 11))
    d = act(calendar, d, Action.FORWARD, SPECIALIST, at(2026, 3, 2, 11)).dossier
    d = act(calendar, d, Action.FORWARD, TAX_SYSTEM, at(2026, 3, 2, 14)).dossier
    with pytest.raises(IllegalTransition, match="resolve the dossier instead"):
        act(calendar, d, Action.FORWARD, LEADER, at(2026, 3, 2, 15))


def test_send_back_returns_to_the_previous_step(calendar):
    d = new_dossier(PROCEDURE, calendar, at(2026, 3, 2, 9)).dossier
    d = act(calendar, d, Action.TAKE_UP, SPECIALIST, at(2026, 3, 2, 10)).dossier
    with pytest.raises(IllegalTransition, match="first processing step"):
        act(calendar, d, Action.SEND_BACK, SPECIALIST, at(2026, 3, 2, 11), note="x")
    d = act(calendar, d, Action.FORWARD, SPECIALIST, at(2026, 3, 2, 11)).dossier
    d = act(calendar, d, Action.FORWARD, TAX_SYSTEM, at(2026, 3, 2, 14)).dossier
    back = act(calendar, d, Action.SEND_BACK, LEADER, at(2026, 3, 2, 15), note="Sửa tờ trình")
    assert back.dossier.step_index == 2 and back.entry.from_step == 3
    with pytest.raises(InvalidInput) as err:
        act(calendar, d, Action.SEND_BACK, LEADER, at(2026, 3, 2, 15))
    assert err.value.field == "note"


def test_transfer_to_another_agency_and_back(calendar):
    d = new_dossier(PROCEDURE, calendar, at(2026, 3, 2, 9)).dossier
    d = act(calendar, d, Action.TAKE_UP, SPECIALIST, at(2026, 3, 2, 10)).dossier
    with pytest.raises(InvalidInput) as err:
        act(calendar, d, Action.TRANSFER, SPECIALIST, at(2026, 3, 2, 11))
    assert err.value.field == "target_agency"
    lent = act(calendar, d, Action.TRANSFER, SPECIALIST, at(2026, 3, 2, 11),
               target_agency=OTHER, target_unit="PHONG_XD").dossier  # fmt: skip
    assert lent.holder.agency == OTHER and OTHER in lent.involved_agencies
    with pytest.raises(NotPermitted):  # the lender no longer holds it
        act(calendar, lent, Action.FORWARD, SPECIALIST, at(2026, 3, 2, 14))
    other = official(Role.SPECIALIST, "PHONG_XD", agency=OTHER)
    with pytest.raises(IllegalTransition, match="transferred back first"):
        act(calendar, lent, Action.FORWARD, other, at(2026, 3, 2, 14))
    back = act(calendar, lent, Action.TRANSFER_BACK, other, at(2026, 3, 3, 9)).dossier
    assert back.holder == d.holder and back.transferred_from is None


def test_extension_with_apology_by_a_leader_once_to_a_bounded_working_moment(calendar):
    d = new_dossier(PROCEDURE, calendar, at(2026, 3, 2, 9)).dossier
    d = act(calendar, d, Action.TAKE_UP, SPECIALIST, at(2026, 3, 2, 10)).dossier
    due = d.due_at  # 16/3 09:00
    with pytest.raises(NotPermitted, match="leader"):  # Mẫu 04 is signed by a leader
        act(calendar, d, Action.EXTEND_WITH_APOLOGY, SPECIALIST, at(2026, 3, 3, 9),
            note="Chờ ý kiến", new_due_at=at(2026, 3, 20, 17))  # fmt: skip
    for bad in (at(2026, 3, 10), at(2026, 3, 21, 9), at(2026, 3, 20, 20), at(2026, 4, 30, 9)):
        # earlier than the current date; a Saturday; after office hours; beyond 10 more days
        with pytest.raises(InvalidInput) as err:
            act(calendar, d, Action.EXTEND_WITH_APOLOGY, LEADER, at(2026, 3, 3, 9),
                note="Chờ ý kiến", new_due_at=bad)  # fmt: skip
        assert err.value.field == "new_due_at"
    t = act(calendar, d, Action.EXTEND_WITH_APOLOGY, LEADER, at(2026, 3, 3, 9),
            note="Chờ ý kiến", new_due_at=at(2026, 3, 20, 17))  # fmt: skip
    d = t.dossier
    assert d.due_at == at(2026, 3, 20, 17) and d.apologies == 1
    assert d.original_due_at == due == t.entry.original_due_at  # QĐ 766 judges this one
    assert t.entry.previous_due_at == due
    with pytest.raises(IllegalTransition, match="allows 1"):  # NĐ 118 art. 19(6): once
        act(calendar, d, Action.EXTEND_WITH_APOLOGY, LEADER, at(2026, 3, 4, 9),
            note="Lần 2", new_due_at=at(2026, 3, 27, 17))  # fmt: skip


def test_withdraw_while_paused_closes_the_pause(calendar):
    d = new_dossier(PROCEDURE, calendar, at(2026, 3, 2, 9)).dossier
    d = act(calendar, d, Action.REQUEST_SUPPLEMENT, RECEIVER, at(2026, 3, 2, 10),
            note="Thiếu CCCD").dossier  # fmt: skip
    d = act(calendar, d, Action.WITHDRAW, RECEIVER, at(2026, 3, 3, 10), note="Rút").dossier
    assert d.status is S.WITHDRAWN and d.paused_at is None
    assert d.paused_total == timedelta(hours=8)
    assert processing_time(d, calendar, at(2026, 4, 1)) == timedelta(hours=1)


def test_a_dossier_is_applied_only_to_the_procedure_version_it_pinned(calendar):
    d = new_dossier(PROCEDURE, calendar, at(2026, 3, 2, 9)).dossier
    newer = land_procedure(version=2)
    with pytest.raises(InvalidInput) as err:
        apply(d, Command(action=Action.TAKE_UP), SPECIALIST, newer, calendar, at(2026, 3, 2, 10))
    assert err.value.field == "procedure"


def test_closed_statuses_allow_nothing():
    for status in (S.REFUSED, S.WITHDRAWN, S.STOPPED, S.RETURNED):
        assert allowed_actions(status) == []
    assert allowed_actions(S.RESOLVED) == [Action.RETURN_RESULT]
    assert HOME != TAX


def test_the_resolving_official_says_whether_the_result_is_electronic(calendar):
    d = new_dossier(PROCEDURE, calendar, at(2026, 1, 5, 9)).dossier
    with pytest.raises(InvalidInput) as refused:
        act(calendar, d, Action.TAKE_UP, SPECIALIST, at(2026, 1, 5, 10), electronic_result=True)
    assert refused.value.field == "electronic_result"
    for action, actor, when in [
        (Action.TAKE_UP, SPECIALIST, at(2026, 1, 5, 10)),
        (Action.FORWARD, SPECIALIST, at(2026, 1, 7, 10)),
        (Action.FORWARD, TAX_SYSTEM, at(2026, 1, 8, 10)),
    ]:
        d = act(calendar, d, action, actor, when).dossier
    assert d.electronic_result is False
    resolved = act(calendar, d, Action.RESOLVE, LEADER, at(2026, 1, 9, 10), electronic_result=True)
    assert resolved.dossier.electronic_result is True
    assert resolved.entry.electronic_result is True  # the rebuild of QĐ 766 4.1 reads it
    plain = act(calendar, d, Action.RESOLVE, LEADER, at(2026, 1, 9, 10))
    assert plain.dossier.electronic_result is False and plain.entry.electronic_result is False


def test_the_official_who_has_the_dossier_in_hand_follows_it_from_unit_to_unit(calendar):
    """`handled_by`: who acted on it where it now is; nobody once it moves on, until someone
    there acts; a system's report does not take it over."""
    d = new_dossier(PROCEDURE, calendar, at(2026, 1, 5, 9)).dossier
    assert d.handled_by is None  # the intake's receiver opened it: no official's act yet
    handled = []
    for action, actor, when in [
        (Action.TAKE_UP, SPECIALIST, at(2026, 1, 5, 10)),
        (Action.FORWARD, SPECIALIST, at(2026, 1, 7, 10)),  # to the tax office's step
        (Action.FORWARD, TAX_SYSTEM, at(2026, 1, 8, 10)),  # back, to the leader
        (Action.RESOLVE, LEADER, at(2026, 1, 9, 10)),  # to the counter, for the hand-over
        (Action.RETURN_RESULT, RECEIVER, at(2026, 1, 12, 8)),
    ]:
        d = act(calendar, d, action, actor, when).dossier
        handled.append(d.handled_by.id if d.handled_by else None)
    assert handled == [SPECIALIST.id, None, None, None, RECEIVER.id]
    assert d.handled_by.name == RECEIVER.name
