"""Failed-attempt counters on the table: `PK=RL#<key>`, `SK=RL`, an atomic ADD per attempt.

Each item expires with DynamoDB's TTL (`expires_at`) once its window is over; TTL deletes late,
never early, so the key names its window and a late item is simply never read again.
"""

from __future__ import annotations

from collections.abc import Sequence

from chalicelib.adapters import aws

SK = "RL"


def _key(name: str) -> dict[str, dict[str, str]]:
    return {"PK": {"S": f"RL#{name}"}, "SK": {"S": SK}}


class DynamoAttemptCounter:
    def __init__(self, table_name: str) -> None:
        self.table_name = table_name

    def counts(self, keys: Sequence[str]) -> list[int]:
        dynamodb = aws.client("dynamodb")
        found = [
            dynamodb.get_item(
                TableName=self.table_name,
                Key=_key(name),
                ConsistentRead=True,  # another instance's count of a moment ago
                ProjectionExpression="n",
            ).get("Item")
            for name in keys
        ]
        return [int(item["n"]["N"]) if item else 0 for item in found]

    def add(self, keys: Sequence[str], expires_at: int) -> list[int]:
        dynamodb = aws.client("dynamodb")
        return [
            int(
                dynamodb.update_item(
                    TableName=self.table_name,
                    Key=_key(name),
                    UpdateExpression="ADD n :one SET expires_at = :ttl",
                    ExpressionAttributeValues={":one": {"N": "1"}, ":ttl": {"N": str(expires_at)}},
                    ReturnValues="UPDATED_NEW",
                )["Attributes"]["n"]["N"]
            )
            for name in keys
        ]


class InMemoryAttemptCounter:
    """The fake: `seen` maps each key to its count and expiry."""

    def __init__(self) -> None:
        self.seen: dict[str, tuple[int, int]] = {}

    def counts(self, keys: Sequence[str]) -> list[int]:
        return [self.seen.get(name, (0, 0))[0] for name in keys]

    def add(self, keys: Sequence[str], expires_at: int) -> list[int]:
        for name in keys:
            count, _ = self.seen.get(name, (0, 0))
            self.seen[name] = (count + 1, expires_at)
        return self.counts(keys)
