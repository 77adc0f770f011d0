"""Issue 17 end to end on the local stack: a dossier's papers as files, through HTTP only.

A birth registration received at a ward's counter; its two required components uploaded through
presigned POSTs to the bucket (moto) and recorded; Mẫu 01 printed and its text read back; the
leader resolves with a signed result PDF (verified valid), while a second dossier's result,
modified after signing, is refused and says so; the citizen opens the lookup with the PIN and
downloads the result; the second dossier takes the first one's stored paper instead of an
upload; and QĐ 766 4.1, 4.2 and 4.3 of the ward count what the files make of both.

The stack trusts the test's own certificate authority (tests/fixtures/signing.py), as a
province's would trust the Vietnamese government CA roots.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import unicodedata
import uuid
from datetime import datetime
from typing import Any

import pytest
import requests
from pypdf import PdfReader

from chalicelib import bootstrap
from chalicelib.domain.calendar import LOCAL_TZ
from chalicelib.services.pins import ALPHABET
from chalicelib.services.result_signatures import TrustList
from devstack import demo
from devstack.client import Official, new_id
from devstack.stack import LocalStack
from tests.fixtures.signing import modify_after_signing, plain_pdf, shared_identity, sign_pdf

pytestmark = pytest.mark.e2e

APPLICANT = {"name": "Võ Thị Hồng Nhung", "kind": 1, "id_number": "075191004321",
             "phone": "0987654321", "email": "nhung.vo@example.vn"}  # fmt: skip
DECLARATION = plain_pdf("TO KHAI DANG KY KHAI SINH")
BIRTH_CERTIFICATE_OF_HOSPITAL = plain_pdf("GIAY CHUNG SINH")


@pytest.fixture(scope="module")
def stack():
    with LocalStack(port=0, moto_port=0, prefix=f"doc{uuid.uuid4().hex[:6]}-") as running:
        container = bootstrap.container()
        # What an operator's trust list would hold: the (test) authority's root.
        container.__dict__["signature_trust"] = TrustList.from_pem(shared_identity().root_pem)
        yield running


@pytest.fixture(scope="module")
def cast(stack):
    return demo.Cast.local(stack.base_url)


def receive_at_counter(receiver: Official, summary: str) -> dict[str, Any]:
    receipt = receiver.receive({
        "external_id": f"quay-{new_id()}",
        "procedure_code": "1.001193",
        "channel": 1,
        "applicant": APPLICANT,
        "resolving_agency": demo.WARD,
        "submitted_at": datetime.now(LOCAL_TZ).replace(microsecond=0).isoformat(),
        "awaiting_counter_check": False,
        "summary": summary,
        "documents": [{"name": "Tờ khai đăng ký khai sinh"}, {"name": "Giấy chứng sinh"}],
    })  # fmt: skip
    assert receipt["status"] == "accepted", receipt
    return receipt


def post(official: Official, path: str, body: dict[str, Any]):
    raw = json.dumps(body, ensure_ascii=False).encode()
    return official.api.call("POST", path, body=raw, headers=official.headers())


def upload(official: Official, code: str, data: bytes, name: str, *,
           component: str | None = None):  # fmt: skip
    """Ask for a presigned POST, send the bytes straight to the bucket, record the upload."""
    asked = {"kind": "result" if component is None else "component", "content_type":
             "application/pdf", "size": len(data), "name": name}  # fmt: skip
    if component is not None:
        asked["component"] = component
    ticket = official.api.expect(post(official, f"/v1/dossiers/{code}/uploads", asked), 201)
    assert ticket["url"].startswith("http://127.0.0.1:")  # the bucket, not the API
    sent = requests.post(ticket["url"], data=ticket["fields"],
                         files={"file": (name, data, "application/pdf")}, timeout=20)  # fmt: skip
    assert sent.status_code == 204, sent.text
    return post(official, f"/v1/dossiers/{code}/files", {"upload_id": ticket["upload_id"]})


def other_pin(pin: str) -> str:
    """A PIN of the right shape that is not `pin`."""
    letters = pin.replace("-", "")
    swapped = next(c for c in ALPHABET if c != letters[0])
    return swapped + letters[1:]


def text_of(pdf: bytes) -> str:
    raw = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", raw))


def applied(result: dict[str, Any]) -> dict[str, Any]:
    assert result["status"] == "applied", result
    return result


@pytest.fixture(scope="module")
def lives(stack, cast):
    """Both dossiers' lives; what each step answered, for the tests to look at."""
    o = cast.officials
    seen: dict[str, Any] = {}
    first = receive_at_counter(o["ward_receiver"], "Đăng ký khai sinh cho con Võ Minh An")
    code = seen["code"] = first["code"]
    seen["receipt"] = first
    for component, data, name in (
        ("1", DECLARATION, "to-khai.pdf"),
        ("2", BIRTH_CERTIFICATE_OF_HOSPITAL, "giay-chung-sinh.pdf"),
    ):
        recorded = upload(o["ward_receiver"], code, data, name, component=component)
        assert recorded.status == 201, recorded.body
        seen.setdefault("components", []).append(recorded.body)
    form = o["ward_receiver"].get(f"/v1/dossiers/{code}/forms/01?receipt_id={first['receipt_id']}")
    assert form.status == 200, form.body
    seen["mau01"] = requests.get(form.body["url"], timeout=20).content
    seen["mau01_sha"] = form.body["sha256"]
    seen["dossier_at_receipt"] = o["ward_receiver"].dossier(code)["dossier"]

    applied(o["ward_specialist"].act(code, "take_up"))
    applied(o["ward_specialist"].act(code, "forward", note="Trình ký"))
    signed = seen["signed"] = sign_pdf(plain_pdf("GIAY KHAI SINH - VO MINH AN"), shared_identity())
    result = upload(o["ward_leader"], code, signed, "giay-khai-sinh.pdf")
    assert result.status == 201, result.body
    seen["result"] = result.body
    applied(o["ward_leader"].act(code, "resolve", electronic_result=True))
    applied(o["ward_receiver"].act(code, "return_result"))

    lookup = cast.api.call("GET", f"/v1/public/dossiers/{code}?pin={first['pin']}")
    seen["lookup"] = lookup
    download = cast.api.call("GET", f"/v1/public/dossiers/{code}/result?pin={first['pin']}")
    seen["download"] = download
    items = download.body["items"] if download.status == 200 else []
    seen["downloaded"] = [requests.get(i["url"], timeout=20).content for i in items]
    seen["wrong_pin"] = cast.api.call(
        "GET", f"/v1/public/dossiers/{code}/result?pin={other_pin(first['pin'])}"
    )

    # The same citizen's second child: the declaration is taken from the first dossier's
    # stored files, not scanned again; its result, altered after signing, is refused.
    second = receive_at_counter(o["ward_receiver"], "Đăng ký khai sinh cho con Võ Minh Châu")
    other = seen["second"] = second["code"]
    reusable = o["ward_receiver"].get(f"/v1/dossiers/{other}/reusable-documents")
    assert reusable.status == 200, reusable.body
    seen["reusable"] = reusable.body["items"]
    declaration = next(d for d in seen["reusable"] if d["document"] == "1")
    take = {"component": "1", "source_file_id": declaration["file_id"]}
    seen["reused"] = post(o["ward_receiver"], f"/v1/dossiers/{other}/reuses", take)
    seen["reused_again"] = post(o["ward_receiver"], f"/v1/dossiers/{other}/reuses", take)
    applied(o["ward_specialist"].act(other, "take_up"))
    applied(o["ward_specialist"].act(other, "forward", note="Trình ký"))
    altered = modify_after_signing(sign_pdf(plain_pdf("GIAY KHAI SINH - VO MINH CHAU"),
                                            shared_identity()))  # fmt: skip
    seen["altered"] = upload(o["ward_leader"], other, altered, "giay-khai-sinh-2.pdf")
    version = o["ward_leader"].dossier(other)["dossier"]["version"]
    seen["claimed_without_file"] = post(o["ward_leader"], f"/v1/dossiers/{other}/actions", {
        "action": "resolve", "expected_version": version, "electronic_result": True})  # fmt: skip
    seen["files_of_second"] = o["ward_leader"].get(f"/v1/dossiers/{other}/files").body
    stack.drain()
    month = datetime.now(LOCAL_TZ).strftime("%Y-%m")
    report = o["ward_leader"].get(f"/v1/reports/766?agency={demo.WARD}&from={month}&to={month}")
    assert report.status == 200, report.body
    seen["report"] = report.body
    return seen


