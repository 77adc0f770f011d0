"""The table's stream, read: a DynamoDB stream record (attribute values as `{"S": ...}`,
`{"N": ...}`) becomes the typed facts the services act on.

- `OutboxWritten`: a new item carried notification jobs (a history entry, an alarm, a digest);
  they are relayed once, so only INSERTs count.
- `StateWritten`: a dossier's state item was created or changed (the national portal sync).

`RELAY_FILTERS` are the Lambda event filter patterns of the relay, the same facts as stream
shapes: the records that are neither never invoke it (app.py puts them on the function,
infra/compose.py on the event source mapping, devstack applies them locally).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chalicelib.adapters.packing import unpack
from chalicelib.ports.records import JOBS_JSON
from chalicelib.ports.stream import OutboxWritten, StateWritten

STATE_KEY = "STATE"  # the sort key of a dossier's state item (dynamo_store.STATE)
DOSSIER_PREFIX = "D#"  # the partition key of a dossier's items: D#<code>

# Most writes are neither an outbox nor a state: command markers, receipts, counters, sequences,
# the delivery log, replay-guard signatures.
# An outbox is packed (`B`); one written before packing is plain JSON (`S`).
RELAY_FILTERS: list[dict[str, Any]] = [
    {"eventName": ["INSERT"], "dynamodb": {"NewImage": {"outbox": {"B": [{"exists": True}]}}}},
    {"eventName": ["INSERT"], "dynamodb": {"NewImage": {"outbox": {"S": [{"exists": True}]}}}},
    {"eventName": ["INSERT", "MODIFY"], "dynamodb": {"NewImage": {"SK": {"S": [STATE_KEY]}}}},
]


TableChange = OutboxWritten | StateWritten


def _new_image(stream_record: Mapping[str, Any]) -> Mapping[str, Any]:
    return stream_record.get("dynamodb", {}).get("NewImage", {})


def outbox_written(stream_record: Mapping[str, Any]) -> OutboxWritten | None:
    """The jobs an item carried when it was written (only new items: a job is sent once)."""
    if stream_record.get("eventName") != "INSERT":
        return None
    carried = _new_image(stream_record).get("outbox")
    jobs = JOBS_JSON.validate_json(unpack(carried)) if carried else []
    return OutboxWritten(tuple(jobs)) if jobs else None


def state_written(stream_record: Mapping[str, Any]) -> StateWritten | None:
    """Any new or changed dossier state (a new status, step, date or alarm all change what the
    national portal shows or may show)."""
    if stream_record.get("eventName") not in ("INSERT", "MODIFY"):
        return None
    image = _new_image(stream_record)
    if image.get("SK", {}).get("S") != STATE_KEY:
        return None
    return StateWritten(
        code=image["PK"]["S"].removeprefix(DOSSIER_PREFIX), revision=int(image["revision"]["N"])
    )


def changes_in(stream_record: Mapping[str, Any]) -> list[TableChange]:
    """What one stream record tells: the jobs first, then the state."""
    found = (outbox_written(stream_record), state_written(stream_record))
    return [change for change in found if change is not None]
