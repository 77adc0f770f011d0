"""The national public-service portal (DVCQG) as the sync service needs it: push items of one
service (`DongBoHoSoMC` or `CapNhatTienDoHoSoMC`), logged in with a session.

Contract (the province's integration account; the URL and credentials are an SSM SecureString
JSON `{"url": "https://…", "username": "…", "password": "…"}`):
- `POST {url}/login` with `{"username", "password"}` → `{"session": "…", "expires_in": seconds}`;
- `POST {url}/{service}` with `Authorization: Bearer <session>` and `{"data": [items]}` →
  `{"error_code": 0}` when recorded; a non-zero `error_code` says why it was not;
- 401 means the session ended: log in again once and repeat.
The dossier service upserts by `MaHoSo`; a step identical to one already recorded is the same
step. So a push repeated after a crash records nothing twice (our items are rendered from the
stored history, the same bytes every time).

`MemoryNationalPortal` is the fake for unit tests; `devstack.fake_portal` serves the
same contract over HTTP on loopback for the local stack.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, SecretStr

from chalicelib.adapters.http_client import HttpAnswer, http_request
from chalicelib.ports.portal import PortalRejected, PortalUnavailable

SESSION_MARGIN_SECONDS = 60  # log in again this long before the portal ends the session
TIMEOUT_SECONDS = 10.0


class PortalConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    url: str
    username: str
    password: SecretStr


@dataclass
class _Session:
    token: str
    expires_at: float


class HttpNationalPortal:
    """The portal over HTTPS. One session per process, shared by the batch's records."""

    def __init__(
        self,
        config: PortalConfig,
        *,
        send: Callable[..., HttpAnswer] = http_request,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.config = config
        self._send = send
        self._clock = clock
        self._session: _Session | None = None
        self._lock = threading.Lock()

    def push(self, service: str, items: Sequence[dict[str, Any]]) -> None:
        if not items:
            return
        body = json.dumps({"data": list(items)}, ensure_ascii=False).encode()
        answer = self._post(service, body, self._token())
        if answer.status == 401:  # the session ended early: once more with a new one
            answer = self._post(service, body, self._token(renew=True))
        _raise_unless_recorded(f"{service}", answer)

    def _post(self, service: str, body: bytes, token: str) -> HttpAnswer:
        return self._send(
            "POST",
            f"{self.config.url.rstrip('/')}/{service}",
            body=body,
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Authorization": f"Bearer {token}",
            },
            timeout=TIMEOUT_SECONDS,
        )

    def _token(self, *, renew: bool = False) -> str:
        with self._lock:
            now = self._clock()
            if renew or self._session is None or self._session.expires_at <= now:
                self._session = self._login(now)
            return self._session.token

    def _login(self, now: float) -> _Session:
        credentials = {
            "username": self.config.username,
            "password": self.config.password.get_secret_value(),
        }
        answer = self._send(
            "POST",
            f"{self.config.url.rstrip('/')}/login",
            body=json.dumps(credentials).encode(),
            headers={"Content-Type": "application/json"},
            timeout=TIMEOUT_SECONDS,
        )
        if answer.status is None or answer.status >= 500 or answer.status == 429:
            raise PortalUnavailable(f"login: {_describe(answer)}")
        if answer.status != 200:
            # Wrong credentials stay wrong: an operator must fix the parameter. Still
            # transient for the message, which must not be lost meanwhile.
            raise PortalUnavailable(f"login refused: {_describe(answer)}")
        try:
            found = json.loads(answer.body)
            token, lifetime = str(found["session"]), float(found.get("expires_in", 1800))
        except (ValueError, KeyError, TypeError) as exc:
            raise PortalUnavailable(f"login answer not understood: {exc}") from exc
        return _Session(token, now + max(lifetime - SESSION_MARGIN_SECONDS, 1.0))


def _describe(answer: HttpAnswer) -> str:
    if answer.status is None:
        return answer.error or "no answer"
    return f"HTTP {answer.status}: {answer.text()[:300]}"


def _raise_unless_recorded(service: str, answer: HttpAnswer) -> None:
    if answer.status is None or answer.status >= 500 or answer.status in (401, 408, 429):
        raise PortalUnavailable(f"{service}: {_describe(answer)}")
    try:
        found = json.loads(answer.body) if answer.body else {}
    except ValueError:
        found = None
    if answer.status == 200 and isinstance(found, dict) and found.get("error_code", 0) == 0:
        return
    if 400 <= answer.status < 500:
        raise PortalRejected(f"{service}: {_describe(answer)}")
    raise PortalUnavailable(f"{service}: {_describe(answer)}")


@dataclass
class MemoryNationalPortal:
    """What the portal would hold: dossiers by code and steps by their key. `fail(n)` makes the
    next n pushes fail as if the portal were down."""

    dossiers: dict[str, dict[str, Any]] = field(default_factory=dict)
    steps: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    pushes: int = 0
    _failures_left: int = 0

    def fail(self, times: int) -> None:
        self._failures_left = times

    def push(self, service: str, items: Sequence[dict[str, Any]]) -> None:
        self.pushes += 1
        if self._failures_left > 0:
            self._failures_left -= 1
            raise PortalUnavailable(f"{service}: HTTP 503 (fake outage)")
        record_push(self.dossiers, self.steps, service, items)

    def status_of(self, code: str) -> int | None:
        found = self.dossiers.get(code)
        return int(found["TrangThaiHoSo"]) if found else None


def record_push(
    dossiers: dict[str, dict[str, Any]],
    steps: dict[tuple[str, str], dict[str, Any]],
    service: str,
    items: Sequence[dict[str, Any]],
) -> None:
    """The portal's upsert rules, shared by both fakes."""
    for item in items:
        if service == "DongBoHoSoMC":
            dossiers[item["MaHoSo"]] = dict(item)
        elif service == "CapNhatTienDoHoSoMC":
            steps[(item["MaHoSo"], json.dumps(item, sort_keys=True))] = dict(item)
        else:
            raise PortalRejected(f"unknown service {service}")
