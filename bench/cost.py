"""Cost per million dossiers: what a deployment pays (API Gateway, Lambda with its INIT, SQS,
DynamoDB requests, storage and PITR, Logs, X-Ray at the template's sampling rule, data out,
the fixed monthly cost spread over the province's volume), beside the same workflow on
Step Functions Standard (described state by state in docs/benchmarks.md), from the counts
`bench.aws_calls` measures.

Prices: AWS's public on-demand list prices for ap-southeast-1 (Singapore) as the author knew
them (DynamoDB after the 50% on-demand cut of 1 November 2024), no free tier, no savings plan;
check them on aws.amazon.com/pricing before quoting. SMS and email fees are the same in both
designs and left out (printed apart).

Each component is split into what both designs pay alike (`shared`) and what only one of them
pays; the design-specific ratio compares the latter only.

Run: `make bench`, or `.venv/bin/python -m bench.cost [--calls build/bench/aws_calls.json]
[--compare OTHER.json]` (without --calls it runs bench.aws_calls first; with --compare it also
prices a second run, e.g. one made on a loaded machine, and checks the figures agree).
"""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
PRICES_AS_OF = "2025"
REGION = "ap-southeast-1 (Singapore)"


@dataclass(frozen=True)
class Prices:
    """USD, ap-southeast-1, on demand."""

    api_rest_per_million: float = 4.25  # REST API, first 333 M requests a month
    lambda_per_million: float = 0.20
    lambda_gb_second: float = 0.0000166667  # x86_64 (Chalice's default); INIT billed alike
    sqs_standard_per_million: float = 0.40  # per 64 KB request chunk
    sqs_fifo_per_million: float = 0.50
    dynamodb_wru_per_million: float = 0.7125  # on demand, after the Nov 2024 cut
    dynamodb_rru_per_million: float = 0.1425
    dynamodb_storage_gb_month: float = 0.285
    dynamodb_pitr_gb_month: float = 0.228  # continuous backups, on the table's size
    logs_ingest_per_gb: float = 0.70  # CloudWatch Logs, standard class
    logs_storage_gb_month: float = 0.033
    xray_recorded_per_million: float = 5.00  # traces recorded
    xray_scanned_per_million: float = 0.50  # traces retrieved or scanned
    transfer_out_per_gb: float = 0.12  # to the internet, first 10 TB a month
    custom_metric_month: float = 0.30  # first 10,000 metrics
    alarm_month: float = 0.10  # standard resolution (a 60 s period is still standard)
    dashboard_month: float = 3.00
    waf_web_acl_month: float = 5.00
    waf_rule_month: float = 1.00
    waf_per_million: float = 0.60
    sfn_standard_per_thousand: float = 0.025  # state transitions
    ses_per_thousand: float = 0.10  # outbound email (a notice fee: not compared)


# Time an AWS call takes from a Lambda in the same region (assumed, ms): the measured calls to
# moto on loopback say nothing about it. Other HTTP calls: the national portal, SMS gateways.
CALL_MS = {"dynamodb": 6.0, "dynamodb.TransactWriteItems": 15.0, "sqs": 12.0, "sns": 40.0}
DEFAULT_CALL_MS = 10.0
HTTP_CALL_MS = 150.0
LAMBDA_PLATFORM_LOG_BYTES = 350  # START, END and REPORT lines per invocation
LAMBDA_PLATFORM_LOG_EVENTS = 3
QUIET_SYSTEM_LOG_LEVELS = {"WARN", "ERROR", "FATAL"}  # no START/END/REPORT lines
LOG_EVENT_OVERHEAD = 26  # bytes CloudWatch Logs bills per event, beyond the message
DYNAMODB_ITEM_OVERHEAD = 100  # bytes DynamoDB bills per item (base table and each index)
FULL_VCPU_MB = 1769  # Lambda gives one vCPU at 1,769 MB, and a share below it
API_FUNCTION = "api_handler"  # Chalice's name for the API's Lambda function
# Functions only our design has: Step Functions' Wait states replace the timer, its
# transitions replace the relay and the queues.
OURS_ONLY = {"outbox_relay", "deadline_timer"}
# Trace roots under Lambda's own fixed sampling (1/s + 5%, not configurable): invocations with
# no upstream trace header. The API's are sampled by the template's rule; queue workers join
# the trace of whoever sent the message (the header rides on it).
UNTRACED_UPSTREAM = {"outbox_relay", "deadline_timer", "daily_digest"}
LAMBDA_FIXED_RULE = (1.0, 0.05)
TOKEN_TASK = "sfn:await_token"  # the SFN design's task storing a callback's token


