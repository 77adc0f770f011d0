"""Fault injection for the embedded runtime: AWS misbehaving, workers dying, queues redelivering,
providers going down. Used by `bench/fault_injection.py` and `tests/hostile/test_faults.py`.

`FaultInjector(plan)` injects, at the given rates (seeded, so a run can be repeated):

- DynamoDB **throttling**: a request answered `ProvisionedThroughputExceededException` or
  `ThrottlingException`, as the app sees it once the SDK's own retries are spent (the botocore
  `before-call` hook answers for DynamoDB: the request is not sent);
- **transaction conflicts**: a `TransactWriteItems` cancelled with `TransactionConflict` on one
  item (another transaction held it), nothing written; with `hot_conflicts`, only transactions
  that touch a hot item (a QĐ 766 counter, which every resolving transaction of an agency's
  month updates) are cancelled, on that item, as happens at a province's peak;
- **ambiguous writes**: a write that DynamoDB applied, answered with a read timeout (the
  `after-call` hook raises): the caller cannot tell whether it happened;
- a **worker killed mid-batch** (timeout, out of memory): `WorkerKilled` raised inside a worker
  invocation just before or just after one of its AWS calls. It is a BaseException, so that
  nothing in the handler (Powertools' per-record `except Exception`) can catch it; the wrapper
  around the handler turns it into the invocation's failure, and the poller then does what
  Lambda does when a function dies: no batch response, every message of the batch comes back,
  including those already handled;
- **SQS redelivery**: a handled message whose delete is lost (it comes back at once, receive
  count + 1), and on standard queues a message delivered twice (a copy sent alongside).

Faults go to the app's own clients (`attach`) and pollers (`instrument`); the pollers' clients
and the checks a test makes afterwards are left alone. They are transient by construction:
from its `calm_after + 1`-th delivery on, a message (or a stream batch, or an API request
retried by its caller) meets no injected fault, so injected faults alone never exhaust a
queue's redrive; what dead-letters then is what the app itself gave up on, with its reason.

Providers: `LedgerProvider` accepts and counts what it accepted per message key, can refuse
some messages (a ZNS number without a Zalo account) and be down during an `Outage`.
"""

from __future__ import annotations

import contextlib
import json
import random
import threading
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from botocore.awsrequest import AWSResponse
from botocore.exceptions import ReadTimeoutError

from chalicelib.notify.model import Channel, Outcome, OutgoingMessage, SendResult

DYNAMODB_WRITES = frozenset(
    {"PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem"}
)
THROTTLE_CODES = ("ProvisionedThroughputExceededException", "ThrottlingException")


class WorkerKilled(BaseException):
    """The function's process died here: nothing after this point runs in the invocation."""


class WorkerDied(Exception):
    """What the poller sees of a killed invocation: it raised, so the whole batch returns."""


@dataclass(frozen=True)
class FaultPlan:
    throttle: float = 0.0  # DynamoDB requests throttled (after the SDK's retries)
    conflict: float = 0.0  # TransactWriteItems cancelled by a TransactionConflict
    hot_conflicts: bool = False  # only on transactions touching a counter item, on that item
    ambiguous: float = 0.0  # DynamoDB writes applied but answered with a timeout
    kill: float = 0.0  # a worker's AWS calls at which it dies (before or after the call)
    lost_delete: float = 0.0  # handled messages whose delete is lost (delivered again)
    duplicate: float = 0.0  # standard-queue messages delivered twice
    calm_after: int = 2  # deliveries (or attempts) of one message that may meet a fault
    seed: int = 0

    def describe(self) -> str:
        return (
            f"throttle={self.throttle} conflict={self.conflict}"
            f"{' (hot items)' if self.hot_conflicts else ''} ambiguous={self.ambiguous} "
            f"kill={self.kill} lost_delete={self.lost_delete} duplicate={self.duplicate}"
        )


@dataclass
class _Scope:
    active: bool = False
    worker: bool = False
    calm: bool = False


