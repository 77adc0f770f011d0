"""The dossier store's promises, held by the in-memory fake and by DynamoDB (moto) alike."""

from datetime import timedelta

import pytest

from chalicelib.domain import alarms, digest
from chalicelib.domain.dossier import Action, Command
from chalicelib.domain.notifications import NotificationJob
from chalicelib.domain.state_machine import apply
from chalicelib.domain.statuses import DossierStatus as S
from chalicelib.ports.errors import DossierCodeTaken, InvalidCursor
from chalicelib.ports.records import (
    DUE_SHARDS,
    ApplyOutcome,
    Change,
    CreateOutcome,
    IntakeMark,
    IntakeUpdate,
    Opening,
    Receipt,
    Refusal,
)
from tests.contract.backends import dynamo_backend, memory_backend
from tests.unit.builders import RECEIVER, SPECIALIST, at, land_procedure, new_dossier

PROCEDURE = land_procedure()
AGENCY = "000.00.32.H19"
CODE = "000.00.32.H19-260302-0001"
MONTH = "2026-03"
ROW = (AGENCY, MONTH, PROCEDURE.code)


@pytest.fixture(params=["memory", "dynamo"])
def backend(request):
    if request.param == "memory":
        return memory_backend()
    return dynamo_backend(request.getfixturevalue("table"))


@pytest.fixture
def store(backend):
    return backend.store


def job(key: str, code: str | None = CODE) -> NotificationJob:
    return NotificationJob(key=key, code=code, kind="test", essential=False, text_vi=f"Thử {key}")


def receipt(rid="r1", status="accepted"):
    return Receipt(receipt_id=rid, client_id="portal", external_id=rid, status=status,
                   updated_at=at(2026, 3, 2, 9))  # fmt: skip


def opened(calendar, code=CODE, when=None):
    return new_dossier(PROCEDURE, calendar, when or at(2026, 3, 2, 9), code=code)


def opening(calendar, code=CODE, *, key="portal#1", rid="r1", when=None, **extra):
    o = opened(calendar, code, when)
    return Opening(o.dossier, o.entry, intake_key=key, receipt=receipt(rid), **extra)


def take_up(dossier, calendar, command_id="c1", **extra):
    t = apply(dossier, Command(action=Action.TAKE_UP), SPECIALIST, PROCEDURE, calendar,
              at(2026, 3, 2, 10))  # fmt: skip
    return Change(t.dossier, t.entry, command_id=command_id,
                  expected_revision=dossier.revision, **extra)  # fmt: skip


def footprint(backend, code=CODE):
    """All a change could have written, as the port and the stream see it."""
    record = backend.store.load(code)
    return (
        record and (record.dossier, record.history, record.alarms),
        backend.store.stats(AGENCY, MONTH),
        backend.outbox(),
    )


# -- opening a dossier ----------------------------------------------------------------------------
def test_an_opening_writes_state_history_receipt_outbox_and_counters_together(backend, calendar):
    store = backend.store
    first = opening(calendar, outbox=[job("o1")], counted=(ROW, {"received": 1}))
    result = store.create(first)
    assert (result.outcome, result.code) == (CreateOutcome.CREATED, CODE)
    record = store.load(CODE)
    assert record.dossier == first.dossier and record.history == [first.entry]
    assert store.get(CODE) == first.dossier
    assert store.find_intake("portal#1") == IntakeMark(CODE)
    assert store.get_receipt("r1") == first.receipt
    assert backend.outbox() == [job("o1")]
    assert store.stats(AGENCY, MONTH) == {PROCEDURE.code: {"received": 1}}
    assert store.all_codes() == [CODE]


def test_the_same_intake_key_twice_answers_duplicate_with_the_first_code(backend, calendar):
    store = backend.store
    first = opening(calendar)
    store.create(first)
    same = store.create(first)  # the same submission redelivered
    assert (same.outcome, same.code) == (CreateOutcome.DUPLICATE, CODE)
    other = "000.00.32.H19-260302-0002"
    again = store.create(opening(calendar, other, rid="r2", outbox=[job("o2", other)]))
    assert (again.outcome, again.code) == (CreateOutcome.DUPLICATE, CODE)
    assert store.get(other) is None and store.get_receipt("r2") is None
    assert backend.outbox() == []


