"""The app in-process on moto, one seeded dossier, and the corpus tally at the end of the run."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest
from chalice.test import Client

from app import app
from chalicelib import bootstrap
from chalicelib.adapters import aws
from chalicelib.services.envelopes import IntakeEnvelope
from chalicelib.services.intake import IntakeDeps, create_dossier
from devstack.lambda_events import RECEIVE_ARGUMENTS, LambdaContext, sqs_event
from tests.hostile import harness
from tests.integration.conftest import aws_resources

# (category, cases, passed) rows and the seconds the walk took, for the end-of-run summary.
TALLY = pytest.StashKey[tuple[list[tuple[str, int, int]], float]]()


QUEUE_DEPTH = [
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesNotVisible",
    "ApproximateNumberOfMessagesDelayed",
]


@dataclass
class Stack:
    client: Client
    env: dict[str, str]
    code: str = ""  # a dossier that exists, received at the ward, applicant's phone SEED_PHONE
    pin: str = ""  # its receipt PIN, as the receipt shows it
    sent: int = 0  # messages the app sent to any queue (SendMessage, SendMessageBatch)
    dynamodb: Any = field(default_factory=lambda: boto3.client("dynamodb"))
    sqs: Any = field(default_factory=lambda: boto3.client("sqs"))

    def count_sends(self) -> None:
        """Count every message the app's own SQS client sends, as it sends it: one check per
        request costs nothing, where asking each queue its depth costs ~50 ms."""

        def count(model: Any, params: dict[str, Any], **_: Any) -> None:
            if model.name == "SendMessage":
                self.sent += 1
            elif model.name == "SendMessageBatch":
                self.sent += len(params.get("Entries", []))

        aws.client("sqs").meta.events.register("before-call.sqs", count)

    def footprint(self) -> tuple[int, int]:
        """(items in the table, messages the app sent): what a refused request must not change."""
        table = self.dynamodb.scan(TableName=self.env["MOTCUA_TABLE"], Select="COUNT")
        return table["Count"], self.sent

    def queued(self) -> int:
        """Messages in every queue and DLQ, visible, in flight or delayed."""
        total = 0
        for name, url in self.env.items():
            if name.endswith("_URL"):
                answer = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=QUEUE_DEPTH)
                total += sum(int(answer["Attributes"].get(n, 0)) for n in QUEUE_DEPTH)
        return total

    def post(self, path: str, body: Any, headers: dict[str, str]) -> Any:
        return self.client.http.post(path, body=body, headers=headers)


def drain(stack: Stack, queue_env: str, handler: Any) -> int:
    """Run the worker on every message of a queue, as Lambda would; answer how many."""
    sqs = boto3.client("sqs")
    url = stack.env[queue_env]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    region = boto3.session.Session().region_name
    done = 0
    while messages := sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, **RECEIVE_ARGUMENTS
    ).get("Messages", []):
        event = sqs_event(messages, arn, region)
        result = handler(event, LambdaContext(queue_env.lower()))
        assert result == {"batchItemFailures": []}, result
        for message in messages:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        done += len(messages)
    return done


def _seed(stack: Stack) -> tuple[str, str]:
    """A real dossier: the portal's webhook, then the intake worker's job on its message."""
    body = json.dumps(
        {**harness.TEMPLATES["dossier"], "external_id": "hostile-seed"}, ensure_ascii=False
    ).encode()
    headers = {"Content-Type": "application/json"}
    headers.update(harness.signed_headers(_signed_case(body))[0])
    answer = stack.post("/v1/webhooks/dossiers", body, headers)
    assert answer.status_code == 202, answer.body
    sqs = stack.sqs
    url = stack.env["MOTCUA_INTAKE_QUEUE_URL"]
    message = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1)["Messages"][0]
    deps = IntakeDeps(
        store=bootstrap.container().store,
        catalog=bootstrap.container().catalog,
        agencies=bootstrap.container().agencies,
        calendar=bootstrap.container().calendar,
    )
    envelope = IntakeEnvelope.model_validate(json.loads(message["Body"]))
    receipt = create_dossier(envelope, deps, now=bootstrap.container().now())
    sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    assert receipt.status == "accepted" and receipt.code, receipt
    pin = bootstrap.container().receipt_pins.unseal(receipt.pin_sealed, receipt.receipt_id)
    assert pin is not None, receipt
    return receipt.code, pin


def _signed_case(body: bytes) -> harness.Case:
    return harness.Case(
        id="seed",
        category="seed",
        method="POST",
        path="/v1/webhooks/dossiers",
        auth="signed",
        client=harness.PORTAL_CLIENT,
        headers={},
        body=body,
        status=202,
        field="",
    )


@pytest.fixture(scope="module")
def stack():
    with running_stack() as running:
        yield running


@contextmanager
def running_stack() -> Iterator[Stack]:
    """The app on moto with a portal client (dossiers and portal events), the tax department's
    system, the SMS gateway and one dossier (also what bench/timing_checks.py measures)."""
    with pytest.MonkeyPatch.context() as patch, aws_resources(patch) as env:
        patch.delenv("MOTCUA_NOW", raising=False)  # signatures and dates are about real time
        prefix = "/motcua/local/webhook-clients/"
        tax = {"secret": harness.SECRETS[harness.TAX_CLIENT], "agency": harness.TAX}
        gateway = {
            "secret": harness.SECRETS[harness.GATEWAY_CLIENT],
            "scopes": harness.GATEWAY_SCOPES,
        }
        portal = {
            "secret": harness.SECRETS[harness.PORTAL_CLIENT],
            "scopes": harness.PORTAL_SCOPES,
        }
        for client_id, value in [
            (harness.PORTAL_CLIENT, json.dumps(portal)),
            (harness.TAX_CLIENT, json.dumps(tax)),
            (harness.GATEWAY_CLIENT, json.dumps(gateway)),
        ]:
            boto3.client("ssm").put_parameter(
                Name=prefix + client_id, Value=value, Type="SecureString"
            )
        # Every request comes from one address, and the corpus and the fuzzing guess wrong
        # often: their module would soon be refused 429. The limits' own tests set theirs.
        deps = bootstrap.container()
        loose = {"lookup_failures_per_code": 100, "lookup_failures_per_address": 10000}
        patch.setattr(deps, "settings", deps.settings.model_copy(update=loose))
        with Client(app) as client:
            stack = Stack(client=client, env=env)
            stack.count_sends()
            stack.code, stack.pin = _seed(stack)
            yield stack


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if TALLY not in config.stash:
        return
    rows, seconds = config.stash[TALLY]
    write = terminalreporter.write_line
    terminalreporter.section("hostile-input corpus")
    write(f"{'category':<16} {'cases':>6} {'passed':>7}")
    for category, cases, passed in rows:
        write(f"{category:<16} {cases:>6} {passed:>7}")
    total = sum(r[1] for r in rows)
    passed = sum(r[2] for r in rows)
    write(f"{'total':<16} {total:>6} {passed:>7}   ({seconds:.1f} s)")


@contextmanager
def audit_down() -> Iterator[None]:
    """The read audit cannot be written for a while (then the container's own one again)."""
    from chalicelib.adapters.read_audit import MemoryReadAudit

    failing = MemoryReadAudit()
    failing.failing = True
    container = bootstrap.container()
    kept = container.__dict__.get("read_audit")
    container.__dict__["read_audit"] = failing
    try:
        yield
    finally:
        if kept is None:
            container.__dict__.pop("read_audit")
        else:
            container.__dict__["read_audit"] = kept
