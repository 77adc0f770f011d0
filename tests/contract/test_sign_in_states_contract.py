"""Sign-ins under way, in the table (moto) and in memory: the same promises."""

from __future__ import annotations

from datetime import timedelta

import boto3
import pytest

from chalicelib.adapters.sign_in_states import DynamoSignInStates, MemorySignInStates, state_key
from chalicelib.ports.sign_in_states import PendingSignIn
from tests.unit.builders import at

T0 = at(2026, 3, 2, 9)
STATE = "s" * 43
PENDING = PendingSignIn(nonce="n" * 43, verifier="v" * 64, back_to="/ban-lam-viec?trang=2")


@pytest.fixture(params=["memory", "dynamo"])
def states(request):
    if request.param == "memory":
        return MemorySignInStates()
    return DynamoSignInStates(request.getfixturevalue("table"))


def test_a_kept_sign_in_is_taken_once(states):
    states.keep(STATE, PENDING, expires_at=T0 + timedelta(minutes=10))
    assert states.take("t" * 43, now=T0) is None
    assert states.take(STATE, now=T0 + timedelta(minutes=9)) == PENDING
    assert states.take(STATE, now=T0 + timedelta(minutes=9)) is None  # a replay finds nothing


def test_an_expired_sign_in_is_not_given_and_is_gone(states):
    states.keep(STATE, PENDING, expires_at=T0 + timedelta(minutes=10))
    assert states.take(STATE, now=T0 + timedelta(minutes=10)) is None
    assert states.take(STATE, now=T0) is None


def test_a_state_in_use_is_not_taken_over(states):
    states.keep(STATE, PENDING, expires_at=T0 + timedelta(minutes=10))
    other = PendingSignIn(nonce="x" * 43, verifier="y" * 64, back_to="/")
    with pytest.raises(Exception):  # noqa: B017 - ConditionalCheckFailed, or the fake's
        states.keep(STATE, other, expires_at=T0 + timedelta(minutes=10))
    assert states.take(STATE, now=T0) == PENDING


def test_the_table_keeps_the_states_hash_not_the_state(table):
    DynamoSignInStates(table).keep(STATE, PENDING, expires_at=T0 + timedelta(minutes=10))
    items = boto3.client("dynamodb").scan(TableName=table)["Items"]
    assert [i["PK"]["S"] for i in items] == [state_key(STATE)]
    assert STATE not in str(items)
