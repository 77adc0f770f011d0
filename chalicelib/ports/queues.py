"""Sending work to the queues, and dead letters with their reason."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class DeadLetter:
    body: str
    reason: str
    source: str
    attributes: dict[str, str] = field(default_factory=dict)


class Publisher(Protocol):
    def send(
        self,
        queue_url: str,
        body: dict[str, Any],
        *,
        group: str | None = None,
        dedup_id: str | None = None,
    ) -> None: ...

    def dead_letter(
        self,
        dlq_url: str,
        letter: DeadLetter,
        *,
        group: str | None = None,
        dedup_id: str | None = None,
    ) -> None: ...
