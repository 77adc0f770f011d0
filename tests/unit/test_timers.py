"""The deadline timer on the in-memory store: due soon, then overdue, each once."""

import threading
from datetime import timedelta

import pytest

from chalicelib.adapters.memory_store import MemoryStore
from chalicelib.domain.alarms import AlarmKind
from chalicelib.domain.dossier import Action, Command
from chalicelib.domain.procedures import Catalog
from chalicelib.domain.state_machine import apply
from chalicelib.domain.statuses import Role
from chalicelib.ports.records import Change
from chalicelib.services import timers
from tests.unit.builders import (
    LEADER,
    RECEIVER,
    SPECIALIST,
    at,
    land_procedure,
    stored_dossier,
)

PROCEDURE = land_procedure()
CODE = "000.00.32.H19-260302-0001"


@pytest.fixture
def deps(calendar):
    store = stored_dossier(MemoryStore(), PROCEDURE, calendar, at(2026, 3, 2, 9), code=CODE)
    return timers.TimerDeps(store=store, catalog=Catalog([PROCEDURE]), calendar=calendar)


def advance(deps, action, actor, when, **fields):
    dossier = deps.store.get(CODE)
    t = apply(dossier, Command(action=action, **fields), actor, PROCEDURE, deps.calendar, when)
    deps.store.apply(Change(t.dossier, t.entry, expected_revision=dossier.revision,
                     command_id=f"{action}-{when}"))  # fmt: skip
    return t.dossier


def kinds(report):
    return [a.kind for a in report.fired]


def test_a_dossier_passes_due_soon_then_overdue_each_alarm_once(deps):
    advance(deps, Action.TAKE_UP, SPECIALIST, at(2026, 3, 2, 10))
    # Take-up Monday 10:00; the examination step has 6 working days: due Tuesday 10/3 10:00,
    # warned 1 working day ahead; the dossier is due Monday 16/3 09:00.
    quiet = timers.run(at(2026, 3, 9, 9, 59), deps)
    assert quiet.fired == [] and quiet.dossiers_read == 0
    soon = timers.run(at(2026, 3, 9, 10, 0), deps)
    assert kinds(soon) == [AlarmKind.STEP_DUE_SOON]
    assert soon.fired[0].recipients[0].unit == "PHONG_DD"
    assert timers.run(at(2026, 3, 9, 12), deps).fired == []  # nothing twice
    late = timers.run(at(2026, 3, 13, 9), deps)
    # one working day before the appointment: due soon, and the apology is due (NĐ 118 19(6));
    # the step is overdue since 10/3: all still true, told in one alarm under the gravest
    assert kinds(late) == [AlarmKind.APOLOGY_DUE]
    [told] = late.fired
    assert told.key == "apology_due:0"  # where the leader's page finds the draft
    assert told.covers == (AlarmKind.STEP_OVERDUE, AlarmKind.DUE_SOON)
    assert told.apology.old_due_at == at(2026, 3, 16, 9)
    assert ("LANH_DAO", Role.LEADER) in {(r.unit, r.role) for r in told.recipients}
    assert "sắp đến ngày hẹn trả" in told.message_vi and "Dự kiến hẹn lại" in told.message_vi
    assert told.holder == SPECIALIST.id and told.leader_too
    overdue = timers.run(at(2026, 3, 16, 9, 5), deps)
    assert kinds(overdue) == [AlarmKind.OVERDUE]
    apology = overdue.fired[0].apology
    assert apology.old_due_at == at(2026, 3, 16, 9) and apology.new_due_at > at(2026, 3, 17)
    assert {r.role for r in overdue.fired[0].recipients} >= {Role.LEADER}
    assert "chưa được ban hành" in overdue.fired[0].message_vi  # the apology is still missing
    dossier = deps.store.get(CODE)
    assert dossier.overdue and dossier.next_alarm_at is None and dossier.version == 2
    assert timers.run(at(2026, 4, 1), deps).fired == []
    record = deps.store.load(CODE)
    assert [a.kind for a in record.alarms] == [AlarmKind.STEP_DUE_SOON, AlarmKind.APOLOGY_DUE,
                                               AlarmKind.OVERDUE]  # fmt: skip


