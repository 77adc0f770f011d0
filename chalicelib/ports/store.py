"""The dossier store, cut per use case: each service depends on what it calls, nothing more.

Two implementations honour every protocol here (structurally): `DynamoStore` (production and
the local stack) and `MemoryStore` (the unit tests' fake); tests/contract holds them to the same
promises. A change writes the state, its history entry, its outbox and its counters together
or not at all, under optimistic locking by revision, and each command applies at most once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Protocol

from chalicelib.domain.alarms import FiredAlarm
from chalicelib.domain.digest import Digest
from chalicelib.domain.dossier import Dossier
from chalicelib.domain.notifications import NotificationJob
from chalicelib.domain.statuses import DossierStatus
from chalicelib.ports.records import (
    ApplyOutcome,
    Change,
    CommandRecord,
    CreateResult,
    DossierRecord,
    IntakeMark,
    Opening,
    Page,
    Receipt,
    Refusal,
)


# -- building blocks ---------------------------------------------------------------------------
class DossierLookup(Protocol):
    def get(self, code: str) -> Dossier | None: ...


class DossierLoader(Protocol):
    def load(self, code: str) -> DossierRecord | None: ...


class ChangeWriter(Protocol):
    def apply(self, change: Change) -> ApplyOutcome: ...


class ReceiptStore(Protocol):
    def put_receipt(self, receipt: Receipt, *, only_if_new: bool = False) -> None: ...

    def get_receipt(self, receipt_id: str) -> Receipt | None: ...


class OpenDossiers(Protocol):
    def open_due_before(self, agency: str, until: datetime) -> list[Dossier]: ...


# -- per use case ------------------------------------------------------------------------------
class IntakeStore(ReceiptStore, Protocol):
    """The intake worker: one dossier per submission."""

    def find_intake(self, intake_key: str) -> IntakeMark | None: ...

    def get(self, code: str) -> Dossier | None: ...

    def apply(self, change: Change) -> ApplyOutcome: ...

    def next_sequence(self, agency: str, day: date) -> int: ...

    def create(self, opening: Opening) -> CreateResult: ...


class CommandRequests(Protocol):
    """What the API queued: one record per command id, with the request's fingerprint, so that
    a key reused for another request is told apart from a retry, and a command id never seen is
    told apart from one still queued."""

    def record_request(
        self, code: str, command_id: str, fingerprint: str, at: datetime
    ) -> str | None:
        """Record the request; None when new, else the fingerprint recorded before."""
        ...

    def requested(self, code: str, command_id: str) -> bool: ...


class TransitionStore(DossierLookup, ChangeWriter, Protocol):
    """The transition worker: apply a command once, or record why not."""

    def command(self, code: str, command_id: str) -> CommandRecord | None: ...

    def record_refusal(self, code: str, refusal: Refusal) -> None: ...


class TimerStore(DossierLookup, DossierLoader, Protocol):
    """The deadline timer: the due index, fired alarms written once, and a dossier's history
    (what a supplement reminder says is missing)."""

    def due_codes(self, shard: int, until: datetime) -> list[str]: ...

    def record_alarms(
        self,
        dossier: Dossier,
        fired: list[FiredAlarm],
        *,
        expected_revision: int,
        outbox: Mapping[str, Sequence[NotificationJob]] | None = None,
    ) -> ApplyOutcome: ...


class DigestStore(OpenDossiers, Protocol):
    """The daily digest, once per agency and day."""

    def put_digest(self, digest: Digest, outbox: Sequence[NotificationJob] = ()) -> bool: ...


class RecalendarStore(OpenDossiers, DossierLoader, ChangeWriter, Protocol):
    """Counting open dossiers' dates again after a calendar change."""


class ReadingStore(DossierLookup, DossierLoader, CommandRequests, Protocol):
    """What officials, citizens and portals read."""

    def worklist(
        self,
        agency: str,
        *,
        status: DossierStatus | None,
        step: int | None,
        limit: int,
        cursor: str | None,
    ) -> Page: ...

    def command(self, code: str, command_id: str) -> CommandRecord | None: ...

    def refusal(self, code: str, command_id: str) -> Refusal | None: ...

    def get_receipt(self, receipt_id: str) -> Receipt | None: ...


class ReportStore(DossierLoader, Protocol):
    """The QĐ 766 report (with the open dossiers already overdue), and the operator's rebuild
    that checks its counters."""

    def open_due_before(self, agency: str, until: datetime) -> list[Dossier]: ...

    def stats(self, agency: str, month: str) -> dict[str, dict[str, int]]: ...

    def all_codes(self) -> list[str]: ...


class DossierStore(
    IntakeStore,
    TransitionStore,
    TimerStore,
    DigestStore,
    RecalendarStore,
    ReadingStore,
    ReportStore,
    Protocol,
):
    """Every use case at once: what an implementation provides (the composition root and the
    contract tests hold one of these; a service never asks for all of it)."""
