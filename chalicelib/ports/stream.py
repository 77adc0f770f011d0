"""What the table's stream tells: the typed changes the relay hands to the services
(decoded from DynamoDB images by chalicelib/adapters/table_stream.py)."""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.domain.notifications import NotificationJob


@dataclass(frozen=True)
class OutboxWritten:
    """A new item carried notification jobs (written with a change, in its transaction)."""

    jobs: tuple[NotificationJob, ...]


@dataclass(frozen=True)
class StateWritten:
    """A dossier's state item was written at this revision."""

    code: str
    revision: int
