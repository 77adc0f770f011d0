"""Fetching the components a portal sends as URLs: the fetcher (allowed hosts, redirects,
addresses, size, time, status) against a server on loopback, and the service that keeps what
it fetched as an upload is kept, over the in-memory fakes."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from chalicelib.adapters.file_records import MemoryFileRecords
from chalicelib.adapters.file_store import MemoryFileStore
from chalicelib.adapters.http_client import FetchPolicy, UrlFetcher, _public
from chalicelib.adapters.memory_store import MemoryStore
from chalicelib.adapters.queues import InMemoryPublisher
from chalicelib.domain.dossier import SubmittedDocument
from chalicelib.domain.procedures import Catalog
from chalicelib.ports.fetch import FetchFailed, FetchRefused
from chalicelib.services import file_fetch, files
from chalicelib.services.failures import PermanentFailure
from tests.unit import bad_files
from tests.unit.bad_files import LIMITS
from tests.unit.builders import at, land_procedure, stored_dossier

LIMIT = 1024
Route = Callable[[BaseHTTPRequestHandler], None]


def _send(handler: BaseHTTPRequestHandler, status: int, body: bytes = b"", **headers: str) -> None:
    handler.send_response(status)
    for name, value in headers.items():
        handler.send_header(name.replace("_", "-"), value)
    if "Content_Length" not in headers:
        handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


class Server:
    """A server on 127.0.0.1 answering each path with its route."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        routes = self.routes

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                routes.get(self.path, lambda h: _send(h, 404, b"no"))(self)

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.http.daemon_threads = True
        self.http.handle_error = lambda *args: None  # type: ignore[method-assign]  # a cut-off client
        self.port = self.http.server_address[1]
        threading.Thread(target=self.http.serve_forever, daemon=True).start()

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    running = Server()
    yield running
    running.http.shutdown()
    running.http.server_close()


def fetcher(seconds: float = 2, hosts: tuple[str, ...] = ("127.0.0.1",)) -> UrlFetcher:
    return UrlFetcher(FetchPolicy(frozenset(hosts), LIMIT, seconds, local_loopback=True))


def test_a_file_of_an_allowed_host_is_fetched(server):
    server.routes["/ok"] = lambda h: _send(h, 200, b"%PDF-1.4 small")
    assert fetcher().fetch(server.url("/ok")) == b"%PDF-1.4 small"


def test_a_host_not_in_the_list_is_refused_before_any_request(server):
    with pytest.raises(FetchRefused, match="host not allowed: localhost"):
        fetcher().fetch(server.url("/ok", host="localhost"))
    with pytest.raises(FetchRefused, match=r"host not allowed: evil\.example"):
        fetcher().fetch("https://evil.example/file.pdf")


def test_only_https_outside_the_local_stage_and_only_for_loopback_in_it(server):
    outside = UrlFetcher(FetchPolicy(frozenset({"127.0.0.1", "files.example"}), LIMIT, 2))
    with pytest.raises(FetchRefused, match="host not allowed: scheme http"):
        outside.fetch(server.url("/ok"))
    with pytest.raises(FetchRefused, match="scheme http"):
        fetcher(hosts=("files.example",)).fetch("http://files.example/a.pdf")
    with pytest.raises(FetchRefused, match="scheme ftp"):
        fetcher().fetch(f"ftp://127.0.0.1:{server.port}/ok")


def test_an_allowed_name_resolving_to_a_private_or_loopback_address_is_refused(server):
    # localhost is allowed by name, but outside the local stage its address (loopback) is not.
    outside = UrlFetcher(FetchPolicy(frozenset({"localhost"}), LIMIT, 2))
    with pytest.raises(FetchRefused, match="host not allowed: localhost resolves to"):
        outside.fetch(f"https://localhost:{server.port}/ok")


@pytest.mark.parametrize(
    ("address", "public"),
    [("8.8.8.8", True), ("2001:4860:4860::8888", True), ("10.1.2.3", False),
     ("192.168.1.1", False), ("172.16.0.1", False), ("169.254.169.254", False),
     ("127.0.0.1", False), ("::1", False), ("fe80::1", False), ("fc00::1", False),
     ("::ffff:10.0.0.1", False), ("0.0.0.0", False), ("100.64.0.1", False)],
)  # fmt: skip
def test_which_addresses_a_fetch_may_connect_to(address, public):
    assert _public(address, loopback=False) is public
    assert _public(address, loopback=True) is (public or address in ("127.0.0.1", "::1"))


