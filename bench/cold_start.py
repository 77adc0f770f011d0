"""Cold start of every Lambda function, beside its fair floor, in the same run.

Each handler is its own Lambda function (handler string `app.<name>`; the API's routes share
`api_handler`): a cold start imports `app` (Lambda's INIT), then runs one invocation. The
figure is the CPU time of the process (`time.process_time`) from the first import to the end
of that invocation: a fresh Python process per cold start, against one moto server on
loopback (in another process, so AWS's own work is not counted). Interpreter start-up is not
counted (the same for all, and Lambda's own); events are built in this process and handed over
in a file, so a child only imports, invokes and reports.

The floor of a function is what it must physically do: `import boto3`, then create the clients
that function uses from one Session, measured in a fresh process of its own. One floor per
distinct client set; the bench refuses a run where a function created a client its floor does
not count. Target: total at most 1.5x the floor, median of `--runs` repetitions. Each
repetition runs every function and every floor once, in a shuffled order, so that the load of
the machine falls on all alike; each repetition has queues of its own (a worker publishing to
a queue never hands the next repetition a stale message) and deletes what it received.

Where a target is missed, one more cold start of that function runs under cProfile and the line
says where its CPU went (self time by package).
Run: `make bench` (or `.venv/bin/python -m bench.cold_start --runs 7`).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
REGION = "ap-southeast-1"
STAGE = "local"  # the published development key is refused in every other stage
WARD = "000.00.41.H19"
TARGET_RATIO = 1.5


@dataclass(frozen=True)
class Function:
    label: str  # what this line measures
    function: str  # Chalice's function name (the Lambda function is motcua-<stage>-<function>)
    handler: str  # the attribute of `app` Lambda calls
    clients: tuple[str, ...]  # the AWS clients the function uses: its floor
    event: str  # what the event is


# The API function serves every route: its clients are every route's (the table, the queues,
# the webhook secrets in SSM); a route that keeps files also uses S3, on its first request.
API_CLIENTS = ("dynamodb", "sqs", "ssm")
FUNCTIONS = (
    Function("api_health", "api_handler", "app", API_CLIENTS, "GET /v1/health"),
    Function("api_due_date", "api_handler", "app", API_CLIENTS, "GET /v1/calendar/due-date"),
    Function(
        "api_form_01",
        "api_handler",
        "app",
        ("dynamodb", "s3", "sqs", "ssm"),
        "GET /v1/dossiers/{code}/forms/01 by an official: rendered (fpdf2) and kept in S3",
    ),
    Function(
        "api_lookup_page",
        "api_handler",
        "app",
        API_CLIENTS,
        "GET /tra-cuu?ma=<code>: the citizen's page, its templates (Jinja2) loaded on first use",
    ),
    Function("intake_worker", "intake_worker", "intake_worker", ("dynamodb", "sqs"), "SQS, intake"),
    Function(
        "transition_worker",
        "transition_worker",
        "transition_worker",
        ("dynamodb", "sqs"),
        "SQS FIFO, one take_up",
    ),
    Function("outbox_relay", "outbox_relay", "outbox_relay", ("sqs",), "stream INSERT, outbox"),
    Function("notifier", "notifier", "notifier", ("dynamodb", "sns", "sqs"), "SQS, one SMS job"),
    Function(
        "portal_sync",
        "portal_sync",
        "portal_sync",
        ("dynamodb", "sqs", "ssm"),
        "SQS FIFO, one sync to the fake national portal",
    ),
    Function(
        "file_fetch",
        "file_fetch",
        "file_fetch",
        ("dynamodb", "s3", "sqs"),
        "SQS, one document fetched from the fake national portal, checked and kept in S3",
    ),
    Function("deadline_timer", "deadline_timer", "deadline_timer", ("dynamodb",), "schedule"),
    Function("daily_digest", "daily_digest", "daily_digest", ("dynamodb",), "schedule"),
    Function(
        "portal_reconcile",
        "portal_reconcile",
        "portal_reconcile",
        ("dynamodb", "ssm"),
        "schedule, the nightly reconciliation against the fake national portal",
    ),
)
FLOORS = sorted({f.clients for f in FUNCTIONS})

# What a fresh process runs: stdlib only before the clock starts.
CHILD = r"""
import json, os, sys, time
spec = json.load(open(sys.argv[1], encoding="utf-8"))
profiler = None
if spec["profile"]:
    import cProfile
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
started = time.process_time()
if spec["handler"] is None:
    import boto3
    session = boto3.session.Session()
    clients = [session.client(service) for service in spec["clients"]]
    answer = None
    imported = time.process_time()
