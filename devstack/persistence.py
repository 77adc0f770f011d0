"""Keeping the local stack's data across restarts: moto holds everything in memory, so the
stack saves what matters into a directory (on stop, and every few seconds while it runs, so
that a kill -9 loses little) and puts it back at the next start.

Kept: every item of the stack's tables, the latest version of every object of its buckets, and
the messages waiting (or in flight) in its queues, with their message attributes.
Not kept, and said at start (`NOT_KEPT`): SSM parameters (the stack writes them again at each
start), older versions of objects, messages' receive counts, what SNS/SES took (the outbox file
keeps that), the fake portal's, fake ZNS server's and fake PayGov's own records.

Layout of the directory (replaced whole at each save: a crash mid-save keeps the one before):
    manifest.json               saved_at, counts
    tables/<table>.jsonl        one item a line, DynamoDB's JSON (bytes as {"__b64__": …})
    queues/<queue>.jsonl        one message a line: body, attributes, FIFO group and dedup ids
    buckets/<bucket>/index.jsonl  key, content type, metadata, file
    buckets/<bucket>/<n>.bin    the object's bytes

Restoring writes no stream records: the stack's stream handlers (the outbox relay among them)
already ran for those items before the save, and must not send their notices again.
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import shutil
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from devstack.resources import BUCKET, QUEUE, TABLE, load_template

log = logging.getLogger(__name__)

NOT_KEPT = (
    "SSM parameters (written again at each start), older versions of files, messages' "
    "receive counts, the fake portal's, the fake ZNS server's and the fake PayGov's own records"
)
_BATCH_WRITE = 25  # BatchWriteItem's most
_SEND_BATCH = 10  # SendMessageBatch's most


@dataclass(frozen=True)
class Names:
    """The stack's resources by kind: the template's name (what the save is filed under, so a
    stack with another prefix can take it) → the name as created (with the stack's prefix)."""

    tables: Mapping[str, str]
    queues: Mapping[str, str]
    buckets: Mapping[str, str]

    @classmethod
    def of_template(cls, prefix: str = "") -> Names:
        kinds: dict[str, dict[str, str]] = {TABLE: {}, QUEUE: {}, BUCKET: {}}
        keys = {TABLE: "TableName", QUEUE: "QueueName", BUCKET: "BucketName"}
        for resource in load_template()["Resources"].values():
            kind = resource["Type"]
            if kind in kinds:
                name = resource["Properties"][keys[kind]]
                kinds[kind][name] = prefix + name
        return cls(kinds[TABLE], kinds[QUEUE], kinds[BUCKET])


@dataclass
class Counts:
    items: int = 0
    messages: int = 0
    files: int = 0
    saved_at: str = ""
    skipped: list[str] = field(default_factory=list)

    def describe(self) -> str:
        return f"{self.items} item(s), {self.files} file(s), {self.messages} waiting message(s)"


# --- bytes in JSON -------------------------------------------------------------------------------


def _encode(value: Any) -> Any:
    if isinstance(value, bytes | bytearray):
        return {"__b64__": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, dict):
        return {key: _encode(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set):
        return [_encode(item) for item in value]
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"__b64__"}:
            return base64.b64decode(value["__b64__"])
        return {key: _decode(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_decode(item) for item in value]
    return value


def _write_lines(path: Path, rows: Iterator[Mapping[str, Any]]) -> int:
    count = 0
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(_encode(row), ensure_ascii=False) + "\n")
            count += 1
    return count


def _read_lines(path: Path) -> Iterator[dict[str, Any]]:
    if not path.exists():
        return
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                yield _decode(json.loads(line))


# --- moto's own state (in this process: ThreadedMotoServer shares moto's backends) ---------------


def _moto_queue(name: str, region: str) -> Any:
    from moto.backends import get_backend
    from moto.core import DEFAULT_ACCOUNT_ID

    return get_backend("sqs")[DEFAULT_ACCOUNT_ID][region].queues.get(name)


@contextlib.contextmanager
def _without_stream_records(table_name: str, region: str) -> Iterator[None]:
    """Writes to the table add no stream record meanwhile (moto's table keeps its shard in
    `stream_shard`; DynamoDB has no API to write without one)."""
    from moto.backends import get_backend
    from moto.core import DEFAULT_ACCOUNT_ID

    table = get_backend("dynamodb")[DEFAULT_ACCOUNT_ID][region].get_table(table_name)
    shard, table.stream_shard = table.stream_shard, None
    try:
        yield
    finally:
        table.stream_shard = shard


# --- save ----------------------------------------------------------------------------------------


class Keeper:
    """Saves into and restores from `directory` the data of the stack whose moto `client`
    (a callable: service → boto3 client) reaches, for the resources in `names`."""

    def __init__(
        self,
        directory: Path,
        client: Callable[[str], Any],
        names: Names,
        region: str,
    ) -> None:
        self.directory = Path(directory)
        self.client = client
        self.names = names
        self.region = region
        self._save_lock = threading.Lock()

    @property
    def saved(self) -> bool:
        return (self.directory / "manifest.json").exists()

    def save(self) -> Counts:
        with self._save_lock:
            staging = self.directory.with_name(self.directory.name + ".saving")
            shutil.rmtree(staging, ignore_errors=True)
            counts = Counts(saved_at=datetime.now(UTC).isoformat(timespec="seconds"))
            for base, table in self.names.tables.items():
                counts.items += _write_lines(
                    staging / "tables" / f"{base}.jsonl", self._items(table)
                )
            for base, queue in self.names.queues.items():
                counts.messages += _write_lines(
                    staging / "queues" / f"{base}.jsonl", self._messages(queue)
                )
            for base, bucket in self.names.buckets.items():
                counts.files += self._save_bucket(bucket, staging / "buckets" / base)
            manifest = {"saved_at": counts.saved_at, "items": counts.items,
                        "messages": counts.messages, "files": counts.files}  # fmt: skip
            (staging / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
            previous = self.directory.with_name(self.directory.name + ".previous")
            shutil.rmtree(previous, ignore_errors=True)
            if self.directory.exists():
                self.directory.rename(previous)
            staging.rename(self.directory)
            shutil.rmtree(previous, ignore_errors=True)
            return counts

    def _items(self, table: str) -> Iterator[dict[str, Any]]:
        paginator = self.client("dynamodb").get_paginator("scan")
        for page in paginator.paginate(TableName=table, ConsistentRead=True):
            yield from page.get("Items", [])

    def _messages(self, queue: str) -> Iterator[dict[str, Any]]:
        found = _moto_queue(queue, self.region)
        if found is None:
            return
        for message in list(found._messages):
            attributes = {
                name: {"DataType": value["DataType"], "StringValue": value["StringValue"]}
                for name, value in message.message_attributes.items()
                if value.get("StringValue") is not None
            }
            yield {
                "body": message.body,
                "attributes": attributes,
                "group_id": message.group_id,
                "dedup_id": message.deduplication_id,
            }

    def _save_bucket(self, bucket: str, into: Path) -> int:
        s3 = self.client("s3")
        into.mkdir(parents=True, exist_ok=True)
        index: list[dict[str, Any]] = []
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            for listed in page.get("Contents", []):
                got = s3.get_object(Bucket=bucket, Key=listed["Key"])
                name = f"{len(index)}.bin"
                (into / name).write_bytes(got["Body"].read())
                index.append({"key": listed["Key"], "file": name,
                              "content_type": got.get("ContentType"),
                              "metadata": got.get("Metadata") or {}})  # fmt: skip
        _write_lines(into / "index.jsonl", iter(index))
        return len(index)

    # --- restore -------------------------------------------------------------------------------

    def restore(self) -> Counts | None:
        """Put the saved data back into the (new, empty) resources; None if nothing was saved.
        Resources the save has and the stack no longer has are skipped (named in `skipped`)."""
        if not self.saved:
            return None
        manifest = json.loads((self.directory / "manifest.json").read_text(encoding="utf-8"))
        counts = Counts(saved_at=manifest.get("saved_at", ""))
        for path in sorted((self.directory / "tables").glob("*.jsonl")):
            if path.stem in self.names.tables:
                counts.items += self._restore_table(self.names.tables[path.stem], path)
            else:
                counts.skipped.append(f"table {path.stem}")
        for path in sorted((self.directory / "queues").glob("*.jsonl")):
            if path.stem in self.names.queues:
                counts.messages += self._restore_queue(self.names.queues[path.stem], path)
            else:
                counts.skipped.append(f"queue {path.stem}")
        buckets = self.directory / "buckets"
        for folder in sorted(buckets.iterdir()) if buckets.exists() else []:
            if folder.name in self.names.buckets:
                counts.files += self._restore_bucket(self.names.buckets[folder.name], folder)
            else:
                counts.skipped.append(f"bucket {folder.name}")
        return counts

    def _restore_table(self, table: str, path: Path) -> int:
        dynamodb = self.client("dynamodb")
        count = 0
        batch: list[dict[str, Any]] = []

        def flush() -> None:
            pending: dict[str, Any] = {table: [{"PutRequest": {"Item": i}} for i in batch]}
            while pending:
                pending = dynamodb.batch_write_item(RequestItems=pending).get("UnprocessedItems")
            batch.clear()

        with _without_stream_records(table, self.region):
            for item in _read_lines(path):
                batch.append(item)
                count += 1
                if len(batch) == _BATCH_WRITE:
                    flush()
            if batch:
                flush()
        return count

    def _restore_queue(self, queue: str, path: Path) -> int:
        sqs = self.client("sqs")
        url = sqs.get_queue_url(QueueName=queue)["QueueUrl"]
        rows = list(_read_lines(path))
        for start in range(0, len(rows), _SEND_BATCH):
            entries = []
            for n, row in enumerate(rows[start : start + _SEND_BATCH]):
                entry: dict[str, Any] = {"Id": str(n), "MessageBody": row["body"]}
                if row.get("attributes"):
                    entry["MessageAttributes"] = row["attributes"]
                if row.get("group_id"):
                    entry["MessageGroupId"] = row["group_id"]
                if row.get("dedup_id"):
                    entry["MessageDeduplicationId"] = row["dedup_id"]
                entries.append(entry)
            failed = sqs.send_message_batch(QueueUrl=url, Entries=entries).get("Failed")
            if failed:
                log.warning("%s: %d saved message(s) not put back: %s", queue, len(failed), failed)
        return len(rows)

    def _restore_bucket(self, bucket: str, folder: Path) -> int:
        s3 = self.client("s3")
        count = 0
        for row in _read_lines(folder / "index.jsonl"):
            extra: dict[str, Any] = {"Metadata": row.get("metadata") or {}}
            if row.get("content_type"):
                extra["ContentType"] = row["content_type"]
            s3.put_object(
                Bucket=bucket, Key=row["key"], Body=(folder / row["file"]).read_bytes(), **extra
            )
            count += 1
        return count


class PeriodicSaver:
    """Saves every `seconds` on a thread until stopped (errors are logged, not raised)."""

    def __init__(self, keeper: Keeper, seconds: float) -> None:
        self.keeper = keeper
        self.seconds = seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="state-saver", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.seconds):
            try:
                self.keeper.save()
            except Exception:  # the next save may work; the one on stop will be tried anyway
                log.exception("saving the local stack's data failed")

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(30)
            self._thread = None