class FaultInjector:
    def __init__(self, plan: FaultPlan) -> None:
        self.plan = plan
        self.counts: Counter[str] = Counter()
        self.returned: Counter[str] = Counter()  # records given back, per handler
        self.enabled = True  # False: nothing is injected anywhere (the checks afterwards)
        self._rng = random.Random(plan.seed)
        self._lock = threading.Lock()
        self._local = threading.local()

    # -- where faults apply ---------------------------------------------------------------------
    def _scope(self) -> _Scope:
        scope = getattr(self._local, "scope", None)
        if scope is None:
            scope = self._local.scope = _Scope()
        return scope

    @contextlib.contextmanager
    def scope(self, *, worker: bool = False, calm: bool = False) -> Iterator[None]:
        """Calls made inside may meet faults: a worker's (`worker`: it may be killed), or an
        API request's. `calm`: none at all (a late delivery or retry)."""
        previous = self._scope()
        self._local.scope = _Scope(active=True, worker=worker, calm=calm)
        try:
            yield
        finally:
            self._local.scope = previous

    def _roll(self, rate: float) -> bool:
        if rate <= 0:
            return False
        with self._lock:
            return self._rng.random() < rate

    def count(self, what: str) -> None:
        with self._lock:
            self.counts[what] += 1

    def _returned(self, handler: str, records: int) -> None:
        """Records an invocation gave back (failed items, or a whole dead batch): for a queue
        they come back after its visibility timeout, which stalls a FIFO group that long."""
        if records:
            with self._lock:
                self.returned[handler] += records

    # -- botocore hooks -------------------------------------------------------------------------
    def attach(self, client: Any) -> Any:
        """Inject into this client's calls (the app's cached DynamoDB and SQS clients)."""
        service = client.meta.service_model.service_id.hyphenize()
        client.meta.events.register(f"before-call.{service}", self._before)
        client.meta.events.register(f"after-call.{service}", self._after)
        return client

    def _before(self, model: Any, params: Mapping[str, Any], context: dict, **_: Any) -> Any:
        scope = self._scope()
        if not (self.enabled and scope.active) or scope.calm:
            return None
        operation = model.name
        if scope.worker and self._roll(self.plan.kill):
            if self._roll(0.5):
                self.count(f"worker killed before {operation}")
                raise WorkerKilled(f"before {operation}")
            context["motcua_fault"] = "kill"
        if model.service_model.service_id.hyphenize() != "dynamodb":
            return None
        if self._roll(self.plan.throttle):
            code = THROTTLE_CODES[self.counts["throttled"] % len(THROTTLE_CODES)]
            self.count("throttled")
            return _answer(400, code, "Rate of requests exceeds the allowed throughput.")
        if operation == "TransactWriteItems":
            hot = _hot_item(params) if self.plan.hot_conflicts else None
            if (hot is not None or not self.plan.hot_conflicts) and self._roll(self.plan.conflict):
                self.count("transaction conflicts")
                return _conflict(params, hot)
        if operation in DYNAMODB_WRITES and self._roll(self.plan.ambiguous):
            context.setdefault("motcua_fault", "ambiguous")
        return None

    def _after(self, http_response: Any, model: Any, context: dict, **_: Any) -> None:
        fault = context.pop("motcua_fault", None)
        if fault is None or http_response.status_code >= 300:
            return
        if fault == "kill":
            self.count(f"worker killed after {model.name}")
            raise WorkerKilled(f"after {model.name}")
        self.count("ambiguous writes")
        raise ReadTimeoutError(endpoint_url=f"injected: {model.name} applied, answer lost")

    # -- pollers --------------------------------------------------------------------------------
    def wrap_handler(self, handler: Callable[..., Any], name: str) -> Callable[..., Any]:
        """The handler as the poller invokes it: inside a worker scope (calm for a late
        delivery), a kill turned into the invocation's failure."""
        first_seen: Counter[str] = Counter()  # stream batches: their first record, how often

        def late(records: Sequence[Mapping[str, Any]]) -> bool:
            if not records:
                return False
            if "attributes" in records[0]:  # SQS: its own receive count
                counts = [int(r["attributes"].get("ApproximateReceiveCount", 1)) for r in records]
                return max(counts) > self.plan.calm_after
            first = str(records[0].get("eventID"))
            first_seen[first] += 1
            return first_seen[first] > self.plan.calm_after

        def invoke(event: dict[str, Any], context: Any) -> Any:
            records = event.get("Records", [])
            with self.scope(worker=True, calm=late(records)):
                try:
                    answer = handler(event, context)
                except WorkerKilled as killed:
                    self._returned(name, len(records))
                    raise WorkerDied(f"{name} killed mid-batch ({killed})") from None
            if isinstance(answer, Mapping):
                self._returned(name, len(answer.get("batchItemFailures") or ()))
            return answer

        return invoke

    def instrument(self, pollers: Any) -> None:
        """Every queue and stream poller of a `Pollers`: handlers wrapped, deletes sometimes
        lost, standard-queue messages sometimes delivered twice."""
        for poller in pollers.queues:
            poller.handler = self.wrap_handler(poller.handler, poller.name)
            self._redeliver(poller)
        for stream in pollers.streams:
            stream.handler = self.wrap_handler(stream.handler, stream.name)

    def _redeliver(self, poller: Any) -> None:
        fifo = poller.queue_url.endswith(".fifo")
        receives: dict[str, int] = {}
        process, delete = poller._process, poller._delete

        def faulty_process(messages: Sequence[Mapping[str, Any]]) -> Any:
            receives.clear()
            for message in messages:
                count = int(message.get("Attributes", {}).get("ApproximateReceiveCount", 1))
                receives[message["ReceiptHandle"]] = count
                if not fifo and count == 1 and self.enabled and self._roll(self.plan.duplicate):
                    self.count("messages delivered twice")
                    poller.sqs.send_message(QueueUrl=poller.queue_url, MessageBody=message["Body"])
            return process(messages)

        def faulty_delete(handles: list[str]) -> None:
            kept = [
                handle
                for handle in handles
                if self.enabled
                and receives.get(handle, 1) <= self.plan.calm_after
                and self._roll(self.plan.lost_delete)
            ]
            for handle in kept:  # visible again at once: the same message, delivered again
                self.count("deletes lost")
                poller.sqs.change_message_visibility(
                    QueueUrl=poller.queue_url, ReceiptHandle=handle, VisibilityTimeout=0
                )
            delete([handle for handle in handles if handle not in kept])

        poller._process, poller._delete = faulty_process, faulty_delete


