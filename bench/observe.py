"""What the pipeline benchmarks watch in the embedded stack, in the same process as it.

`Recorder` patches, for as long as it is installed:
- `botocore.client.BaseClient._make_api_call`: every AWS call of every client, with its wall
  and thread CPU time (serialisation, the HTTP round trip to moto on loopback, parsing);
- chalice's `LocalGateway.handle_request`: every API request, as one invocation of the API
  function (inside the local server's lock, so waiting for the lock is not counted);
- moto's WSGI application: moto's own CPU time per request (it runs in threads of this process);
- the HTTP providers' opener (`chalicelib.notify.providers`): time waiting for other HTTP
  services (SMS gateway, Zalo, the national portal: a fake on loopback here);
and `watch()` wraps the handlers the local pollers and scheduler invoke, so each invocation of
a queue worker, the stream relay or a schedule is one `Invocation`.

A call made inside an invocation belongs to that function. A call outside any invocation is the
pollers' own (`poller`: ReceiveMessage, DeleteMessageBatch, GetRecords …, what Lambda's event
source mapping does in AWS) when made on a poller thread, else the benchmark's own (`observer`:
set-up, `drain()`'s checks, reading results).
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from botocore.client import BaseClient
from botocore.exceptions import ClientError
from chalice.local import LocalGateway
from moto.server import DomainDispatcherApplication

from chalicelib import bootstrap
from chalicelib.adapters import http_client
from chalicelib.clock import FixedClock
from devstack.stack import LocalStack

LOG_DIR = Path(__file__).resolve().parents[1] / "build" / "bench"
POLLER = "poller"
OBSERVER = "observer"
_POLLER_THREADS = ("sqs:", "dynamodb:")
# What a call's answer held: SQS messages, stream records, DynamoDB items.
_ITEMS = ("Messages", "Records", "Items")


@dataclass
class Invocation:
    function: str  # api, intake_worker, transition_worker, outbox_relay, notifier, deadline_timer …
    route: str | None = None  # for the API: "POST /v1/dossiers/{code}/actions"
    records: int = 1
    wall: float = 0.0
    cpu: float = 0.0
    aws_wall: float = 0.0  # inside AWS calls
    aws_cpu: float = 0.0
    http_wall: float = 0.0  # inside other HTTP calls: providers, the national portal
    http_calls: int = 0
    out_bytes: int = 0  # sent out of AWS: the API's responses, bodies posted to other services
    calls: int = 0
    ops: Counter[str] = field(default_factory=Counter)  # "dynamodb.GetItem" → calls made

    @property
    def own_wall(self) -> float:
        return self.wall - self.aws_wall - self.http_wall

    @property
    def own_cpu(self) -> float:
        return self.cpu - self.aws_cpu


@dataclass(eq=False)  # one call is one call, whatever its values
class Call:
    service: str  # botocore's name: dynamodb, sqs, sns, ssm, dynamodbstreams …
    operation: str
    source: str  # the function whose invocation made it, or POLLER / OBSERVER
    wall: float
    cpu: float
    attempts: int  # 1 + botocore's retries
    queue: str | None = None  # SQS: the queue's name
    items: int = 0  # messages, records or items the answer held
    params: dict[str, Any] | None = None  # DynamoDB only: for capacity estimates
    response: dict[str, Any] | None = None


@dataclass
class MotoUsage:
    requests: int = 0
    cpu: float = 0.0


@dataclass
class Recorder:
    """Every AWS call and handler invocation, from `install()` to `uninstall()`."""

    keep_payloads: bool = True
    # The function an API request counts as, from its route ("GET /v1/dossiers/{code}").
    api_function: Callable[[str], str] = lambda route: "api"
    calls: list[Call] = field(default_factory=list)
    invocations: list[Invocation] = field(default_factory=list)
    moto: MotoUsage = field(default_factory=MotoUsage)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._local = threading.local()
        self._undo: list[tuple[Any, str, Any]] = []

    # --- what was seen -----------------------------------------------------------------------
    def mark(self) -> tuple[int, int]:
        with self._lock:
            return len(self.calls), len(self.invocations)

    def since(self, mark: tuple[int, int]) -> tuple[list[Call], list[Invocation]]:
        with self._lock:
            return self.calls[mark[0] :], self.invocations[mark[1] :]

    # --- invocations -------------------------------------------------------------------------
    @contextlib.contextmanager
    def invocation(
        self, function: str, *, records: int = 1, route: str | None = None
    ) -> Iterator[Invocation]:
        current = Invocation(function, route, records)
        outer = getattr(self._local, "current", None)
        self._local.current = current
        wall, cpu = time.perf_counter(), time.thread_time()
        try:
            yield current
        finally:
            current.wall = time.perf_counter() - wall
            current.cpu = time.thread_time() - cpu
            self._local.current = outer
            with self._lock:
                self.invocations.append(current)

    def wrap(self, function: str, handler: Any) -> Any:
        """`handler` (event, context) as an invocation of `function`."""

        def invoked(event: dict[str, Any], context: Any) -> Any:
            name = function
            if threading.current_thread().name == "scheduler":
                name += "@real-time"  # the local scheduler's own run, not one the bench asked for
            with self.invocation(name, records=len(event.get("Records") or [None])):
                return handler(event, context)

        return invoked

    def watch(self, stack: LocalStack) -> None:
        """Wrap every handler the stack's pollers and scheduler invoke."""
        pollers = stack.pollers
        assert pollers is not None, "start the stack first"
        for poller in [*pollers.queues, *pollers.streams]:
            poller.handler = self.wrap(poller.name, poller.handler)
        for name, scheduled in pollers.scheduler.handlers.items():
            scheduled.handler = self.wrap(name, scheduled.handler)

    # --- patches -----------------------------------------------------------------------------
    def install(self) -> Recorder:
        recorder = self
        make_api_call = BaseClient._make_api_call
        handle_request = LocalGateway.handle_request
        moto_call = DomainDispatcherApplication.__call__

        def counted_call(client: Any, operation: str, params: dict[str, Any]) -> Any:
            wall, cpu = time.perf_counter(), time.thread_time()
            answer: dict[str, Any] = {}
            try:
                answer = make_api_call(client, operation, params)
                return answer
            except ClientError as error:
                answer = error.response
                raise
            finally:
                recorder._record(
                    client.meta.service_model.service_name,
                    operation,
                    params,
                    answer,
                    time.perf_counter() - wall,
                    time.thread_time() - cpu,
                )

        def api_request(gateway: Any, method: str, path: str, headers: Any, body: Any) -> Any:
            route = f"{method} {_route(gateway, path)}"
            with recorder.invocation(recorder.api_function(route), route=route) as current:
                response = handle_request(gateway, method, path, headers, body)
                current.out_bytes += _response_bytes(response)
                return response

        def moto_request(app: Any, environ: Any, start_response: Any) -> Any:
            cpu = time.thread_time()
            try:
                return moto_call(app, environ, start_response)
            finally:
                spent = time.thread_time() - cpu
                with recorder._lock:
                    recorder.moto.requests += 1
                    recorder.moto.cpu += spent

        opener = http_client._OPENER
        opener_open = opener.open

        def timed_open(*args: Any, **kwargs: Any) -> Any:
            current = getattr(recorder._local, "current", None)
            wall = time.perf_counter()
            try:
                return opener_open(*args, **kwargs)
            finally:
                if current is not None:
                    current.http_wall += time.perf_counter() - wall
                    current.http_calls += 1
                    current.out_bytes += _request_bytes(*args, **kwargs)

        for owner, name, replacement in (
            (opener, "open", timed_open),
            (BaseClient, "_make_api_call", counted_call),
            (LocalGateway, "handle_request", api_request),
            (DomainDispatcherApplication, "__call__", moto_request),
        ):
            self._undo.append((owner, name, getattr(owner, name)))
            setattr(owner, name, replacement)
        return self

    def uninstall(self) -> None:
        while self._undo:
            owner, name, original = self._undo.pop()
            setattr(owner, name, original)

    def _record(
        self,
        service: str,
        operation: str,
        params: dict[str, Any],
        answer: dict[str, Any],
        wall: float,
        cpu: float,
    ) -> None:
        current: Invocation | None = getattr(self._local, "current", None)
        if current is not None:
            source = current.function
            current.calls += 1
            current.ops[f"{service}.{operation}"] += 1
            current.aws_wall += wall
            current.aws_cpu += cpu
        elif threading.current_thread().name.startswith(_POLLER_THREADS):
            source = POLLER
        else:
            source = OBSERVER
        retries = (answer.get("ResponseMetadata") or {}).get("RetryAttempts", 0)
        queue_url = params.get("QueueUrl") if service == "sqs" else None
        keep = self.keep_payloads and service == "dynamodb"
        call = Call(
            service,
            operation,
            source,
            wall,
            cpu,
            1 + retries,
            queue=queue_url.rsplit("/", 1)[-1] if isinstance(queue_url, str) else None,
            items=sum(len(answer.get(key) or []) for key in _ITEMS),
            params=params if keep else None,
            response=answer if keep else None,
        )
        with self._lock:
            self.calls.append(call)


