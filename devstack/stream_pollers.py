"""What Lambda's DynamoDB Streams event source mapping does, done locally in a thread.

For every `@app.on_dynamodb_record(stream_arn=...)` a `StreamPoller` reads each shard of the
stream in order, hands up to `batch_size` records to the handler in the real `aws:dynamodb`
event, and keeps a checkpoint per shard, as Lambda does with
`FunctionResponseTypes: [ReportBatchItemFailures]`:

- the handler raised: the checkpoint stays; the same batch is retried after `retry_delay`
  seconds. The shard waits: nothing after the batch is handed meanwhile, nothing is skipped;
- it returned `{"batchItemFailures": [{"itemIdentifier": <SequenceNumber>}, ...]}`: the
  checkpoint moves to just before the lowest listed sequence number and reading resumes there
  (an `AT_SEQUENCE_NUMBER` iterator), so that record and every later one come again. An
  identifier that is empty or not in the batch fails the whole batch, as Lambda does;
- it returned anything else (None, an empty list of failures): the checkpoint moves past the
  batch.

A batch that keeps failing is retried `max_retries` times, then logged at ERROR and skipped:
that is what a mapping with `MaximumRetryAttempts` does, sending the batch's description to its
on-failure destination (`DestinationConfig.OnFailure`). Lambda's own default is -1: retry until
the records expire from the stream (24 h), the shard blocked all along.

**Which stream**: the ARN in the decorator cannot be known before deployment, so locally it is
a placeholder. Unless it names a stream that exists, the poller reads the stream of the table
named by `MOTCUA_TABLE` (`describe_table` → `LatestStreamArn`); see `resolve_stream_arn`.

**Where it starts**: at `TRIM_HORIZON`, whatever the decorator's `starting_position` says. The
local table is as new as the stack, so that is "every change since the stack started"; `LATEST`
would lose what is written before the first poll. `maximum_batching_window_in_seconds` is not
emulated: a batch is whatever `GetRecords` answers, at most `batch_size` (capped at 1000, the
most one `GetRecords` answers).

moto's streams (server mode included) have one shard per table that never closes, and keep
every shard iterator they hand out for the life of the server (a few hundred bytes each): the
idle poller backs off to `poll_interval` and reuses `NextShardIterator` to keep that small.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from chalice.app import DynamoDBEventConfig

from devstack.event_filters import matches_any
from devstack.lambda_events import dynamodb_stream_event
from devstack.pollers import Handler, Invocation, _Activity, run_handler

log = logging.getLogger("devstack")

TABLE_ENV = "MOTCUA_TABLE"
GET_RECORDS_MAX = 1000  # one GetRecords answers at most 1000 records
IDLE_WAIT = 0.05  # first pause of an idle poller; doubled up to poll_interval


@dataclass
class ShardState:
    """One shard's checkpoint: where the next batch starts, and how its retries go."""

    shard_id: str
    parent_shard_id: str | None = None
    iterator_type: str = "TRIM_HORIZON"  # or AT_SEQUENCE_NUMBER / AFTER_SEQUENCE_NUMBER
    sequence_number: str | None = None
    iterator: str | None = None  # the last NextShardIterator, pointing at the checkpoint
    closed: bool = False  # read to its end: GetRecords answered no NextShardIterator
    failed_at: str | None = None  # lowest failed sequence number of the last failed batch
    failures: int = 0  # failed invocations in a row starting at `failed_at`
    retry_at: float = 0.0  # time.monotonic() before which the shard waits

    def iterator_arguments(self) -> dict[str, str]:
        arguments = {"ShardId": self.shard_id, "ShardIteratorType": self.iterator_type}
        if self.sequence_number is not None:
            arguments["SequenceNumber"] = self.sequence_number
        return arguments


def resolve_stream_arn(
    configured: str | None,
    dynamodb_client: Any,
    streams_client: Any,
    table_name: str | None = None,
) -> str:
    """The stream a `@app.on_dynamodb_record` source reads locally.

    `configured` itself if a stream with exactly that ARN exists; otherwise the latest stream of
    `table_name` (default: the table named by `MOTCUA_TABLE`). LookupError if there is none.
    """
    if configured and _stream_exists(streams_client, configured):
        return configured
    table = table_name or os.environ.get(TABLE_ENV)
    if not table:
        raise LookupError(
            f"stream {configured!r} does not exist and {TABLE_ENV} names no table to read "
            "the stream of"
        )
    try:
        description = dynamodb_client.describe_table(TableName=table)["Table"]
    except dynamodb_client.exceptions.ResourceNotFoundException:
        raise LookupError(
            f"stream {configured!r} does not exist, nor does table {table!r} "
            "(is it in infra/resources.json?)"
        ) from None
    arn = description.get("LatestStreamArn")
    enabled = description.get("StreamSpecification", {}).get("StreamEnabled", bool(arn))
    if not arn or not enabled:
        raise LookupError(
            f"table {table!r} has no stream enabled (StreamSpecification in infra/resources.json?)"
        )
    return arn


