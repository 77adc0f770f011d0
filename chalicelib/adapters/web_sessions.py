"""Officials' page sessions (ports/web_sessions.py): in the table, and in memory.

`PK=WEBSESSION#<sha256 of the id>`, `SK=S`, the official as JSON, `expires_at` (epoch seconds,
DynamoDB's TTL, which deletes late: `find` checks the expiry itself).
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from chalicelib.adapters import aws
from chalicelib.domain.dossier import Actor


def session_key(session_id: str) -> str:
    return "WEBSESSION#" + hashlib.sha256(session_id.encode()).hexdigest()


class DynamoWebSessions:
    def __init__(self, table_name: str) -> None:
        self.table_name = table_name

    def start(self, session_id: str, actor: Actor, *, expires_at: datetime) -> None:
        aws.client("dynamodb").put_item(
            TableName=self.table_name,
            Item={
                "PK": {"S": session_key(session_id)},
                "SK": {"S": "S"},
                "actor": {"S": actor.model_dump_json()},
                "expires_at": {"N": str(int(expires_at.timestamp()))},
            },
            # A random id never repeats; if it did, the other session must not be taken over.
            ConditionExpression="attribute_not_exists(PK)",
        )

    def find(self, session_id: str, *, now: datetime) -> Actor | None:
        found = aws.client("dynamodb").get_item(
            TableName=self.table_name,
            Key={"PK": {"S": session_key(session_id)}, "SK": {"S": "S"}},
            ConsistentRead=True,  # a sign-out is final at once
        )
        item = found.get("Item")
        if item is None or int(item["expires_at"]["N"]) <= now.timestamp():
            return None
        return Actor.model_validate_json(item["actor"]["S"])

    def end(self, session_id: str) -> None:
        aws.client("dynamodb").delete_item(
            TableName=self.table_name,
            Key={"PK": {"S": session_key(session_id)}, "SK": {"S": "S"}},
        )


class MemoryWebSessions:
    """The fake: the same promises (tests/contract/test_web_sessions_contract.py)."""

    def __init__(self) -> None:
        self.sessions: dict[str, tuple[Actor, datetime]] = {}

    def start(self, session_id: str, actor: Actor, *, expires_at: datetime) -> None:
        key = session_key(session_id)
        if key in self.sessions:
            raise ValueError("session id already in use")
        self.sessions[key] = (actor, expires_at)

    def find(self, session_id: str, *, now: datetime) -> Actor | None:
        kept = self.sessions.get(session_key(session_id))
        if kept is None or kept[1] <= now:
            return None
        return kept[0]

    def end(self, session_id: str) -> None:
        self.sessions.pop(session_key(session_id), None)