@dataclass(frozen=True)
class Deployment:
    """What the figures assume about the province and the deployment (CLI flags)."""

    dossiers_per_year: float = 1_750_000  # Đồng Nai: ~7,000 a working day
    working_days: int = 250
    busy_hours: float = 9.0  # requests spread over these hours of a working day
    cold_starts_per_function_day: float = 30  # a few containers, each recycled every ~2 h
    init_ms: float = 1500  # billed INIT (import + clients), at the function's memory
    years_stored: float = 1.0  # dossier-years of storage and PITR in the total
    xray_scans_per_trace: float = 1.0  # traces retrieved or scanned per trace recorded
    awaits_per_command: float = 1.0  # SFN: token stores per callback awaited

    @property
    def per_day(self) -> float:
        return self.dossiers_per_year / self.working_days

    @property
    def per_month(self) -> float:
        return self.dossiers_per_year / 12

    def describe(self) -> str:
        return (
            f"{self.dossiers_per_year:,.0f} dossiers a year ({self.per_day:,.0f} a working day "
            f"over {self.busy_hours:g} busy hours), {self.cold_starts_per_function_day:g} cold "
            f"starts per function a working day at {self.init_ms:g} ms billed INIT, "
            f"{self.years_stored:g} dossier-year(s) stored, {self.xray_scans_per_trace:g} "
            f"X-Ray scan(s) per trace"
        )


def lambda_memory() -> dict[str, int]:
    config = json.loads((ROOT / ".chalice" / "config.json").read_text(encoding="utf-8"))
    default = config.get("lambda_memory_size", 128)
    functions = config.get("lambda_functions", {})
    memory = {name: spec.get("lambda_memory_size", default) for name, spec in functions.items()}
    memory["default"] = default
    return memory


def deployed_template() -> dict[str, Any]:
    """The prod stage's merge template (`infra.compose`): alarms, the sampling rule, WAF."""
    from infra.compose import compose

    return compose("prod")


def function_properties(template: dict[str, Any], function: str) -> dict[str, Any]:
    """What the template sets on one of the app's functions ("api…" names the API's)."""
    from infra.compose import function_name

    name = function_name("prod", API_FUNCTION if function.startswith("api") else function)
    for resource in template["Resources"].values():
        properties = resource.get("Properties", {})
        if properties.get("FunctionName") == name:
            return dict(properties)
    return {}


def sampling_rule(template: dict[str, Any]) -> tuple[float, float, str]:
    """(reservoir per second, fixed rate, rule name) of the API's X-Ray sampling rule."""
    for resource in template["Resources"].values():
        if resource.get("Type") == "AWS::XRay::SamplingRule":
            rule = resource["Properties"]["SamplingRule"]
            return float(rule["ReservoirSize"]), float(rule["FixedRate"]), rule["RuleName"]
    return 1.0, 0.05, "X-Ray's default rule (none in the template)"


def sampled(per_day: float, busy_seconds: float, rule: tuple[float, float]) -> float:
    """Traces a day that `rule` (reservoir per second, rate) records of `per_day` requests
    spread evenly over `busy_seconds`."""
    reservoir, rate = rule
    per_second = per_day / busy_seconds
    kept = min(per_second, reservoir) + rate * max(per_second - reservoir, 0.0)
    return kept * busy_seconds


@dataclass(frozen=True)
class Line:
    """USD per dossier: paid by both designs alike, by ours only, by Step Functions' only."""

    component: str
    shared: float
    ours_only: float
    sfn_only: float
    note: str = ""

    @property
    def ours(self) -> float:
        return self.shared + self.ours_only

    @property
    def sfn(self) -> float:
        return self.shared + self.sfn_only


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
    invocations: float  # per dossier
    requests: float  # USD per dossier
    compute: float
    init: float
    ms: int  # estimated billed duration of one invocation


