"""The files service over the fakes: ask, upload, record, list, download; and the bad corpus,
each refused naming `file` with nothing stored. tests/integration/test_files_on_moto.py runs
the same scenarios over S3 and DynamoDB (moto)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import pytest

from chalicelib.adapters.file_records import MemoryFileRecords
from chalicelib.adapters.file_store import MemoryFileStore
from chalicelib.adapters.memory_store import MemoryStore
from chalicelib.domain.procedures import Catalog
from chalicelib.domain.statuses import Role
from chalicelib.http.file_models import UploadRequest
from chalicelib.ports.files import UploadForm
from chalicelib.services import files
from chalicelib.services.errors import Conflict, Forbidden, Invalid, NotFound
from tests.unit import bad_files
from tests.unit.bad_files import LIMITS
from tests.unit.builders import OTHER, RECEIVER, SPECIALIST, at, land_procedure, official

CODE = "000.00.32.H19-260105-0001"
NOW = at(2026, 1, 5, 10)
PROCEDURE = land_procedure(components=[
    {"code": "DON", "name": "Đơn đăng ký"},
    {"name": "Giấy ủy quyền", "required": False},
])  # fmt: skip
CORPUS = bad_files.corpus()


@dataclass
class World:
    deps: files.FileDeps
    post: Any  # (form, content) -> status, as the official's browser
    put_raw: Any  # (key, content): bytes that bypassed the form (a store that let them in)
    fetch: Any  # url -> bytes | None

    def ask(self, content_type="application/pdf", size=1000, component="DON", kind="component",
            name="Đơn.pdf", actor=RECEIVER):  # fmt: skip
        asked = UploadRequest(kind=kind, component=component, content_type=content_type,
                              size=size, name=name)  # fmt: skip
        return files.request_upload(CODE, asked, actor, self.deps, now=NOW)

    def upload(self, content: bytes, **asked: Any):
        ticket = self.ask(size=max(len(content), 1), **asked)
        form = _form(ticket)
        assert self.post(form, content) in (200, 201, 204)
        return ticket

    def record(self, upload_id: str, actor=RECEIVER):
        return files.record_upload(CODE, upload_id, actor, self.deps, now=NOW)

    def nothing_kept(self) -> bool:
        blobs = self.deps.blobs
        return blobs.keys(f"files/{CODE}/") == [] and self.deps.records.files(CODE) == []


def _form(ticket):
    return UploadForm(ticket["url"], ticket["fields"], ticket["expires_in"])


def dossiers(calendar) -> MemoryStore:
    from tests.unit.builders import stored_dossier

    return stored_dossier(MemoryStore(), PROCEDURE, calendar, at(2026, 1, 5, 9), code=CODE)


def deps_over(calendar, blobs, records) -> files.FileDeps:
    return files.FileDeps(dossiers=dossiers(calendar), catalog=Catalog([PROCEDURE]), blobs=blobs,
                          records=records, limits=LIMITS)  # fmt: skip


@pytest.fixture
def world(calendar) -> World:
    blobs = MemoryFileStore()

    def put_raw(key, content):
        blobs.objects[key] = (content, "application/octet-stream")

    return World(deps_over(calendar, blobs, MemoryFileRecords()), blobs.receive, put_raw,
                 blobs.fetch)  # fmt: skip


# -- the scenarios (tests/integration/test_files_on_moto.py runs them on moto) ------------------
def a_good_file_is_recorded_once_and_listed(world: World) -> None:
    content = bad_files.pdf(2)
    ticket = world.upload(content)
    stored, created = world.record(ticket["upload_id"])
    assert created and (stored.pages, stored.size, stored.component) == (2, len(content), "DON")
    assert world.deps.blobs.keys(f"uploads/{CODE}/") == []  # moved, not left behind
    assert world.deps.blobs.keys(f"files/{CODE}/") == [f"files/{CODE}/{stored.sha256}"]
    assert world.record(ticket["upload_id"]) == (stored, False)  # the same upload again
    again = world.upload(content)  # the same bytes as the same component
    assert world.record(again["upload_id"]) == (stored, False)
    listed = files.list_files(CODE, SPECIALIST, world.deps)
    assert [f["file_id"] for f in listed["items"]] == [stored.file_id]
    assert listed["components_missing"] == [] and listed["digitised"] is True
    assert listed["electronic_result"] is False


def each_bad_file_is_refused_and_nothing_is_kept(world: World) -> None:
    for bad in CORPUS:
        ticket = world.ask(content_type=bad.declared, size=min(max(len(bad.content), 1),
                                                                LIMITS.max_bytes))  # fmt: skip
        key = f"uploads/{CODE}/{ticket['upload_id']}"
        world.put_raw(key, bad.content)  # as if the form had let anything in
        with pytest.raises(Invalid) as refused:
            world.record(ticket["upload_id"])
        (issue,) = refused.value.errors
        assert (issue.field, bad.reason in issue.reason) == ("file", True), (bad.name, issue)
        assert not world.deps.blobs.exists(key), bad.name
        assert world.nothing_kept(), bad.name


def a_download_link_is_given_once_the_read_is_recorded(world: World) -> None:
    content = bad_files.pdf(1)
    stored, _ = world.record(world.upload(content)["upload_id"])
    released: list[str] = []
    link = files.download_link(CODE, stored.file_id, SPECIALIST, world.deps,
                               on_release=lambda f: released.append(f.file_id))  # fmt: skip
    assert released == [stored.file_id]
    assert world.fetch(link["url"]) == content

    def audit_down(_):
        raise RuntimeError("audit unavailable")

    with pytest.raises(RuntimeError):
        files.download_link(CODE, stored.file_id, SPECIALIST, world.deps, on_release=audit_down)
    with pytest.raises(NotFound):
        files.download_link(CODE, "0" * 32, SPECIALIST, world.deps, on_release=released.append)


SCENARIOS = [
    a_good_file_is_recorded_once_and_listed,
    each_bad_file_is_refused_and_nothing_is_kept,
    a_download_link_is_given_once_the_read_is_recorded,
]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.__name__ for s in SCENARIOS])
def test_scenario_over_the_fakes(world, scenario):
    scenario(world)


# -- the fakes only -----------------------------------------------------------------------------
def test_an_upload_asked_is_checked_before_any_form_is_signed(world):
    cases = {
        "component": dict(component="NOPE"),
        "content_type": dict(content_type="image/gif"),
        "size": dict(size=LIMITS.max_bytes + 1),
    }
    for field, asked in cases.items():
        with pytest.raises(Invalid) as refused:
            world.ask(**asked)
        assert [e.field for e in refused.value.errors] == [field]
    with pytest.raises(Invalid, match="component"):
        world.ask(kind="result", component="DON")
    assert world.deps.records.uploads == {}


def test_the_form_lets_in_only_what_was_asked(world):
    form = _form(world.ask(size=10))
    assert world.post(form, b"x" * 11) == 400
    other_type = UploadForm(form.url, {**form.fields, "Content-Type": "text/html"}, 600)
    assert world.post(other_type, b"x") == 403
    assert world.post(form, b"%PDF-" + b"x" * 5) == 204


def test_another_agency_neither_uploads_nor_reads(world):
    stranger = official(Role.RECEIVER, "MOT_CUA", agency=OTHER)
    with pytest.raises(Forbidden):
        world.ask(actor=stranger)
    with pytest.raises(Forbidden):
        files.list_files(CODE, stranger, world.deps)


def test_recording_before_the_bytes_arrive_is_a_conflict_and_an_unknown_upload_404(world):
    ticket = world.ask()
    with pytest.raises(Conflict):
        world.record(ticket["upload_id"])
    with pytest.raises(NotFound):
        world.record("0" * 32)


def verifying(world: World) -> World:
    """The world with result signatures checked against the test CA's root."""
    from chalicelib.services.result_signatures import TrustList, verify_result
    from tests.fixtures import signing

    trust = TrustList.from_pem(signing.shared_identity().root_pem)
    deps = dataclasses.replace(
        world.deps, verify_signature=lambda pdf: verify_result(pdf, trust, now=SIGNED_CHECKED_AT)
    )
    return dataclasses.replace(world, deps=deps)


