"""What the national portal last acknowledged of each dossier: one mark per dossier.

Item `D#<code>` / `PSYNC` beside the dossier's state (docs/architecture.md). A mark only moves
forward (conditional on its revision), so a late retry never makes it claim less than the
portal holds. `standing()` reads every dossier's state revision beside its mark: a scan, for
the operator's reconciliation, never on a request's path.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from chalicelib.adapters.aws import client
from chalicelib.adapters.dynamo_calls import scan_all
from chalicelib.ports.portal import Standing, SyncMark

if TYPE_CHECKING:
    from chalicelib.adapters.memory_store import MemoryStore

MARK = "PSYNC"
BATCH_KEYS = 100
STATE = "STATE"


def _mark_from(item: dict[str, Any]) -> SyncMark:
    return SyncMark(
        revision=int(item["revision"]["N"]),
        version=int(item["version"]["N"]),
        status=int(item["status"]["N"]),
        synced_at=datetime.fromisoformat(item["synced_at"]["S"]),
    )


class DynamoPortalSyncLog:
    def __init__(self, table_name: str) -> None:
        self.table = table_name

    def get(self, code: str) -> SyncMark | None:
        found = (
            client("dynamodb")
            .get_item(
                TableName=self.table,
                Key={"PK": {"S": f"D#{code}"}, "SK": {"S": MARK}},
                ConsistentRead=True,
            )
            .get("Item")
        )
        return _mark_from(found) if found else None

    def marks(self, codes: Sequence[str]) -> dict[str, SyncMark | None]:
        """BatchGetItem, 100 keys a call (DynamoDB's limit), consistent; keys DynamoDB leaves
        unprocessed (throttling) are asked again until none is left."""
        found: dict[str, SyncMark | None] = dict.fromkeys(codes)
        unique = list(found)
        for start in range(0, len(unique), BATCH_KEYS):
            keys = [{"PK": {"S": f"D#{code}"}, "SK": {"S": MARK}}
                    for code in unique[start : start + BATCH_KEYS]]  # fmt: skip
            asked: dict[str, Any] = {self.table: {"Keys": keys, "ConsistentRead": True}}
            while asked:
                answer = client("dynamodb").batch_get_item(RequestItems=asked)
                for item in answer.get("Responses", {}).get(self.table, []):
                    found[item["PK"]["S"].removeprefix("D#")] = _mark_from(item)
                asked = answer.get("UnprocessedKeys") or {}
        return found

    def record(self, code: str, mark: SyncMark) -> bool:
        """False when a mark as recent or more is there already (a concurrent or late sync)."""
        try:
            client("dynamodb").put_item(
                TableName=self.table,
                Item={
                    "PK": {"S": f"D#{code}"},
                    "SK": {"S": MARK},
                    "revision": {"N": str(mark.revision)},
                    "version": {"N": str(mark.version)},
                    "status": {"N": str(mark.status)},
                    "synced_at": {"S": mark.synced_at.isoformat()},
                },
                ConditionExpression="attribute_not_exists(PK) OR revision < :revision",
                ExpressionAttributeValues={":revision": {"N": str(mark.revision)}},
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def standing(self) -> list[Standing]:
        items = scan_all(
            client("dynamodb"),
            TableName=self.table,
            FilterExpression="SK IN (:state, :mark)",
            ExpressionAttributeNames={
                "#r": "revision",
                "#v": "version",
                "#s": "status",
                "#t": "synced_at",
            },
            ExpressionAttributeValues={":state": {"S": STATE}, ":mark": {"S": MARK}},
            ProjectionExpression="PK, SK, #r, #v, #s, #t",
        )
        states: dict[str, dict[str, Any]] = {}
        marks: dict[str, SyncMark] = {}
        for item in items:
            code = item["PK"]["S"].removeprefix("D#")
            if item["SK"]["S"] == STATE:
                states[code] = item
            else:
                marks[code] = _mark_from(item)
        return [
            Standing(
                code=code,
                revision=int(item["revision"]["N"]),
                status=int(item["status"]["N"]),
                mark=marks.get(code),
            )
            for code, item in sorted(states.items())
        ]


class MemoryPortalSyncLog:
    """The fake: marks in a dict, beside the dossiers of a `MemoryStore`."""

    def __init__(self, store: MemoryStore | None = None) -> None:
        self.kept: dict[str, SyncMark] = {}
        self._store = store
        self._lock = threading.Lock()

    def get(self, code: str) -> SyncMark | None:
        return self.kept.get(code)

    def marks(self, codes: Sequence[str]) -> dict[str, SyncMark | None]:
        return {code: self.kept.get(code) for code in codes}

    def record(self, code: str, mark: SyncMark) -> bool:
        with self._lock:
            found = self.kept.get(code)
            if found is not None and found.revision >= mark.revision:
                return False
            self.kept[code] = mark
            return True

    def standing(self) -> list[Standing]:
        dossiers = self._store.dossiers if self._store else {}
        return [
            Standing(d.code, d.revision, int(d.status), self.kept.get(d.code))
            for d in sorted(dossiers.values(), key=lambda d: d.code)
        ]
