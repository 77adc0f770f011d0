"""POST /v1/webhooks/portal-events, in process on moto with the real workers: what an applicant
did on the portal (a supplement, a withdrawal, an online payment) becomes the command an
official would send, applied or refused by the transition worker like any other; only a signed
portal with the scope is heard, a bad event is a 400 naming its field, and an event redelivered
names the same command and applies once."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from app import intake_worker, transition_worker
from chalicelib.auth.signatures import CLIENT_HEADER, SIGNATURE_HEADER
from tests.hostile import harness
from tests.hostile.conftest import drain, running_stack

PATH = "/v1/webhooks/portal-events"
OCCURRED = "2026-03-09T10:00:00+07:00"
UNKNOWN = "000.00.41.H19-260309-9999"
RECEIVED, PROCESSING, SUPPLEMENT_REQUESTED, WITHDRAWN = 2, 4, 5, 7  # TrangThaiHoSo


@pytest.fixture(scope="module")
def stack():
    with running_stack() as running:
        yield running


def signed(client: str, raw: bytes, ago: int = 0, path: str = PATH) -> dict[str, str]:
    method = "POST" if raw else "GET"
    headers = harness.webhook_headers(client, method, path, raw, ago=ago)
    return {**headers, "Content-Type": "application/json"}


def send(stack, event: Any, client: str = harness.PORTAL_CLIENT, ago: int = 0):
    raw = json.dumps(event, ensure_ascii=False).encode()
    return stack.post(PATH, raw, signed(client, raw, ago))


def official(stack, method: str, path: str, body: Any = None, **claims: Any):
    headers = {"Authorization": f"Bearer {harness.token(**claims)}"}
    raw = b""
    if body is not None:
        raw = json.dumps(body, ensure_ascii=False).encode()
        headers["Content-Type"] = "application/json"
    return stack.client.http.request(method, path, headers=headers, body=raw)


SPECIALIST = dict(sub="cv-1", unit="VAN_PHONG", roles=["specialist"])
# The template's dossier was received months ago: past the limit, a leader asks (NĐ 118 19(5)).
LEADER = dict(sub="ld-1", unit="LANH_DAO", roles=["leader"])


def dossier(stack, code: str) -> dict[str, Any]:
    answer = official(stack, "GET", f"/v1/dossiers/{code}")
    assert answer.status_code == 200, answer.body
    return json.loads(answer.body)


def act(stack, code: str, action: dict[str, Any], **claims: Any) -> None:
    version = dossier(stack, code)["dossier"]["version"]
    body = {**action, "expected_version": version}
    answer = official(stack, "POST", f"/v1/dossiers/{code}/actions", body, **claims)
    assert answer.status_code == 202, answer.body
    drain(stack, "MOTCUA_TRANSITIONS_QUEUE_URL", transition_worker)
    assert dossier(stack, code)["dossier"]["version"] == version + 1, action


def new_dossier(stack) -> str:
    """A dossier submitted online through the portal and received at the ward's counter."""
    body = {**harness.TEMPLATES["dossier"], "external_id": f"events-{uuid.uuid4().hex[:10]}"}
    raw = json.dumps(body, ensure_ascii=False).encode()
    dossiers = "/v1/webhooks/dossiers"
    answer = stack.post(dossiers, raw, signed(harness.PORTAL_CLIENT, raw, path=dossiers))
    assert answer.status_code == 202, answer.body
    drain(stack, "MOTCUA_INTAKE_QUEUE_URL", intake_worker)
    receipt = answer.headers["Location"]
    headers = signed(harness.PORTAL_CLIENT, b"", path=receipt)
    receipt = stack.client.http.get(receipt, headers=headers)
    return json.loads(receipt.body)["code"]


def event(code: str, kind: str) -> dict[str, Any]:
    body = {"event_id": f"dvcqg-{uuid.uuid4().hex}", "MaHoSo": code, "kind": kind}
    by_kind = {
        "supplement_submitted": {
            "documents": [{"name": "Giấy chứng sinh", "url": "https://dvc.example.vn/f/1"}],
            "note": "Bổ sung giấy chứng sinh bản chính",
        },
        "withdrawal_requested": {"reason": "Không còn nhu cầu"},
        "fees_paid": {
            "amount_vnd": 150_000,
            "payment_channel": "online",
            "transaction_ref": "PAYGOV-20260309-0001",
        },
    }
    return {**body, "occurred_at": OCCURRED, **by_kind[kind]}


