"""Two emulator costs of moto's DynamoDB that DynamoDB does not have, taken away for benchmarks
and soak tests (in-process or the local stack's moto server): `fast_moto()` applies both.

- `TransactWriteItems`: moto backs up every table a transaction touches with `copy.deepcopy`,
  once per item of the transaction, to roll back when an item fails: with a few thousand
  dossiers each transaction takes tens of milliseconds. Here every item's condition is checked
  first, against the state before the transaction, as DynamoDB does; only when all hold does
  moto write, without the copies (nothing can fail then). When a condition fails nothing is
  written and the same `TransactionCanceledException` is raised, with each item's reason.
  Anything unusual (two operations on one item, an unknown operation, over 100 items) goes to
  moto's own code, copies included, which raises its own error.
- A table `Query` on a partition key: moto sorts every item of the table, then keeps the
  partition's. Here it is handed the partition's items only (index queries are left as they
  are).
- SQS reads the clock through a datetime round trip for every message of a queue, several
  times per call (visibility and delay of each message, the queue's counts computed on every
  send): here it reads `time.time()`, the same instant in the same unit.
- Pure lookups moto repeats on every call: the handler class's method names (through
  `inspect.getmembers`) and the snake_case of each action and queue attribute name: cached.
- DynamoDB and DynamoDB Streams answers: moto walks the botocore shape of every value of a
  result that is already in DynamoDB's wire form (`{"S": ...}`); here it is written with
  `json.dumps`, as moto's older answers were (`dynamo_json_dump`). Same bytes to the client.

A lock keeps two transactions or queries of one process from interleaving.
"""

from __future__ import annotations

import contextlib
import functools
import threading
import time
from collections.abc import Iterator
from typing import Any
from unittest import mock

_LOCK = threading.RLock()
Patch = contextlib.AbstractContextManager[None]


def _check_conditions(backend: Any, transact_items: list[dict[str, Any]]) -> list[Any] | None:
    """Each item's (code, message, item) as moto reports them, or None when moto's own code
    should decide (a malformed transaction)."""
    from moto.dynamodb.models import get_filter_expression

    seen: set[tuple[str, str]] = set()
    reasons: list[Any] = []
    for entry in transact_items:
        if len(entry) != 1:
            return None
        kind, operation = next(iter(entry.items()))
        if kind not in {"ConditionCheck", "Put", "Delete", "Update"}:
            return None
        table_name = operation["TableName"]
        table = backend.get_table(table_name)
        if kind == "Put":
            attributes = operation["Item"]
            key = {table.hash_key_attr: attributes[table.hash_key_attr]}
            if table.range_key_attr is not None:
                key[table.range_key_attr] = attributes[table.range_key_attr]
        else:
            key = operation["Key"]
        identity = (table_name, str(dict(sorted(key.items()))))
        if identity in seen:
            return None
        seen.add(identity)
        condition = operation.get("ConditionExpression")
        if condition is None:
            reasons.append((None, None, None))
            continue
        current = backend.get_item(table_name, key)
        holds = get_filter_expression(
            condition,
            operation.get("ExpressionAttributeNames"),
            operation.get("ExpressionAttributeValues"),
        ).expr(current)
        if holds:
            reasons.append((None, None, None))
            continue
        old = None
        if operation.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD" and current:
            old = current.to_json()["Attributes"]
        reasons.append(("ConditionalCheckFailed", "The conditional request failed", old))
    return reasons


@contextlib.contextmanager
def _patched(*replacements: tuple[Any, str, Any]) -> Iterator[None]:
    """Each (owner, attribute, value) in place while the context lasts."""
    with contextlib.ExitStack() as stack:
        for owner, name, value in replacements:
            stack.enter_context(mock.patch.object(owner, name, value))
        yield


def transactions_without_table_copies() -> Patch:
    import moto.dynamodb.models as models
    from moto.dynamodb.exceptions import TransactionCanceledException

    original = models.DynamoDBBackend.transact_write_items
    real_copy = models.copy

    class _NoTableCopy:
        @staticmethod
        def deepcopy(value: Any, memo: Any = None) -> Any:
            return value if isinstance(value, models.Table) else real_copy.deepcopy(value, memo)

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        with _LOCK:
            if len(transact_items) > 100:
                return original(self, transact_items)
            reasons = _check_conditions(self, transact_items)
            if reasons is None:
                return original(self, transact_items)
            if any(code is not None for code, _, _ in reasons):
                raise TransactionCanceledException(reasons)
            with _patched((models, "copy", _NoTableCopy)):  # nothing can fail: no copies
                return original(self, transact_items)

    return _patched((models.DynamoDBBackend, "transact_write_items", transact_write_items))


def partition_queries() -> Patch:
    from moto.dynamodb.models.table import Table

    original = Table.query

    def query(self: Any, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        index_name = args[6] if len(args) > 6 else kwargs.get("index_name")  # moto's order
        if index_name or hash_key is None or not self.range_key_attr:
            return original(self, hash_key, *args, **kwargs)
        with _LOCK:
            partition = list(self.items[hash_key].values()) if hash_key in self.items else []
            self.all_items = lambda: partition  # shadows the method for this query only
            try:
                return original(self, hash_key, *args, **kwargs)
            finally:
                del self.all_items

    return _patched((Table, "query", query))


def sqs_wall_clock() -> Patch:
    import moto.sqs.models as models

    real_time, real_millis = models.unix_time, models.unix_time_millis

    def unix_time(dt: Any = None) -> float:
        return time.time() if dt is None else real_time(dt)

    def unix_time_millis(dt: Any = None) -> float:
        return time.time() * 1000.0 if dt is None else real_millis(dt)

    return _patched(
        (models, "unix_time", unix_time), (models, "unix_time_millis", unix_time_millis)
    )


def plain_json_answers() -> Patch:
    from moto.dynamodb.models.utilities import dynamo_json_dump
    from moto.dynamodb.responses import DynamoResult
    from moto.dynamodbstreams.responses import DynamoDBStreamsHandler

    def execute_result(self: Any, context: Any) -> Any:
        return 200, {"Content-Type": "application/x-amz-json-1.0"}, dynamo_json_dump(self.result)

    def get_records(self: Any) -> str:
        limit = self._get_param("Limit")
        records = self.backend.get_records(self._get_param("ShardIterator"), limit or 1000)
        return dynamo_json_dump(records)

    return _patched(
        (DynamoResult, "execute_result", execute_result),
        (DynamoDBStreamsHandler, "get_records", get_records),
    )


def cached_lookups() -> Patch:
    import moto.core.responses as responses
    import moto.sqs.models as sqs_models

    snake = functools.cache(sqs_models.camelcase_to_underscores)
    return _patched(
        (responses, "method_names_from_class", functools.cache(responses.method_names_from_class)),
        (responses, "camelcase_to_underscores", snake),
        (sqs_models, "camelcase_to_underscores", snake),
    )


@contextlib.contextmanager
def fast_moto() -> Iterator[None]:
    with (
        transactions_without_table_copies(),
        partition_queries(),
        sqs_wall_clock(),
        plain_json_answers(),
        cached_lookups(),
    ):
        yield
