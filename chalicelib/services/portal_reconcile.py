"""Reconciliation against the national portal's own view: ask the portal (`TraCuuHoSo`) what it
holds for each dossier, compare it with what we would push now (`portal_diff.compare`), and with
`repush` push what differs again, then look again.

Our log of acknowledgements (`PortalSyncLog`) cannot find a push the portal acknowledged and
then lost, nor one recorded whose answer we never got: only the portal's answer can. The log
still gives the listing (every dossier with its status and mark), which is one scan.

Look-ups are paced (`lookups_per_second`; 0: no pause) and a look-up that fails (the portal
down or throttling) leaves its dossier "not checked": the run goes on.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from chalicelib.domain import portal_diff
from chalicelib.domain.files import StoredFile
from chalicelib.domain.portal_diff import Difference, DossierDiff
from chalicelib.domain.portal_records import DOSSIER_SERVICE, PROGRESS_SERVICE
from chalicelib.ports.files import FileRecords
from chalicelib.ports.portal import PortalRejected, PortalUnavailable, Standing, SyncMark
from chalicelib.ports.records import DossierRecord
from chalicelib.services.portal_sync import PortalSyncDeps, portal_items

# A dossier changed while we re-pushed it: load and push again, at most this many times.
REPUSH_ATTEMPTS = 3


class Pacer:
    """At most `per_second` calls a second: each `wait()` sleeps what is left of the interval
    since the previous call."""

    def __init__(
        self,
        per_second: float,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.interval = 1 / per_second if per_second > 0 else 0.0
        self._sleep, self._clock = sleep, clock
        self._last: float | None = None

    def wait(self) -> None:
        if self.interval and self._last is not None:
            left = self.interval - (self._clock() - self._last)
            if left > 0:
                self._sleep(left)
        self._last = self._clock()


@dataclass(frozen=True)
class ReconcileDeps:
    sync: PortalSyncDeps
    pacer: Pacer = field(default_factory=lambda: Pacer(0))
    # Answers False when no new look-up should start (a Lambda near its timeout): the dossiers
    # not reached are reported "not checked".
    may_go_on: Callable[[], bool] = lambda: True


class FilesRead:
    """A run's reading of each dossier's stored files, once for each revision of it: the
    record compared, the one pushed and the one compared again after the push are all built
    from it (a file kept without a new revision is pushed with the dossier's next sync or by
    the next run). Only the files of dossiers that differ are kept past their check."""

    def __init__(self, records: FileRecords | None) -> None:
        self.records = records
        self._read: dict[tuple[str, int], list[StoredFile]] = {}

    def items(
        self, record: DossierRecord, sync: PortalSyncDeps
    ) -> tuple[dict[str, Any], list[dict[str, str]]]:
        """`portal_items` of `record`, its files read only if this run has not read them
        at its revision."""
        if self.records is None:
            return portal_items(record, sync)
        key = (record.dossier.code, record.dossier.revision)
        if key not in self._read:
            self._read[key] = self.records.files(record.dossier.code)
        return portal_items(record, replace(sync, files=_Listed(self.records, self._read[key])))

    def forget(self, code: str) -> None:
        for key in [k for k in self._read if k[0] == code]:
            del self._read[key]


class _Listed:
    """FileRecords whose `files` answers what was read already (the rest: the records')."""

    def __init__(self, records: FileRecords, listed: list[StoredFile]) -> None:
        self._records, self._listed = records, listed

    def files(self, code: str) -> list[StoredFile]:
        return list(self._listed)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._records, name)


@dataclass
class DossierReport:
    code: str
    found: list[Difference]  # at the first look
    remaining: list[Difference] | None = None  # after the repush (None: not repushed)
    overdue_at_portal_only: bool = False
    error: str | None = None  # the portal refused the repush

    @property
    def differs(self) -> bool:
        return bool(self.found if self.remaining is None else self.remaining)

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "code": self.code,
            "differences": [d.as_json() for d in self.found],
            portal_diff.OVERDUE_AT_PORTAL: self.overdue_at_portal_only,
        }
        if self.remaining is not None:
            out["remaining"] = [d.as_json() for d in self.remaining]
        if self.error:
            out["error"] = self.error
        return out


@dataclass
class PortalReconciliation:
    checked: int = 0
    not_checked: list[str] = field(default_factory=list)
    dossiers: list[DossierReport] = field(default_factory=list)
    repushed: int = 0
    rounds: int = 0

    @property
    def differing(self) -> int:
        """Dossiers that differ at the end of the run (after the repush, if any)."""
        return sum(1 for d in self.dossiers if d.differs)

    def summary(self) -> dict[str, Any]:
        return {
            "checked": self.checked,
            "found": len(self.dossiers),
            "repushed": self.repushed,
            "rounds": self.rounds,
            "differing": self.differing,
            portal_diff.OVERDUE_AT_PORTAL: sum(d.overdue_at_portal_only for d in self.dossiers),
            "not_checked": len(self.not_checked),
            "not_checked_codes": self.not_checked,
            "dossiers": [d.as_json() for d in self.dossiers],
        }


