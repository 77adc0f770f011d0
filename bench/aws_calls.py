"""AWS calls per dossier lifecycle, by service and operation, counted at the botocore level.

Runs the embedded stack (moto on loopback, the API, the pollers invoking the real handlers) in
this process and counts every call each handler makes (`bench.observe`):
1. the demo's lifecycle: a birth registration, a land transfer (supplement request, the tax
   system's fees) and a company registration (two officials at once, one refused as stale),
   over HTTP, to the last notice sent; divided by its 3 dossiers;
2. the timers' share: one birth registration left untouched while the deadline timer runs
   every 5 minutes for a day (288 runs, clock moved with MOTCUA_NOW), then one daily digest.
   The timer's polling and the digest are fixed daily costs, shared by the dossiers closed
   per day (Little's law: open dossiers / days open); its alarms cost per alarm fired.
The pollers' own calls (ReceiveMessage, DeleteMessageBatch, GetRecords …) are printed apart:
in AWS the event source mappings make them. The benchmark's own calls are not counted.

DynamoDB capacity is estimated from the items' sizes (the app does not ask for
ReturnConsumedCapacity): see `CapacityModel`. Run: `make bench`, or
`.venv/bin/python -m bench.aws_calls [--json FILE]` (the figures `bench.cost` prices).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import subprocess
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bench.observe import (
    OBSERVER,
    POLLER,
    Call,
    Invocation,
    Recorder,
    clock_at,
    observed_stack,
    quiet,
)
from chalicelib.domain.calendar import LOCAL_TZ
from devstack import demo
from devstack.client import Api, new_id

ROOT = Path(__file__).resolve().parents[1]
TABLE_RESOURCE = "MotcuaTable"
KB = 1024
# A working Monday (data/calendar.yaml): the untouched dossier is received at 07:00.
DAY_START = datetime(2026, 3, 9, 7, 0, tzinfo=LOCAL_TZ)
TIMER_MINUTES = 5
STATUS_ROUTES = ("/commands/", "/receipts/", "/intake/")  # a client asking "done yet?"
STATUS_POLLS = "api:status"  # the API function, for those requests: one per command
# A status request beyond the first per command: the bench's client waiting, not a client's
# cost (a machine-speed artefact); counted apart, never priced.
EXTRA_POLLS = f"{OBSERVER}:poll"


def is_status(route: str) -> bool:
    return route.startswith("GET") and any(s in route for s in STATUS_ROUTES)


class StatusReads:
    """The demo client's waits, made independent of machine speed: a wait lets the pipeline
    drain, then reads the status once (`STATUS_POLLS`). Should that read find it unsettled, the
    client polls on as before, and those polls are `EXTRA_POLLS`."""

    def __init__(self) -> None:
        self.extra = False

    def api_function(self, route: str) -> str:
        if not is_status(route):
            return "api"
        return EXTRA_POLLS if self.extra else STATUS_POLLS

    @contextlib.contextmanager
    def installed(self, stack: Any) -> Iterator[None]:
        reads = self
        poll = Api.wait_for

        def wait_for(api: Api, fetch: Any, done: Any, *, timeout: float = 30) -> Any:
            stack.drain(timeout=max(timeout, 60))
            result = fetch()
            if done(result):
                return result
            reads.extra = True
            try:
                return poll(api, fetch, done, timeout=timeout)
            finally:
                reads.extra = False

        Api.wait_for = wait_for  # type: ignore[method-assign]
        try:
            yield
        finally:
            Api.wait_for = poll  # type: ignore[method-assign]


# --- DynamoDB capacity ------------------------------------------------------------------------


def attribute_size(value: dict[str, Any]) -> int:
    """Bytes DynamoDB bills for one attribute value (its documented sizing rules)."""
    ((kind, inner),) = value.items()
    if kind == "S":
        return len(inner.encode())
    if kind == "N":
        digits = inner.lstrip("-").replace(".", "").strip("0") or "0"
        return (len(digits) + 1) // 2 + 1
    if kind == "B":
        return len(inner)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind in ("SS", "NS", "BS"):
        return sum(attribute_size({kind[0]: element}) for element in inner)
    if kind == "M":
        return 3 + sum(len(k.encode()) + attribute_size(v) + 1 for k, v in inner.items())
    if kind == "L":
        return 3 + sum(attribute_size(v) + 1 for v in inner)
    raise ValueError(f"unknown DynamoDB type {kind}")


def item_size(item: dict[str, Any]) -> int:
    return sum(len(name.encode()) + attribute_size(value) for name, value in item.items())


def write_units(size: int) -> int:
    return max(1, math.ceil(size / KB))


def read_units(size: int) -> int:
    return max(1, math.ceil(size / (4 * KB)))


@dataclass(frozen=True)
class Index:
    name: str
    pk: str
    sk: str
    projection: str  # ALL, KEYS_ONLY or INCLUDE
    attributes: tuple[str, ...] = ()  # INCLUDE: the non-key attributes projected

    def project(self, item: dict[str, Any]) -> dict[str, Any]:
        """What the index holds of a base-table item."""
        if self.projection == "ALL":
            return item
        kept = ("PK", "SK", self.pk, self.sk, *self.attributes)
        return {k: item[k] for k in kept if k in item}


def table_indexes() -> list[Index]:
    """The table's GSIs, from infra/resources.json (what the local stack creates)."""
    resources = json.loads((ROOT / "infra" / "resources.json").read_text(encoding="utf-8"))
    indexes = []
    for gsi in resources["Resources"][TABLE_RESOURCE]["Properties"]["GlobalSecondaryIndexes"]:
        keys = {k["KeyType"]: k["AttributeName"] for k in gsi["KeySchema"]}
        projection = gsi["Projection"]
        indexes.append(Index(gsi["IndexName"], keys["HASH"], keys["RANGE"],
                             projection["ProjectionType"],
                             tuple(projection.get("NonKeyAttributes", ()))))  # fmt: skip
    return indexes