def test_components_go_to_the_bucket_and_are_recorded_with_their_hash(lives):
    recorded = lives["components"]
    assert [f["component"] for f in recorded] == ["1", "2"]
    assert [f["sha256"] for f in recorded] == [
        hashlib.sha256(DECLARATION).hexdigest(),
        hashlib.sha256(BIRTH_CERTIFICATE_OF_HOSPITAL).hexdigest(),
    ]
    assert all(f["pages"] == 1 and f["content_type"] == "application/pdf" for f in recorded)


def test_the_receipt_slip_carries_the_code_the_appointment_and_the_pin(lives):
    pdf = lives["mau01"]
    assert hashlib.sha256(pdf).hexdigest() == lives["mau01_sha"]
    text = text_of(pdf)
    due = datetime.fromisoformat(lives["dossier_at_receipt"]["due_at"]).astimezone(LOCAL_TZ)
    assert "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in text
    assert lives["code"] in text
    assert f"{due:%d/%m/%Y}" in text
    assert lives["receipt"]["pin"] in text
    assert "Võ Thị Hồng Nhung" in text  # Vietnamese as written, every mark in place
    assert "Giấy chứng sinh" in text


def test_the_signed_result_is_verified_valid_and_shown_so(lives):
    signature = lives["result"]["signature"]
    assert signature["status"] == "valid", signature
    assert lives["result"]["kind"] == "result"


