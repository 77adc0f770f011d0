"""Bad input over HTTP: a problem+json naming the field, and nothing written or queued."""

import json
import time

import boto3
import pytest
from chalice.test import Client

from app import app
from chalicelib.auth.signatures import DEV_WEBHOOK_SECRET, signed_headers
from chalicelib.auth.tokens import DEV_JWT_KEY, mint_dev_token

WARD = "000.00.41.H19"
OTHER_WARD = "000.00.42.H19"


@pytest.fixture
def client(aws):
    boto3.client("ssm").put_parameter(
        Name="/motcua/local/webhook-clients/portal-dev", Value=DEV_WEBHOOK_SECRET,
        Type="SecureString",
    )  # fmt: skip
    with Client(app) as test_client:
        yield test_client


def valid(**overrides):
    data = {
        "external_id": "e-1", "procedure_code": "1.001193", "channel": 2,
        "applicant": {"name": "Nguyễn Văn An", "kind": 1, "phone": "0912345678"},
        "resolving_agency": WARD, "received_by_agency": WARD,
        "submitted_at": "2026-03-09T09:00:00+07:00", "awaiting_counter_check": False,
    }  # fmt: skip
    data.update(overrides)
    return data


def signed(body: bytes, content_type="application/json", path="/v1/webhooks/dossiers"):
    headers = signed_headers("portal-dev", DEV_WEBHOOK_SECRET, method="POST", target=path,
                             body=body, timestamp=int(time.time()))  # fmt: skip
    return {"Content-Type": content_type, **headers}


def written_items(env):
    items = boto3.client("dynamodb").scan(TableName=env["MOTCUA_TABLE"])["Items"]
    return [i for i in items if not i["PK"]["S"].startswith("SIG#")]


