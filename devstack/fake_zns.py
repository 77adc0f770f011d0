"""A stand-in for Zalo's ZNS API on loopback, so that the local stage sends ZNS the way
production does (chalicelib/notify/providers/zns.py) and the ZNS → SMS fallback can be seen.

It speaks the two calls the real provider makes:
- `POST /message/template` with an `access_token` header and JSON `{"phone", "template_id",
  "template_data", "tracking_id"}`; answers HTTP 200 `{"error": 0, "data": {"msg_id"}}`, or a
  ZNS error (`{"error": -118, "message": …}`), or -124 for an access token it did not hand out
  (or expired);
- `POST /v4/oa/access_token` (the OAuth renewal): form `app_id`, `refresh_token`,
  `grant_type=refresh_token`, the app's secret in a `secret_key` header; answers a new pair
  (the refresh token is single use, as Zalo's is) or `{"error": -14014, …}`.

Errors on demand (`rules`): phone → ZNS error code, e.g. `{"84987654321": -118}` (not on
Zalo), or `"*"` for every phone (`-144`: the OA's daily quota is spent). Also through
`POST /_control` (`{"rules": {...}}`, `{"expire_token": true}`) and `GET /_messages` (every
request taken, refused ones with their code).
"""

from __future__ import annotations

import json
import secrets
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterable, Mapping
from http.server import BaseHTTPRequestHandler
from typing import Any

from chalicelib.notify.providers.zns import ZNS_ERRORS
from devstack.loopback import JsonHandler, LoopbackServer

SEND_PATH = "/message/template"
OAUTH_PATH = "/v4/oa/access_token"
APP_ID = "motcua-local-zns-app"
SECRET_KEY = "motcua-local-zns-secret"  # the local stage's only; never a real OA's
TOKEN_LIFETIME = 90000  # seconds, as Zalo's `expires_in` says
EVERY_PHONE = "*"
NOT_ON_ZALO = -118
QUOTA_SPENT = -144
TOKEN_INVALID = -124
# The demo's second applicant (devstack/demo.py) has no Zalo account: their notices fall back
# to SMS, so `make run` + `make demo` show both channels.
DEMO_RULES: dict[str, int] = {"0987654321": NOT_ON_ZALO}