else:
    import app
    imported = time.process_time()
    from devstack.lambda_events import LambdaContext
    context = LambdaContext(spec["function"], region=spec["region"])
    answer = getattr(app, spec["handler"])(spec["event"], context)
invoked = time.process_time()
if profiler is not None:
    profiler.disable()
import gc
import botocore.client
made = sorted({o.meta.service_model.service_name for o in gc.get_objects()
               if isinstance(o, botocore.client.BaseClient)})
report = {"import_ms": (imported - started) * 1000, "invoke_ms": (invoked - imported) * 1000,
          "answer": answer, "clients": made}
if profiler is not None:
    import pstats
    report["profile"] = [[list(key), value[2]] for key, value in
                         pstats.Stats(profiler).stats.items()]
with open(sys.argv[2], "w", encoding="utf-8") as out:
    json.dump(report, out, default=str)
"""


def run_child(
    env: Mapping[str, str],
    *,
    function: Function | None = None,
    clients: tuple[str, ...] = (),
    event: Any = None,
    profile: bool = False,
) -> dict[str, Any]:
    """One cold start in a fresh process: `function` with `event`, or a floor (`clients`)."""
    child_env = dict(env)
    child_env.pop("PYTHONDONTWRITEBYTECODE", None)  # the package ships bytecode: use it
    name = f"motcua-{STAGE}-{function.function}" if function else "motcua-floor"
    child_env["AWS_LAMBDA_FUNCTION_NAME"] = name  # as Lambda sets it
    spec = {
        "handler": function.handler if function else None,
        "clients": list(clients),
        "event": event,
        "function": name,
        "region": REGION,
        "profile": profile,
    }
    with tempfile.TemporaryDirectory() as tmp:
        spec_path, result = Path(tmp) / "spec.json", Path(tmp) / "result.json"
        spec_path.write_text(json.dumps(spec), encoding="utf-8")
        done = subprocess.run(
            [sys.executable, "-c", CHILD, str(spec_path), str(result)],
            cwd=ROOT,
            env=child_env,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0 or not result.exists():
            what = function.label if function else f"floor {clients}"
            raise RuntimeError(f"{what} failed:\n{done.stdout}\n{done.stderr}")
        return json.loads(result.read_text(encoding="utf-8"))


def api_event(
    path: str,
    query: dict[str, str] | None = None,
    *,
    resource: str | None = None,
    parameters: dict[str, str] | None = None,
    token: str | None = None,
) -> dict[str, Any]:
    """API Gateway's REST proxy event, as chalice.local builds it: `resource` is the route's
    template with `parameters` its path parameters; `token` an official's bearer token."""
    headers = {"accept": "application/json", "host": "example.execute-api.amazonaws.com"}
    if token is not None:
        headers["authorization"] = f"Bearer {token}"
    return {
        "resource": resource or path,
        "path": path,
        "httpMethod": "GET",
        "requestContext": {
            "httpMethod": "GET",
            "resourcePath": resource or path,
            "path": f"/api{path}",
            "stage": "api",
            "requestId": str(uuid.uuid4()),
            "identity": {"sourceIp": "203.0.113.10"},
        },
        "headers": headers,
        "pathParameters": parameters,
        "stageVariables": None,
        "queryStringParameters": query,
        "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} if query else None,
        "body": None,
        "isBase64Encoded": False,
    }


