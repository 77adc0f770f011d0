"""PAKN records (ports/feedback.py) held to the same promises in memory and on DynamoDB
(moto): written once with their counters, saved only at the revision read, each alarm once,
found by the due index while an alarm is due, listed per agency."""

from datetime import timedelta

import pytest

from chalicelib.adapters.dynamo_store import DynamoStore
from chalicelib.adapters.feedback_records import DynamoFeedbackRecords, MemoryFeedbackRecords
from chalicelib.adapters.memory_store import MemoryStore
from chalicelib.domain import feedback as fb
from chalicelib.domain.alarms import AlarmKind, FiredAlarm, Recipient
from chalicelib.domain.notifications import NotificationJob
from chalicelib.domain.statuses import Role
from chalicelib.ports.records import ApplyOutcome
from tests.unit.builders import HOME, OTHER, at

T0 = at(2026, 3, 2, 9)


@pytest.fixture(params=["memory", "dynamo"])
def world(request):
    """(records, the dossier store whose `stats` the counters land in)."""
    if request.param == "memory":
        store = MemoryStore()
        return MemoryFeedbackRecords(store.counters), store
    table = request.getfixturevalue("table")
    return DynamoFeedbackRecords(table), DynamoStore(table)


def pakn(ident="PA-000000000001", agency=HOME, **fields):
    values = dict(id=ident, channel=fb.FeedbackChannel.NATIONAL_PORTAL, source="portal-dev",
                  kind=fb.FeedbackKind.COMPLAINT, agency=agency, title="Chậm", content="Quá hẹn",
                  person=fb.Person(name="Trần Thị Bình", phone="84912345678"), received_at=T0,
                  due_at=at(2026, 3, 16, 9), next_alarm_at=at(2026, 3, 13, 9))  # fmt: skip
    values.update(fields)
    return fb.Feedback(**values)


def row(delta):
    return ((HOME, "2026-03", "-"), delta)


def alarm(kind=AlarmKind.FEEDBACK_DUE_SOON, key="feedback_due_soon"):
    leaders = (Recipient(HOME, "", Role.LEADER),)
    return FiredAlarm(code="PA-000000000001", kind=kind, key=key, threshold_at=T0, fired_at=T0,
                      recipients=leaders, message_vi="Sắp đến hạn")  # fmt: skip


def test_written_once_with_its_counters(world):
    records, store = world
    assert records.create(pakn(), counted=row({"feedback_in_scope": 1})) is True
    assert records.create(pakn(title="Khác"), counted=row({"feedback_in_scope": 1})) is False
    assert records.get(HOME, "PA-000000000001").title == "Chậm"
    assert records.get(OTHER, "PA-000000000001") is None  # another agency's key: not found
    assert store.stats(HOME, "2026-03") == {"-": {"feedback_in_scope": 1}}


def test_saved_only_at_the_revision_read_and_each_alarm_once(world):
    records, store = world
    records.create(pakn(), counted=None)
    moved = pakn(revision=2, alarms_fired=frozenset({"feedback_due_soon"}),
                 next_alarm_at=at(2026, 3, 16, 9))  # fmt: skip
    job = NotificationJob(key="PA-000000000001:alarm:feedback_due_soon", code=None,
                          kind="feedback_due_soon", essential=True, text_vi="Hạn")  # fmt: skip
    saved = records.save(moved, expected_revision=1, alarms=[alarm()],
                         alarm_outbox={"feedback_due_soon": [job]})  # fmt: skip
    assert saved is ApplyOutcome.APPLIED
    assert records.save(moved, expected_revision=1) is ApplyOutcome.CONFLICT
    again = pakn(revision=3, next_alarm_at=at(2026, 3, 16, 9))
    assert records.save(again, expected_revision=2, alarms=[alarm()]) is ApplyOutcome.DUPLICATE
    assert records.get(HOME, "PA-000000000001").revision == 2
    answered = pakn(revision=3, status=fb.FeedbackStatus.ANSWERED, next_alarm_at=None)
    outcome = records.save(answered, expected_revision=2,
                           counted=row({"feedback_on_time": 1}))  # fmt: skip
    assert outcome is ApplyOutcome.APPLIED
    assert store.stats(HOME, "2026-03") == {"-": {"feedback_on_time": 1}}


def test_the_due_index_finds_what_is_due_and_forgets_what_is_not(world):
    records, _ = world
    records.create(pakn(), counted=None)
    records.create(pakn("PA-000000000002", next_alarm_at=at(2026, 3, 20, 9)), counted=None)
    records.create(pakn("PA-000000000003", agency=OTHER, next_alarm_at=None), counted=None)
    assert records.due(at(2026, 3, 13, 9)) == [(HOME, "PA-000000000001")]
    assert records.due(at(2026, 3, 13, 8) - timedelta(minutes=1)) == []
    closed = pakn(revision=2, status=fb.FeedbackStatus.ANSWERED, next_alarm_at=None)
    records.save(closed, expected_revision=1)
    assert records.due(at(2026, 3, 30, 9)) == [(HOME, "PA-000000000002")]
    assert [f.id for f in records.of_agency(HOME)] == ["PA-000000000002", "PA-000000000001"]
    assert [f.id for f in records.of_agency(OTHER)] == ["PA-000000000003"]
