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
"Start DLQ redrive", `aws sqs start-message-move-task`) or `motcua dlq redrive`: a letter that
comes back to its source queue is swapped for its parked original before the worker handles it
(`original_body`), so it is handled exactly as it was first sent.

A letter keeps its story across redrives: the park records every reason and when the message
was first dead-lettered, and a link from the original's digest (`LETTER#<source>#sha256:…` /
`LINK`) finds that park again when the original, redriven, fails once more (the worker only
sees the original then, under a new message id). Each letter names its dossier (`code`) and
its id, the original's message id, which stays the same through every redrive
(`motcua dlq list|show|redrive|purge`, `handlers/dead_letter_queues.py`).

Not covered: a message that the worker never gets to dead-letter (it crashed or timed out on
its last tries) is moved by the queue's redrive policy, body as it was: that net is SQS's own.
The worker dead-letters on the try before the policy's last one to keep that rare.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from chalicelib.adapters.aws import client
from chalicelib.domain import masking
from chalicelib.services.failures import PermanentFailure

LETTER_KIND = "dead-letter.v1"
PARK_DAYS = 15  # the DLQs keep a message 14 days (MessageRetentionPeriod)


MAX_REASONS = 10  # the latest reasons a park keeps (a letter redriven again and again)


@dataclass(frozen=True)
class History:
    """What a park remembers of its message: every reason it was dead-lettered for (oldest
    first, the latest `MAX_REASONS`) and when it was first."""

    reasons: tuple[str, ...]
    first_at: str


class LetterStore(Protocol):
    def park(
        self, key: str, body: str, *, source: str, at: datetime, reason: str = ""
    ) -> History: ...

    def parked(self, key: str) -> str | None: ...

    def key_of(self, source: str, body: str) -> str | None: ...

    def forget(self, key: str, *, source: str) -> None: ...


def letter_key(source: str, message_id: str) -> str:
    return f"{source}#{message_id}"


def digest_key(source: str, body: str) -> str:
    return f"{source}#sha256:{hashlib.sha256(body.encode('utf-8')).hexdigest()}"


class DynamoLetters:
    def __init__(self, table_name: str) -> None:
        self.table = table_name

    def _key(self, key: str, sort: str = "LETTER") -> dict[str, Any]:
        return {"PK": {"S": f"LETTER#{key}"}, "SK": {"S": sort}}

    def park(self, key: str, body: str, *, source: str, at: datetime, reason: str = "") -> History:
        expires = {"N": str(int((at + timedelta(days=PARK_DAYS)).timestamp()))}
        # Read, then put (each worker's policy allows GetItem and PutItem on the table): two
        # copies of one body dead-lettered at the same moment may keep one reason of the two.
        before = (
            client("dynamodb")
            .get_item(TableName=self.table, Key=self._key(key), ConsistentRead=True)
            .get("Item", {})
        )
        reasons = [r["S"] for r in before.get("reasons", {}).get("L", [])]
        reasons = (reasons + ([reason] if reason else []))[-MAX_REASONS:]
        first_at = before.get("first_at", {}).get("S") or at.isoformat()
        client("dynamodb").put_item(
            TableName=self.table,
            Item={
                **self._key(key),
                "body": {"S": body},
                "source": {"S": source},
                "at": {"S": at.isoformat()},
                "first_at": {"S": first_at},
                "reasons": {"L": [{"S": r} for r in reasons]},
                "expires_at": expires,
            },
        )
        # The original, redriven, comes back under a new message id: its digest finds this park.
        client("dynamodb").put_item(
            TableName=self.table,
            Item={
                **self._key(digest_key(source, body), "LINK"),
                "parked": {"S": key},
                "expires_at": expires,
            },
        )
        return History(tuple(reasons), first_at)

    def parked(self, key: str) -> str | None:
        item = (
            client("dynamodb")
            .get_item(TableName=self.table, Key=self._key(key), ConsistentRead=True)
            .get("Item")
        )
        return item["body"]["S"] if item else None

    def key_of(self, source: str, body: str) -> str | None:
        item = (
            client("dynamodb")
            .get_item(
                TableName=self.table,
                Key=self._key(digest_key(source, body), "LINK"),
                ConsistentRead=True,
            )
            .get("Item")
        )
        return item["parked"]["S"] if item else None

    def forget(self, key: str, *, source: str) -> None:
        body = self.parked(key)
        if body is not None:
            client("dynamodb").delete_item(
                TableName=self.table, Key=self._key(digest_key(source, body), "LINK")
            )
        client("dynamodb").delete_item(TableName=self.table, Key=self._key(key))


class MemoryLetters:
    def __init__(self) -> None:
        self.bodies: dict[str, str] = {}
        self.histories: dict[str, History] = {}
        self.links: dict[str, str] = {}

    def park(self, key: str, body: str, *, source: str, at: datetime, reason: str = "") -> History:
        self.bodies[key] = body
        before = self.histories.get(key, History((), at.isoformat()))
        reasons = (*before.reasons, reason) if reason else before.reasons
        self.histories[key] = History(reasons[-MAX_REASONS:], before.first_at)
        self.links[digest_key(source, body)] = key
        return self.histories[key]

    def parked(self, key: str) -> str | None:
        return self.bodies.get(key)

    def key_of(self, source: str, body: str) -> str | None:
        return self.links.get(digest_key(source, body))

    def forget(self, key: str, *, source: str) -> None:
        body = self.bodies.pop(key, None)
        self.histories.pop(key, None)
        if body is not None:
            self.links.pop(digest_key(source, body), None)


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


def code_in(document: Any) -> str | None:
    """The dossier code a queued body names, if any (a transition, a notice, a sync or a fetch
    names it; an intake does when its portal numbered it)."""
    if not isinstance(document, dict):
        return None
    request = document.get("request")
    code = document.get("code") or (request.get("code") if isinstance(request, dict) else None)
    return code if isinstance(code, str) else None


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
    masked_reason = masking.mask(reason)
    letter = _as_letter(raw)
    if letter is not None:  # its original is gone (not parked any more): the letter again
        key = str(letter["parked"])
        history = History(
            (*_reasons_of(letter), masked_reason)[-MAX_REASONS:],
            str(letter.get("first_at") or now.isoformat()),
        )
        code = letter.get("code")
    else:  # first time, or the original redriven and failed again: the park it had
        key = letters.key_of(source, raw) or letter_key(source, message_id)
        history = letters.park(key, raw, source=source, at=now, reason=masked_reason)
        try:
            code = code_in(json.loads(raw))
        except ValueError:
            code = None
    return json.dumps(
        {
            "kind": LETTER_KIND,
            "source": source,
            "message_id": message_id,
            "parked": key,
            "code": code,
            "reason": masked_reason,
            "reasons": list(history.reasons),
            "first_at": history.first_at,
            "masked": masked_copy(raw),
        },
        ensure_ascii=False,
    )


def _reasons_of(letter: dict[str, Any]) -> tuple[str, ...]:
    reasons = letter.get("reasons")
    if isinstance(reasons, list):
        return tuple(str(r) for r in reasons)
    return (str(letter["reason"]),) if letter.get("reason") else ()


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
