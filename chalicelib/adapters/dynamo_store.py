"""The dossier store on one DynamoDB table (single-table design, see docs/architecture.md).

Items (PK / SK):
- `D#<code>` / `STATE`: the dossier; carries the worklist and due-index keys while open.
- `D#<code>` / `H#<version:06d>`: one history entry per applied change.
- `D#<code>` / `C#<command id>`: marks a command as applied (idempotency).
- `D#<code>` / `R#<command id>`: a refused command and its reason.
- `D#<code>` / `K#<command id>`: a queued command's request fingerprint (idempotency keys).
- `D#<code>` / `A#<alarm key>`: a deadline alarm that fired (and the outbox of its alerts).
- `INTAKE#<client>#<external id>` / `INTAKE`: one dossier per submission.
- `RCPT#<receipt id>` / `RCPT`: what became of a portal's submission.
- `SEQ#<agency>#<yyyy-mm-dd>` / `SEQ`: the daily code sequence (atomic ADD).
- `DIGEST#<agency>` / `D#<yyyy-mm-dd>`: the agency's daily digest, once a day.
- `STATS#<agency>#<yyyy-mm>` / `P#<procedure>#<shard>`: the QĐ 766 counters (atomic ADD per
  change, in the change's transaction), spread over `COUNTER_SHARDS` items by dossier code so
  that concurrent transactions rarely meet on one; `stats` adds the shards up.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.adapters.aws import client
from chalicelib.adapters.dynamo_calls import query_all, scan_all, transact
from chalicelib.adapters.packing import pack, unpack
from chalicelib.adapters.store import counter_shard, due_shard, due_until_key, on_worklist
from chalicelib.domain.alarms import FiredAlarm
from chalicelib.domain.digest import Digest
from chalicelib.domain.dossier import Dossier, HistoryEntry
from chalicelib.domain.notifications import NotificationJob
from chalicelib.domain.statuses import DossierStatus
from chalicelib.ports.errors import DossierCodeTaken, InvalidCursor
from chalicelib.ports.records import (
    ALARM_JSON,
    DIGEST_JSON,
    JOBS_JSON,
    ApplyOutcome,
    Change,
    CommandRecord,
    Counted,
    CreateOutcome,
    CreateResult,
    DossierRecord,
    IntakeMark,
    Opening,
    Page,
    Receipt,
    Refusal,
    utc_key,
)

STATE = "STATE"
RECEIPT_TTL = timedelta(days=90)
COMMAND_TTL = timedelta(days=400)  # longer than any redelivery; kept a year for audits
REQUEST_TTL = timedelta(days=30)  # a queued command's request: its status answerable a month
WORKLIST_INDEX = "worklist"
DUE_INDEX = "due"


def _s(value: str) -> dict[str, str]:
    return {"S": value}


def _n(value: int) -> dict[str, str]:
    return {"N": str(value)}


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())


FAILED_CHECK = "ConditionalCheckFailed"


class TransactionRefused(Exception):
    """DynamoDB cancelled a transaction for a reason other than our conditions (throttling,
    a conflict with another transaction): the caller's queue retries it."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__(f"transaction cancelled: {reasons}")
        self.reasons = reasons


