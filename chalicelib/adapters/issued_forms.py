"""Where the issued forms are recorded: an item per form in the table (`G#<slot>` under its
partition, `form`: JSON), and the fake. The dossier store's `load` keeps only its own prefixes,
so these items under `D#<code>` cost it a few bytes of Query and change nothing it reads; the
table stream's relay filter ignores them (no outbox, not the state item)."""

from __future__ import annotations

from chalicelib.adapters import aws
from chalicelib.ports.issued_forms import IssuedForm

PREFIX = "G#"


class DynamoIssuedForms:
    def __init__(self, table_name: str) -> None:
        self.table = table_name

    def get(self, partition: str, slot: str) -> IssuedForm | None:
        found = aws.client("dynamodb").get_item(
            TableName=self.table,
            Key={"PK": {"S": partition}, "SK": {"S": PREFIX + slot}},
            ConsistentRead=True,
        )
        item = found.get("Item")
        return IssuedForm.model_validate_json(item["form"]["S"]) if item else None

    def put(self, partition: str, slot: str, issued: IssuedForm) -> None:
        aws.client("dynamodb").put_item(
            TableName=self.table,
            Item={
                "PK": {"S": partition},
                "SK": {"S": PREFIX + slot},
                "form": {"S": issued.model_dump_json()},
            },
        )


class MemoryIssuedForms:
    def __init__(self) -> None:
        self.items: dict[tuple[str, str], IssuedForm] = {}

    def get(self, partition: str, slot: str) -> IssuedForm | None:
        return self.items.get((partition, slot))

    def put(self, partition: str, slot: str, issued: IssuedForm) -> None:
        self.items[(partition, slot)] = issued
