"""Which actions an actor may take on a dossier at a moment: the state machine's own answer.

Each action of the rules table is tried with `apply` on the dossier as it is, with a probe
command that says nothing beyond a note: an action the status, the actor's roles and place, or
the action's own preconditions refuse (IllegalTransition, NotPermitted) is not offered; one
refused only for what its form must still say (InvalidInput: the new date, the target agency)
is. One implementation decides, for the worker that applies a command and for the page that
offers it; `apply` is pure, so this is too.
"""

from __future__ import annotations

from datetime import datetime

from chalicelib.domain import alarms
from chalicelib.domain.calendar import WorkingCalendar
from chalicelib.domain.dossier import Action, Actor, Command, Dossier
from chalicelib.domain.errors import IllegalTransition, InvalidInput
from chalicelib.domain.legal import DEFAULT_TERMS, LegalTerms
from chalicelib.domain.procedures import Procedure
from chalicelib.domain.state_machine import RULES, apply

# What the probe says: a note, so that an action that needs one is judged on everything else.
PROBE_NOTE = "?"


def permitted_actions(
    dossier: Dossier,
    actor: Actor,
    procedure: Procedure,
    calendar: WorkingCalendar,
    now: datetime,
    terms: LegalTerms = DEFAULT_TERMS,
) -> list[Action]:
    """The actions of the rules table `actor` may take on `dossier` at `now`, in the table's
    order. The worker judges again against the state it holds when the command arrives."""
    found = []
    for action in RULES:
        probe = Command(action=action, note=PROBE_NOTE)
        try:
            apply(dossier, probe, actor, procedure, calendar, now, alarms.DEFAULT_POLICY, terms)
        except IllegalTransition:  # NotPermitted too: the status, the role, the place
            continue
        except InvalidInput:  # only what the form asks for is missing
            pass
        found.append(action)
    return found