def _stream_exists(streams_client: Any, arn: str) -> bool:
    # Compare the whole ARN: moto's DescribeStream only reads the table name out of it.
    parts = arn.split(":", 5)
    resource = parts[5].split("/") if len(parts) == 6 else []
    if len(resource) != 4 or resource[0] != "table" or resource[2] != "stream":
        return False
    arguments: dict[str, Any] = {"TableName": resource[1]}
    try:
        while True:
            answer = streams_client.list_streams(**arguments)
            if any(stream["StreamArn"] == arn for stream in answer.get("Streams", [])):
                return True
            if not answer.get("LastEvaluatedStreamArn"):
                return False
            arguments["ExclusiveStartStreamArn"] = answer["LastEvaluatedStreamArn"]
    except (ClientError, BotoCoreError):  # an impossible table name, another region, …
        return False


class StreamPoller:
    """One `@app.on_dynamodb_record` source: read each shard, invoke, move its checkpoint.

    `stream_arn` is the stream to read; without it, `resolve_stream_arn` finds it with
    `dynamodb_client` (and `table_name`, default `$MOTCUA_TABLE`). Thread-safe: `poll_once`
    and `pending` take turns, so `pending` never sees a batch half handled.
    """

    def __init__(
        self,
        source: DynamoDBEventConfig,
        handler: Handler,
        streams_client: Any,
        *,
        region: str,
        function_name: str,
        stream_arn: str | None = None,
        dynamodb_client: Any = None,
        table_name: str | None = None,
        activity: _Activity | None = None,
        max_retries: int = 5,
        retry_delay: float = 0.5,
        poll_interval: float = 0.5,
        shard_refresh_seconds: float = 5.0,
        timeout_seconds: float = 60,
        keep: int = 200,
        filters: Sequence[Mapping[str, Any]] = (),
    ) -> None:
        if stream_arn is None:
            if dynamodb_client is None:
                raise TypeError("StreamPoller needs stream_arn or a dynamodb_client to find it")
            stream_arn = resolve_stream_arn(
                source.stream_arn, dynamodb_client, streams_client, table_name
            )
        self.source = source
        self.filters = list(filters)  # Lambda event filtering: records matching none are skipped
        self.handler = handler
        self.streams = streams_client
        self.stream_arn = stream_arn
        self.region = region
        self.function_name = function_name
        self.batch_size = max(1, min(source.batch_size, GET_RECORDS_MAX))
        self.max_retries = max_retries
        self.retry_delay = retry_delay
        self.poll_interval = poll_interval
        self.shard_refresh_seconds = shard_refresh_seconds
        self.timeout_seconds = timeout_seconds
        self.activity = activity or _Activity()
        self.invocations: deque[Invocation] = deque(maxlen=keep)
        self.shards: dict[str, ShardState] = {}
        self._refresh_at = 0.0
        self._lock = threading.RLock()

    @property
    def name(self) -> str:
        return self.source.name

    # --- reading -----------------------------------------------------------------------------

    def poll_once(self) -> int:
        """Hand one batch of every shard that is due to the handler; answer how many records."""
        with self._lock:
            self._refresh_shards()
            now = time.monotonic()
            return sum(self._poll_shard(shard) for shard in self._due_shards(now))

    def pending(self) -> bool:
        """Whether a shard holds records after its checkpoint (read afresh from it)."""
        with self._lock:
            self._refresh_shards(force=True)
            for shard in self.shards.values():
                if shard.closed:
                    continue
                answer = self.streams.get_records(ShardIterator=self._new_iterator(shard), Limit=1)
                if answer.get("Records"):
                    return True
            return False

    def run(self, stop: threading.Event) -> None:
        idle = IDLE_WAIT
        while not stop.is_set():
            try:
                handed = self.poll_once()
            except Exception:  # keep polling, as the event source mapping does
                if stop.is_set():
                    return
                log.exception("stream poller %s: reading failed; retrying in 1 s", self.name)
                stop.wait(1)
                continue
            if handed:
                idle = IDLE_WAIT
            else:
                stop.wait(idle)
                idle = min(idle * 2, max(self.poll_interval, IDLE_WAIT))

    def _refresh_shards(self, *, force: bool = False) -> None:
        if not force and time.monotonic() < self._refresh_at:
            return
        listed: list[Mapping[str, Any]] = []
        arguments: dict[str, Any] = {"StreamArn": self.stream_arn}
        while True:
            description = self.streams.describe_stream(**arguments)["StreamDescription"]
            listed.extend(description.get("Shards", []))
            if not description.get("LastEvaluatedShardId"):
                break
            arguments["ExclusiveStartShardId"] = description["LastEvaluatedShardId"]
        ids = {shard["ShardId"] for shard in listed}
        for shard_id in [known for known in self.shards if known not in ids]:
            del self.shards[shard_id]  # trimmed from the stream (24 h after it closed)
        for shard in listed:
            if shard["ShardId"] not in self.shards:
                # New shards (splits, or a stream enabled again) are read from their start.
                self.shards[shard["ShardId"]] = ShardState(
                    shard["ShardId"], shard.get("ParentShardId")
                )
        self._refresh_at = time.monotonic() + self.shard_refresh_seconds

    def _due_shards(self, now: float) -> list[ShardState]:
        # A child shard waits until its parent is read to the end: a key's changes stay in order.
        due = []
        for shard in self.shards.values():
            parent = self.shards.get(shard.parent_shard_id or "")
            if not shard.closed and shard.retry_at <= now and (parent is None or parent.closed):
                due.append(shard)
        return due

    def _new_iterator(self, shard: ShardState) -> str:
        return self.streams.get_shard_iterator(
            StreamArn=self.stream_arn, **shard.iterator_arguments()
        )["ShardIterator"]

    def _poll_shard(self, shard: ShardState) -> int:
        iterator = shard.iterator or self._new_iterator(shard)
        try:
            answer = self.streams.get_records(ShardIterator=iterator, Limit=self.batch_size)
        except Exception:
            shard.iterator = None  # expired or unknown: start again from the checkpoint
            raise
        records = answer.get("Records", [])
        next_iterator = answer.get("NextShardIterator")
        if not records:
            shard.iterator = next_iterator
            if next_iterator is None:
                self._close(shard)
            return 0
        last = records[-1]["dynamodb"]["SequenceNumber"]
        if self.filters:
            records = [r for r in records if matches_any(self.filters, r)]
            if not records:  # as in AWS: nothing invoked, the checkpoint moves on
                self._advance(shard, last, next_iterator)
                return 0
        with self.activity.invocation():
            self.invocations.append(self._process(shard, records, next_iterator, last))
        return len(records)

    # --- one batch ---------------------------------------------------------------------------

    def _process(
        self,
        shard: ShardState,
        records: Sequence[Mapping[str, Any]],
        next_iterator: str | None,
        last: str,
    ) -> Invocation:
        event = dynamodb_stream_event(records, self.stream_arn, self.region)
        sequence_numbers = [record["dynamodb"]["SequenceNumber"] for record in event["Records"]]
        run = run_handler(
            self.handler,
            event,
            sequence_numbers,
            function_name=self.function_name,
            region=self.region,
            timeout_seconds=self.timeout_seconds,
            describe=f"dynamodb stream {self.stream_arn} -> {self.source.handler_string} "
            f"from {sequence_numbers[0]}",
            on_raise="the batch is retried",
        )
        result, error, failed, millis = run.result, run.error, run.failed, run.millis
        if not failed:
            self._advance(shard, last, next_iterator)
            log.info(
                "dynamodb stream %s -> %s: %d record(s), ok, %d ms",
                self.stream_arn,
                self.source.handler_string,
                len(sequence_numbers),
                millis,
            )
        else:
            self._failed(shard, min(failed, key=int), sequence_numbers, next_iterator, error)
        count = len(sequence_numbers)
        return Invocation(self.name, count, frozenset(failed), error, millis, result)

    def _failed(
        self,
        shard: ShardState,
        first_failed: str,
        sequence_numbers: Sequence[str],
        next_iterator: str | None,
        error: str | None,
    ) -> None:
        if shard.failed_at == first_failed:
            shard.failures += 1
        else:
            shard.failed_at, shard.failures = first_failed, 1
        if shard.failures > self.max_retries:
            # Lambda, its MaximumRetryAttempts spent, sends the batch's description (shard,
            # first and last sequence numbers) to the mapping's on-failure destination and goes
            # on past the batch. Here there is no destination: the log line is all there is.
            log.error(
                "dynamodb stream %s -> %s: GIVING UP on records %s..%s of shard %s after %d "
                "failed attempts; they are skipped (Lambda would send the batch to the "
                "mapping's on-failure destination)",
                self.stream_arn,
                self.source.handler_string,
                first_failed,
                sequence_numbers[-1],
                shard.shard_id,
                shard.failures,
            )
            self._advance(shard, sequence_numbers[-1], next_iterator)
            return
        shard.iterator_type, shard.sequence_number = "AT_SEQUENCE_NUMBER", first_failed
        shard.iterator = None
        shard.retry_at = time.monotonic() + self.retry_delay
        if error is None:
            log.warning(
                "dynamodb stream %s -> %s: %d record(s), failed from %s (attempt %d of %d); "
                "retrying from there",
                self.stream_arn,
                self.source.handler_string,
                len(sequence_numbers),
                first_failed,
                shard.failures,
                self.max_retries + 1,
            )

    def _advance(self, shard: ShardState, last: str, next_iterator: str | None) -> None:
        shard.iterator_type, shard.sequence_number = "AFTER_SEQUENCE_NUMBER", last
        shard.iterator = next_iterator
        shard.failed_at, shard.failures, shard.retry_at = None, 0, 0.0
        if next_iterator is None:
            self._close(shard)

    def _close(self, shard: ShardState) -> None:
        shard.closed = True
        self._refresh_at = 0.0  # look for its children now