def queued(env):
    attributes = boto3.client("sqs").get_queue_attributes(
        QueueUrl=env["MOTCUA_INTAKE_QUEUE_URL"], AttributeNames=["ApproximateNumberOfMessages"]
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"])


CASES = [
    ("unknown procedure", json.dumps(valid(procedure_code="9.999999")).encode(), 400,
     "procedure_code"),
    ("unknown agency", json.dumps(valid(resolving_agency="000.00.77.H19",
                                        received_by_agency="000.00.77.H19")).encode(), 400,
     "resolving_agency"),
    ("bad phone", json.dumps(valid(applicant={"name": "A B", "kind": 1, "phone": "0123"}))
     .encode(), 400, "applicant.phone"),
    ("future date", json.dumps(valid(submitted_at="2099-01-01T09:00:00+07:00")).encode(), 400,
     "submitted_at"),
    ("broken json", b'{"external_id": ', 400, "body"),
    ("invalid utf-8", b'{"external_id": "\xff"}', 400, "body"),
    ("too large", b"{" + b" " * (300 * 1024) + b"}", 413, "body"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "body", "status", "field"), CASES, ids=[c[0] for c in CASES])
def test_bad_dossiers_are_refused_and_nothing_changes(client, aws, name, body, status, field):
    answer = client.http.post("/v1/webhooks/dossiers", body=body, headers=signed(body))
    assert answer.status_code == status, answer.body
    assert answer.headers["Content-Type"] == "application/problem+json"
    problem = json.loads(answer.body)
    assert field in [e["field"] for e in problem["errors"]], problem
    assert written_items(aws) == [] and queued(aws) == 0


def test_wrong_content_type_is_415(client, aws):
    body = json.dumps(valid()).encode()
    answer = client.http.post("/v1/webhooks/dossiers", body=body,
                              headers=signed(body, "text/plain"))  # fmt: skip
    assert answer.status_code == 415
    assert json.loads(answer.body)["errors"][0]["field"] == "Content-Type"
    assert written_items(aws) == [] and queued(aws) == 0


def test_a_good_dossier_is_queued_with_a_receipt(client, aws):
    body = json.dumps(valid()).encode()
    answer = client.http.post("/v1/webhooks/dossiers", body=body, headers=signed(body))
    assert answer.status_code == 202
    receipt = json.loads(answer.body)
    assert receipt["status"] == "queued" and answer.headers["Location"] == receipt["status_url"]
    assert queued(aws) == 1


def test_the_same_id_with_another_body_is_a_409_naming_it_and_changes_nothing(client, aws):
    first = json.dumps(valid()).encode()
    assert client.http.post("/v1/webhooks/dossiers", body=first,
                            headers=signed(first)).status_code == 202  # fmt: skip
    same = json.dumps(valid(), indent=2).encode()  # another spelling of the same dossier
    again = client.http.post("/v1/webhooks/dossiers", body=same, headers=signed(same))
    assert again.status_code == 202 and json.loads(again.body)["status"] == "queued"
    written = written_items(aws)
    other = json.dumps(valid(applicant={"name": "Trần Thị Bích", "kind": 1})).encode()
    answer = client.http.post("/v1/webhooks/dossiers", body=other, headers=signed(other))
    assert answer.status_code == 409, answer.body
    assert answer.headers["Content-Type"] == "application/problem+json"
    [error] = json.loads(answer.body)["errors"]
    assert error["field"] == "external_id" and "e-1" in error["reason"]
    assert written_items(aws) == written and queued(aws) == 1


def test_the_counter_cannot_reuse_an_external_id_for_another_citizen(client, aws):
    headers = {"Content-Type": "application/json",
               "Authorization": f"Bearer {counter_token()}"}  # fmt: skip
    first = json.dumps(valid(channel=1, external_id="quay-7")).encode()
    assert client.http.post("/v1/dossiers", body=first, headers=headers).status_code == 202
    other = json.dumps(valid(channel=1, external_id="quay-7",
                             applicant={"name": "Lê Văn Cường", "kind": 1})).encode()  # fmt: skip
    answer = client.http.post("/v1/dossiers", body=other, headers=headers)
    assert answer.status_code == 409, answer.body
    assert [e["field"] for e in json.loads(answer.body)["errors"]] == ["external_id"]
    assert queued(aws) == 1


def counter_token(role="receiver", agency=WARD):
    return mint_dev_token(DEV_JWT_KEY, sub="u1", name="Cán bộ", agency=agency, unit="MOT_CUA",
                          roles=[role], issuer="motcua-local", audience="motcua")  # fmt: skip


def test_another_communes_counter_receives_only_cross_boundary_procedures(client, aws):
    headers = {"Content-Type": "application/json",
               "Authorization": f"Bearer {counter_token(agency=OTHER_WARD)}"}  # fmt: skip
    birth = json.dumps(valid(channel=1, external_id="x-1", received_by_agency=None)).encode()
    refused = client.http.post("/v1/dossiers", body=birth, headers=headers)
    assert refused.status_code == 400, refused.body
    assert refused.headers["Content-Type"] == "application/problem+json"
    [error] = json.loads(refused.body)["errors"]
    assert error["field"] == "received_by_agency"
    assert "không thuộc danh mục tiếp nhận không phụ thuộc địa giới hành chính" in error["message"]
    assert written_items(aws) == [] and queued(aws) == 0
    copy = json.dumps(valid(channel=1, external_id="x-2", received_by_agency=None,
                            procedure_code="2.000815")).encode()  # fmt: skip
    accepted = client.http.post("/v1/dossiers", body=copy, headers=headers)
    assert accepted.status_code == 202, accepted.body
    assert queued(aws) == 1


def test_a_portal_names_a_receiving_place_within_the_boundary(client, aws):
    body = json.dumps(valid(received_by_agency=OTHER_WARD)).encode()
    answer = client.http.post("/v1/webhooks/dossiers", body=body, headers=signed(body))
    assert answer.status_code == 400, answer.body
    assert [e["field"] for e in json.loads(answer.body)["errors"]] == ["received_by_agency"]
    assert written_items(aws) == [] and queued(aws) == 0


def test_the_counter_needs_a_receiver_and_channel_1_or_3(client, aws):
    body = json.dumps(valid(channel=1, external_id="q-1")).encode()
    headers = {"Content-Type": "application/json"}
    assert client.http.post("/v1/dossiers", body=body, headers=headers).status_code == 401
    headers["Authorization"] = f"Bearer {counter_token('specialist')}"
    assert client.http.post("/v1/dossiers", body=body, headers=headers).status_code == 403
    headers["Authorization"] = f"Bearer {counter_token()}"
    online = json.dumps(valid(channel=2, external_id="q-2")).encode()
    refused = client.http.post("/v1/dossiers", body=online, headers=headers)
    assert refused.status_code == 400
    assert json.loads(refused.body)["errors"][0]["field"] == "channel"
    accepted = client.http.post("/v1/dossiers", body=body, headers=headers)
    assert accepted.status_code == 202, accepted.body
    assert queued(aws) == 1


def test_actions_validate_their_body(client, aws):
    headers = {"Content-Type": "application/json",
               "Authorization": f"Bearer {counter_token()}"}  # fmt: skip
    code = "000.00.41.H19-260309-0001"
    for body, field in [
        ({"action": "fly", "expected_version": 1}, "action"),
        ({"action": "take_up"}, "expected_version"),
        ({"action": "take_up", "expected_version": 0}, "expected_version"),
        ({"action": "take_up", "expected_version": 1, "extra": 1}, "extra"),
        (
            {"action": "take_up", "expected_version": 1, "electronic_result": True},
            "electronic_result",
        ),
        (
            {"action": "resolve", "expected_version": 1, "electronic_result": "yes"},
            "electronic_result",
        ),
        (
            {"action": "take_up", "expected_version": 1, "payment_channel": "online"},
            "payment_channel",
        ),
        (
            {"action": "fees_paid", "expected_version": 1, "payment_channel": "cash"},
            "payment_channel",
        ),
    ]:
        answer = client.http.post(f"/v1/dossiers/{code}/actions", body=json.dumps(body),
                                  headers=headers)  # fmt: skip
        assert answer.status_code == 400
        assert field in [e["field"] for e in json.loads(answer.body)["errors"]]
    take_up = json.dumps({"action": "take_up", "expected_version": 1})
    missing = client.http.post(f"/v1/dossiers/{code}/actions", headers=headers, body=take_up)
    assert missing.status_code == 404


def test_a_transfer_to_an_unknown_agency_or_unit_is_refused_at_once(client, aws):
    from chalicelib import bootstrap
    from tests.unit.builders import HOME, at, land_procedure, stored_dossier

    deps = bootstrap.container()
    code = "000.00.32.H19-260309-0001"
    stored_dossier(deps.store, land_procedure(), deps.calendar, at(2026, 3, 9, 9), code=code)
    token = mint_dev_token(DEV_JWT_KEY, sub="u2", name="Chuyên viên", agency=HOME,
                           unit="PHONG_DD", roles=["specialist"], issuer="motcua-local",
                           audience="motcua")  # fmt: skip
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    before = written_items(aws)
    for target, field in [
        ({"target_agency": "000.00.77.H19", "target_unit": "MOT_CUA"}, "target_agency"),
        ({"target_agency": "000.00.90.H26", "target_unit": "LANH_DAO"}, "target_agency"),
        ({"target_agency": "000.00.90.H19", "target_unit": "PHONG_X"}, "target_unit"),
    ]:
        body = json.dumps({"action": "transfer", "expected_version": 1, **target})
        answer = client.http.post(f"/v1/dossiers/{code}/actions", body=body, headers=headers)
        assert answer.status_code == 400, answer.body
        assert answer.headers["Content-Type"] == "application/problem+json"
        [error] = json.loads(answer.body)["errors"]
        assert error["field"] == field and error["message"] != "Giá trị không hợp lệ"
    transitions = boto3.client("sqs").get_queue_attributes(
        QueueUrl=aws["MOTCUA_TRANSITIONS_QUEUE_URL"],
        AttributeNames=["ApproximateNumberOfMessages"],
    )["Attributes"]
    assert transitions["ApproximateNumberOfMessages"] == "0"
    assert written_items(aws) == before
    known = {"action": "transfer", "expected_version": 1, "target_agency": "000.00.90.H19",
             "target_unit": "PHONG_QLTK"}  # fmt: skip
    answer = client.http.post(f"/v1/dossiers/{code}/actions", body=json.dumps(known),
                              headers=headers)  # fmt: skip
    assert answer.status_code == 202, answer.body
