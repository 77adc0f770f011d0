"""Issue 16 over HTTP: ids in paths answered before any read, the worklist's sealed cursor,
`null` for optional fields, appointments within the horizon. (The refusals of each kind are
also corpus cases: corpus/bounds.json.)"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from chalicelib import bootstrap
from tests.hostile import harness

WARD_JWT = {"Authorization": f"Bearer {harness.token()}"}
LEADER_JWT = {"Authorization": f"Bearer {harness.token(roles=['leader'])}"}
OTHER_JWT = {"Authorization": f"Bearer {harness.token(agency='000.00.42.H19')}"}


def get(stack, path, headers=WARD_JWT):
    answer = stack.client.http.get(path, headers=headers)
    return answer.status_code, json.loads(answer.body)


def fields(body) -> list[str]:
    return [issue["field"] for issue in body.get("errors", [])]


def signed_post(stack, path, body):
    raw = json.dumps(body, ensure_ascii=False).encode()
    case = harness.expand(
        {
            "id": "t",
            "category": "t",
            "route": f"POST {path}",
            "auth": "signed",
            "body": body,
            "status": 202,
            "field": "-",
        },
        stack.code,
    )
    headers, _ = harness.request_headers(case)
    answer = stack.client.http.post(path, body=raw, headers=headers)
    return answer.status_code, json.loads(answer.body)


@pytest.fixture
def no_reads(stack, monkeypatch):
    """The store, unreadable: a refusal made after a read fails the test."""
    store = bootstrap.container().store

    def read(*args, **kwargs):
        raise AssertionError("the store was read")

    for name in ("get", "load", "get_receipt", "command", "refusal", "worklist"):
        monkeypatch.setattr(store, name, read)


@pytest.mark.parametrize(
    ("path", "headers", "status", "field"),
    [
        ("/v1/dossiers/" + "9" * 3000, WARD_JWT, 400, "code"),
        ("/v1/dossiers/000.00.01.H26-260309-0001", WARD_JWT, 400, "code"),
        ("/v1/dossiers/{code}/commands/" + "c" * 3000, WARD_JWT, 404, "command_id"),
        ("/v1/dossiers/" + "x" * 3000 + "/commands/abc", WARD_JWT, 400, "code"),
        ("/v1/intake/" + "r" * 3000, WARD_JWT, 404, "receipt_id"),
        ("/v1/intake/%C3%A9t%C3%A9", WARD_JWT, 404, "receipt_id"),
        ("/v1/procedures/" + "1" * 3000, {}, 404, "code"),
    ],
)
def test_ids_in_paths_are_answered_before_any_read(stack, no_reads, path, headers, status, field):
    answered, body = get(stack, path.replace("{code}", stack.code), headers)
    assert (answered, fields(body)) == (status, [field]), body


def test_a_portal_receipt_id_of_another_form_is_answered_before_any_read(stack, no_reads):
    path = "/v1/webhooks/receipts/" + "r" * 3000
    case = harness.expand(
        {
            "id": "t",
            "category": "t",
            "route": f"GET {path}",
            "auth": "signed",
            "status": 404,
            "field": "receipt_id",
        },
        stack.code,
    )
    answer = stack.client.http.get(path, headers=harness.request_headers(case)[0])
    assert answer.status_code == 404 and fields(json.loads(answer.body)) == ["receipt_id"]


def test_the_worklist_cursor_continues_only_the_query_it_was_sealed_for(stack):
    status, first = get(stack, "/v1/worklist?limit=1")
    assert status == 200 and [item["code"] for item in first["items"]] == [stack.code]
    cursor = first["next_cursor"]
    assert cursor  # a full page: the store may have more
    status, second = get(stack, f"/v1/worklist?limit=1&cursor={cursor}")
    assert status == 200 and stack.code not in [item["code"] for item in second["items"]]
    payload, mac = cursor.split(".")
    altered = payload[:-1] + ("B" if payload.endswith("A") else "A")
    for query, headers in [
        (f"cursor={cursor}", OTHER_JWT),  # another agency's worklist
        (f"cursor={cursor}&status=2", WARD_JWT),  # another filter
        (f"cursor={cursor}&step=0", WARD_JWT),
        (f"cursor={payload}", WARD_JWT),  # the store's own cursor, unsealed
        (f"cursor={altered}.{mac}", WARD_JWT),  # altered
    ]:
        status, body = get(stack, f"/v1/worklist?{query}", headers)
        assert (status, fields(body)) == (400, ["cursor"]), (query, body)


def test_null_for_an_optional_field_is_accepted(stack):
    status, body = signed_post(
        stack, "/v1/webhooks/opt-outs", {"phone": "0912345678", "opted_out": None, "source": None}
    )
    assert (status, body["opted_out"]) == (202, True)
    status, body = signed_post(
        stack,
        "/v1/webhooks/delivery-receipts",
        {
            "provider": "sns",
            "message_id": "nobody-sent-this",
            "status": "delivered",
            "at": None,
            "error": None,
        },
    )
    assert status == 404, body  # valid: about a message nobody sent
    answer = stack.client.http.post(
        f"/v1/dossiers/{stack.code}/actions",
        body=json.dumps({"action": "take_up", "expected_version": 1, "note": None}),
        headers={"Content-Type": "application/json", **WARD_JWT},
    )
    assert answer.status_code == 202, answer.body


def test_an_appointment_is_set_within_the_horizon_and_no_further(stack):
    now = bootstrap.container().now()
    path = f"/v1/dossiers/{stack.code}/actions"
    headers = {"Content-Type": "application/json", **LEADER_JWT}
    before = stack.footprint()
    for far in ["2099-01-05T09:00:00+07:00", (now + timedelta(days=731)).isoformat()]:
        body = {
            "action": "extend_with_apology",
            "expected_version": 1,
            "note": "Chờ",
            "new_due_at": far,
        }
        answer = stack.client.http.post(path, body=json.dumps(body), headers=headers)
        problem = json.loads(answer.body)
        assert (answer.status_code, fields(problem)) == (400, ["new_due_at"]), problem
        assert "730 days" in problem["errors"][0]["reason"]
    assert stack.footprint() == before
    near = {
        "action": "extend_with_apology",
        "expected_version": 1,
        "note": "Chờ",
        "new_due_at": (now + timedelta(days=30)).isoformat(),
    }
    answer = stack.client.http.post(path, body=json.dumps(near), headers=headers)
    assert answer.status_code == 202, answer.body  # the worker applies the law's own bound
