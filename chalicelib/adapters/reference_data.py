"""Where the agency registry and alias table are read from, and how a change is noticed.

- `FileReference`: the files in the data folder (`data/agencies.yaml`, `agency_aliases.yaml`);
  their version is their size and modification time, so an edit on the local stack is seen.
- `TableReference`: the item `REF#agencies` / `REF` of the dossier table, written by the CLI
  (`motcua reference push`) after it checked the files; its version is a
  number the CLI raises by one, conditionally. Without the item, the packaged files. A deployed
  stage edits its registry this way, without a deploy: each worker asks for the version at most
  once per `MOTCUA_REFERENCE_REFRESH_SECONDS` (one small read) and reloads when it moved.
- `MemoryReference`: the fake.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.adapters.aws import client
from chalicelib.adapters.catalog_files import AGENCIES_FILE, AGENCY_ALIASES_FILE
from chalicelib.adapters.packing import pack, unpack
from chalicelib.ports.reference import ReferenceTexts

KEY = {"PK": {"S": "REF#agencies"}, "SK": {"S": "REF"}}


class StaleReference(Exception):
    """Another push moved the version first: read it again and decide."""


class FileReference:
    def __init__(self, data_dir: Path) -> None:
        self.agencies = data_dir / AGENCIES_FILE
        self.aliases = data_dir / AGENCY_ALIASES_FILE

    def version(self) -> str:
        parts = []
        for path in (self.agencies, self.aliases):
            try:
                found = path.stat()
            except FileNotFoundError:
                parts.append("-")
                continue
            parts.append(f"{found.st_size}@{found.st_mtime_ns}")
        return "files:" + ",".join(parts)

    def read(self) -> ReferenceTexts:
        version = self.version()
        aliases = self.aliases.read_bytes() if self.aliases.exists() else None
        return ReferenceTexts(
            self.agencies.read_bytes(), aliases, version, origin=str(self.agencies.parent)
        )


class TableReference:
    def __init__(self, table_name: str, files: FileReference) -> None:
        self.table = table_name
        self.files = files

    def _get(self, projection: str | None = None) -> dict[str, Any] | None:
        kwargs: dict[str, Any] = {"TableName": self.table, "Key": KEY, "ConsistentRead": True}
        if projection:
            kwargs["ProjectionExpression"] = projection
        found: dict[str, Any] | None = client("dynamodb").get_item(**kwargs).get("Item")
        return found

    def version(self) -> str:
        found = self._get("version")
        return f"table:{found['version']['N']}" if found else self.files.version()

    def read(self) -> ReferenceTexts:
        found = self._get()
        if found is None:
            return self.files.read()
        number = found["version"]["N"]
        return ReferenceTexts(
            agencies=unpack(found["agencies"]),
            aliases=unpack(found["aliases"]) if "aliases" in found else None,
            version=f"table:{number}",
            origin=f"{self.table} REF#agencies v{number}",
        )

    def write(self, agencies: bytes, aliases: bytes | None, *, after: str) -> str:
        """Store new texts as the version after `after` (what the writer read); raises
        StaleReference when another push came in between."""
        number = int(after.removeprefix("table:")) if after.startswith("table:") else 0
        item: dict[str, Any] = {
            **KEY,
            "version": {"N": str(number + 1)},
            "agencies": pack(agencies),
        }
        if aliases is not None:
            item["aliases"] = pack(aliases)
        condition = (
            "attribute_not_exists(PK)" if number == 0 else "version = :seen"
        )  # a first push expects no item
        kwargs: dict[str, Any] = {"TableName": self.table, "Item": item,
                                  "ConditionExpression": condition}  # fmt: skip
        if number:
            kwargs["ExpressionAttributeValues"] = {":seen": {"N": str(number)}}
        try:
            client("dynamodb").put_item(**kwargs)
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                raise StaleReference(f"the registry moved past {after}") from error
            raise
        return f"table:{number + 1}"


class MemoryReference:
    """The fake: texts set by the test; each `set` is a new version."""

    def __init__(self, agencies: bytes, aliases: bytes | None = None) -> None:
        self._texts = ReferenceTexts(agencies, aliases, "memory:1", origin="memory")
        self.reads = 0

    def set(self, agencies: bytes, aliases: bytes | None = None) -> None:
        number = int(self._texts.version.removeprefix("memory:")) + 1
        self._texts = ReferenceTexts(agencies, aliases, f"memory:{number}", origin="memory")

    def version(self) -> str:
        return self._texts.version

    def read(self) -> ReferenceTexts:
        self.reads += 1
        return self._texts