class CapacityModel:
    """On-demand request units of each DynamoDB call, estimated from the items' sizes.

    Reads: 4 KB units of what came back (at least one), halved unless ConsistentRead (index
    queries are eventually consistent). Writes: 1 KB units of the larger of the old and new
    item, doubled inside TransactWriteItems; a failed conditional write is billed too.
    Index writes (1 KB units of the projected item, not doubled): a put into an index, a
    delete from it, both when its key changes, and any change of what it projects of an
    item it holds. The old item is the last one this model saw written or read under that key;
    an UpdateItem's result is taken as the size of the old item (those here are counters and
    delivery-log rows, a few hundred bytes), at least 1 unit.
    """

    def __init__(self, indexes: Iterable[Index]) -> None:
        self.indexes = list(indexes)
        self.items: dict[tuple[str, str], dict[str, Any]] = {}

    def units(self, call: Call) -> tuple[float, float, float]:
        """(read units, table write units, index write units) of one call."""
        params, answer = call.params or {}, call.response or {}
        failed = "Error" in answer
        op = call.operation
        if op == "GetItem":
            found = answer.get("Item")
            if found:
                self._remember(found)
            factor = 1.0 if params.get("ConsistentRead") else 0.5
            return read_units(item_size(found or {})) * factor, 0.0, 0.0
        if op in ("Query", "Scan"):
            factor = 1.0 if params.get("ConsistentRead") and "IndexName" not in params else 0.5
            found = answer.get("Items") or []
            return read_units(sum(item_size(i) for i in found)) * factor, 0.0, 0.0
        if op == "TransactWriteItems":
            table = index = 0.0
            for entry in params.get("TransactItems", []):
                ((kind, request),) = entry.items()
                units, on_index = self._write(kind, request, apply=not failed)
                table += 2 * units
                index += on_index
            return 0.0, table, index
        if op == "BatchWriteItem":
            table = index = 0.0
            for requests in params.get("RequestItems", {}).values():
                for entry in requests:
                    ((kind, request),) = entry.items()
                    units, on_index = self._write(kind.removesuffix("Request"), request, True)
                    table += units
                    index += on_index
            return 0.0, table, index
        if op in ("PutItem", "UpdateItem", "DeleteItem"):
            units, on_index = self._write(op.removesuffix("Item"), params, apply=not failed)
            return 0.0, float(units), on_index
        return 0.0, 0.0, 0.0  # DescribeTable and the like: not billed as request units

    def item_sizes_kb(self) -> dict[str, list[float]]:
        """Mean and largest size of the items seen, by kind (the sort key up to its "#")."""
        sizes: dict[str, list[int]] = {}
        for (_, sk), item in self.items.items():
            sizes.setdefault(sk.split("#", 1)[0], []).append(item_size(item))
        return {
            kind: [round(sum(found) / len(found) / KB, 2), round(max(found) / KB, 2)]
            for kind, found in sorted(sizes.items())
        }

    def _remember(self, item: dict[str, Any]) -> None:
        if "PK" in item and "SK" in item:
            self.items[(item["PK"]["S"], item["SK"]["S"])] = item

    def _write(self, kind: str, request: dict[str, Any], apply: bool) -> tuple[int, float]:
        if kind == "Put":
            new = request["Item"]
            key = (new["PK"]["S"], new["SK"]["S"])
        else:  # Update, Delete, ConditionCheck
            new = None
            key = (request["Key"]["PK"]["S"], request["Key"]["SK"]["S"])
        old = self.items.get(key)
        size = max(item_size(old or {}), item_size(new or {}))
        on_index = sum(self._index_units(index, old, new) for index in self.indexes)
        if kind in ("Update", "ConditionCheck"):
            on_index = 0.0  # not modelled: these rows carry no index keys here
        if apply:
            if kind == "Put":
                self.items[key] = new
            elif kind == "Delete":
                self.items.pop(key, None)
        return write_units(size), on_index

    @staticmethod
    def _index_units(index: Index, old: dict | None, new: dict | None) -> float:
        def projected(item: dict[str, Any]) -> int:
            return write_units(item_size(index.project(item)))

        was = old is not None and index.pk in old and index.sk in old
        now = new is not None and index.pk in new and index.sk in new
        if was and now:
            assert old is not None and new is not None
            if (old[index.pk], old[index.sk]) != (new[index.pk], new[index.sk]):
                return projected(old) + projected(new)
            return projected(new) if index.project(old) != index.project(new) else 0
        if now:
            assert new is not None
            return projected(new)
        if was:
            assert old is not None
            return projected(old)
        return 0