class Fixture:
    """The moto server, the table, the fake portal; the queues and events of each repetition."""

    def __init__(self, workdir: Path) -> None:
        from moto.server import ThreadedMotoServer

        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per AWS request

        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self.server.start()
        host, port = self.server.get_host_and_port()
        self.env = self._environment(f"http://{host}:{port}", workdir)
        os.environ.update(self.env)  # this process's clients too
        import boto3

        from devstack.resources import create_resources, load_template

        self.sqs = boto3.client("sqs")
        self.dynamodb = boto3.client("dynamodb")
        template = load_template()["Resources"]
        self.tables = {k: v for k, v in template.items() if v["Type"] != "AWS::SQS::Queue"}
        self.queues = {k: v for k, v in template.items() if v["Type"] == "AWS::SQS::Queue"}
        self.env.update(
            create_resources(self.dynamodb, self.sqs, template={"Resources": self.tables})
        )
        os.environ.update(self.env)
        from devstack.fake_portal import FakePortal

        self.portal = FakePortal().start()
        parameter = f"/motcua/{STAGE}/national-portal"
        boto3.client("ssm").put_parameter(
            Name=parameter, Value=self.portal.config_json(), Type="SecureString", Overwrite=True
        )
        self.env["MOTCUA_PORTAL_PARAMETER"] = parameter
        # The file_fetch worker fetches from the fake portal: over http on loopback, which the
        # local stage alone allows.
        self.env["MOTCUA_FILE_FETCH_HOSTS"] = self.portal.host
        self.received: list[tuple[str, str]] = []  # (queue URL, receipt handle)

    def stop(self) -> None:
        self.portal.stop()
        self.server.stop()

    @staticmethod
    def _environment(endpoint: str, workdir: Path) -> dict[str, str]:
        from devstack.stack import dev_jwt_key

        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("AWS_", "MOTCUA_", "POWERTOOLS_", "_X_AMZN", "LAMBDA_"))
        }
        env.update(
            {
                "AWS_ENDPOINT_URL": endpoint,
                "AWS_ACCESS_KEY_ID": "testing",
                "AWS_SECRET_ACCESS_KEY": "testing",
                "AWS_SESSION_TOKEN": "testing",
                "AWS_DEFAULT_REGION": REGION,
                "AWS_REGION": REGION,
                "AWS_CONFIG_FILE": os.devnull,
                "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
                "MOTCUA_STAGE": STAGE,
                "MOTCUA_PROVINCE": "H19",
                "MOTCUA_JWT_DEV_KEY": dev_jwt_key(),
                "MOTCUA_SMS_PROVIDER": "sns",
                "MOTCUA_SMS_SENDER_ID": "MOTCUA",
                "MOTCUA_EMAIL_PROVIDER": "local",
                "MOTCUA_ZNS_PROVIDER": "none",
                "MOTCUA_LOCAL_OUTBOX": str(workdir / "outbox.jsonl"),
                "POWERTOOLS_SERVICE_NAME": "motcua",
                "POWERTOOLS_METRICS_DISABLED": "true",
                "POWERTOOLS_TRACE_DISABLED": "true",
                "MOTCUA_DATA_DIR": str(packaged_data(workdir)),
            }
        )
        return env

    def fresh_queues(self, repetition: int) -> dict[str, str]:
        """The environment of one repetition: queues of its own, the shared table."""
        from devstack.resources import create_resources

        queues = create_resources(
            self.dynamodb, self.sqs, prefix=f"r{repetition}-", template={"Resources": self.queues}
        )
        return {**self.env, **queues}

    def container(self, env: Mapping[str, str]) -> Any:
        """This process's container, on the repetition's queues (it builds the events)."""
        from chalicelib import bootstrap
        from chalicelib.settings import Settings

        built = bootstrap.Container(Settings.from_environment(env))
        bootstrap.install(built)
        return built

    # -- SQS: the message really goes through the queue, so the receipt handle is real --------
    def sqs_event(self, url: str, body: dict[str, Any], group: str | None = None) -> dict:
        from devstack.lambda_events import RECEIVE_ARGUMENTS, sqs_event

        extra = {"MessageGroupId": group, "MessageDeduplicationId": str(uuid.uuid4())}
        sent = self.sqs.send_message(
            QueueUrl=url, MessageBody=json.dumps(body), **(extra if group else {})
        )["MessageId"]
        messages = self.sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1, **RECEIVE_ARGUMENTS
        ).get("Messages", [])
        self.received.extend((url, m["ReceiptHandle"]) for m in messages)
        ours = [m for m in messages if m["MessageId"] == sent]
        if not ours:
            raise RuntimeError(f"the message sent to {url} was not received")
        arn = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
        return sqs_event(ours, arn["Attributes"]["QueueArn"], REGION)

    def delete_received(self) -> None:
        for url, handle in self.received:
            self.sqs.delete_message(QueueUrl=url, ReceiptHandle=handle)
        self.received.clear()

    @staticmethod
    def intake_envelope() -> dict[str, Any]:
        from chalicelib.services.intake import receipt_id_for

        external = f"bench-{uuid.uuid4().hex[:12]}"
        return {
            "kind": "intake.v1",
            "receipt_id": receipt_id_for("portal-dev", external),
            "client_id": "portal-dev",
            "request": {
                "external_id": external,
                "procedure_code": "1.001193",
                "channel": 2,
                "applicant": {
                    "name": "Phan Văn Tài",
                    "kind": 1,
                    "phone": "84912000111",
                    "id_number": None,
                    "email": None,
                },
                "resolving_agency": WARD,
                "received_by_agency": WARD,
                "received_by_unit": "MOT_CUA",
                "submitted_at": "2026-03-09T09:00:00+07:00",
                "awaiting_counter_check": False,
                "code": None,
                "summary": "Đăng ký khai sinh",
                "documents": [],
                "fees": [],
                "paid_online": False,
                "digitised": False,
                "source": "motcua",
            },
            "accepted_at": "2026-03-09T09:00:00+07:00",
        }

    def dossier(self, deps: Any) -> str:
        """A dossier created in this process, for the workers that act on one."""
        from chalicelib.services import intake
        from chalicelib.services.envelopes import IntakeEnvelope

        envelope = IntakeEnvelope.model_validate(self.intake_envelope())
        receipt = intake.create_dossier(envelope, deps.intake_deps(), now=deps.now())
        if not receipt.code:
            raise RuntimeError(f"the bench's own intake created no dossier: {receipt}")
        return receipt.code

    @staticmethod
    def take_up(code: str) -> tuple[str, dict[str, Any]]:
        command_id = str(uuid.uuid4())
        return command_id, {
            "kind": "transition.v1",
            "command_id": command_id,
            "code": code,
            "command": {"action": "take_up", "note": ""},
            "actor": {
                "id": "le.van.hung",
                "name": "Lê Văn Hùng",
                "agency": WARD,
                "unit": "VAN_PHONG",
                "roles": ["specialist"],
            },
            "expected_version": 1,
            "requested_at": "2026-03-09T10:00:00+07:00",
        }

    def stream_event(self, code: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """An INSERT of the dossier's item that carries notification jobs, as the stream
        delivers it; and those jobs."""
        from chalicelib.adapters.table_stream import outbox_written
        from devstack.lambda_events import dynamodb_stream_event

        items = self.dynamodb.query(
            TableName=self.env["MOTCUA_TABLE"],
            KeyConditionExpression="PK = :pk",
            ExpressionAttributeValues={":pk": {"S": f"D#{code}"}},
        )["Items"]
        item = next(i for i in items if "outbox" in i)
        record = {
            "eventID": uuid.uuid4().hex,
            "eventName": "INSERT",
            "dynamodb": {
                "ApproximateCreationDateTime": time.time(),
                "Keys": {"PK": item["PK"], "SK": item["SK"]},
                "NewImage": item,
                "SequenceNumber": str(time.time_ns()),
                "SizeBytes": len(json.dumps(item, default=str)),  # packed values are bytes
                "StreamViewType": "NEW_AND_OLD_IMAGES",
            },
        }
        arn = f"arn:aws:dynamodb:{REGION}:123456789012:table/{self.env['MOTCUA_TABLE']}/stream/x"
        event = dynamodb_stream_event([record], arn, REGION)
        written = outbox_written(event["Records"][0])
        jobs = [job.model_dump(mode="json") for job in written.jobs] if written else []
        if not jobs:
            raise RuntimeError(f"dossier {code} wrote no notification job")
        return event, jobs

    def fetch_request(self, code: str) -> dict[str, Any]:
        """The first component of the birth registration `code`, as the portal points at it."""
        from chalicelib.services.file_fetch import FetchRequest, fetch_id_for

        url = self.portal.file_url()
        return FetchRequest(
            fetch_id=fetch_id_for(code, 0, url),
            code=code,
            position=0,
            url=url,
            component="1",
            name="Tờ khai đăng ký khai sinh",
            client_id="portal-dev",
        ).model_dump(mode="json")

    @staticmethod
    def form_event(code: str) -> dict[str, Any]:
        """Mẫu 01 of dossier `code`, asked for by an official of the ward's counter."""
        from chalicelib.auth.tokens import mint_dev_token
        from devstack.stack import dev_jwt_key

        token = mint_dev_token(
            dev_jwt_key(),
            sub="nguyen.thi.lan",
            name="Nguyễn Thị Lan",
            agency=WARD,
            unit="MOT_CUA",
            roles=["receiver"],
            issuer=f"motcua-{STAGE}",
            audience="motcua",
        )
        return api_event(
            f"/v1/dossiers/{code}/forms/01",
            resource="/v1/dossiers/{code}/forms/{form}",
            parameters={"code": code, "form": "01"},
            token=token,
        )

    @staticmethod
    def scheduled(rule: str) -> dict[str, Any]:
        from devstack.lambda_events import rule_arn, scheduled_event

        return scheduled_event(rule_arn(REGION, rule), region=REGION)

    def events(self, env: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, Any]]:
        """Every function's event for one repetition, and what to check once they ran."""
        deps = self.container(env)
        code = self.dossier(deps)  # the transition, relay and sync act on it
        # One more dossier for the form route and the fetch (a kept file changes the dossier
        # under the take_up): one only, as the reconciliation checks every dossier there is.
        own = self.dossier(deps)
        stream, jobs = self.stream_event(code)
        command_id, transition = self.take_up(code)
        query = {"received_at": "2025-04-25T09:00:00+07:00", "working_days": "1"}
        events = {
            "api_health": api_event("/v1/health"),
            "api_due_date": api_event("/v1/calendar/due-date", query),
            "api_form_01": self.form_event(own),
            "api_lookup_page": api_event("/tra-cuu", {"ma": own}),
            "intake_worker": self.sqs_event(env["MOTCUA_INTAKE_QUEUE_URL"], self.intake_envelope()),
            "transition_worker": self.sqs_event(
                env["MOTCUA_TRANSITIONS_QUEUE_URL"], transition, group=code
            ),
            "outbox_relay": stream,
            "notifier": self.sqs_event(env["MOTCUA_NOTIFICATIONS_QUEUE_URL"], jobs[0]),
            "portal_sync": self.sqs_event(
                env["MOTCUA_PORTAL_SYNC_QUEUE_URL"], {"code": code, "revision": 1}, group=code
            ),
            "file_fetch": self.sqs_event(
                env["MOTCUA_FILE_FETCH_QUEUE_URL"], self.fetch_request(own)
            ),
            "deadline_timer": self.scheduled(f"motcua-{STAGE}-deadline_timer"),
            "daily_digest": self.scheduled(f"motcua-{STAGE}-daily_digest"),
            "portal_reconcile": self.scheduled(f"motcua-{STAGE}-portal_reconcile"),
        }
        return events, {"code": code, "command_id": command_id, "deps": deps, "own": own}

    def check(self, expected: dict[str, Any]) -> None:
        code, deps = expected["code"], expected["deps"]
        if deps.store.command(code, expected["command_id"]) is None:
            raise RuntimeError(f"take_up on {code} was not applied")
        if self.portal.status_of(code) is None:
            raise RuntimeError(f"{code} did not reach the fake national portal")
        own = expected["own"]
        if not deps.file_store.keys(f"forms/{own}/01/"):
            raise RuntimeError(f"Mẫu 01 of {own} was not kept")
        if [f.component for f in deps.file_records.files(own)] != ["1"]:
            raise RuntimeError(f"the document fetched for {own} was not kept")


