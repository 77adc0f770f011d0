"""The values the dossier store keeps and answers with, independent of how it keeps them."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum
from functools import cached_property
from typing import Any, Generic, TypeVar, cast

from pydantic import BaseModel, ConfigDict, TypeAdapter

from chalicelib.domain.alarms import FiredAlarm
from chalicelib.domain.digest import Digest
from chalicelib.domain.dossier import Dossier, HistoryEntry
from chalicelib.domain.notifications import NotificationJob

DUE_SHARDS = 16  # the timer queries each shard: enough to spread writes, few enough to read

# The QĐ 766 counters one change adds: ((agency, month, procedure), increments).
Counted = tuple[tuple[str, str, str], Mapping[str, int]]

T = TypeVar("T")


class _BuiltOnFirstUse(Generic[T]):
    """A TypeAdapter built when first used: every function imports this module, few keep
    alarms or digests (building one costs the cold start of all the others)."""

    def __init__(self, build: Callable[[], TypeAdapter[T]]) -> None:
        self._build = build

    @cached_property
    def _adapter(self) -> TypeAdapter[T]:
        return self._build()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._adapter, name)


def _built_on_first_use(build: Callable[[], TypeAdapter[T]]) -> TypeAdapter[T]:
    return cast("TypeAdapter[T]", _BuiltOnFirstUse(build))


# How alarms, digests and outbox jobs are serialised where they are kept (and shown).
ALARM_JSON = _built_on_first_use(lambda: TypeAdapter(FiredAlarm))
DIGEST_JSON = _built_on_first_use(lambda: TypeAdapter(Digest))
JOBS_JSON = TypeAdapter(list[NotificationJob])  # every change writes its outbox: built now


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
    reason: str  # in English, for integrators and the log
    kind: str  # stale_version, illegal_transition, not_permitted, invalid_input, failed
    field: str | None = None
    at: datetime
    # The same reason in Vietnamese, for the official (domain/refusals.py); empty in records
    # kept before it was said.
    message: str = ""


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
    # The SHA-256 of the normalised submission this receipt is about (`intake.resend`): the same
    # id with another body is an update or a conflict, never the same receipt.
    fingerprint: str | None = None
    # The dossier's receipt PIN, sealed to this receipt (chalicelib/services/pins.py); the
    # receipt's reader shows it opened, as `pin`.
    pin_sealed: str | None = None


@dataclass(frozen=True)
class IntakeMark:
    """What a submission became: its dossier's code, and the submission last applied to it
    (fingerprint and normalised JSON; None on marks written before re-sends were compared)."""

    code: str
    fingerprint: str | None = None
    request_json: str | None = None


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


# -- changes: what the services build, and the store writes together or not at all ---------------
@dataclass(frozen=True)
class Written:
    """A dossier's next state with all that is written with it: its history entry, the
    notification jobs it causes (the outbox the stream relays) and the QĐ 766 counters it adds."""

    dossier: Dossier
    entry: HistoryEntry
    outbox: Sequence[NotificationJob] = field(default=(), kw_only=True)
    counted: Counted | None = field(default=None, kw_only=True)


@dataclass(frozen=True)
class Change(Written):
    """A change of an existing dossier: applied at most once per command, and only if the
    state is still at the revision it was computed from (else CONFLICT, nothing written)."""

    command_id: str = field(kw_only=True)
    expected_revision: int = field(kw_only=True)
    intake: IntakeUpdate | None = field(default=None, kw_only=True)


@dataclass(frozen=True)
class Opening(Written):
    """The first change: a submission becomes a dossier, once per intake key, with the
    portal's receipt written in the same transaction."""

    intake_key: str = field(kw_only=True)
    receipt: Receipt = field(kw_only=True)
    fingerprint: str | None = field(default=None, kw_only=True)
    request_json: str | None = field(default=None, kw_only=True)

    @property
    def mark(self) -> IntakeMark:
        return IntakeMark(self.dossier.code, self.fingerprint, self.request_json)


@dataclass(frozen=True)
class IntakeUpdate:
    """Written with an `update_details` change: the submission it applied, and its receipt."""

    intake_key: str
    mark: IntakeMark
    receipt: Receipt


def utc_key(moment: datetime | None) -> str:
    """A sortable UTC timestamp for keys (index keys, command ids); open-ended sorts last."""
    if moment is None:
        return "9999-12-31T23:59:59Z"
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