SIGNED_CHECKED_AT = at(2030, 1, 1, 9)  # inside the test certificates' validity


def test_a_signed_result_file_makes_the_result_electronic(world):
    from tests.fixtures import signing

    world = verifying(world)
    world.record(world.upload(bad_files.pdf(1))["upload_id"])
    signed = signing.sign_pdf(signing.plain_pdf(), signing.shared_identity())
    result = world.upload(signed, kind="result", component=None, name="Kết quả.pdf")
    stored, _ = world.record(result["upload_id"])
    assert stored.kind == "result" and stored.component is None
    assert stored.signature is not None and stored.signature.status == "valid"
    listed = files.list_files(CODE, RECEIVER, world.deps)
    assert listed["electronic_result"] is True and listed["digitised"] is True


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("unsigned", "Kết quả điện tử phải có chữ ký số của cơ quan giải quyết"),
        ("modified", "Tài liệu đã bị sửa sau khi ký"),
    ],
)
def test_a_result_the_procedure_cannot_take_is_refused_and_nothing_kept(world, content, message):
    from tests.fixtures import signing

    world = verifying(world)
    signed = signing.sign_pdf(signing.plain_pdf(), signing.shared_identity())
    data = (
        signed
        if content == "signed"
        else (
            signing.plain_pdf() if content == "unsigned" else signing.modify_after_signing(signed)
        )
    )
    upload = world.upload(data, kind="result", component=None, name="Kết quả.pdf")
    with pytest.raises(Invalid) as refused:
        world.record(upload["upload_id"])
    [issue] = refused.value.errors
    assert issue.field == "file" and message in issue.message
    listed = files.list_files(CODE, RECEIVER, world.deps)
    assert listed["items"] == [] and listed["electronic_result"] is False


def test_digitised_needs_every_required_component_and_the_result_once_resolved():
    from chalicelib.domain.files import FileKind, StoredFile, digitised, electronic_result

    def kept(kind, component, sha):
        return StoredFile(code=CODE, file_id=sha[:32], kind=kind, component=component,
                          name="x.pdf", sha256=sha, size=1, content_type="application/pdf",
                          uploaded_by="u", at=NOW)  # fmt: skip

    optional_only = [kept(FileKind.COMPONENT, "2", "1" * 64)]
    assert not digitised(optional_only, PROCEDURE, resolved=False)
    required = [*optional_only, kept(FileKind.COMPONENT, "DON", "2" * 64)]
    assert digitised(required, PROCEDURE, resolved=False)
    assert not digitised(required, PROCEDURE, resolved=True)  # the result is missing
    with_result = [*required, kept(FileKind.RESULT, None, "3" * 64)]
    assert digitised(with_result, PROCEDURE, resolved=True)
    assert electronic_result(with_result) and not electronic_result(required)
