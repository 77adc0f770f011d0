"""Operator commands behind the CLI: run the timer now, recompute after a calendar change,
reconcile the national portal.

They act on whatever AWS environment the process has; with `make run` up, they find the local
stack from `.local-state/env.json` unless the environment already names a table.
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path
from typing import Any

from chalicelib import clock, providers
from chalicelib.domain.calendar import LOCAL_TZ
from chalicelib.handlers import workers
from chalicelib.services import portal_sync, recalendar

# Where `make run` tells the CLI how to reach it (devstack writes it; endpoint, table, queues).
LOCAL_STATE = Path(__file__).resolve().parents[1] / ".local-state" / "env.json"


def use_local_stack() -> bool:
    """Point this process at the running `make run` stack, if there is one and nothing else
    was configured."""
    if os.environ.get("MOTCUA_TABLE") or not LOCAL_STATE.exists():
        return False
    for name, value in json.loads(LOCAL_STATE.read_text(encoding="utf-8")).items():
        os.environ[name] = value
    providers.reset()
    return True


def parse_now(text: str | None) -> datetime:
    if not text:
        return clock.now()
    moment = datetime.fromisoformat(text)
    return (moment if moment.tzinfo else moment.replace(tzinfo=LOCAL_TZ)).astimezone(LOCAL_TZ)


def run_timers(now: datetime) -> dict[str, Any]:
    return workers.run_timer(now)


def recompute_calendar(reason: str, now: datetime, *, dry_run: bool) -> dict[str, Any]:
    report = recalendar.run(
        reason,
        now,
        recalendar.RecalendarDeps(
            store=providers.store(),
            catalog=providers.catalog(),
            agencies=providers.agencies(),
            calendar=providers.calendar(),
        ),
        dry_run=dry_run,
    )
    return {"examined": report.examined, "changed": report.changed, "raced": report.raced,
            "dry_run": dry_run}  # fmt: skip


def reconcile_portal(*, repush: bool, now: datetime) -> dict[str, Any]:
    """The dossiers the national portal is behind on; with `repush`, a sync queued for each."""
    settings = providers.settings()
    result = portal_sync.reconcile(
        providers.portal_sync_log(),
        publisher=providers.publisher() if repush else None,
        queue_url=settings.portal_sync_queue_url,
        nonce=f"reconcile-{now:%Y%m%d%H%M%S}",
    )
    return result.summary()
