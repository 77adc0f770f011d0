"""Attaching a component's scan at the counter (chalicelib/web/counter_files.py), over the fakes
through the app's routes: the dossier page's forms post to the file bucket (its origin alone
added to the page's form-action, 'self' everywhere else), the bucket's redirect records the
upload with the API's use case, and a refusal is told beside the component, nothing kept.
In a browser against the local stack (S3 on moto): tests/browser/test_counter.py."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import urlsplit

import pytest
from chalice.test import Client

import app as app_module
from chalicelib import bootstrap
from chalicelib.adapters.delivery_log import MemoryDeliveryLog
from chalicelib.adapters.file_records import MemoryFileRecords
from chalicelib.adapters.file_store import MemoryFileStore
from chalicelib.adapters.memory_store import MemoryStore
from chalicelib.adapters.read_audit import MemoryReadAudit
from chalicelib.adapters.web_sessions import MemoryWebSessions
from chalicelib.domain.procedures import Catalog
from chalicelib.ports.files import UploadForm
from chalicelib.settings import Settings
from chalicelib.web.headers import CONTENT_SECURITY_POLICY
from chalicelib.web.officials import start_session
from tests.unit import bad_files
from tests.unit.builders import RECEIVER, at, land_procedure, stored_dossier

CODE = "000.00.32.H19-260105-0001"
BASE = "http://127.0.0.1:8000"
PAGE = f"/quay/ho-so/{CODE}"
PROCEDURE = land_procedure(components=[
    {"code": "DON", "name": "Đơn đăng ký"},
    {"name": "Giấy ủy quyền", "required": False},
])  # fmt: skip
MAX_BYTES = 64 * 1024


class Counter:
    """The app over fakes, a receiver signed in, and the bucket the browser posts to."""

    def __init__(self, calendar) -> None:
        self.blobs = MemoryFileStore()
        self.records = MemoryFileRecords()
        sessions = MemoryWebSessions()
        settings = Settings(stage="local", public_base_url=BASE, file_max_bytes=MAX_BYTES)
        self.container = bootstrap.Container(
            settings,
            store=stored_dossier(MemoryStore(), PROCEDURE, calendar, at(2026, 1, 5, 9), code=CODE),
            catalog=Catalog([PROCEDURE]),
            file_store=self.blobs,
            file_records=self.records,
            web_sessions=sessions,
            read_audit=MemoryReadAudit(),
            delivery_log=MemoryDeliveryLog(),  # the dossier page reads as the API does
        )
        bootstrap.install(self.container)
        cookie = start_session(RECEIVER, sessions, now=self.container.now(), hours=1, secure=False)
        self.cookie = cookie.split(";", 1)[0]

    def get(self, client: Client, path: str):
        return client.http.get(path, headers={"cookie": self.cookie})

    def forms(self, html: str) -> dict[str, UploadForm]:
        """The page's upload forms by component: where they post and their hidden fields."""
        found = {}
        multipart = r'<form[^>]*action="([^"]+)"[^>]*multipart[^>]*>(.*?)</form>'
        for action, body in re.findall(multipart, html, re.S):
            fields = dict(re.findall(r'type="hidden" name="([^"]+)" value="([^"]*)"', body))
            component = re.search(r'<input id="tep-([^"]+)"', body).group(1)
            found[component] = UploadForm(
                unescape(action), {k: unescape(v) for k, v in fields.items()}
            )
        return found

    def comes_back(self, client: Client, form: UploadForm):
        """The bucket's redirect followed, as the browser does (the bucket adds its query)."""
        back = urlsplit(form.fields["success_action_redirect"])
        assert f"{back.scheme}://{back.netloc}" == BASE
        return self.get(client, f"{back.path}?bucket=files&key={form.fields['key']}")

    def nothing_kept(self) -> bool:
        return self.records.files(CODE) == [] and self.blobs.keys(f"files/{CODE}/") == []


@pytest.fixture
def counter(calendar):
    previous = bootstrap.install(None)
    yield Counter(calendar)
    bootstrap.install(previous)


def _form_action(answer) -> str:
    policy = answer.headers["Content-Security-Policy"]
    return next(part for part in policy.split("; ") if part.startswith("form-action"))


def test_only_the_dossier_page_may_post_to_the_bucket_and_only_to_its_origin(counter):
    with Client(app_module.app) as client:
        page = counter.get(client, PAGE)
        assert page.status_code == 200
        assert _form_action(page) == "form-action 'self' memory://files"
        forms = counter.forms(page.body.decode())
        assert set(forms) == {"DON", "2"}  # one per component, by its code or position
        assert {form.url for form in forms.values()} == {MemoryFileStore.URL}
        assert "csrf_token" not in forms["DON"].fields  # the bucket refuses fields unsigned
        for other in ("/quay", "/quay/tiep-nhan", "/tra-cuu"):
            answer = counter.get(client, other)
            assert answer.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY, other
            assert _form_action(answer) == "form-action 'self'", other


def test_a_pdf_posted_to_the_bucket_is_recorded_and_shown_on_the_dossier_page(counter):
    with Client(app_module.app) as client:
        form = counter.forms(counter.get(client, PAGE).body.decode())["DON"]
        assert counter.blobs.receive(form, bad_files.pdf(2)) == 204
        back = counter.comes_back(client, form)
        assert back.status_code == 303
        shown = counter.get(client, back.headers["Location"].split("#")[0]).body.decode()
    (kept,) = counter.records.files(CODE)
    assert kept.component == "DON" and kept.pages == 2 and kept.name == "Đơn đăng ký.pdf"
    assert "Đã lưu tệp Đơn đăng ký.pdf (thành phần DON, 2 trang)" in shown


@pytest.mark.parametrize(
    "content, message",
    [
        (bad_files.png(), "Loại tệp"),  # not the PDF the form declared
        (b"%PDF-1.7 " + b"x" * MAX_BYTES, "dung lượng"),  # past the limit (S3 stops it first)
        (b"", "Tệp rỗng"),  # no file chosen (the input is `required`; S3 wants 1 byte at least)
        (None, "Chưa có tệp nào được tải lên"),  # the bucket has nothing under the key
    ],
)
def test_a_refused_upload_is_told_beside_its_component_and_nothing_is_kept(counter, content,
                                                                           message):  # fmt: skip
    with Client(app_module.app) as client:
        form = counter.forms(counter.get(client, PAGE).body.decode())["DON"]
        if content is not None:  # put as it came: the fake's policy check would stop the size
            counter.blobs.objects[form.fields["key"]] = (content, "application/pdf")
        refused = counter.comes_back(client, form)
        html = refused.body.decode()
    assert refused.status_code in (400, 409)
    beside = re.search(r'<p class="field-error" id="tep-DON-loi">([^<]*)</p>', html)
    assert beside is not None and message in unescape(beside.group(1))
    assert 'id="tep-DON" name="file" type="file"' in html and 'aria-invalid="true"' in html
    assert _form_action(refused) == "form-action 'self' memory://files"  # new forms to retry
    assert counter.nothing_kept()
    assert not counter.blobs.exists(form.fields["key"])


def test_an_upload_nobody_asked_for_is_told_and_records_nothing(counter):
    with Client(app_module.app) as client:
        answer = counter.get(client, f"{PAGE}/tep/{'a' * 32}")
    assert answer.status_code == 404
    assert "Không tìm thấy lượt tải lên này" in answer.body.decode()
    assert counter.nothing_kept()
