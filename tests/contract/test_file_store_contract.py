"""The file store (S3 on moto, and the fake) and the file records (DynamoDB on moto, and the
fake), held to the same promises.

What moto cannot show: it does not enforce a presigned POST's policy. Both stores must put the
same conditions in the policy they sign (this key, this type, 1 to N bytes, an expiry), which
S3 enforces; the fake enforces them itself (`MemoryFileStore.receive`, tested in
tests/unit/test_files_service.py).
"""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import pytest
import requests

from chalicelib.adapters.file_records import DynamoFileRecords, MemoryFileRecords
from chalicelib.adapters.file_store import MemoryFileStore, S3FileStore
from chalicelib.domain.files import FileKind, PendingUpload, StoredFile, file_id_for
from chalicelib.ports.files import FileTooLarge, UploadForm
from tests.unit.builders import at

CODE = "000.00.41.H19-260302-0001"
OTHER = "000.00.41.H19-260302-0002"
T0 = at(2026, 3, 2, 9)
PDF_TYPE = "application/pdf"


@pytest.fixture(params=["memory", "s3"])
def store(request):
    if request.param == "memory":
        return MemoryFileStore()
    return S3FileStore(request.getfixturevalue("files_bucket"))


@pytest.fixture(params=["memory", "dynamo"])
def records(request):
    if request.param == "memory":
        return MemoryFileRecords()
    return DynamoFileRecords(request.getfixturevalue("table"))


def post(store, form: UploadForm, content: bytes) -> int:
    """The official's browser: a multipart POST of every field, then the file."""
    if isinstance(store, MemoryFileStore):
        return store.receive(form, content)
    kind = form.fields["Content-Type"]
    answer = requests.post(form.url, data=form.fields, files={"file": ("f", content, kind)})
    return answer.status_code


def fetch(store, url: str) -> bytes | None:
    if isinstance(store, MemoryFileStore):
        return store.fetch(url)
    answer = requests.get(url)
    return answer.content if answer.status_code == 200 else None


def policy(form: UploadForm) -> dict:
    return json.loads(base64.b64decode(form.fields["policy"]))


# -- the store ----------------------------------------------------------------------------------
def test_an_upload_form_binds_the_key_the_type_and_the_size(store):
    key = f"uploads/{CODE}/{'a' * 32}"
    form = store.upload_form(key, content_type=PDF_TYPE, max_bytes=1234, expires_in=600)
    assert form.fields["key"] == key
    assert form.fields["Content-Type"] == PDF_TYPE
    assert form.expires_in == 600
    conditions = policy(form)["conditions"]
    assert ["content-length-range", 1, 1234] in conditions
    assert {"Content-Type": PDF_TYPE} in conditions
    assert {"key": key} in conditions or {"bucket": getattr(store, "bucket", None)} in conditions
    assert policy(form)["expiration"].endswith("Z")


def test_a_pages_upload_form_signs_the_way_back_to_the_page(store):
    """A page's form is posted by the browser itself: the store sends it back to `redirect`
    (S3's success_action_redirect), a field S3 takes only when the policy names it."""
    key = f"uploads/{CODE}/{'9' * 32}"
    back = "https://mc.example/quay/ho-so/x/tep/" + "9" * 32
    form = store.upload_form(key, content_type=PDF_TYPE, max_bytes=100, expires_in=600,
                             redirect=back)  # fmt: skip
    assert form.fields["success_action_redirect"] == back
    assert {"success_action_redirect": back} in policy(form)["conditions"]
    plain = store.upload_form(key, content_type=PDF_TYPE, max_bytes=100, expires_in=600)
    assert "success_action_redirect" not in plain.fields


def test_uploaded_bytes_read_back_bounded_copied_listed_and_deleted(store):
    key = f"uploads/{CODE}/{'b' * 32}"
    content = b"%PDF-1.7 some bytes"
    form = store.upload_form(key, content_type=PDF_TYPE, max_bytes=100, expires_in=600)
    assert post(store, form, content) in (200, 201, 204)
    assert store.exists(key)
    assert store.read(key, max_bytes=100) == content
    with pytest.raises(FileTooLarge):
        store.read(key, max_bytes=len(content) - 1)
    assert store.read(f"uploads/{CODE}/{'c' * 32}", max_bytes=100) is None
    target = f"files/{CODE}/{'d' * 64}"
    store.copy(key, target)
    store.delete(key)
    store.delete(key)  # gone already: fine
    assert not store.exists(key)
    assert store.read(target, max_bytes=100) == content
    assert store.keys(f"files/{CODE}/") == [target]
    assert store.keys(f"files/{OTHER}/") == []


