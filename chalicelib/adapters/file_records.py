"""The records of a dossier's files and uploads, under its partition; and their fake.

`D#<code>` / `U#<upload id>`: an upload asked for (`upload`: JSON; TTL two days: the bucket
drops an unrecorded object after one). `D#<code>` / `F#<file id>`: a recorded file (`file`:
JSON), written once (`attribute_not_exists`), never changed. The dossier store's `load` reads
the partition and keeps only its own prefixes, so these items cost it a few bytes of Query.
`CITIZEN#<id number>` / `DOC#<kind>`: the citizen's latest stored document of that kind
(`document`: JSON), for reuse (QĐ 766 4.3); the id number is personal data, kept in the table
as the dossier keeps it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.adapters import aws
from chalicelib.adapters.dynamo_calls import query_all
from chalicelib.domain.files import PendingUpload, ReusableDocument, StoredFile
from chalicelib.ports.records import utc_key

UPLOAD_TTL = timedelta(days=2)


def _key(code: str, sk: str) -> dict[str, Any]:
    return {"PK": {"S": f"D#{code}"}, "SK": {"S": sk}}


def _citizen_key(id_number: str, kind: str) -> dict[str, Any]:
    return {"PK": {"S": f"CITIZEN#{id_number}"}, "SK": {"S": f"DOC#{kind}"}}


class DynamoFileRecords:
    def __init__(self, table_name: str) -> None:
        self.table = table_name

    def put_upload(self, upload: PendingUpload) -> None:
        expires = int((upload.requested_at + UPLOAD_TTL).timestamp())
        aws.client("dynamodb").put_item(
            TableName=self.table,
            Item={
                **_key(upload.code, f"U#{upload.upload_id}"),
                "upload": {"S": upload.model_dump_json()},
                "expires_at": {"N": str(expires)},
            },
            ConditionExpression="attribute_not_exists(PK)",
        )

    def get_upload(self, code: str, upload_id: str) -> PendingUpload | None:
        item = self._get(code, f"U#{upload_id}")
        if item is None:
            return None
        upload = PendingUpload.model_validate_json(item["upload"]["S"])
        if "file_id" in item:
            upload = upload.model_copy(update={"file_id": item["file_id"]["S"]})
        return upload

    def mark_recorded(self, code: str, upload_id: str, file_id: str) -> None:
        aws.client("dynamodb").update_item(
            TableName=self.table,
            Key=_key(code, f"U#{upload_id}"),
            UpdateExpression="SET file_id = :file",
            ConditionExpression="attribute_exists(PK)",
            ExpressionAttributeValues={":file": {"S": file_id}},
        )

    def put_file(self, stored: StoredFile) -> StoredFile:
        try:
            aws.client("dynamodb").put_item(
                TableName=self.table,
                Item={
                    **_key(stored.code, f"F#{stored.file_id}"),
                    "file": {"S": stored.model_dump_json()},
                },
                ConditionExpression="attribute_not_exists(PK)",
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise
            kept = self.get_file(stored.code, stored.file_id)
            assert kept is not None  # written once, never deleted
            return kept
        return stored

    def get_file(self, code: str, file_id: str) -> StoredFile | None:
        item = self._get(code, f"F#{file_id}")
        return StoredFile.model_validate_json(item["file"]["S"]) if item else None

    def files(self, code: str) -> list[StoredFile]:
        items = query_all(
            aws.client("dynamodb"),
            TableName=self.table,
            KeyConditionExpression="PK = :pk AND begins_with(SK, :f)",
            ExpressionAttributeValues={":pk": {"S": f"D#{code}"}, ":f": {"S": "F#"}},
            ConsistentRead=True,
        )
        return [StoredFile.model_validate_json(i["file"]["S"]) for i in items]

    def index_document(self, document: ReusableDocument) -> None:
        # The latest wins; a late retry of an older record does not replace a newer one
        # (`at` compared as sortable UTC text).
        at = utc_key(document.at)
        try:
            aws.client("dynamodb").put_item(
                TableName=self.table,
                Item={
                    **_citizen_key(document.id_number, document.document),
                    "document": {"S": document.model_dump_json()},
                    "at": {"S": at},
                },
                ConditionExpression="attribute_not_exists(PK) OR #at <= :at",
                ExpressionAttributeNames={"#at": "at"},
                ExpressionAttributeValues={":at": {"S": at}},
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise

    def documents_of(self, id_number: str) -> list[ReusableDocument]:
        items = query_all(
            aws.client("dynamodb"),
            TableName=self.table,
            KeyConditionExpression="PK = :pk AND begins_with(SK, :d)",
            ExpressionAttributeValues={":pk": {"S": f"CITIZEN#{id_number}"}, ":d": {"S": "DOC#"}},
            ConsistentRead=True,
        )
        return [ReusableDocument.model_validate_json(i["document"]["S"]) for i in items]

    def _get(self, code: str, sk: str) -> dict[str, Any] | None:
        found = aws.client("dynamodb").get_item(
            TableName=self.table, Key=_key(code, sk), ConsistentRead=True
        )
        item: dict[str, Any] | None = found.get("Item")
        return item


class MemoryFileRecords:
    def __init__(self) -> None:
        self.uploads: dict[tuple[str, str], PendingUpload] = {}
        self.stored: dict[tuple[str, str], StoredFile] = {}
        self.documents: dict[tuple[str, str], ReusableDocument] = {}

    def put_upload(self, upload: PendingUpload) -> None:
        key = (upload.code, upload.upload_id)
        if key in self.uploads:
            raise ValueError(f"upload {upload.upload_id} exists")
        self.uploads[key] = upload

    def get_upload(self, code: str, upload_id: str) -> PendingUpload | None:
        return self.uploads.get((code, upload_id))

    def mark_recorded(self, code: str, upload_id: str, file_id: str) -> None:
        upload = self.uploads[(code, upload_id)]
        self.uploads[(code, upload_id)] = upload.model_copy(update={"file_id": file_id})

    def put_file(self, stored: StoredFile) -> StoredFile:
        return self.stored.setdefault((stored.code, stored.file_id), stored)

    def get_file(self, code: str, file_id: str) -> StoredFile | None:
        return self.stored.get((code, file_id))

    def files(self, code: str) -> list[StoredFile]:
        return [f for (c, _), f in sorted(self.stored.items()) if c == code]

    def index_document(self, document: ReusableDocument) -> None:
        key = (document.id_number, document.document)
        kept = self.documents.get(key)
        if kept is None or kept.at <= document.at:
            self.documents[key] = document

    def documents_of(self, id_number: str) -> list[ReusableDocument]:
        return [d for (who, _), d in sorted(self.documents.items()) if who == id_number]
