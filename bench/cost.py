"""Cost per million dossiers: ours (API Gateway, Lambda, SQS, DynamoDB on demand, Logs) beside
the same workflow on Step Functions Standard, from the calls `bench.aws_calls` counts.

Prices: AWS's public on-demand list prices for ap-southeast-1 (Singapore) as the author knew
them in January 2025 (after DynamoDB's 50% on-demand cut of 1 November 2024), no free tier,
no savings plan; check them on aws.amazon.com/pricing before quoting. SMS and email fees are
the same in both designs and left out of the comparison (printed apart).

Run: `make bench`, or `.venv/bin/python -m bench.cost [--calls build/bench/aws_calls.json]`
(without --calls it runs bench.aws_calls first).
"""

from __future__ import annotations

import argparse
import json
import math
from dataclasses import dataclass
from pathlib import Path

from bench.aws_calls import (
    ROOT,
    STATUS_POLLS,
    Assumptions,
    Measured,
    Tally,
    add_assumption_arguments,
    assumptions,
    measure,
    per_dossier,
)

MILLION = 1_000_000
GB = 1024**3
PRICES_AS_OF = "January 2025"
REGION = "ap-southeast-1 (Singapore)"


@dataclass(frozen=True)
class Prices:
    """USD, ap-southeast-1, on demand."""

    api_rest_per_million: float = 4.25  # REST API, first 333 M requests a month
    lambda_per_million: float = 0.20
    lambda_gb_second: float = 0.0000166667  # x86_64 (Chalice's default architecture)
    sqs_standard_per_million: float = 0.40  # per 64 KB request chunk
    sqs_fifo_per_million: float = 0.50
    dynamodb_wru_per_million: float = 0.7125  # on demand, after the Nov 2024 cut
    dynamodb_rru_per_million: float = 0.1425
    logs_ingest_per_gb: float = 0.70  # CloudWatch Logs, standard class
    sfn_standard_per_thousand: float = 0.025  # state transitions
    ses_per_thousand: float = 0.10  # outbound email (a notice fee: not compared)
    xray_per_million_traces: float = 5.00  # recorded (not in the totals)


# Time an AWS call takes from a Lambda in the same region (assumed, ms): the measured calls to
# moto on loopback say nothing about it.
CALL_MS = {"dynamodb": 6.0, "dynamodb.TransactWriteItems": 15.0, "sqs": 12.0, "sns": 40.0}
DEFAULT_CALL_MS = 10.0
LAMBDA_PLATFORM_LOG_BYTES = 350  # START, END and REPORT lines per invocation
FULL_VCPU_MB = 1769  # Lambda gives one vCPU at 1,769 MB, and a share below it
# Chalice's name for the API's Lambda function (in .chalice/config.json)
API_FUNCTION = "api_handler"


def lambda_memory() -> dict[str, int]:
    config = json.loads((ROOT / ".chalice" / "config.json").read_text(encoding="utf-8"))
    default = config.get("lambda_memory_size", 128)
    functions = config.get("lambda_functions", {})
    memory = {name: spec.get("lambda_memory_size", default) for name, spec in functions.items()}
    memory["default"] = default
    return memory


@dataclass(frozen=True)
class Line:
    component: str
    ours: float  # USD per dossier
    sfn: float
    note: str = ""
    shared: bool = False  # the same in both designs


def _call_ms(function_calls: dict[str, float], function: str) -> float:
    total = 0.0
    for key, count in function_calls.items():
        name, _, op = key.partition(" ")
        if name == function:
            service = op.split(".", 1)[0]
            total += count * CALL_MS.get(op, CALL_MS.get(service, DEFAULT_CALL_MS))
    return total


@dataclass(frozen=True)
class LambdaCost:
    requests: float  # USD per dossier
    compute: float
    ms: int  # estimated billed duration of one invocation


def lambda_costs(whole: Tally, prices: Prices) -> dict[str, LambdaCost]:
    """Per function: our code's measured CPU time, scaled to the vCPU share of the function's
    memory, plus its AWS calls at in-region latencies."""
    memory = lambda_memory()
    costs = {}
    for function, invocations in sorted(whole.invocations.items()):
        if not invocations:
            continue
        name = API_FUNCTION if function.startswith("api") else function
        mb = memory.get(name, memory["default"])
        cpu_ms = whole.own_cpu_ms[function] / invocations * max(1.0, FULL_VCPU_MB / mb)
        ms = math.ceil(cpu_ms + _call_ms(whole.function_calls, function) / invocations)
        costs[function] = LambdaCost(
            invocations * prices.lambda_per_million / MILLION,
            invocations * ms / 1000 * mb / 1024 * prices.lambda_gb_second,
            ms,
        )
    return costs