def test_two_timers_at_the_same_moment_fire_each_alarm_once(deps):
    advance(deps, Action.TAKE_UP, SPECIALIST, at(2026, 3, 2, 10))
    reports = []
    barrier = threading.Barrier(2)

    def run():
        barrier.wait()
        reports.append(timers.run(at(2026, 3, 16, 10), deps))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # swept first long after every threshold: one overdue alarm, fired by one of the two
    fired = [a.key for report in reports for a in report.fired]
    assert fired == [next(k for k in deps.store.get(CODE).alarms_fired if k.startswith("overdue"))]
    assert len(deps.store.alarms) == 1 and len(deps.store.get(CODE).alarms_fired) == 5


def test_while_a_supplement_is_awaited_only_its_reminder_and_lapse_fire(deps, calendar):
    advance(deps, Action.TAKE_UP, SPECIALIST, at(2026, 3, 2, 10))
    due_before = deps.store.get(CODE).due_at
    paused = advance(deps, Action.REQUEST_SUPPLEMENT, SPECIALIST, at(2026, 3, 3, 9),
                     note="Thiếu bản vẽ")  # fmt: skip
    # 15 days to bring it (NĐ 118 19(5)): reminded 3 days before, the officials told at lapse.
    assert paused.supplement_due_at == at(2026, 3, 18, 9)
    assert paused.next_alarm_at == at(2026, 3, 15, 9)
    assert timers.run(at(2026, 3, 15, 8), deps).fired == []
    reminded = timers.run(at(2026, 3, 15, 9), deps)
    assert kinds(reminded) == [AlarmKind.SUPPLEMENT_REMINDER]
    assert reminded.fired[0].extra["missing"] == "Thiếu bản vẽ"
    lapsed = timers.run(at(2026, 3, 20), deps)  # no deadline alarm: the clock stands still
    assert kinds(lapsed) == [AlarmKind.SUPPLEMENT_LAPSED]
    assert {r.role for r in lapsed.fired[0].recipients} >= {Role.RECEIVER, Role.LEADER}
    assert deps.store.get(CODE).next_alarm_at is None
    resumed = advance(deps, Action.SUPPLEMENT_RECEIVED, RECEIVER, at(2026, 3, 20, 9))
    # 13 working days (3/3 9:00 → 20/3 9:00): what QĐ 766 judges moved by the wait; the
    # appointment restarted from the complete dossier
    assert calendar.between(due_before, resumed.original_due_at) == timedelta(hours=13 * 8)
    assert resumed.due_at == calendar.add(at(2026, 3, 20, 9), timedelta(hours=80))
    assert resumed.due_at > resumed.original_due_at
    assert resumed.next_alarm_at is not None


def test_closed_dossiers_leave_the_index(deps):
    closed = advance(deps, Action.WITHDRAW, RECEIVER, at(2026, 3, 2, 10), note="Rút hồ sơ")
    assert closed.next_alarm_at is None
    assert all(deps.store.due_codes(shard, at(2027, 1, 1)) == [] for shard in range(16))


def test_an_extension_with_apology_gets_new_alarms(deps):
    advance(deps, Action.TAKE_UP, SPECIALIST, at(2026, 3, 2, 10))
    timers.run(at(2026, 3, 16, 10), deps)
    assert deps.store.get(CODE).overdue
    extended = advance(deps, Action.EXTEND_WITH_APOLOGY, LEADER, at(2026, 3, 16, 11),
                       note="Chờ ý kiến", new_due_at=at(2026, 3, 20, 17))  # fmt: skip
    assert not extended.overdue and extended.next_alarm_at is not None
    again = timers.run(at(2026, 3, 20, 17), deps)
    # the new appointment's due soon passed with it: moot, only its overdue fires
    assert [a.kind for a in again.fired] == [AlarmKind.OVERDUE]
    assert again.fired[0].key == "overdue:1" and again.fired[0].covers == ()


def test_an_official_is_not_made_stale_by_the_timer(deps):
    advance(deps, Action.TAKE_UP, SPECIALIST, at(2026, 3, 2, 10))
    read_version = deps.store.get(CODE).version
    timers.run(at(2026, 3, 9, 10), deps)
    assert deps.store.get(CODE).version == read_version