def test_the_submission_kept_on_the_intake_mark_is_read_back(backend, calendar):
    store = backend.store
    store.create(opening(calendar, fingerprint="f1", request_json='{"summary": "Cấp sổ"}'))
    assert store.find_intake("portal#1") == IntakeMark(CODE, "f1", '{"summary": "Cấp sổ"}')


def test_an_update_moves_the_intake_mark_and_receipt_with_the_change(backend, calendar):
    store = backend.store
    first = opening(calendar, fingerprint="f1", request_json="{}")
    store.create(first)
    accepted = receipt("r1").model_copy(update={"fingerprint": "f2", "code": CODE})
    update = IntakeUpdate("portal#1", IntakeMark(CODE, "f2", '{"a": 1}'), accepted)
    assert store.apply(take_up(first.dossier, calendar, "u1", intake=update)) is (
        ApplyOutcome.APPLIED
    )
    assert store.find_intake("portal#1") == update.mark
    assert store.get_receipt("r1") == accepted
    # A stale update writes nothing: neither the change nor the mark.
    stale = IntakeUpdate("portal#1", IntakeMark(CODE, "f3", "{}"), accepted)
    assert store.apply(take_up(first.dossier, calendar, "u2", intake=stale)) is (
        ApplyOutcome.CONFLICT
    )
    assert store.find_intake("portal#1") == update.mark


def test_a_taken_code_raises_and_writes_nothing(backend, calendar):
    store = backend.store
    store.create(opening(calendar))
    before = footprint(backend)
    with pytest.raises(DossierCodeTaken) as taken:
        store.create(opening(calendar, key="other#9", rid="r2", outbox=[job("o2")],
                             counted=(ROW, {"received": 1})))  # fmt: skip
    assert taken.value.code == CODE
    assert store.find_intake("other#9") is None and store.get_receipt("r2") is None
    assert footprint(backend) == before


# -- changing it ----------------------------------------------------------------------------------
def test_a_change_writes_state_history_outbox_and_counters_together(backend, calendar):
    store = backend.store
    first = opening(calendar, counted=(ROW, {"received": 1}))
    store.create(first)
    change = take_up(first.dossier, calendar, outbox=[job("t1")],
                     counted=(ROW, {"received": 1, "taken_up": 2}))  # fmt: skip
    assert store.apply(change) is ApplyOutcome.APPLIED
    record = store.load(CODE)
    assert record.dossier == change.dossier and record.dossier.status is S.PROCESSING
    assert record.history == [first.entry, change.entry]
    assert store.command(CODE, "c1").version == change.dossier.version == 2
    assert backend.outbox() == [job("t1")]
    assert store.stats(AGENCY, MONTH) == {PROCEDURE.code: {"received": 2, "taken_up": 2}}


def test_a_stale_revision_answers_conflict_and_writes_nothing(backend, calendar):
    store = backend.store
    first = opening(calendar)
    store.create(first)
    store.apply(take_up(first.dossier, calendar))
    before = footprint(backend)
    stale = take_up(first.dossier, calendar, "c2", outbox=[job("t2")],
                    counted=(ROW, {"taken_up": 1}))  # fmt: skip
    assert store.apply(stale) is ApplyOutcome.CONFLICT
    assert store.command(CODE, "c2") is None
    assert footprint(backend) == before


def test_a_change_to_a_dossier_that_is_not_there_is_a_conflict(backend, calendar):
    store = backend.store
    assert store.apply(take_up(opened(calendar).dossier, calendar)) is ApplyOutcome.CONFLICT
    assert store.get(CODE) is None and store.command(CODE, "c1") is None


