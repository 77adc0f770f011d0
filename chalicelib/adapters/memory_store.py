"""In-memory dossier store for unit tests: the same rules as DynamoStore, no AWS.

Each change is applied under one lock, all of it or nothing (tests/contract holds both stores
to the same promises)."""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import date, datetime

from chalicelib.adapters.store import due_shard, on_worklist
from chalicelib.domain.alarms import FiredAlarm
from chalicelib.domain.digest import Digest
from chalicelib.domain.dossier import Dossier, HistoryEntry
from chalicelib.domain.notifications import NotificationJob
from chalicelib.domain.statuses import DossierStatus
from chalicelib.ports.errors import DossierCodeTaken, InvalidCursor
from chalicelib.ports.records import (
    ApplyOutcome,
    Change,
    CommandRecord,
    Counted,
    CreateOutcome,
    CreateResult,
    DossierRecord,
    IntakeMark,
    Opening,
    Page,
    Receipt,
    Refusal,
    utc_key,
)


class MemoryStore:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.dossiers: dict[str, Dossier] = {}
        self.history: dict[str, list[HistoryEntry]] = defaultdict(list)
        self.commands: dict[tuple[str, str], CommandRecord] = {}
        self.refusals: dict[tuple[str, str], Refusal] = {}
        self.requests: dict[tuple[str, str], str] = {}
        self.intake: dict[str, IntakeMark] = {}
        self.receipts: dict[str, Receipt] = {}
        self.sequences: dict[tuple[str, date], int] = defaultdict(int)
        self.alarms: dict[tuple[str, str], FiredAlarm] = {}
        self.digests: dict[tuple[str, date], Digest] = {}
        # What a stream would relay: the jobs written with each change, in order.
        self.outbox: list[NotificationJob] = []
        self.counters: dict[tuple[str, str], dict[str, dict[str, int]]] = {}

    def find_intake(self, intake_key: str) -> IntakeMark | None:
        return self.intake.get(intake_key)

    def next_sequence(self, agency: str, day: date) -> int:
        with self._lock:
            self.sequences[(agency, day)] += 1
            return self.sequences[(agency, day)]

    def create(self, opening: Opening) -> CreateResult:
        dossier = opening.dossier
        with self._lock:
            if opening.intake_key in self.intake:
                return CreateResult(CreateOutcome.DUPLICATE, self.intake[opening.intake_key].code)
            if dossier.code in self.dossiers:
                raise DossierCodeTaken(dossier.code)
            self.intake[opening.intake_key] = opening.mark
            self.dossiers[dossier.code] = dossier
            self.history[dossier.code].append(opening.entry)
            self.receipts[opening.receipt.receipt_id] = opening.receipt
            self.outbox.extend(opening.outbox)
            self._count(opening.counted)
        return CreateResult(CreateOutcome.CREATED, dossier.code)

    def record_request(
        self, code: str, command_id: str, fingerprint: str, at: datetime
    ) -> str | None:
        with self._lock:
            known = self.requests.get((code, command_id))
            if known is None:
                self.requests[(code, command_id)] = fingerprint
            return known

    def requested(self, code: str, command_id: str) -> bool:
        return (code, command_id) in self.requests

    def get(self, code: str) -> Dossier | None:
        return self.dossiers.get(code)

    def load(self, code: str) -> DossierRecord | None:
        dossier = self.dossiers.get(code)
        if dossier is None:
            return None
        refusals = sorted(
            (r for (c, _), r in self.refusals.items() if c == code), key=lambda r: r.at
        )
        fired = sorted((a for (c, _), a in self.alarms.items() if c == code),
                       key=lambda a: a.fired_at)  # fmt: skip
        return DossierRecord(dossier, list(self.history[code]), refusals, fired)

    def apply(self, change: Change) -> ApplyOutcome:
        dossier, command_id = change.dossier, change.command_id
        with self._lock:
            if (dossier.code, command_id) in self.commands:
                return ApplyOutcome.DUPLICATE
            current = self.dossiers.get(dossier.code)
            if current is None or current.revision != change.expected_revision:
                return ApplyOutcome.CONFLICT
            self.dossiers[dossier.code] = dossier
            self.history[dossier.code].append(change.entry)
            self.commands[(dossier.code, command_id)] = CommandRecord(
                command_id=command_id, version=dossier.version, at=change.entry.at
            )
            self.outbox.extend(change.outbox)
            self._count(change.counted)
            if change.intake is not None:
                self.intake[change.intake.intake_key] = change.intake.mark
                self.receipts[change.intake.receipt.receipt_id] = change.intake.receipt
        return ApplyOutcome.APPLIED

    def record_alarms(
        self,
        dossier: Dossier,
        fired: list[FiredAlarm],
        *,
        expected_revision: int,
        outbox: Mapping[str, Sequence[NotificationJob]] | None = None,
    ) -> ApplyOutcome:
        with self._lock:
            if any((dossier.code, a.key) in self.alarms for a in fired):
                return ApplyOutcome.DUPLICATE
            current = self.dossiers.get(dossier.code)
            if current is None or current.revision != expected_revision:
                return ApplyOutcome.CONFLICT
            self.dossiers[dossier.code] = dossier
            for alarm in fired:
                self.alarms[(dossier.code, alarm.key)] = alarm
                self.outbox.extend((outbox or {}).get(alarm.key, ()))
        return ApplyOutcome.APPLIED

    def due_codes(self, shard: int, until: datetime) -> list[str]:
        return sorted(
            (code for code, d in self.dossiers.items()
             if d.next_alarm_at is not None and d.next_alarm_at <= until
             and due_shard(code) == shard),
            key=lambda code: (self.dossiers[code].next_alarm_at, code),
        )  # fmt: skip

    def open_due_before(self, agency: str, until: datetime) -> list[Dossier]:
        return sorted(
            (d for d in self.dossiers.values()
             if on_worklist(d) and d.holder.agency == agency and d.due_at is not None
             and d.due_at <= until),
            key=lambda d: (d.due_at, d.code),
        )  # fmt: skip

    def _count(self, counted: Counted | None) -> None:
        if counted:
            (agency, month, procedure), delta = counted
            row = self.counters.setdefault((agency, month), {}).setdefault(procedure, {})
            for key, amount in delta.items():
                row[key] = row.get(key, 0) + amount

    def all_codes(self) -> list[str]:
        return sorted(self.dossiers)

    def stats(self, agency: str, month: str) -> dict[str, dict[str, int]]:
        return {p: dict(row) for p, row in self.counters.get((agency, month), {}).items()}

    def put_digest(self, digest: Digest, outbox: Sequence[NotificationJob] = ()) -> bool:
        with self._lock:
            if (digest.agency, digest.day) in self.digests:
                return False
            self.digests[(digest.agency, digest.day)] = digest
            self.outbox.extend(outbox)
        return True

    def command(self, code: str, command_id: str) -> CommandRecord | None:
        return self.commands.get((code, command_id))

    def record_refusal(self, code: str, refusal: Refusal) -> None:
        self.refusals[(code, refusal.command_id)] = refusal

    def refusal(self, code: str, command_id: str) -> Refusal | None:
        return self.refusals.get((code, command_id))

    def put_receipt(self, receipt: Receipt, *, only_if_new: bool = False) -> None:
        if only_if_new and receipt.receipt_id in self.receipts:
            return
        self.receipts[receipt.receipt_id] = receipt

    def get_receipt(self, receipt_id: str) -> Receipt | None:
        return self.receipts.get(receipt_id)

    def worklist(
        self,
        agency: str,
        *,
        status: DossierStatus | None,
        step: int | None,
        limit: int,
        cursor: str | None,
    ) -> Page:
        keyed = sorted(
            (f"{utc_key(d.due_at)}#{d.code}", d)
            for d in self.dossiers.values()
            if on_worklist(d) and d.holder.agency == agency
        )
        if cursor is not None and not any(key == cursor for key, _ in keyed):
            raise InvalidCursor()
        after = [(k, d) for k, d in keyed if cursor is None or k > cursor]
        chosen = [
            (k, d)
            for k, d in after
            if (status is None or d.status is status) and (step is None or d.step_index == step)
        ][:limit]
        more = len(chosen) == limit and chosen[-1][0] != after[-1][0]
        return Page([d for _, d in chosen], chosen[-1][0] if chosen and more else None)
