"""Notices through a provider that fails 30% of calls (timeouts, 5xx), delivered at least once
and sometimes twice by the queue: each must be sent exactly once, or sit in the DLQ with its
reason. Prints the tally. Run: `make bench` (or `.venv/bin/python -m bench.notify_flaky`)."""

from __future__ import annotations

import argparse
import random
import time
from collections import Counter
from datetime import datetime, timedelta

from chalicelib.adapters.delivery_log import MemoryDeliveryLog
from chalicelib.domain.calendar import LOCAL_TZ
from chalicelib.domain.notifications import NotificationJob
from chalicelib.notify.model import Channel
from chalicelib.notify.providers import FlakyProvider, InMemoryProvider
from chalicelib.services.failures import PermanentFailure
from chalicelib.services.notifier import NotifierDeps, RetryLater, deliver

MAX_RECEIVES = 8  # the notifications queue's redrive policy (infra/resources.json)


def job(n: int) -> NotificationJob:
    code = f"000.00.41.H19-261120-{n:04d}"
    return NotificationJob(
        key=f"{code}:v1:received",
        code=code,
        kind="received",
        essential=True,
        phone=f"8491{n:07d}",
        text_vi="Hồ sơ đã được tiếp nhận",
        sms_text=f"Ho so {code} da duoc tiep nhan",
        sms_parts=1,
    )


def simulate(jobs: int, failure_rate: float, duplicate_rate: float, seed: int) -> dict[str, object]:
    rng = random.Random(seed)
    inner = InMemoryProvider("sms", Channel.SMS)
    flaky = FlakyProvider(inner, failure_rate=failure_rate, seed=seed)
    deps = NotifierDeps(log=MemoryDeliveryLog(), sms=flaky)
    # (job, receive count): SQS hands some messages twice from the start (at-least-once).
    queue = [(job(n), 1) for n in range(jobs)]
    queue += [(job(n), 1) for n in range(jobs) if rng.random() < duplicate_rate]
    rng.shuffle(queue)
    dead: list[tuple[str, str]] = []
    deliveries = 0
    now = datetime(2026, 11, 20, 9, tzinfo=LOCAL_TZ)
    started = time.perf_counter()
    while queue:
        now += timedelta(seconds=30)
        retry = []
        for item, receives in queue:
            deliveries += 1
            try:
                deliver(item, deps, now)
            except RetryLater as exc:
                if receives >= MAX_RECEIVES:
                    dead.append((item.key, f"failed {receives} times; last: {exc}"))
                else:
                    retry.append((item, receives + 1))
            except PermanentFailure as exc:
                dead.append((item.key, str(exc)))
        queue = retry
    elapsed = time.perf_counter() - started
    per_key = Counter(message.key for message in inner.sent)
    dead_keys = {key for key, _ in dead}
    return {
        "jobs": jobs,
        "failure_rate": failure_rate,
        "queue_deliveries": deliveries,
        "provider_calls": flaky.calls,
        "provider_failures": flaky.failures,
        "sent_once": sum(1 for count in per_key.values() if count == 1),
        "sent_twice_or_more": sum(1 for count in per_key.values() if count > 1),
        "in_dlq": len(dead_keys),
        "lost": jobs - len(per_key) - len(dead_keys - set(per_key)),
        "seconds": round(elapsed, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=10_000)
    parser.add_argument("--failure-rate", type=float, default=0.3)
    parser.add_argument("--duplicate-rate", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    figures = simulate(args.jobs, args.failure_rate, args.duplicate_rate, args.seed)
    print(" ".join(f"{key}={value}" for key, value in figures.items()), flush=True)


if __name__ == "__main__":
    main()