def _response_bytes(response: Any) -> int:
    """An API answer's bytes on the wire: body, headers, status line (approximately)."""
    if not isinstance(response, dict):
        return 0
    body = response.get("body") or b""
    size = len(body.encode() if isinstance(body, str) else body)
    headers = response.get("headers") or {}
    return size + sum(len(f"{k}: {v}\r\n") for k, v in headers.items()) + 17


def _request_bytes(request: Any = None, data: Any = None, *_: Any, **kwargs: Any) -> int:
    """A request's bytes sent (body, headers, request line), from `opener.open`'s arguments."""
    data = kwargs.get("data", data)
    if request is not None and not isinstance(request, str):
        data = data if data is not None else getattr(request, "data", None)
        headers = dict(getattr(request, "header_items", lambda: [])())
        url = getattr(request, "full_url", "")
    else:
        headers, url = {}, request or ""
    body = len(data) if isinstance(data, (bytes, bytearray, str)) else 0
    return body + sum(len(f"{k}: {v}\r\n") for k, v in headers.items()) + len(url) + 16


def _route(gateway: Any, path: str) -> str:
    try:
        return gateway.event_converter._route_matcher.match_route(path.split("?")[0]).route
    except Exception:  # an unknown path: chalice answers 403/404 itself
        return path