def worth_checking(standing: Standing, since: datetime | None) -> bool:
    """All dossiers when `since` is None; else the open ones, those never or not fully
    acknowledged, and those acknowledged since `since` (an ended dossier's last push may be
    lost: it is looked at for a while, then left alone)."""
    if since is None or str(standing.status) not in portal_diff.PORTAL_ENDED:
        return True
    return standing.behind or standing.mark is None or standing.mark.synced_at >= since


def reconcile(
    deps: ReconcileDeps,
    now: datetime,
    *,
    repush: bool = False,
    rounds: int = 1,
    recent_days: float | None = None,
) -> PortalReconciliation:
    """Every dossier (or, with `recent_days`, those `worth_checking`) looked up at the portal
    and compared with ours; with `repush`, what differs pushed again and looked up again, up
    to `rounds` times for the dossiers that still differ."""
    since = now - timedelta(days=recent_days) if recent_days is not None else None
    result = PortalReconciliation()
    reports: dict[str, DossierReport] = {}
    files_read = FilesRead(deps.sync.files)
    for standing in deps.sync.log.standing():
        if not worth_checking(standing, since):
            continue
        if not deps.may_go_on():
            result.not_checked.append(standing.code)
            continue
        diff = check(standing.code, deps, now, files_read)
        if diff is None or not diff.differs:
            files_read.forget(standing.code)  # not repushed: its files are not needed again
        if diff is None:
            result.not_checked.append(standing.code)
            continue
        result.checked += 1
        if diff.differs:
            reports[diff.code] = DossierReport(
                diff.code, diff.differences(), overdue_at_portal_only=diff.overdue_at_portal_only
            )
    result.dossiers = list(reports.values())
    if not repush:
        return result
    pending = {code: reports[code] for code in reports}
    for _ in range(rounds):
        if not pending or not deps.may_go_on():
            break
        result.rounds += 1
        for code, report in list(pending.items()):
            if not deps.may_go_on():
                break
            if report.remaining is None:
                result.repushed += 1
            report.error = repush_dossier(code, deps, now, files_read)
            diff = check(code, deps, now, files_read)
            if diff is not None:
                report.remaining = diff.differences()
            elif report.remaining is None:  # not looked at again: it differs as it did
                report.remaining = report.found
            if not report.remaining or report.error:
                del pending[code]  # fixed, or refused: the same items will be refused again
    return result


def check(
    code: str, deps: ReconcileDeps, now: datetime, files_read: FilesRead | None = None
) -> DossierDiff | None:
    """What differs for `code`; None when it was not checked (gone, or the portal did not
    answer)."""
    record = deps.sync.store.load(code)
    if record is None:
        return None
    files_read = files_read or FilesRead(deps.sync.files)
    ours, steps = files_read.items(record, deps.sync)
    deps.pacer.wait()
    try:
        held = deps.sync.portal.look_up(code)
    except (PortalUnavailable, PortalRejected):
        return None
    return portal_diff.compare(ours, steps, held, now)


def repush_dossier(
    code: str, deps: ReconcileDeps, now: datetime, files_read: FilesRead | None = None
) -> str | None:
    """Push the dossier's latest snapshot and every step; the portal's refusal, if any.

    Directly, not through the sync queue: the check that follows must see the result, and a
    queued sync would run later in another function. This is safe beside the queue's syncs
    (at least once, one dossier at a time, each pushing what it loaded): a push of ours can
    only be older than theirs if the dossier changed after we loaded it, so we load again
    after pushing and push again if its revision moved; a later change has its own sync
    queued behind it. Repeating a push changes nothing (a dossier replaces itself, an
    identical step is the same step), so two reconciliations at once are harmless too.
    A push that fails (unavailable) is left to the look-up after it and the next round."""
    sync = deps.sync
    files_read = files_read or FilesRead(sync.files)
    record = sync.store.load(code)
    for _ in range(REPUSH_ATTEMPTS):
        if record is None:
            return None
        snapshot, steps = files_read.items(record, sync)
        try:
            _push(sync, DOSSIER_SERVICE, [snapshot], deps.pacer)
            _push(sync, PROGRESS_SERVICE, steps, deps.pacer)
        except PortalUnavailable:
            return None
        except PortalRejected as exc:
            return f"the national portal refused {code}: {exc}"
        latest = sync.store.load(code)
        if latest is None or latest.dossier.revision == record.dossier.revision:
            # All steps pushed: the mark may say so (it only moves forward).
            dossier = record.dossier
            sync.log.record(
                code, SyncMark(dossier.revision, dossier.version, int(dossier.status), now)
            )
            return None
        record = latest
    return None


def _push(
    sync: PortalSyncDeps, service: str, items: Sequence[dict[str, Any]], pacer: Pacer
) -> None:
    pacer.wait()
    sync.portal.push(service, items)
