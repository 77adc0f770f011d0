"""N dossiers through their whole lives while the stack misbehaves; prints the tally.

DynamoDB throttles requests and cancels transactions (TransactionConflict), some writes are
applied but answered with a timeout, workers die mid-batch (before or after a write), SQS
loses deletes and delivers messages twice, and the SMS and Zalo ZNS providers go down for a
while (`devstack/faults.py`). At the end every dossier must be in its expected final
state with a history whose versions run 1..n with no gap or repeat, the QĐ 766 counters must
equal a recount from the histories, and every notice must have been sent once, or be in the
DLQ with its reason. Run: `.venv/bin/python -m bench.fault_injection --dossiers 5000`.

Why in-process (`devstack/inprocess.py`: moto's `mock_aws`) and not the local stack
over HTTP: the same app, its real Chalice routes (through `chalice.test.Client`: signatures,
tokens, problem+json), its real workers invoked by the local pollers with Lambda's event shapes
and batch semantics, the real store adapters and queues (moto's SQS with the redrive policies
of infra/resources.json, its DynamoDB with its stream), but no HTTP hop, moto server thread or
poller thread: 1,000 dossiers through their lives are some 80,000 AWS calls, which fit the
test's two minutes only without a socket and a thread switch per call. The HTTP hop is what
`tests/e2e` drives; the load test (`bench/load.py`) measures it.

Lives, by dossier number modulo 10: 0–4 and 9 a birth registration at the ward (take up,
forward, resolve, return); 5 the same with two officials taking it up at the same version (one
is refused as stale); 6 submitted online and refused by the counter before receipt; 7 a birth
registration with a supplement request; 8 a death registration; and one dossier in 20 (n % 20
== 19) a land transfer from the national portal with a supplement and the tax department's
steps (its signed webhook). One applicant in four gives an email; ZNS has no Zalo account for
numbers ending in an odd digit (fallback to SMS).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import boto3

from chalicelib import bootstrap
from chalicelib.adapters import aws
from chalicelib.adapters.dynamo_store import unpack_history, unpack_outbox, unpack_state
from chalicelib.auth.signatures import DEV_WEBHOOK_SECRET, signed_headers
from chalicelib.domain.calendar import LOCAL_TZ
from chalicelib.domain.messages import Milestone
from chalicelib.handlers import dead_letters
from chalicelib.notify.channels import Channels
from chalicelib.notify.model import Channel, Outcome, OutgoingMessage
from chalicelib.services.intake import receipt_id_for
from devstack import demo
from devstack.faults import FaultInjector, FaultPlan, LedgerProvider, Outage
from devstack.inprocess import REGION, Pump, in_process
from devstack.stack import PORTAL_CLIENT, TAX_CLIENT

WARD = "000.00.41.H19"
LAND_OFFICE = "000.01.09.H19"
TAX = "000.00.90.H19"
CHUNK = 250  # requests sent before the workers catch up: the queues stay short, as in life
API_ATTEMPTS = 8  # a portal or an official retries a 5xx (the faults calm down after 2)

DEFAULT_PLAN = FaultPlan(
    throttle=0.01,
    conflict=0.03,
    ambiguous=0.005,
    kill=0.002,
    lost_delete=0.01,
    duplicate=0.01,
    seed=2026,
)
# A province's peak: 2% of the transactions that update a QĐ 766 counter cancelled by a
# conflict on it, and nothing else going wrong: whatever comes back to a queue is their doing.
HOT_CONFLICTS_PLAN = FaultPlan(conflict=0.02, hot_conflicts=True, seed=2026)


# -- the lives ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Step:
    who: str  # one of the demo's officials, or "tax" (the tax department's signed webhook)
    action: str
    note: str = ""
    applies: bool = True  # False: expected to be refused (stale version)


def _ward_steps(supplement: bool = False) -> list[list[Step]]:
    waves = [[Step("ward_specialist", "take_up")]]
    if supplement:
        waves += [
            [Step("ward_specialist", "request_supplement", "Bổ sung giấy chứng sinh bản chính")],
            [Step("ward_receiver", "supplement_received", "Đã nhận bản chính")],
        ]
    return [
        *waves,
        [Step("ward_specialist", "forward", "Trình ký")],
        [Step("ward_leader", "resolve")],
        [Step("ward_receiver", "return_result")],
    ]


def _land_steps() -> list[list[Step]]:
    return [
        [Step("land_specialist", "take_up")],
        [Step("land_specialist", "request_supplement", "Bổ sung bản trích đo địa chính")],
        [Step("land_receiver", "supplement_received", "Đã nhận bản trích đo")],
        [Step("land_specialist", "forward", "Chuyển thông tin địa chính sang Thuế")],
        [Step("tax", "request_fees", "Thông báo nộp thuế TNCN và lệ phí trước bạ")],
        [Step("tax", "fees_paid", "Người dân đã nộp thuế")],
        [Step("tax", "forward", "Hoàn thành xác định nghĩa vụ tài chính")],
        [Step("land_specialist", "forward", "Trình ký Giấy chứng nhận")],
        [Step("land_leader", "resolve")],
        [Step("land_receiver", "return_result")],
    ]


@dataclass
class Life:
    n: int
    kind: str
    client_id: str
    external_id: str
    payload: dict[str, Any]
    waves: list[list[Step]]
    final_status: int
    code: str | None = None
    version: int = 1  # the version the next official expects (the dossier's, as last read)
    api_failures: list[str] = field(default_factory=list)

    @property
    def receipt_id(self) -> str:
        return receipt_id_for(self.client_id, self.external_id)

    def expected_actions(self) -> list[str]:
        first = "submit" if self.kind == "refused" else "receive"
        return [first] + [s.action for wave in self.waves for s in wave if s.applies]

    def expected_refusals(self) -> list[str]:
        return ["stale_version" for wave in self.waves for s in wave if not s.applies]


def _applicant(n: int) -> dict[str, Any]:
    applicant: dict[str, Any] = {
        "name": f"Nguyễn Văn Thử {n}",
        "kind": 1,
        "id_number": f"0751900{n:05d}",
        "phone": f"091{n:07d}",
    }
    if n % 4 == 1:
        applicant["email"] = f"cong.dan.{n}@example.vn"
    return applicant


def make_life(n: int, run: str, submitted: datetime) -> Life:
    kind = {5: "stale", 6: "refused", 7: "supplement", 8: "death", 9: "land"}.get(n % 10, "birth")
    if kind == "land" and n % 20 != 19:  # one dossier in 20 is a land transfer (ten steps)
        kind = "birth"
    external = f"fi-{run}-{n}"
    if kind == "land":
        applicant = _applicant(n)
        code = f"{LAND_OFFICE}-{submitted:%y%m%d}-{5000 + n // 10:04d}"
        no_email = {k: v for k, v in applicant.items() if k != "email"}  # as the portal sent it
        summary = f"Chuyển nhượng quyền sử dụng đất thửa {n}"
        payload = demo.land_transfer_item(code, submitted, no_email, summary)
        external = payload["MaHoSo"]
        return Life(n, kind, PORTAL_CLIENT, external, payload, _land_steps(), 10)
    waves = _ward_steps(supplement=kind == "supplement")
    if kind == "stale":  # two officials act on the same version: the second is refused
        # Both may take it up, so whichever the queue applies first wins and the other is
        # stale, in any order the faults leave them.
        waves[0] = [waves[0][0], Step("ward_specialist_2", "take_up", applies=False)]
    if kind == "refused":
        waves = [[Step("ward_receiver", "refuse", "Hồ sơ không đúng thẩm quyền")]]
    payload = {
        "external_id": external,
        "procedure_code": "1.000656" if kind == "death" else "1.001193",
        "channel": 2,
        "applicant": _applicant(n),
        "resolving_agency": WARD,
        "received_by_agency": WARD,
        "submitted_at": submitted.isoformat(),
        # A refusal (Mẫu 03) is the counter's answer before receipt (NĐ 118 art. 17).
        "awaiting_counter_check": kind == "refused",
        "summary": "Hồ sơ thử nghiệm lỗi",
    }
    return Life(n, kind, PORTAL_CLIENT, external, payload, waves, 3 if kind == "refused" else 10)


# -- the system in-process ----------------------------------------------------------------------
def _notification_channels(outages: bool) -> Channels:
    def no_zalo_account(message: OutgoingMessage) -> Outcome | None:
        return Outcome.NO_ACCOUNT if int(message.to[-1]) % 2 else None

    return Channels(
        sms=LedgerProvider("sms", Channel.SMS, outage=Outage(1200, 1.5) if outages else None),
        zns=LedgerProvider(
            "zns", Channel.ZNS, outage=Outage(300, 4.0) if outages else None, refuse=no_zalo_account
        ),
        email=LedgerProvider("email", Channel.EMAIL),
        zns_templates={milestone.value: f"zns-{milestone.value}" for milestone in Milestone},
    )


class Api:
    """The app's HTTP routes in-process, called as a portal or an official would: a 5xx is
    retried (a fresh signature each time, with the same Idempotency-Key)."""

    def __init__(self, client: Any, injector: FaultInjector) -> None:
        self.client = client
        self.injector = injector
        self.statuses: Counter[int] = Counter()
        # The demo's officials (development tokens); no HTTP: only their tokens are used.
        officials = demo.Cast.local("http://in-process.invalid").officials
        self.tokens = {who: official.token for who, official in officials.items()}

    def call(
        self, method: str, path: str, payload: Any = None, *, signer: str | None = None,
        official: str | None = None, key: str | None = None,
    ) -> Any:  # fmt: skip
        body = json.dumps(payload, ensure_ascii=False).encode() if payload is not None else b""
        for attempt in range(1, API_ATTEMPTS + 1):
            headers = {"Content-Type": "application/json"}
            if signer:  # a retry within the same second needs another timestamp: t is signed
                t = int(time.time()) + attempt - 1
                headers |= signed_headers(signer, DEV_WEBHOOK_SECRET, method=method,
                                          target=path, body=body, timestamp=t)  # fmt: skip
            if official:
                headers["Authorization"] = f"Bearer {self.tokens[official]}"
            if key:
                headers["Idempotency-Key"] = key
            with self.injector.scope(calm=attempt > self.injector.plan.calm_after):
                answer = self.client.http.request(method, path, headers=headers, body=body)
            self.statuses[answer.status_code] += 1
            if answer.status_code < 500:
                return answer
        return answer


# -- the scenario -------------------------------------------------------------------------------
def run(
    dossiers: int = 1000,
    plan: FaultPlan = DEFAULT_PLAN,
    *,
    outages: bool = True,
    out: Any = None,
) -> dict[str, Any]:
    """Run the scenario; answer the tally (also printed to `out`, default stdout)."""
    started, cpu = time.monotonic(), time.process_time()
    channels = _notification_channels(outages)
    injector = FaultInjector(plan)
    now = datetime.now(LOCAL_TZ).replace(microsecond=0)
    run_id = uuid.uuid4().hex[:6]
    lives = [make_life(n, run_id, now - timedelta(hours=2)) for n in range(dossiers)]
    phases: dict[str, float] = {}
    with (
        in_process(
            {"MOTCUA_SURVEY_URL": None}, log_level="CRITICAL", parts={"channels": channels}
        ) as system,
    ):
        injector.attach(aws.client("dynamodb"))
        injector.attach(aws.client("sqs"))
        injector.instrument(system.pollers)
        api = Api(system.client, injector)
        mark = time.monotonic()
        _intake(lives, api, system.pump)
        phases["intake"], mark = time.monotonic() - mark, time.monotonic()
        for wave in range(max(len(life.waves) for life in lives)):
            _act(lives, wave, api, system.pump)
        phases["actions"], mark = time.monotonic() - mark, time.monotonic()
        system.pump.run(timeout=600)  # the notices, through the outages
        phases["last notices"], mark = time.monotonic() - mark, time.monotonic()
        injector.enabled = False
        tally = _tally(lives, system.resources, channels, injector, api)
        phases["checks"] = time.monotonic() - mark
    tally["phases"] = {name: round(seconds, 1) for name, seconds in phases.items()}
    tally["seconds"] = round(time.monotonic() - started, 1)
    tally["cpu_seconds"] = round(time.process_time() - cpu, 1)
    print(render(tally, plan), file=out or sys.stdout, flush=True)
    return tally


def _intake(lives: list[Life], api: Api, pump: Pump) -> None:
    store = bootstrap.container().store
    for start in range(0, len(lives), CHUNK):
        for life in lives[start : start + CHUNK]:
            answer = api.call("POST", "/v1/webhooks/dossiers", life.payload, signer=life.client_id)
            if answer.status_code != 202:
                life.api_failures.append(f"webhook {answer.status_code}")
        pump.run(watch={"intake_worker", "transition_worker"})
    for life in lives:
        receipt = store.get_receipt(life.receipt_id)
        if receipt is not None and receipt.status == "accepted":
            life.code = receipt.code
        else:
            life.api_failures.append(f"receipt {receipt.status if receipt else 'missing'}")


def _act(lives: list[Life], wave: int, api: Api, pump: Pump) -> None:
    acting = [life for life in lives if life.code and wave < len(life.waves)]
    for start in range(0, len(acting), CHUNK):
        for life in acting[start : start + CHUNK]:
            version = life.version
            for index, step in enumerate(life.waves[wave]):
                key = f"{life.code}:{wave}:{index}"
                if step.who == "tax":
                    path = f"/v1/webhooks/inter-agency/{life.code}/actions"
                    # The signature covers the body, not the path: the tax system names
                    # the dossier in its note, or two reports alike in one second collide.
                    body = {"action": step.action, "note": f"{step.note} ({life.code})"}
                    answer = api.call("POST", path, body, signer=TAX_CLIENT, key=key)
                else:
                    path = f"/v1/dossiers/{life.code}/actions"
                    body = {"action": step.action, "note": step.note, "expected_version": version}
                    answer = api.call("POST", path, body, official=step.who, key=key)
                if answer.status_code != 202:
                    life.api_failures.append(f"{step.action} {answer.status_code}")
                life.version += 1 if step.applies else 0
        pump.run(watch={"intake_worker", "transition_worker"})


# -- the tally ----------------------------------------------------------------------------------
def _reason(letter: dict[str, Any]) -> str:
    return letter.get("MessageAttributes", {}).get("reason", {}).get("StringValue", "")


def _job_key(letter: dict[str, Any]) -> str | None:
    try:
        body = json.loads(letter["Body"])
    except ValueError:
        return None
    if isinstance(body, dict) and body.get("kind") == dead_letters.LETTER_KIND:
        body = body.get("masked")
    return body.get("key") if isinstance(body, dict) else None


class _ReadOnce:
    """The store, each dossier loaded once however many agencies are recounted."""

    def __init__(self, store: Any) -> None:
        self.store = store
        self.loaded: dict[str, Any] = {}

    def all_codes(self) -> list[str]:
        if "" not in self.loaded:
            self.loaded[""] = self.store.all_codes()
        return self.loaded[""]

    def load(self, code: str) -> Any:
        if code not in self.loaded:
            self.loaded[code] = self.store.load(code)
        return self.loaded[code]

    def stats(self, agency: str, month: str) -> Any:
        return self.store.stats(agency, month)


def _partitions(table_name: str) -> dict[str, list[dict[str, Any]]]:
    """Every item of the table by partition, in DynamoDB's wire form, read from moto's own
    state: the checks read what was written without going through the app or the SDK."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends

    table = dynamodb_backends[DEFAULT_ACCOUNT_ID][REGION].tables[table_name]
    partitions: dict[str, list[dict[str, Any]]] = {}
    for hash_set in table.items.values():
        for item in hash_set.values():
            attributes = item.to_json()["Attributes"]
            partitions.setdefault(attributes["PK"]["S"], []).append(attributes)
    return partitions


