"""The officials' OIDC sign-in end to end against a fake issuer on loopback: discovery, JWKS,
an authorization endpoint that sends the browser back with a code, and a token endpoint that
checks the PKCE verifier and answers an RS256 ID token. Through the app's own routes
(chalice.test.Client), in a deployed-like stage with memory stores."""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
import pytest
from chalice.test import Client
from cryptography.hazmat.primitives.asymmetric import rsa

import app as app_module
from chalicelib import bootstrap
from chalicelib.adapters.oidc_issuer import forget_discovery
from chalicelib.adapters.sign_in_states import MemorySignInStates
from chalicelib.adapters.web_sessions import MemoryWebSessions
from chalicelib.settings import Settings

CLIENT_ID = "motcua-pages"
BASE = "https://motcua.example"
OFFICIAL = {
    "sub": "u-42",
    "name": "Lê Văn Hùng",
    "agency": "000.00.41.H19",
    "unit": "VAN_PHONG",
    "roles": ["specialist", "unknown-role"],
}


class FakeIssuer:
    """An OpenID provider in a thread: what it signs is set per test (`claims_override`)."""

    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.codes: dict[str, dict[str, str]] = {}
        self.claims_override: dict[str, Any] = {}
        self.token_requests: list[dict[str, str]] = []
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _answer(self, status: int, body: Any, headers: dict[str, str] | None = None):
                data = json.dumps(body).encode() if body is not None else b""
                self.send_response(status)
                for name, value in {"Content-Type": "application/json", **(headers or {})}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                if parts.path == "/.well-known/openid-configuration":
                    self._answer(200, issuer.discovery())
                elif parts.path == "/jwks":
                    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(issuer.key.public_key()))
                    self._answer(200, {"keys": [{**jwk, "kid": "k1", "use": "sig"}]})
                elif parts.path == "/auth":
                    code = base64.urlsafe_b64encode(
                        hashlib.sha256(query["state"].encode()).digest()
                    ).decode()[:20]
                    issuer.codes[code] = query
                    back = (
                        query["redirect_uri"]
                        + "?"
                        + urlencode({"code": code, "state": query["state"]})
                    )
                    self._answer(302, None, {"Location": back})
                else:
                    self._answer(404, {"error": "not_found"})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                issuer.token_requests.append(form)
                asked = issuer.codes.pop(form.get("code", ""), None)
                verifier = form.get("code_verifier", "")
                challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
                if (
                    asked is None
                    or challenge.rstrip(b"=").decode() != asked["code_challenge"]
                    or form.get("client_id") != CLIENT_ID
                    or form.get("redirect_uri") != asked["redirect_uri"]
                ):
                    self._answer(400, {"error": "invalid_grant"})
                    return
                self._answer(
                    200,
                    {
                        "id_token": issuer.id_token(asked["nonce"]),
                        "token_type": "Bearer",
                        "access_token": "opaque",
                    },
                )

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def discovery(self) -> dict[str, str]:
        return {
            "issuer": self.url,
            "authorization_endpoint": self.url + "/auth",
            "token_endpoint": self.url + "/token",
            "jwks_uri": self.url + "/jwks",
        }

    def id_token(self, nonce: str) -> str:
        now = int(time.time())
        claims = {
            **OFFICIAL,
            "iss": self.url,
            "aud": CLIENT_ID,
            "iat": now,
            "exp": now + 300,
            "nonce": nonce,
            **self.claims_override,
        }
        return jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": "k1"})


@pytest.fixture(scope="module")
def issuer():
    fake = FakeIssuer()
    fake.thread.start()
    yield fake
    fake.server.shutdown()
    fake.server.server_close()


@pytest.fixture
def sessions(issuer):
    forget_discovery()
    issuer.claims_override = {}
    kept = MemoryWebSessions()
    settings = Settings(
        stage="staging", public_base_url=BASE, oidc_issuer=issuer.url, oidc_client_id=CLIENT_ID
    )
    bootstrap.install(
        bootstrap.Container(settings, web_sessions=kept, sign_in_states=MemorySignInStates())
    )
    return kept


def _cookie_pairs(answer) -> str:
    raw = answer.headers.get("Set-Cookie", [])
    return "; ".join(c.split(";", 1)[0] for c in (raw if isinstance(raw, list) else [raw]))


def _begin(client, back_to: str = "/ban-lam-viec?trang=2") -> tuple[str, str]:
    """/dang-nhap, then the issuer's authorization endpoint: the callback's path and query,
    and the browser's cookie."""
    started = client.http.get("/dang-nhap?" + urlencode({"tiep": back_to}))
    assert started.status_code == 303
    location = started.headers["Location"]
    assert location.startswith(client_issuer_url(location) + "/auth?")
    try:
        urllib.request.build_opener(NoRedirect).open(location, timeout=5)
        raise AssertionError("the authorization endpoint did not redirect")
    except urllib.error.HTTPError as back:
        callback = back.headers["Location"]
    assert callback.startswith(BASE + "/dang-nhap/xong?")
    return callback[len(BASE) :], _cookie_pairs(started)


