"""Idempotency keys are the caller's, for one dossier: a retry is the same command, a key
reused for another request is refused (422 naming the header, nothing queued), the same key on
another dossier is another command, and a command id never sent is not "queued" but unknown."""

import json

import boto3
import pytest
from chalice.test import Client

from app import app
from chalicelib import bootstrap
from chalicelib.auth.tokens import DEV_JWT_KEY, mint_dev_token
from tests.unit.builders import HOME, at, land_procedure, stored_dossier

CODES = ("000.00.32.H19-260309-0001", "000.00.32.H19-260309-0002")


@pytest.fixture
def client(aws):
    deps = bootstrap.container()
    for code in CODES:
        stored_dossier(deps.store, land_procedure(), deps.calendar, at(2026, 3, 9, 9), code=code)
    with Client(app) as test_client:
        yield test_client


def headers(key=None):
    token = mint_dev_token(DEV_JWT_KEY, sub="u2", name="Chuyên viên", agency=HOME,
                           unit="MOT_CUA", roles=["receiver", "specialist"],
                           issuer=bootstrap.container().settings.jwt_issuer,
                           audience="motcua")  # fmt: skip
    found = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    return {**found, "Idempotency-Key": key} if key else found


def queued_messages(env):
    sqs = boto3.client("sqs")
    found = sqs.receive_message(QueueUrl=env["MOTCUA_TRANSITIONS_QUEUE_URL"],
                                MaxNumberOfMessages=10, VisibilityTimeout=0)  # fmt: skip
    return [json.loads(m["Body"]) for m in found.get("Messages", [])]


def post(client, code, body, key):
    return client.http.post(f"/v1/dossiers/{code}/actions", body=json.dumps(body),
                            headers=headers(key))  # fmt: skip


TAKE_UP = {"action": "take_up", "expected_version": 1}
WITHDRAW = {"action": "withdraw", "expected_version": 1, "note": "Công dân xin rút"}


def test_a_retry_is_the_same_command_and_another_request_under_the_key_is_422(client, aws):
    first = post(client, CODES[0], TAKE_UP, "key-0001-abcdef")
    retry = post(client, CODES[0], TAKE_UP, "key-0001-abcdef")
    assert first.status_code == retry.status_code == 202
    command = json.loads(first.body)["command_id"]
    assert json.loads(retry.body)["command_id"] == command
    other = post(client, CODES[0], WITHDRAW, "key-0001-abcdef")
    assert other.status_code == 422, other.body
    assert other.headers["Content-Type"] == "application/problem+json"
    [error] = json.loads(other.body)["errors"]
    assert error["field"] == "Idempotency-Key" and "khóa mới" in error["message"]
    # Only the first request is queued (FIFO deduplication folds the retry into it).
    assert [m["command"]["action"] for m in queued_messages(aws)] == ["take_up"]


def test_the_same_key_on_another_dossier_is_another_command(client, aws):
    one = json.loads(post(client, CODES[0], TAKE_UP, "key-0002-abcdef").body)["command_id"]
    two = json.loads(post(client, CODES[1], TAKE_UP, "key-0002-abcdef").body)["command_id"]
    assert one != two
    assert sorted(m["code"] for m in queued_messages(aws)) == sorted(CODES)


def test_a_command_never_sent_is_unknown_and_a_queued_one_is_queued(client, aws):
    sent = json.loads(post(client, CODES[0], TAKE_UP, None).body)
    queued = client.http.get(sent["status_url"], headers=headers())
    assert queued.status_code == 200 and json.loads(queued.body)["status"] == "queued"
    never = client.http.get(f"/v1/dossiers/{CODES[0]}/commands/{'0' * 8}-0000-4000-8000-"
                            f"{'0' * 12}", headers=headers())  # fmt: skip
    assert never.status_code == 404, never.body
    assert never.headers["Content-Type"] == "application/problem+json"