def refuse_failed(label: str, answer: Any) -> None:
    """A cold start that did not do its work measures nothing: refuse the figure."""
    if label.startswith("api_"):
        ok = isinstance(answer, dict) and answer.get("statusCode") == 200
    elif label in (
        "intake_worker",
        "transition_worker",
        "outbox_relay",
        "notifier",
        "portal_sync",
        "file_fetch",
    ):
        ok = isinstance(answer, dict) and answer.get("batchItemFailures") == []
    else:
        ok = isinstance(answer, dict)
    if not ok:
        raise RuntimeError(f"{label} answered {answer!r}")


def repetition(fixture: Fixture, index: int, seed: int) -> dict[str, dict[str, float]]:
    """One cold start of every function and one of every floor, in a shuffled order."""
    env = fixture.fresh_queues(index)
    events, expected = fixture.events(env)
    jobs: list[Function | tuple[str, ...]] = [*FUNCTIONS, *FLOORS]
    random.Random(seed * 1000 + index).shuffle(jobs)
    figures: dict[str, dict[str, float]] = {}
    for job in jobs:
        if isinstance(job, Function):
            result = run_child(env, function=job, event=events[job.label])
            refuse_failed(job.label, result["answer"])
            extra = sorted(set(result["clients"]) - set(job.clients))
            if extra:
                raise RuntimeError(f"{job.label} created clients its floor omits: {extra}")
            figures[job.label] = {"import": result["import_ms"], "invoke": result["invoke_ms"]}
        else:
            result = run_child(env, clients=job)
            figures[floor_key(job)] = {"import": result["import_ms"], "invoke": 0.0}
    fixture.delete_received()
    fixture.check(expected)
    return figures