# --- tallies ----------------------------------------------------------------------------------


def _op(call: Call) -> str:
    return f"{call.service}.{call.operation}"


def _queue_kind(call: Call) -> str:
    return "fifo" if (call.queue or "").endswith(".fifo") else "standard"


@dataclass
class Tally:
    """What one part of the workload cost, in counts that add and scale."""

    calls: Counter[str] = field(default_factory=Counter)  # "dynamodb.GetItem" → count
    function_calls: Counter[str] = field(default_factory=Counter)  # "notifier dynamodb.PutItem"
    invocations: Counter[str] = field(default_factory=Counter)  # function → invocations
    records: Counter[str] = field(default_factory=Counter)
    own_cpu_ms: Counter[str] = field(default_factory=Counter)  # function → our code's CPU
    cpu_ms: Counter[str] = field(default_factory=Counter)  # … ours and botocore's (billed)
    http_calls: Counter[str] = field(default_factory=Counter)  # function → other HTTP calls
    out_bytes: Counter[str] = field(default_factory=Counter)  # function → bytes sent out of AWS
    own_wall_ms: Counter[str] = field(default_factory=Counter)
    aws_wall_ms: Counter[str] = field(default_factory=Counter)
    invocation_calls: Counter[str] = field(default_factory=Counter)  # function → AWS calls
    routes: Counter[str] = field(default_factory=Counter)  # API requests by route
    sqs: Counter[str] = field(default_factory=Counter)  # "fifo SendMessage" (handlers')
    poller: Counter[str] = field(default_factory=Counter)  # the pollers' own calls
    poller_sqs: Counter[str] = field(default_factory=Counter)  # "fifo ReceiveMessage"
    capacity: Counter[str] = field(default_factory=Counter)  # "api rru", "notifier wru" …
    retries: int = 0
    unpriced_polls: int = 0  # EXTRA_POLLS: status requests beyond one per command

    def __add__(self, other: Tally) -> Tally:
        def add(a: Any, b: Any) -> Any:
            return Counter(_merge(a, b)) if isinstance(a, Counter) else a + b

        return self._each(add, other)

    def scaled(self, factor: float) -> Tally:
        def scale(a: Any, _: Any) -> Any:
            return (
                Counter({k: v * factor for k, v in a.items()})
                if isinstance(a, Counter)
                else a * factor
            )

        return self._each(scale, self)

    def _each(self, combine: Any, other: Tally) -> Tally:
        return Tally(
            **{
                name: combine(getattr(self, name), getattr(other, name))
                for name in self.__dataclass_fields__
            }
        )

    def total_calls(self) -> float:
        return sum(self.calls.values())

    def units(self, unit: str, function: str | None = None) -> float:
        """Estimated DynamoDB request units (rru, wru, index_wru) of one function or all."""
        return sum(
            v
            for k, v in self.capacity.items()
            if k.endswith(f" {unit}") and function in (None, k.rsplit(" ", 1)[0])
        )

    def to_json(self) -> dict[str, Any]:
        return {name: _plain(getattr(self, name)) for name in self.__dataclass_fields__}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Tally:
        return cls(
            **{
                name: Counter(value) if isinstance(value, dict) else value
                for name, value in data.items()
            }
        )


