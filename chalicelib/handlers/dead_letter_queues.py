"""The operator's hands on the dead-letter queues: list, show, redrive, purge
(`motcua dlq list|show|redrive|purge`).

SQS has no "peek": a letter is read by receiving it, which hides it for a while. So every
command first takes a snapshot of the queue (receives every letter it can see, holding them
hidden), acts only on the letters of the snapshot, then lets the others be seen again at once.
Letters that arrive meanwhile (a redriven letter that fails again comes back within seconds
on a busy stack) are not in the snapshot: the counts a command answers are the letters it
actually moved or deleted, never a guess.

The outbox DLQ (`outbox`) has no source queue: its letters are Lambda's descriptions of stream
batches the relay gave up on (handlers/stream_letters.py). They are listed, shown and purged
like the others, never sent back: `motcua dlq resend` relays their records again.

A FIFO queue shows one message group's letters at a time while some of them are held: a
snapshot of a FIFO DLQ may miss letters of a group with more than ten; the queue's own
counts (`visible`, `in_flight`) are answered beside what was listed, for the operator to see it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from chalicelib.handlers import stream_letters
from chalicelib.handlers.dead_letters import LETTER_KIND, LetterStore, code_in
from chalicelib.handlers.stream_letters import StreamBatch, batch_of

HOLD_SECONDS = 120  # how long a snapshot keeps its letters hidden, at most
SNAPSHOT_LIMIT = 2000  # letters read from one queue by one command


@dataclass(frozen=True)
class DeadLetterQueue:
    """A worker's queue and its dead-letter queue (`name` as the CLI spells it)."""

    name: str
    queue_url: str
    dlq_url: str

    @property
    def fifo(self) -> bool:
        return self.queue_url.endswith(".fifo")

    @property
    def streamed(self) -> bool:
        """Fed by the table's stream (the outbox DLQ): its letters cannot be sent back."""
        return self.name == OUTBOX


QUEUE_NAMES = ("intake", "transitions", "notifications", "portal-sync", "file-fetch")
OUTBOX = "outbox"  # the stream relay's on-failure queue (no source queue)
DLQ_NAMES = (*QUEUE_NAMES, OUTBOX)


def queues_of(settings: Any, names: Iterable[str] = QUEUE_NAMES) -> list[DeadLetterQueue]:
    """The queues the settings name (`<name>_queue_url`, `<name>_dlq_url`)."""
    found = []
    for name in names:
        if name == OUTBOX:
            found.append(DeadLetterQueue(OUTBOX, "", settings.outbox_dlq_url))
            continue
        attribute = name.replace("-", "_")
        found.append(
            DeadLetterQueue(
                name,
                getattr(settings, f"{attribute}_queue_url"),
                getattr(settings, f"{attribute}_dlq_url"),
            )
        )
    return found


@dataclass(frozen=True)
class Letter:
    """One dead letter as a person reads it (masked: no personal data)."""

    id: str  # the original message's id: the same through every redrive
    queue: str
    code: str | None
    reason: str
    reasons: tuple[str, ...]
    first_at: datetime
    sent_at: datetime  # when this copy reached the DLQ
    receive_count: int
    masked: Any
    parked: str | None
    message_id: str  # this copy's id in the DLQ
    group: str | None
    receipt: str = field(repr=False, compare=False)
    body: str = field(repr=False, compare=False)
    batch: StreamBatch | None = None  # an outbox letter's stream batch

    def age_seconds(self, now: datetime) -> float:
        return max((now - self.first_at).total_seconds(), 0.0)

    def as_json(self, now: datetime) -> dict[str, Any]:
        return {
            "id": self.id,
            "queue": self.queue,
            "code": self.code,
            "reason": self.reason,
            "reasons": list(self.reasons),
            "dead_lettered": len(self.reasons) or 1,
            "first_at": self.first_at.isoformat(),
            "sent_at": self.sent_at.isoformat(),
            "age_seconds": int(self.age_seconds(now)),
            "masked": self.masked,
            "dlq_message_id": self.message_id,
            "group": self.group,
        }


