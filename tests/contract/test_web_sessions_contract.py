"""Officials' page sessions, in the table (moto) and in memory: the same promises."""

from __future__ import annotations

from datetime import timedelta

import boto3
import pytest

from chalicelib.adapters.web_sessions import DynamoWebSessions, MemoryWebSessions, session_key
from chalicelib.domain.dossier import Actor
from chalicelib.domain.statuses import Role
from tests.unit.builders import at

T0 = at(2026, 3, 2, 9)
RECEIVER = Actor(id="tn-1", name="Trần Thị Mai", agency="000.00.41.H19", unit="MOT_CUA",
                 roles=frozenset({Role.RECEIVER}))  # fmt: skip
SESSION = "s" * 43


@pytest.fixture(params=["memory", "dynamo"])
def sessions(request):
    if request.param == "memory":
        return MemoryWebSessions()
    return DynamoWebSessions(request.getfixturevalue("table"))


def test_a_session_opens_its_official_until_it_expires(sessions):
    sessions.start(SESSION, RECEIVER, expires_at=T0 + timedelta(hours=10))
    assert sessions.find(SESSION, now=T0) == RECEIVER
    assert sessions.find(SESSION, now=T0 + timedelta(hours=9, minutes=59)) == RECEIVER
    assert sessions.find(SESSION, now=T0 + timedelta(hours=10)) is None
    assert sessions.find("t" * 43, now=T0) is None


def test_a_signed_out_session_opens_nothing_and_ending_twice_is_fine(sessions):
    sessions.start(SESSION, RECEIVER, expires_at=T0 + timedelta(hours=10))
    sessions.end(SESSION)
    sessions.end(SESSION)
    assert sessions.find(SESSION, now=T0) is None


def test_an_id_in_use_is_not_taken_over(sessions):
    sessions.start(SESSION, RECEIVER, expires_at=T0 + timedelta(hours=10))
    other = RECEIVER.model_copy(update={"id": "tn-2"})
    with pytest.raises(Exception):  # noqa: B017 - ConditionalCheckFailed, or the fake's
        sessions.start(SESSION, other, expires_at=T0 + timedelta(hours=10))
    assert sessions.find(SESSION, now=T0) == RECEIVER


def test_the_table_keeps_the_ids_hash_not_the_id(table):
    DynamoWebSessions(table).start(SESSION, RECEIVER, expires_at=T0 + timedelta(hours=1))
    items = boto3.client("dynamodb").scan(TableName=table)["Items"]
    assert [i["PK"]["S"] for i in items] == [session_key(SESSION)]
    assert SESSION not in str(items)
