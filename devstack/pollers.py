"""What Lambda's event source mappings and EventBridge do, done locally in threads.

For every `@app.on_sqs_message` a `QueuePoller` receives up to `batch_size` messages, builds
the real `aws:sqs` event, invokes the handler and then settles the batch as Lambda does with
`FunctionResponseTypes: [ReportBatchItemFailures]` (which `infra/` sets on every mapping):

- the handler raised: nothing is deleted; the whole batch returns after its visibility timeout;
- it returned `{"batchItemFailures": [{"itemIdentifier": <messageId>}, ...]}`: every other
  message is deleted, the listed ones return; an identifier that is empty or not in the batch
  fails the whole batch, as Lambda does;
- it returned anything else (None, an empty list of failures): every message is deleted.

Redelivery and dead-lettering are SQS's own: the queue's redrive policy moves a message to its
DLQ once it has been received `maxReceiveCount` times.

**Local-only speed-up**: a failed message would stay invisible for the queue's
`VisibilityTimeout` (180 s in `infra/`). Unless `retry_visibility_timeout` is None, the
pollers shorten it to that many seconds with `change_message_visibility`, so that retries and
the way to the DLQ take seconds instead of a quarter of an hour. Production never does this.

`Scheduler` runs `@app.schedule` handlers on their `rate(...)` or `cron(...)` expression, in
UTC as EventBridge evaluates them, with EventBridge's "Scheduled Event" shape.

`Pollers` ties them together: `start()`, `drain(timeout)` (deterministic tests: returns once
every source queue and stream is drained and no handler runs), `run_schedule(name)`, `stop()`.
`@app.on_dynamodb_record` sources are run by `stream_pollers.StreamPoller`.
"""

from __future__ import annotations

import contextlib
import logging
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import ModuleType
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import boto3
from chalice.app import (
    BaseEventSourceConfig,
    CloudWatchEventConfig,
    DynamoDBEventConfig,
    ScheduledEventConfig,
    ScheduleExpression,
    SQSEventConfig,
)

from chalicelib.adapters import aws
from devstack.lambda_events import (
    RECEIVE_ARGUMENTS,
    LambdaContext,
    rule_arn,
    scheduled_event,
    sqs_event,
)

if TYPE_CHECKING:
    from devstack.stream_pollers import StreamPoller

# Not "motcua.…": Chalice makes its app logger ("motcua") level ERROR and non-propagating.
log = logging.getLogger("devstack")

Handler = Callable[[dict[str, Any], Any], Any]

SQS_MAX_BATCH = 10  # one ReceiveMessage answers at most 10 messages


@dataclass(frozen=True)
class Invocation:
    """What one handler invocation did (kept for logs and tests)."""

    source: str
    records: int
    failed: frozenset[str] = frozenset()
    error: str | None = None
    millis: int = 0
    result: Any = field(default=None, compare=False)


