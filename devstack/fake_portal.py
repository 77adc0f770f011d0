"""A stand-in for the national public-service portal (DVCQG) on loopback that holds the
province to the contract (docs/dvcqg-contract.md §1-§4), as the real one would:

- `POST /mapi/login` with `{"username", "password"}` and the `dstcode` header →
  `{"error_code": "0", "session": …}`;
- `POST /mapi/g` with `{"session", "madonvi", "service", …}` and the `dstcode` header, for
  `DongBoHoSoMC` (`isUpdating` "True"/"False", `data`), `CapNhatTienDoHoSoMC` (`data`) and
  `TraCuuHoSo` (`mahoso`, answered with what it holds under `result`);
- refused with the portal's error answer `{"error_code": "-1", "message": …}` (HTTP 200):
  a missing, unknown or ended session, a wrong `madonvi` or `dstcode`, a key the contract does
  not list, a scalar that is not a string, a required key missing; "-3" "đã tồn tại" for
  `isUpdating` "False" on a dossier it holds, and "-1" for "True" on one it does not.

It can be told to misbehave (attributes in-process, or `POST /_control` for `make run`):
- `fail_rate`: the share of pushes answered 503. Half of those fail before anything is
  recorded, half after (the portal recorded the push but the answer was lost);
- `lose_rate`: the share of pushes acknowledged as recorded and then forgotten;
- `delay_seconds`: how long each answer waits (a slow portal);
- `session_seconds`: how long a session lives (short ones make the client log in again).
`GET /_records` shows what it holds. `GET /files/<name>` serves the files dossiers may point at
(`TaiLieuNop[].DuongDanTaiTepTin`, fetched by the file-fetch worker): `files` holds them, one
small PDF (`SAMPLE_FILE`) from the start.
"""

from __future__ import annotations

import json
import random
import secrets
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from typing import Any

from chalicelib.adapters.national_portal import (
    LOOKUP_SERVICE,
    contract_problems,
    held,
    record_push,
)
from chalicelib.domain.portal_records import DOSSIER_SERVICE, PROGRESS_SERVICE
from devstack.loopback import JsonHandler, LoopbackServer

LOGIN_PATH = "/mapi/login"
INTEGRATION_PATH = "/mapi/g"
USERNAME = "motcua-local"
PASSWORD = "motcua-local-portal-password"  # the local stage's only; never a real account
MADONVI = "000.00.00.H19"
DSTCODE = "LOCAL-DVCQG"
SESSION_ENDED = "Phiên đăng nhập không hợp lệ hoặc đã hết hạn"
CONTROLS = ("fail_rate", "lose_rate", "delay_seconds", "session_seconds")
FILES_PATH = "/files/"
SAMPLE_FILE = "sample.pdf"

Answer = tuple[int, dict[str, Any]]


def refused(message: str, code: str = "-1") -> Answer:
    return 200, {"error_code": code, "message": message}