def applied(stack, code: str, answer) -> dict[str, Any]:
    """The portal's command, once the transition worker ran: its view as officials read it."""
    assert answer.status_code == 202, answer.body
    drain(stack, "MOTCUA_TRANSITIONS_QUEUE_URL", transition_worker)
    view = official(stack, "GET", answer.headers["Location"])
    assert view.status_code == 200, view.body
    return json.loads(view.body)


def last_entry(stack, code: str) -> dict[str, Any]:
    return dossier(stack, code)["history"][-1]


# -- each kind becomes the official's command ---------------------------------------------------
def test_a_supplement_submitted_on_the_portal_is_the_supplement_received(stack):
    code = new_dossier(stack)
    act(stack, code, {"action": "request_supplement", "note": "Thiếu giấy chứng sinh"}, **LEADER)
    assert dossier(stack, code)["dossier"]["status"] == SUPPLEMENT_REQUESTED

    command = applied(stack, code, send(stack, event(code, "supplement_submitted")))

    assert command["status"] == "applied"
    state = dossier(stack, code)["dossier"]
    assert state["status"] == RECEIVED  # back where the request found it
    entry = last_entry(stack, code)
    assert entry["action"] == "supplement_received"
    assert entry["actor_id"] == harness.PORTAL_CLIENT
    assert "Giấy chứng sinh" in entry["note"] and "Bổ sung giấy chứng sinh" in entry["note"]


def test_fees_paid_on_the_portal_are_fees_paid_online(stack):
    code = new_dossier(stack)
    act(stack, code, {"action": "take_up", "note": "thụ lý"}, **SPECIALIST)
    act(stack, code, {"action": "request_fees", "amount_vnd": 150_000}, **SPECIALIST)

    command = applied(stack, code, send(stack, event(code, "fees_paid")))

    assert command["status"] == "applied"
    state = dossier(stack, code)["dossier"]
    assert state["status"] == PROCESSING
    assert state["fees_paid_online"] is True
    entry = last_entry(stack, code)
    assert (entry["action"], entry["payment_channel"], entry["amount_vnd"]) == (
        "fees_paid",
        "online",
        150_000,
    )
    assert "PAYGOV-20260309-0001" in entry["note"]


def test_a_withdrawal_asked_on_the_portal_withdraws_the_dossier(stack):
    code = new_dossier(stack)

    command = applied(stack, code, send(stack, event(code, "withdrawal_requested")))

    assert command["status"] == "applied"
    assert dossier(stack, code)["dossier"]["status"] == WITHDRAWN
    entry = last_entry(stack, code)
    assert entry["action"] == "withdraw" and "Không còn nhu cầu" in entry["note"]


def test_an_event_the_status_cannot_take_is_queued_then_refused_like_an_officials(stack):
    code = new_dossier(stack)  # received: no fees were asked
    before = dossier(stack, code)["dossier"]["version"]

    command = applied(stack, code, send(stack, event(code, "fees_paid")))

    assert command["status"] == "refused"
    assert command["kind"] == "illegal_transition", command
    assert dossier(stack, code)["dossier"]["version"] == before


# -- once -----------------------------------------------------------------------------------------
def test_a_redelivered_event_names_the_same_command_and_applies_once(stack):
    code = new_dossier(stack)
    act(stack, code, {"action": "take_up", "note": "thụ lý"}, **SPECIALIST)
    act(stack, code, {"action": "request_fees", "amount_vnd": 150_000}, **SPECIALIST)
    paid = event(code, "fees_paid")
    version = dossier(stack, code)["dossier"]["version"]

    first = send(stack, paid)
    assert applied(stack, code, first)["status"] == "applied"
    # The portal did not hear our answer and sends the event again, signed anew.
    again = send(stack, paid, ago=2)

    assert again.status_code == 202, again.body
    assert json.loads(again.body)["command_id"] == json.loads(first.body)["command_id"]
    drain(stack, "MOTCUA_TRANSITIONS_QUEUE_URL", transition_worker)
    assert dossier(stack, code)["dossier"]["version"] == version + 1
    fees = [e for e in dossier(stack, code)["history"] if e["action"] == "fees_paid"]
    assert len(fees) == 1