@contextlib.contextmanager
def observed_stack(prefix: str, recorder: Recorder | None = None) -> Iterator[tuple[Any, Recorder]]:
    """The embedded stack on free loopback ports, its calls and invocations recorded."""
    import logging

    # One INFO line per poll and per invocation would drown the figures.
    logging.getLogger("devstack").setLevel(logging.WARNING)
    recorder = recorder or Recorder()
    stack = LocalStack(port=0, moto_port=0, prefix=prefix)
    with stack:
        os.environ["POWERTOOLS_LOG_LEVEL"] = "INFO"  # the deployed stages' level
        recorder.watch(stack)
        recorder.install()
        try:
            yield stack, recorder
        finally:
            recorder.uninstall()


@contextlib.contextmanager
def clock_at(moment: datetime) -> Iterator[None]:
    """The app's clock (its container's) standing at `moment`."""
    deps = bootstrap.container()
    saved = deps.clock
    deps.clock = FixedClock(moment)
    try:
        yield
    finally:
        deps.clock = saved


@contextlib.contextmanager
def quiet(log_name: str) -> Iterator[Any]:
    """The stack's log lines (JSON on stdout, access lines on stderr) go to a file."""
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    with (
        (LOG_DIR / f"{log_name}.log").open("w", encoding="utf-8") as log,
        contextlib.redirect_stdout(log),
        contextlib.redirect_stderr(log),
    ):
        yield log