class FakePortal(LoopbackServer):
    name = "fake-portal"

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        fail_rate: float = 0.0,
        lose_rate: float = 0.0,
        delay_seconds: float = 0.0,
        session_seconds: float = 1800.0,
        seed: int | None = None,
    ) -> None:
        self.fail_rate = fail_rate
        self.lose_rate = lose_rate
        self.delay_seconds = delay_seconds
        self.session_seconds = session_seconds
        self.dossiers: dict[str, dict[str, Any]] = {}
        self.steps: dict[tuple[str, str], dict[str, Any]] = {}
        self.counts = {"logins": 0, "pushes": 0, "failed": 0, "recorded_then_failed": 0,
                       "lost": 0, "refused": 0, "lookups": 0}  # fmt: skip
        self._sessions: dict[str, float] = {}
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self.files: dict[str, bytes] = {SAMPLE_FILE: sample_pdf()}
        super().__init__(host, port)

    def handler(self) -> Callable[..., BaseHTTPRequestHandler]:
        return _handler_for(self)

    def file_url(self, name: str = SAMPLE_FILE) -> str:
        return self.url + FILES_PATH + name

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
        return json.dumps({
            "login_url": self.url + LOGIN_PATH, "integration_url": self.url + INTEGRATION_PATH,
            "username": USERNAME, "password": PASSWORD, "madonvi": MADONVI, "dstcode": DSTCODE,
        })  # fmt: skip

    # --- what the handler calls ----------------------------------------------------------
    def login(self, body: Any, dstcode: str | None) -> Answer:
        if dstcode != DSTCODE:
            return refused("Thiếu hoặc sai dstcode")
        if not isinstance(body, dict):
            body = {}
        if body.get("username") != USERNAME or body.get("password") != PASSWORD:
            return refused("Sai tên đăng nhập hoặc mật khẩu", "1")
        token = secrets.token_hex(16)
        with self._lock:
            self.counts["logins"] += 1
            self._sessions[token] = time.monotonic() + self.session_seconds
        return 200, {"error_code": "0", "message": "Thành công", "session": token}

    def call(self, body: Any, dstcode: str | None) -> Answer:
        """One call to the integration URL, refused as the contract says or served."""
        if self.delay_seconds > 0:
            time.sleep(self.delay_seconds)
        if dstcode != DSTCODE:
            return refused("Thiếu hoặc sai dstcode")
        if not isinstance(body, dict):
            return refused("Nội dung yêu cầu phải là một đối tượng JSON")
        with self._lock:
            expires = self._sessions.get(str(body.get("session")))
            if expires is None or expires <= time.monotonic():
                return refused(SESSION_ENDED)
        if body.get("madonvi") != MADONVI:
            return refused(f"madonvi không đúng: {body.get('madonvi')!r}")
        service = body.get("service")
        if service == LOOKUP_SERVICE:
            return self._look_up(body)
        if service in (DOSSIER_SERVICE, PROGRESS_SERVICE):
            return self._push(service, body)
        return refused(f"service không được hỗ trợ: {service!r}")

    def _look_up(self, body: dict[str, Any]) -> Answer:
        unknown = set(body) - {"session", "madonvi", "service", "mahoso"}
        if unknown or not isinstance(body.get("mahoso"), str):
            return refused(f"TraCuuHoSo: trường không hợp lệ {sorted(unknown) or ['mahoso']}")
        with self._lock:
            self.counts["lookups"] += 1
            found = held(self.dossiers, self.steps, body["mahoso"])
        return 200, {"error_code": "0", "message": "Thành công", "result": [found] if found else []}

    def _push(self, service: str, body: dict[str, Any]) -> Answer:
        envelope = {"session", "madonvi", "service", "data"}
        if service == DOSSIER_SERVICE:
            envelope.add("isUpdating")
            if body.get("isUpdating") not in ("True", "False"):
                return self._refuse('isUpdating phải là chuỗi "True" hoặc "False"')
        unknown = sorted(set(body) - envelope)
        problems = [f"{k}: trường không có trong đặc tả" for k in unknown]
        problems += contract_problems(service, body.get("data"))
        if problems:
            return self._refuse(f"{service}: dữ liệu không hợp lệ: {'; '.join(problems[:5])}")
        items = body["data"]
        with self._lock:
            if service == DOSSIER_SERVICE:
                updating = body["isUpdating"] == "True"
                for item in items:
                    if not updating and item["MaHoSo"] in self.dossiers:
                        return self._refuse(f"Hồ sơ {item['MaHoSo']} đã tồn tại", "-3", locked=True)
                    if updating and item["MaHoSo"] not in self.dossiers:
                        return self._refuse(
                            f"Không tìm thấy hồ sơ {item['MaHoSo']} để cập nhật", locked=True
                        )
            self.counts["pushes"] += 1
            failing = self._random.random() < self.fail_rate
            lost_answer = failing and self._random.random() < 0.5
            if failing and not lost_answer:
                self.counts["failed"] += 1
                return 503, {"error_code": "503", "message": "Hệ thống đang bận"}
            if not failing and self._random.random() < self.lose_rate:
                self.counts["lost"] += 1  # acknowledged below, never recorded
            else:
                record_push(self.dossiers, self.steps, service, items)
            if lost_answer:
                self.counts["recorded_then_failed"] += 1
                return 503, {"error_code": "503", "message": "Hệ thống đang bận"}
        return 200, {"error_code": "0", "message": "Thành công"}

    def _refuse(self, message: str, code: str = "-1", *, locked: bool = False) -> Answer:
        if locked:
            self.counts["refused"] += 1
        else:
            with self._lock:
                self.counts["refused"] += 1
        return refused(message, code)

    def records(self) -> dict[str, Any]:
        with self._lock:
            return {
                "dossiers": dict(self.dossiers),
                "steps": list(self.steps.values()),
                "counts": dict(self.counts),
                **{name: getattr(self, name) for name in CONTROLS},
            }

    def control(self, body: dict[str, Any]) -> dict[str, Any]:
        for name in CONTROLS:
            if name in body:
                setattr(self, name, float(body[name]))
        return {name: getattr(self, name) for name in CONTROLS}


def _handler_for(portal: FakePortal) -> Callable[..., BaseHTTPRequestHandler]:
    class Handler(JsonHandler):
        def _body(self) -> Any:
            try:
                return json.loads(self._raw() or b"null")
            except ValueError:
                return None

        def do_GET(self) -> None:
            if self.path == "/_records":
                self._answer(200, _jsonable(portal.records()))
            elif self.path.startswith(FILES_PATH) and self.path[len(FILES_PATH) :] in portal.files:
                data = portal.files[self.path[len(FILES_PATH) :]]
                self.send_response(200)
                self.send_header("Content-Type", "application/pdf")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            else:
                self._answer(404, {"error_code": 404})

        def do_POST(self) -> None:
            body = self._body()
            dstcode = self.headers.get("dstcode")
            if self.path == LOGIN_PATH:
                self._answer(*portal.login(body, dstcode))
            elif self.path == INTEGRATION_PATH:
                self._answer(*portal.call(body, dstcode))
            elif self.path == "/_control" and isinstance(body, dict):
                self._answer(200, portal.control(body))
            else:
                self._answer(404, {"error_code": 404})

    return Handler


def _jsonable(records: dict[str, Any]) -> dict[str, Any]:
    return {**records, "dossiers": list(records["dossiers"].values())}


def sample_pdf() -> bytes:
    """A one-page blank PDF: what a citizen's scanned component stands for locally."""
    from io import BytesIO

    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()
