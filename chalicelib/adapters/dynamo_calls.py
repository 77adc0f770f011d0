"""DynamoDB call patterns used by every adapter: read all pages, run a transaction, read one
item of the one table."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

CONFLICT = "TransactionConflict"


def query_all(db: Any, **kwargs: Any) -> list[dict[str, Any]]:
    """Every item a Query matches, following LastEvaluatedKey."""
    return _all_pages(db.query, kwargs)


def scan_all(db: Any, **kwargs: Any) -> list[dict[str, Any]]:
    """Every item a Scan returns: for operator commands only, never on a request's path."""
    return _all_pages(db.scan, kwargs)


def _all_pages(call: Any, kwargs: dict[str, Any]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    while True:
        page = call(**kwargs)
        items.extend(page.get("Items", []))
        if "LastEvaluatedKey" not in page:
            return items
        kwargs = {**kwargs, "ExclusiveStartKey": page["LastEvaluatedKey"]}


@dataclass(frozen=True)
class ConflictRetry:
    """How often, and how patiently, a transaction cancelled only by `TransactionConflict`
    (another transaction held one of its items, e.g. a busy counter) is tried again in
    process. Giving it back to its queue instead would stall the dossier's FIFO group for a
    whole visibility timeout. Full jitter spreads the retries of transactions that collided."""

    attempts: int = 6  # in all; the sleeps add up to at most about 1.3 s
    base_seconds: float = 0.02
    cap_seconds: float = 0.4
    sleep: Callable[[float], None] = time.sleep
    jitter: Callable[[], float] = random.random

    def pause(self, retry: int) -> float:
        return self.jitter() * min(self.cap_seconds, self.base_seconds * 2**retry)


CONFLICT_RETRY = ConflictRetry()


def transact(
    db: Any, items: list[dict[str, Any]], *, retry: ConflictRetry = CONFLICT_RETRY
) -> list[str] | None:
    """None when the transaction was written; else the cancellation reason of each item, in
    order ("ConditionalCheckFailed", "None", …). A cancellation by conflicts alone is retried
    (`ConflictRetry`) before its reasons are answered. Other errors propagate."""
    for attempt in range(retry.attempts):
        codes = _transact_once(db, items)
        if codes is None or not _only_conflicts(codes) or attempt == retry.attempts - 1:
            return codes
        retry.sleep(retry.pause(attempt))
    raise AssertionError("unreachable: the last attempt answers")


def _only_conflicts(codes: list[str]) -> bool:
    """Cancelled by a conflict and by nothing a retry cannot change (a failed condition)."""
    return CONFLICT in codes and all(code in (CONFLICT, "None") for code in codes)


def _transact_once(db: Any, items: list[dict[str, Any]]) -> list[str] | None:
    try:
        db.transact_write_items(TransactItems=items)
    except ClientError as error:
        if error.response["Error"]["Code"] != "TransactionCanceledException":
            raise
        reasons = error.response.get("CancellationReasons") or []
        return [reason.get("Code", "None") for reason in reasons]
    return None


class OnTable:
    """An adapter over the one table: its name, the shared client, a consistent GetItem."""

    def __init__(self, table_name: str) -> None:
        self.table = table_name

    @property
    def _db(self) -> Any:
        from chalicelib.adapters.aws import client

        return client("dynamodb")

    def _get(self, key: dict[str, Any]) -> dict[str, Any] | None:
        answer = self._db.get_item(TableName=self.table, Key=key, ConsistentRead=True)
        item: dict[str, Any] | None = answer.get("Item")
        return item
