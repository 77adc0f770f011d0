"""Sending work to the queues, and dead letters with their reason.

SQS moves a message to its DLQ after too many receives, but says nothing of why. Workers
therefore send a message that will not succeed to the DLQ themselves, with the reason as a
message attribute, and the redrive policy stays as the net for crashes and timeouts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from chalicelib.adapters.aws import client
from chalicelib.ports.queues import DeadLetter


def _fifo(group: str | None, dedup_id: str | None) -> dict[str, str]:
    """A FIFO queue's ordering group and deduplication id; nothing for a standard queue."""
    if group is None:
        return {}
    return {"MessageGroupId": group, "MessageDeduplicationId": dedup_id or group}


class SqsPublisher:
    def send(
        self,
        queue_url: str,
        body: dict[str, Any],
        *,
        group: str | None = None,
        dedup_id: str | None = None,
    ) -> None:
        kwargs: dict[str, Any] = {"QueueUrl": queue_url, "MessageBody": json.dumps(body)}
        client("sqs").send_message(**kwargs, **_fifo(group, dedup_id))

    def dead_letter(
        self,
        dlq_url: str,
        letter: DeadLetter,
        *,
        group: str | None = None,
        dedup_id: str | None = None,
    ) -> None:
        attributes = {"reason": letter.reason[:1000], "source": letter.source, **letter.attributes}
        kwargs: dict[str, Any] = {
            "QueueUrl": dlq_url,
            "MessageBody": letter.body,
            "MessageAttributes": {
                name: {"DataType": "String", "StringValue": value}
                for name, value in attributes.items()
                if value
            },
        }
        client("sqs").send_message(**kwargs, **_fifo(group, dedup_id))


@dataclass
class InMemoryPublisher:
    sent: list[tuple[str, dict[str, Any], str | None]] = field(default_factory=list)
    dead: list[tuple[str, DeadLetter]] = field(default_factory=list)
    fail_next: int = 0  # make the next N sends raise, to test that nothing is half-written

    def send(
        self,
        queue_url: str,
        body: dict[str, Any],
        *,
        group: str | None = None,
        dedup_id: str | None = None,
    ) -> None:
        if self.fail_next:
            self.fail_next -= 1
            raise ConnectionError("injected send failure")
        self.sent.append((queue_url, body, group))

    def dead_letter(
        self,
        dlq_url: str,
        letter: DeadLetter,
        *,
        group: str | None = None,
        dedup_id: str | None = None,
    ) -> None:
        self.dead.append((dlq_url, letter))