class _Activity:
    """Counts running invocations and finished ones, so `drain` can tell when all is quiet."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.running = 0
        self.finished = 0

    @contextlib.contextmanager
    def invocation(self) -> Iterator[None]:
        with self._lock:
            self.running += 1
        try:
            yield
        finally:
            with self._lock:  # finished moves before running drops: see Pollers._quiet
                self.finished += 1
                self.running -= 1

    def snapshot(self) -> tuple[int, int]:
        with self._lock:
            return self.running, self.finished


def resolve_handler(
    app: Any, source: BaseEventSourceConfig, app_module: ModuleType | None = None
) -> Handler:
    """The callable Lambda would invoke: `<module>.<function>` of the handler string."""
    if app_module is not None:
        handler = getattr(app_module, source.handler_string.rpartition(".")[2], None)
        if handler is not None:
            return handler
    return app.handler_map[source.name]


class QueuePoller:
    """One `@app.on_sqs_message` source: receive, invoke, settle the batch."""

    def __init__(
        self,
        source: SQSEventConfig,
        handler: Handler,
        sqs_client: Any,
        *,
        queue_url: str,
        queue_arn: str,
        region: str,
        function_name: str,
        activity: _Activity | None = None,
        wait_time_seconds: int = 1,
        retry_visibility_timeout: int | None = 1,
        timeout_seconds: float = 60,
        keep: int = 200,
    ) -> None:
        self.source = source
        self.handler = handler
        self.sqs = sqs_client
        self.queue_url = queue_url
        self.queue_arn = queue_arn
        self.region = region
        self.function_name = function_name
        self.batch_size = max(1, min(source.batch_size, SQS_MAX_BATCH))
        self.wait_time_seconds = wait_time_seconds
        self.retry_visibility_timeout = retry_visibility_timeout
        self.timeout_seconds = timeout_seconds
        self.activity = activity or _Activity()
        self.invocations: deque[Invocation] = deque(maxlen=keep)

    @property
    def name(self) -> str:
        return self.source.name

    def poll_once(self, wait_time_seconds: int | None = None) -> int:
        """Receive one batch and process it; answer how many messages it held."""
        wait = self.wait_time_seconds if wait_time_seconds is None else wait_time_seconds
        messages = self.sqs.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=self.batch_size,
            WaitTimeSeconds=wait,
            **RECEIVE_ARGUMENTS,
        ).get("Messages", [])
        if messages:
            with self.activity.invocation():
                self.invocations.append(self._process(messages))
        return len(messages)

    def pending(self) -> int:
        """Messages in the queue, visible, in flight or delayed."""
        names = [
            "ApproximateNumberOfMessages",
            "ApproximateNumberOfMessagesNotVisible",
            "ApproximateNumberOfMessagesDelayed",
        ]
        attributes = self.sqs.get_queue_attributes(QueueUrl=self.queue_url, AttributeNames=names)
        return sum(int(attributes["Attributes"].get(name, 0)) for name in names)

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                self.poll_once()
            except Exception:  # keep polling, as the event source mapping does
                if stop.is_set():
                    return
                log.exception("poller %s: receive failed; retrying in 1 s", self.name)
                stop.wait(1)

    def _process(self, messages: Sequence[Mapping[str, Any]]) -> Invocation:
        event = sqs_event(messages, self.queue_arn, self.region)
        ids = [record["messageId"] for record in event["Records"]]
        run = run_handler(
            self.handler,
            event,
            ids,
            function_name=self.function_name,
            region=self.region,
            timeout_seconds=self.timeout_seconds,
            describe=f"sqs {self.source.queue or self.queue_arn} -> {self.source.handler_string}",
            on_raise="the whole batch returns",
        )
        result, error, failed, millis = run.result, run.error, run.failed, run.millis
        handles = {m["MessageId"]: m["ReceiptHandle"] for m in messages}
        self._delete([handles[i] for i in ids if i not in failed])
        self._shorten_visibility([handles[i] for i in ids if i in failed])
        if error is None:
            level = logging.WARNING if failed else logging.INFO
            log.log(
                level,
                "sqs %s -> %s: %d record(s), %d failed%s, %d ms",
                self.source.queue or self.queue_arn,
                self.source.handler_string,
                len(ids),
                len(failed),
                f" {sorted(failed)}" if failed else "",
                millis,
            )
        return Invocation(self.name, len(ids), frozenset(failed), error, millis, result)

    def _delete(self, receipt_handles: list[str]) -> None:
        for start in range(0, len(receipt_handles), SQS_MAX_BATCH):
            chunk = receipt_handles[start : start + SQS_MAX_BATCH]
            answer = self.sqs.delete_message_batch(
                QueueUrl=self.queue_url,
                Entries=[{"Id": str(n), "ReceiptHandle": h} for n, h in enumerate(chunk)],
            )
            for failure in answer.get("Failed", []):
                log.warning("poller %s: delete failed: %s", self.name, failure)

    def _shorten_visibility(self, receipt_handles: list[str]) -> None:
        if self.retry_visibility_timeout is None:
            return
        for start in range(0, len(receipt_handles), SQS_MAX_BATCH):
            chunk = receipt_handles[start : start + SQS_MAX_BATCH]
            self.sqs.change_message_visibility_batch(
                QueueUrl=self.queue_url,
                Entries=[
                    {
                        "Id": str(n),
                        "ReceiptHandle": handle,
                        "VisibilityTimeout": self.retry_visibility_timeout,
                    }
                    for n, handle in enumerate(chunk)
                ],
            )


@dataclass(frozen=True)
class HandlerRun:
    result: Any
    error: str | None
    failed: set[str]
    millis: int


def run_handler(
    handler: Handler,
    event: dict[str, Any],
    ids: Sequence[str],
    *,
    function_name: str,
    region: str,
    timeout_seconds: float,
    describe: str,
    on_raise: str,
) -> HandlerRun:
    """Invoke a handler as Lambda would, and read which records it reports failed: all of
    them when it raises."""
    context = LambdaContext(function_name, region=region, timeout_seconds=timeout_seconds)
    started = time.monotonic()
    try:
        result = handler(event, context)
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
        log.error(
            "%s: %d record(s), raised %s; %s", describe, len(ids), error, on_raise, exc_info=True
        )
        return HandlerRun(None, error, set(ids), int((time.monotonic() - started) * 1000))
    millis = int((time.monotonic() - started) * 1000)
    return HandlerRun(result, None, reported_failures(result, ids), millis)


def reported_failures(result: Any, ids: Sequence[str]) -> set[str]:
    """The message ids a handler's answer reports as failed, by Lambda's rules."""
    if not isinstance(result, Mapping) or result.get("batchItemFailures") is None:
        return set()
    items = result["batchItemFailures"]
    if not isinstance(items, list):
        return set(ids)
    failed: set[str] = set()
    for item in items:
        identifier = item.get("itemIdentifier") if isinstance(item, Mapping) else None
        if not identifier or identifier not in ids:
            return set(ids)  # Lambda fails the whole batch on a bad identifier
        failed.add(identifier)
    return failed


# --- schedules -------------------------------------------------------------------------------

_RATE = re.compile(r"^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$")
_CRON = re.compile(r"^cron\((.+)\)$")
_MONTHS = {
    name: n
    for n, name in enumerate(
        ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"], 1
    )
}
_DAYS = {"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}
_CRON_FIELDS = (  # name, lowest, highest, names
    ("minutes", 0, 59, {}),
    ("hours", 0, 23, {}),
    ("day-of-month", 1, 31, {}),
    ("month", 1, 12, _MONTHS),
    ("day-of-week", 1, 7, _DAYS),
    ("year", 1970, 2199, {}),
)


class Schedule:
    """A parsed EventBridge schedule expression."""

    expression: str

    def next_after(self, moment: datetime) -> datetime:
        raise NotImplementedError


class RateSchedule(Schedule):
    def __init__(self, expression: str, period: timedelta) -> None:
        self.expression = expression
        self.period = period

    def next_after(self, moment: datetime) -> datetime:
        return moment + self.period


class CronSchedule(Schedule):
    """`cron(minutes hours day-of-month month day-of-week year)`, evaluated in UTC.

    Supported in each field: `*`, `?` (day fields), numbers, names (JAN–DEC, SUN–SAT), lists
    `a,b`, ranges `a-b` and steps `*/n`, `a/n`, `a-b/n`. Not supported: `L`, `W`, `#`.
    """

    def __init__(self, expression: str, fields: list[set[int] | None]) -> None:
        self.expression = expression
        self.minutes, self.hours, self.days, self.months, self.weekdays, self.years = fields

    def matches_day(self, day: datetime) -> bool:
        weekday = (day.weekday() + 1) % 7 + 1  # EventBridge: SUN=1 … SAT=7
        return (
            (self.years is None or day.year in self.years)
            and (self.months is None or day.month in self.months)
            and (self.days is None or day.day in self.days)
            and (self.weekdays is None or weekday in self.weekdays)
        )

    def next_after(self, moment: datetime) -> datetime:
        candidate = moment.astimezone(UTC).replace(second=0, microsecond=0) + timedelta(minutes=1)
        limit = candidate + timedelta(days=366 * 5)
        while candidate < limit:
            if not self.matches_day(candidate):
                candidate = (candidate + timedelta(days=1)).replace(hour=0, minute=0)
            elif self.hours is not None and candidate.hour not in self.hours:
                candidate = (candidate + timedelta(hours=1)).replace(minute=0)
            elif self.minutes is not None and candidate.minute not in self.minutes:
                candidate += timedelta(minutes=1)
            else:
                return candidate
        raise ValueError(f"{self.expression} never fires")


def parse_schedule(expression: str | ScheduleExpression) -> Schedule:
    text = expression if isinstance(expression, str) else expression.to_string()
    text = text.strip()
    rate = _RATE.match(text)
    if rate:
        value, unit = int(rate.group(1)), rate.group(2).rstrip("s")
        if value < 1:
            raise ValueError(f"{text}: the rate must be at least 1")
        return RateSchedule(text, timedelta(**{f"{unit}s": value}))
    cron = _CRON.match(text)
    if cron:
        parts = cron.group(1).split()
        if len(parts) != 6:
            raise ValueError(f"{text}: cron needs 6 fields (minutes hours dom month dow year)")
        pairs = zip(parts, _CRON_FIELDS, strict=True)
        fields = [_cron_field(part, spec, text) for part, spec in pairs]
        if (parts[2] == "?") == (parts[4] == "?"):
            raise ValueError(f"{text}: exactly one of day-of-month and day-of-week must be ?")
        return CronSchedule(text, fields)
    raise ValueError(f"unsupported schedule expression {text!r}")


def _cron_field(
    text: str, spec: tuple[str, int, int, Mapping[str, int]], expression: str
) -> set[int] | None:
    name, low, high, names = spec
    if text in ("*", "?"):
        return None
    values: set[int] = set()
    for part in text.upper().split(","):
        base, _, step_text = part.partition("/")
        step = int(step_text) if step_text else 1
        if base == "*":
            first, last = low, high
        elif "-" in base:
            first_text, last_text = base.split("-", 1)
            first, last = _cron_value(first_text, names), _cron_value(last_text, names)
        else:
            first = _cron_value(base, names)
            last = high if step_text else first
        if not (low <= first <= high and low <= last <= high) or first > last or step < 1:
            raise ValueError(f"{expression}: bad {name} field {text!r}")
        values.update(range(first, last + 1, step))
    return values


def _cron_value(text: str, names: Mapping[str, int]) -> int:
    if text in names:
        return names[text]
    if not text.isdigit():
        raise ValueError(f"unsupported cron value {text!r} (L, W and # are not emulated)")
    return int(text)


@dataclass
class ScheduledHandler:
    source: ScheduledEventConfig
    handler: Handler
    schedule: Schedule
    rule_arn: str
    function_name: str
    next_at: datetime | None = None


class Scheduler:
    """Invokes scheduled handlers when their expression fires (UTC), one at a time."""

    def __init__(
        self,
        handlers: Sequence[ScheduledHandler],
        *,
        region: str,
        activity: _Activity | None = None,
        timeout_seconds: float = 60,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.handlers = {h.source.name: h for h in handlers}
        self.region = region
        self.activity = activity or _Activity()
        self.timeout_seconds = timeout_seconds
        self.clock = clock
        self.invocations: deque[Invocation] = deque(maxlen=200)
        self._lock = threading.Lock()  # one scheduled invocation at a time

    def run_schedule(self, name: str, now: datetime | None = None) -> Any:
        """Invoke schedule `name` now (or as if at `now`); answer what the handler returned."""
        try:
            scheduled = self.handlers[name]
        except KeyError:
            raise KeyError(f"no schedule {name!r}; known: {sorted(self.handlers)}") from None
        at = now or self.clock()
        event = scheduled_event(scheduled.rule_arn, at, region=self.region)
        context = LambdaContext(
            scheduled.function_name, region=self.region, timeout_seconds=self.timeout_seconds
        )
        started = time.monotonic()
        with self._lock, self.activity.invocation():
            try:
                result = scheduled.handler(event, context)
            except Exception as exc:
                millis = int((time.monotonic() - started) * 1000)
                self.invocations.append(Invocation(name, 1, error=repr(exc), millis=millis))
                log.error(
                    "schedule %s (%s) -> %s: raised %s: %s, %d ms",
                    name,
                    scheduled.schedule.expression,
                    scheduled.source.handler_string,
                    type(exc).__name__,
                    exc,
                    millis,
                    exc_info=True,
                )
                raise
        millis = int((time.monotonic() - started) * 1000)
        self.invocations.append(Invocation(name, 1, millis=millis, result=result))
        log.info(
            "schedule %s (%s) -> %s: ok at %s, %d ms",
            name,
            scheduled.schedule.expression,
            scheduled.source.handler_string,
            event["time"],
            millis,
        )
        return result

    def run(self, stop: threading.Event) -> None:
        start = self.clock()
        for scheduled in self.handlers.values():
            scheduled.next_at = scheduled.schedule.next_after(start)
        while not stop.is_set():
            now = self.clock()
            for name, scheduled in self.handlers.items():
                assert scheduled.next_at is not None
                if scheduled.next_at <= now:
                    # A missed slot (the machine slept) fires once, like a late timer.
                    with contextlib.suppress(Exception):  # logged by run_schedule
                        self.run_schedule(name, scheduled.next_at)
                    scheduled.next_at = scheduled.schedule.next_after(max(now, scheduled.next_at))
            upcoming = min((s.next_at for s in self.handlers.values() if s.next_at), default=None)
            wait = 30.0 if upcoming is None else (upcoming - self.clock()).total_seconds()
            stop.wait(min(max(wait, 0.05), 30.0))


# --- all together ----------------------------------------------------------------------------


class Pollers:
    """Every event source of a Chalice app, run locally.

    `queue_prefix` is put in front of each `@app.on_sqs_message(queue=...)` name, matching
    `create_resources(prefix=...)`. `retry_visibility_timeout` is the local-only speed-up
    described in this module's docstring (None keeps SQS's own visibility timeout).

    Each `@app.on_dynamodb_record` source gets a `StreamPoller` (in `streams`), reading the
    stream of `stream_table` (default `$MOTCUA_TABLE`) unless its ARN names an existing
    stream. `dynamodb_client` and `streams_client` default to clients with `sqs_client`'s
    region and endpoint. `stream_max_retries` and
    `stream_retry_delay` are the pollers' retry policy (see `stream_pollers`).
    """

    def __init__(
        self,
        app: Any,
        sqs_client: Any,
        *,
        app_module: ModuleType | None = None,
        region: str = "ap-southeast-1",
        stage: str = "dev",
        queue_prefix: str = "",
        wait_time_seconds: int = 1,
        retry_visibility_timeout: int | None = 1,
        timeout_seconds: float = 60,
        dynamodb_client: Any = None,
        streams_client: Any = None,
        stream_table: str | None = None,
        stream_max_retries: int = 5,
        stream_retry_delay: float = 0.5,
    ) -> None:
        self.app = app
        self.sqs = sqs_client
        self.region = region
        self.activity = _Activity()
        self.queues: list[QueuePoller] = []
        self.streams: list[StreamPoller] = []
        schedules: list[ScheduledHandler] = []
        for source in app.event_sources:
            function_name = f"{app.app_name}-{stage}-{source.name}"
            if isinstance(source, SQSEventConfig):
                url, arn = self._queue(source, queue_prefix)
                self.queues.append(
                    QueuePoller(
                        source,
                        resolve_handler(app, source, app_module),
                        sqs_client,
                        queue_url=url,
                        queue_arn=arn,
                        region=region,
                        function_name=function_name,
                        activity=self.activity,
                        wait_time_seconds=wait_time_seconds,
                        retry_visibility_timeout=retry_visibility_timeout,
                        timeout_seconds=timeout_seconds,
                    )
                )
            elif isinstance(source, ScheduledEventConfig):
                schedules.append(
                    ScheduledHandler(
                        source,
                        resolve_handler(app, source, app_module),
                        parse_schedule(source.schedule_expression),
                        rule_arn(region, function_name),
                        function_name,
                    )
                )
            elif isinstance(source, DynamoDBEventConfig):
                from devstack.stream_pollers import StreamPoller  # imports this module

                dynamodb_client = dynamodb_client or _sibling_client(sqs_client, "dynamodb")
                streams_client = streams_client or _sibling_client(sqs_client, "dynamodbstreams")
                self.streams.append(
                    StreamPoller(
                        source,
                        resolve_handler(app, source, app_module),
                        streams_client,
                        dynamodb_client=dynamodb_client,
                        table_name=stream_table,
                        region=region,
                        function_name=function_name,
                        activity=self.activity,
                        max_retries=stream_max_retries,
                        retry_delay=stream_retry_delay,
                        timeout_seconds=timeout_seconds,
                        filters=getattr(app_module, "EVENT_FILTERS", {}).get(source.name, ()),
                    )
                )
            elif isinstance(source, CloudWatchEventConfig):
                log.warning(
                    "%s: event-pattern rules (on_cw_event) are not emulated locally",
                    source.handler_string,
                )
            else:
                log.warning(
                    "%s: %s sources are not emulated locally",
                    source.handler_string,
                    type(source).__name__,
                )
        self.scheduler = Scheduler(
            schedules, region=region, activity=self.activity, timeout_seconds=timeout_seconds
        )
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def _queue(self, source: SQSEventConfig, prefix: str) -> tuple[str, str]:
        name = prefix + (source.queue or (source.queue_arn or "").rsplit(":", 1)[-1])
        try:
            url = self.sqs.get_queue_url(QueueName=name)["QueueUrl"]
        except self.sqs.exceptions.QueueDoesNotExist:
            raise LookupError(
                f"{source.handler_string} listens to queue {name!r}, which does not exist "
                "(is it in infra/resources.json?)"
            ) from None
        arn = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
        return url, arn["Attributes"]["QueueArn"]

    @property
    def running(self) -> bool:
        return bool(self._threads)

    def start(self) -> Pollers:
        if self._threads:
            return self
        self._stop.clear()
        workers: list[tuple[str, Callable[[threading.Event], None]]] = [
            (f"sqs:{poller.name}", poller.run) for poller in self.queues
        ]
        workers += [(f"dynamodb:{poller.name}", poller.run) for poller in self.streams]
        if self.scheduler.handlers:
            workers.append(("scheduler", self.scheduler.run))
        for name, target in workers:
            thread = threading.Thread(target=target, args=(self._stop,), name=name, daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self, timeout: float = 10) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout)
        self._threads = []

    def __enter__(self) -> Pollers:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def run_schedule(self, name: str, now: datetime | None = None) -> Any:
        return self.scheduler.run_schedule(name, now)

    def drain(self, timeout: float = 30) -> None:
        """Return once every source queue is empty, every stream is read to its end and no
        handler is running, twice in a row (a stream record typically becomes an SQS message,
        and a queue's handler typically writes to the table).

        With the threads started it waits for them; otherwise it polls here. Messages and
        stream records whose retry is pending count as not drained: they are waited for, until
        they succeed, the redrive policy moves them to the DLQ, or the stream poller gives up
        on them. Raises TimeoutError after `timeout` s.
        """
        deadline = time.monotonic() + timeout
        quiet = 0  # checks in a row that found everything quiet
        while True:
            quiet = quiet + 1 if self._quiet() else 0
            if quiet == 2:
                return
            if time.monotonic() > deadline:
                state: dict[str, object] = {p.name: p.pending() for p in self.queues}
                state.update({f"stream {p.name}": p.pending() for p in self.streams})
                raise TimeoutError(f"not drained after {timeout} s: left {state}")
            if self.running:
                time.sleep(0.05)
            elif not (
                sum(poller.poll_once(wait_time_seconds=0) for poller in self.queues)
                + sum(poller.poll_once() for poller in self.streams)
            ):
                time.sleep(0.05)  # only invisible messages or retries left: wait for them

    def _quiet(self) -> bool:
        # A handler may send to a queue already checked; it is running meanwhile, or it has
        # finished and moved `finished` on: both are seen by the second snapshot.
        running, finished = self.activity.snapshot()
        if (
            running
            or any(poller.pending() for poller in self.queues)
            or any(poller.pending() for poller in self.streams)
        ):
            return False
        return self.activity.snapshot() == (0, finished)


def _sibling_client(client: Any, service: str) -> Any:
    """A client of `service` in `client`'s region, at its endpoint unless that is AWS's own."""
    endpoint: str | None = client.meta.endpoint_url
    host = urlsplit(endpoint or "").hostname or ""
    if host.endswith((".amazonaws.com", ".amazonaws.com.cn")):
        endpoint = None
    # Locally (moto) with moto's throwaway credentials; in AWS with the SDK's own.
    credentials = aws.LOCAL_CREDENTIALS if endpoint else {}
    session = boto3.session.Session(region_name=client.meta.region_name, **credentials)
    return session.client(service, endpoint_url=endpoint)
