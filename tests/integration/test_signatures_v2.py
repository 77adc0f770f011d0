"""Webhook signatures v2 through the app's routes (Chalice's test client, on moto): a request
signed for one route is refused on another, and v1 is heard only from a client flagged as
migrating, each time counted."""

from __future__ import annotations

import json
import time
import uuid

import boto3
import pytest

from chalicelib import bootstrap
from chalicelib.auth import signatures
from chalicelib.auth.signatures import CLIENT_HEADER, SIGNATURE_HEADER, sign_v1
from chalicelib.services.counters import RecordedCounts
from tests.hostile import harness
from tests.hostile.conftest import running_stack

DOSSIERS = "/v1/webhooks/dossiers"
MIGRATING, MIGRATING_SECRET = "portal-old", "motcua-local-old-portal-secret"


@pytest.fixture(scope="module")
def stack():
    with running_stack() as running:
        # A portal registered before v2, in its migration window (docs/deploying.md).
        value = {"secret": MIGRATING_SECRET, "accepts_v1_signatures": True}
        boto3.client("ssm").put_parameter(
            Name=f"/motcua/local/webhook-clients/{MIGRATING}",
            Value=json.dumps(value),
            Type="SecureString",
        )
        yield running


@pytest.fixture
def counts(monkeypatch):
    recorded = RecordedCounts()
    monkeypatch.setattr(bootstrap.container(), "counter", recorded)
    return recorded


def dossier_body() -> bytes:
    body = {**harness.TEMPLATES["dossier"], "external_id": f"sig2-{uuid.uuid4().hex[:10]}"}
    return json.dumps(body, ensure_ascii=False).encode()


def post(stack, path: str, raw: bytes, headers: dict[str, str]):
    return stack.post(path, raw, {**headers, "Content-Type": "application/json"})


def refused(stack, send) -> dict:
    before = stack.footprint()
    answer = send()
    assert answer.status_code == 401, answer.body
    assert stack.footprint() == before, "a refused request wrote or queued something"
    [error] = json.loads(answer.body)["errors"]
    assert error["field"] == SIGNATURE_HEADER
    return error


def test_a_signed_request_replayed_to_another_path_is_refused(stack):
    raw = dossier_body()
    headers = harness.webhook_headers(harness.PORTAL_CLIENT, "POST", DOSSIERS, raw)
    # The same client may send to both routes: only the signature's path tells them apart.
    other = "/v1/webhooks/portal-events"
    error = refused(stack, lambda: post(stack, other, raw, headers))
    assert error["reason"] == signatures.MISMATCH
    error = refused(stack, lambda: post(stack, f"{DOSSIERS}?dry_run=1", raw, headers))
    assert error["reason"] == signatures.MISMATCH
    # Refused elsewhere, the signature was not spent: where it was meant for, it is heard.
    assert post(stack, DOSSIERS, raw, headers).status_code == 202


def test_a_signed_read_cannot_be_pointed_at_another_receipt(stack):
    raw = dossier_body()
    headers = harness.webhook_headers(harness.PORTAL_CLIENT, "POST", DOSSIERS, raw)
    answer = post(stack, DOSSIERS, raw, headers)
    assert answer.status_code == 202, answer.body
    mine = answer.headers["Location"]
    read = harness.webhook_headers(harness.PORTAL_CLIENT, "GET", mine, b"")
    other = mine.rsplit("/", 1)[0] + "/" + "0" * 32
    answer = stack.client.http.get(other, headers=read)
    assert answer.status_code == 401, answer.body
    assert stack.client.http.get(mine, headers=read).status_code == 200


def test_an_agency_action_signed_for_one_dossier_is_refused_on_another(stack):
    raw = json.dumps(harness.TEMPLATES["system_action"]).encode()
    signed_for = "/v1/webhooks/inter-agency/000.00.41.H19-260309-0999/actions"
    headers = harness.webhook_headers(harness.TAX_CLIENT, "POST", signed_for, raw)
    sent_to = f"/v1/webhooks/inter-agency/{stack.code}/actions"
    error = refused(stack, lambda: post(stack, sent_to, raw, headers))
    assert error["reason"] == signatures.MISMATCH


def test_v1_is_refused_for_a_client_without_the_migration_flag(stack, counts):
    raw = dossier_body()
    secret = harness.SECRETS[harness.PORTAL_CLIENT]
    headers = {CLIENT_HEADER: harness.PORTAL_CLIENT, SIGNATURE_HEADER: sign_v1(secret, raw, now())}
    error = refused(stack, lambda: post(stack, DOSSIERS, raw, headers))
    assert error["reason"] == signatures.V1_REFUSED
    assert error["message"]  # Vietnamese, for the people who read it
    assert counts.counted == []


def test_v1_is_heard_from_a_migrating_client_and_counted(stack, counts):
    raw = dossier_body()
    headers = {CLIENT_HEADER: MIGRATING, SIGNATURE_HEADER: sign_v1(MIGRATING_SECRET, raw, now())}
    answer = post(stack, DOSSIERS, raw, headers)
    assert answer.status_code == 202, answer.body
    assert counts.counted == [("WebhookSignatureV1", 1, {"client": MIGRATING})]
    # Once it signs v2, nothing is counted: the metric shows who still has to move.
    raw = dossier_body()
    v2 = signatures.signed_headers(
        MIGRATING, MIGRATING_SECRET, method="POST", target=DOSSIERS, body=raw, timestamp=now()
    )
    assert post(stack, DOSSIERS, raw, v2).status_code == 202
    assert counts.names() == ["WebhookSignatureV1"]


def now() -> int:
    return int(time.time())