def _tally(
    lives: list[Life],
    resources: dict[str, str],
    channels: Channels,
    injector: FaultInjector,
    api: Api,
) -> dict[str, Any]:
    from chalicelib.services import reports

    partitions = _partitions(resources["MOTCUA_TABLE"])
    wrong: list[str] = []
    entries = gaps = repeats = 0
    routes: dict[tuple[str, str], int] = {}  # (job key, route) → times accepted
    for life in lives:
        if not life.code:
            wrong.append(f"#{life.n} {life.kind}: no dossier ({life.api_failures})")
            continue
        items = partitions.get(f"D#{life.code}", [])
        by_kind: dict[str, list[dict[str, Any]]] = {}
        for item in items:
            by_kind.setdefault(item["SK"]["S"].split("#")[0], []).append(item)
        state = unpack_state(by_kind["STATE"][0])
        history = sorted(
            (unpack_history(i) for i in by_kind.get("H", [])),
            key=lambda e: e.version,
        )
        versions = [e.version for e in history]
        entries += len(versions)
        gaps += len(set(range(1, state.version + 1)) - set(versions))
        repeats += len(versions) - len(set(versions))
        markers = len(by_kind.get("C", []))
        refusals = sorted(json.loads(i["refusal"]["S"])["kind"] for i in by_kind.get("R", []))
        actions = [str(e.action) for e in history]
        expected = life.expected_actions()
        if (
            actions != expected
            or state.status != life.final_status
            or state.version != len(expected)
            or markers != len(expected) - 1
            or refusals != life.expected_refusals()
            or life.api_failures
        ):
            wrong.append(
                f"{life.code} ({life.kind}): status {int(state.status)} v{state.version}, "
                f"actions {actions}, {markers} markers, refusals {refusals}, "
                f"api {life.api_failures}"
            )
        for item in items:
            if "outbox" not in item:
                continue
            for job in unpack_outbox(item):
                if job.phone and job.sms_text:
                    routes[(job.key, "phone")] = (
                        channels.zns.accepted[job.key] + (channels.sms.accepted[job.key])
                    )
                for address in job.emails:
                    routes[(job.key, f"email:{address}")] = channels.email.accepted[
                        f"{job.key}:{address}"
                    ]

    sqs = boto3.client("sqs")
    letters = {
        name: dead_letters.drain(sqs, resources[f"MOTCUA_{name.upper()}_DLQ_URL"])
        for name in ("intake", "transitions", "notifications")
    }
    dead_keys = {_job_key(letter) for letter in letters["notifications"]}
    reasons = Counter(_reason_kind(_reason(letter)) for letter in letters["notifications"])
    sent_once = sum(1 for count in routes.values() if count == 1)
    doubled = sum(1 for count in routes.values() if count > 1)
    unsent = [route for route, count in routes.items() if count == 0]
    in_dlq = sum(1 for key, _ in unsent if key in dead_keys)

    now = datetime.now(LOCAL_TZ)
    months = sorted({now.strftime("%Y-%m"), (now - timedelta(hours=2)).strftime("%Y-%m")})
    store = _ReadOnce(bootstrap.container().store)
    counters = [
        reports.rebuild_and_compare(
            agency, months[0], months[-1], store, bootstrap.container().calendar
        )
        for agency in (WARD, LAND_OFFICE)
    ]
    return {
        "dossiers": len(lives),
        "as_expected": len(lives) - len(wrong),
        "wrong": wrong[:20],
        "history_entries": entries,
        "version_gaps": gaps,
        "version_repeats": repeats,
        "counters_match": all(result["match"] for result in counters),
        "dead_intakes": len(letters["intake"]),
        "dead_transitions": len(letters["transitions"]),
        "notices": len(routes),
        "sent_once": sent_once,
        "sent_twice_or_more": doubled,
        "in_dlq": in_dlq,
        "lost": len(unsent) - in_dlq,
        "dlq_letters": len(letters["notifications"]),
        "dlq_letters_without_reason": sum(1 for x in letters["notifications"] if not _reason(x)),
        "dlq_reasons": dict(reasons),
        "faults": dict(sorted(injector.counts.items())),
        "returned_to_queues": dict(sorted(injector.returned.items())),
        "provider_failures": {
            "sms": f"{channels.sms.failed} of {channels.sms.calls} calls",
            "zns": f"{channels.zns.failed} of {channels.zns.calls} calls",
        },
        "api_statuses": dict(sorted(api.statuses.items())),
    }