def lambda_costs(whole: Tally, prices: Prices, deploy: Deployment) -> dict[str, LambdaCost]:
    """Per function: the handler's whole measured CPU time (our code and botocore's), scaled
    to the vCPU share of the function's memory, plus its AWS calls at in-region latencies and
    its other HTTP calls; and its cold starts' billed INIT."""
    memory = lambda_memory()
    costs = {}
    for function, invocations in sorted(whole.invocations.items()):
        if not invocations:
            continue
        name = API_FUNCTION if function.startswith("api") else function
        mb = memory.get(name, memory["default"])
        cpu_ms = whole.cpu_ms[function] / invocations * max(1.0, FULL_VCPU_MB / mb)
        waits = _call_ms(whole.function_calls, function) + whole.http_calls[function] * HTTP_CALL_MS
        ms = math.ceil(cpu_ms + waits / invocations)
        costs[function] = LambdaCost(
            invocations,
            invocations * prices.lambda_per_million / MILLION,
            invocations * ms / 1000 * mb / 1024 * prices.lambda_gb_second,
            _init_usd(function, invocations, mb, prices, deploy),
            ms,
        )
    return costs


def _init_usd(function: str, invocations: float, mb: int, p: Prices, d: Deployment) -> float:
    """Billed INIT per dossier: the cold starts of a working day (at most one per invocation)
    over the day's dossiers. The API's status reads run in the API's containers."""
    if function == STATUS_POLLS:
        return 0.0
    cold = min(d.cold_starts_per_function_day, invocations * d.per_day) / d.per_day
    return cold * d.init_ms / 1000 * mb / 1024 * p.lambda_gb_second


def sqs_requests(whole: Tally) -> dict[str, float]:
    """Handlers' sends and the event source mappings' non-empty receives and deletes, by kind
    of queue (empty polls are a fixed cost of each mapping: `idle_sqs_month`)."""
    requests = {"fifo": 0.0, "standard": 0.0}
    for counter in (whole.sqs, whole.poller_sqs):
        for key, count in counter.items():
            kind, operation = key.split(" ", 1)
            if operation != "ReceiveMessage (empty)":
                requests[kind] += count
    return requests


def idle_sqs_month(template: dict[str, Any], prices: Prices) -> float:
    """Each SQS mapping's idle long polls: ~5 pollers, one 20 s poll each."""
    polls = 5 * 3 * 60 * 24 * 30
    usd = 0.0
    for resource in template["Resources"].values():
        for event in resource.get("Properties", {}).get("Events", {}).values():
            queue = event.get("Properties", {}).get("Queue")
            if queue:
                fifo = "PortalSync" in str(queue) or "Transitions" in str(queue)
                per = prices.sqs_fifo_per_million if fifo else prices.sqs_standard_per_million
                usd += polls * per / MILLION
    return usd


# --- the Step Functions Standard design ---------------------------------------------------------


def sfn_states(measured: Measured, assume: Assumptions) -> dict[str, float]:
    """State transitions of one dossier's execution (docs/benchmarks.md, "Step Functions
    Standard design"), from the measured lifecycle."""
    n = measured.dossiers
    applied = measured.applied / n
    refused = measured.refused / n
    life = measured.lifecycle.records
    return {
        # ReceiveIntake (Task), Accepted? (Choice)
        "intake": 2,
        # per step: Step (Parallel), AwaitAction (Task .waitForTaskToken), ApplyAction (Task),
        # Applied? (Choice), Moved (Fail: ends the Parallel), Route (Choice, in the Catch);
        # branch 2: UntilDueSoon (Wait)
        "per applied action": 7 * applied,
        # a refused (stale, illegal) command: AwaitAction, ApplyAction, Applied? again
        "per refused command": 3 * refused,
        # per notice job and per national-portal sync: a Task each
        "notices": life["notifier"] / n,
        "portal sync": life["portal_sync"] / n,
        # per alarm fired: WarnDueSoon (Task) after UntilDueSoon
        "alarms": assume.alarms_per_dossier,
        # Done (Succeed)
        "end": 1,
    }


def sfn_lean_states(measured: Measured, assume: Assumptions) -> dict[str, float]:
    """The fewest states the brief's list allows (sensitivity only): one per intake, callback,
    apply, notice, sync and wait, nothing to route or cancel."""
    n = measured.dossiers
    applied = measured.applied / n
    life = measured.lifecycle.records
    return {
        "intake": 1,
        "callbacks": applied,
        "apply": applied,
        "waits": applied,
        "notices": life["notifier"] / n,
        "portal sync": life["portal_sync"] / n,
        "alarms": assume.alarms_per_dossier,
    }