def sqs_cost(whole: Tally, prices: Prices) -> tuple[float, int]:
    """Handlers' sends and the event source mappings' receives and deletes (empty polls are a
    fixed cost of each mapping, not a dossier's)."""
    requests = {"fifo": 0.0, "standard": 0.0}
    for counter in (whole.sqs, whole.poller_sqs):
        for key, count in counter.items():
            kind, operation = key.split(" ", 1)
            if operation != "ReceiveMessage (empty)":
                requests[kind] += count
    usd = (
        requests["fifo"] * prices.sqs_fifo_per_million
        + requests["standard"] * prices.sqs_standard_per_million
    ) / MILLION
    return usd, round(sum(requests.values()))


def sfn_states(
    measured: Measured, assume: Assumptions, *, fewest: bool = False
) -> dict[str, float]:
    """State transitions of the same lifecycle on Step Functions Standard, one execution per
    dossier. `fewest`: one state per intake, action, callback, notice and deadline wait, as
    if nothing else were needed."""
    n = measured.dossiers
    applied = measured.applied / n
    notices = measured.lifecycle.records["notifier"] / n
    if fewest:
        return {
            "intake": 1,
            "transitions": applied,
            "callbacks": applied,
            "notices": notices,
            "deadline waits": applied + 1,
        }
    return {
        # Task: check and store the intake (Lambda); Choice: accepted or refused
        "intake": 2,
        # per action: Task .waitForTaskToken (the official's callback), Task applying it
        # (Lambda: rules, calendar; writes state and history), Choice: closed or wait again
        "transitions": 3 * applied,
        # a stale or illegal command: the callback comes back to the same wait
        "refused commands": measured.refused / n,
        # per notice job and per national-portal sync: a Task each
        "notices": notices,
        "portal sync": measured.lifecycle.records["portal_sync"] / n,
        # per step visited: a Parallel branch waiting for the step's "due soon" moment, entered
        # and then ended with the step (the step's overdue alarm is the callback Task's
        # TimeoutSeconds: no state unless it fires)
        "deadline waits": 2 * (applied + 1),
        # per alarm fired: a Task notifying the officials
        "alarms": assume.alarms_per_dossier,
        "end": 1,
    }


def _describe(states: dict[str, float]) -> str:
    return ", ".join(f"{name} {count:.1f}" for name, count in states.items())


class Costing:
    """Ours and the Step Functions design, per dossier, component by component."""

    def __init__(self, measured: Measured, assume: Assumptions, prices: Prices) -> None:
        self.measured, self.assume, self.prices = measured, assume, prices
        self.parts = per_dossier(measured, assume)
        self.whole = sum(self.parts.values(), Tally())
        self.lambdas = lambda_costs(self.whole, prices)
        self.api_requests = sum(self.parts["lifecycle"].routes.values())

    def dynamodb(self, tally: Tally, function: str | None = None) -> float:
        wru = tally.units("wru", function) + tally.units("index_wru", function)
        rru = tally.units("rru", function)
        p = self.prices
        return (wru * p.dynamodb_wru_per_million + rru * p.dynamodb_rru_per_million) / MILLION

    def lambda_usd(self, functions: set[str]) -> tuple[float, float]:
        chosen = [cost for name, cost in self.lambdas.items() if name in functions]
        return sum(c.requests for c in chosen), sum(c.compute for c in chosen)

    def sfn_usd(self, states: dict[str, float]) -> float:
        return sum(states.values()) * self.prices.sfn_standard_per_thousand / 1000

    def lines(self) -> list[Line]:
        p, whole = self.prices, self.whole
        without_timer = sum((v for k, v in self.parts.items() if k != "timer polling"), Tally())
        api = self.api_requests * p.api_rest_per_million / MILLION
        ours_functions = set(whole.invocations)
        # Step Functions calls the workers' logic as Tasks: no relay, no timer, no queues.
        ours_requests, ours_compute = self.lambda_usd(ours_functions)
        sfn_requests, sfn_compute = self.lambda_usd(
            ours_functions - {"outbox_relay", "deadline_timer"}
        )
        sqs, sqs_requests = sqs_cost(whole, p)
        states = sfn_states(self.measured, self.assume)
        invocations = sum(whole.invocations.values())
        log_bytes = (
            self.measured.log_bytes / self.measured.dossiers
            + invocations * LAMBDA_PLATFORM_LOG_BYTES
        )
        logs = log_bytes / GB * p.logs_ingest_per_gb
        durations = ", ".join(f"{name} {cost.ms} ms" for name, cost in self.lambdas.items())
        capacity = (
            f"{whole.units('rru'):.0f} RRU, {whole.units('wru') + whole.units('index_wru'):.0f} WRU"
        )
        return [
            Line("API Gateway REST", api, api, f"{self.api_requests:.1f} requests", shared=True),
            Line("Lambda requests", ours_requests, sfn_requests, f"{invocations:.1f} invocations"),
            Line("Lambda GB-seconds", ours_compute, sfn_compute, durations),
            Line("SQS", sqs, 0.0, f"{sqs_requests} requests, standard and FIFO priced apart"),
            Line("DynamoDB on demand", self.dynamodb(whole), self.dynamodb(without_timer),
                 capacity),
            Line("DynamoDB Streams", 0.0, 0.0, "read by Lambda triggers: free"),
            Line("CloudWatch Logs", logs, logs, f"{log_bytes / 1024:.1f} KB ingested", shared=True),
            Line("Step Functions Standard", 0.0, self.sfn_usd(states),
                 f"{sum(states.values()):.1f} transitions: {_describe(states)}"),
        ]  # fmt: skip

    def status_poll_usd(self) -> tuple[float, float]:
        """(status polls per dossier, USD of one): its API request, Lambda and reads."""
        polls = self.whole.invocations[STATUS_POLLS]
        if not polls:
            return 0.0, 0.0
        requests, compute = self.lambda_usd({STATUS_POLLS})
        usd = requests + compute + self.dynamodb(self.whole, STATUS_POLLS)
        return polls, usd / polls + self.prices.api_rest_per_million / MILLION

    def queued_requests(self) -> float:
        return sum(v for r, v in self.parts["lifecycle"].routes.items() if r.startswith("POST"))

    def traces(self) -> float:
        return sum(self.whole.invocations.values())

    def emails(self) -> float:
        m = self.measured
        per_alarm = self.assume.alarms_per_dossier / max(m.alarms_fired, 1)
        return m.notices["email"] / m.dossiers + m.alarm_notices["email"] * per_alarm