def _reason_kind(reason: str) -> str:
    if "delivery is sending it now" in reason:
        return "left 'sending' by a failed try: the provider may have taken it"
    if "a send was under way" in reason:
        return "a send may have happened (unknown)"
    if "injected outage" in reason:
        return "provider down through every retry"
    return reason[:80]


def render(tally: dict[str, Any], plan: FaultPlan) -> str:
    lines = [
        f"fault injection: {tally['dossiers']} dossiers, {plan.describe()}",
        f"  dossiers in their expected final state: {tally['as_expected']} of "
        f"{tally['dossiers']}; history entries {tally['history_entries']}, version gaps "
        f"{tally['version_gaps']}, repeats {tally['version_repeats']}; QĐ 766 counters equal "
        f"the recount: {tally['counters_match']}",
        f"  dead-lettered intakes {tally['dead_intakes']}, transitions {tally['dead_transitions']}",
        f"  notices {tally['notices']}: sent once {tally['sent_once']}, in the DLQ with a reason "
        f"{tally['in_dlq']}, sent twice or more {tally['sent_twice_or_more']}, lost "
        f"{tally['lost']} (DLQ letters {tally['dlq_letters']}, without a reason "
        f"{tally['dlq_letters_without_reason']})",
        f"  DLQ reasons: {tally['dlq_reasons']}",
        f"  faults injected: {tally['faults']}",
        f"  records given back to their queue or stream (each a stall of its visibility "
        f"timeout): {sum(tally['returned_to_queues'].values())} {tally['returned_to_queues']}",
        f"  provider outages: {tally['provider_failures']}",
        f"  API answers (5xx retried by the caller): {tally['api_statuses']}",
        f"  {tally.get('seconds', '?')} s, {tally.get('cpu_seconds', '?')} s of CPU "
        f"({tally.get('phases')})",
    ]
    lines += [f"  WRONG {line}" for line in tally["wrong"]]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dossiers", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=DEFAULT_PLAN.seed)
    parser.add_argument("--no-outages", action="store_true", help="providers stay up")
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every fault rate")
    parser.add_argument(
        "--hot-conflicts",
        action="store_true",
        help="only conflicts on the counter items (2%% of those transactions), nothing else",
    )
    args = parser.parse_args(argv)
    logging.getLogger("devstack").setLevel(logging.CRITICAL)  # the pollers' retries
    if args.hot_conflicts:
        return _hot_conflicts(args.dossiers, args.seed)
    p = DEFAULT_PLAN
    plan = FaultPlan(
        throttle=p.throttle * args.scale,
        conflict=p.conflict * args.scale,
        ambiguous=p.ambiguous * args.scale,
        kill=p.kill * args.scale,
        lost_delete=p.lost_delete * args.scale,
        duplicate=p.duplicate * args.scale,
        seed=args.seed,
    )
    tally = run(args.dossiers, plan, outages=not args.no_outages)
    ok = not tally["wrong"] and not tally["sent_twice_or_more"] and not tally["lost"]
    return 0 if ok else 1


def _hot_conflicts(dossiers: int, seed: int) -> int:
    plan = dataclasses.replace(HOT_CONFLICTS_PLAN, seed=seed)
    tally = run(dossiers, plan, outages=False)
    returned = sum(tally["returned_to_queues"].values())
    met = "met" if returned == 0 and not tally["wrong"] else "MISSED"
    print(f"conflict stalls: {returned} records returned to a queue by "
          f"{tally['faults'].get('transaction conflicts', 0)} injected conflicts "
          f"(target 0, every dossier as expected): {met}")  # fmt: skip
    return 0 if met == "met" else 1


if __name__ == "__main__":
    raise SystemExit(main())
