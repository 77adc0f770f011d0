"""A transaction cancelled only by `TransactionConflict` is tried again in process, a bounded
number of times with jittered pauses; any other cancellation is answered at once."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from botocore.exceptions import ClientError

from chalicelib.adapters.dynamo_calls import ConflictRetry, transact


class ScriptedTable:
    """Answers each TransactWriteItems from a script: None writes, a list of codes cancels."""

    def __init__(self, *answers: list[str] | None) -> None:
        self.answers = list(answers)
        self.calls = 0

    def transact_write_items(self, TransactItems: list[dict[str, Any]]) -> dict[str, Any]:
        self.calls += 1
        codes = self.answers.pop(0)
        if codes is None:
            return {}
        raise ClientError(
            {
                "Error": {"Code": "TransactionCanceledException", "Message": "cancelled"},
                "CancellationReasons": [{"Code": code} for code in codes],
            },
            "TransactWriteItems",
        )


@pytest.fixture
def pauses() -> list[float]:
    return []


@pytest.fixture
def retry(pauses: list[float]) -> ConflictRetry:
    return ConflictRetry(attempts=4, base_seconds=0.02, cap_seconds=0.05,
                         sleep=pauses.append, jitter=lambda: 1.0)  # fmt: skip


CONFLICT = ["None", "None", "TransactionConflict"]


def test_a_conflict_is_retried_until_the_transaction_is_written(retry, pauses):
    table = ScriptedTable(CONFLICT, CONFLICT, None)
    assert transact(table, [{}], retry=retry) is None
    assert table.calls == 3
    assert pauses == [0.02, 0.04]  # doubling, with the jitter at its top


def test_the_retries_are_bounded_and_the_pause_capped(retry, pauses):
    table = ScriptedTable(*[CONFLICT] * 5)
    assert transact(table, [{}], retry=retry) == CONFLICT
    assert table.calls == 4  # the attempts, then the reasons go back to the caller
    assert pauses == [0.02, 0.04, 0.05]


@pytest.mark.parametrize(
    "codes",
    [
        ["ConditionalCheckFailed", "None", "None"],
        ["ConditionalCheckFailed", "TransactionConflict", "None"],  # a retry cannot help
        ["ThrottlingError", "None", "None"],
    ],
)
def test_any_other_cancellation_is_answered_at_once(retry, pauses, codes):
    table = ScriptedTable(codes, None)
    assert transact(table, [{}], retry=retry) == codes
    assert table.calls == 1 and pauses == []


def test_other_errors_propagate(retry):
    class Broken:
        def transact_write_items(self, TransactItems: Any) -> None:
            raise ClientError({"Error": {"Code": "ValidationException"}}, "TransactWriteItems")

    with pytest.raises(ClientError):
        transact(Broken(), [{}], retry=retry)


def test_the_default_jitter_stays_within_the_cap():
    retry = ConflictRetry()
    assert all(0 <= retry.pause(n) <= retry.cap_seconds for n in range(retry.attempts))


def test_the_counters_of_a_days_dossiers_spread_over_every_shard():
    from chalicelib.adapters.store import COUNTER_SHARDS, counter_shard

    codes = [f"000.00.41.H19-261204-{n:04d}" for n in range(1, 201)]
    spread = Counter(counter_shard(code) for code in codes)
    assert set(spread) == set(range(COUNTER_SHARDS))
    assert max(spread.values()) < 2 * len(codes) / COUNTER_SHARDS  # no shard twice as hot