def _merge(a: Counter[str], b: Counter[str]) -> dict[str, float]:
    return {key: a.get(key, 0) + b.get(key, 0) for key in a.keys() | b.keys()}


def _plain(value: Any) -> Any:
    if isinstance(value, Counter):
        return {k: round(v, 6) for k, v in sorted(value.items())}
    return round(value, 6) if isinstance(value, float) else value


def tally(calls: Iterable[Call], invocations: Iterable[Invocation], model: CapacityModel) -> Tally:
    result = Tally()
    for call in calls:
        if call.source in (OBSERVER, EXTRA_POLLS):
            continue
        result.retries += call.attempts - 1
        if call.source == POLLER:
            result.poller[_op(call)] += 1
            if call.service == "sqs":
                empty = " (empty)" if call.operation == "ReceiveMessage" and not call.items else ""
                result.poller_sqs[f"{_queue_kind(call)} {call.operation}{empty}"] += 1
            continue
        result.calls[_op(call)] += 1
        result.function_calls[f"{call.source} {_op(call)}"] += 1
        if call.service == "sqs":
            result.sqs[f"{_queue_kind(call)} {call.operation}"] += 1
        if call.service == "dynamodb":
            rru, wru, index_wru = model.units(call)
            result.capacity.update(
                {
                    f"{call.source} rru": rru,
                    f"{call.source} wru": wru,
                    f"{call.source} index_wru": index_wru,
                }
            )
    for invocation in invocations:
        name = invocation.function
        if name == EXTRA_POLLS:
            result.unpriced_polls += 1
            continue
        result.invocations[name] += 1
        result.records[name] += invocation.records
        result.own_cpu_ms[name] += invocation.own_cpu * 1000
        result.cpu_ms[name] += invocation.cpu * 1000
        result.http_calls[name] += invocation.http_calls
        result.out_bytes[name] += invocation.out_bytes
        result.own_wall_ms[name] += invocation.own_wall * 1000
        result.aws_wall_ms[name] += invocation.aws_wall * 1000
        result.invocation_calls[name] += invocation.calls
        if invocation.route:
            result.routes[invocation.route] += 1
    return result


# --- the workload -----------------------------------------------------------------------------


def _app_log_lines(log: Any) -> list[bytes]:
    """The app's JSON log lines so far (not the local server's access lines), newline off."""
    log.flush()
    with open(log.name, "rb") as written:
        return [line.rstrip(b"\n") for line in written if line.startswith(b"{")]


def _log_usage(log: Any) -> tuple[int, int]:
    """(bytes, events) of the app's JSON log lines so far: one line, one log event."""
    lines = _app_log_lines(log)
    return sum(len(line) for line in lines), len(lines)


def custom_metrics(lines: Iterable[bytes]) -> list[str]:
    """The distinct custom metrics the EMF lines define: namespace, name and dimension values
    (CloudWatch bills each such combination a month)."""
    found = set()
    for line in lines:
        if b'"_aws"' not in line:
            continue
        record = json.loads(line)
        for directive in record["_aws"].get("CloudWatchMetrics", []):
            for dimensions in directive.get("Dimensions", [[]]) or [[]]:
                values = ",".join(f"{d}={record.get(d)}" for d in dimensions)
                for metric in directive.get("Metrics", []):
                    found.add(f"{directive.get('Namespace')}/{metric['Name']}[{values}]")
    return sorted(found)


@dataclass(frozen=True)
class Stored:
    """What the table holds after some dossiers ran (a scan: base items and index copies)."""

    dossiers: int
    kinds: dict[str, list[float]]  # kind → [items, bytes, of which bytes under a TTL, TTL days]
    # index → [items, projected bytes] of ONE open dossier: a closed one leaves the indexes
    index_bytes: dict[str, list[float]]