def client_issuer_url(location: str) -> str:
    parts = urlsplit(location)
    return f"{parts.scheme}://{parts.netloc}"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def test_the_code_flow_signs_the_official_in_and_a_replayed_state_is_refused(issuer, sessions):
    with Client(app_module.app) as client:
        callback, cookie = _begin(client)
        assert "__Host-motcua-signin=" in cookie  # a deployed stage's cookies are Secure
        done = client.http.get(callback, headers={"cookie": cookie})
        assert done.status_code == 303
        assert done.headers["Location"] == "/ban-lam-viec?trang=2"
        set_cookies = done.headers["Set-Cookie"]
        session_cookie = next(c for c in set_cookies if c.startswith("__Host-motcua-session="))
        assert "Secure" in session_cookie and "HttpOnly" in session_cookie
        assert any(c.startswith("__Host-motcua-signin=;") for c in set_cookies)  # cleared
        [(actor, _)] = sessions.sessions.values()
        assert (actor.id, actor.name, actor.agency, actor.unit) == (
            "u-42",
            "Lê Văn Hùng",
            "000.00.41.H19",
            "VAN_PHONG",
        )
        assert [str(r) for r in actor.roles] == ["specialist"]
        # the token request carried the verifier, and the verifier never left for the browser
        [asked] = issuer.token_requests[-1:]
        assert asked["code_verifier"] not in callback

        home = client.http.get("/can-bo", headers={"cookie": session_cookie.split(";")[0]})
        assert "Xin chào, Lê Văn Hùng" in home.body.decode()

        replayed = client.http.get(callback, headers={"cookie": cookie})
        assert replayed.status_code == 400
        assert "Phiên đăng nhập đã hết hạn" in replayed.body.decode()
        assert len(sessions.sessions) == 1


def test_a_wrong_nonce_is_refused(issuer, sessions):
    issuer.claims_override = {"nonce": "someone-elses"}
    with Client(app_module.app) as client:
        callback, cookie = _begin(client)
        refused = client.http.get(callback, headers={"cookie": cookie})
    assert refused.status_code == 401
    assert "Không xác minh được tài khoản" in refused.body.decode()
    assert sessions.sessions == {}


def test_an_expired_id_token_is_refused(issuer, sessions):
    past = int(time.time()) - 3600
    issuer.claims_override = {"iat": past, "exp": past + 300}
    with Client(app_module.app) as client:
        callback, cookie = _begin(client)
        refused = client.http.get(callback, headers={"cookie": cookie})
    assert refused.status_code == 401
    assert sessions.sessions == {}


def test_a_token_for_another_client_is_refused(issuer, sessions):
    issuer.claims_override = {"aud": "another-app"}
    with Client(app_module.app) as client:
        callback, cookie = _begin(client)
        assert client.http.get(callback, headers={"cookie": cookie}).status_code == 401
    assert sessions.sessions == {}


def test_an_official_without_a_known_role_is_told_to_ask_for_one(issuer, sessions):
    issuer.claims_override = {"roles": ["applicant"]}
    with Client(app_module.app) as client:
        callback, cookie = _begin(client)
        refused = client.http.get(callback, headers={"cookie": cookie})
    assert refused.status_code == 403
    assert "Tài khoản chưa được phân quyền" in refused.body.decode()
    assert sessions.sessions == {}


def test_a_callback_in_another_browser_or_a_denial_opens_nothing(issuer, sessions):
    with Client(app_module.app) as client:
        callback, _cookie = _begin(client)
        elsewhere = client.http.get(callback)  # no state cookie: not the browser that began
        assert elsewhere.status_code == 400
        assert "Phiên đăng nhập đã hết hạn" in elsewhere.body.decode()

        _callback, cookie = _begin(client)
        state = parse_qs(urlsplit(_callback).query)["state"][0]
        denied = client.http.get(
            "/dang-nhap/xong?" + urlencode({"error": "access_denied", "state": state}),
            headers={"cookie": cookie},
        )
        assert denied.status_code == 400
        assert "Chưa đăng nhập được" in denied.body.decode()
        assert "Đăng nhập lại" in denied.body.decode()
    assert sessions.sessions == {}


def test_an_unreachable_issuer_is_said_plainly(issuer, sessions):
    settings = Settings(
        stage="staging",
        public_base_url=BASE,
        oidc_client_id=CLIENT_ID,
        oidc_issuer="http://127.0.0.1:9",
    )
    bootstrap.install(
        bootstrap.Container(settings, web_sessions=sessions, sign_in_states=MemorySignInStates())
    )
    with Client(app_module.app) as client:
        answer = client.http.get("/dang-nhap")
    assert answer.status_code == 502
    assert "Không kết nối được hệ thống định danh" in answer.body.decode()