def _moment(text: object, fallback: datetime) -> datetime:
    try:
        moment = datetime.fromisoformat(str(text))
    except ValueError:
        return fallback
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def letter_of(queue: str, message: dict[str, Any]) -> Letter:
    """A received DLQ message as a letter; one that is not ours (sent by SQS's own redrive
    policy, body as it was) shows only its length and what the queue says of it."""
    attributes = message.get("Attributes", {})
    extra = {k: v.get("StringValue", "") for k, v in message.get("MessageAttributes", {}).items()}
    sent_at = datetime.fromtimestamp(int(attributes.get("SentTimestamp", "0")) / 1000, UTC)
    body = message.get("Body", "")
    try:
        document = json.loads(body)
    except ValueError:
        document = None
    if isinstance(document, dict) and document.get("kind") == LETTER_KIND:
        parked = str(document.get("parked") or "")
        reasons = document.get("reasons") or (
            [document["reason"]] if document.get("reason") else []
        )
        masked = document.get("masked")
        return Letter(
            id=parked.split("#", 1)[-1] or message["MessageId"],
            queue=queue,
            code=document.get("code") or code_in(masked),
            reason=str(document.get("reason") or extra.get("reason", "")),
            reasons=tuple(str(r) for r in reasons),
            first_at=_moment(document.get("first_at"), sent_at),
            sent_at=sent_at,
            receive_count=int(attributes.get("ApproximateReceiveCount", "1")),
            masked=masked,
            parked=parked or None,
            message_id=message["MessageId"],
            group=attributes.get("MessageGroupId"),
            receipt=message["ReceiptHandle"],
            body=body,
        )
    batch = batch_of(document)
    if batch is not None:  # Lambda's description of a stream batch (the outbox DLQ)
        return Letter(
            id=message["MessageId"],
            queue=queue,
            code=None,
            reason=batch.reason,
            reasons=(batch.reason,),
            first_at=batch.at or sent_at,
            sent_at=sent_at,
            receive_count=int(attributes.get("ApproximateReceiveCount", "1")),
            masked=batch.as_json(),
            parked=None,
            message_id=message["MessageId"],
            group=None,
            receipt=message["ReceiptHandle"],
            body=body,
            batch=batch,
        )
    reason = extra.get("reason") or "moved by the queue's redrive policy (no reason recorded)"
    return Letter(
        id=message["MessageId"],
        queue=queue,
        code=None,
        reason=reason,
        reasons=(reason,),
        first_at=sent_at,
        sent_at=sent_at,
        receive_count=int(attributes.get("ApproximateReceiveCount", "1")),
        masked=f"[not a sealed letter, {len(body)} characters]",
        parked=None,
        message_id=message["MessageId"],
        group=attributes.get("MessageGroupId"),
        receipt=message["ReceiptHandle"],
        body=body,
    )


@dataclass
class Snapshot:
    """The letters of one DLQ a command holds, and what SQS counted before it read them."""

    queue: DeadLetterQueue
    letters: list[Letter]
    visible: int  # ApproximateNumberOfMessages before the snapshot
    in_flight: int  # ApproximateNumberOfMessagesNotVisible before the snapshot

    def matching(self, letter_id: str) -> list[Letter]:
        return [
            letter
            for letter in self.letters
            if letter.id == letter_id or letter.message_id == letter_id
        ]