def item_kind(item: dict[str, Any]) -> str:
    """`PK-prefix/SK-prefix`: D/STATE, D/H, RCPT/RCPT …"""
    return "/".join(item[k]["S"].split("#", 1)[0] for k in ("PK", "SK") if k in item)


def _scan(stack: Any) -> Iterator[dict[str, Any]]:
    client = stack.aws_client("dynamodb")
    for page in client.get_paginator("scan").paginate(TableName=stack.resources["MOTCUA_TABLE"]):
        yield from page["Items"]


def scan_stored(stack: Any, now: datetime) -> dict[str, list[float]]:
    """Base items by kind: [items, bytes, bytes under a TTL, mean days left of that TTL]."""
    kinds: dict[str, list[float]] = {}
    ttl_days: dict[str, list[float]] = {}
    for item in _scan(stack):
        size = item_size(item)
        kind = kinds.setdefault(item_kind(item), [0, 0, 0, 0.0])
        kind[0] += 1
        kind[1] += size
        if "expires_at" in item:
            kind[2] += size
            days = (float(item["expires_at"]["N"]) - now.timestamp()) / 86400
            ttl_days.setdefault(item_kind(item), []).append(max(days, 0.0))
    for kind, days in ttl_days.items():
        kinds[kind][3] = round(sum(days) / len(days), 2)
    return dict(sorted(kinds.items()))


def scan_indexes(stack: Any) -> dict[str, list[float]]:
    """Each index's items and projected bytes (as the base table holds them now)."""
    indexes = {index.name: [0.0, 0.0] for index in table_indexes()}
    for item in _scan(stack):
        for index in table_indexes():
            if index.pk in item and index.sk in item:
                indexes[index.name][0] += 1
                indexes[index.name][1] += item_size(index.project(item))
    return indexes


def outbox_channels(path: Path, skip: int = 0) -> tuple[Counter[str], int]:
    """Messages the local stage sent, by channel, after the first `skip` lines."""
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    found = Counter(json.loads(line)["channel"] for line in lines[skip:] if line.strip())
    return found, len(lines)


def lifecycle(stack: Any) -> list[str]:
    """The demo's three dossiers, start to end (`devstack.demo`)."""
    cast = demo.Cast.local(stack.base_url)
    return [
        demo.birth_registration(cast),
        demo.land_transfer(cast),
        demo.company_registration(cast),
    ]


def untouched_dossier(stack: Any) -> str:
    """A birth registration filed online and left alone, so its alarms fire."""
    cast = demo.Cast.local(stack.base_url)
    receipt = cast.portal.submit(
        {
            "external_id": f"bench-{new_id()}",
            "procedure_code": "1.001193",
            "channel": 2,
            "applicant": {"name": "Nguyễn Văn An", "kind": 1, "phone": "0912000111"},
            "resolving_agency": demo.WARD,
            "received_by_agency": demo.WARD,
            "submitted_at": DAY_START.isoformat(),
            "awaiting_counter_check": False,
            "summary": "Đăng ký khai sinh",
        }
    )
    if receipt["status"] != "accepted":
        raise RuntimeError(f"the bench's dossier was refused: {receipt}")
    return receipt["code"]