def test_a_result_modified_after_signing_is_refused_and_says_why(lives):
    altered = lives["altered"]
    assert altered.status == 400
    assert altered.headers["Content-Type"].startswith("application/problem+json")
    issue = next(e for e in altered.body["errors"] if e["field"] == "file")
    assert "invalid" in issue["reason"] and "modified after signing" in issue["reason"], issue
    assert issue["message"] == "Tài liệu đã bị sửa sau khi ký"  # what the official reads
    # Nothing kept: the dossier has no result file, so it cannot claim an electronic result.
    files = lives["files_of_second"]["items"]
    assert [f for f in files if f["kind"] == "result"] == []
    claimed = lives["claimed_without_file"]
    assert claimed.status == 400, claimed.body
    assert [e["field"] for e in claimed.body["errors"]] == ["electronic_result"]


def test_the_citizen_downloads_the_signed_result_after_the_lookup(lives):
    assert lives["lookup"].status == 200, lives["lookup"].body
    assert lives["download"].status == 200, lives["download"].body
    assert lives["downloaded"] == [lives["signed"]]
    assert lives["wrong_pin"].status == 404


def test_the_second_dossier_takes_the_stored_declaration_once(lives):
    kinds = {d["document"] for d in lives["reusable"]}
    assert {"1", "2", "result:1.001193"} <= kinds
    assert lives["reused"].status == 201, lives["reused"].body
    assert lives["reused_again"].status == 200
    assert lives["reused"].body["sha256"] == hashlib.sha256(DECLARATION).hexdigest()


def test_qd766_4_1_to_4_3_come_from_the_files(lives):
    counts, indicators = lives["report"]["counts"], lives["report"]["indicators"]
    # Two dossiers received; the first digitised (both components) with its signed result;
    # the second reused one paper and has no result yet.
    assert (counts["received_ch1"], counts["resolved"]) == (2, 1)
    assert counts["electronic_result"] == 1
    assert counts["digitised"] == 1
    assert counts["reused_dossiers"] == 1
    assert indicators["4.1"]["value"] == 100
    assert indicators["4.2"]["value"] == 50
    assert indicators["4.3"]["value"] == 50
