"""The QĐ 766 report's period figures: carried over, in progress at the end, already overdue
now (what the national portal shows), and where 4.1, 4.2 and 5.4 come from."""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.adapters.memory_store import MemoryStore
from chalicelib.domain import indicators
from chalicelib.domain.dossier import Command
from chalicelib.domain.state_machine import apply
from chalicelib.ports.records import Change, Opening, Receipt
from chalicelib.services import reports
from tests.unit.builders import HOME, LEADER, SPECIALIST, TAX_SYSTEM, at, land_procedure
from tests.unit.builders import new_dossier as opened

PROCEDURE = land_procedure()


@dataclass(frozen=True)
class Asked:
    agency: str
    from_: str
    to: str
    format: str = "json"


def receive(store, calendar, n, when):
    t = opened(PROCEDURE, calendar, when, code=f"{HOME}-26{when:%m%d}-{n:04d}")
    receipt = Receipt(receipt_id=f"r{n}", client_id="p", external_id=str(n), status="accepted",
                      updated_at=when)  # fmt: skip
    counted = indicators.counted_change(None, t.dossier, when, calendar)
    store.create(Opening(t.dossier, t.entry, intake_key=f"p#{n}", receipt=receipt,
                         counted=counted))  # fmt: skip
    return t.dossier


def resolve(store, calendar, dossier, when):
    steps = [("take_up", SPECIALIST), ("forward", SPECIALIST), ("forward", TAX_SYSTEM),
             ("resolve", LEADER)]  # fmt: skip
    for n, (action, actor) in enumerate(steps):
        t = apply(dossier, Command(action=action), actor, PROCEDURE, calendar, when)
        counted = indicators.counted_change(dossier, t.dossier, when, calendar)
        store.apply(Change(t.dossier, t.entry, command_id=f"{dossier.code}-{n}",
                           expected_revision=dossier.revision, counted=counted))  # fmt: skip
        dossier = t.dossier


def test_carried_over_in_progress_and_overdue_now(calendar):
    store = MemoryStore()
    february = [receive(store, calendar, n, at(2026, 2, 24, 9)) for n in range(1, 4)]
    resolve(store, calendar, february[0], at(2026, 2, 26, 9))  # ended in February
    resolve(store, calendar, february[1], at(2026, 3, 3, 9))  # carried over, ended in March
    receive(store, calendar, 4, at(2026, 3, 2, 9))  # received in March, still open
    report = reports.report_766(Asked(HOME, "2026-03", "2026-03"), LEADER, store,
                                now=at(2026, 3, 20, 9))  # fmt: skip
    period = report["period"]
    assert period["carried_over"] == 2  # received in February, not ended before March
    assert (period["received"], period["ended"]) == (1, 1)
    assert period["in_progress_at_end"] == 2  # february[2] and the March one
    # february[2] was due 10/3 and the March one 16/3: both open and overdue on 20/3.
    assert period["overdue_now"] == {"as_of": at(2026, 3, 20, 9).isoformat(), "count": 2}
    assert report["sources"]["4.2"].startswith("stored files")
    assert "5.4" not in report["indicators"]  # no ratings: absent, not the on-time rate
    assert "left out without any rating or PAKN" in report["sources"]["5.4"]