@dataclass
class Measured:
    lifecycle: Tally
    dossiers: int
    applied: int
    refused: int
    transition_dynamodb: int  # the transition worker's DynamoDB requests
    applying_dynamodb: int  # … in the invocations that applied a command
    applying_invocations: int
    notices: Counter[str]
    timer_polling: Tally  # the timer's Query calls over the day
    timer_runs: int
    alarms: Tally  # everything the alarms caused: the timer's reads and writes, notices
    alarms_fired: int
    digest: Tally
    digest_notices: Counter[str]
    alarm_notices: Counter[str]
    item_kb: dict[str, list[float]]  # kind of item (SK up to "#") → [mean, max] size in KB
    log_bytes: int  # the app's JSON log lines during the measured lifecycle (INFO level)
    log_events: int  # … and how many (each line is one CloudWatch Logs event)
    stored: Stored  # the table after the warm-up and the measured lifecycle
    metrics: list[str]  # the custom metrics (EMF) the whole run defined

    def to_json(self) -> dict[str, Any]:
        return {
            name: value.to_json()
            if isinstance(value, Tally)
            else value.__dict__
            if isinstance(value, Stored)
            else _plain(value)
            for name, value in self.__dict__.items()
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Measured:
        fields = {}
        for name, value in data.items():
            if isinstance(value, dict) and "calls" in value:
                fields[name] = Tally.from_json(value)
            elif name == "stored":
                fields[name] = Stored(**value)
            elif name in ("item_kb", "metrics"):
                fields[name] = value
            elif isinstance(value, dict):
                fields[name] = Counter(value)
            else:
                fields[name] = value
        return cls(**fields)


def measure(timer_runs: int = 288) -> Measured:
    model = CapacityModel(table_indexes())
    reads = StatusReads()
    recorder = Recorder(api_function=reads.api_function)
    with (
        quiet("aws_calls") as log,
        observed_stack("bench-calls-", recorder) as (stack, _),
        reads.installed(stack),
    ):
        # 0. once unmeasured, as a warm container would have: modules imported on first use,
        #    secrets and clients cached. Cold starts are bench/cold_start.py's.
        lifecycle(stack)
        stack.drain(timeout=120)
        # 1. the demo's lifecycle, to the last notice
        _, outbox_lines = outbox_channels(stack.outbox_path)
        log_bytes, log_events = _log_usage(log)
        mark = recorder.mark()
        codes = lifecycle(stack)
        stack.drain(timeout=120)
        calls, invocations = recorder.since(mark)
        life = tally(calls, invocations, model)
        total_bytes, total_events = _log_usage(log)
        log_bytes, log_events = total_bytes - log_bytes, total_events - log_events
        item_kb = model.item_sizes_kb()
        kinds = scan_stored(stack, datetime.now(LOCAL_TZ))  # warm-up's too
        notices, outbox_lines = outbox_channels(stack.outbox_path, outbox_lines)
        from chalicelib import bootstrap

        store = bootstrap.container().store
        applied = sum(store.get(code).version - 1 for code in codes)  # v1 is the intake
        worker = [i for i in invocations if i.function == "transition_worker"]
        transition_dynamodb = sum(_dynamodb(i) for i in worker)
        # An invocation that wrote its transaction applied its command (one record each here).
        applying = [i for i in worker if i.ops["dynamodb.TransactWriteItems"]]
        applying_dynamodb = sum(_dynamodb(i) for i in applying)
        commands = sum(i.records for i in worker)

        # 2. one dossier left alone; the timer every 5 minutes for a day, then a digest
        before = scan_indexes(stack)
        with clock_at(DAY_START):
            untouched_dossier(stack)
            stack.drain(timeout=60)
        after = scan_indexes(stack)
        # the untouched dossier's copies in the indexes: an open dossier's (closed ones leave)
        open_indexes = {k: [a - b for a, b in zip(after[k], before[k], strict=True)] for k in after}
        _, outbox_lines = outbox_channels(stack.outbox_path)
        mark = recorder.mark()
        fired = 0
        for run in range(timer_runs):
            with clock_at(DAY_START + timedelta(minutes=TIMER_MINUTES * run)):
                summary = stack.run_schedule("deadline_timer")
                if summary["alarms_fired"]:
                    fired += len(summary["alarms_fired"])
                    stack.drain(timeout=60)
        calls, invocations = recorder.since(mark)
        polling = [c for c in calls if c.source == "deadline_timer" and c.operation == "Query"]
        timer = tally(polling, [i for i in invocations if i.function == "deadline_timer"], model)
        polled = {id(c) for c in polling}
        alarms = tally(
            [c for c in calls if id(c) not in polled],
            [i for i in invocations if i.function != "deadline_timer"],
            model,
        )
        alarm_notices, outbox_lines = outbox_channels(stack.outbox_path, outbox_lines)
        mark = recorder.mark()
        with clock_at(DAY_START + timedelta(days=1, minutes=30)):
            stack.run_schedule("daily_digest")
            stack.drain(timeout=60)
        calls, invocations = recorder.since(mark)
        digest = tally(calls, invocations, model)
        digest_notices, _ = outbox_channels(stack.outbox_path, outbox_lines)
        metrics = custom_metrics(_app_log_lines(log))
    return Measured(
        lifecycle=life,
        dossiers=len(codes),
        applied=applied,
        refused=commands - applied,
        transition_dynamodb=transition_dynamodb,
        applying_dynamodb=applying_dynamodb,
        applying_invocations=len(applying),
        notices=notices,
        timer_polling=timer,
        timer_runs=timer_runs,
        alarms=alarms,
        alarms_fired=fired,
        digest=digest,
        digest_notices=digest_notices,
        alarm_notices=alarm_notices,
        item_kb=item_kb,
        log_bytes=log_bytes,
        log_events=log_events,
        stored=Stored(2 * len(codes), kinds, open_indexes),
        metrics=metrics,
    )


# --- per dossier ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Assumptions:
    open_dossiers: int = 10_000  # open at any moment in the province
    days_open: float = 7.0  # calendar days from receipt to result, on average
    alarms_per_dossier: float = 1.0  # e.g. one "due soon" warning each
    runs_per_day: int = 24 * 60 // TIMER_MINUTES

    @property
    def closed_per_day(self) -> float:
        return self.open_dossiers / self.days_open  # Little's law

    def describe(self) -> str:
        return (
            f"{self.open_dossiers} open dossiers, each open {self.days_open:g} days "
            f"({self.closed_per_day:.0f} closed a day), {self.alarms_per_dossier:g} alarm(s) "
            f"per dossier, the timer every {TIMER_MINUTES} min ({self.runs_per_day} runs a day)"
        )


def per_dossier(measured: Measured, assume: Assumptions) -> dict[str, Tally]:
    """Each part's share of one dossier's lifecycle."""
    timer_day = measured.timer_polling.scaled(assume.runs_per_day / measured.timer_runs)
    return {
        "lifecycle": measured.lifecycle.scaled(1 / measured.dossiers),
        "timer polling": timer_day.scaled(1 / assume.closed_per_day),
        "alarms": measured.alarms.scaled(assume.alarms_per_dossier / max(measured.alarms_fired, 1)),
        "daily digest": measured.digest.scaled(1 / assume.closed_per_day),
    }


def report(measured: Measured, assume: Assumptions) -> list[str]:
    parts = per_dossier(measured, assume)
    whole = sum(parts.values(), Tally())
    life = parts["lifecycle"]
    n = measured.dossiers
    lines = [
        f"dossiers: {n} (the demo: birth registration, land transfer, company registration)",
        f"applied transitions per dossier: {measured.applied / n:.2f} "
        f"({measured.applied} applied, {measured.refused} refused)",
        "notices per dossier: "
        + ", ".join(f"{ch} {k / n:.2f}" for ch, k in sorted(measured.notices.items()))
        + " (SMS through SNS on moto: counted as sns.Publish; email to the local outbox file: "
        "no AWS call here, SES in AWS: priced in bench.cost)",
        f"assumptions for the timers' share: {assume.describe()}",
    ]
    for op, count in sorted(whole.calls.items()):
        lines.append(f"calls per dossier: {op}: {count:.2f}")
    lines.append(f"calls per dossier, total: {whole.total_calls():.2f}")
    lines += [
        f"calls per dossier, {name}: {part.total_calls():.2f}" for name, part in parts.items()
    ]
    per_transition = measured.transition_dynamodb / max(measured.applied, 1)
    applied_only = measured.applying_dynamodb / max(measured.applying_invocations, 1)
    lines += [
        f"DynamoDB requests per applied transition: {per_transition:.2f} "
        f"(transition worker's {measured.transition_dynamodb} requests / {measured.applied} "
        f"applied, the refused command's included; target <= 2: "
        f"{'met' if per_transition <= 2 else 'missed'})",
        f"DynamoDB requests per applied transition, in the invocations that applied one: "
        f"{applied_only:.2f}",
        f"DynamoDB read request units per dossier (estimated from item sizes): "
        f"{whole.units('rru'):.1f}",
        f"DynamoDB write request units per dossier (estimated, table): {whole.units('wru'):.1f}",
        f"DynamoDB write request units per dossier (estimated, indexes): "
        f"{whole.units('index_wru'):.1f}",
        "DynamoDB item sizes in KB (mean/max): "
        + ", ".join(
            f"{kind} {mean:.2f}/{top:.2f}" for kind, (mean, top) in measured.item_kb.items()
        ),
        f"app log bytes per dossier (JSON lines at INFO): {measured.log_bytes / n:.0f}",
        f"timer: DynamoDB Query per run: "
        f"{measured.timer_polling.calls['dynamodb.Query'] / measured.timer_runs:.2f}",
        f"timer: polling calls per day ({assume.runs_per_day} runs): "
        f"{measured.timer_polling.total_calls() * assume.runs_per_day / measured.timer_runs:.0f}",
        f"timer: alarms fired on the untouched dossier in {measured.timer_runs} runs: "
        f"{measured.alarms_fired} ({_channels(measured.alarm_notices)})",
        f"timer: calls per alarm fired (timer's reads and write, relay, notifier, sync): "
        f"{measured.alarms.total_calls() / max(measured.alarms_fired, 1):.2f}",
        f"daily digest: calls per day: {measured.digest.total_calls():.0f} "
        f"({_channels(measured.digest_notices)})",
    ]
    reads = sum(v for r, v in life.routes.items() if r.startswith("GET"))
    polls = life.invocations[STATUS_POLLS]
    lines.append(
        f"API requests per dossier: {sum(life.routes.values()):.2f} (writes "
        f"{sum(life.routes.values()) - reads:.2f}, reads {reads:.2f}, of which status reads "
        f"{polls:.2f}: one per queued request, read once the pipeline has drained)"
    )
    lines.append(
        f"status polls beyond one per queued request (not priced; should be 0): "
        f"{life.unpriced_polls:.2f} per dossier"
    )
    stored = measured.stored
    lines.append(
        "DynamoDB storage per dossier in KB (base items, 100 B overhead each not included): "
        + ", ".join(
            f"{kind} {size / stored.dossiers / KB:.2f}"
            for kind, (_, size, _, _) in stored.kinds.items()
        )
    )
    lines.append(
        "DynamoDB index storage per OPEN dossier in KB (a closed one leaves the indexes): "
        + ", ".join(
            f"{name} {size / KB:.2f} ({items:.0f} items)"
            for name, (items, size) in stored.index_bytes.items()
        )
    )
    lines.append(
        f"app log events per dossier: {measured.log_events / n:.1f}; custom metrics (EMF) "
        f"the run defined: {len(measured.metrics)}"
    )
    lines.append(
        "bytes sent out of AWS per dossier (API answers, pushes to the portal and providers): "
        f"{sum(whole.out_bytes.values()):.0f}"
    )
    for function, count in sorted(whole.invocations.items()):
        lines.append(
            f"Lambda invocations per dossier: {function}: {count:.3f} "
            f"({whole.records[function] / count:.1f} records each)"
        )
    overhead = {op: n for op, n in whole.poller.items() if not op.startswith("sqs.")}
    overhead.update({f"sqs {key}": n for key, n in whole.poller_sqs.items()})
    lines += [
        f"poller overhead per dossier (Lambda's event source mapping does this in AWS): "
        f"{op}: {count:.2f}"
        for op, count in sorted(overhead.items())
    ]
    lines.append(
        "poller overhead note: SQS bills the mapping's receives and deletes as requests "
        "(bench.cost counts the non-empty receives and the deletes); GetRecords by a Lambda "
        "trigger is free; the local pollers' empty polls and stream reads follow wall time"
    )
    lines.append(f"botocore retries: {whole.retries:.0f}")
    return lines


def _dynamodb(invocation: Invocation) -> int:
    return sum(v for op, v in invocation.ops.items() if op.startswith("dynamodb."))


def _channels(found: Counter[str]) -> str:
    return ", ".join(f"{k} {v} notice(s)" for k, v in sorted(found.items())) or "no notices"


def add_assumption_arguments(parser: argparse.ArgumentParser) -> None:
    defaults = Assumptions()
    parser.add_argument("--open-dossiers", type=int, default=defaults.open_dossiers)
    parser.add_argument("--days-open", type=float, default=defaults.days_open)
    parser.add_argument("--alarms-per-dossier", type=float, default=defaults.alarms_per_dossier)


def assumptions(args: argparse.Namespace) -> Assumptions:
    return Assumptions(args.open_dossiers, args.days_open, args.alarms_per_dossier)


@contextlib.contextmanager
def busy_processes(count: int) -> Iterator[None]:
    """`count` processes spinning on the CPU while the block runs."""
    spinning = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(count)]
    try:
        yield
    finally:
        for process in spinning:
            process.kill()
            process.wait()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timer-runs", type=int, default=288, help="5-minute timer runs")
    parser.add_argument("--json", type=Path, help="also write the measured counts here")
    parser.add_argument(
        "--busy",
        type=int,
        default=0,
        help="processes kept busy meanwhile (a loaded machine: the counts must not move)",
    )
    add_assumption_arguments(parser)
    args = parser.parse_args(argv)
    with busy_processes(args.busy):
        measured = measure(args.timer_runs)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(measured.to_json(), indent=1), encoding="utf-8")
    for line in report(measured, assumptions(args)):
        print(line)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
