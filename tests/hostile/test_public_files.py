"""Over the API on moto: the citizen who opened the lookup with the receipt PIN downloads the
electronic result through a short-lived link, and a wrong PIN answers the result route exactly
as it answers the lookup; the links the national portal is given resolve to their own file of
their own dossier, and a forged one to 404. The same rules on the fakes:
tests/unit/test_portal_files.py."""

from __future__ import annotations

import hashlib
import json

import pytest
import requests

from chalicelib import bootstrap
from chalicelib.adapters.aws import client
from chalicelib.adapters.national_portal import MemoryNationalPortal
from chalicelib.domain.files import FileKind, StoredFile, file_id_for
from chalicelib.domain.result_signatures import Problem, SignatureCheck
from chalicelib.services import portal_sync, reading

RESULT_PDF = b"%PDF-1.4\n% the electronic result\n%%EOF\n"
COMPONENT_PDF = b"%PDF-1.4\n% a digitised component\n%%EOF\n"


def _keep(code: str, kind: FileKind, name: str, content: bytes, component=None) -> StoredFile:
    """A file as the files service keeps it once checked: bytes under files/, the record."""
    container = bootstrap.container()
    sha = hashlib.sha256(content).hexdigest()
    unsigned = SignatureCheck.of_file(Problem.NO_SIGNATURE, "no signature")
    stored = StoredFile(code=code, file_id=file_id_for(code, kind, component, sha), kind=kind,
                        component=component, name=name, sha256=sha, size=len(content),
                        content_type="application/pdf", uploaded_by="cb-1",
                        at=container.now(),
                        signature=unsigned if kind is FileKind.RESULT else None)  # fmt: skip
    client("s3").put_object(Bucket=container.settings.files_bucket, Key=stored.key, Body=content)
    return container.file_records.put_file(stored)


@pytest.fixture(scope="module")
def kept(stack):
    result = _keep(stack.code, FileKind.RESULT, "Kết quả.pdf", RESULT_PDF)
    component = _keep(stack.code, FileKind.COMPONENT, "Tờ khai.pdf", COMPONENT_PDF, "1")
    return result, component


@pytest.fixture
def quick(monkeypatch):
    monkeypatch.setattr(reading, "PUBLIC_LOOKUP_SECONDS", 0.01)  # this is not about time


def _wrong(pin: str) -> str:
    return pin[:-1] + ("2" if pin[-1] != "2" else "3")


def test_after_the_lookup_the_citizen_downloads_the_result(stack, kept, quick):
    result, _ = kept
    http, code = stack.client.http, stack.code
    lookup = json.loads(http.get(f"/v1/public/dossiers/{code}?pin={stack.pin}").body)
    assert lookup["electronic_result"] is True
    assert lookup["result_url"] == f"/v1/public/dossiers/{code}/result"
    answer = http.get(f"{lookup['result_url']}?pin={stack.pin}")
    assert answer.status_code == 200, answer.body
    body = json.loads(answer.body)
    [item] = body["items"]  # the result only, not the component
    assert (item["file_id"], item["signature"], body["expires_in"]) == (
        result.file_id,
        "unsigned",
        bootstrap.container().settings.download_link_seconds,
    )
    assert requests.get(item["url"], timeout=10).content == RESULT_PDF


def test_a_wrong_or_missing_pin_answers_the_result_route_as_the_lookup(stack, kept, quick):
    """The same problem as the lookup's (only `instance`, the path asked, differs), and byte
    for byte the answer of an unknown code on the same route."""
    http, code = stack.client.http, stack.code
    unknown = code[:-4] + ("9999" if not code.endswith("9999") else "9998")
    never = http.get(f"/v1/public/dossiers/{unknown}/result?pin={stack.pin}")
    for given in ("", f"?pin={_wrong(stack.pin)}", "?phone_last4=0000"):
        lookup = http.get(f"/v1/public/dossiers/{code}{given}")
        result = http.get(f"/v1/public/dossiers/{code}/result{given}")
        assert lookup.status_code == result.status_code == 404, given
        assert result.headers["Content-Type"] == "application/problem+json"
        as_lookup = json.loads(lookup.body)
        as_result = json.loads(result.body)
        assert as_result["instance"] == as_lookup["instance"] + "/result"
        assert {**as_result, "instance": ""} == {**as_lookup, "instance": ""}, given
        assert result.body.replace(code.encode(), unknown.encode()) == never.body, given


def test_the_portal_is_given_links_that_open_their_own_file(stack, kept):
    result, component = kept
    container = bootstrap.container()
    portal = MemoryNationalPortal()
    deps = portal_sync.PortalSyncDeps(store=container.store, log=container.portal_sync_log,
                                      portal=portal, catalog=container.catalog,
                                      agencies=container.agencies, files=container.file_records,
                                      links=container.file_links)  # fmt: skip
    portal_sync.sync(stack.code, deps, container.now())
    held = portal.dossiers[stack.code]
    [document] = held["TaiLieuNop"]
    [issued] = held["DanhSachGiayToKetQua"]
    assert (document["TepDinhKemId"], issued["GiayToId"]) == (component.file_id, result.file_id)
    base = container.settings.public_base_url
    for url, content in ((document["DuongDanTaiTepTin"], COMPONENT_PDF),
                         (issued["DuongDanTepTinKetQua"], RESULT_PDF)):  # fmt: skip
        path = url.removeprefix(base)
        assert path.startswith("/v1/public/files/")
        answer = stack.client.http.get(path)  # the portal follows it: no credentials
        assert answer.status_code == 302, answer.body
        location = answer.headers["Location"]
        assert json.loads(answer.body)["url"] == location
        assert requests.get(location, timeout=10).content == content


def test_a_forged_or_borrowed_link_is_404(stack, kept):
    result, _ = kept
    links = bootstrap.container().file_links
    token = links.token(stack.code, result.file_id)
    other = stack.code[:-4] + ("9999" if not stack.code.endswith("9999") else "9998")
    for forged in (
        token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
        links.token(other, result.file_id),  # a real MAC, for a dossier without that file
        "not-a-token",
    ):
        answer = stack.client.http.get(f"/v1/public/files/{forged}")
        assert answer.status_code == 404, forged
        assert answer.headers["Content-Type"] == "application/problem+json"