def msisdn(phone: str) -> str:
    """A Vietnamese number as the notifier sends it: 0987654321 → 84987654321."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    return "84" + digits[1:] if digits.startswith("0") else digits


def parse_rules(items: Iterable[str]) -> dict[str, int]:
    """`PHONE=CODE` items (`*=CODE` for every phone) → rules; ValueError naming a bad one."""
    rules: dict[str, int] = {}
    for item in items:
        phone, sep, code = item.partition("=")
        try:
            number = int(code)
        except ValueError:
            number = 0
        if not sep or not phone.strip() or number >= 0:
            raise ValueError(
                f"{item!r}: expected PHONE=CODE with a negative ZNS code, e.g. "
                f"0987654321={NOT_ON_ZALO} or {EVERY_PHONE}={QUOTA_SPENT}"
            )
        rules[phone.strip()] = number
    return rules


class FakeZns(LoopbackServer):
    name = "fake-zns"

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        rules: Mapping[str, int] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self.rules: dict[str, int] = {}
        self.set_rules(rules or {})
        self.messages: list[dict[str, Any]] = []  # every send taken, refused ones too
        self.refreshes = 0
        self._access = ("", 0.0)  # (token, expires at)
        self._refresh_token = ""
        super().__init__(host, port)
        self._issue()

    def handler(self) -> Callable[..., BaseHTTPRequestHandler]:
        return _handler_for(self)

    @property
    def oauth_url(self) -> str:
        return self.url + OAUTH_PATH

    # --- state -------------------------------------------------------------------------------

    def set_rules(self, rules: Mapping[str, int]) -> None:
        with self._lock:
            self.rules = {
                (phone if phone == EVERY_PHONE else msisdn(phone)): int(code)
                for phone, code in rules.items()
            }

    def tokens_json(self) -> str:
        """The token pair as the provider keeps it in SSM (`SsmZnsTokens`)."""
        with self._lock:
            access, expires_at = self._access
            return json.dumps(
                {
                    "access_token": access,
                    "refresh_token": self._refresh_token,
                    "expires_at": expires_at,
                }
            )

    def expire_token(self) -> None:
        """Zalo stops taking the current access token: the provider must renew it."""
        with self._lock:
            self._access = (self._access[0], 0.0)

    def _issue(self) -> dict[str, Any]:
        access, refresh = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
        self._access = (access, self._clock() + TOKEN_LIFETIME)
        self._refresh_token = refresh
        return {"access_token": access, "refresh_token": refresh, "expires_in": str(TOKEN_LIFETIME)}

    # --- the API -----------------------------------------------------------------------------

    def send(self, token: str, body: Any) -> dict[str, Any]:
        with self._lock:
            access, expires_at = self._access
            if not token or token != access or self._clock() >= expires_at:
                return {"error": TOKEN_INVALID, "message": "Access token is invalid"}
            if not isinstance(body, dict) or not body.get("phone") or not body.get("template_id"):
                return {"error": -111, "message": "Template data empty"}
            phone = str(body["phone"])
            code = self.rules.get(phone, self.rules.get(EVERY_PHONE, 0))
            taken = {
                "phone": phone,
                "template_id": str(body["template_id"]),
                "template_data": body.get("template_data") or {},
                "tracking_id": body.get("tracking_id"),
                "error": code,
            }
            self.messages.append(taken)
            if code:
                reason = ZNS_ERRORS.get(code, (None, "error on demand"))[1]
                return {"error": code, "message": reason}
            taken["msg_id"] = secrets.token_hex(16)
            return {
                "error": 0,
                "message": "Success",
                "data": {"msg_id": taken["msg_id"], "sent_time": str(int(self._clock() * 1000))},
            }

    def renew(self, secret_key: str | None, form: Mapping[str, str]) -> dict[str, Any]:
        with self._lock:
            if (
                secret_key != SECRET_KEY
                or form.get("app_id") != APP_ID
                or form.get("grant_type") != "refresh_token"
                or form.get("refresh_token") != self._refresh_token
            ):
                return {
                    "error": -14014,
                    "error_name": "Invalid refresh token",
                    "error_description": "refresh token, app id or secret key not accepted",
                }
            self.refreshes += 1
            return self._issue()

    def control(self, body: Mapping[str, Any]) -> dict[str, Any]:
        if "rules" in body:
            self.set_rules(body["rules"] or {})
        if body.get("expire_token"):
            self.expire_token()
        with self._lock:
            return {"rules": dict(self.rules), "taken": len(self.messages)}


def _handler_for(zns: FakeZns) -> Callable[..., BaseHTTPRequestHandler]:
    class Handler(JsonHandler):
        def do_GET(self) -> None:
            if self.path == "/_messages":
                with zns._lock:
                    self._answer(200, list(zns.messages))
            else:
                self._answer(404, {"error": 404, "message": "not found"})

        def do_POST(self) -> None:
            raw = self._raw()
            if self.path == SEND_PATH:
                try:
                    body = json.loads(raw or b"null")
                except ValueError:
                    body = None
                self._answer(200, zns.send(self.headers.get("access_token") or "", body))
            elif self.path == OAUTH_PATH:
                form = dict(urllib.parse.parse_qsl(raw.decode("utf-8", "replace")))
                self._answer(200, zns.renew(self.headers.get("secret_key"), form))
            elif self.path == "/_control":
                try:
                    body = json.loads(raw or b"{}")
                except ValueError:
                    body = None
                if isinstance(body, dict):
                    self._answer(200, zns.control(body))
                else:
                    self._answer(400, {"error": 400, "message": "a JSON object"})
            else:
                self._answer(404, {"error": 404, "message": "not found"})

    return Handler