def test_redirects_are_followed_to_allowed_hosts_only(server):
    server.routes["/moved"] = lambda h: _send(h, 302, Location="/ok")
    server.routes["/ok"] = lambda h: _send(h, 200, b"%PDF-1.4 small")
    assert fetcher().fetch(server.url("/moved")) == b"%PDF-1.4 small"
    away = server.url("/ok", host="localhost")
    server.routes["/away"] = lambda h: _send(h, 301, Location=away)
    with pytest.raises(FetchRefused, match="host not allowed: localhost"):
        fetcher().fetch(server.url("/away"))


def test_at_most_three_redirects(server):
    for step in range(5):
        server.routes[f"/hop{step}"] = lambda h, n=step: _send(h, 307, Location=f"/hop{n + 1}")
    server.routes["/hop5"] = lambda h: _send(h, 200, b"end")
    server.routes["/hop2"] = lambda h: _send(h, 307, Location="/hop5")  # 3 redirects: fine
    assert fetcher().fetch(server.url("/hop0")) == b"end"
    server.routes["/hop2"] = lambda h: _send(h, 307, Location="/hop3")  # 4: too many
    with pytest.raises(FetchRefused, match="more than 3 redirects"):
        fetcher().fetch(server.url("/hop0"))


def test_a_body_over_the_limit_is_cut_there(server):
    server.routes["/declared"] = lambda h: _send(h, 200, b"x" * (LIMIT + 1))
    with pytest.raises(FetchRefused, match=f"more than {LIMIT} bytes"):
        fetcher().fetch(server.url("/declared"))
    sent: list[int] = []

    def undeclared(handler: BaseHTTPRequestHandler) -> None:
        # No Content-Length: the body ends when the connection closes; the fetcher stops
        # reading one byte past the limit and hangs up, so the server cannot send it all.
        handler.send_response(200)
        handler.send_header("Connection", "close")
        handler.end_headers()
        try:
            for _ in range(4096):
                handler.wfile.write(b"y" * 1024)
                sent.append(1024)
        except OSError:
            pass

    server.routes["/undeclared"] = undeclared
    with pytest.raises(FetchRefused, match=f"more than {LIMIT} bytes"):
        fetcher().fetch(server.url("/undeclared"))
    server.routes["/exact"] = lambda h: _send(h, 200, b"z" * LIMIT)
    assert len(fetcher().fetch(server.url("/exact"))) == LIMIT


def test_a_server_too_slow_is_a_failure_to_retry(server):
    def silent(handler: BaseHTTPRequestHandler) -> None:
        time.sleep(1.5)
        _send(handler, 200, b"late")

    def trickle(handler: BaseHTTPRequestHandler) -> None:
        # Each byte comes in time, the whole body does not: the timeout is a total one.
        handler.send_response(200)
        handler.send_header("Content-Length", "20")
        handler.end_headers()
        try:
            for _ in range(20):
                handler.wfile.write(b"t")
                handler.wfile.flush()
                time.sleep(0.1)
        except OSError:
            pass

    server.routes["/silent"], server.routes["/trickle"] = silent, trickle
    for path in ("/silent", "/trickle"):
        with pytest.raises(FetchFailed, match=r"network: no answer within 0\.5 s"):
            fetcher(seconds=0.5).fetch(server.url(path))


@pytest.mark.parametrize("status", [400, 403, 404, 410])
def test_a_4xx_is_permanent(server, status):
    server.routes["/status"] = lambda h: _send(h, status, b"nope")
    with pytest.raises(FetchRefused, match=f"^HTTP {status}$"):
        fetcher().fetch(server.url("/status"))


@pytest.mark.parametrize("status", [429, 500, 502, 503])
def test_a_5xx_or_429_is_retried(server, status):
    server.routes["/status"] = lambda h: _send(h, status, b"later")
    with pytest.raises(FetchFailed, match=f"^HTTP {status}$"):
        fetcher().fetch(server.url("/status"))


def test_a_refused_connection_is_retried():
    with pytest.raises(FetchFailed, match="network"):
        fetcher().fetch("http://127.0.0.1:9/file.pdf")  # discard: nothing listens


# -- the service ---------------------------------------------------------------------------------

CODE = "000.00.32.H19-260105-0001"
NOW = at(2026, 1, 5, 10)
PROCEDURE = land_procedure(components=[
    {"code": "DON", "name": "Đơn đăng ký"},
    {"name": "Giấy ủy quyền", "required": False},
])  # fmt: skip


class FakeFetcher:
    def __init__(self, answers: dict[str, bytes | Exception]) -> None:
        self.answers = answers
        self.asked: list[str] = []

    def fetch(self, url: str) -> bytes:
        self.asked.append(url)
        answer = self.answers[url]
        if isinstance(answer, Exception):
            raise answer
        return answer