def _describe(states: dict[str, float]) -> str:
    return ", ".join(f"{name} {count:.1f}" for name, count in states.items())


class Costing:
    """Ours and the Step Functions design, per dossier, component by component."""

    def __init__(
        self, measured: Measured, assume: Assumptions, prices: Prices, deploy: Deployment
    ) -> None:
        self.measured, self.assume, self.prices, self.deploy = measured, assume, prices, deploy
        self.parts = per_dossier(measured, assume)
        self.whole = sum(self.parts.values(), Tally())
        self.lambdas = lambda_costs(self.whole, prices, deploy)
        self.template = deployed_template()
        self.rule = sampling_rule(self.template)
        self.states = sfn_states(measured, assume)

    # --- helpers ---------------------------------------------------------------------------
    def dynamodb(self, tally: Tally, function: str | None = None) -> float:
        wru = tally.units("wru", function) + tally.units("index_wru", function)
        rru = tally.units("rru", function)
        p = self.prices
        return (wru * p.dynamodb_wru_per_million + rru * p.dynamodb_rru_per_million) / MILLION

    def lambda_usd(self, functions: set[str]) -> float:
        return sum(
            c.requests + c.compute + c.init for n, c in self.lambdas.items() if n in functions
        )

    def fixed_per_dossier(self, monthly: float) -> float:
        return monthly / self.deploy.per_month

    def awaits(self) -> float:
        m = self.measured
        return (m.applied + m.refused) / m.dossiers * self.deploy.awaits_per_command

    def token_task(self) -> tuple[float, float, float]:
        """The SFN design's token-storing Task per await: (Lambda, DynamoDB, log) USD per
        dossier. One UpdateItem of the STATE item (its measured size: table and the worklist
        copy), at the transition worker's per-invocation CPU."""
        p, w = self.prices, self.whole
        awaits = self.awaits()
        state_kb = self.measured.item_kb.get("STATE", [1.0, 1.0])[1]
        units = 2 * max(1, math.ceil(state_kb))  # the item and its worklist copy (ALL)
        dynamodb = awaits * units * p.dynamodb_wru_per_million / MILLION
        mb = lambda_memory()["default"]
        worker = self.lambdas.get("transition_worker")
        cpu = (w.cpu_ms["transition_worker"] / max(w.invocations["transition_worker"], 1)) * max(
            1.0, FULL_VCPU_MB / mb
        )
        ms = math.ceil(cpu + CALL_MS["dynamodb"])
        lam = awaits * (p.lambda_per_million / MILLION + ms / 1000 * mb / 1024 * p.lambda_gb_second)
        lam += _init_usd(TOKEN_TASK, awaits, mb, p, self.deploy) if worker else 0.0
        # Its task functions would be configured as ours are (the API's settings).
        logs = awaits * self.platform_log_bytes({API_FUNCTION: 1}) / GB * p.logs_ingest_per_gb
        return lam, dynamodb, logs

    def platform_events(self, function: str) -> int:
        """Lambda's own log lines an invocation of `function` writes, by its logging config."""
        config = function_properties(self.template, function).get("LoggingConfig", {})
        quiet = config.get("SystemLogLevel") in QUIET_SYSTEM_LOG_LEVELS
        return 0 if quiet else LAMBDA_PLATFORM_LOG_EVENTS

    def platform_log_bytes(self, invocations: Mapping[str, float]) -> float:
        return sum(
            count
            * (self.platform_events(function) / LAMBDA_PLATFORM_LOG_EVENTS)
            * (LAMBDA_PLATFORM_LOG_BYTES + LAMBDA_PLATFORM_LOG_EVENTS * LOG_EVENT_OVERHEAD)
            for function, count in invocations.items()
        )

    def traced_at_lambdas_rule(self, function: str) -> bool:
        """Whether `function`, called with no trace header, starts traces of its own."""
        return function_properties(self.template, function).get("Tracing", "Active") == "Active"

    def traces(self) -> dict[str, float]:
        """Traces recorded per dossier: the API's by the template's rule, the untraced-upstream
        functions' by Lambda's fixed rule; the SFN design's executions by the template's rule."""
        d, w = self.deploy, self.whole
        busy = d.busy_hours * 3600
        api = sum(v for k, v in w.invocations.items() if k.startswith("api"))
        out = {"api": sampled(api * d.per_day, busy, self.rule[:2]) / d.per_day}
        for function in sorted(UNTRACED_UPSTREAM & set(w.invocations)):
            if not self.traced_at_lambdas_rule(function):
                out[function] = 0.0  # PassThrough: no upstream header, no trace
                continue
            per_day = w.invocations[function] * d.per_day
            if function == "deadline_timer":  # a schedule: its runs a day, whatever the volume
                per_day = self.assume.runs_per_day
            elif function == "daily_digest":
                per_day = 1
            out[function] = sampled(per_day, busy, LAMBDA_FIXED_RULE) / d.per_day
        out["sfn executions"] = sampled(d.per_day, busy, self.rule[:2]) / d.per_day
        return out

    # --- the lines -------------------------------------------------------------------------
    def lines(self) -> list[Line]:
        p, d, w, m = self.prices, self.deploy, self.whole, self.measured
        n = m.dossiers
        life = self.parts["lifecycle"]
        api_requests = sum(life.routes.values())
        api_functions = {f for f in w.invocations if f.startswith("api")}
        workers = set(w.invocations) - api_functions
        token_lambda, token_dynamodb, token_logs = self.token_task()

        sqs = sqs_requests(w)
        sqs_usd = (
            sqs["fifo"] * p.sqs_fifo_per_million + sqs["standard"] * p.sqs_standard_per_million
        ) / MILLION + self.fixed_per_dossier(idle_sqs_month(self.template, p))

        polling = self.dynamodb(self.parts["timer polling"])
        dynamodb_all = self.dynamodb(w)

        stored_gb = self.stored_bytes() / GB
        storage = stored_gb * 12 * d.years_stored
        storage_usd = storage * (p.dynamodb_storage_gb_month + p.dynamodb_pitr_gb_month)

        app_bytes = m.log_bytes / n + m.log_events / n * LOG_EVENT_OVERHEAD
        retention_months = self.log_retention_days() / 30
        per_gb_logs = p.logs_ingest_per_gb + p.logs_storage_gb_month * retention_months
        shared_invocations = {k: v for k, v in w.invocations.items() if k not in OURS_ONLY}
        ours_invocations = {k: v for k, v in w.invocations.items() if k in OURS_ONLY}
        logs_shared = (app_bytes + self.platform_log_bytes(shared_invocations)) / GB * per_gb_logs
        logs_ours = self.platform_log_bytes(ours_invocations) / GB * per_gb_logs
        token_logs *= per_gb_logs / p.logs_ingest_per_gb

        traces = self.traces()
        per_trace = (
            p.xray_recorded_per_million + d.xray_scans_per_trace * p.xray_scanned_per_million
        ) / MILLION
        xray_ours = sum(v for k, v in traces.items() if k in UNTRACED_UPSTREAM) * per_trace
        # The SFN design's timer is its Wait states: no schedule; its digest stays.
        xray_shared = traces["api"] * per_trace + traces.get("daily_digest", 0) * per_trace
        xray_ours -= traces.get("daily_digest", 0) * per_trace
        xray_sfn = traces["sfn executions"] * per_trace

        out_bytes = sum(w.out_bytes.values())
        transfer = out_bytes / GB * p.transfer_out_per_gb

        fixed, fixed_note = self.fixed_monthly()

        durations = ", ".join(f"{k} {c.ms} ms" for k, c in self.lambdas.items())
        sfn_transitions = sum(self.states.values())
        rule = f"reservoir {self.rule[0]:g}/s + {self.rule[1]:.0%} ({self.rule[2]})"
        return [
            Line("API Gateway REST", api_requests * p.api_rest_per_million / MILLION, 0, 0,
                 f"{api_requests:.1f} requests, {life.invocations[STATUS_POLLS]:.1f} of them "
                 "status reads (one per queued request)"),
            Line("Lambda: API (requests, duration, INIT)", self.lambda_usd(api_functions), 0, 0,
                 f"{sum(w.invocations[f] for f in api_functions):.1f} invocations"),
            Line("Lambda: workers / Task functions", self.lambda_usd(workers - OURS_ONLY),
                 self.lambda_usd(workers & OURS_ONLY), token_lambda,
                 f"{sum(w.invocations[f] for f in workers):.1f} invocations; ours only: relay, "
                 f"timer; SFN only: {self.awaits():.1f} token-storing Tasks; billed: {durations}"),
            Line("SQS", 0, sqs_usd, 0,
                 f"{sqs['fifo']:.1f} FIFO + {sqs['standard']:.1f} standard requests; mappings' "
                 f"idle polls ${idle_sqs_month(self.template, p):.2f} a month"),
            Line("DynamoDB requests", dynamodb_all - polling, polling, token_dynamodb,
                 f"{w.units('rru'):.1f} RRU, {w.units('wru') + w.units('index_wru'):.1f} WRU "
                 f"(item sizes as measured); ours only: the timer's polling; SFN only: the "
                 "token written to STATE per await"),
            Line("DynamoDB storage + PITR", storage_usd, 0, 0,
                 f"{self.stored_bytes() / 1024:.1f} KB per dossier-year (items + 100 B each, "
                 f"index copies while open), x {d.years_stored:g} year(s)"),
            Line("CloudWatch Logs (ingestion, 26 B/event, storage)", logs_shared, logs_ours,
                 token_logs,
                 f"{(app_bytes + self.platform_log_bytes(w.invocations)) / 1024:.1f} KB per "
                 f"dossier billed ({self.log_events():.0f}"
                 f" events), kept {self.log_retention_days()} days"),
            Line("X-Ray (recorded + scanned)", xray_shared, xray_ours, xray_sfn,
                 f"API rule {rule}: {traces['api']:.2f} traces per dossier; relay and schedules "
                 f"(Lambda's fixed 1/s + 5% where Active, none where PassThrough): "
                 f"{sum(v for k, v in traces.items() if k in UNTRACED_UPSTREAM):.2f}; SFN "
                 f"executions {traces['sfn executions']:.2f}"),
            Line("Data transfer out", transfer, 0, 0,
                 f"{out_bytes / 1024:.1f} KB per dossier: API answers, portal pushes"),
            Line("Fixed monthly (metrics, alarms, dashboards, WAF)",
                 self.fixed_per_dossier(fixed), 0, 0, fixed_note),
            Line("Step Functions Standard", 0, 0,
                 sfn_transitions * p.sfn_standard_per_thousand / 1000,
                 f"{sfn_transitions:.1f} transitions: {_describe(self.states)}"),
        ]  # fmt: skip

    def stored_bytes(self) -> float:
        """Bytes billed per dossier-year: base items (TTL'd ones for their life), 100 B per
        item, and the index copies of an open dossier for the days it is open."""
        s, d = self.measured.stored, self.deploy
        total = 0.0
        for items, size, ttl_bytes, ttl_days in s.kinds.values():
            kept = (size - ttl_bytes) + ttl_bytes * min(ttl_days / 365 / d.years_stored, 1.0)
            total += (kept + items * DYNAMODB_ITEM_OVERHEAD) / s.dossiers
        open_fraction = min(self.assume.days_open / 365 / d.years_stored, 1.0)
        for items, size in s.index_bytes.values():
            total += (size + items * DYNAMODB_ITEM_OVERHEAD) * open_fraction
        return total

    def log_events(self) -> float:
        """Log events per dossier: the app's lines and each invocation's platform lines."""
        m = self.measured
        return m.log_events / m.dossiers + sum(
            count * self.platform_events(function)
            for function, count in self.whole.invocations.items()
        )

    def log_retention_days(self) -> int:
        config = json.loads((ROOT / ".chalice" / "config.json").read_text(encoding="utf-8"))
        return int(config.get("log_retention_in_days") or 30)

    def fixed_monthly(self) -> tuple[float, str]:
        p, resources = self.prices, self.template["Resources"]
        kinds = [r.get("Type") for r in resources.values()]
        alarms = kinds.count("AWS::CloudWatch::Alarm")
        dashboards = kinds.count("AWS::CloudWatch::Dashboard")
        acls = [r for r in resources.values() if r.get("Type") == "AWS::WAFv2::WebACL"]
        rules = sum(len(r["Properties"].get("Rules", [])) for r in acls)
        metrics = len(self.measured.metrics)
        api_per_month = sum(self.parts["lifecycle"].routes.values()) * self.deploy.per_month
        waf = (
            len(acls) * p.waf_web_acl_month
            + rules * p.waf_rule_month
            + (api_per_month * p.waf_per_million / MILLION if acls else 0.0)
        )
        monthly = (
            metrics * p.custom_metric_month
            + alarms * p.alarm_month
            + dashboards * p.dashboard_month
            + waf
        )
        note = (
            f"${monthly:.2f} a month over {self.deploy.per_month:,.0f} dossiers: "
            f"{metrics} custom metrics (as the run defined them), {alarms} alarms, "
            f"{dashboards} dashboards, {len(acls)} WAF web ACLs"
        )
        return monthly, note

    def emails(self) -> float:
        m = self.measured
        per_alarm = self.assume.alarms_per_dossier / max(m.alarms_fired, 1)
        return m.notices["email"] / m.dossiers + m.alarm_notices["email"] * per_alarm


