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
- `Query` on a table or a GSI: moto sorts every item of the table, then keeps the
  partition's. Here it is handed the partition's items only: a table's from its own dict, a
  GSI's from a map of the index's hash values to the items' keys, kept as items are written
  (a superset, each key checked again when read). The cost stays flat as the table grows.
- SQS reads the clock through a datetime round trip for every message of a queue, several
  times per call (visibility and delay of each message, the queue's counts computed on every
  send): here it reads `time.time()`, the same instant in the same unit.
- Pure lookups moto repeats on every call: the handler class's method names (through
  `inspect.getmembers`) and the snake_case of each action and queue attribute name: cached.
- DynamoDB and DynamoDB Streams answers: moto walks the botocore shape of every value of a
  result that is already in DynamoDB's wire form (`{"S": ...}`); here it is written with
  `json.dumps`, as moto's older answers were (`dynamo_json_dump`). Same bytes to the client.

A lock keeps two transactions or queries of one process from interleaving.

`fast_sdk()` takes away what the SDK spends on requests that only moto in this process reads
(`mock_aws`: `devstack/inprocess.py`); every call still goes through botocore's real client
(parameter validation, serialisation, the app's event hooks, retries, parsing):

- SigV4: the Authorization header carries the same credential scope and signed headers, with
  no signature computed (moto reads the access key and region from it, never the signature).
  Presigned URLs and any other signer keep botocore's own code;
- the User-Agent header: built once per client and set of feature ids, not on every request
  (moto reads the region from it too: the same string);
- moto's routing of a request to its service: a linear match of the URL against every
  service's pattern and then against each of the service's URLs, compiled again on every call:
  kept per URL.
"""

from __future__ import annotations

import contextlib
import functools
import threading
import time
import weakref
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


class _Partitions:
    """Where each item of a table may be found, by the value of one attribute (a GSI's hash key):
    attribute → value → the items' primary keys. A superset: a key is added whenever an item is
    written with that value and checked again (and dropped if it moved) when read, so an update
    that changes or removes the attribute never needs to be seen. Built on a table's first
    query by that attribute, kept while `fast_moto` lasts (every write in between goes through
    the patched methods), dropped when it ends."""

    def __init__(self) -> None:
        self.tables: weakref.WeakKeyDictionary[Any, dict[str, dict[Any, set[Any]]]] = (
            weakref.WeakKeyDictionary()
        )

    def clear(self) -> None:
        self.tables.clear()

    def written(self, table: Any, item: Any) -> None:
        for attribute, by_value in self.tables.get(table, {}).items():
            value = item.attrs.get(attribute)
            if value is not None:
                by_value.setdefault(value, set()).add((item.hash_key, item.range_key))

    def items(self, table: Any, attribute: str, value: Any) -> list[Any]:
        by_value = self.tables.setdefault(table, {}).get(attribute)
        if by_value is None:
            by_value = self.tables[table][attribute] = {}
            for item in _every_item(table):
                found = item.attrs.get(attribute)
                if found is not None:
                    by_value.setdefault(found, set()).add((item.hash_key, item.range_key))
        keys = by_value.get(value, set())
        found_items, moved = [], []
        for hash_key, range_key in keys:
            item = _item_at(table, hash_key, range_key)
            current = item.attrs.get(attribute) if item is not None else None
            if current is not None and current == value:
                found_items.append(item)
            else:
                moved.append((hash_key, range_key))
        keys.difference_update(moved)
        return found_items


def _every_item(table: Any) -> list[Any]:
    if table.range_key_attr:
        return [item for by_range in table.items.values() for item in by_range.values()]
    return list(table.items.values())


def _item_at(table: Any, hash_key: Any, range_key: Any) -> Any:
    found = table.items.get(hash_key)
    if found is None or not table.range_key_attr:
        return found
    return found.get(range_key)


_PARTITIONS = _Partitions()
# The candidates of the query running in this thread: moto's `Table.all_items` answers them
# instead of every item of the table, sorted (what moto's `query` filters and sorts again).
_CANDIDATES = threading.local()


def partition_queries() -> Patch:
    """`Query` on a table or a GSI: moto sorts every item of the table, then keeps those whose
    hash key matches. Here it is handed the partition's items only (for a GSI, the items whose
    index hash attribute has the value asked, from `_Partitions`), and its own code does the
    rest: key conditions, sort, direction, start key, limits, filters, projections, errors."""
    import moto.dynamodb.models as models
    from moto.dynamodb.models.table import Table

    original_query = Table.query
    original_all_items = Table.all_items
    original_put = Table.put_item
    original_update = models.DynamoDBBackend.update_item

    def all_items(self: Any) -> list[Any]:
        candidates = getattr(_CANDIDATES, "items", None)
        return original_all_items(self) if candidates is None else candidates

    def candidates(self: Any, hash_key: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        index_name = args[6] if len(args) > 6 else kwargs.get("index_name")  # moto's order
        if not index_name:
            if hash_key is None or not self.range_key_attr:
                return None
            return list(self.items[hash_key].values()) if hash_key in self.items else []
        conditions = kwargs.get("hash_key_conditions")
        if not conditions:
            return None
        attribute, value = conditions[0]
        return _PARTITIONS.items(self, attribute, value)

    def query(self: Any, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        with _LOCK:
            found = candidates(self, hash_key, args, kwargs)
            if found is None:
                return original_query(self, hash_key, *args, **kwargs)
            _CANDIDATES.items = found
            try:
                return original_query(self, hash_key, *args, **kwargs)
            finally:
                _CANDIDATES.items = None

    def put_item(self: Any, *args: Any, **kwargs: Any) -> Any:
        with _LOCK:
            item = original_put(self, *args, **kwargs)
            _PARTITIONS.written(self, item)
            return item

    def update_item(self: Any, table_name: str, *args: Any, **kwargs: Any) -> Any:
        with _LOCK:  # moto changes the stored item in place
            item = original_update(self, table_name, *args, **kwargs)
            _PARTITIONS.written(self.get_table(table_name), item)
            return item

    @contextlib.contextmanager
    def patched() -> Iterator[None]:
        _PARTITIONS.clear()  # built again from the tables as they are now
        try:
            with _patched(
                (Table, "query", query),
                (Table, "all_items", all_items),
                (Table, "put_item", put_item),
                (models.DynamoDBBackend, "update_item", update_item),
            ):
                yield
        finally:
            _PARTITIONS.clear()

    return patched()


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


# -- the SDK's side (`mock_aws` only) --------------------------------------------------------------
UNSIGNED = "0" * 64  # where the signature would be: nothing reads it


def unsigned_requests() -> Patch:
    from botocore import auth
    from botocore.exceptions import NoCredentialsError

    original = auth.SigV4Auth.add_auth
    plain = (auth.SigV4Auth, auth.S3SigV4Auth)  # not presigning, not SigV4a

    def add_auth(self: Any, request: Any) -> None:
        if type(self) not in plain:
            return original(self, request)
        if self.credentials is None:
            raise NoCredentialsError()
        request.context["timestamp"] = auth.get_current_datetime().strftime(auth.SIGV4_TIMESTAMP)
        self._modify_request_before_signing(request)  # dates, token, S3's payload hash
        self._inject_signature_to_request(request, UNSIGNED)
        return None

    return _patched((auth.SigV4Auth, "add_auth", add_auth))


def user_agents_built_once() -> Patch:
    from botocore import useragent

    original = useragent.UserAgentString.to_string
    built: weakref.WeakKeyDictionary[Any, dict[Any, str]] = weakref.WeakKeyDictionary()

    def to_string(self: Any) -> str:
        context = useragent.get_context()
        key = (
            frozenset(context.features) if context is not None else frozenset(),
            frozenset(self._client_features or ()),
            id(self._client_config),
        )
        by_key = built.setdefault(self, {})
        if key not in by_key:
            by_key[key] = original(self)
        return by_key[key]

    return _patched((useragent.UserAgentString, "to_string", to_string))


def routes_kept() -> Patch:
    import moto.backend_index as backend_index
    import moto.backends as backends
    from moto.core import DEFAULT_ACCOUNT_ID, botocore_stubber
    from moto.core.base_backend import BackendDict
    from moto.core.exceptions import HTTPException
    from moto.moto_api import recorder

    original = botocore_stubber.BotocoreStubber.process_request
    routes: dict[str, tuple[str, Any] | None] = {}  # URL → (service, handler); None: moto's

    def route(clean_url: str) -> tuple[str, Any] | None:
        """The handler moto's own loop picks for this URL, when the first service whose pattern
        matches it is the one that handles it (else None: moto's code decides each time)."""
        import re

        service = next(
            (s for s, p in backend_index.backend_url_patterns if p.match(clean_url)), None
        )
        if service is None:
            return None
        backend_dict = backends.get_backend(service)  # type: ignore[call-overload]
        if isinstance(backend_dict, BackendDict):
            regions = backend_dict[DEFAULT_ACCOUNT_ID]
            backend = regions["us-east-1"] if "us-east-1" in regions else regions["aws"]
        else:
            backend = backend_dict["global"]
        for url, handler in backend.urls.items():
            if re.compile(url).match(clean_url):
                return service, handler
        return None

    def process_request(self: Any, request: Any) -> Any:
        parsed, _ = botocore_stubber.get_equivalent_url_in_aws_domain(request.url)
        clean_url = f"{parsed.scheme}://{parsed.netloc}{parsed.path}"
        if clean_url not in routes:
            routes[clean_url] = route(clean_url) if len(routes) < 10_000 else None
        found = routes[clean_url]
        if (
            found is None
            or botocore_stubber.passthrough_url(clean_url)
            or botocore_stubber.passthrough_service(found[0])
            or not botocore_stubber.service_whitelisted(found[0])
        ):
            return original(self, request)
        normalized = botocore_stubber.normalize_request(request)
        try:
            recorder._record_request(normalized)
            return found[1](normalized, normalized.raw_url, normalized.headers)
        except HTTPException as error:
            return error.code, error.get_headers(), error.get_body()

    @contextlib.contextmanager
    def patched() -> Iterator[None]:
        routes.clear()
        try:
            with _patched((botocore_stubber.BotocoreStubber, "process_request", process_request)):
                yield
        finally:
            routes.clear()

    return patched()


@contextlib.contextmanager
def fast_sdk() -> Iterator[None]:
    """Only where every AWS request goes to moto in this process (`mock_aws`)."""
    with unsigned_requests(), user_agents_built_once(), routes_kept():
        yield
