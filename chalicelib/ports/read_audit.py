"""The audit of officials' reads of personal data: append-only, queryable by day range."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from chalicelib.domain.read_audit import PersonalDataRead


class AuditUnavailable(Exception):
    """The read could not be recorded: the personal data must not be shown (NĐ 13/2023)."""


class ReadAudit(Protocol):
    def record(self, read: PersonalDataRead) -> None:
        """Append `read`; never overwrites another. Raises AuditUnavailable when it cannot."""
        ...

    def reads(
        self,
        start: datetime,
        end: datetime,
        *,
        code: str | None = None,
        actor: str | None = None,
        limit: int = 500,
    ) -> list[PersonalDataRead]:
        """The reads from `start` to `end` (both included), oldest first, of one dossier or one
        official when given; at most `limit`."""
        ...