# --- targets --------------------------------------------------------------------------------------

TOTAL_TARGET = 300.0  # USD per million dossiers
SPECIFIC_TARGET = 40.0
RATIO_TARGET = 5.0
AGREEMENT = 0.05  # two runs on different loads


@dataclass(frozen=True)
class Figures:
    ours: float  # USD per million
    sfn: float
    ours_specific: float
    sfn_specific: float

    @property
    def ratio(self) -> float:
        return self.sfn / self.ours

    @property
    def specific_ratio(self) -> float:
        return self.sfn_specific / self.ours_specific if self.ours_specific else math.inf


def figures(lines: list[Line]) -> Figures:
    return Figures(
        sum(line.ours for line in lines) * MILLION,
        sum(line.sfn for line in lines) * MILLION,
        sum(line.ours_only for line in lines) * MILLION,
        sum(line.sfn_only for line in lines) * MILLION,
    )


def _verdict(met: bool) -> str:
    return "met" if met else "MISSED"


def report(
    measured: Measured, assume: Assumptions, prices: Prices, deploy: Deployment
) -> tuple[list[str], Figures]:
    costing = Costing(measured, assume, prices, deploy)
    lines = costing.lines()
    f = figures(lines)
    out = [
        f"prices: AWS list prices for {REGION} as known in {PRICES_AS_OF} "
        "(on demand, no free tier); SMS and email fees excluded",
        f"assumptions: {assume.describe()}; {deploy.describe()}",
        f"Lambda billed time = the handler's measured CPU (ours + botocore) scaled to the "
        f"memory's vCPU share + assumed in-region latencies {CALL_MS} ms, other HTTP "
        f"{HTTP_CALL_MS:g} ms",
    ]
    out += [
        f"per million dossiers, {line.component}: ours ${line.ours * MILLION:,.2f}, "
        f"Step Functions design ${line.sfn * MILLION:,.2f} (both alike "
        f"${line.shared * MILLION:,.2f}; {line.note})"
        for line in lines
    ]
    out += [
        f"per million dossiers, total: ours ${f.ours:,.2f}, Step Functions design ${f.sfn:,.2f}",
        f"per million dossiers, design-specific: ours ${f.ours_specific:,.2f}, Step Functions "
        f"design ${f.sfn_specific:,.2f}",
        f"target total <= ${TOTAL_TARGET:g} per million: ${f.ours:,.2f}, "
        f"{_verdict(f.ours <= TOTAL_TARGET)}",
        f"target design-specific <= ${SPECIFIC_TARGET:g} per million: ${f.ours_specific:,.2f}, "
        f"{_verdict(f.ours_specific <= SPECIFIC_TARGET)}",
        f"target ratio to the Step Functions design >= {RATIO_TARGET:g}x on the total: "
        f"{f.ratio:.2f}x, {_verdict(f.ratio >= RATIO_TARGET)} (design-specific ratio "
        f"{f.specific_ratio:.1f}x)",
    ]
    out += what_it_would_take(lines, f)
    lean = sfn_lean_states(measured, assume)
    lean_sfn = f.sfn + (sum(lean.values()) - sum(costing.states.values())) * (
        prices.sfn_standard_per_thousand / 1000 * MILLION
    )
    sms = measured.notices["sms"] / measured.dossiers
    out += [
        f"sensitivity: the leanest Step Functions design ({sum(lean.values()):.1f} transitions: "
        f"{_describe(lean)}): ratio {lean_sfn / f.ours:.2f}x",
        f"sensitivity: storage is ${lines[5].shared * MILLION / deploy.years_stored:,.2f} per "
        "million dossier-years (storage + PITR); each further year kept in the table adds it",
        f"not compared, per million dossiers: email through SES "
        f"${costing.emails() * prices.ses_per_thousand * 1000:,.2f} "
        f"({costing.emails():.2f} per dossier); SMS {sms:.2f} per dossier at the carrier's "
        "per-message fee",
    ]
    return out, f


