"""Cold start of each Lambda handler, beside a bare `import boto3`, in the same run.

Each handler is its own Lambda function (handler string `app.<name>`): a cold start imports
`app`, then runs one invocation. For every handler, N times, a fresh Python process measures
`import app` and the first invocation with a realistic event, against one moto server on
loopback; a fresh process per repetition measures `import boto3` alone. Medians, one line per
handler. Target: total (import + first invocation) at most 1.5x the bare `import boto3`.
Run: `make bench` (or `.venv/bin/python -m bench.cold_start --runs 5`).

Interpreter start-up is not counted (the same for all, and Lambda's own); the clock starts at
the first import. Events are built in this process and handed over in a file, so a child only
imports, invokes and reports.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
REGION = "ap-southeast-1"
WARD = "000.00.41.H19"
# (label, the attribute of `app` Lambda calls, what the event is)
HANDLERS = (
    ("api_health", "app", "GET /v1/health"),
    ("api_due_date", "app", "GET /v1/calendar/due-date"),
    ("intake_worker", "intake_worker", "SQS, one intake envelope"),
    ("transition_worker", "transition_worker", "SQS FIFO, one take_up"),
    ("outbox_relay", "outbox_relay", "DynamoDB stream, one INSERT with its outbox"),
    ("notifier", "notifier", "SQS, one notification job"),
    ("portal_sync", "portal_sync", "SQS FIFO, one sync to the fake national portal"),
    ("deadline_timer", "deadline_timer", "EventBridge schedule"),
    ("daily_digest", "daily_digest", "EventBridge schedule"),
)

# What a fresh process runs: stdlib only before the clock starts.
CHILD = r"""
import json, sys, time
spec = json.load(open(sys.argv[1], encoding="utf-8"))
if spec["handler"] is None:
    started = time.perf_counter()
    import boto3
    imported = time.perf_counter()
    answer = None
    invoked = imported
else:
    started = time.perf_counter()
    import app
    imported = time.perf_counter()
    from devstack.lambda_events import LambdaContext
    context = LambdaContext(spec["function"], region=spec["region"])
    answer = getattr(app, spec["handler"])(spec["event"], context)
    invoked = time.perf_counter()
with open(sys.argv[2], "w", encoding="utf-8") as out:
    json.dump({"import_ms": (imported - started) * 1000, "invoke_ms": (invoked - imported) * 1000,
               "answer": answer}, out, default=str)
"""


def run_child(handler: str | None, event: Any, env: dict[str, str], function: str = "") -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        spec, result = Path(tmp) / "spec.json", Path(tmp) / "result.json"
        spec.write_text(
            json.dumps(
                {"handler": handler, "event": event, "function": function, "region": REGION}
            ),
            encoding="utf-8",
        )
        done = subprocess.run(
            [sys.executable, "-c", CHILD, str(spec), str(result)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0 or not result.exists():
            raise RuntimeError(f"{handler or 'boto3'} failed:\n{done.stdout}\n{done.stderr}")
        return json.loads(result.read_text(encoding="utf-8"))


def api_event(path: str, query: dict[str, str] | None = None) -> dict[str, Any]:
    """API Gateway's REST proxy event, as chalice.local builds it."""
    return {
        "resource": path,
        "path": path,
        "httpMethod": "GET",
        "requestContext": {
            "httpMethod": "GET",
            "resourcePath": path,
            "path": f"/api{path}",
            "stage": "api",
            "requestId": str(uuid.uuid4()),
            "identity": {"sourceIp": "203.0.113.10"},
        },
        "headers": {"accept": "application/json", "host": "example.execute-api.amazonaws.com"},
        "pathParameters": None,
        "stageVariables": None,
        "queryStringParameters": query,
        "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} if query else None,
        "body": None,
        "isBase64Encoded": False,
    }


