"""The deadline timer on the real table design (moto): once per alarm, even run twice at once."""

import threading

import pytest

from chalicelib.adapters.catalog_files import load_agencies, load_catalog
from chalicelib.adapters.dynamo_store import DynamoStore, TransactionRefused
from chalicelib.domain.alarms import AlarmKind
from chalicelib.domain.dossier import Action, Command
from chalicelib.domain.procedures import Catalog
from chalicelib.domain.state_machine import apply
from chalicelib.ports.records import Change, Opening, Receipt
from chalicelib.services import timers
from tests.unit.builders import SPECIALIST, at, land_procedure, new_dossier

PROCEDURE = land_procedure()
CODE = "000.00.32.H19-260302-0001"


@pytest.fixture
def deps(aws, calendar):
    store = DynamoStore(aws["MOTCUA_TABLE"])
    opened = new_dossier(PROCEDURE, calendar, at(2026, 3, 2, 9), code=CODE)
    receipt = Receipt(receipt_id="r", client_id="p", external_id="1", status="accepted",
                      updated_at=at(2026, 3, 2, 9))  # fmt: skip
    store.create(Opening(opened.dossier, opened.entry, intake_key="p#1", receipt=receipt))
    t = apply(opened.dossier, Command(action=Action.TAKE_UP), SPECIALIST, PROCEDURE, calendar,
              at(2026, 3, 2, 10))  # fmt: skip
    store.apply(Change(t.dossier, t.entry, expected_revision=1, command_id="take-up"))
    assert load_catalog(None, load_agencies())  # the real catalog loads beside the test one
    return timers.TimerDeps(store=store, catalog=Catalog([PROCEDURE]), calendar=calendar)


def test_due_soon_then_overdue_once_each_on_dynamodb(deps):
    soon = timers.run(at(2026, 3, 9, 10), deps)
    assert [a.kind for a in soon.fired] == [AlarmKind.STEP_DUE_SOON]
    assert soon.shards_queried == 16 and soon.dossiers_read == 1
    assert timers.run(at(2026, 3, 9, 11), deps).dossiers_read == 0  # off the index until due
    late = timers.run(at(2026, 3, 16, 10), deps)
    # back after the breach: the overdue alone (it supersedes the rest, and carries the apology)
    assert [a.kind for a in late.fired] == [AlarmKind.OVERDUE]
    record = deps.store.load(CODE)
    assert len(record.alarms) == 2 and record.dossier.overdue
    assert len(record.dossier.alarms_fired) == 5  # the superseded never fire later
    assert timers.run(at(2026, 4, 1), deps).fired == []
    assert record.dossier.version == 2  # officials are not made stale by alarms
    [overdue] = [a for a in record.alarms if a.kind is AlarmKind.OVERDUE]
    assert overdue.apology is not None and overdue.apology.new_due_at > at(2026, 3, 16, 10)


def test_two_timers_at_once_fire_each_alarm_once(deps):
    reports = []
    barrier = threading.Barrier(2)

    failed = []

    def run():
        barrier.wait()
        try:
            reports.append(timers.run(at(2026, 3, 16, 10), deps))
        except TransactionRefused as error:  # conflicts past the retries: the run fails
            failed.append(error)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Both may lose a transaction conflict to each other on a busy machine; what one lost is
    # the next tick's (TimerReport.raced). Never fired twice; all fired by then.
    if failed or any(report.raced for report in reports):
        reports.append(timers.run(at(2026, 3, 16, 10, 5), deps))
    # first swept after the breach: one overdue alarm, by one of the two runs
    keys = [a.key for report in reports for a in report.fired]
    assert keys == ["overdue:0"]
    record = deps.store.load(CODE)
    assert len(record.alarms) == 1 and len(record.dossier.alarms_fired) == 5