def what_it_would_take(lines: list[Line], f: Figures) -> list[str]:
    """Where a target is missed: the gap, and the lines that could close it, largest first."""
    out = []
    biggest = sorted(lines, key=lambda line: line.ours, reverse=True)[:4]
    top = ", ".join(f"{line.component} ${line.ours * MILLION:,.0f}" for line in biggest)
    if f.ours > TOTAL_TARGET:
        out.append(
            f"to meet the total: ${f.ours - TOTAL_TARGET:,.2f} per million less "
            f"({(1 - TOTAL_TARGET / f.ours):.0%}); largest lines: {top}"
        )
    if f.ours_specific > SPECIFIC_TARGET:
        specific = sorted(lines, key=lambda line: line.ours_only, reverse=True)[:3]
        parts = ", ".join(f"{line.component} ${line.ours_only * MILLION:,.2f}" for line in specific)
        out.append(
            f"to meet the design-specific part: ${f.ours_specific - SPECIFIC_TARGET:,.2f} per "
            f"million less; ours-only lines: {parts}"
        )
    if f.ratio < RATIO_TARGET:
        out.append(
            f"to meet the ratio: ours at most ${f.sfn / RATIO_TARGET:,.2f} per million "
            f"({(1 - f.sfn / RATIO_TARGET / f.ours):.0%} less), the SFN design as described"
        )
    return out


