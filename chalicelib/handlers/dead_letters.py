"""Dead letters that show no personal data, and lose no message.

A queued message carries personal data (an intake names the applicant, with id number and
phone; a notice carries the phone and the text). The DLQ is read by people (operators, the
console, alarms' links); the message must still be replayable, exactly as it was. So a worker
that gives up on a message:

1. parks the original body in the table, `LETTER#<source>#<message id>` / `LETTER`, for
   `PARK_DAYS` (one more than the DLQ keeps a message): the table already holds the same
   personal data, under the same access rules and encryption at rest;
2. sends the DLQ a letter: `{"kind": "dead-letter.v1", "source", "message_id", "parked",
   "reason", "masked"}`, where `masked` is the body masked as the logs are
   (`masking.redact`: phones, id numbers, emails, applicants' names by key) and with
   every free text (a value with a space: a name, a note, a message's text) replaced by its
   length, since a name in free text cannot be told from other words; a body that is not JSON
   shows only its length. The reason is masked as the logs are. Codes, keys, actions, ids and
   dates stay, so a person can tell what the message was about.

The park comes first: if the DLQ send fails the record fails and is retried, and the park is
overwritten with the same body. Replay needs nothing but SQS's own redrive (the console's
"Start DLQ redrive", `aws sqs start-message-move-task`) or `redrive` below (`python -m
chalicelib.cli dlq redrive intake`): a letter that comes back to its source queue is swapped
for its parked original before the worker handles it (`original_body`), so it is handled
exactly as it was first sent.

Not covered: a message that the worker never gets to dead-letter (it crashed or timed out on
its last tries) is moved by the queue's redrive policy, body as it was: that net is SQS's own.
The worker dead-letters on the try before the policy's last one to keep that rare.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any, Protocol

from chalicelib.adapters.aws import client
from chalicelib.domain import masking
from chalicelib.services.failures import PermanentFailure

LETTER_KIND = "dead-letter.v1"
PARK_DAYS = 15  # the DLQs keep a message 14 days (MessageRetentionPeriod)


class LetterStore(Protocol):
    def park(self, key: str, body: str, *, source: str, at: datetime) -> None: ...

    def parked(self, key: str) -> str | None: ...


def letter_key(source: str, message_id: str) -> str:
    return f"{source}#{message_id}"


class DynamoLetters:
    def __init__(self, table_name: str) -> None:
        self.table = table_name

    def _key(self, key: str) -> dict[str, Any]:
        return {"PK": {"S": f"LETTER#{key}"}, "SK": {"S": "LETTER"}}

    def park(self, key: str, body: str, *, source: str, at: datetime) -> None:
        expires = int((at + timedelta(days=PARK_DAYS)).timestamp())
        client("dynamodb").put_item(
            TableName=self.table,
            Item={
                **self._key(key),
                "body": {"S": body},
                "source": {"S": source},
                "at": {"S": at.isoformat()},
                "expires_at": {"N": str(expires)},
            },
        )

    def parked(self, key: str) -> str | None:
        item = (
            client("dynamodb")
            .get_item(TableName=self.table, Key=self._key(key), ConsistentRead=True)
            .get("Item")
        )
        return item["body"]["S"] if item else None


class MemoryLetters:
    def __init__(self) -> None:
        self.bodies: dict[str, str] = {}

    def park(self, key: str, body: str, *, source: str, at: datetime) -> None:
        self.bodies[key] = body

    def parked(self, key: str) -> str | None:
        return self.bodies.get(key)


def _as_letter(raw: str) -> dict[str, Any] | None:
    if LETTER_KIND not in raw:
        return None
    try:
        document = json.loads(raw)
    except ValueError:
        return None
    if isinstance(document, dict) and document.get("kind") == LETTER_KIND:
        return document
    return None


def _no_free_text(value: Any) -> Any:
    if isinstance(value, str):
        return f"[text, {len(value)} characters]" if any(c.isspace() for c in value) else value
    if isinstance(value, dict):
        return {key: _no_free_text(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_no_free_text(item) for item in value]
    return value


def masked_copy(raw: str) -> Any:
    """The body as a person may read it: masked as the logs are, free text left out."""
    letter = _as_letter(raw)
    if letter is not None:  # a replayed letter that failed again: its mask is already made
        return letter.get("masked")
    try:
        document = json.loads(raw)
    except ValueError:
        return f"[not JSON, {len(raw)} characters]"
    return _no_free_text(masking.redact(document))


def seal(
    raw: str,
    *,
    source: str,
    message_id: str,
    reason: str,
    letters: LetterStore,
    now: datetime,
) -> str:
    """Park the original body; answer the DLQ's body, with no personal data in clear."""
    letter = _as_letter(raw)
    key = letter["parked"] if letter is not None else letter_key(source, message_id)
    if letter is None:
        letters.park(key, raw, source=source, at=now)
    return json.dumps(
        {
            "kind": LETTER_KIND,
            "source": source,
            "message_id": message_id,
            "parked": key,
            "reason": masking.mask(reason),
            "masked": masked_copy(raw),
        },
        ensure_ascii=False,
    )


def original_body(raw: str, letters: LetterStore) -> str:
    """A letter back from its DLQ (redriven): the body it parked. Anything else: itself."""
    letter = _as_letter(raw)
    if letter is None:
        return raw
    parked = letters.parked(str(letter.get("parked")))
    if parked is None:
        raise PermanentFailure(
            f"dead letter {letter.get('parked')}: its original is no longer parked "
            f"(kept {PARK_DAYS} days)"
        )
    return parked


def redrive(sqs: Any, dlq_url: str, source_url: str, *, limit: int = 10_000) -> int:
    """Move the letters of a DLQ back to their source queue (what SQS's own redrive does);
    answer how many. A FIFO queue gets each letter in its message group again."""
    moved = 0
    fifo = source_url.endswith(".fifo")
    while moved < limit:
        messages = sqs.receive_message(
            QueueUrl=dlq_url,
            MaxNumberOfMessages=10,
            MessageSystemAttributeNames=["MessageGroupId"],
            VisibilityTimeout=60,
        ).get("Messages", [])
        if not messages:
            return moved
        for message in messages:
            extra: dict[str, str] = {}
            if fifo:
                group = message.get("Attributes", {}).get("MessageGroupId", "redrive")
                extra = {
                    "MessageGroupId": group,
                    "MessageDeduplicationId": f"redrive-{message['MessageId']}",
                }
            sqs.send_message(QueueUrl=source_url, MessageBody=message["Body"], **extra)
            sqs.delete_message(QueueUrl=dlq_url, ReceiptHandle=message["ReceiptHandle"])
            moved += 1
    return moved


def drain(sqs: Any, dlq_url: str) -> list[dict[str, Any]]:
    """Take every letter out of a DLQ (attributes included): for tests and tallies."""
    taken: list[dict[str, Any]] = []
    while batch := sqs.receive_message(
        QueueUrl=dlq_url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]
    ).get("Messages", []):
        for message in batch:
            sqs.delete_message(QueueUrl=dlq_url, ReceiptHandle=message["ReceiptHandle"])
        taken += batch
    return taken
