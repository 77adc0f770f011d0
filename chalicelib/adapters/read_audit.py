"""The read audit on the table (`AUDIT#<yyyy-mm-dd>` partitions), and its fake.

One conditional PutItem per read: `PK=AUDIT#<UTC day>`, `SK=<at>#<actor>#<code>#<request>`,
written only if no item has that key (`attribute_not_exists`), never updated, no TTL. Nothing in
the code changes or deletes an AUDIT# item, and the API function's IAM policy denies it
(`.chalice/policy-api-handler.json`, statement ReadAuditAppendOnly). A day is one partition:
a province's officials read far fewer than the 1,000 writes a second one partition takes, and a
query over a month reads 31 partitions.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.adapters import aws
from chalicelib.adapters.dynamo_calls import query_all
from chalicelib.domain.read_audit import PersonalDataRead, days_between, matches
from chalicelib.ports.read_audit import AuditUnavailable

PREFIX = "AUDIT#"


def _sort_key(read: PersonalDataRead) -> str:
    # The request id (or a random one) keeps two reads in the same microsecond apart.
    return f"{_utc(read.at)}#{read.actor_id}#{read.code}#{read.request_id or uuid.uuid4().hex}"


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


class DynamoReadAudit:
    def __init__(self, table_name: str) -> None:
        self.table_name = table_name

    def record(self, read: PersonalDataRead) -> None:
        day = _utc(read.at)[:10]
        try:
            aws.client("dynamodb").put_item(
                TableName=self.table_name,
                Item={
                    "PK": {"S": PREFIX + day},
                    "SK": {"S": _sort_key(read)},
                    "read": {"S": read.model_dump_json()},
                },
                ConditionExpression="attribute_not_exists(PK)",
            )
        except (ClientError, BotoCoreError) as exc:
            raise AuditUnavailable(str(exc)) from exc

    def reads(
        self,
        start: datetime,
        end: datetime,
        *,
        code: str | None = None,
        actor: str | None = None,
        limit: int = 500,
    ) -> list[PersonalDataRead]:
        found: list[PersonalDataRead] = []
        low, high = _utc(start), _utc(end) + "~"  # "~" sorts after every "#…" suffix
        for day in days_between(start, end):
            for item in self._query(PREFIX + day, low, high):
                read = PersonalDataRead.model_validate_json(item["read"]["S"])
                if matches(read, code=code, actor=actor):
                    found.append(read)
                    if len(found) >= limit:
                        return found
        return found

    def _query(self, pk: str, low: str, high: str) -> list[dict[str, Any]]:
        return query_all(
            aws.client("dynamodb"),
            TableName=self.table_name,
            KeyConditionExpression="PK = :pk AND SK BETWEEN :low AND :high",
            ExpressionAttributeValues={":pk": {"S": pk}, ":low": {"S": low}, ":high": {"S": high}},
        )


class MemoryReadAudit:
    """The fake: a list only ever appended to. `failing` makes every record() fail."""

    def __init__(self) -> None:
        self.entries: list[PersonalDataRead] = []
        self.failing = False

    def record(self, read: PersonalDataRead) -> None:
        if self.failing:
            raise AuditUnavailable("the audit is down (fake)")
        if read.request_id is not None and any(_same_key(read, e) for e in self.entries):
            raise AuditUnavailable("an audit record with this key exists; it is never replaced")
        self.entries.append(read)

    def reads(
        self,
        start: datetime,
        end: datetime,
        *,
        code: str | None = None,
        actor: str | None = None,
        limit: int = 500,
    ) -> list[PersonalDataRead]:
        within = (r for r in self.entries if start <= r.at <= end)
        chosen = sorted(
            (r for r in within if matches(r, code=code, actor=actor)),
            key=lambda r: (_utc(r.at), r.actor_id, r.code),
        )
        return chosen[:limit]


def _same_key(one: PersonalDataRead, other: PersonalDataRead) -> bool:
    return (one.at, one.actor_id, one.code, one.request_id) == (
        other.at,
        other.actor_id,
        other.code,
        other.request_id,
    )
