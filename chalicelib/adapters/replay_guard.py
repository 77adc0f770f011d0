"""Remembers the webhook signatures already used, so that a captured request cannot be replayed.

A signature covers the timestamp and the body, so the same signature means the same request.
Each record expires with DynamoDB's TTL (`expires_at`, epoch seconds) once the timestamp could
no longer pass the tolerance window anyway; TTL deletes late, never early.
"""

from __future__ import annotations

from botocore.exceptions import ClientError

from chalicelib.adapters import aws


class DynamoReplayGuard:
    """One conditional PutItem per request: `PK=SIG#<signature>`, `SK=SIG`."""

    def __init__(self, table_name: str) -> None:
        self.table_name = table_name

    def first_use(self, signature_hex: str, expires_at: int) -> bool:
        try:
            aws.client("dynamodb").put_item(
                TableName=self.table_name,
                Item={
                    "PK": {"S": f"SIG#{signature_hex}"},
                    "SK": {"S": "SIG"},
                    "expires_at": {"N": str(int(expires_at))},
                },
                ConditionExpression="attribute_not_exists(PK)",
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def used(self, signature_hex: str) -> bool:
        found = aws.client("dynamodb").get_item(
            TableName=self.table_name,
            Key={"PK": {"S": f"SIG#{signature_hex}"}, "SK": {"S": "SIG"}},
            ConsistentRead=True,
        )
        return "Item" in found


class InMemoryReplayGuard:
    """The fake. `seen` maps each signature to its expiry; `calls` counts every question."""

    def __init__(self) -> None:
        self.seen: dict[str, int] = {}
        self.calls = 0

    def first_use(self, signature_hex: str, expires_at: int) -> bool:
        self.calls += 1
        if signature_hex in self.seen:
            return False
        self.seen[signature_hex] = int(expires_at)
        return True

    def used(self, signature_hex: str) -> bool:
        self.calls += 1
        return signature_hex in self.seen


class ReadsMayRepeat:
    """For signed GETs: a read changes nothing, so a repeated one is harmless, and a portal
    polling twice within a second signs the same empty body with the same timestamp."""

    def first_use(self, signature_hex: str, expires_at: int) -> bool:
        return True

    def used(self, signature_hex: str) -> bool:
        return False