def agreement(a: Figures, b: Figures) -> list[str]:
    """The two runs' figures side by side, each within AGREEMENT of the other or not."""
    out = []
    worst = 0.0
    for name in ("ours", "sfn", "ours_specific", "sfn_specific"):
        x, y = getattr(a, name), getattr(b, name)
        gap = abs(x - y) / max(x, y) if max(x, y) else 0.0
        worst = max(worst, gap)
        out.append(f"two runs, {name}: ${x:,.2f} and ${y:,.2f} ({gap:.1%} apart)")
    out.append(
        f"target figures within {AGREEMENT:.0%} on two runs on different loads: "
        f"{worst:.1%} apart at most, {_verdict(worst <= AGREEMENT)}"
    )
    return out


def add_deployment_arguments(parser: argparse.ArgumentParser) -> None:
    d = Deployment()
    parser.add_argument("--dossiers-per-year", type=float, default=d.dossiers_per_year)
    parser.add_argument("--busy-hours", type=float, default=d.busy_hours)
    parser.add_argument(
        "--cold-starts-per-function-day", type=float, default=d.cold_starts_per_function_day
    )
    parser.add_argument("--init-ms", type=float, default=d.init_ms)
    parser.add_argument("--years-stored", type=float, default=d.years_stored)
    parser.add_argument("--xray-scans-per-trace", type=float, default=d.xray_scans_per_trace)


