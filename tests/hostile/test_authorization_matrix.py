"""Issue 8: the authorization matrix. Every route × every caller gets exactly the documented
answer (`AUTHORIZATION` of chalicelib/http/authorization.py, the table docs/authorization.md
prints), and every answer matches the OpenAPI description of its route.

Then the line between agencies, with the real workers: an official of agency B can neither
read nor move a dossier of agency A until A transfers it to B; while B holds it, B (its
officials and its system) reads and moves it, a third agency still cannot; once it is handed
back, B still reads it (B took part) but whatever B asks is refused by the transition worker.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import jsonschema
import pytest

from app import intake_worker, transition_worker
from chalicelib import bootstrap
from chalicelib.domain.notifications import NotificationJob
from chalicelib.http import openapi
from chalicelib.http.authorization import AUTHORIZATION, CALLERS
from chalicelib.ports.deliveries import Attempt
from chalicelib.services.intake import receipt_id_for
from tests.hostile import harness
from tests.hostile.conftest import drain

WARD = harness.WARD  # agency A: received and resolves the seeded dossier
TAX = harness.TAX  # agency B
OTHER_WARD = "000.00.42.H19"  # agency C: never involved
MESSAGE_ID = "authz-msg-0001"
PHONE_LAST4 = harness.SEED_PHONE[-4:]
JSON = "application/json"


# -- callers -------------------------------------------------------------------------------------
def _bearer(**claims: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {harness.token(**claims)}"}


TOKENS = {
    "citizen": dict(sub="cong-dan-1", name="Công dân", unit=None, roles=["citizen"]),
    "receiver": {},
    "specialist": dict(sub="cv-1", unit="VAN_PHONG", roles=["specialist"]),
    "leader": dict(sub="ld-1", unit="LANH_DAO", roles=["leader"]),
    "admin": dict(sub="qt-1", unit=None, roles=["admin"]),
    "other_agency": dict(sub="thue-1", agency=TAX, unit="PHONG_QLTK",
                         roles=["specialist", "leader"]),
    "third_agency": dict(sub="xa-1", agency=OTHER_WARD, unit="VAN_PHONG",
                         roles=["receiver", "specialist", "leader", "admin"]),
}  # fmt: skip
SIGNERS = harness.SIGNERS


def credentials(caller: str, method: str, path: str, body: bytes) -> dict[str, str]:
    if caller in SIGNERS:
        return harness.webhook_headers(SIGNERS[caller], method, path, body)
    if caller == "expired":
        return _bearer(now=int(time.time()) - 9 * 3600)
    if caller == "wrong_issuer":
        return _bearer(issuer="https://evil.example")
    if caller in TOKENS:
        return _bearer(**TOKENS[caller])
    assert caller == "anonymous"
    return {}


def call(stack, caller: str, method: str, path: str, body: Any = None):
    raw = b"" if body is None else json.dumps(body, ensure_ascii=False).encode()
    headers = credentials(caller, method, path, raw)
    if method == "POST":
        headers["Content-Type"] = "application/json"
    return stack.client.http.request(method, path, headers=headers, body=raw)


# -- the OpenAPI description ---------------------------------------------------------------------
def _response_spec(document: dict, template: str, method: str, status: int) -> dict:
    responses = document["paths"][template][method.lower()]["responses"]
    response = responses[str(status)]
    if "$ref" in response:
        response = document["components"]["responses"][response["$ref"].rpartition("/")[2]]
    return response


def check_conforms(template: str, method: str, answer) -> None:
    """The answer is documented for its route: its status, content type and body schema."""
    document = openapi.document()
    response = _response_spec(document, template, method, answer.status_code)
    # API Gateway answers application/json when the function names no type (Chalice's dicts).
    content_type = answer.headers.get("Content-Type", JSON).split(";")[0].strip()
    assert content_type in response["content"], (template, answer.status_code, content_type)
    schema = response["content"][content_type]["schema"]
    if content_type.endswith("json"):
        # The document as the root, so that its "#/components/schemas/…" references resolve.
        jsonschema.validate(json.loads(answer.body), {**document, **schema})


# -- the world the matrix runs in ----------------------------------------------------------------
def _seed_delivery(code: str) -> None:
    """A message the SMS provider may report on."""
    job = NotificationJob(key="authz-job", code=code, kind="received", essential=True,
                          phone="84912345678", text_vi="Hồ sơ đã được tiếp nhận")  # fmt: skip
    attempt = Attempt(job_key=job.key, code=code, kind=job.kind, route="84912345678",
                      channel="sms", provider="sns", outcome="accepted",
                      provider_message_id=MESSAGE_ID, at=bootstrap.container().now())  # fmt: skip
    bootstrap.container().delivery_log.record(job, attempt)


@pytest.fixture(scope="module")
def world(stack) -> dict[str, str]:
    """Path values: the seeded dossier (received at A's counter from the portal), its portal
    receipt, a counter receipt of A and a command on the dossier; a message of the dossier."""
    counter = {**harness.TEMPLATES["counter"], "external_id": "authz-counter"}
    answer = call(stack, "receiver", "POST", "/v1/dossiers", counter)
    assert answer.status_code == 202, answer.body
    action = {"action": "take_up", "expected_version": 1, "note": "matrix"}
    queued = call(stack, "specialist", "POST", f"/v1/dossiers/{stack.code}/actions", action)
    assert queued.status_code == 202, queued.body
    _seed_delivery(stack.code)
    feedback_id, feedback_revision = _seed_feedback(stack)
    upload_id, file_id = _seed_file(stack)
    source_file_id = _seed_reuse(stack)
    return {
        "feedback_id": feedback_id,
        "feedback_revision": feedback_revision,
        "source_file_id": source_file_id,
        "upload_id": upload_id,
        "file_id": file_id,
        "code": stack.code,
        "pin": stack.pin,
        "portal_receipt": receipt_id_for(harness.PORTAL_CLIENT, "hostile-seed"),
        "counter_receipt": json.loads(answer.body)["receipt_id"],
        "command_id": json.loads(queued.body)["command_id"],
    }


def _seed_feedback(stack) -> tuple[str, int]:
    """F: a PAKN from the portal to A about A's receiver, assigned to A's specialist, who
    started handling it."""
    body = {**harness.TEMPLATES["feedback"], "external_id": "authz-feedback",
            "about_official": harness.token_claims()["sub"]}  # fmt: skip
    answer = call(stack, "portal", "POST", "/v1/webhooks/feedback", body)
    assert answer.status_code == 201, answer.body
    feedback_id = json.loads(answer.body)["id"]
    path = f"/v1/feedback/{feedback_id}/actions"
    specialist = {"id": TOKENS["specialist"]["sub"], "name": "Lê Văn Chuyên", "unit": "VAN_PHONG"}
    for caller, action in (("leader", {"action": "assign", "assignee": specialist}),
                           ("specialist", {"action": "start"})):  # fmt: skip
        read = json.loads(call(stack, "leader", "GET", f"/v1/feedback/{feedback_id}").body)
        moved = call(stack, caller, "POST", path, {**action, "expected_revision": read["revision"]})
        assert moved.status_code == 200, moved.body
    return feedback_id, json.loads(moved.body)["revision"]


UPLOAD = {"component": "1", "content_type": "application/pdf", "size": 2000, "name": "Tờ khai.pdf"}
ONE_PAGE_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
                b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
                b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n")  # fmt: skip


def _pdf(body: bytes = ONE_PAGE_PDF) -> bytes:
    """A one-page PDF with its cross-reference table (strict readers want one)."""
    offsets = [body.index(f"{n} 0 obj".encode()) for n in (1, 2, 3)]
    xref = b"xref\n0 4\n0000000000 65535 f \n" + b"".join(
        f"{o:010d} 00000 n \n".encode() for o in offsets
    )
    trailer = f"trailer<</Size 4/Root 1 0 R>>\nstartxref\n{len(body)}\n%%EOF\n"
    return body + xref + trailer.encode()


def _seed_reuse(stack) -> str:
    """Another dossier of the seeded dossier's citizen, with a stored document that the seeded
    dossier took once (QĐ 766 4.3): the matrix's reuse answers "taken before" (200)."""
    body = {**harness.TEMPLATES["dossier"], "external_id": "authz-same-citizen"}
    assert call(stack, "portal", "POST", "/v1/webhooks/dossiers", body).status_code == 202
    drain(stack, "MOTCUA_INTAKE_QUEUE_URL", intake_worker)
    receipt = bootstrap.container().store.get_receipt(
        receipt_id_for(harness.PORTAL_CLIENT, "authz-same-citizen")
    )
    assert receipt is not None and receipt.code, receipt
    # another scan than the seeded dossier's own file: the same bytes would be that file
    _, source_file_id = _seed_file(stack, receipt.code, _pdf(ONE_PAGE_PDF + b"% scan 2\n"))
    taken = {"component": "1", "source_file_id": source_file_id}
    answer = call(stack, "receiver", "POST", f"/v1/dossiers/{stack.code}/reuses", taken)
    assert answer.status_code == 201, answer.body
    return source_file_id


def _seed_file(stack, code: str | None = None, content: bytes | None = None) -> tuple[str, str]:
    """A file of the dossier, uploaded through its presigned form and recorded by A's counter."""
    import requests

    code = code or stack.code
    ticket = call(stack, "receiver", "POST", f"/v1/dossiers/{code}/uploads", UPLOAD)
    assert ticket.status_code == 201, ticket.body
    form = json.loads(ticket.body)
    scan = ("t.pdf", content or _pdf(), "application/pdf")
    posted = requests.post(form["url"], data=form["fields"], files={"file": scan})
    assert posted.status_code == 204, posted.text
    body = {"upload_id": form["upload_id"]}
    recorded = call(stack, "receiver", "POST", f"/v1/dossiers/{code}/files", body)
    assert recorded.status_code == 201, recorded.body
    return form["upload_id"], json.loads(recorded.body)["file_id"]


def request_for(route: tuple[str, str], caller: str, world: dict[str, str]):
    """(path, body) of the request `caller` sends to `route` in the matrix."""
    method, template = route
    code = world["code"]
    unique = f"{caller}-{uuid.uuid4().hex[:8]}"
    paths = {
        "/v1/calendar/due-date": "/v1/calendar/due-date?received_at=2026-03-09T09:00:00%2B07:00"
        "&working_days=3",
        "/v1/procedures/{code}": "/v1/procedures/1.001193",
        "/v1/public/dossiers/{code}": f"/v1/public/dossiers/{code}"
        + (f"?pin={world['pin']}" if caller == "citizen" else ""),
        "/v1/public/dossiers/{code}/result": f"/v1/public/dossiers/{code}/result"
        + (f"?pin={world['pin']}" if caller == "citizen" else ""),
        "/v1/public/files/{token}": "/v1/public/files/"
        + bootstrap.container().file_links.token(code, world["file_id"]),
        "/v1/public/ratings/{token}": "/v1/public/ratings/"
        + bootstrap.container().rating_links.token(code),
        "/v1/feedback/{feedback_id}": f"/v1/feedback/{world['feedback_id']}",
        "/v1/feedback/{feedback_id}/actions": f"/v1/feedback/{world['feedback_id']}/actions",
        "/v1/webhooks/receipts/{receipt_id}": f"/v1/webhooks/receipts/{world['portal_receipt']}",
        "/v1/intake/{receipt_id}": f"/v1/intake/{world['counter_receipt']}",
        "/v1/dossiers/{code}/commands/{command_id}": f"/v1/dossiers/{code}/commands/"
        f"{world['command_id']}",
        "/v1/reports/766": f"/v1/reports/766?agency={WARD}&from=2026-01&to=2026-12",
        "/v1/audit/reads": f"/v1/audit/reads?code={code}&from=2026-01-01&to=2026-01-31",
        "/v1/dossiers/{code}/files/{file_id}": f"/v1/dossiers/{code}/files/{world['file_id']}",
        "/v1/dossiers/{code}/forms/{form}": f"/v1/dossiers/{code}/forms/06",
        "/v1/agencies/{agency}/tracking-book": f"/v1/agencies/{WARD}/tracking-book"
        "?from=2026-01-01&to=2026-12-31&format=csv",
        "/v1/webhooks/payments/{platform}": "/v1/webhooks/payments/memory",
        "/v1/payments/parked": f"/v1/payments/parked?agency={WARD}",
        "/v1/payments/parked/{platform}/{transaction_id}": "/v1/payments/parked/memory/authz-tx",
        "/v1/public/dossiers/{code}/receipts/{number}": f"/v1/public/dossiers/{code}/receipts/1"
        + (f"?pin={world['pin']}" if caller == "citizen" else ""),
        "/v1/dossiers/{code}/receipts/{number}": f"/v1/dossiers/{code}/receipts/1",
    }
    path = paths.get(template, template.replace("{code}", code))
    bodies = {
        "/v1/webhooks/dossiers": {**harness.TEMPLATES["dossier"], "external_id": unique},
        "/v1/webhooks/inter-agency/{code}/actions": {
            **harness.TEMPLATES["system_action"], "note": unique},
        "/v1/webhooks/delivery-receipts": {"provider": "sns", "message_id": MESSAGE_ID,
                                           "status": "delivered"},
        "/v1/webhooks/opt-outs": {**harness.TEMPLATES["opt_out"], "source": unique},
        # D is received, not asked for fees: queued (202), then refused by the worker.
        "/v1/webhooks/portal-events": {"event_id": f"authz-{unique}", "MaHoSo": code,
                                       "kind": "fees_paid", "amount_vnd": 50000,
                                       "payment_channel": "online", "transaction_ref": unique,
                                       "occurred_at": "2026-03-09T10:00:00+07:00"},
        "/v1/dossiers": {**harness.TEMPLATES["counter"], "external_id": unique},
        "/v1/dossiers/{code}/actions": {"action": "take_up", "expected_version": 1,
                                        "note": unique},
        "/v1/dossiers/{code}/uploads": UPLOAD,
        "/v1/dossiers/{code}/files": {"upload_id": world["upload_id"]},
        "/v1/dossiers/{code}/reuses": {"component": "1",
                                       "source_file_id": world["source_file_id"]},
        "/v1/public/ratings/{token}": {"satisfied": True},
        "/v1/webhooks/ratings": {"rating_id": f"authz-{unique}", "code": code, "satisfied": True,
                                 "rated_at": "2026-03-09T10:00:00+07:00"},
        "/v1/webhooks/feedback": {**harness.TEMPLATES["feedback"], "external_id": unique},
        "/v1/feedback": {**harness.TEMPLATES["feedback_in"], "external_id": unique},
        "/v1/payments/parked/{platform}/{transaction_id}": {"outcome": "refunded",
                                                            "refund_reference": unique},
        "/v1/feedback/{feedback_id}/actions": {"action": "publish",
                                               "expected_revision": world["feedback_revision"]},
    }  # fmt: skip
    return path, bodies.get(template) if method == "POST" else None


ROUTES = list(AUTHORIZATION)


@pytest.mark.parametrize("route", ROUTES, ids=[f"{m} {p}" for m, p in ROUTES])
def test_every_caller_gets_the_documented_answer(stack, world, route):
    method, template = route
    expected = AUTHORIZATION[route]
    got = {}
    for caller in CALLERS:
        path, body = request_for(route, caller, world)
        answer = call(stack, caller, method, path, body)
        got[caller] = str(answer.status_code)
        check_conforms(template, method, answer)
        if answer.status_code >= 400:
            problem = json.loads(answer.body)
            assert (problem["status"] == answer.status_code and problem.get("errors")) or (
                answer.status_code == 404
            ), problem
    assert got == expected


def test_the_worklist_of_another_agency_does_not_show_the_dossier(stack, world):
    for caller, sees in (("receiver", True), ("other_agency", False)):
        answer = call(stack, caller, "GET", "/v1/worklist?limit=100")
        codes = [item["code"] for item in json.loads(answer.body)["items"]]
        assert (world["code"] in codes) is sees, caller


def test_a_report_of_another_agency_is_refused_unless_admin(stack):
    path = f"/v1/reports/766?agency={TAX}&from=2026-01&to=2026-12"
    assert call(stack, "receiver", "GET", path).status_code == 403
    assert call(stack, "admin", "GET", path).status_code == 200
    assert call(stack, "other_agency", "GET", path).status_code == 200


def test_the_public_lookup_needs_the_receipt_pin(stack):
    """`----` once matched every dossier without a phone (its expected value), and the phone's
    last four digits opened any dossier: now its receipt PIN only (a dossier opened before
    PINs, the digits: tests/unit/test_lookup_limits.py)."""
    lookups = {
        "phone_last4=": 404,
        "phone_last4=----": 404,
        f"phone_last4={PHONE_LAST4}": 404,
        "pin=": 404,
        f"pin={stack.pin[:-1]}": 400,
        f"pin={stack.pin}": 200,
        f"pin={stack.pin}&phone_last4=0000": 200,
    }
    for given, status in lookups.items():
        answer = stack.client.http.get(f"/v1/public/dossiers/{stack.code}?{given}")
        assert answer.status_code == status, given


def test_a_dossier_without_a_phone_is_looked_up_by_its_pin(stack):
    body = {**harness.TEMPLATES["counter"], "external_id": "authz-no-phone",
            "applicant": {"name": "Phạm Văn Dũng", "kind": 1}}  # fmt: skip
    answer = call(stack, "receiver", "POST", "/v1/dossiers", body)
    assert answer.status_code == 202, answer.body
    drain(stack, "MOTCUA_INTAKE_QUEUE_URL", intake_worker)
    receipt = json.loads(call(stack, "receiver", "GET", answer.headers["Location"]).body)
    assert receipt["status"] == "accepted", receipt
    for given in ("----", "", "0000", "None"):
        lookup = stack.client.http.get(f"/v1/public/dossiers/{receipt['code']}?phone_last4={given}")
        assert lookup.status_code == 404, given
    lookup = stack.client.http.get(f"/v1/public/dossiers/{receipt['code']}?pin={receipt['pin']}")
    assert lookup.status_code == 200, lookup.body


# -- transfers -----------------------------------------------------------------------------------
def _act(stack, caller: str, code: str, action: dict[str, Any]) -> str:
    answer = call(stack, caller, "POST", f"/v1/dossiers/{code}/actions", action)
    assert answer.status_code == 202, (caller, answer.body)
    drain(stack, "MOTCUA_TRANSITIONS_QUEUE_URL", transition_worker)
    command = json.loads(call(stack, caller, "GET", answer.headers["Location"]).body)
    return command["status"] if command["status"] != "refused" else command["kind"]


def _system(stack, code: str, action: dict[str, Any]) -> int:
    path = f"/v1/webhooks/inter-agency/{code}/actions"
    answer = call(stack, "agency_system", "POST", path, action)
    if answer.status_code == 202:
        drain(stack, "MOTCUA_TRANSITIONS_QUEUE_URL", transition_worker)
    return answer.status_code


def _reads(stack, caller: str, code: str) -> int:
    answer = call(stack, caller, "GET", f"/v1/dossiers/{code}")
    if answer.status_code == 200:
        check_conforms("/v1/dossiers/{code}", "GET", answer)
    return answer.status_code


def _version(stack, code: str) -> int:
    return json.loads(call(stack, "leader", "GET", f"/v1/dossiers/{code}").body)["dossier"][
        "version"
    ]


def _on_worklist(stack, caller: str, code: str) -> bool:
    answer = call(stack, caller, "GET", "/v1/worklist?limit=100")
    return code in [item["code"] for item in json.loads(answer.body)["items"]]


def test_another_agency_reads_and_moves_a_dossier_only_while_it_is_transferred_there(stack):
    # A dossier of A, through the whole pipeline: the counter, then the intake worker.
    body = {**harness.TEMPLATES["counter"], "external_id": "authz-transfer"}
    answer = call(stack, "receiver", "POST", "/v1/dossiers", body)
    drain(stack, "MOTCUA_INTAKE_QUEUE_URL", intake_worker)
    code = json.loads(call(stack, "receiver", "GET", answer.headers["Location"]).body)["code"]
    take_up = {"action": "take_up", "expected_version": 1, "note": "thụ lý"}

    # Not transferred: B can neither read nor move it, by token or by its system.
    assert _reads(stack, "other_agency", code) == 403
    assert call(stack, "other_agency", "POST", f"/v1/dossiers/{code}/actions",
                take_up).status_code == 403  # fmt: skip
    assert _system(stack, code, {"action": "request_fees", "amount_vnd": 1000}) == 403
    assert not _on_worklist(stack, "other_agency", code)

    # A takes it up and transfers it to B's unit.
    assert _act(stack, "specialist", code, take_up) == "applied"
    transfer = {"action": "transfer", "target_agency": TAX, "target_unit": "PHONG_QLTK",
                "expected_version": 2, "note": "chuyển cơ quan thuế"}  # fmt: skip
    assert _act(stack, "specialist", code, transfer) == "applied"

    # B holds it: B reads and moves it (its official asks for the fees, its system confirms
    # them), C still cannot; A still reads it.
    assert _reads(stack, "other_agency", code) == 200
    assert _on_worklist(stack, "other_agency", code)
    assert _reads(stack, "third_agency", code) == 403
    assert _reads(stack, "leader", code) == 200
    fees = {"action": "request_fees", "amount_vnd": 1_500_000, "expected_version": 3,
            "note": "thuế thu nhập cá nhân"}  # fmt: skip
    assert _act(stack, "other_agency", code, fees) == "applied"
    assert _system(stack, code, {"action": "fees_paid", "note": "đã nộp"}) == 202
    assert _version(stack, code) == 5
    assert call(stack, "third_agency", "POST", f"/v1/dossiers/{code}/actions",
                {**fees, "expected_version": 5}).status_code == 403  # fmt: skip
    back = {"action": "transfer_back", "expected_version": 5, "note": "trả lại"}
    assert _act(stack, "other_agency", code, back) == "applied"

    # Handed back: B took part, so it still reads the dossier; it no longer moves it.
    assert _reads(stack, "other_agency", code) == 200
    assert not _on_worklist(stack, "other_agency", code)
    fees_again = {**fees, "expected_version": 6}
    assert _act(stack, "other_agency", code, fees_again) == "not_permitted"
    assert _system(stack, code, {"action": "request_fees", "amount_vnd": 1}) == 202
    assert _version(stack, code) == 6  # the system's request was refused by the worker too
