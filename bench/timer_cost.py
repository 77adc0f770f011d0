"""What one deadline-timer run costs, against how many dossiers are open.

Seeds N open dossiers in DynamoDB (moto, in-process), of which 100 have an alarm due, runs the
timer once, and prints what it read: the timer's cost must follow the dossiers that are due,
not the dossiers that exist. Run: `make bench` (or `.venv/bin/python -m bench.timer_cost`).
"""

from __future__ import annotations

import argparse
import os
import time
from collections import Counter
from datetime import timedelta

import boto3
from moto import mock_aws

from chalicelib.adapters import aws
from chalicelib.adapters.calendar_file import load_calendar
from chalicelib.adapters.catalog_files import DATA_DIR, load_agencies, load_catalog
from chalicelib.adapters.dynamo_store import DynamoStore
from chalicelib.domain.calendar import LOCAL_TZ
from chalicelib.domain.dossier import Actor, Applicant, Location
from chalicelib.domain.state_machine import open_dossier
from chalicelib.domain.statuses import Channel, Role
from chalicelib.services import timers
from devstack.moto_speedups import transactions_without_table_copies
from devstack.resources import create_resources

DUE = 100
WARD = "000.00.41.H19"


class CallCounter:
    """Counts DynamoDB requests, the items they returned, and the time spent inside them, at
    the botocore level."""

    def __init__(self) -> None:
        self.requests: Counter[str] = Counter()
        self.items_read = 0
        self.inside_aws = 0.0
        self._started = 0.0

    def before(self, **_):
        self._started = time.perf_counter()

    def after(self, http_response, parsed, model, **_):
        self.inside_aws += time.perf_counter() - self._started
        self.requests[model.name] += 1
        if model.name in ("Query", "Scan"):
            self.items_read += len(parsed.get("Items", []))
        elif model.name == "GetItem" and "Item" in parsed:
            self.items_read += 1

    def attach(self, client) -> None:
        client.meta.events.register("before-call.dynamodb", self.before)
        client.meta.events.register("after-call.dynamodb", self.after)


def without_moto_table_snapshots():
    """moto snapshots the whole table (deepcopy) for every item of every transaction, to roll
    back on failure: an emulator cost that grows with the table and that DynamoDB does not
    have. Skipped here, transactions still all-or-nothing
    (`devstack.moto_speedups.transactions_without_table_copies`); the figures printed
    are request and item counts, and our code's time, which this does not touch."""
    return transactions_without_table_copies()


def seed(store: DynamoStore, open_count: int, now, calendar, catalog) -> None:
    """N open dossiers: DUE of them with an alarm due now, the rest due in a month or more."""
    procedure = catalog.current("1.001193")
    actor = Actor(
        id="bench", name="bench", agency=WARD, unit="MOT_CUA", roles=frozenset({Role.RECEIVER})
    )
    template = open_dossier(
        code="X",
        procedure=procedure,
        channel=Channel.ONLINE,
        applicant=Applicant(name="Nguyễn Văn A"),
        resolving_agency=WARD,
        received_by=Location(agency=WARD, unit="MOT_CUA"),
        actor=actor,
        at=now - timedelta(days=3),
        calendar=calendar,
        received=True,
    ).dossier
    later = now + timedelta(days=30)
    db = boto3.client("dynamodb")
    batch = []
    for n in range(open_count):
        code = f"{WARD}-261120-{n:06d}"
        if n < DUE:
            dossier = template.model_copy(update={"code": code})  # its alarms are past due
        else:
            dossier = template.model_copy(
                update={"code": code, "due_at": later, "step_due_at": later, "next_alarm_at": later}
            )
        batch.append({"PutRequest": {"Item": store._state_item(dossier)}})
        if len(batch) == 25:
            db.batch_write_item(RequestItems={store.table: batch})
            batch = []
    if batch:
        db.batch_write_item(RequestItems={store.table: batch})


def measure(open_count: int) -> dict[str, object]:
    os.environ.update(
        {
            "AWS_DEFAULT_REGION": "ap-southeast-1",
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench",
        }
    )
    os.environ.pop("AWS_ENDPOINT_URL", None)
    with mock_aws():
        aws.reset()
        env = create_resources(boto3.client("dynamodb"), boto3.client("sqs"))
        calendar = load_calendar(DATA_DIR / "calendar.yaml")
        catalog = load_catalog(None, load_agencies())
        store = DynamoStore(env["MOTCUA_TABLE"])
        from datetime import datetime

        now = datetime(2026, 11, 20, 10, 0, tzinfo=LOCAL_TZ)
        started = time.perf_counter()
        seed(store, open_count, now, calendar, catalog)
        seeded = time.perf_counter() - started
        counter = CallCounter()
        counter.attach(aws.client("dynamodb"))
        deps = timers.TimerDeps(store=store, catalog=catalog, calendar=calendar)
        with without_moto_table_snapshots():
            started = time.perf_counter()
            report = timers.run(now, deps)
            elapsed = time.perf_counter() - started
        aws.reset()
    return {
        "open": open_count,
        "due": DUE,
        "dossiers_with_alarms_fired": len({a.code for a in report.fired}),
        "alarms_fired": len(report.fired),
        "queries": counter.requests["Query"],
        "get_item": counter.requests["GetItem"],
        "transact_write": counter.requests["TransactWriteItems"],
        "items_read": counter.items_read,
        "run_seconds": round(elapsed, 3),
        "inside_moto_seconds": round(counter.inside_aws, 3),
        "our_code_seconds": round(elapsed - counter.inside_aws, 3),
        "seed_seconds": round(seeded, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    args = parser.parse_args()
    for size in (int(s) for s in args.sizes.split(",")):
        figures = measure(size)
        print(" ".join(f"{k}={v}" for k, v in figures.items()), flush=True)


if __name__ == "__main__":
    main()
