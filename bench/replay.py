"""A province's day replayed locally: N dossiers (default 7,000, a working day of Đồng Nai)
through the real routes, services and workers, to their end; prints dossiers per second, CPU
per dossier, our code's share of the CPU, and the target (7,000 in at most 15 minutes here).

Backends:
- `memory` (default): the app's container over the in-memory adapters (`MemoryStore`, the
  fake delivery log, replay guard, secrets, letters, providers) and an in-memory queue that
  builds Lambda's SQS events for the app's own worker functions. No AWS and no HTTP socket:
  the routes run through `chalice.test.Client`, so signatures, tokens and problem+json are
  real. The table's stream relay is the outbox service fed from the store's outbox (the
  memory store has no stream). Sharded over processes (`--processes`, one per core by
  default): each shard has its own store and its own dossiers.
- `moto`: the in-process stack (`devstack.inprocess.in_process`, moto's `mock_aws` with
  `fast_moto`), one process: the time per dossier with the table prefilled to a small and a
  large size (`--sizes`, default 10,000 and 200,000 items, cloned from dossiers run through
  the pipeline and written into moto's table directly), and their ratio (target at most 1.3×).

The day's mix (per 100 dossiers; channels: the portal's webhook or the counter): 32
certifications of copies at a ward counter; 18 birth registrations online, 3 more with two
officials taking up the same version (one refused as stale) and 4 with a supplement request; 8
marriages (half at the counter), 4 deaths, 8 marital status confirmations, 7 civil-status
extracts online; 5 household businesses at the counter; 3 submitted online and refused by the
counter before receipt; 5 land transfers from the national portal (DongBoHoSoMC) with a
supplement and the tax department's signed webhooks; 3 company registrations at the provincial
counter (a stale race in one of three). Spread over three wards. Every dossier must end in its
expected state, history and refusals (read through the store port): any mismatch fails the run.

Our code's share: one extra process replays a sample (`--profile-dossiers`) under cProfile;
the CPU time of functions in `chalicelib/` and `app.py` over the whole.
Run: `.venv/bin/python -m bench.replay --dossiers 200`, `--backend moto --dossiers 100`.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import itertools
import json
import multiprocessing
import os
import pstats
import random
import sys
import time
import uuid
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from chalicelib.adapters.file_records import MemoryFileRecords
from chalicelib.adapters.file_store import MemoryFileStore
from chalicelib.adapters.packing import pack, unpack

DAY = 7_000  # dossiers in a working day of Đồng Nai
TARGET_SECONDS = 15 * 60
TARGET_RATIO = 1.3
PROJECT_DIR = Path(__file__).resolve().parents[1]
OURS = (str(PROJECT_DIR / "chalicelib") + os.sep, str(PROJECT_DIR / "app.py"))

WARDS = ("000.00.41.H19", "000.00.42.H19", "000.00.43.H19")
LAND_OFFICE = "000.01.09.H19"
FINANCE = "000.00.07.H19"
CHUNK = 250  # requests before the workers catch up: queues stay short, as in life

# kind: (procedure, channel, share per 100)
MIX: dict[str, int] = {
    "certification": 32,
    "birth": 18,
    "birth_stale": 3,
    "birth_supplement": 4,
    "marriage_online": 4,
    "marriage_counter": 4,
    "death": 4,
    "marital_status": 8,
    "extract": 7,
    "household_business": 5,
    "refused": 3,
    "land": 5,
    "company": 3,
}
PROCEDURES = {
    "certification": "2.000815",
    "birth": "1.001193",
    "birth_stale": "1.001193",
    "birth_supplement": "1.001193",
    "marriage_online": "1.000894",
    "marriage_counter": "1.000894",
    "death": "1.000656",
    "marital_status": "1.004873",
    "extract": "2.000635",
    "household_business": "1.001612",
    "refused": "2.000815",
    "company": "2.002043",
}
COUNTER = {"certification", "marriage_counter", "household_business", "company"}


def _kinds(seed: int = 2026) -> list[str]:
    kinds = [kind for kind, share in MIX.items() for _ in range(share)]
    random.Random(seed).shuffle(kinds)
    return kinds


KINDS = _kinds()


# -- the lives ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Step:
    who: str  # an official's key, or "tax" (the tax department's signed webhook)
    action: str
    note: str = ""
    applies: bool = True  # False: expected to be refused as stale


@dataclass
class Life:
    n: int
    kind: str
    path: str  # where the dossier is sent
    payload: dict[str, Any]
    sender: str  # a webhook client id, or an official's key (the counter)
    waves: list[list[Step]]
    final_status: int
    code: str | None = None
    receipt_id: str | None = None
    version: int = 1  # the version the next official expects
    failures: list[str] = field(default_factory=list)

    def expected_actions(self) -> list[str]:
        first = "submit" if self.kind == "refused" else "receive"
        return [first] + [s.action for wave in self.waves for s in wave if s.applies]

    def expected_refusals(self) -> list[str]:
        return ["stale_version" for wave in self.waves for s in wave if not s.applies]


def _officials(ward: str) -> dict[str, tuple[str, str, str]]:
    """Key → (agency, unit, role) of the officials of a ward and the provincial offices."""
    return {
        "receiver": (ward, "MOT_CUA", "receiver"),
        "specialist": (ward, "VAN_PHONG", "specialist"),
        "specialist_2": (ward, "VAN_PHONG", "specialist"),
        "economy": (ward, "PHONG_KINH_TE", "specialist"),
        "leader": (ward, "LANH_DAO", "leader"),
    }


PROVINCIAL = {
    "land_receiver": (LAND_OFFICE, "MOT_CUA", "receiver"),
    "land_specialist": (LAND_OFFICE, "PHONG_DKCG", "specialist"),
    "land_leader": (LAND_OFFICE, "LANH_DAO", "leader"),
    "finance_receiver": (FINANCE, "MOT_CUA", "receiver"),
    "finance_specialist": (FINANCE, "PHONG_DKKD", "specialist"),
    "finance_specialist_2": (FINANCE, "PHONG_DKKD", "specialist"),
    "finance_leader": (FINANCE, "LANH_DAO", "leader"),
}


def official_roles() -> dict[str, tuple[str, str, str]]:
    roles = dict(PROVINCIAL)
    for index, ward in enumerate(WARDS):
        roles |= {f"w{index}.{key}": value for key, value in _officials(ward).items()}
    return roles


def _ward_waves(w: str, kind: str) -> list[list[Step]]:
    specialist = f"{w}.economy" if kind == "household_business" else f"{w}.specialist"
    if kind == "refused":
        return [[Step(f"{w}.receiver", "refuse", "Hồ sơ không đúng thẩm quyền")]]
    waves = [[Step(specialist, "take_up")]]
    if kind == "birth_stale":  # both take it up at one version: whichever comes second is stale
        waves[0].append(Step(f"{w}.specialist_2", "take_up", applies=False))
    if kind == "birth_supplement":
        waves += [
            [Step(specialist, "request_supplement", "Bổ sung giấy chứng sinh bản chính")],
            [Step(f"{w}.receiver", "supplement_received", "Đã nhận bản chính")],
        ]
    return [
        *waves,
        [Step(specialist, "forward", "Trình ký")],
        [Step(f"{w}.leader", "resolve")],
        [Step(f"{w}.receiver", "return_result")],
    ]


def _land_waves() -> list[list[Step]]:
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


def _company_waves(stale: bool) -> list[list[Step]]:
    first = [Step("finance_specialist", "take_up")]
    if stale:
        first.append(Step("finance_specialist_2", "take_up", applies=False))
    return [
        first,
        [Step("finance_specialist", "forward")],
        [Step("finance_leader", "resolve", "Cấp giấy chứng nhận điện tử")],
        [Step("finance_receiver", "return_result")],
    ]


def _applicant(n: int, kind: str) -> dict[str, Any]:
    applicant: dict[str, Any] = {
        "name": f"Công ty TNHH Thử {n}" if kind == "company" else f"Nguyễn Văn Thử {n}",
        "kind": 2 if kind == "company" else 1,
        "id_number": f"36{n:08d}" if kind == "company" else f"0751{n:08d}",
        "phone": f"09{n % 100_000_000:08d}",
    }
    if n % 4 == 1:
        applicant["email"] = f"cong.dan.{n}@example.vn"
    return applicant


def make_life(n: int, run: str, submitted: datetime) -> Life:
    kind = KINDS[n % len(KINDS)]
    applicant = _applicant(n, kind)
    if kind == "land":
        code = f"{LAND_OFFICE}-{submitted:%y%m%d}-{n % 10_000:04d}"
        no_email = {k: v for k, v in applicant.items() if k != "email"}  # as the portal sent it
        summary = f"Chuyển nhượng quyền sử dụng đất thửa {n}"
        from devstack.demo import land_transfer_item

        payload = land_transfer_item(code, submitted, no_email, summary)
        return Life(n, kind, "/v1/webhooks/dossiers", payload, "portal-dev", _land_waves(), 10)
    w = f"w{n % len(WARDS)}"
    ward = WARDS[n % len(WARDS)]
    payload = {
        "external_id": f"replay-{run}-{n}",
        "procedure_code": PROCEDURES[kind],
        "applicant": applicant,
        "submitted_at": submitted.isoformat(),
        "awaiting_counter_check": False,
        "summary": f"Hồ sơ ngày thường {n}",
    }
    if kind == "company":
        payload |= {"channel": 1, "fees": [{"name": "Lệ phí đăng ký doanh nghiệp",
                                            "amount_vnd": 50000}]}  # fmt: skip
        waves = _company_waves(stale=n % 3 == 0)
        return Life(n, kind, "/v1/dossiers", payload, "finance_receiver", waves, 10)
    waves = _ward_waves(w, kind)
    final = 3 if kind == "refused" else 10
    if kind in COUNTER:
        counter = payload | {"channel": 1, "resolving_agency": ward}
        return Life(n, kind, "/v1/dossiers", counter, f"{w}.receiver", waves, final)
    payload |= {"channel": 2, "resolving_agency": ward, "received_by_agency": ward,
                # A refusal (Mẫu 03) is the counter's answer before receipt (NĐ 118 art. 17).
                "awaiting_counter_check": kind == "refused"}  # fmt: skip
    return Life(n, kind, "/v1/webhooks/dossiers", payload, "portal-dev", waves, final)


# -- calling the routes ---------------------------------------------------------------------------
class Routes:
    """The app's HTTP routes in-process (`chalice.test.Client`), as a portal or an official."""

    def __init__(self, client: Any, jwt_key: str, secret: str, issuer: str) -> None:
        from chalicelib.auth.tokens import mint_dev_token

        self.client = client
        self.secret = secret
        self.tokens = {
            key: mint_dev_token(jwt_key, sub=key, name=key, agency=agency, unit=unit,
                                roles=[role], issuer=issuer, audience="motcua")
            for key, (agency, unit, role) in official_roles().items()
        }  # fmt: skip

    def call(
        self, path: str, payload: Any, *, signer: str | None = None,
        official: str | None = None, key: str | None = None,
    ) -> Any:  # fmt: skip
        from chalicelib.auth.signatures import signed_headers

        body = json.dumps(payload, ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json"}
        if signer:
            headers |= signed_headers(signer, self.secret, method="POST", target=path,
                                      body=body, timestamp=int(time.time()))  # fmt: skip
        if official:
            headers["Authorization"] = f"Bearer {self.tokens[official]}"
        if key:
            headers["Idempotency-Key"] = key
        return self.client.http.request("POST", path, headers=headers, body=body)


def _errors(answer: Any) -> Any:
    try:
        return json.loads(answer.body).get("errors")
    except ValueError:
        return answer.body[:200]


def drive(lives: list[Life], routes: Routes, pump: Any, store: Any) -> None:
    """Every life's intake, then its waves of actions, the workers catching up every CHUNK."""
    for start in range(0, len(lives), CHUNK):
        for life in lives[start : start + CHUNK]:
            counter = life.path == "/v1/dossiers"
            answer = routes.call(
                life.path,
                life.payload,
                signer=None if counter else life.sender,
                official=life.sender if counter else None,
            )
            if answer.status_code != 202:
                life.failures.append(f"intake {answer.status_code} {_errors(answer)}")
                continue
            life.receipt_id = json.loads(answer.body)["receipt_id"]
        pump()
    for life in lives:
        receipt = store.get_receipt(life.receipt_id) if life.receipt_id else None
        if receipt is not None and receipt.status == "accepted":
            life.code = receipt.code
        elif life.receipt_id:
            life.failures.append(f"receipt {receipt.status if receipt else 'missing'}")
    for wave in range(max(len(life.waves) for life in lives)):
        acting = [life for life in lives if life.code and wave < len(life.waves)]
        for start in range(0, len(acting), CHUNK):
            for life in acting[start : start + CHUNK]:
                version = life.version
                for index, step in enumerate(life.waves[wave]):
                    key = f"{life.code}:{wave}:{index}"
                    if step.who == "tax":
                        path = f"/v1/webhooks/inter-agency/{life.code}/actions"
                        body = {"action": step.action, "note": f"{step.note} ({life.code})"}
                        answer = routes.call(path, body, signer="thue-dev", key=key)
                    else:
                        path = f"/v1/dossiers/{life.code}/actions"
                        body = {"action": step.action, "note": step.note,
                                "expected_version": version}  # fmt: skip
                        answer = routes.call(path, body, official=step.who, key=key)
                    if answer.status_code != 202:
                        life.failures.append(f"{step.action} {answer.status_code}")
                    life.version += 1 if step.applies else 0
            pump()


def mismatches(lives: list[Life], store: Any) -> list[str]:
    """Each life not in its expected final state, history and refusals (read through the
    store's port, whichever the backend)."""
    wrong = []
    for life in lives:
        record = store.load(life.code) if life.code else None
        if record is None:
            wrong.append(f"#{life.n} {life.kind}: no dossier {life.failures}")
            continue
        actions = [entry.action.value for entry in record.history]
        refusals = sorted(refusal.kind for refusal in record.refusals)
        status = int(record.dossier.status)
        if (
            actions != life.expected_actions()
            or status != life.final_status
            or refusals != life.expected_refusals()
            or life.failures
        ):
            wrong.append(
                f"{life.code} ({life.kind}): status {status}, actions {actions}, "
                f"refusals {refusals}, failures {life.failures}"
            )
    return wrong


# -- the in-memory system -----------------------------------------------------------------------
class MemoryQueues:
    """The app's `Publisher` over in-memory queues: what is sent waits for `Pump`."""

    def __init__(self) -> None:
        self.queues: dict[str, deque[dict[str, Any]]] = {}
        self.dead: list[tuple[str, Any]] = []
        self.ids = itertools.count()

    def send(self, queue_url: str, body: dict[str, Any], *, group: str | None = None,
             dedup_id: str | None = None) -> None:  # fmt: skip
        self._put(queue_url, json.dumps(body), group, 1)

    def _put(self, queue_url: str, text: str, group: str | None, receives: int) -> None:
        message_id = f"m-{next(self.ids)}"
        attributes = {
            "ApproximateReceiveCount": str(receives),
            "SentTimestamp": str(int(time.time() * 1000)),
        }
        if group is not None:
            attributes["MessageGroupId"] = group
        message = {"MessageId": message_id, "ReceiptHandle": message_id, "Body": text,
                   "MD5OfBody": "", "Attributes": attributes, "group": group}  # fmt: skip
        self.queues.setdefault(queue_url, deque()).append(message)

    def dead_letter(self, dlq_url: str, letter: Any, *, group: str | None = None,
                    dedup_id: str | None = None) -> None:  # fmt: skip
        self.dead.append((dlq_url, letter))

    def take(self, queue_url: str, limit: int = 10) -> list[dict[str, Any]]:
        queue = self.queues.get(queue_url)
        return [queue.popleft() for _ in range(min(limit, len(queue)))] if queue else []

    def give_back(self, queue_url: str, message: dict[str, Any]) -> None:
        receives = int(message["Attributes"]["ApproximateReceiveCount"]) + 1
        self._put(queue_url, message["Body"], message["group"], receives)


class MemoryPump:
    """Runs the app's workers over the in-memory queues until they are empty, as Lambda's event
    source mappings would: batches of 10, failed records back to their queue."""

    def __init__(self, app_module: Any, container: Any, queues: MemoryQueues) -> None:
        from chalicelib.services import outbox

        settings = container.settings
        self.store = container.store
        self.queues = queues
        self.relay = outbox.relay
        self.notifications_url = settings.notifications_queue_url
        self.workers = [
            (settings.intake_queue_url, app_module.intake_worker, "intake"),
            (settings.transitions_queue_url, app_module.transition_worker, "transitions"),
            (settings.notifications_queue_url, app_module.notifier, "notifications"),
        ]
        self.given_back = 0

    def _relay_outbox(self) -> None:
        """What the stream relay does with the outbox items the store wrote."""
        from chalicelib.ports.stream import OutboxWritten

        jobs, self.store.outbox = self.store.outbox, []
        if jobs:
            self.relay(OutboxWritten(tuple(jobs)), self.queues, self.notifications_url)

    def __call__(self) -> None:
        from devstack.lambda_events import LambdaContext, sqs_record

        busy = True
        while busy:
            busy = False
            for url, handler, name in self.workers:
                while batch := self.queues.take(url):
                    busy = True
                    event = {"Records": [sqs_record(m, f"arn:{name}", "ap-southeast-1")
                                         for m in batch]}  # fmt: skip
                    result = handler(event, LambdaContext(name))
                    failed = {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}
                    for message in batch:
                        if message["MessageId"] in failed:
                            self.given_back += 1
                            self.queues.give_back(url, message)
                    self._relay_outbox()
            self._relay_outbox()


def _no_aws_calls() -> Any:
    """The in-memory replay must not reach AWS: any botocore call fails it."""
    import botocore.client

    def refuse(self: Any, operation: str, params: Any) -> Any:
        raise RuntimeError(f"the in-memory replay called AWS: {operation}")

    return _patch(botocore.client.BaseClient, "_make_api_call", refuse)


@contextlib.contextmanager
def _patch(owner: Any, name: str, value: Any) -> Iterator[None]:
    saved = getattr(owner, name)
    setattr(owner, name, value)
    try:
        yield
    finally:
        setattr(owner, name, saved)


@contextlib.contextmanager
def memory_system() -> Iterator[tuple[Routes, Any, Any]]:
    """The app over the in-memory adapters: (routes, pump, store)."""
    import importlib

    from chalice.test import Client

    from chalicelib import bootstrap, observability
    from chalicelib.adapters.delivery_log import MemoryDeliveryLog
    from chalicelib.adapters.memory_store import MemoryStore
    from chalicelib.adapters.national_portal import MemoryNationalPortal
    from chalicelib.adapters.payment_records import MemoryPaymentRecords
    from chalicelib.adapters.portal_sync_log import MemoryPortalSyncLog
    from chalicelib.adapters.replay_guard import InMemoryReplayGuard
    from chalicelib.adapters.secrets import InMemoryWebhookSecrets, parse_client
    from chalicelib.domain.messages import Milestone
    from chalicelib.handlers.dead_letters import MemoryLetters
    from chalicelib.notify.channels import Channels
    from chalicelib.notify.model import Channel
    from chalicelib.notify.providers import InMemoryProvider
    from chalicelib.settings import Settings
    from devstack.stack import dev_jwt_key, dev_webhook_clients, dev_webhook_secret

    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
    settings = Settings.from_environment({
        "MOTCUA_STAGE": "local",
        "MOTCUA_JWT_DEV_KEY": dev_jwt_key(),
        "MOTCUA_TABLE": "replay",
        **{f"MOTCUA_{name}_URL": f"memory://{name.lower()}" for name in (
            "INTAKE_QUEUE", "INTAKE_DLQ", "TRANSITIONS_QUEUE", "TRANSITIONS_DLQ",
            "NOTIFICATIONS_QUEUE", "NOTIFICATIONS_DLQ")},
    })  # fmt: skip
    queues = MemoryQueues()
    # One provider per channel, each keeping only the last message (a day's worth is not kept).
    providers = {channel: InMemoryProvider(f"memory-{channel.value}", channel)
                 for channel in (Channel.SMS, Channel.ZNS, Channel.EMAIL)}  # fmt: skip
    for provider in providers.values():
        provider.sent = deque(maxlen=1)  # type: ignore[assignment]
    parts = {
        "store": MemoryStore(),
        "publisher": queues,
        "delivery_log": MemoryDeliveryLog(),
        "letters": MemoryLetters(),
        "channels": Channels(
            sms=providers[Channel.SMS],
            zns=providers[Channel.ZNS],
            email=providers[Channel.EMAIL],
            zns_templates={m.value: f"zns-{m.value}" for m in Milestone},
        ),
        "webhook_secrets": InMemoryWebhookSecrets(
            {k: parse_client(k, v) for k, v in dev_webhook_clients().items()}
        ),
        "replay_guard": InMemoryReplayGuard(),
        "portal_sync_log": MemoryPortalSyncLog(),
        "national_portal": MemoryNationalPortal(),
        # A resolve asks the stored files whether the result is electronic.
        "file_records": MemoryFileRecords(),
        "file_store": MemoryFileStore(),
        # A fee request opens a payment order (services/payments.py).
        "payment_records": MemoryPaymentRecords(),
    }
    container = bootstrap.Container(settings, **parts)
    previous = bootstrap.install(container)
    logger = observability.get_logger()
    level = logger.log_level
    logger.setLevel("CRITICAL")
    try:
        with _no_aws_calls():
            app_module = importlib.import_module("app")
            with Client(app_module.app, stage_name="dev", project_dir=str(PROJECT_DIR)) as client:
                routes = Routes(client, dev_jwt_key(), dev_webhook_secret(), settings.jwt_issuer)
                yield routes, MemoryPump(app_module, container, queues), container.store
    finally:
        logger.setLevel(level)
        bootstrap.install(previous)


# -- a shard --------------------------------------------------------------------------------------
def run_shard(numbers: list[int], run: str, profile: bool = False) -> dict[str, Any]:
    """The dossiers numbered `numbers` through the in-memory system; answers the shard's tally
    (and, when `profile`, the CPU seconds of our code and of everything)."""
    started, cpu = time.perf_counter(), time.process_time()
    submitted = datetime.now().astimezone() - timedelta(hours=2)
    lives = [make_life(n, run, submitted) for n in numbers]
    profiler = cProfile.Profile() if profile else None
    with memory_system() as (routes, pump, store):
        setup_cpu = time.process_time() - cpu
        if profiler:
            profiler.enable()
        drive(lives, routes, pump, store)
        if profiler:
            profiler.disable()
        wrong = mismatches(lives, store)
    tally = {
        "dossiers": len(lives),
        "wrong": wrong,
        "seconds": time.perf_counter() - started,
        "cpu": time.process_time() - cpu,
        "setup_cpu": setup_cpu,
        "given_back": pump.given_back,
    }
    if profiler:
        tally["ours"], tally["profiled"] = _our_share(profiler)
    return tally


def _our_share(profiler: cProfile.Profile) -> tuple[float, float]:
    """(CPU seconds inside functions of chalicelib/ and app.py, all CPU seconds profiled)."""
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    ours = total = 0.0
    for (filename, _, _), (_, _, own_seconds, _, _) in stats.items():
        total += own_seconds
        if filename.startswith(OURS):
            ours += own_seconds
    return ours, total


def _shard_main(args: tuple[list[int], str, bool]) -> dict[str, Any]:
    return run_shard(*args)


def replay_memory(dossiers: int, processes: int, profile_dossiers: int) -> int:
    run = uuid.uuid4().hex[:6]
    shards = [list(range(i, dossiers, processes)) for i in range(processes)]
    context = multiprocessing.get_context("spawn")
    started = time.perf_counter()
    with context.Pool(processes) as pool:
        tallies = pool.map(_shard_main, [(numbers, run, False) for numbers in shards])
    seconds = time.perf_counter() - started
    cpu = sum(t["cpu"] for t in tallies)
    setup = sum(t["setup_cpu"] for t in tallies)
    wrong = [line for t in tallies for line in t["wrong"]]
    per_dossier = (cpu - setup) / dossiers
    projected = seconds / dossiers * DAY
    print(f"replay, in-memory adapters: {dossiers} dossiers over {processes} processes "
          f"(mix per 100: {MIX})")  # fmt: skip
    print(f"  wall time: {seconds:.1f} s (process start and imports included)")
    print(f"  dossiers per second: {dossiers / seconds:.1f}")
    print(f"  CPU per dossier: {per_dossier * 1000:.1f} ms (start-up: {setup:.1f} s CPU in all)")
    print(f"  messages given back to a queue by a worker: {sum(t['given_back'] for t in tallies)}")
    print(f"  dossiers not in their expected state: {len(wrong)}")
    for line in wrong[:20]:
        print(f"    WRONG {line}")
    if profile_dossiers:
        sample = run_in_process(_shard_main, (list(range(profile_dossiers)), run + "p", True))
        share = sample["ours"] / sample["profiled"] if sample["profiled"] else 0.0
        print(f"  our code's share of CPU (cProfile, {profile_dossiers} dossiers, one process: "
              f"chalicelib/ and app.py against the libraries): {share * 100:.1f}%")  # fmt: skip
    verdict = "met" if projected <= TARGET_SECONDS else "missed"
    print(f"  target: {DAY:,} dossiers in at most 15 minutes on this {os.cpu_count()}-core "
          f"machine: {projected / 60:.1f} min at this rate: {verdict}")  # fmt: skip
    return 1 if wrong else 0


def run_in_process(function: Any, args: Any) -> Any:
    """`function(args)` in a fresh process (a profile sees only its own work)."""
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        return pool.apply(function, (args,))


# -- over moto ------------------------------------------------------------------------------------
@contextlib.contextmanager
def moto_system() -> Iterator[tuple[Routes, Any, Any, str]]:
    from chalicelib import bootstrap
    from devstack.inprocess import in_process
    from devstack.stack import dev_jwt_key, dev_webhook_secret

    with in_process({"MOTCUA_SURVEY_URL": None}, log_level="CRITICAL") as system:
        container = bootstrap.container()
        routes = Routes(system.client, dev_jwt_key(), dev_webhook_secret(),
                        container.settings.jwt_issuer)  # fmt: skip

        def pump() -> None:
            system.pump.run(watch={"intake_worker", "transition_worker", "notifier"})

        yield routes, pump, container.store, system.resources["MOTCUA_TABLE"]


def _moto_table(name: str) -> Any:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends

    from devstack.inprocess import REGION

    return dynamodb_backends[DEFAULT_ACCOUNT_ID][REGION].tables[name]


def prefill(table_name: str, items: int, templates: list[Life]) -> int:
    """Fill the table to `items` items with copies of the templates' partitions (each copy
    its own dossier code), written into moto's table directly (not through the pipeline)."""
    table = _moto_table(table_name)
    partitions = [
        [item.to_json()["Attributes"] for item in table.items[_hash(table, f"D#{life.code}")]
         .values()]
        for life in templates if life.code
    ]  # fmt: skip
    count = sum(len(hs) for hs in table.items.values())
    stream, table.stream_shard = table.stream_shard, None  # the relay need not see them
    try:
        for copy in itertools.count():
            for life, partition in zip(templates, partitions, strict=False):
                if count >= items:
                    return count
                old = life.code
                agency, _, number = old.split("-")
                new = f"{agency}-{OLD_DAYS[copy % len(OLD_DAYS)]}-{number}"
                for attributes in partition:
                    table.put_item(_renamed(attributes, old, new))
                    count += 1
    finally:
        table.stream_shard = stream
    return count


def _renamed(attributes: dict[str, Any], old: str, new: str) -> dict[str, Any]:
    """An item's attributes with one dossier code put for another, packed values included
    (unpacked, renamed, packed again)."""
    renamed: dict[str, Any] = {}
    for name, value in attributes.items():
        if "B" in value:
            renamed[name] = pack(unpack(value).decode().replace(old, new))
        else:
            renamed[name] = json.loads(json.dumps(value, ensure_ascii=False).replace(old, new))
    return renamed


# Past working days' dates: the copies' codes (agency-yymmdd-number) are theirs.
OLD_DAYS = [f"{datetime(2024, 1, 1) + timedelta(days=d):%y%m%d}" for d in range(730)]


def _hash(table: Any, value: str) -> Any:
    from moto.dynamodb.models.dynamo_type import DynamoType

    return DynamoType({"S": value})


def replay_moto(dossiers: int, sizes: list[int]) -> int:
    run = uuid.uuid4().hex[:6]
    submitted = datetime.now().astimezone() - timedelta(hours=2)
    per_dossier: list[float] = []
    bad = 0
    with moto_system() as (routes, pump, store, table):
        templates = [make_life(n, run + "t", submitted) for n in range(len(KINDS))]
        drive(templates, routes, pump, store)
        bad += len(mismatches(templates, store))
        print(f"replay over moto (in-process, fast_moto): {dossiers} dossiers at each size")
        for round_, size in enumerate(sorted(sizes)):
            filled = prefill(table, size, templates)
            # Numbers of their own: a land transfer's code (the portal's) carries its number.
            first = len(KINDS) * (1 + round_ * -(-dossiers // len(KINDS)))
            lives = [make_life(first + n, run, submitted) for n in range(dossiers)]
            started = time.perf_counter()
            drive(lives, routes, pump, store)
            seconds = time.perf_counter() - started
            wrong = mismatches(lives, store)
            bad += len(wrong)
            per_dossier.append(seconds / dossiers)
            print(f"  table of {filled:,} items: {seconds / dossiers * 1000:.1f} ms per dossier, "
                  f"{len(wrong)} not in their expected state")  # fmt: skip
            for line in wrong[:10]:
                print(f"    WRONG {line}")
    if len(per_dossier) > 1:
        ratio = per_dossier[-1] / per_dossier[0]
        verdict = "met" if ratio <= TARGET_RATIO else "missed"
        print(f"  largest against smallest table: {ratio:.2f}× (target at most "
              f"{TARGET_RATIO}×: {verdict})")  # fmt: skip
    return 1 if bad else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("memory", "moto"), default="memory")
    parser.add_argument("--dossiers", type=int, default=None,
                        help=f"default {DAY} (memory), 200 per table size (moto)")  # fmt: skip
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1)
    parser.add_argument(
        "--profile-dossiers",
        type=int,
        default=500,
        help="dossiers replayed under cProfile for our code's share (0: none)",
    )
    parser.add_argument("--sizes", default="10000,200000", help="moto: table sizes in items")
    args = parser.parse_args(argv)
    if args.backend == "memory":
        dossiers = args.dossiers or DAY
        return replay_memory(dossiers, max(1, min(args.processes, dossiers)),
                             min(args.profile_dossiers, dossiers))  # fmt: skip
    sizes = [int(size) for size in args.sizes.split(",") if size]
    return replay_moto(args.dossiers or 200, sizes)


if __name__ == "__main__":
    sys.exit(main())
