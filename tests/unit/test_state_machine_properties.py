"""Random sequences of actions: the machine never reaches an undefined state, and time spent
paused never counts as processing time."""

import itertools
import random
from datetime import timedelta

from hypothesis import event, given, settings, target
from hypothesis import strategies as st

from chalicelib.domain.dossier import Action, Command
from chalicelib.domain.errors import DomainError
from chalicelib.domain.state_machine import RULES, Clock, allowed_actions, apply, processing_time
from chalicelib.domain.statuses import CLOSED_STATUSES, PAUSED_STATUSES, DossierStatus, Role
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
ACTORS = [RECEIVER, SPECIALIST, LEADER, TAX_SYSTEM, official(Role.SPECIALIST, "PHONG_XD", OTHER)]
ALL_ACTIONS = sorted(RULES)
moves = st.lists(
    st.tuples(
        st.tuples(st.integers(min_value=0, max_value=99), st.integers(min_value=0, max_value=99)),
        st.one_of(st.none(), st.sampled_from(range(len(ACTORS)))),
        st.integers(min_value=0, max_value=3 * 24 * 60),  # minutes until the next move
    ),
    max_size=60,
)


ENDINGS = {a for a, rule in RULES.items() if rule.clock is Clock.END and a is not Action.RESOLVE}


def pick(choice, status):
    """Mostly an action that moves the dossier on, sometimes any action at all: both the
    long lives and the refusals get exercised."""
    kind, index = choice
    allowed = allowed_actions(status)
    onward = [a for a in allowed if a not in ENDINGS]
    if kind < 80 and onward:
        return onward[index % len(onward)]
    pool = allowed if kind < 90 and allowed else ALL_ACTIONS
    return pool[index % len(pool)]


def apply_as(dossier, action, who, now, calendar, *, electronic_result=False):
    """`who` None: the first actor the rules permit (a cooperative office), else that actor.
    `electronic_result`: what a resolve says of the result."""
    candidates = ACTORS if who is None else [ACTORS[who]]
    error = None
    for actor in candidates:
        try:
            command = command_for(action, dossier, electronic_result=electronic_result)
            return apply(dossier, command, actor, PROCEDURE, calendar, now)
        except DomainError as exc:
            error = exc
    raise error


def command_for(action, dossier, *, electronic_result=False):
    due = dossier.due_at or at(2026, 3, 2)
    return Command(
        action=action,
        note="lý do",
        target_agency=OTHER,
        target_unit="PHONG_XD",
        new_due_at=due + timedelta(days=7),
        electronic_result=electronic_result and action is Action.RESOLVE,
    )


def live(calendar, moves, received):
    """Play `moves` on a new dossier, checking every invariant on the way; return the dossier."""
    now = at(2026, 3, 2, 9)
    dossier = new_dossier(PROCEDURE, calendar, now, received=received).dossier
    applied = 1
    # (moment, paused after it): the independent record the processing time is checked against.
    timeline = [(now, dossier.is_paused)]
    for choice, who, minutes in moves:
        action = pick(choice, dossier.status)
        now = now + timedelta(minutes=minutes)
        try:
            transition = apply_as(dossier, action, who, now, calendar)
        except DomainError:
            continue  # refused: the dossier is unchanged
        dossier = transition.dossier
        applied += 1
        timeline.append((now, dossier.is_paused))
        assert transition.entry.version == dossier.version == applied
        assert isinstance(dossier.status, DossierStatus)
        assert (dossier.status in PAUSED_STATUSES) == dossier.is_paused
        assert (dossier.paused_from is not None) == dossier.is_paused
        ended = dossier.status in CLOSED_STATUSES or dossier.status is DossierStatus.RESOLVED
        assert (dossier.ended_at is not None) == ended
        assert 0 <= dossier.step_index < len(PROCEDURE.steps)
        if dossier.due_at is not None:
            assert dossier.received_at is not None
        assert dossier.paused_total >= timedelta(0)

    end = now + timedelta(days=1)
    if dossier.clock_started_at is None:
        assert processing_time(dossier, calendar, end) == timedelta(0)
        return dossier, applied
    timeline.append((dossier.ended_at or end, None))
    expected = timedelta(0)
    for (start, paused), (stop, _) in itertools.pairwise(timeline):
        if not paused and stop > dossier.clock_started_at:
            expected += calendar.between(max(start, dossier.clock_started_at), stop)
        if dossier.ended_at is not None and stop >= dossier.ended_at:
            break
    assert processing_time(dossier, calendar, end) == expected
    return dossier, applied


@settings(max_examples=300, deadline=None)
@given(moves=moves, received=st.booleans())
def test_no_sequence_reaches_an_undefined_state(calendar, moves, received):
    dossier, applied = live(calendar, moves, received)
    target(float(applied))  # steer the search toward long lives
    event(f"final status {dossier.status.value}")


def test_seeded_random_lives_reach_every_ending(calendar):
    """Hypothesis favours short lives; these seeded walks make sure long ones run too."""
    finals = set()
    for seed in range(120):
        rng = random.Random(seed)
        walk = [((rng.randrange(100), rng.randrange(100)), None, rng.randrange(3 * 24 * 60))
                for _ in range(60)]  # fmt: skip
        dossier, _ = live(calendar, walk, received=seed % 3 != 0)
        finals.add(dossier.status)
    assert {DossierStatus.RETURNED, DossierStatus.WITHDRAWN, DossierStatus.STOPPED} <= finals
