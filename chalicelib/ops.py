"""Operator commands behind the CLI (`motcua …`): run the timer now, recompute after a
calendar change, reconcile the national portal, rebuild the reports, push the reference data.

They act on the deployment the process's settings name; with `make run` up and no table
configured, on the local stack, which leaves its settings in `.local-state/env.json`. The long
scans take a `tick` called once per dossier, for the CLI's progress (nothing else).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from chalicelib import bootstrap
from chalicelib.domain.calendar import LOCAL_TZ
from chalicelib.handlers import workers
from chalicelib.services import portal_reconcile, recalendar
from chalicelib.settings import Settings

# Where `make run` leaves its settings for the CLI (devstack writes it).
LOCAL_STATE = Path(__file__).resolve().parents[1] / ".local-state" / "env.json"


def operator_container() -> bootstrap.Container:
    """The container of this command: the one this process has installed (a command run inside
    a test or a tool), else the configured deployment's, else the running local stack's."""
    installed = bootstrap.installed()
    if installed is not None:
        return installed
    local = json.loads(LOCAL_STATE.read_text(encoding="utf-8")) if LOCAL_STATE.exists() else None
    built = bootstrap.Container(Settings.from_environment(unless_table_named=local))
    bootstrap.install(built)
    return built


def parse_now(text: str | datetime | None, deps: bootstrap.Container) -> datetime:
    """`text` as a moment in Vietnam time (no zone: Vietnam's), or the container's now."""
    if not text:
        return deps.now()
    moment = datetime.fromisoformat(text) if isinstance(text, str) else text
    return (moment if moment.tzinfo else moment.replace(tzinfo=LOCAL_TZ)).astimezone(LOCAL_TZ)


Tick = Callable[[], None]


class _Counted:
    """`inner`, whose `method` yields through `tick` (one per item): the scan's progress."""

    def __init__(self, inner: Any, method: str, tick: Tick) -> None:
        self._inner, self._method, self._tick = inner, method, tick

    def __getattr__(self, name: str) -> Any:
        found = getattr(self._inner, name)
        if name != self._method:
            return found

        def counted(*args: Any, **kwargs: Any) -> Iterator[Any]:
            for item in found(*args, **kwargs):
                self._tick()
                yield item

        return counted


def run_timers(now: datetime, deps: bootstrap.Container) -> dict[str, Any]:
    return workers.run_timer(deps, now)


def recompute_calendar(
    reason: str,
    now: datetime,
    deps: bootstrap.Container,
    *,
    dry_run: bool,
    tick: Tick | None = None,
) -> dict[str, Any]:
    scan = deps.recalendar_deps()
    if tick is not None:
        scan = dataclasses.replace(scan, store=_Counted(scan.store, "open_due_before", tick))
    report = recalendar.run(reason, now, scan, dry_run=dry_run)
    return {"examined": report.examined, "changed": report.changed, "raced": report.raced,
            "dry_run": dry_run}  # fmt: skip


def reconcile_portal(
    deps: bootstrap.Container,
    *,
    repush: bool,
    now: datetime,
    recent_days: float | None = None,
    tick: Tick | None = None,
) -> dict[str, Any]:
    """What the national portal holds that differs from ours (every dossier, or with
    `recent_days` the open ones and those ended lately); with `repush`, pushed again and
    looked up again (up to the configured rounds). `tick`: once per look-up step."""

    def may_go_on() -> bool:
        if tick is not None:
            tick()
        return True

    result = portal_reconcile.reconcile(
        deps.portal_reconcile_deps(may_go_on),
        now,
        repush=repush,
        rounds=deps.settings.portal_reconcile_rounds,
        recent_days=recent_days,
    )
    return result.summary()


def rebuild_reports(
    agency: str, first: str, last: str, deps: bootstrap.Container, *, tick: Tick | None = None
) -> dict[str, Any]:
    """QĐ 766 counters of `agency` recounted from every dossier's history, beside the live ones."""
    from chalicelib.services import reports

    store: Any = deps.store if tick is None else _Counted(deps.store, "all_codes", tick)
    return reports.rebuild_and_compare(
        agency, first, last, store, deps.calendar, deps.feedback_records
    )


def push_reference(deps: bootstrap.Container, data_dir: Path) -> dict[str, Any]:
    """Check the registry and aliases in `data_dir` against the catalog in use, then store them
    as the table's next version; every worker reloads them within the refresh interval. Files
    that do not pass are not stored (CatalogError names the file and the entry)."""
    from chalicelib.adapters.catalog_files import (
        AGENCIES_FILE,
        AGENCY_ALIASES_FILE,
        CATALOG_FILE,
        agencies_from,
        load_catalog,
    )
    from chalicelib.adapters.reference_data import FileReference, TableReference

    texts = FileReference(data_dir).read()
    registry = agencies_from(texts.agencies, texts.aliases, str(data_dir))
    load_catalog(deps.data_dir / CATALOG_FILE, registry)  # the catalog must still resolve
    table = TableReference(deps.settings.table_name, FileReference(deps.data_dir))
    before = table.version()
    version = table.write(texts.agencies, texts.aliases, after=before)
    return {
        "table": deps.settings.table_name,
        "version": version,
        "previous": before,
        "files": [str(data_dir / AGENCIES_FILE)]
        + ([str(data_dir / AGENCY_ALIASES_FILE)] if texts.aliases is not None else []),
        "agencies": len(registry),
        "reload_within_seconds": deps.settings.reference_refresh_seconds,
    }
