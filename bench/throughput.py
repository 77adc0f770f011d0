"""Dossiers per second through the whole embedded pipeline, and our code's share of its time.

N dossiers, each through one of the demo's lifecycles in turn (birth registration, land
transfer with the tax system's webhooks, company registration with two officials racing), over
HTTP from several client threads, to the last notice sent. Every handler invocation (API
requests, queue workers, the stream relay) is timed, and every AWS call inside it
(`bench.observe`): our code's share is the handlers' busy time less the time inside AWS calls,
over the handlers' busy time. Target: our code under 30%.

moto has emulation costs DynamoDB does not, growing with the table: it snapshots the whole
table (deepcopy) for every item of every transaction, and a `Query` sorts every item of the
table before keeping the partition's. Unless --plain-moto, the bench takes them away
(`devstack.moto_speedups.fast_moto`, as `bench/load.py` and the in-process stack do).
Run: `make bench`, or `.venv/bin/python -m bench.throughput --dossiers 50 --clients 4`.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bench.observe import Invocation, Recorder, observed_stack, quiet
from devstack import demo
from devstack.client import Portal
from devstack.moto_speedups import fast_moto

TARGET = 0.30


@dataclass
class UniqueNotes(Portal):
    """The tax system's webhook client, its notes naming the dossier.

    A webhook's signature covers the timestamp and the body, not the path: the same action with
    the same note for two dossiers in the same second signs alike, and the second is refused as
    a replay. Real reports differ (amounts, references); the demo's fixed notes do not.
    """

    def report(self, code: str, action: str, **fields: Any) -> dict[str, Any]:
        fields["note"] = f"{fields.get('note', '')} ({code})"
        return super().report(code, action, **fields)


LIFECYCLES: tuple[Callable[[demo.Cast], str], ...] = (
    demo.birth_registration,
    demo.land_transfer,
    demo.company_registration,
)


def cast_for(base_url: str) -> demo.Cast:
    cast = demo.Cast.local(base_url)
    cast.tax = UniqueNotes(cast.tax.api, cast.tax.client_id, cast.tax.secret)
    return cast


def run_clients(base_url: str, dossiers: int, clients: int) -> list[float]:
    """Each client thread takes the next lifecycle until N are done; answers their seconds."""
    numbers = itertools.count()
    took: list[float] = []
    errors: list[BaseException] = []

    def client() -> None:
        cast = cast_for(base_url)
        while not errors and (n := next(numbers)) < dossiers:
            started = time.perf_counter()
            try:
                LIFECYCLES[n % len(LIFECYCLES)](cast)
            except BaseException as error:  # reported once the others stop
                errors.append(error)
                return
            took.append(time.perf_counter() - started)

    threads = [threading.Thread(target=client, name=f"client-{i}") for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return took


@dataclass
class Figures:
    dossiers: int
    clients: int
    seconds: float
    lifecycle_seconds: list[float]
    invocations: list[Invocation]
    moto_cpu: float
    moto_requests: int
    fast_paths: bool

    def lines(self) -> list[str]:
        busy = sum(i.wall for i in self.invocations)
        inside_aws = sum(i.aws_wall for i in self.invocations)
        inside_http = sum(i.http_wall for i in self.invocations)
        ours = busy - inside_aws - inside_http
        share = ours / busy if busy else 0.0
        own_cpu = sum(i.own_cpu for i in self.invocations)
        sdk_cpu = sum(i.aws_cpu for i in self.invocations)
        calls = sum(i.calls for i in self.invocations)
        by_function: dict[str, list[Invocation]] = {}
        for invocation in self.invocations:
            by_function.setdefault(invocation.function, []).append(invocation)
        out = [
            f"dossiers: {self.dossiers} (the demo's three lifecycles in turn), client threads: "
            f"{self.clients}, moto's emulation costs: "
            f"{'taken away (fast_moto)' if self.fast_paths else 'kept (plain moto)'}",
            f"wall time, first request to last notice: {self.seconds:.1f} s",
            f"throughput: {self.dossiers / self.seconds:.2f} dossiers/s",
            f"lifecycle seconds as a client sees it (median): "
            f"{statistics.median(self.lifecycle_seconds):.2f}",
            f"handler invocations: {len(self.invocations)}, AWS calls in them: {calls}",
            f"handlers' busy time: {busy:.1f} s",
            f"inside AWS calls (moto on loopback, botocore included): {inside_aws:.1f} s",
            f"inside other HTTP calls (the fake national portal on loopback): {inside_http:.1f} s",
            f"our code: {ours:.1f} s",
            f"our code share: {share * 100:.1f}% (target < {TARGET * 100:.0f}%: "
            f"{'met' if share < TARGET else 'missed'})",
        ]
        for function, found in sorted(by_function.items()):
            wall = sum(i.wall for i in found)
            own = sum(i.own_wall for i in found)
            out.append(
                f"our code share, {function}: {own / wall * 100:.1f}% of {wall:.1f} s "
                f"({len(found)} invocations, {own / len(found) * 1000:.1f} ms ours each)"
            )
        out += [
            f"CPU, our code in handlers: {own_cpu:.1f} s; botocore in handlers: {sdk_cpu:.1f} s; "
            f"moto, every request ({self.moto_requests}, pollers' included): {self.moto_cpu:.1f} s",
            f"CPU share of our code against botocore and moto: "
            f"{own_cpu / (own_cpu + sdk_cpu + self.moto_cpu) * 100:.1f}%",
        ]
        return out


def measure(dossiers: int, clients: int, fast_paths: bool = True) -> Figures:
    recorder = Recorder(keep_payloads=False)
    patch = fast_moto() if fast_paths else contextlib.nullcontext()
    with (
        quiet("throughput"),
        patch,
        observed_stack("bench-throughput-", recorder) as (stack, _),
    ):
        for lifecycle in LIFECYCLES:  # warm: modules imported, clients and secrets cached
            lifecycle(cast_for(stack.base_url))
        stack.drain(timeout=120)
        mark = recorder.mark()
        moto = recorder.moto.cpu, recorder.moto.requests
        started = time.perf_counter()
        took = run_clients(stack.base_url, dossiers, clients)
        stack.drain(timeout=300)
        seconds = time.perf_counter() - started
        _, invocations = recorder.since(mark)
        moto_cpu = recorder.moto.cpu - moto[0]
        moto_requests = recorder.moto.requests - moto[1]
    return Figures(
        dossiers, clients, seconds, took, invocations, moto_cpu, moto_requests, fast_paths
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dossiers", type=int, default=50)
    parser.add_argument("--clients", type=int, default=4, help="concurrent client threads")
    parser.add_argument(
        "--plain-moto",
        action="store_true",
        help="keep moto's whole-table copies and scans (slower as the table grows)",
    )
    args = parser.parse_args(argv)
    for line in measure(args.dossiers, args.clients, not args.plain_moto).lines():
        print(line, flush=True)


if __name__ == "__main__":
    main()