def test_the_same_signature_twice_is_a_replay(stack):
    code = new_dossier(stack)
    raw = json.dumps(event(code, "withdrawal_requested"), ensure_ascii=False).encode()
    headers = signed(harness.PORTAL_CLIENT, raw)
    assert stack.post(PATH, raw, headers).status_code == 202
    replayed = stack.post(PATH, raw, headers)
    assert replayed.status_code == 401
    assert json.loads(replayed.body)["errors"][0]["field"] == SIGNATURE_HEADER


# -- refused, and nothing written ---------------------------------------------------------------
def refused_without_trace(stack, answer_of) -> dict[str, Any]:
    before = stack.footprint()
    answer = answer_of()
    assert stack.footprint() == before, "a refused event wrote or queued something"
    assert answer.headers["Content-Type"].startswith("application/problem+json")
    return {"status": answer.status_code, **json.loads(answer.body)}


def test_an_unsigned_event_is_refused(stack):
    body = json.dumps(event(stack.code, "withdrawal_requested")).encode()
    headers = {CLIENT_HEADER: harness.PORTAL_CLIENT, "Content-Type": "application/json"}
    problem = refused_without_trace(stack, lambda: stack.post(PATH, body, headers))
    assert problem["status"] == 401
    assert problem["errors"][0]["field"] == SIGNATURE_HEADER


@pytest.mark.parametrize("client", [harness.GATEWAY_CLIENT, harness.TAX_CLIENT])
def test_a_client_without_the_scope_is_refused(stack, client):
    payload = event(stack.code, "withdrawal_requested")
    problem = refused_without_trace(stack, lambda: send(stack, payload, client=client))
    assert problem["status"] == 403
    assert problem["errors"][0]["field"] == CLIENT_HEADER


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"event_id": "short"}, "event_id"),
        ({"MaHoSo": "000.00.41.H20-260309-0001"}, "MaHoSo"),  # another province's code
        ({"kind": "complaint_filed"}, "kind"),
        ({"occurred_at": "2099-01-01T00:00:00+07:00"}, "occurred_at"),
        ({"occurred_at": "2026-03-09T10:00:00"}, "occurred_at"),  # no offset
        ({"payment_channel": "counter"}, "payment_channel"),
        ({"amount_vnd": 0}, "amount_vnd"),
        ({"transaction_ref": ""}, "transaction_ref"),
        ({"reason": "x"}, "reason"),  # said with another kind
    ],
)
def test_a_bad_field_is_a_400_naming_it_and_nothing_is_queued(stack, change, field):
    payload = {**event(stack.code, "fees_paid"), **change}
    problem = refused_without_trace(stack, lambda: send(stack, payload))
    assert problem["status"] == 400
    assert field in [error["field"] for error in problem["errors"]], problem


@pytest.mark.parametrize(
    ("kind", "change", "field"),
    [
        ("withdrawal_requested", {"reason": "  "}, "reason"),
        ("supplement_submitted", {"documents": []}, "documents"),
        ("supplement_submitted", {"documents": [{"name": "x", "url": "ftp://a/b"}]},
         "documents[0].url"),
    ],
)  # fmt: skip
def test_each_kind_checks_its_own_fields(stack, kind, change, field):
    payload = {**event(stack.code, kind), **change}
    problem = refused_without_trace(stack, lambda: send(stack, payload))
    assert problem["status"] == 400
    assert field in [error["field"] for error in problem["errors"]], problem


def test_an_event_for_a_dossier_we_do_not_hold_is_a_404_naming_mahoso(stack):
    payload = event(UNKNOWN, "withdrawal_requested")
    problem = refused_without_trace(stack, lambda: send(stack, payload))
    assert problem["status"] == 404
    assert problem["errors"][0]["field"] == "MaHoSo"