def test_the_same_command_twice_answers_duplicate_and_writes_nothing(backend, calendar):
    store = backend.store
    first = opening(calendar)
    store.create(first)
    change = take_up(first.dossier, calendar, outbox=[job("t1")], counted=(ROW, {"taken_up": 1}))
    assert store.apply(change) is ApplyOutcome.APPLIED
    before = footprint(backend)
    assert store.apply(change) is ApplyOutcome.DUPLICATE
    # A redelivery computed from the new state is still the same command.
    later = apply(change.dossier, Command(action=Action.REQUEST_SUPPLEMENT, note="Thiếu"),
                  RECEIVER, PROCEDURE, calendar, at(2026, 3, 2, 11))  # fmt: skip
    again = Change(later.dossier, later.entry, command_id="c1",
                   expected_revision=change.dossier.revision, outbox=[job("t9")])  # fmt: skip
    assert store.apply(again) is ApplyOutcome.DUPLICATE
    assert footprint(backend) == before


def test_a_closed_dossier_leaves_the_worklist_and_the_due_index(store, calendar):
    first = opening(calendar)
    store.create(first)
    paused = apply(first.dossier, Command(action=Action.REQUEST_SUPPLEMENT, note="Thiếu"),
                   RECEIVER, PROCEDURE, calendar, at(2026, 3, 2, 10))  # fmt: skip
    store.apply(Change(paused.dossier, paused.entry, command_id="p", expected_revision=1))
    page = store.worklist(AGENCY, status=None, step=None, limit=5, cursor=None)
    assert [d.code for d in page.items] == [CODE]  # paused: still on the worklist …
    # … with only the awaited supplement's reminder and lapse to fire
    assert due_anywhere(store, at(2027, 1, 1)) == [CODE]
    assert paused.dossier.next_alarm_at == paused.dossier.supplement_due_at - timedelta(days=3)
    closed = apply(paused.dossier, Command(action=Action.WITHDRAW, note="Rút"), RECEIVER,
                   PROCEDURE, calendar, at(2026, 3, 3, 10))  # fmt: skip
    store.apply(Change(closed.dossier, closed.entry, command_id="w", expected_revision=2))
    assert store.worklist(AGENCY, status=None, step=None, limit=5, cursor=None).items == []
    assert store.open_due_before(AGENCY, at(2027, 1, 1)) == []
    assert due_anywhere(store, at(2027, 1, 1)) == []


# -- refusals, commands, receipts, sequences ------------------------------------------------------
def test_refusals_are_kept_once_per_command_and_read_back(store, calendar):
    store.create(opening(calendar))
    refusal = Refusal(command_id="x", action="resolve", actor_id="u", actor_agency="a",
                      expected_version=1, reason="no", kind="illegal_transition",
                      at=at(2026, 3, 2, 10))  # fmt: skip
    store.record_refusal(CODE, refusal)
    store.record_refusal(CODE, refusal)
    assert store.load(CODE).refusals == [refusal]
    assert store.refusal(CODE, "x") == refusal
    assert store.refusal(CODE, "y") is None and store.command(CODE, "x") is None


def test_receipts_put_and_get_and_only_if_new_never_overwrites(store):
    assert store.get_receipt("r1") is None
    store.put_receipt(receipt())
    store.put_receipt(receipt(status="queued"), only_if_new=True)  # never over the worker's
    assert store.get_receipt("r1") == receipt()
    store.put_receipt(receipt(status="refused"))
    assert store.get_receipt("r1").status == "refused"
    store.put_receipt(receipt("r2", "queued"), only_if_new=True)
    assert store.get_receipt("r2") == receipt("r2", "queued")


def test_sequences_count_per_agency_and_day(store):
    day = at(2026, 3, 2).date()
    assert [store.next_sequence(AGENCY, day) for _ in range(3)] == [1, 2, 3]
    assert store.next_sequence("000.00.41.H19", day) == 1
    assert store.next_sequence(AGENCY, day + timedelta(days=1)) == 1


