"""A stand-in for the national public-service portal (DVCQG) on loopback.

It speaks the contract of `chalicelib.adapters.national_portal` (login, then `DongBoHoSoMC` and
`CapNhatTienDoHoSoMC` with the session), keeps what it is told with the portal's upsert rules,
and can be told to fail:

- `fail_rate`: the share of pushes answered 503. Half of those fail before anything is
  recorded, half after (the portal recorded the push but the answer was lost), which is the
  case that tests idempotency;
- `session_seconds`: how long a session lives (short ones make the client log in again).

Control over HTTP, for `make run`: `GET /_records` (what it holds), `POST /_control`
with `{"fail_rate": 0.3, "session_seconds": 60}`. In-process: the attributes themselves.
"""

from __future__ import annotations

import json
import random
import secrets
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from chalicelib.adapters.national_portal import PortalRejected, record_push

SERVICES = ("DongBoHoSoMC", "CapNhatTienDoHoSoMC")
USERNAME = "motcua-local"
PASSWORD = "motcua-local-portal-password"  # the local stage's only; never a real account


class FakePortal:
    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        fail_rate: float = 0.0,
        session_seconds: float = 1800.0,
        seed: int | None = None,
    ) -> None:
        self.fail_rate = fail_rate
        self.session_seconds = session_seconds
        self.dossiers: dict[str, dict[str, Any]] = {}
        self.steps: dict[tuple[str, str], dict[str, Any]] = {}
        self.counts = {"logins": 0, "pushes": 0, "failed": 0, "recorded_then_failed": 0}
        self._sessions: dict[str, float] = {}
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self._address = (host, port)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        assert self._server is not None, "start() first"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakePortal:
        self._server = ThreadingHTTPServer(self._address, _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="fake-portal", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        self._server = None
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None

    def __enter__(self) -> FakePortal:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def status_of(self, code: str) -> int | None:
        with self._lock:
            found = self.dossiers.get(code)
        return int(found["TrangThaiHoSo"]) if found else None

    def steps_of(self, code: str) -> list[dict[str, Any]]:
        with self._lock:
            found = [s for key, s in self.steps.items() if key[0] == code]
        return sorted(found, key=lambda s: s["ThoiDiemXuLy"])

    def config_json(self) -> str:
        """The SSM value the sync worker reads (chalicelib.adapters.national_portal)."""
        return json.dumps({"url": self.url, "username": USERNAME, "password": PASSWORD})

    # --- what the handler calls ----------------------------------------------------------
    def login(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if body.get("username") != USERNAME or body.get("password") != PASSWORD:
            return 403, {"error_code": 1, "message": "sai tên đăng nhập hoặc mật khẩu"}
        token = secrets.token_hex(16)
        with self._lock:
            self.counts["logins"] += 1
            self._sessions[token] = time.monotonic() + self.session_seconds
        return 200, {"session": token, "expires_in": self.session_seconds}

    def push(self, service: str, token: str, body: Any) -> tuple[int, dict[str, Any]]:
        with self._lock:
            expires = self._sessions.get(token)
            if expires is None or expires <= time.monotonic():
                return 401, {"error_code": 401, "message": "phiên đăng nhập đã hết hạn"}
            if not isinstance(body, dict) or not isinstance(body.get("data"), list):
                return 400, {"error_code": 2, "message": "thiếu danh sách data"}
            self.counts["pushes"] += 1
            failing = self._random.random() < self.fail_rate
            lost_answer = failing and self._random.random() < 0.5
            if failing and not lost_answer:
                self.counts["failed"] += 1
                return 503, {"error_code": 503, "message": "hệ thống đang bận"}
            try:
                record_push(self.dossiers, self.steps, service, body["data"])
            except (KeyError, TypeError, ValueError, PortalRejected) as exc:
                return 400, {"error_code": 3, "message": f"dữ liệu không hợp lệ: {exc}"}
            if lost_answer:
                self.counts["recorded_then_failed"] += 1
                return 503, {"error_code": 503, "message": "hệ thống đang bận"}
        return 200, {"error_code": 0, "message": "thành công"}

    def records(self) -> dict[str, Any]:
        with self._lock:
            return {
                "dossiers": dict(self.dossiers),
                "steps": list(self.steps.values()),
                "counts": dict(self.counts),
                "fail_rate": self.fail_rate,
            }

    def control(self, body: dict[str, Any]) -> dict[str, Any]:
        if "fail_rate" in body:
            self.fail_rate = float(body["fail_rate"])
        if "session_seconds" in body:
            self.session_seconds = float(body["session_seconds"])
        return {"fail_rate": self.fail_rate, "session_seconds": self.session_seconds}


def _handler_for(portal: FakePortal) -> Callable[..., BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:  # quiet: the stack logs what matters
            pass

        def _answer(self, status: int, body: Any) -> None:
            raw = json.dumps(body, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def _body(self) -> Any:
            length = int(self.headers.get("Content-Length") or 0)
            try:
                return json.loads(self.rfile.read(length) or b"null")
            except ValueError:
                return None

        def do_GET(self) -> None:
            if self.path == "/_records":
                self._answer(200, _jsonable(portal.records()))
            else:
                self._answer(404, {"error_code": 404})

        def do_POST(self) -> None:
            body = self._body()
            name = self.path.strip("/")
            if name == "login":
                self._answer(*portal.login(body if isinstance(body, dict) else {}))
            elif name in SERVICES:
                token = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
                self._answer(*portal.push(name, token, body))
            elif name == "_control" and isinstance(body, dict):
                self._answer(200, portal.control(body))
            else:
                self._answer(404, {"error_code": 404})

    return Handler


def _jsonable(records: dict[str, Any]) -> dict[str, Any]:
    return {**records, "dossiers": list(records["dossiers"].values())}
