"""Where PAKN are kept (domain/feedback.py), with their counters, alarms and notices."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Protocol

from chalicelib.domain.alarms import FiredAlarm
from chalicelib.domain.feedback import Feedback
from chalicelib.domain.notifications import NotificationJob
from chalicelib.ports.records import ApplyOutcome, Counted


class FeedbackStore(Protocol):
    def create(self, item: Feedback, *, counted: Counted | None) -> bool:
        """Write a new PAKN with its counters, once: False when its id exists already."""
        ...

    def get(self, agency: str, feedback_id: str) -> Feedback | None: ...

    def save(
        self,
        item: Feedback,
        *,
        expected_revision: int,
        counted: Counted | None = None,
        outbox: Sequence[NotificationJob] = (),
        alarms: Sequence[FiredAlarm] = (),
        alarm_outbox: Mapping[str, Sequence[NotificationJob]] | None = None,
    ) -> ApplyOutcome:
        """The PAKN's next state, if still at `expected_revision` (else CONFLICT, nothing
        written), with its counters, the notices of the change (an event item, relayed) and
        the alarms it fired (each at most once: DUPLICATE when one exists)."""
        ...

    def due(self, until: datetime) -> list[tuple[str, str]]:
        """(agency, id) of the open PAKN whose next alarm is at or before `until`."""
        ...

    def of_agency(self, agency: str) -> list[Feedback]:
        """The agency's PAKN, newest first."""
        ...