def floor_key(clients: tuple[str, ...]) -> str:
    return "floor:" + "+".join(clients)


def where_it_went(profile: list[list[Any]], top: int = 5) -> str:
    """Self CPU time by package, largest first (cProfile inflates pure-Python code alike)."""
    by_package: dict[str, float] = {}
    for (filename, _, name), seconds in profile:
        package = package_of(filename, name)
        by_package[package] = by_package.get(package, 0.0) + seconds
    ranked = sorted(by_package.items(), key=lambda kv: -kv[1])[:top]
    return ", ".join(f"{name} {seconds * 1000:.0f}" for name, seconds in ranked)


def package_of(filename: str, name: str) -> str:
    if filename == "~":  # a builtin: named by what it does
        if "marshal" in name or "_io" in name or "posix" in name:
            return "reading .pyc"
        if "__build_class__" in name:
            return "class bodies"
        return name.strip("<>{}").split(" of ")[0].removeprefix("built-in method ")
    if filename.startswith("<frozen"):
        return "import machinery"
    path = Path(filename)
    parts = path.parts
    if "site-packages" in parts:
        return parts[parts.index("site-packages") + 1].removesuffix(".py")
    try:
        relative = path.resolve().relative_to(ROOT).with_suffix("")
    except ValueError:
        return "stdlib " + path.stem
    return ".".join(relative.parts[:2])


