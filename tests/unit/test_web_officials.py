"""Officials on the pages: a session cookie that holds only a random id, the official found on
the server, sign-out final at once, and a page that needs an official sends the browser to the
sign-in page with the way back."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.adapters.web_sessions import MemoryWebSessions
from chalicelib.domain.dossier import Actor
from chalicelib.domain.statuses import Role
from chalicelib.web import officials
from chalicelib.web.boundary import renders_pages
from chalicelib.web.site import Site
from tests.unit.builders import at

NOW = at(2026, 3, 2, 9)
LEADER = Actor(id="ld-1", name="Phạm Quốc Bảo", agency="000.00.41.H19", unit="LANH_DAO",
               roles=frozenset({Role.LEADER}))  # fmt: skip


def cookie_header(set_cookie: str) -> dict[str, str]:
    return {"cookie": set_cookie.split(";", 1)[0]}


@pytest.mark.parametrize("secure", [True, False])
def test_a_session_cookie_carries_an_id_only_and_finds_its_official(secure):
    sessions = MemoryWebSessions()
    set_cookie = officials.start_session(LEADER, sessions, now=NOW, hours=10, secure=secure)
    name, _, rest = set_cookie.partition("=")
    assert name == officials.cookie_name(secure)
    assert "HttpOnly" in rest and "SameSite=Lax" in rest and ("Secure" in rest) is secure
    assert "Phạm" not in set_cookie and "ld-1" not in set_cookie and "LANH_DAO" not in set_cookie
    headers = cookie_header(set_cookie)
    assert officials.signed_in(headers, sessions, now=NOW, secure=secure) == LEADER
    later = NOW + timedelta(hours=10)
    assert officials.signed_in(headers, sessions, now=later, secure=secure) is None
    # The other cookie name (a Secure site reading a local cookie) opens nothing.
    assert officials.signed_in(headers, sessions, now=NOW, secure=not secure) is None


def test_signing_out_ends_the_session_on_the_server_and_clears_the_cookie():
    sessions = MemoryWebSessions()
    headers = cookie_header(officials.start_session(LEADER, sessions, now=NOW, hours=10,
                                                    secure=True))  # fmt: skip
    cleared = officials.end_session(headers, sessions, secure=True)
    assert cleared.startswith(f"{officials.SECURE_COOKIE}=;") and "Max-Age=0" in cleared
    assert officials.signed_in(headers, sessions, now=NOW, secure=True) is None


@pytest.mark.parametrize(
    "cookie",
    ["", "garbage", f"{officials.SECURE_COOKIE}=short", f'{officials.SECURE_COOKIE}="a;b"'],
)
def test_a_missing_or_malformed_cookie_is_nobody(cookie):
    sessions = MemoryWebSessions()
    assert officials.signed_in({"cookie": cookie}, sessions, now=NOW, secure=True) is None
    with pytest.raises(officials.SignInRequired) as raised:
        officials.require_official({"cookie": cookie}, sessions, now=NOW, secure=True,
                                   back_to="/ho-so/000.00.41.H19-260302-0001?tab=1")  # fmt: skip
    assert raised.value.location("/api") == (
        "/api/dang-nhap?tiep=/ho-so/000.00.41.H19-260302-0001%3Ftab%3D1"
    )


def test_the_page_boundary_answers_a_sign_in_redirect():
    def page():
        raise officials.SignInRequired("/quay")

    answer = renders_pages(lambda: Site(base_path="", secure=True))(page)()
    assert answer.status_code == 303
    assert answer.headers["Location"] == "/dang-nhap?tiep=/quay"