class Fixture:
    """The moto server, the resources, and the events built against them."""

    def __init__(self, workdir: Path) -> None:
        from moto.server import ThreadedMotoServer

        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per AWS request

        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self.server.start()
        host, port = self.server.get_host_and_port()
        self.env = self._environment(f"http://{host}:{port}", workdir)
        os.environ.update(self.env)  # this process's clients too
        import boto3

        from devstack.resources import create_resources

        resources = create_resources(boto3.client("dynamodb"), boto3.client("sqs"))
        self.env.update(resources)
        os.environ.update(resources)

        self.sqs = boto3.client("sqs")
        self.dynamodb = boto3.client("dynamodb")
        from devstack.fake_portal import FakePortal

        self.portal = FakePortal().start()
        parameter = "/motcua/dev/national-portal"
        boto3.client("ssm").put_parameter(
            Name=parameter, Value=self.portal.config_json(), Type="SecureString", Overwrite=True
        )
        self.env["MOTCUA_PORTAL_PARAMETER"] = parameter

    def stop(self) -> None:
        self.portal.stop()
        self.server.stop()

    @staticmethod
    def _environment(endpoint: str, workdir: Path) -> dict[str, str]:
        from devstack.stack import dev_jwt_key

        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("AWS_", "MOTCUA_", "POWERTOOLS_"))
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
                "MOTCUA_STAGE": "dev",
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
            }
        )
        return env

    # -- SQS: the message really goes through the queue, so the receipt handle is real --------
    def sqs_event(self, queue_env: str, body: dict[str, Any], group: str | None = None) -> dict:
        from devstack.lambda_events import RECEIVE_ARGUMENTS, sqs_event

        url = self.env[queue_env]
        extra = {"MessageGroupId": group, "MessageDeduplicationId": str(uuid.uuid4())}
        self.sqs.send_message(
            QueueUrl=url, MessageBody=json.dumps(body), **(extra if group else {})
        )
        messages = self.sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=1, WaitTimeSeconds=1, **RECEIVE_ARGUMENTS
        )["Messages"]
        arn = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
        return sqs_event(messages, arn["Attributes"]["QueueArn"], REGION)

    def intake_message(self) -> tuple[str, dict[str, Any]]:
        from chalicelib.services.intake import receipt_id_for

        external = f"bench-{uuid.uuid4().hex[:12]}"
        receipt_id = receipt_id_for("portal-dev", external)
        return receipt_id, {
            "kind": "intake.v1",
            "receipt_id": receipt_id,
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

    def code_of(self, receipt_id: str) -> str:
        from chalicelib import bootstrap

        receipt = bootstrap.container().store.get_receipt(receipt_id)
        if receipt is None or not receipt.code:
            raise RuntimeError(f"the intake run created no dossier: {receipt}")
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

    def applied(self, code: str, command_id: str) -> bool:
        from chalicelib import bootstrap

        return bootstrap.container().store.command(code, command_id) is not None

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
                "SizeBytes": len(json.dumps(item)),
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

    @staticmethod
    def scheduled(rule: str) -> dict[str, Any]:
        from devstack.lambda_events import rule_arn, scheduled_event

        return scheduled_event(rule_arn(REGION, rule), region=REGION)


def failures(label: str, answer: Any) -> None:
    """A cold start that did not do its work measures nothing: refuse the figure."""
    if label.startswith("api_"):
        ok = isinstance(answer, dict) and answer.get("statusCode") == 200
    elif label in ("intake_worker", "transition_worker", "outbox_relay", "notifier", "portal_sync"):
        ok = isinstance(answer, dict) and answer.get("batchItemFailures") == []
    else:
        ok = isinstance(answer, dict)
    if not ok:
        raise RuntimeError(f"{label} answered {answer!r}")


def repetition(fixture: Fixture) -> dict[str, dict[str, float]]:
    """One cold start of every handler, and one bare `import boto3`."""
    env = fixture.env
    figures: dict[str, dict[str, float]] = {}

    def cold(label: str, handler: str, event: Any) -> Any:
        result = run_child(handler, event, env, function=f"motcua-dev-{label}")
        failures(label, result["answer"])
        figures[label] = {"import_ms": result["import_ms"], "invoke_ms": result["invoke_ms"]}
        return result["answer"]

    boto3_only = run_child(None, None, env)
    figures["boto3"] = {"import_ms": boto3_only["import_ms"], "invoke_ms": 0.0}
    cold("api_health", "app", api_event("/v1/health"))
    query = {"received_at": "2025-04-25T09:00:00+07:00", "working_days": "1"}
    cold("api_due_date", "app", api_event("/v1/calendar/due-date", query))
    receipt_id, envelope = fixture.intake_message()
    cold("intake_worker", "intake_worker", fixture.sqs_event("MOTCUA_INTAKE_QUEUE_URL", envelope))
    code = fixture.code_of(receipt_id)
    stream, jobs = fixture.stream_event(code)  # the dossier's creation, as the stream sends it
    command_id, transition = fixture.take_up(code)
    event = fixture.sqs_event("MOTCUA_TRANSITIONS_QUEUE_URL", transition, group=code)
    cold("transition_worker", "transition_worker", event)
    if not fixture.applied(code, command_id):
        raise RuntimeError(f"take_up on {code} was not applied")
    cold("outbox_relay", "outbox_relay", stream)
    cold("notifier", "notifier", fixture.sqs_event("MOTCUA_NOTIFICATIONS_QUEUE_URL", jobs[0]))
    sync = {"code": code, "revision": 2}
    event = fixture.sqs_event("MOTCUA_PORTAL_SYNC_QUEUE_URL", sync, group=code)
    cold("portal_sync", "portal_sync", event)
    if fixture.portal.status_of(code) is None:
        raise RuntimeError(f"{code} did not reach the fake national portal")
    cold("deadline_timer", "deadline_timer", fixture.scheduled("motcua-dev-deadline_timer"))
    cold("daily_digest", "daily_digest", fixture.scheduled("motcua-dev-daily_digest"))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        fixture = Fixture(Path(workdir))
        try:
            runs = [repetition(fixture) for _ in range(args.runs)]
        finally:
            fixture.stop()

    def median(label: str, key: str) -> float:
        return statistics.median(run[label][key] for run in runs)

    boto3_ms = median("boto3", "import_ms")
    for label, _, _ in HANDLERS:
        imported, invoked = median(label, "import_ms"), median(label, "invoke_ms")
        total = statistics.median(run[label]["import_ms"] + run[label]["invoke_ms"] for run in runs)
        print(
            f"cold_start handler={label} import_ms={imported:.0f} first_invoke_ms={invoked:.0f} "
            f"total_ms={total:.0f} boto3_ms={boto3_ms:.0f} ratio={total / boto3_ms:.2f} "
            f"target_met={'yes' if total <= 1.5 * boto3_ms else 'no'}",
            flush=True,
        )


if __name__ == "__main__":
    main()
