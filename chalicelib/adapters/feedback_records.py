"""PAKN in the table, and their fake.

`FB#<agency>` / `F#<id>`: the PAKN (`feedback`: JSON; `revision`, the optimistic lock;
`DUE_PK = DUE#FB`, `DUE_SK = <next alarm UTC>#<agency>#<id>` while an alarm is due: the same
sparse `due` index as dossiers, under its own partition so the dossiers' shards never see it).
`FB#<agency>` / `A#<id>#<alarm key>`: an alarm that fired (outbox for the notifier).
`FB#<agency>` / `E#<id>#<revision:06d>`: the notices a change sent (the reply), as an outbox.
The QĐ 766 counters are ADDed to the `STATS#…` rows in the same transaction.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from chalicelib.adapters.aws import client
from chalicelib.adapters.dynamo_calls import query_all, transact
from chalicelib.adapters.packing import pack
from chalicelib.adapters.store import counter_shard
from chalicelib.domain.alarms import FiredAlarm
from chalicelib.domain.feedback import Feedback
from chalicelib.domain.notifications import NotificationJob
from chalicelib.ports.records import ALARM_JSON, JOBS_JSON, ApplyOutcome, Counted, utc_key

DUE_PARTITION = "DUE#FB"
FAILED = "ConditionalCheckFailed"


def _s(value: str) -> dict[str, str]:
    return {"S": value}


def _key(agency: str, sk: str) -> dict[str, Any]:
    return {"PK": _s(f"FB#{agency}"), "SK": _s(sk)}


class DynamoFeedbackRecords:
    def __init__(self, table_name: str) -> None:
        self.table = table_name

    @property
    def _db(self) -> Any:
        return client("dynamodb")

    def _item(self, item: Feedback) -> dict[str, Any]:
        stored: dict[str, Any] = {
            **_key(item.agency, f"F#{item.id}"),
            "feedback": _s(item.model_dump_json()),
            "revision": {"N": str(item.revision)},
            "status": _s(item.status.value),
        }
        if item.next_alarm_at is not None:
            stored["DUE_PK"] = _s(DUE_PARTITION)
            stored["DUE_SK"] = _s(f"{utc_key(item.next_alarm_at)}#{item.agency}#{item.id}")
        return stored

    def _counters(self, code: str, counted: Counted | None) -> list[dict[str, Any]]:
        if not counted:
            return []
        (agency, month, procedure), delta = counted
        names = {f"#c{i}": key for i, key in enumerate(delta)}
        values = {f":c{i}": {"N": str(amount)} for i, amount in enumerate(delta.values())}
        return [{"Update": {
            "TableName": self.table,
            "Key": {"PK": _s(f"STATS#{agency}#{month}"),
                    "SK": _s(f"P#{procedure}#{counter_shard(code)}")},
            "UpdateExpression": "ADD " + ", ".join(f"#c{i} :c{i}" for i in range(len(delta))),
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }}]  # fmt: skip

    def create(self, item: Feedback, *, counted: Counted | None) -> bool:
        # A re-send is the common case of an existing id: one read answers it, without a
        # cancelled transaction (the condition below still settles a race).
        if self.get(item.agency, item.id) is not None:
            return False
        put = {"Put": {"TableName": self.table, "Item": self._item(item),
                       "ConditionExpression": "attribute_not_exists(PK)"}}  # fmt: skip
        codes = transact(self._db, [put, *self._counters(item.id, counted)])
        if codes is None:
            return True
        if codes[0] == FAILED:
            return False
        raise RuntimeError(f"PAKN {item.id} not written: {codes}")

    def get(self, agency: str, feedback_id: str) -> Feedback | None:
        got = self._db.get_item(
            TableName=self.table, Key=_key(agency, f"F#{feedback_id}"), ConsistentRead=True
        ).get("Item")
        return Feedback.model_validate_json(got["feedback"]["S"]) if got else None

    def save(
        self,
        item: Feedback,
        *,
        expected_revision: int,
        counted: Counted | None = None,
        outbox: Sequence[NotificationJob] = (),
        alarms: Sequence[FiredAlarm] = (),
        alarm_outbox: Mapping[str, Sequence[NotificationJob]] | None = None,
    ) -> ApplyOutcome:
        items: list[dict[str, Any]] = [{"Put": {
            "TableName": self.table,
            "Item": self._item(item),
            "ConditionExpression": "#r = :r",
            "ExpressionAttributeNames": {"#r": "revision"},
            "ExpressionAttributeValues": {":r": {"N": str(expected_revision)}},
        }}]  # fmt: skip
        for alarm in alarms:
            jobs = (alarm_outbox or {}).get(alarm.key, ())
            alarm_item = {**_key(item.agency, f"A#{item.id}#{alarm.key}"),
                          "alarm": _s(ALARM_JSON.dump_json(alarm).decode()),
                          "kind": _s(alarm.kind.value)}  # fmt: skip
            if jobs:
                alarm_item["outbox"] = pack(JOBS_JSON.dump_json(list(jobs)))
            items.append({"Put": {"TableName": self.table, "Item": alarm_item,
                                  "ConditionExpression": "attribute_not_exists(PK)"}})  # fmt: skip
        if outbox:
            event = {**_key(item.agency, f"E#{item.id}#{item.revision:06d}"),
                     "outbox": pack(JOBS_JSON.dump_json(list(outbox)))}  # fmt: skip
            items.append({"Put": {"TableName": self.table, "Item": event,
                                  "ConditionExpression": "attribute_not_exists(PK)"}})  # fmt: skip
        items += self._counters(item.id, counted)
        codes = transact(self._db, items)
        if codes is None:
            return ApplyOutcome.APPLIED
        if codes[0] == FAILED:
            return ApplyOutcome.CONFLICT
        if FAILED in codes[1:]:
            return ApplyOutcome.DUPLICATE
        raise RuntimeError(f"PAKN {item.id} not written: {codes}")

    def due(self, until: datetime) -> list[tuple[str, str]]:
        items = query_all(
            self._db,
            TableName=self.table,
            IndexName="due",
            KeyConditionExpression="DUE_PK = :pk AND DUE_SK <= :until",
            ExpressionAttributeValues={
                ":pk": _s(DUE_PARTITION),
                ":until": _s(f"{utc_key(until)}#~"),
            },
        )
        found = []
        for entry in items:
            _, agency, feedback_id = entry["DUE_SK"]["S"].split("#", 2)
            found.append((agency, feedback_id))
        return found

    def of_agency(self, agency: str) -> list[Feedback]:
        items = query_all(
            self._db,
            TableName=self.table,
            KeyConditionExpression="PK = :pk AND begins_with(SK, :f)",
            ExpressionAttributeValues={":pk": _s(f"FB#{agency}"), ":f": _s("F#")},
            ConsistentRead=True,
        )
        found = [Feedback.model_validate_json(i["feedback"]["S"]) for i in items]
        return sorted(found, key=lambda f: (f.received_at, f.id), reverse=True)


class MemoryFeedbackRecords:
    """The fake. `counters` is the fake dossier store's counter table (MemoryStore.counters),
    so that reports read the PAKN counters beside the dossiers'."""

    def __init__(self, counters: dict[Any, dict[str, dict[str, int]]] | None = None) -> None:
        self._lock = threading.Lock()
        self.items: dict[tuple[str, str], Feedback] = {}
        self.alarms: dict[tuple[str, str], FiredAlarm] = {}
        self.outbox: list[NotificationJob] = []
        self.counters = counters if counters is not None else {}

    def _count(self, counted: Counted | None) -> None:
        if counted:
            (agency, month, procedure), delta = counted
            row = self.counters.setdefault((agency, month), {}).setdefault(procedure, {})
            for key, amount in delta.items():
                row[key] = row.get(key, 0) + amount

    def create(self, item: Feedback, *, counted: Counted | None) -> bool:
        with self._lock:
            if (item.agency, item.id) in self.items:
                return False
            self.items[(item.agency, item.id)] = item
            self._count(counted)
        return True

    def get(self, agency: str, feedback_id: str) -> Feedback | None:
        return self.items.get((agency, feedback_id))

    def save(
        self,
        item: Feedback,
        *,
        expected_revision: int,
        counted: Counted | None = None,
        outbox: Sequence[NotificationJob] = (),
        alarms: Sequence[FiredAlarm] = (),
        alarm_outbox: Mapping[str, Sequence[NotificationJob]] | None = None,
    ) -> ApplyOutcome:
        with self._lock:
            kept = self.items.get((item.agency, item.id))
            if kept is None or kept.revision != expected_revision:
                return ApplyOutcome.CONFLICT
            if any((item.id, a.key) in self.alarms for a in alarms):
                return ApplyOutcome.DUPLICATE
            self.items[(item.agency, item.id)] = item
            for alarm in alarms:
                self.alarms[(item.id, alarm.key)] = alarm
                self.outbox.extend((alarm_outbox or {}).get(alarm.key, ()))
            self.outbox.extend(outbox)
            self._count(counted)
        return ApplyOutcome.APPLIED

    def due(self, until: datetime) -> list[tuple[str, str]]:
        return sorted(
            (key for key, f in self.items.items()
             if f.next_alarm_at is not None and f.next_alarm_at <= until),
            key=lambda k: (self.items[k].next_alarm_at, k),
        )  # fmt: skip

    def of_agency(self, agency: str) -> list[Feedback]:
        found = [f for (a, _), f in self.items.items() if a == agency]
        return sorted(found, key=lambda f: (f.received_at, f.id), reverse=True)
