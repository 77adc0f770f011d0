"""The forms over HTTP (issue 17, items 4 and 5), through the Chalice test client on moto: a
link to a dossier's form gives the PDF kept in the files bucket; the same revision is never
rendered twice, a change renders it again under a new key; another agency's official is
refused as for the dossier's reads; every link is audited, and without the audit no link.
The agency's tracking book (Mẫu 07) likewise, for its leaders and admins."""

from __future__ import annotations

import hashlib
import io
import json
from datetime import datetime, timedelta

import boto3
import pytest
import requests

from app import intake_worker, transition_worker
from chalicelib import bootstrap
from chalicelib.domain.calendar import LOCAL_TZ
from chalicelib.services import form_files
from tests.hostile import harness
from tests.hostile.conftest import audit_down, drain, running_stack
from tests.hostile.test_authorization_matrix import call

ROUTE = "GET /v1/dossiers/{code}/forms/{form}"
BOOK_ROUTE = "GET /v1/agencies/{agency}/tracking-book"


@pytest.fixture(scope="module")
def stack():
    with running_stack() as running:
        yield running


@pytest.fixture
def renders(monkeypatch) -> list[str]:
    """The forms rendered (the service's calls of the renderer's entry), by form."""
    made: list[str] = []
    real = form_files.render_form

    def counted(code, form, deps, **kw):
        made.append(form.value)
        return real(code, form, deps, **kw)

    monkeypatch.setattr(form_files, "render_form", counted)
    return made