# -- worklist -------------------------------------------------------------------------------------
def fill_worklist(store, calendar):
    codes = []
    for day in (6, 2, 4, 3, 5):
        code = f"{AGENCY}-2603{day:02d}-0001"
        store.create(opening(calendar, code, key=f"k{day}", rid=f"r{day}",
                             when=at(2026, 3, day, 9)))  # fmt: skip
        codes.append(code)
    return sorted(codes)  # received on later days, due later


def test_the_worklist_pages_in_due_order_with_cursors(store, calendar):
    codes = fill_worklist(store, calendar)
    seen, cursor, pages = [], None, 0
    while True:
        page = store.worklist(AGENCY, status=None, step=None, limit=2, cursor=cursor)
        seen += [d.code for d in page.items]
        pages += 1
        cursor = page.cursor
        if cursor is None:
            break
    assert seen == codes and pages == 3
    whole = store.worklist(AGENCY, status=None, step=None, limit=5, cursor=None)
    assert [d.code for d in whole.items] == codes


def test_the_worklist_filters_by_status_step_and_agency(store, calendar):
    codes = fill_worklist(store, calendar)
    none = store.worklist(AGENCY, status=S.PROCESSING, step=None, limit=5, cursor=None)
    assert none.items == [] and none.cursor is None
    first = store.get(codes[0])
    store.apply(take_up(first, calendar))
    only = store.worklist(AGENCY, status=S.PROCESSING, step=None, limit=5, cursor=None)
    assert [d.code for d in only.items] == [codes[0]] and only.cursor is None
    step = store.get(codes[0]).step_index
    by_step = store.worklist(AGENCY, status=None, step=step, limit=5, cursor=None)
    assert codes[0] in [d.code for d in by_step.items]
    assert store.worklist("000.00.99.H19", status=None, step=None, limit=5, cursor=None).items == []


def test_a_cursor_the_store_did_not_issue_raises_the_ports_invalid_cursor(store, calendar):
    fill_worklist(store, calendar)
    with pytest.raises(InvalidCursor):
        store.worklist(AGENCY, status=None, step=None, limit=2, cursor="garbage!")
    assert issubclass(InvalidCursor, ValueError)  # the API answers it as bad input


def test_open_due_before_is_the_agencys_open_dossiers_earliest_first(store, calendar):
    codes = fill_worklist(store, calendar)
    due = [store.get(code).due_at for code in codes]
    assert [d.code for d in store.open_due_before(AGENCY, due[2])] == codes[:3]
    assert store.open_due_before("000.00.99.H19", due[-1]) == []


# -- alarms ---------------------------------------------------------------------------------------
def due_anywhere(store, until):
    return [code for shard in range(DUE_SHARDS) for code in store.due_codes(shard, until)]


def test_due_codes_name_a_dossier_once_its_next_alarm_comes(store, calendar):
    first = opening(calendar)
    store.create(first)
    alarm_at = first.dossier.next_alarm_at
    assert alarm_at is not None
    assert due_anywhere(store, alarm_at - timedelta(seconds=1)) == []
    assert due_anywhere(store, alarm_at) == [CODE]


def test_fired_alarms_are_recorded_once_with_their_outbox(backend, calendar):
    store = backend.store
    first = opening(calendar)
    store.create(first)
    updated, fired = alarms.fire(first.dossier, PROCEDURE, calendar, at(2026, 6, 1),
                                 alarms.DEFAULT_POLICY)  # fmt: skip
    assert fired
    outbox = {a.key: [job(f"a-{a.key}")] for a in fired}
    stale = store.record_alarms(updated, fired, expected_revision=first.dossier.revision + 1)
    assert stale is ApplyOutcome.CONFLICT and store.load(CODE).alarms == []
    assert store.record_alarms(updated, fired, expected_revision=first.dossier.revision,
                               outbox=outbox) is ApplyOutcome.APPLIED  # fmt: skip
    record = store.load(CODE)
    assert sorted(a.key for a in record.alarms) == sorted(a.key for a in fired)
    assert record.dossier == updated and record.history == [first.entry]  # no history entry
    assert sorted(j.key for j in backend.outbox()) == sorted(f"a-{a.key}" for a in fired)
    again = store.record_alarms(updated, fired, expected_revision=updated.revision, outbox=outbox)
    assert again is ApplyOutcome.DUPLICATE
    assert len(backend.outbox()) == len(fired)


