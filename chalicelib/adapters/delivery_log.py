"""The delivery log: who was sent what, by which channel, and whether it arrived.

Items, in the dossier's partition (`NOTIFY#<job key>` for jobs without a dossier):
- `N#<job key>#<route>`: the route's state (sending, accepted, failed, unknown): the claim that
  makes a notice go out once per route (the applicant's phone, or one email address);
- `L#<job key>#<route>#<n>`: one attempt: channel, provider, message id, outcome, error;
- `MSG#<provider>#<message id>` / `MSG`: where a provider's delivery receipt belongs; kept
  `RECEIPT_WINDOW` (TTL), long after any receipt arrives (providers send them within days).
Opt-outs: `OPTOUT#<phone>` / `OPTOUT`.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.adapters.aws import client
from chalicelib.adapters.dynamo_calls import query_all
from chalicelib.domain.notifications import NotificationJob
from chalicelib.ports.deliveries import Attempt, Claim, RouteState

RECEIPT_WINDOW = timedelta(days=30)


def partition(job: NotificationJob) -> str:
    return f"D#{job.code}" if job.code else f"NOTIFY#{job.key}"


def _s(value: str) -> dict[str, str]:
    return {"S": value}


class DynamoDeliveryLog:
    def __init__(self, table_name: str) -> None:
        self.table = table_name

    @property
    def _db(self) -> Any:
        return client("dynamodb")

    def _route_key(self, job: NotificationJob, route: str) -> dict[str, Any]:
        return {"PK": _s(partition(job)), "SK": _s(f"N#{job.key}#{route}")}

    def claim(self, job: NotificationJob, route: str, now: datetime) -> Claim:
        try:
            self._db.put_item(
                TableName=self.table,
                Item={
                    **self._route_key(job, route),
                    "state": _s(RouteState.SENDING),
                    "since": _s(now.isoformat()),
                },
                ConditionExpression="attribute_not_exists(PK) OR #state = :failed",
                ExpressionAttributeNames={"#state": "state"},
                ExpressionAttributeValues={":failed": _s(RouteState.FAILED)},
            )
            return Claim(None)
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
        held = self._db.get_item(
            TableName=self.table, Key=self._route_key(job, route), ConsistentRead=True
        )["Item"]
        return Claim(RouteState(held["state"]["S"]), datetime.fromisoformat(held["since"]["S"]))

    def settle(self, job: NotificationJob, route: str, state: RouteState) -> None:
        self._db.update_item(
            TableName=self.table,
            Key=self._route_key(job, route),
            UpdateExpression="SET #state = :state",
            ExpressionAttributeNames={"#state": "state"},
            ExpressionAttributeValues={":state": _s(state)},
        )

    def record(self, job: NotificationJob, attempt: Attempt) -> None:
        sk = f"L#{job.key}#{attempt.route}#{attempt.at.isoformat()}"
        self._db.put_item(
            TableName=self.table,
            Item={"PK": _s(partition(job)), "SK": _s(sk), "attempt": _s(attempt.model_dump_json())},
        )
        if attempt.provider_message_id:
            self._db.put_item(
                TableName=self.table,
                Item={
                    "PK": _s(f"MSG#{attempt.provider}#{attempt.provider_message_id}"),
                    "SK": _s("MSG"),
                    "log_pk": _s(partition(job)),
                    "log_sk": _s(sk),
                    "expires_at": {"N": str(int((attempt.at + RECEIPT_WINDOW).timestamp()))},
                },
            )

    def attempts(self, code: str) -> list[Attempt]:
        items = query_all(
            self._db,
            TableName=self.table,
            KeyConditionExpression="PK = :pk AND begins_with(SK, :l)",
            ExpressionAttributeValues={":pk": _s(f"D#{code}"), ":l": _s("L#")},
        )
        found = [Attempt.model_validate_json(i["attempt"]["S"]) for i in items]
        return sorted(found, key=lambda a: a.at)

    def receipt(self, provider: str, message_id: str, status: str, at: datetime) -> bool:
        """Record a provider's delivery receipt on its attempt; False if the id is unknown."""
        pointer = self._db.get_item(
            TableName=self.table, Key={"PK": _s(f"MSG#{provider}#{message_id}"), "SK": _s("MSG")}
        ).get("Item")
        if pointer is None:
            return False
        key = {"PK": pointer["log_pk"], "SK": pointer["log_sk"]}
        item = self._db.get_item(TableName=self.table, Key=key, ConsistentRead=True)["Item"]
        attempt = Attempt.model_validate_json(item["attempt"]["S"])
        updated = attempt.model_copy(update={"delivery": status, "delivered_at": at})
        self._db.put_item(
            TableName=self.table, Item={**key, "attempt": _s(updated.model_dump_json())}
        )
        return True

    def opted_out(self, phone: str) -> bool:
        item = self._db.get_item(
            TableName=self.table, Key={"PK": _s(f"OPTOUT#{phone}"), "SK": _s("OPTOUT")}
        ).get("Item")
        return bool(item and item["opted_out"]["BOOL"])

    def set_opt_out(self, phone: str, opted_out: bool, source: str, at: datetime) -> None:
        self._db.put_item(
            TableName=self.table,
            Item={
                "PK": _s(f"OPTOUT#{phone}"),
                "SK": _s("OPTOUT"),
                "opted_out": {"BOOL": opted_out},
                "source": _s(source),
                "at": _s(at.isoformat()),
            },
        )


class MemoryDeliveryLog:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.routes: dict[tuple[str, str], tuple[RouteState, datetime]] = {}
        self.log: list[Attempt] = []
        self.optouts: dict[str, bool] = {}

    def claim(self, job: NotificationJob, route: str, now: datetime) -> Claim:
        with self._lock:
            held = self.routes.get((job.key, route))
            if held is None or held[0] is RouteState.FAILED:
                self.routes[(job.key, route)] = (RouteState.SENDING, now)
                return Claim(None)
            return Claim(held[0], held[1])

    def settle(self, job: NotificationJob, route: str, state: RouteState) -> None:
        with self._lock:
            since = self.routes[(job.key, route)][1]
            self.routes[(job.key, route)] = (state, since)

    def record(self, job: NotificationJob, attempt: Attempt) -> None:
        with self._lock:
            self.log.append(attempt)

    def attempts(self, code: str) -> list[Attempt]:
        return sorted((a for a in self.log if a.code == code), key=lambda a: a.at)  # as DynamoDB

    def receipt(self, provider: str, message_id: str, status: str, at: datetime) -> bool:
        with self._lock:
            for index, attempt in enumerate(self.log):
                if (attempt.provider, attempt.provider_message_id) == (provider, message_id):
                    self.log[index] = attempt.model_copy(
                        update={"delivery": status, "delivered_at": at}
                    )
                    return True
        return False

    def opted_out(self, phone: str) -> bool:
        return self.optouts.get(phone, False)

    def set_opt_out(self, phone: str, opted_out: bool, source: str, at: datetime) -> None:
        self.optouts[phone] = opted_out