def test_a_download_link_gives_the_bytes(store):
    key = f"files/{CODE}/{'e' * 64}"
    form = store.upload_form(key, content_type=PDF_TYPE, max_bytes=100, expires_in=600)
    post(store, form, b"%PDF-1.7 kept")
    url = store.download_url(key, expires_in=60, filename="Tờ khai.pdf", content_type=PDF_TYPE)
    assert key.split("/")[-1] in url
    assert fetch(store, url) == b"%PDF-1.7 kept"


def test_what_the_system_makes_is_put_replaced_and_handed_out(store):
    key = f"forms/{CODE}/01/3.pdf"
    store.put(key, b"%PDF-1.7 first", content_type=PDF_TYPE)
    store.put(key, b"%PDF-1.7 second", content_type=PDF_TYPE)
    assert store.exists(key) and store.read(key, max_bytes=100) == b"%PDF-1.7 second"
    url = store.download_url(key, expires_in=60, filename="Mẫu 01.pdf", content_type=PDF_TYPE)
    assert fetch(store, url) == b"%PDF-1.7 second"
    assert store.keys(f"forms/{CODE}/") == [key]


# -- the records --------------------------------------------------------------------------------
def upload(upload_id: str = "f" * 32, code: str = CODE) -> PendingUpload:
    return PendingUpload(code=code, upload_id=upload_id, kind=FileKind.COMPONENT, component="1",
                         content_type=PDF_TYPE, max_bytes=1000, name="Tờ khai.pdf",
                         requested_by="u-1", requested_at=T0)  # fmt: skip


def stored(sha: str = "0" * 64, code: str = CODE, minutes: int = 0) -> StoredFile:
    return StoredFile(code=code, file_id=file_id_for(code, FileKind.COMPONENT, "1", sha),
                      kind=FileKind.COMPONENT, component="1", name="Tờ khai.pdf", sha256=sha,
                      size=10, content_type=PDF_TYPE, pages=1, uploaded_by="u-1",
                      at=T0 + timedelta(minutes=minutes))  # fmt: skip


def test_an_upload_is_kept_until_recorded_and_then_names_its_file(records):
    asked = upload()
    records.put_upload(asked)
    assert records.get_upload(CODE, asked.upload_id) == asked
    assert records.get_upload(OTHER, asked.upload_id) is None
    records.mark_recorded(CODE, asked.upload_id, "1" * 32)
    assert records.get_upload(CODE, asked.upload_id).file_id == "1" * 32


def test_a_file_is_recorded_once_and_listed_per_dossier(records):
    first = stored()
    assert records.put_file(first) == first
    again = first.model_copy(update={"uploaded_by": "u-2", "at": T0 + timedelta(hours=1)})
    assert records.put_file(again) == first  # the one kept
    second = stored("1" * 64, minutes=5)
    records.put_file(second)
    records.put_file(stored("2" * 64, code=OTHER))
    assert records.get_file(CODE, first.file_id) == first
    assert records.get_file(CODE, "9" * 32) is None
    assert sorted(records.files(CODE), key=lambda f: f.file_id) == sorted(
        [first, second], key=lambda f: f.file_id
    )


def _document(kind: str, code: str, moment, sha: str = "a" * 64):
    from chalicelib.domain.files import ReusableDocument

    file_id = file_id_for(code, FileKind.COMPONENT, kind, sha)
    return ReusableDocument(id_number="079090001234", document=kind, code=code, file_id=file_id,
                            sha256=sha, name="Giấy khai sinh.pdf", content_type=PDF_TYPE,
                            at=moment)  # fmt: skip


def test_a_citizens_documents_are_indexed_latest_of_each_kind(records):
    older = _document("GKS", CODE, T0)
    newer = _document("GKS", OTHER, T0 + timedelta(hours=1), sha="b" * 64)
    result = _document("result:1.001", CODE, T0)
    records.index_document(older)
    records.index_document(result)
    records.index_document(newer)
    records.index_document(older)  # a late retry of the older one does not replace the newer
    assert records.documents_of("079090001234") == [newer, result]
    assert records.documents_of("079090009999") == []