def _text(pdf: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def _link(stack, caller: str, path: str) -> dict:
    answer = call(stack, caller, "GET", path)
    assert answer.status_code == 200, answer.body
    return json.loads(answer.body)


def _fetched(link: dict) -> bytes:
    answer = requests.get(link["url"])
    assert answer.status_code == 200
    assert hashlib.sha256(answer.content).hexdigest() == link["sha256"]
    return answer.content


def _form_keys(code: str, form: str) -> list[str]:
    bucket = bootstrap.container().settings.files_bucket
    listed = boto3.client("s3").list_object_versions(Bucket=bucket, Prefix=f"forms/{code}/{form}/")
    return [v["Key"] for v in listed.get("Versions", [])]


def _reads(code: str) -> list:
    now = datetime.now(LOCAL_TZ)
    audit = bootstrap.container().read_audit
    return audit.reads(now - timedelta(hours=1), now + timedelta(hours=1), code=code)


def test_a_form_is_kept_once_per_revision_and_rendered_again_after_a_change(stack, renders):
    code = stack.code
    first = _link(stack, "receiver", f"/v1/dossiers/{code}/forms/06")
    pdf = _fetched(first)
    assert pdf.startswith(b"%PDF") and code in _text(pdf)
    assert "PHIẾU KIỂM SOÁT" in _text(pdf).upper()
    again = _link(stack, "specialist", f"/v1/dossiers/{code}/forms/6")
    assert (again["sha256"], again["source"]) == (first["sha256"], first["source"])
    assert again["rendered_at"] == first["rendered_at"]
    assert renders == ["06"]  # the second link gave the kept file
    assert _form_keys(code, "06") == [f"forms/{code}/06/{first['source']}.pdf"]

    action = {"action": "take_up", "expected_version": 1, "note": "thụ lý"}
    queued = call(stack, "specialist", "POST", f"/v1/dossiers/{code}/actions", action)
    assert queued.status_code == 202, queued.body
    drain(stack, "MOTCUA_TRANSITIONS_QUEUE_URL", transition_worker)
    command = json.loads(call(stack, "specialist", "GET", queued.headers["Location"]).body)
    assert command["status"] == "applied", command

    changed = _link(stack, "receiver", f"/v1/dossiers/{code}/forms/06")
    assert int(changed["source"]) > int(first["source"])
    assert renders == ["06", "06"]
    assert sorted(_form_keys(code, "06")) == sorted(
        f"forms/{code}/06/{link['source']}.pdf" for link in (first, changed)
    )
    assert code in _text(_fetched(changed))


def test_another_agency_gets_no_form_and_its_refusal_renders_nothing(stack, renders):
    answer = call(stack, "other_agency", "GET", f"/v1/dossiers/{stack.code}/forms/06")
    assert answer.status_code == 403
    assert renders == []


def test_a_bad_form_or_one_the_dossier_has_not_come_to_is_refused(stack):
    for form, status in (("08", 400), ("07", 400), ("03", 404)):
        answer = call(stack, "receiver", "GET", f"/v1/dossiers/{stack.code}/forms/{form}")
        assert answer.status_code == status, (form, answer.body)
        assert json.loads(answer.body)["status"] == status


def test_every_link_is_audited_and_without_the_audit_there_is_none(stack):
    before = len(_reads(stack.code))
    _link(stack, "leader", f"/v1/dossiers/{stack.code}/forms/06")
    reads = _reads(stack.code)
    assert len(reads) == before + 1 and reads[-1].route == ROUTE
    assert reads[-1].actor_id == "ld-1"

    with audit_down():
        answer = call(stack, "receiver", "GET", f"/v1/dossiers/{stack.code}/forms/06")
    assert answer.status_code == 503
    assert json.loads(answer.body)["errors"][0]["field"] == "audit"
    assert b"url" not in answer.body


def test_the_counters_receipt_prints_its_pin_on_mau_01(stack):
    body = {**harness.TEMPLATES["counter"], "external_id": "forms-counter"}
    answer = call(stack, "receiver", "POST", "/v1/dossiers", body)
    assert answer.status_code == 202, answer.body
    drain(stack, "MOTCUA_INTAKE_QUEUE_URL", intake_worker)
    receipt = json.loads(call(stack, "receiver", "GET", answer.headers["Location"]).body)
    code, receipt_id = receipt["code"], receipt["receipt_id"]

    plain = _text(_fetched(_link(stack, "receiver", f"/v1/dossiers/{code}/forms/01")))
    assert code in plain and receipt["pin"] not in plain
    path = f"/v1/dossiers/{code}/forms/01?receipt_id={receipt_id}"
    printed = _link(stack, "receiver", path)
    assert receipt["pin"] in _text(_fetched(printed))
    # Kept apart, where the lifecycle removes it after a day (services/form_files.py).
    assert f"/forms-pin/{code}/01/" in printed["url"].split("?")[0]
    # Another counter's official names the receipt: not its receipt, no PIN.
    other = call(stack, "other_agency", "GET", path)
    assert other.status_code in (403, 404)
    foreign = call(stack, "receiver", "GET", f"/v1/dossiers/{stack.code}/forms/01?"
                   f"receipt_id={receipt_id}")  # fmt: skip
    assert foreign.status_code == 404
    assert json.loads(foreign.body)["errors"][0]["field"] == "receipt_id"


def test_the_tracking_book_for_the_agencys_leaders_and_admins(stack):
    seeded = bootstrap.container().store.get(stack.code)
    assert seeded is not None
    first = (seeded.received_at or seeded.submitted_at).astimezone(LOCAL_TZ).date()
    path = f"/v1/agencies/{harness.WARD}/tracking-book?from={first}&to={first + timedelta(days=9)}"
    before = len(_reads(stack.code))
    book = _link(stack, "leader", path)
    assert stack.code in "".join(_text(_fetched(book)).split())  # a narrow column wraps it
    assert len(_reads(stack.code)) == before + 1
    assert _reads(stack.code)[-1].route == BOOK_ROUTE
    again = _link(stack, "admin", path)  # nothing changed: the book kept is handed out
    assert (again["sha256"], again["rendered_at"]) == (book["sha256"], book["rendered_at"])
    sheet = _link(stack, "admin", path + "&format=csv")
    assert stack.code in _fetched(sheet).decode("utf-8")
    for caller in ("receiver", "specialist", "other_agency"):
        assert call(stack, caller, "GET", path).status_code == 403, caller
    bad = call(stack, "leader", "GET", f"/v1/agencies/{harness.WARD}/tracking-book?from={first}"
               f"&to={first - timedelta(days=1)}")  # fmt: skip
    assert bad.status_code == 400 and json.loads(bad.body)["errors"][0]["field"] == "to"
    wrong = call(
        stack, "leader", "GET", "/v1/agencies/x/tracking-book?from=2026-01-01&to=2026-01-02"
    )
    assert wrong.status_code == 400 and json.loads(wrong.body)["errors"][0]["field"] == "agency"