class DynamoStore:
    def __init__(self, table_name: str) -> None:
        self.table = table_name

    @property
    def _db(self) -> Any:
        return client("dynamodb")

    def _get(self, pk: str, sk: str) -> dict[str, Any] | None:
        return self._db.get_item(
            TableName=self.table, Key={"PK": _s(pk), "SK": _s(sk)}, ConsistentRead=True
        ).get("Item")

    # -- items ------------------------------------------------------------------------------
    def _state_item(self, dossier: Dossier) -> dict[str, Any]:
        # Kept well under 1 KB (docs/benchmarks.md): every change writes this item in a
        # transaction (2 WRU per KB) and, while open, its worklist projection. So the state is
        # packed, and the item carries beside it only what a condition, a filter, an index or
        # the stream reads.
        item: dict[str, Any] = {
            "PK": _s(f"D#{dossier.code}"),
            "SK": _s(STATE),
            "state": pack_state(dossier),
            "revision": _n(dossier.revision),
            "status": _n(int(dossier.status)),
        }
        if on_worklist(dossier):
            item["WL_PK"] = _s(f"WL#{dossier.holder.agency}")
            item["WL_SK"] = _s(f"{utc_key(dossier.due_at)}#{dossier.code}")
        if dossier.next_alarm_at is not None:
            item["DUE_PK"] = _s(f"DUE#{due_shard(dossier.code):02d}")
            item["DUE_SK"] = _s(f"{utc_key(dossier.next_alarm_at)}#{dossier.code}")
        return item

    @staticmethod
    def _history_item(
        code: str, entry: HistoryEntry, outbox: Sequence[NotificationJob] = ()
    ) -> dict[str, Any]:
        item = {
            "PK": _s(f"D#{code}"),
            "SK": _s(f"H#{entry.version:06d}"),
            "entry": pack(entry.model_dump_json(exclude_defaults=True)),
            "version": _n(entry.version),
        }
        return _with_outbox(item, outbox)

    # -- creating ---------------------------------------------------------------------------
    def find_intake(self, intake_key: str) -> IntakeMark | None:
        found = self._get(f"INTAKE#{intake_key}", "INTAKE")
        if not found:
            return None
        return IntakeMark(
            code=found["code"]["S"],
            fingerprint=found["fingerprint"]["S"] if "fingerprint" in found else None,
            request_json=unpack(found["request"]).decode() if "request" in found else None,
        )

    def _intake_item(self, intake_key: str, mark: IntakeMark) -> dict[str, Any]:
        item: dict[str, Any] = {
            "PK": _s(f"INTAKE#{intake_key}"),
            "SK": _s("INTAKE"),
            "code": _s(mark.code),
        }
        if mark.fingerprint is not None:
            item["fingerprint"] = _s(mark.fingerprint)
        if mark.request_json is not None:
            item["request"] = pack(mark.request_json)
        return item

    def next_sequence(self, agency: str, day: date) -> int:
        answer = self._db.update_item(
            TableName=self.table,
            Key={"PK": _s(f"SEQ#{agency}#{day.isoformat()}"), "SK": _s("SEQ")},
            UpdateExpression="ADD n :one SET expires_at = :ttl",
            ExpressionAttributeValues={
                ":one": _n(1),
                ":ttl": _n(_epoch(datetime.combine(day, datetime.min.time())) + 90 * 86400),
            },
            ReturnValues="UPDATED_NEW",
        )
        return int(answer["Attributes"]["n"]["N"])

    def create(self, opening: Opening) -> CreateResult:
        """The intake marker, the state, the first history entry (with its outbox), the receipt
        and the counters: one transaction."""
        dossier, intake_key = opening.dossier, opening.intake_key
        not_there = "attribute_not_exists(PK)"
        items = [
            {
                "Put": {
                    "TableName": self.table,
                    "ConditionExpression": not_there,
                    "Item": self._intake_item(intake_key, opening.mark),
                }
            },
            {
                "Put": {
                    "TableName": self.table,
                    "ConditionExpression": not_there,
                    "Item": self._state_item(dossier),
                }
            },
            {
                "Put": {
                    "TableName": self.table,
                    "ConditionExpression": not_there,
                    "Item": self._history_item(dossier.code, opening.entry, opening.outbox),
                }
            },
            {"Put": {"TableName": self.table, "Item": self._receipt_item(opening.receipt)}},
        ]
        items += self._counters_update(dossier.code, opening.counted)
        codes = transact(self._db, items)
        if codes is None:
            return CreateResult(CreateOutcome.CREATED, dossier.code)
        if codes and codes[0] == FAILED_CHECK:
            existing = self.find_intake(intake_key)
            if existing:
                return CreateResult(CreateOutcome.DUPLICATE, existing.code)
        if len(codes) > 1 and codes[1] == FAILED_CHECK:
            raise DossierCodeTaken(dossier.code)
        raise TransactionRefused(codes)

    # -- reading ----------------------------------------------------------------------------
    def get(self, code: str) -> Dossier | None:
        found = self._get(f"D#{code}", STATE)
        return unpack_state(found) if found else None

    def load(self, code: str) -> DossierRecord | None:
        items = query_all(
            self._db,
            TableName=self.table,
            KeyConditionExpression="PK = :pk",
            ExpressionAttributeValues={":pk": _s(f"D#{code}")},
            ConsistentRead=True,
        )
        state = next((i for i in items if i["SK"]["S"] == STATE), None)
        if state is None:
            return None
        history = [unpack_history(i) for i in items if i["SK"]["S"].startswith("H#")]
        refusals = sorted(
            (
                Refusal.model_validate_json(i["refusal"]["S"])
                for i in items
                if i["SK"]["S"].startswith("R#")
            ),
            key=lambda r: r.at,
        )
        fired = [
            ALARM_JSON.validate_json(i["alarm"]["S"])
            for i in items
            if i["SK"]["S"].startswith("A#")
        ]
        return DossierRecord(
            dossier=unpack_state(state),
            history=sorted(history, key=lambda e: e.version),
            refusals=refusals,
            alarms=sorted(fired, key=lambda a: a.fired_at),
        )

    # -- changing ---------------------------------------------------------------------------
    def _state_put(self, dossier: Dossier, expected_revision: int) -> dict[str, Any]:
        return {
            "Put": {
                "TableName": self.table,
                "Item": self._state_item(dossier),
                "ConditionExpression": "revision = :expected",
                "ExpressionAttributeValues": {":expected": _n(expected_revision)},
            }
        }

    def apply(self, change: Change) -> ApplyOutcome:
        """The command marker, the state (conditional on the revision read), the history entry
        (with its outbox) and the counters: one TransactWriteItems, no read."""
        dossier, entry = change.dossier, change.entry
        not_there = "attribute_not_exists(PK)"
        command_item = {
            "PK": _s(f"D#{dossier.code}"),
            "SK": _s(f"C#{change.command_id}"),
            "version": _n(dossier.version),
            "at": _s(entry.at.isoformat()),
            "expires_at": _n(_epoch(entry.at + COMMAND_TTL)),
        }
        items = [
            {
                "Put": {
                    "TableName": self.table,
                    "Item": command_item,
                    "ConditionExpression": not_there,
                }
            },
            self._state_put(dossier, change.expected_revision),
            {
                "Put": {
                    "TableName": self.table,
                    "Item": self._history_item(dossier.code, entry, change.outbox),
                    "ConditionExpression": not_there,
                }
            },
        ]
        items += self._counters_update(dossier.code, change.counted)
        if change.intake is not None:  # an update of the submission: its mark and receipt
            items += [
                {"Put": {"TableName": self.table, "Item": self._intake_item(
                    change.intake.intake_key, change.intake.mark)}},
                {"Put": {"TableName": self.table,
                         "Item": self._receipt_item(change.intake.receipt)}},
            ]  # fmt: skip
        codes = transact(self._db, items)
        if codes is None:
            return ApplyOutcome.APPLIED
        if codes and codes[0] == FAILED_CHECK:  # the command marker: applied before
            return ApplyOutcome.DUPLICATE
        if FAILED_CHECK in codes:
            return ApplyOutcome.CONFLICT
        raise TransactionRefused(codes)

    def record_alarms(
        self,
        dossier: Dossier,
        fired: list[FiredAlarm],
        *,
        expected_revision: int,
        outbox: Mapping[str, Sequence[NotificationJob]] | None = None,
    ) -> ApplyOutcome:
        """The fired alarms (each at most once: keyed, conditional) with the dossier that
        remembers them, in one transaction; the alarm items are the notification outbox."""
        items: list[dict[str, Any]] = [self._state_put(dossier, expected_revision)]
        for alarm in fired:
            items.append({"Put": {
                "TableName": self.table,
                "ConditionExpression": "attribute_not_exists(PK)",
                "Item": _with_outbox({
                    "PK": _s(f"D#{dossier.code}"),
                    "SK": _s(f"A#{alarm.key}"),
                    "alarm": _s(ALARM_JSON.dump_json(alarm).decode()),
                    "kind": _s(alarm.kind.value),
                }, (outbox or {}).get(alarm.key, ())),
            }})  # fmt: skip
        codes = transact(self._db, items)
        if codes is None:
            return ApplyOutcome.APPLIED
        if FAILED_CHECK in codes[1:]:  # an alarm item exists: fired by another run
            return ApplyOutcome.DUPLICATE
        if codes and codes[0] == FAILED_CHECK:
            return ApplyOutcome.CONFLICT
        raise TransactionRefused(codes)

    def due_codes(self, shard: int, until: datetime) -> list[str]:
        """Codes whose next alarm is at or before `until`, from one shard of the due index."""
        kwargs: dict[str, Any] = {
            "TableName": self.table,
            "IndexName": DUE_INDEX,
            "KeyConditionExpression": "DUE_PK = :pk AND DUE_SK <= :until",
            "ExpressionAttributeValues": {
                ":pk": _s(f"DUE#{shard:02d}"),
                ":until": _s(due_until_key(until)),
            },
        }
        return [item["DUE_SK"]["S"].split("#", 1)[1] for item in query_all(self._db, **kwargs)]

    def open_due_before(self, agency: str, until: datetime) -> list[Dossier]:
        """The agency's open dossiers due at or before `until`, earliest first (worklist GSI)."""
        kwargs: dict[str, Any] = {
            "TableName": self.table,
            "IndexName": WORKLIST_INDEX,
            "KeyConditionExpression": "WL_PK = :pk AND WL_SK <= :until",
            "ExpressionAttributeValues": {
                ":pk": _s(f"WL#{agency}"),
                ":until": _s(due_until_key(until)),
            },
        }
        return [unpack_state(item) for item in query_all(self._db, **kwargs)]

    def _counters_update(self, code: str, counted: Counted | None) -> list[dict[str, Any]]:
        """The QĐ 766 counters, added in the change's own transaction: counted exactly when the
        change is applied, never by a scan (docs/benchmarks.md says why not from the stream)."""
        if not counted:
            return []
        (agency, month, procedure), delta = counted
        names = {f"#c{i}": key for i, key in enumerate(delta)}
        values = {f":c{i}": _n(amount) for i, amount in enumerate(delta.values())}
        return [{"Update": {
            "TableName": self.table,
            "Key": {
                "PK": _s(f"STATS#{agency}#{month}"),
                "SK": _s(f"P#{procedure}#{counter_shard(code)}"),
            },
            "UpdateExpression": "ADD " + ", ".join(f"#c{i} :c{i}" for i in range(len(delta))),
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }}]  # fmt: skip

    def all_codes(self) -> list[str]:
        """Every dossier's code: a full scan, for operator commands (the rebuild), never for
        requests."""
        items = scan_all(
            self._db,
            TableName=self.table,
            FilterExpression="SK = :state",
            ExpressionAttributeValues={":state": _s(STATE)},
            ProjectionExpression="PK",
        )
        return sorted(item["PK"]["S"][2:] for item in items)

    def stats(self, agency: str, month: str) -> dict[str, dict[str, int]]:
        """The counters of one agency and month, per procedure (its shards added up)."""
        items = query_all(
            self._db,
            TableName=self.table,
            KeyConditionExpression="PK = :pk",
            ExpressionAttributeValues={":pk": _s(f"STATS#{agency}#{month}")},
            ConsistentRead=True,
        )
        totals: dict[str, dict[str, int]] = {}
        for item in items:
            procedure = item["SK"]["S"].removeprefix("P#").partition("#")[0]
            counts = totals.setdefault(procedure, {})
            for name, value in item.items():
                if "N" in value:
                    counts[name] = counts.get(name, 0) + int(value["N"])
        return totals

    def put_digest(self, digest: Digest, outbox: Sequence[NotificationJob] = ()) -> bool:
        """Once per agency and day, however often the schedule fires (the outbox of the
        digest's notification)."""
        try:
            self._db.put_item(
                TableName=self.table,
                Item=_with_outbox({
                    "PK": _s(f"DIGEST#{digest.agency}"),
                    "SK": _s(f"D#{digest.day.isoformat()}"),
                    "digest": _s(DIGEST_JSON.dump_json(digest).decode()),
                    "expires_at": _n(_epoch(datetime.combine(digest.day, datetime.min.time()))
                                     + 400 * 86400),
                }, outbox),
                ConditionExpression="attribute_not_exists(PK)",
            )  # fmt: skip
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def command(self, code: str, command_id: str) -> CommandRecord | None:
        found = self._get(f"D#{code}", f"C#{command_id}")
        if not found:
            return None
        return CommandRecord(
            command_id=command_id,
            version=int(found["version"]["N"]),
            at=datetime.fromisoformat(found["at"]["S"]),
        )

    def record_refusal(self, code: str, refusal: Refusal) -> None:
        # Keyed by the command: a redelivered refusal overwrites itself instead of doubling.
        self._db.put_item(
            TableName=self.table,
            Item={
                "PK": _s(f"D#{code}"),
                "SK": _s(f"R#{refusal.command_id}"),
                "refusal": _s(refusal.model_dump_json()),
            },
        )

    def record_request(
        self, code: str, command_id: str, fingerprint: str, at: datetime
    ) -> str | None:
        try:
            self._db.put_item(
                TableName=self.table,
                Item={
                    "PK": _s(f"D#{code}"),
                    "SK": _s(f"K#{command_id}"),
                    "fingerprint": _s(fingerprint),
                    "at": _s(at.isoformat()),
                    "expires_at": _n(_epoch(at + REQUEST_TTL)),
                },
                ConditionExpression="attribute_not_exists(PK)",
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            found = self._get(f"D#{code}", f"K#{command_id}")
            return found["fingerprint"]["S"] if found else fingerprint
        return None

    def requested(self, code: str, command_id: str) -> bool:
        return self._get(f"D#{code}", f"K#{command_id}") is not None

    def refusal(self, code: str, command_id: str) -> Refusal | None:
        found = self._get(f"D#{code}", f"R#{command_id}")
        return Refusal.model_validate_json(found["refusal"]["S"]) if found else None

    # -- receipts ---------------------------------------------------------------------------
    def _receipt_item(self, receipt: Receipt) -> dict[str, Any]:
        return {
            "PK": _s(f"RCPT#{receipt.receipt_id}"),
            "SK": _s("RCPT"),
            "receipt": _s(receipt.model_dump_json()),
            "expires_at": _n(_epoch(receipt.updated_at + RECEIPT_TTL)),
        }

    def put_receipt(self, receipt: Receipt, *, only_if_new: bool = False) -> None:
        kwargs: dict[str, Any] = {"TableName": self.table, "Item": self._receipt_item(receipt)}
        if only_if_new:
            kwargs["ConditionExpression"] = "attribute_not_exists(PK)"
        try:
            self._db.put_item(**kwargs)
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise

    def get_receipt(self, receipt_id: str) -> Receipt | None:
        found = self._get(f"RCPT#{receipt_id}", "RCPT")
        return Receipt.model_validate_json(found["receipt"]["S"]) if found else None

    # -- worklist ---------------------------------------------------------------------------
    def worklist(
        self,
        agency: str,
        *,
        status: DossierStatus | None,
        step: int | None,
        limit: int,
        cursor: str | None,
    ) -> Page:
        kwargs: dict[str, Any] = {
            "TableName": self.table,
            "IndexName": WORKLIST_INDEX,
            "KeyConditionExpression": "WL_PK = :pk",
            "ExpressionAttributeValues": {":pk": _s(f"WL#{agency}")},
        }
        if status is not None:
            kwargs["FilterExpression"] = "#status = :status"
            kwargs["ExpressionAttributeNames"] = {"#status": "status"}
            kwargs["ExpressionAttributeValues"][":status"] = _n(int(status))
        if cursor:
            kwargs["ExclusiveStartKey"] = _decode_cursor(cursor, f"WL#{agency}")
        found: list[Dossier] = []
        last_key: dict[str, Any] | None = None
        # A filtered query can return short pages: read on until the page is full.
        while len(found) < limit:
            kwargs["Limit"] = max(limit - len(found), 1) * 2
            page = self._db.query(**kwargs)
            for item in page.get("Items", []):
                dossier = unpack_state(item)
                if step is not None and dossier.step_index != step:
                    continue
                found.append(dossier)
                last_key = {k: item[k] for k in ("PK", "SK", "WL_PK", "WL_SK")}
                if len(found) == limit:
                    break
            else:
                if "LastEvaluatedKey" not in page:
                    last_key = None
                    break
                kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
                continue
            break
        return Page(items=found, cursor=_encode_cursor(last_key) if last_key else None)


def pack_state(dossier: Dossier) -> dict[str, bytes]:
    """The dossier as stored: its JSON without the fields at their defaults, deflated (a
    typical state goes from about 1 KB to under 400 bytes)."""
    return pack(dossier.model_dump_json(exclude_defaults=True))


def unpack_state(item: Mapping[str, Any]) -> Dossier:
    """The dossier of a state item, packed or as plain JSON (items written before packing)."""
    return Dossier.model_validate_json(unpack(item["state"]))


def unpack_history(item: Mapping[str, Any]) -> HistoryEntry:
    return HistoryEntry.model_validate_json(unpack(item["entry"]))


def unpack_outbox(item: Mapping[str, Any]) -> list[NotificationJob]:
    return JOBS_JSON.validate_json(unpack(item["outbox"])) if "outbox" in item else []


def _with_outbox(item: dict[str, Any], outbox: Sequence[NotificationJob]) -> dict[str, Any]:
    """Notification jobs ride on the item that records the change: the stream relays them."""
    if outbox:
        item["outbox"] = pack(JOBS_JSON.dump_json(list(outbox)))
    return item


def _encode_cursor(key: dict[str, Any]) -> str:
    plain = {k: v["S"] for k, v in key.items()}
    return base64.urlsafe_b64encode(json.dumps(plain).encode()).decode().rstrip("=")


def _decode_cursor(cursor: str, worklist: str) -> dict[str, Any]:
    """The start key in `cursor`, if it is a key of `worklist`: a key of another partition
    would be refused by DynamoDB (a ValidationException), and would read another agency's."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        plain = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(plain, dict) or set(plain) != {"PK", "SK", "WL_PK", "WL_SK"}:
            raise ValueError("unexpected keys")
        if plain["WL_PK"] != worklist or not all(isinstance(v, str) for v in plain.values()):
            raise ValueError("a key of another worklist")
        return {k: _s(str(v)) for k, v in plain.items()}
    except (ValueError, TypeError) as exc:
        raise InvalidCursor() from exc
