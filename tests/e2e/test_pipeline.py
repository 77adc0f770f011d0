"""End to end over HTTP against the embedded runtime: moto on loopback, the real handlers
invoked by the SQS pollers with Lambda event shapes."""

import io
import json
import re
import time
import uuid

import pytest

from chalicelib.auth.signatures import DEV_WEBHOOK_SECRET, signed_headers
from chalicelib.services.intake import receipt_id_for
from devstack import demo
from devstack.client import Official, Portal
from devstack.stack import LocalStack

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def stack():
    with LocalStack(port=0, moto_port=0, prefix=f"e2e{uuid.uuid4().hex[:6]}-") as running:
        yield running


@pytest.fixture(scope="module")
def cast(stack):
    return demo.Cast.local(stack.base_url)


def intake_records(stack):
    """How many intake messages the workers have been handed so far."""
    stack.drain()
    poller = next(p for p in stack.pollers.queues if p.name == "intake_worker")
    return sum(invocation.records for invocation in poller.invocations)


def queue_depth(stack, env_name):
    sqs = stack.aws_client("sqs")
    attributes = sqs.get_queue_attributes(
        QueueUrl=stack.env[env_name],
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return sum(int(v) for v in attributes.values())


def test_a_signed_webhook_becomes_a_dossier_moved_by_officials_of_two_units(cast):
    code = demo.birth_registration(cast)
    view = cast.officials["ward_leader"].dossier(code)
    dossier = view["dossier"]
    assert code.startswith("000.00.41.H19-")
    assert dossier["status"] == 10 and dossier["due_at"]
    history = view["history"]
    assert [e["action"] for e in history] == [
        "receive", "take_up", "forward", "resolve", "return_result"]  # fmt: skip
    assert [e["version"] for e in history] == [1, 2, 3, 4, 5]
    assert {e["actor_unit"] for e in history[1:]} == {"VAN_PHONG", "LANH_DAO", "MOT_CUA"}
    assert view["refusals"] == []
    steps = view["steps"]
    assert [s["state"] for s in steps] == ["done"] * 4


def test_inter_agency_land_transfer_with_supplement_and_fees(cast):
    code = demo.land_transfer(cast)
    view = cast.officials["land_leader"].dossier(code)
    actions = [e["action"] for e in view["history"]]
    assert actions == ["receive", "take_up", "request_supplement", "supplement_received",
                       "forward", "request_fees", "fees_paid", "forward", "forward",
                       "files_recorded", "resolve", "return_result"]  # fmt: skip
    # The signed result stored before the resolve made it electronic (QĐ 766 4.1).
    assert [e["version"] for e in view["history"]] == list(range(1, 13))
    assert view["dossier"]["electronic_result"] is True
    tax_entries = [e for e in view["history"] if e["actor_agency"] == demo.TAX]
    assert [e["action"] for e in tax_entries] == ["request_fees", "fees_paid", "forward"]
    assert view["dossier"]["status"] == 10
    assert view["dossier"]["supplement_requests"] == 1


def test_two_officials_at_the_same_version_one_is_refused_as_stale(cast):
    code = demo.company_registration(cast)
    view = cast.officials["finance_leader"].dossier(code)
    [refusal] = view["refusals"]
    assert refusal["kind"] == "stale_version" and refusal["action"] == "take_up"
    assert [e["action"] for e in view["history"]].count("take_up") == 1
    assert view["dossier"]["status"] == 10


def test_redelivered_messages_change_nothing_twice(stack, cast):
    code = demo.birth_registration(cast)
    official = cast.officials["ward_leader"]
    before = official.dossier(code)
    sqs = stack.aws_client("sqs")
    # Re-send the exact intake message of this dossier three times.
    receipt_env = _intake_message_for(cast, code)
    for _ in range(3):
        sqs.send_message(QueueUrl=stack.env["MOTCUA_INTAKE_QUEUE_URL"],
                         MessageBody=json.dumps(receipt_env))  # fmt: skip
    # And one applied transition three times, as SQS may deliver it (new dedup ids).
    entry = before["history"][1]
    transition = {
        "kind": "transition.v1",
        "command_id": _command_id_of(stack, code, 2),
        "code": code,
        "command": {"action": entry["action"], "note": entry["note"]},
        "actor": {"id": entry["actor_id"], "name": entry["actor_name"],
                  "agency": entry["actor_agency"], "unit": entry["actor_unit"],
                  "roles": entry["actor_roles"]},
        "expected_version": 1,
        "requested_at": entry["at"],
    }  # fmt: skip
    for attempt in range(3):
        sqs.send_message(QueueUrl=stack.env["MOTCUA_TRANSITIONS_QUEUE_URL"],
                         MessageBody=json.dumps(transition), MessageGroupId=code,
                         MessageDeduplicationId=f"redelivery-{uuid.uuid4()}-{attempt}")  # fmt: skip
    stack.drain()
    after = official.dossier(code)
    assert after["history"] == before["history"]
    assert after["refusals"] == []
    assert queue_depth(stack, "MOTCUA_INTAKE_DLQ_URL") == 0
    assert queue_depth(stack, "MOTCUA_TRANSITIONS_DLQ_URL") == 0


def _intake_message_for(cast, code):
    """Rebuild the intake envelope a portal's submission produced, from its receipt."""
    external = f"redeliver-{uuid.uuid4().hex[:8]}"
    payload = {
        "external_id": external, "procedure_code": "1.001193", "channel": 2,
        "applicant": {"name": "Phan Văn Tài", "kind": 1, "phone": "0912000111"},
        "resolving_agency": demo.WARD, "received_by_agency": demo.WARD,
        "submitted_at": "2026-03-09T09:00:00+07:00", "awaiting_counter_check": False,
    }  # fmt: skip
    receipt = cast.portal.submit(payload)
    assert receipt["status"] == "accepted"
    return {
        "kind": "intake.v1",
        "receipt_id": receipt_id_for("portal-dev", external),
        "client_id": "portal-dev",
        "request": {**payload, "applicant": {**payload["applicant"], "phone": "84912000111",
                    "id_number": None, "email": None}, "code": None,
                    "received_by_unit": "MOT_CUA", "summary": "", "documents": [], "fees": [],
                    "paid_online": False, "digitised": False, "source": "motcua"},
        "accepted_at": "2026-03-09T09:00:00+07:00",
    }  # fmt: skip


def _command_id_of(stack, code, version):
    table = stack.env["MOTCUA_TABLE"]
    items = stack.aws_client("dynamodb").query(
        TableName=table,
        KeyConditionExpression="PK = :pk AND begins_with(SK, :c)",
        ExpressionAttributeValues={":pk": {"S": f"D#{code}"}, ":c": {"S": "C#"}},
    )["Items"]
    return next(i["SK"]["S"][2:] for i in items if int(i["version"]["N"]) == version)


@pytest.mark.parametrize(
    "case", ["unsigned", "mis-signed", "replayed", "expired", "unknown", "other-path"]
)
def test_bad_webhook_signatures_get_401_and_change_nothing(stack, cast, case):
    payload = {
        "external_id": f"sig-{case}-{uuid.uuid4().hex[:6]}", "procedure_code": "1.001193",
        "channel": 2, "applicant": {"name": "Võ Thị Hoa", "kind": 1, "phone": "0912000222"},
        "resolving_agency": demo.WARD, "received_by_agency": demo.WARD,
        "submitted_at": "2026-03-09T09:00:00+07:00", "awaiting_counter_check": False,
    }  # fmt: skip
    body = json.dumps(payload).encode()
    portal = Portal(cast.api, "portal-dev", DEV_WEBHOOK_SECRET)
    path = "/v1/webhooks/dossiers"
    headers = portal.headers("POST", path, body)
    if case == "unsigned":
        del headers["X-Motcua-Signature"]
    elif case == "mis-signed":
        headers.update(Portal(cast.api, "portal-dev", "not-the-secret").headers("POST", path, body))
    elif case == "expired":
        signed = signed_headers("portal-dev", DEV_WEBHOOK_SECRET, method="POST", target=path,
                                body=body, timestamp=int(time.time()) - 301)  # fmt: skip
        headers.update(signed)
    elif case == "other-path":  # signed for the opt-outs route, replayed to the dossiers one
        headers.update(portal.headers("POST", "/v1/webhooks/opt-outs", body))
    elif case == "unknown":
        headers["X-Motcua-Client"] = "portal-nobody"
    elif case == "replayed":
        first = cast.api.call("POST", "/v1/webhooks/dossiers", body=body, headers=headers)
        assert first.status == 202  # the genuine request; the same bytes again are a replay
    handed = intake_records(stack)
    answer = cast.api.call("POST", "/v1/webhooks/dossiers", body=body, headers=headers)
    assert answer.status == 401
    assert answer.headers["Content-Type"] == "application/problem+json"
    assert answer.body["errors"][0]["field"] in {"X-Motcua-Signature", "X-Motcua-Client"}
    assert intake_records(stack) == handed  # nothing was queued
    if case != "replayed":
        receipt = f"/v1/webhooks/receipts/{receipt_id_for('portal-dev', payload['external_id'])}"
        signed = portal.headers("GET", receipt, b"")
        assert cast.portal.api.call("GET", receipt, headers=signed).status == 404


def _receipt_pin(stack, code: str) -> str:
    """The PIN the receipt notice sent the applicant (the local outbox keeps a copy)."""
    from chalicelib.notify.providers.local_outbox import read_outbox

    stack.drain()
    for message in read_outbox(stack.outbox_path):
        found = re.search(r"Ma tra cuu: ([0-9A-Z]{4}-[0-9A-Z]{4})", message["text"])
        if message["key"].startswith(f"{code}:") and found:
            return found.group(1)
    raise AssertionError(f"no receipt notice with a PIN for {code}")


def test_public_lookup_reveals_nothing_without_the_receipt_pin(stack, cast):
    code = demo.birth_registration(cast)
    pin = _receipt_pin(stack, code)
    ok = cast.api.call("GET", f"/v1/public/dossiers/{code}?pin={pin}")
    assert ok.status == 200 and ok.body["status_label"] == "Đã trả kết quả"
    assert "applicant" not in ok.body and pin not in json.dumps(ok.body)
    wrong = cast.api.call("GET", f"/v1/public/dossiers/{code}?phone_last4=5678")  # it has a PIN
    unknown = cast.api.call("GET", f"/v1/public/dossiers/000.00.41.H19-260101-9999?pin={pin}")
    missing = cast.api.call("GET", f"/v1/public/dossiers/{code}")
    assert wrong.status == unknown.status == missing.status == 404
    strip = lambda body: {k: v for k, v in body.items() if k != "instance"}  # noqa: E731
    assert strip(wrong.body) == strip(unknown.body) == strip(missing.body)


def test_worklist_lists_the_agency_dossiers_by_due_date(cast):
    o = cast.officials
    code = demo.birth_registration(cast)  # returned: leaves the worklist
    open_receipt = cast.portal.submit({
        "external_id": f"wl-{uuid.uuid4().hex[:8]}", "procedure_code": "1.000894", "channel": 2,
        "applicant": {"name": "Đinh Văn Phúc", "kind": 1, "phone": "0903111222"},
        "resolving_agency": demo.WARD, "received_by_agency": demo.WARD,
        "submitted_at": "2026-03-09T09:00:00+07:00", "awaiting_counter_check": False,
    })  # fmt: skip
    listed = o["ward_receiver"].get("/v1/worklist?status=2&limit=50").body
    codes = [item["code"] for item in listed["items"]]
    assert open_receipt["code"] in codes and code not in codes
    dues = [item["due_at"] for item in listed["items"]]
    assert dues == sorted(dues)
    other_agency = o["land_receiver"].get("/v1/worklist?limit=50").body
    assert open_receipt["code"] not in [item["code"] for item in other_agency["items"]]
    forbidden = o["land_receiver"].get(f"/v1/dossiers/{open_receipt['code']}")
    assert forbidden.status == 403


def test_the_demo_prints_every_history(stack):
    out = io.StringIO()
    import contextlib

    with contextlib.redirect_stdout(out):
        codes = demo.run(stack.base_url)
    printed = out.getvalue()
    assert len(codes) == 3 and all(code in printed for code in codes)
    assert "Trả kết quả" in printed and "từ chối" in printed


def test_official_token_is_required(cast):
    answer = cast.api.call("GET", "/v1/worklist")
    assert answer.status == 401 and answer.headers["Content-Type"] == "application/problem+json"
    assert isinstance(cast.officials["ward_leader"], Official)


def test_a_poison_message_lands_in_the_dlq_with_its_reason(stack):
    sqs = stack.aws_client("sqs")
    sqs.send_message(QueueUrl=stack.env["MOTCUA_INTAKE_QUEUE_URL"],
                     MessageBody=json.dumps({"kind": "intake.v1", "receipt_id": "x"}))  # fmt: skip
    stack.drain()
    letters = sqs.receive_message(QueueUrl=stack.env["MOTCUA_INTAKE_DLQ_URL"],
                                  MessageAttributeNames=["All"], MaxNumberOfMessages=10,
                                  WaitTimeSeconds=1)["Messages"]  # fmt: skip
    reasons = [m["MessageAttributes"]["reason"]["StringValue"] for m in letters]
    assert any("does not match its contract" in reason for reason in reasons), reasons


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/v1/no-such-route"), ("DELETE", "/v1/health"), ("PUT", "/v1/procedures")],
)
def test_the_gateways_own_refusals_are_problems_too(stack, method, path):
    """Outside our routes the local gateway answers as the deployed one's GatewayResponses:
    an unknown route or a method a route lacks is a 404 problem (http/gateway_problems.py)."""
    import urllib.error
    import urllib.request

    request = urllib.request.Request(stack.base_url + path, method=method)
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    answer = refused.value
    assert answer.code == 404
    assert answer.headers["Content-Type"] == "application/problem+json"
    body = json.loads(answer.read())
    assert body["status"] == 404 and body["title"] == "Không tìm thấy"
    assert body["type"].endswith("/not-found") and body["instance"] == path