def report(measured: Measured, assume: Assumptions, prices: Prices, target: float) -> list[str]:
    costing = Costing(measured, assume, prices)
    lines = costing.lines()
    ours = sum(line.ours for line in lines)
    sfn = sum(line.sfn for line in lines)
    shared = sum(line.ours for line in lines if line.shared)
    ratio = sfn / ours
    out = [
        f"prices: AWS list prices for {REGION} as known in {PRICES_AS_OF} "
        "(on demand, no free tier); SMS and email fees excluded",
        f"assumptions: {assume.describe()}; Lambda time = our code's measured CPU time scaled "
        f"to the memory's vCPU share + assumed in-region call latencies {CALL_MS} ms",
    ]
    out += [
        f"per million dossiers, {line.component}: ours ${line.ours * MILLION:,.2f}, "
        f"Step Functions design ${line.sfn * MILLION:,.2f} ({line.note})"
        for line in lines
    ]
    out += [
        f"per million dossiers, total: ours ${ours * MILLION:,.2f}, "
        f"Step Functions design ${sfn * MILLION:,.2f}",
        f"ratio Step Functions / ours: {ratio:.2f}",
        f"target (ours at least {target:g}x cheaper, SMS fees excluded): "
        f"{'met' if ratio >= target else 'missed'}",
    ]
    if ratio < target:
        out.append(
            f"to meet it: ours at most ${sfn / target * MILLION:,.2f} per million "
            f"({(1 - sfn / target / ours) * 100:.0f}% less)"
        )
    polls, poll_usd = costing.status_poll_usd()
    one_each = costing.queued_requests()
    saved = (polls - one_each) * poll_usd
    fewest = sfn_states(measured, assume, fewest=True)
    fewest_sfn = sfn - lines[-1].sfn + costing.sfn_usd(fewest)
    sms = measured.notices["sms"] / measured.dossiers
    out += [
        f"ratio without what both pay alike (API Gateway, Logs): "
        f"{(sfn - shared) / (ours - shared):.2f}",
        f"ratio with one status poll per queued request ({one_each:.1f} per dossier instead of "
        f"the demo's {polls:.1f}, ${poll_usd * MILLION:.2f} per million polls): "
        f"{(sfn - saved) / (ours - saved):.2f}",
        f"ratio with the fewest Step Functions states ({sum(fewest.values()):.1f} transitions: "
        f"{_describe(fewest)}): {fewest_sfn / ours:.2f}",
        f"not compared, per million dossiers: email through SES "
        f"${costing.emails() * prices.ses_per_thousand * 1000:,.2f} "
        f"({costing.emails():.2f} per dossier); SMS {sms:.2f} per dossier at the carrier's "
        "per-message fee",
        f"not in the totals, per million dossiers: X-Ray (xray: true) up to "
        f"${costing.traces() * prices.xray_per_million_traces:,.2f} if every request and "
        f"invocation is traced ({costing.traces():.1f} per dossier; the default sampling rule "
        "keeps 1/s + 5%)",
    ]
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=Path, help="bench.aws_calls --json output to price")
    parser.add_argument("--target", type=float, default=5.0)
    add_assumption_arguments(parser)
    args = parser.parse_args(argv)
    if args.calls:
        measured = Measured.from_json(json.loads(args.calls.read_text(encoding="utf-8")))
    else:
        measured = measure()
    for line in report(measured, assumptions(args), Prices(), args.target):
        print(line, flush=True)


if __name__ == "__main__":
    main()