def snapshot(sqs: Any, queue: DeadLetterQueue, *, limit: int = SNAPSHOT_LIMIT) -> Snapshot:
    counts = sqs.get_queue_attributes(
        QueueUrl=queue.dlq_url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    visible = int(counts.get("ApproximateNumberOfMessages", "0"))
    taken: list[Letter] = []
    seen: set[str] = set()
    wait = 0
    while len(taken) < limit:
        batch = sqs.receive_message(
            QueueUrl=queue.dlq_url,
            MaxNumberOfMessages=10,
            VisibilityTimeout=HOLD_SECONDS,
            WaitTimeSeconds=wait,
            MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        fresh = [m for m in batch if m["MessageId"] not in seen]
        for message in fresh:
            seen.add(message["MessageId"])
            taken.append(letter_of(queue.name, message))
        if fresh:
            wait = 0
            continue
        # A short poll asks some of SQS's servers only: one long poll (all of them) before
        # taking fewer letters than the queue counted.
        if wait or len(taken) >= visible:
            break
        wait = 1
    in_flight = int(counts.get("ApproximateNumberOfMessagesNotVisible", "0"))
    return Snapshot(queue, taken, visible, in_flight)


def release(sqs: Any, snap: Snapshot, letters: Sequence[Letter]) -> None:
    """Let letters of a snapshot be seen again now (not after the hold)."""
    for start in range(0, len(letters), 10):
        chunk = letters[start : start + 10]
        sqs.change_message_visibility_batch(
            QueueUrl=snap.queue.dlq_url,
            Entries=[
                {"Id": str(n), "ReceiptHandle": letter.receipt, "VisibilityTimeout": 0}
                for n, letter in enumerate(chunk)
            ],
        )


def _delete(sqs: Any, snap: Snapshot, letters: Sequence[Letter]) -> int:
    deleted = 0
    for start in range(0, len(letters), 10):
        chunk = letters[start : start + 10]
        answer = sqs.delete_message_batch(
            QueueUrl=snap.queue.dlq_url,
            Entries=[
                {"Id": str(n), "ReceiptHandle": letter.receipt} for n, letter in enumerate(chunk)
            ],
        )
        deleted += len(answer.get("Successful", []))
    return deleted


def redrive(sqs: Any, snap: Snapshot, letters: Sequence[Letter]) -> int:
    """Send these letters of the snapshot back to their queue, each deleted from the DLQ once
    sent; answer how many went back. The worker swaps each for its parked original
    (`dead_letters.original_body`); a FIFO queue gets each in its message group again."""
    moved = 0
    for letter in letters:
        extra: dict[str, str] = {}
        if snap.queue.fifo:
            extra = {
                "MessageGroupId": letter.group or letter.code or "redrive",
                "MessageDeduplicationId": f"redrive-{letter.message_id}",
            }
        sqs.send_message(QueueUrl=snap.queue.queue_url, MessageBody=letter.body, **extra)
        sqs.delete_message(QueueUrl=snap.queue.dlq_url, ReceiptHandle=letter.receipt)
        moved += 1
    return moved


def purge(sqs: Any, snap: Snapshot, letters: Sequence[Letter], store: LetterStore) -> int:
    """Delete these letters of the snapshot for good, and their parked originals (personal data
    kept for a replay that will not come); answer how many were deleted."""
    deleted = _delete(sqs, snap, letters)
    for letter in letters:
        if letter.parked:
            store.forget(letter.parked, source=snap.queue.name)
    return deleted


@dataclass(frozen=True)
class Resend:
    """What `resend` did with one outbox letter."""

    letter: Letter
    read: int  # stream records read
    failed: int  # records the relay failed on again
    deleted: bool  # the letter left the DLQ (every record relayed)
    why_kept: str = ""


def resend(
    sqs: Any,
    streams: Any,
    snap: Snapshot,
    letters: Sequence[Letter],
    relay: Callable[[dict[str, Any]], dict[str, Any]],
) -> list[Resend]:
    """Relay again the stream records these outbox letters describe (while the stream keeps
    them); a letter whose every record was relayed is deleted, the others stay (let go)."""
    done: list[Resend] = []
    for letter in letters:
        if letter.batch is None:
            done.append(Resend(letter, 0, 0, False, "not a description of a stream batch"))
            continue
        try:
            result = stream_letters.resend(streams, letter.batch, relay)
        except stream_letters.RecordsGone as gone:
            done.append(Resend(letter, 0, 0, False, str(gone)))
            continue
        if not result.done:
            why = (
                f"the relay failed again on {result.failed} of {result.read} record(s)"
                if result.read
                else "no record of its range is in the stream"
            )
            done.append(Resend(letter, result.read, result.failed, False, why))
            continue
        sqs.delete_message(QueueUrl=snap.queue.dlq_url, ReceiptHandle=letter.receipt)
        done.append(Resend(letter, result.read, 0, True))
    release(sqs, snap, [r.letter for r in done if not r.deleted])
    return done
