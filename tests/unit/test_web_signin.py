"""Officials' sign-in (chalicelib/web/sign_in_flow.py, signin_pages.py): the way back stays on
this site, the PKCE pair and the authorization address, the local stage's development sign-in
and a deployed stage's refusal of it, sign-out through a CSRF-checked form. The whole OIDC
flow against a fake issuer: tests/integration/test_oidc_sign_in.py."""

from __future__ import annotations

import base64
import hashlib
import re
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from chalice.test import Client

import app as app_module
from chalicelib import bootstrap
from chalicelib.adapters.sample_officials import sample_officials
from chalicelib.adapters.sign_in_states import MemorySignInStates
from chalicelib.adapters.web_sessions import MemoryWebSessions
from chalicelib.settings import Settings
from chalicelib.web.sign_in_flow import authorization_url, begin, code_challenge, local_path

FORM = {"content-type": "application/x-www-form-urlencoded"}


@pytest.mark.parametrize(
    "given, expected",
    [
        ("/ban-lam-viec?trang=2", "/ban-lam-viec?trang=2"),
        ("/", "/"),
        (None, "/"),
        ("", "/"),
        ("//evil.example/x", "/"),
        ("/\\evil.example", "/"),
        ("https://evil.example/", "/"),
        ("evil.example", "/"),
        ("javascript:alert(1)", "/"),
        ("/a\nLocation: x", "/"),
        ("/a b", "/"),
        ("/" + "a" * 3000, "/"),
    ],
)
def test_the_way_back_is_a_path_on_this_site_or_the_home_page(given, expected):
    assert local_path(given) == expected


def test_the_pkce_challenge_is_s256_of_the_verifier():
    # RFC 7636 appendix B's example
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    assert code_challenge(verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def test_each_sign_in_has_its_own_random_state_nonce_and_verifier():
    one, two = begin("/quay"), begin("//evil.example")
    assert one.pending.back_to == "/quay" and two.pending.back_to == "/"
    values = {one.state, one.pending.nonce, one.pending.verifier, two.state, two.pending.nonce}
    assert len(values) == 5
    assert 43 <= len(one.pending.verifier) <= 128
    assert re.fullmatch(r"[A-Za-z0-9_-]+", one.pending.verifier)


def test_the_authorization_address_carries_the_code_flow_and_the_challenge():
    start = begin("/quay")
    url = authorization_url(
        "https://id.example/auth?realm=h19",
        client_id="motcua",
        redirect_uri="https://mc.example/dang-nhap/xong",
        scopes="openid profile",
        start=start,
    )
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert parts.netloc == "id.example" and query["realm"] == "h19"
    digest = hashlib.sha256(start.pending.verifier.encode()).digest()
    assert query == {
        "realm": "h19",
        "response_type": "code",
        "client_id": "motcua",
        "redirect_uri": "https://mc.example/dang-nhap/xong",
        "scope": "openid profile",
        "state": start.state,
        "nonce": start.pending.nonce,
        "code_challenge": base64.urlsafe_b64encode(digest).rstrip(b"=").decode(),
        "code_challenge_method": "S256",
    }
    assert start.pending.verifier not in url


def test_an_issuer_must_be_https_or_loopback_and_have_a_client():
    with pytest.raises(ValueError, match="MOTCUA_OIDC_ISSUER"):
        Settings(oidc_issuer="http://id.example", oidc_client_id="motcua")
    with pytest.raises(ValueError, match="MOTCUA_OIDC_CLIENT_ID"):
        Settings(oidc_issuer="https://id.example")
    with pytest.raises(ValueError, match="openid"):
        Settings(oidc_issuer="https://id.example", oidc_client_id="m", oidc_scopes="profile")
    local = Settings(
        oidc_issuer="http://127.0.0.1:8999/realms/h19",
        oidc_client_id="motcua",
        public_base_url="https://mc.example/api",
    )
    assert local.oidc_redirect_uri == "https://mc.example/api/dang-nhap/xong"


# -- the pages -------------------------------------------------------------------------------
def _install(stage: str, **settings: str) -> MemoryWebSessions:
    sessions = MemoryWebSessions()
    chosen = Settings(stage=stage, public_base_url="http://127.0.0.1:8000", **settings)
    bootstrap.install(
        bootstrap.Container(chosen, web_sessions=sessions, sign_in_states=MemorySignInStates())
    )
    return sessions


def _cookies(response) -> dict[str, str]:
    raw = response.headers.get("Set-Cookie", "")
    values = raw if isinstance(raw, list) else [raw]
    return dict(v.split(";", 1)[0].split("=", 1) for v in values if v)


def _csrf(client, cookie: str = "") -> tuple[str, str]:
    page = client.http.get("/dang-xuat", headers={"cookie": cookie} if cookie else {})
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.body.decode()).group(1)
    return token, f"motcua-csrf={token}"