def _answer(status: int, code: str, message: str, **extra: Any) -> tuple[AWSResponse, dict]:
    """What botocore makes of an error answer: the `before-call` hook's reply."""
    http = AWSResponse("https://injected.invalid/", status, {}, None)
    parsed = {
        "Error": {"Code": code, "Message": message},
        "ResponseMetadata": {"HTTPStatusCode": status, "HTTPHeaders": {}, "RetryAttempts": 3},
        **extra,
    }
    return http, parsed


HOT_PREFIX = "STATS#"  # the QĐ 766 counter items (dynamo_store)


def _body(params: Mapping[str, Any]) -> bytes:
    body = params.get("body") or b"{}"
    return body if isinstance(body, bytes) else str(body).encode()


def _hot_item(params: Mapping[str, Any]) -> int | None:
    """The position of the first counter item a transaction touches, if any."""
    for position, item in enumerate(json.loads(_body(params)).get("TransactItems", [])):
        action = next(iter(item.values()), {})
        key = action.get("Key") or action.get("Item") or {}
        if key.get("PK", {}).get("S", "").startswith(HOT_PREFIX):
            return position
    return None


def _conflict(params: Mapping[str, Any], position: int | None = None) -> tuple[AWSResponse, dict]:
    body = _body(params)
    items = len(json.loads(body).get("TransactItems", [])) or 1
    reasons = [{"Code": "None"} for _ in range(items)]
    reasons[zlib.crc32(body) % items if position is None else position] = {
        "Code": "TransactionConflict",
        "Message": "Transaction is ongoing for the item",
    }
    codes = ", ".join(reason["Code"] for reason in reasons)
    return _answer(
        400,
        "TransactionCanceledException",
        f"Transaction cancelled, please refer cancellation reasons for specific reasons [{codes}]",
        CancellationReasons=reasons,
    )


# -- providers ------------------------------------------------------------------------------------
@dataclass
class Outage:
    """Down for `seconds` of wall time, starting at the `after_calls`-th call."""

    after_calls: int
    seconds: float
    _calls: int = 0
    _started: float | None = None

    def down(self) -> bool:
        self._calls += 1
        if self._started is None and self._calls >= self.after_calls:
            self._started = time.monotonic()
        return self._started is not None and time.monotonic() - self._started < self.seconds


@dataclass
class LedgerProvider:
    """A fake provider that keeps, per message key, how many times it accepted it. `refuse`
    may answer another outcome for a message (e.g. NO_ACCOUNT); during the `outage` every call
    answers TRANSIENT, as a timeout or a 503 would."""

    name: str
    channel: Channel
    outage: Outage | None = None
    refuse: Callable[[OutgoingMessage], Outcome | None] | None = None
    accepted: Counter[str] = field(default_factory=Counter)
    calls: int = 0
    failed: int = 0

    def __post_init__(self) -> None:
        self._lock = threading.Lock()

    def send(self, message: OutgoingMessage) -> SendResult:
        with self._lock:
            self.calls += 1
            if self.outage is not None and self.outage.down():
                self.failed += 1
                return SendResult(Outcome.TRANSIENT, self.name, error="injected outage: HTTP 503")
            outcome = self.refuse(message) if self.refuse else None
            if outcome is not None:
                return SendResult(outcome, self.name, error=f"injected {outcome.value}")
            self.accepted[message.key] += 1
            return SendResult(
                Outcome.ACCEPTED,
                self.name,
                provider_message_id=f"{self.name}-{sum(self.accepted.values())}",
            )