def fetch_deps(calendar, answers: dict[str, bytes | Exception]) -> file_fetch.FetchDeps:
    store = stored_dossier(MemoryStore(), PROCEDURE, calendar, at(2026, 1, 5, 9), code=CODE)
    deps = files.FileDeps(dossiers=store, catalog=Catalog([PROCEDURE]), blobs=MemoryFileStore(),
                          records=MemoryFileRecords(), limits=LIMITS, changes=store,
                          calendar=calendar)  # fmt: skip
    return file_fetch.FetchDeps(files=deps, fetcher=FakeFetcher(answers))


def request(url: str = "https://files.example/don.pdf", component: str | None = "DON"):
    document = SubmittedDocument(name="Đơn.pdf", url=url, component="DON")
    [asked] = file_fetch.requests_for(CODE, [document], "portal-dev")
    # Intake asks for none without a component (requests_for); a message may still say so.
    return asked.model_copy(update={"component": component})


def test_a_fetched_component_is_kept_as_an_upload_and_counts_for_digitised(calendar):
    content = bad_files.pdf(1)
    deps = fetch_deps(calendar, {"https://files.example/don.pdf": content})
    stored, created = file_fetch.fetch_component(request(), deps, now=NOW)
    assert created and (stored.component, stored.size, stored.uploaded_by) == (
        "DON", len(content), "portal-dev"
    )  # fmt: skip
    blobs = deps.files.blobs
    assert blobs.keys(f"files/{CODE}/") == [f"files/{CODE}/{stored.sha256}"]
    dossier = deps.files.dossiers.get(CODE)
    assert dossier is not None and dossier.digitised is True
    # A repeated delivery fetches again and finds the file kept: nothing new.
    assert file_fetch.fetch_component(request(), deps, now=NOW) == (stored, False)
    assert len(deps.files.records.files(CODE)) == 1


@pytest.mark.parametrize(
    ("answer", "component", "reason"),
    [
        (FetchRefused("host not allowed: evil.example"), "DON", "host not allowed"),
        (FetchRefused("HTTP 404"), "DON", "HTTP 404"),
        (FetchRefused("more than 1024 bytes"), "DON", "more than 1024 bytes"),
        (b"<html>not a pdf</html>", "DON", "file refused: the bytes are not a file"),
        (b"%PDF-1.4", None, "no component code"),
        (b"%PDF-1.4", "NOPE", "component 'NOPE' is not one of procedure"),
    ],
)
def test_what_can_never_be_kept_is_a_permanent_failure_and_keeps_nothing(
    calendar, answer, component, reason
):
    deps = fetch_deps(calendar, {"https://files.example/don.pdf": answer})
    with pytest.raises(PermanentFailure, match=reason):
        file_fetch.fetch_component(request(component=component), deps, now=NOW)
    assert deps.files.records.files(CODE) == [] and deps.files.blobs.keys("files/") == []


def test_a_failure_for_now_is_left_to_the_queue_to_retry(calendar):
    deps = fetch_deps(calendar, {"https://files.example/don.pdf": FetchFailed("HTTP 503")})
    with pytest.raises(FetchFailed):
        file_fetch.fetch_component(request(), deps, now=NOW)


def test_one_request_per_document_with_a_url_and_an_update_queues_only_what_changed():
    before = [
        SubmittedDocument(name="Đơn", url="https://files.example/a.pdf", component="DON"),
        SubmittedDocument(name="Giấy tờ không có tệp"),
    ]
    asked = file_fetch.requests_for(CODE, before, "portal-dev")
    assert [(r.position, r.url, r.component) for r in asked] == [
        (0, "https://files.example/a.pdf", "DON")
    ]
    assert asked[0].fetch_id == file_fetch.fetch_id_for(CODE, 0, "https://files.example/a.pdf")
    after = [
        *before[:1],
        SubmittedDocument(name="Ủy quyền", url="https://files.example/b.pdf", component="UQ"),
        # No component's code: it stays a link for the official, no dead letter.
        SubmittedDocument(name="Ảnh", url="https://files.example/c.pdf"),
    ]
    again = file_fetch.requests_for(CODE, after, "portal-dev", already=before)
    assert [(r.position, r.url) for r in again] == [(1, "https://files.example/b.pdf")]
    publisher = InMemoryPublisher()
    file_fetch.FetchQueue(publisher, "q").enqueue(again)
    assert publisher.sent == [("q", again[0].model_dump(mode="json"), None)]