def test_a_page_for_officials_sends_the_browser_to_the_sign_in_with_the_way_back():
    _install("local")
    with Client(app_module.app) as client:
        answer = client.http.get("/can-bo")
    assert answer.status_code == 303
    assert answer.headers["Location"] == "/dang-nhap?tiep=/can-bo"


def test_the_local_stage_lists_the_sample_officials_and_signs_one_in():
    sessions = _install("local")
    with Client(app_module.app) as client:
        listed = client.http.get("/dang-nhap?tiep=/quay")
        html = listed.body.decode()
        assert listed.status_code == 200
        for official in sample_officials().values():
            assert official.name in html
        assert 'name="tiep" value="/quay"' in html
        token, csrf_cookie = _csrf(client)
        body = urlencode({"csrf_token": token, "nguoi": "ward_receiver", "tiep": "/quay"})
        signed = client.http.post(
            "/dang-nhap/thu", headers={**FORM, "cookie": csrf_cookie}, body=body
        )
        assert signed.status_code == 303 and signed.headers["Location"] == "/quay"
        session = _cookies(signed)["motcua-session"]
        assert "HttpOnly" in signed.headers["Set-Cookie"]
        assert "Trần" not in signed.headers["Set-Cookie"]  # no personal data in the cookie
        home = client.http.get("/can-bo", headers={"cookie": f"motcua-session={session}"})
        assert home.status_code == 200
        assert "Xin chào, Trần Thị Mai" in home.body.decode()
        assert "Cán bộ tiếp nhận" in home.body.decode()  # the header's role
        assert len(sessions.sessions) == 1


def test_the_development_sign_in_refuses_a_missing_token_an_unknown_official_and_far_paths():
    _install("local")
    with Client(app_module.app) as client:
        token, csrf_cookie = _csrf(client)
        no_token = client.http.post(
            "/dang-nhap/thu",
            headers={**FORM, "cookie": csrf_cookie},
            body=urlencode({"nguoi": "ward_receiver"}),
        )
        assert no_token.status_code == 403
        unknown = client.http.post(
            "/dang-nhap/thu",
            headers={**FORM, "cookie": csrf_cookie},
            body=urlencode({"csrf_token": token, "nguoi": "root"}),
        )
        assert unknown.status_code == 400
        far = client.http.post(
            "/dang-nhap/thu",
            headers={**FORM, "cookie": csrf_cookie},
            body=urlencode(
                {"csrf_token": token, "nguoi": "ward_leader", "tiep": "//evil.example/"}
            ),
        )
        assert far.status_code == 303 and far.headers["Location"] == "/"


@pytest.mark.parametrize("stage", ["dev", "staging", "prod"])
def test_a_deployed_stage_refuses_the_development_sign_in(stage):
    sessions = _install(stage)
    with Client(app_module.app) as client:
        token, csrf_cookie = _csrf(client)
        body = urlencode({"csrf_token": token, "nguoi": "ward_leader", "tiep": "/"})
        refused = client.http.post(
            "/dang-nhap/thu", headers={**FORM, "cookie": csrf_cookie}, body=body
        )
        assert refused.status_code == 404
        assert "set-cookie" not in {k.lower() for k in refused.headers}
        page = client.http.get("/dang-nhap")  # no issuer configured: said plainly
        assert page.status_code == 503
        html = page.body.decode()
        assert "Chưa thể đăng nhập" in html and "MOTCUA_OIDC_ISSUER" in html
        assert "ward_leader" not in html and "Phạm Quốc Bảo" not in html
    assert sessions.sessions == {}


def test_signing_out_ends_the_session_on_the_server_and_needs_the_form_token():
    sessions = _install("local")
    official = sample_officials()["ward_leader"].actor()
    from chalicelib.web.officials import start_session

    cookie = start_session(
        official, sessions, now=bootstrap.container().now(), hours=1, secure=False
    ).split(";", 1)[0]
    with Client(app_module.app) as client:
        token, csrf_cookie = _csrf(client, cookie)
        both = f"{cookie}; {csrf_cookie}"
        forged = client.http.post("/dang-xuat", headers={**FORM, "cookie": both}, body="")
        assert forged.status_code == 403 and len(sessions.sessions) == 1
        out = client.http.post(
            "/dang-xuat", headers={**FORM, "cookie": both}, body=urlencode({"csrf_token": token})
        )
        assert out.status_code == 303 and out.headers["Location"] == "/"
        assert "Max-Age=0" in out.headers["Set-Cookie"]
        assert sessions.sessions == {}
        again = client.http.get("/can-bo", headers={"cookie": cookie})
        assert again.status_code == 303
