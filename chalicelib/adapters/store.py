"""The dossier store: what the services need from persistence, independent of DynamoDB.

Two implementations: `DynamoStore` (production and the local stack) and `MemoryStore` (unit
tests). Both honour the same rules: a change writes the state and its history entry together
or not at all, under optimistic locking by version, and each command applies at most once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import Enum
from typing import Protocol

from pydantic import BaseModel, ConfigDict, TypeAdapter

from chalicelib.domain.alarms import FiredAlarm
from chalicelib.domain.digest import Digest
from chalicelib.domain.dossier import Dossier, HistoryEntry
from chalicelib.domain.notifications import NotificationJob
from chalicelib.domain.statuses import DossierStatus

DUE_SHARDS = 16  # the timer queries each shard: enough to spread writes, few enough to read


class ApplyOutcome(Enum):
    APPLIED = "applied"
    DUPLICATE = "duplicate"  # this command was applied before (a redelivery)
    CONFLICT = "conflict"  # the state moved since it was read: retry from a fresh read


class CreateOutcome(Enum):
    CREATED = "created"
    DUPLICATE = "duplicate"  # the same submission made a dossier before


@dataclass(frozen=True)
class CreateResult:
    outcome: CreateOutcome
    code: str


class Refusal(BaseModel):
    """A command that was not applied, kept so that whoever sent it can see why."""

    model_config = ConfigDict(frozen=True)

    command_id: str
    action: str
    actor_id: str
    actor_agency: str
    expected_version: int | None
    reason: str
    kind: str  # stale_version, illegal_transition, not_permitted, invalid_input, failed
    field: str | None = None
    at: datetime


class Receipt(BaseModel):
    """What a portal's submission became: queued, accepted (with the code) or refused."""

    model_config = ConfigDict(frozen=True)

    receipt_id: str
    client_id: str
    external_id: str
    status: str  # queued | accepted | refused
    code: str | None = None
    due_at: datetime | None = None
    dossier_status: int | None = None
    errors: list[dict[str, str]] = []
    updated_at: datetime


class CommandRecord(BaseModel):
    model_config = ConfigDict(frozen=True)

    command_id: str
    version: int
    at: datetime


@dataclass(frozen=True)
class DossierRecord:
    """A dossier with everything recorded about it, read in one go."""

    dossier: Dossier
    history: list[HistoryEntry]
    refusals: list[Refusal]
    alarms: list[FiredAlarm] = field(default_factory=list)


@dataclass(frozen=True)
class Page:
    items: list[Dossier]
    cursor: str | None


class DossierStore(Protocol):
    def create(
        self,
        dossier: Dossier,
        entry: HistoryEntry,
        *,
        intake_key: str,
        receipt: Receipt,
        outbox: Sequence[NotificationJob] = (),
        counted: Counted | None = None,
    ) -> CreateResult: ...

    def find_intake(self, intake_key: str) -> str | None: ...

    def next_sequence(self, agency: str, day: date) -> int: ...

    def get(self, code: str) -> Dossier | None: ...

    def load(self, code: str) -> DossierRecord | None: ...

    def apply(
        self,
        dossier: Dossier,
        entry: HistoryEntry,
        *,
        expected_revision: int,
        command_id: str,
        outbox: Sequence[NotificationJob] = (),
        counted: Counted | None = None,
    ) -> ApplyOutcome: ...

    def record_alarms(
        self,
        dossier: Dossier,
        fired: list[FiredAlarm],
        *,
        expected_revision: int,
        outbox: Mapping[str, Sequence[NotificationJob]] | None = None,
    ) -> ApplyOutcome: ...

    def due_codes(self, shard: int, until: datetime) -> list[str]: ...

    def open_due_before(self, agency: str, until: datetime) -> list[Dossier]: ...

    def put_digest(self, digest: Digest, outbox: Sequence[NotificationJob] = ()) -> bool: ...

    def stats(self, agency: str, month: str) -> dict[str, dict[str, int]]: ...

    def all_codes(self) -> list[str]: ...

    def command(self, code: str, command_id: str) -> CommandRecord | None: ...

    def record_refusal(self, code: str, refusal: Refusal) -> None: ...

    def refusal(self, code: str, command_id: str) -> Refusal | None: ...

    def put_receipt(self, receipt: Receipt, *, only_if_new: bool = False) -> None: ...

    def get_receipt(self, receipt_id: str) -> Receipt | None: ...

    def worklist(
        self,
        agency: str,
        *,
        status: DossierStatus | None,
        step: int | None,
        limit: int,
        cursor: str | None,
    ) -> Page: ...


# -- keys shared by the implementations ---------------------------------------------------------
def utc_key(moment: datetime | None) -> str:
    """A sortable UTC timestamp for index keys; open-ended items sort last."""
    if moment is None:
        return "9999-12-31T23:59:59Z"
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def due_shard(code: str) -> int:
    # A stable hash (not Python's salted hash()): the same code lands in the same shard always.
    return sum(code.encode()) % DUE_SHARDS


def on_worklist(dossier: Dossier) -> bool:
    return not dossier.status.is_closed


# The QĐ 766 counters one change adds: ((agency, month, procedure), increments).
Counted = tuple[tuple[str, str, str], Mapping[str, int]]

ALARM_JSON = TypeAdapter(FiredAlarm)
DIGEST_JSON = TypeAdapter(Digest)
JOBS_JSON = TypeAdapter(list[NotificationJob])


def due_until_key(until: datetime) -> str:
    """The largest due-index sort key at or before `until` ("~" sorts after any code)."""
    return f"{utc_key(until)}#~"