def packaged_data(workdir: Path) -> Path:
    """data/ as `make package` puts it in the zip: with each YAML file's prebuilt JSON form."""
    import shutil

    from chalicelib.adapters import prebuilt
    from chalicelib.adapters.catalog_files import DATA_DIR

    staged = workdir / "data"
    shutil.copytree(DATA_DIR, staged, ignore=shutil.ignore_patterns("*" + prebuilt.SUFFIX))
    prebuilt.build_all(staged)
    return staged


def compile_project() -> None:
    """The bytecode of the project, as `make package` puts it in the zip (infra/package.py):
    a Lambda's /var/task is read-only, so without it every cold start compiles from source."""
    import compileall

    # Checked by timestamp here (the sources may change under the bench); unchecked in the zip.
    compileall.compile_file(str(ROOT / "app.py"), quiet=1)
    for folder in ("chalicelib", "devstack"):
        compileall.compile_dir(str(ROOT / folder), quiet=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--json", type=Path, help="also write every run's figures here")
    args = parser.parse_args()
    compile_project()
    with tempfile.TemporaryDirectory() as workdir:
        fixture = Fixture(Path(workdir))
        try:
            runs = [repetition(fixture, i, args.seed) for i in range(args.runs)]
            missed: dict[str, str] = {}
            lines = []
            for function in FUNCTIONS:
                key = floor_key(function.clients)
                totals = [r[function.label]["import"] + r[function.label]["invoke"] for r in runs]
                total = statistics.median(totals)
                floor = statistics.median(r[key]["import"] for r in runs)
                met = total <= TARGET_RATIO * floor
                lines.append((function, total, floor, met, runs))
                if not met:
                    env = fixture.fresh_queues(args.runs)
                    events, _ = fixture.events(env)
                    result = run_child(
                        env, function=function, event=events[function.label], profile=True
                    )
                    missed[function.label] = where_it_went(result["profile"])
        finally:
            fixture.stop()

    for function, total, floor, met, _ in lines:
        imported = statistics.median(r[function.label]["import"] for r in runs)
        invoked = statistics.median(r[function.label]["invoke"] for r in runs)
        line = (
            f"cold_start function={function.label} cpu_ms={total:.0f} "
            f"(init {imported:.0f} + first invocation {invoked:.0f}) "
            f"floor_ms={floor:.0f} [boto3 + {'+'.join(function.clients)}] "
            f"ratio={total / floor:.2f} target<={TARGET_RATIO} {'met' if met else 'MISSED'}"
        )
        if not met:
            excess = total - TARGET_RATIO * floor
            line += (
                f"; to meet it: {excess:.0f} ms less CPU; self CPU ms under cProfile by "
                f"package: {missed[function.label]}"
            )
        print(line, flush=True)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(runs, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