def deployment(args: argparse.Namespace) -> Deployment:
    return Deployment(
        dossiers_per_year=args.dossiers_per_year,
        busy_hours=args.busy_hours,
        cold_starts_per_function_day=args.cold_starts_per_function_day,
        init_ms=args.init_ms,
        years_stored=args.years_stored,
        xray_scans_per_trace=args.xray_scans_per_trace,
    )


def _load(path: Path) -> Measured:
    return Measured.from_json(json.loads(path.read_text(encoding="utf-8")))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=Path, help="bench.aws_calls --json output to price")
    parser.add_argument(
        "--compare", type=Path, help="a second run's --json output (e.g. on a loaded machine)"
    )
    add_assumption_arguments(parser)
    add_deployment_arguments(parser)
    args = parser.parse_args(argv)
    measured = _load(args.calls) if args.calls else measure()
    lines, first = report(measured, assumptions(args), Prices(), deployment(args))
    for line in lines:
        print(line, flush=True)
    if args.compare:
        _, second = report(_load(args.compare), assumptions(args), Prices(), deployment(args))
        for line in agreement(first, second):
            print(line, flush=True)
    else:
        print(
            "target figures within 5% on two runs on different loads: not checked here "
            "(give a second run's JSON with --compare)",
            flush=True,
        )


if __name__ == "__main__":
    main()