# -- digests and reports --------------------------------------------------------------------------
def test_a_digest_is_put_once_per_agency_and_day(backend, calendar):
    store = backend.store
    store.create(opening(calendar))
    now = at(2026, 3, 13, 7)
    built = digest.build(AGENCY, ("vanthu@example.vn",), store.open_due_before(AGENCY, now),
                         now, calendar)  # fmt: skip
    assert store.put_digest(built, [job("d1", None)]) is True
    assert store.put_digest(built, [job("d2", None)]) is False
    assert [j.key for j in backend.outbox()] == ["d1"]
    other_day = digest.build(AGENCY, ("vanthu@example.vn",), [], now + timedelta(days=1),
                             calendar)  # fmt: skip
    assert store.put_digest(other_day) is True


def test_stats_add_up_the_counters_of_applied_changes_only(store, calendar):
    assert store.stats(AGENCY, MONTH) == {}
    first = opening(calendar, counted=(ROW, {"received": 1, "online": 1}))
    store.create(first)
    second = opening(calendar, "000.00.32.H19-260302-0002", key="k2", rid="r2",
                     counted=(ROW, {"received": 1}))  # fmt: skip
    store.create(second)
    change = take_up(first.dossier, calendar, counted=(ROW, {"on_time": 1}))
    store.apply(change)
    store.apply(change)  # a duplicate counts nothing
    store.apply(take_up(first.dossier, calendar, "c2", counted=(ROW, {"on_time": 1})))  # stale
    assert store.stats(AGENCY, MONTH) == {
        PROCEDURE.code: {"received": 2, "online": 1, "on_time": 1}
    }
    assert store.stats(AGENCY, "2026-04") == {}
    assert store.stats("000.00.99.H19", MONTH) == {}


def test_stats_add_up_the_counters_of_many_dossiers_of_one_procedure(store, calendar):
    # The DynamoDB store spreads one procedure's counters over items by dossier code, so that
    # concurrent transactions rarely meet on one; what it answers is their sum.
    codes = [f"000.00.32.H19-260302-{n:04d}" for n in range(1, 25)]
    for n, code in enumerate(codes):
        store.create(opening(calendar, code, key=f"k{n}", rid=f"r{n}",
                             counted=(ROW, {"received": 1, "online": n % 2})))  # fmt: skip
    assert store.stats(AGENCY, MONTH) == {PROCEDURE.code: {"received": 24, "online": 12}}


# -- requests queued by the API -------------------------------------------------------------------
def test_a_request_is_recorded_once_and_its_fingerprint_answered_after(backend):
    store = backend.store
    when = at(2026, 3, 2, 9)
    assert not store.requested(CODE, "k1")
    assert store.record_request(CODE, "k1", "f1", when) is None
    assert store.requested(CODE, "k1") and not store.requested(CODE, "k2")
    assert store.record_request(CODE, "k1", "f2", when) == "f1"  # kept: the first one
    assert store.record_request(CODE, "k1", "f1", when) == "f1"
    assert store.record_request("000.00.32.H19-260302-0009", "k1", "f3", when) is None


def test_a_cursor_of_another_agencys_worklist_is_refused(store, calendar):
    """A start key of another partition would read another agency's worklist (or be refused by
    DynamoDB with a 500-causing ValidationException): the store refuses it as not its own."""
    fill_worklist(store, calendar)
    page = store.worklist(AGENCY, status=None, step=None, limit=2, cursor=None)
    assert page.cursor is not None
    with pytest.raises(InvalidCursor):
        store.worklist("000.00.99.H19", status=None, step=None, limit=2, cursor=page.cursor)
