"""Load: N portals sending signed dossiers at once, for a bounded time, to the local stack on
loopback; prints the sustained dossiers per second (webhooks accepted, dossiers created by the
workers), the webhook latency (p50, p99) and the errors by status. There must be no 5xx.

Each portal (a thread, `devstack.client.Portal`) sends a new birth registration as
soon as its previous one was answered, until the time is up. The dossiers created are counted
in the table when the time is up (what the workers kept up with), then again once the queues
are drained. The API runs one request at a time, as a Lambda container does: more portals
mean longer waits, not more throughput. moto's own emulation costs are taken away
(`devstack.moto_speedups`); what is measured is HTTP, the app and the workers.
Run: `make bench`, or `.venv/bin/python -m bench.load --clients 8 --seconds 20`.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import statistics
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from bench.observe import quiet
from chalicelib.domain.calendar import LOCAL_TZ
from devstack.client import Api, Portal
from devstack.moto_speedups import fast_moto
from devstack.stack import PORTAL_CLIENT, LocalStack, dev_webhook_secret

WARD = "000.00.41.H19"
MAX_REQUESTS = 100_000  # per portal: the loop is bounded by count as well as by time


def _dossier(external_id: str, n: int, submitted: datetime) -> dict[str, Any]:
    return {
        "external_id": external_id,
        "procedure_code": "1.001193",
        "channel": 2,
        "applicant": {"name": "Nguyễn Văn Tải", "kind": 1, "phone": f"091{n % 10_000_000:07d}"},
        "resolving_agency": WARD,
        "received_by_agency": WARD,
        "submitted_at": submitted.isoformat(),
        "awaiting_counter_check": False,
        "summary": "Đăng ký khai sinh (thử tải)",
    }


class _Portals:
    """The portals' threads and what they saw."""

    def __init__(self, base_url: str, clients: int) -> None:
        self.base_url = base_url
        self.clients = clients
        self.latencies: list[float] = []
        self.statuses: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._run = uuid.uuid4().hex[:8]

    def _portal(self, index: int, deadline: float, count: int) -> None:
        portal = Portal(Api(self.base_url, timeout=30), PORTAL_CLIENT, dev_webhook_secret())
        submitted = datetime.now(LOCAL_TZ).replace(microsecond=0) - timedelta(minutes=5)
        for n in range(count):
            if time.monotonic() >= deadline:
                return
            payload = _dossier(f"load-{self._run}-{index}-{n}", index * MAX_REQUESTS + n, submitted)
            started = time.perf_counter()
            try:
                status = str(portal.post("/v1/webhooks/dossiers", payload).status)
            except OSError as error:  # refused, reset, timed out: no HTTP answer at all
                status = f"network {type(error).__name__}"
            elapsed = time.perf_counter() - started
            with self._lock:
                self.latencies.append(elapsed)
                self.statuses[status] += 1

    def run(self, seconds: float | None, count: int) -> float:
        """Each portal sends `count` dossiers, or fewer if `seconds` (None: no limit) pass."""
        deadline = math.inf if seconds is None else time.monotonic() + seconds
        threads = [
            threading.Thread(target=self._portal, args=(i, deadline, count), name=f"portal-{i}")
            for i in range(self.clients)
        ]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(None if seconds is None else seconds + 60)
        return time.monotonic() - started


def _dossiers_created(stack: LocalStack) -> int:
    db = stack.aws_client("dynamodb")
    arguments: dict[str, Any] = {
        "TableName": stack.env["MOTCUA_TABLE"],
        "FilterExpression": "SK = :state",
        "ExpressionAttributeValues": {":state": {"S": "STATE"}},
        "Select": "COUNT",
    }
    total = 0
    while True:
        page = db.scan(**arguments)
        total += page["Count"]
        if "LastEvaluatedKey" not in page:
            return total
        arguments["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


@contextlib.contextmanager
def _stack(stack: LocalStack | None) -> Iterator[LocalStack]:
    if stack is not None:
        yield stack
        return
    with LocalStack(port=0, moto_port=0, prefix=f"load{uuid.uuid4().hex[:6]}-") as started:
        yield started


def run(
    clients: int = 8,
    seconds: float | None = 20.0,
    *,
    requests_per_client: int = MAX_REQUESTS,
    stack: LocalStack | None = None,
    drain_seconds: float = 300,
    out: Any = None,
) -> dict[str, Any]:
    """Load the stack (a new one on free loopback ports unless given) for `seconds`, or until
    each client sent `requests_per_client` dossiers; answer the figures."""
    with fast_moto(), quiet("load"), _stack(stack) as running:
        before = _dossiers_created(running)
        portals = _Portals(running.base_url, clients)
        elapsed = portals.run(seconds, requests_per_client)
        created_in_time = _dossiers_created(running) - before
        drained_at = time.monotonic()
        running.drain(drain_seconds)
        drain = time.monotonic() - drained_at
        created = _dossiers_created(running) - before
    accepted = portals.statuses.get("202", 0)
    figures = {
        "clients": clients,
        "seconds": round(elapsed, 1),
        "requests": sum(portals.statuses.values()),
        "webhooks_accepted_per_s": round(accepted / elapsed, 1),
        "dossiers_created_per_s": round(created_in_time / elapsed, 1),
        "dossiers_created_after_drain": created,
        "drain_seconds": round(drain, 1),
        "latency_p50_ms": round(statistics.median(portals.latencies) * 1000, 1),
        "latency_p99_ms": round(_percentile(portals.latencies, 0.99) * 1000, 1),
        "errors_by_status": {k: v for k, v in sorted(portals.statuses.items()) if k != "202"},
        "server_errors": sum(v for k, v in portals.statuses.items() if k.startswith("5")),
    }
    print(" ".join(f"{key}={value}" for key, value in figures.items()), file=out or sys.stdout)
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args(argv)
    figures = run(args.clients, args.seconds)
    return 1 if figures["server_errors"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
