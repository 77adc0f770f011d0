"""Which official a page request comes from: their session cookie, looked up on the server.

The cookie holds a random id and nothing else (no name, no agency: no personal data in the
browser); it is HttpOnly, SameSite=Lax (the sign-in's redirect back from the province's
identity provider must carry it) and, outside plain-HTTP local runs, Secure with the `__Host-`
prefix. The official behind it is kept by `WebSessions` (ports/web_sessions.py) until the
session expires or they sign out.

A page for officials calls `require_official`: no session, and the browser is sent to the
sign-in page (303) with the page to come back to.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from datetime import datetime, timedelta
from http.cookies import CookieError, SimpleCookie
from urllib.parse import quote

from chalicelib.domain.dossier import Actor
from chalicelib.ports.web_sessions import WebSessions

SECURE_COOKIE = "__Host-motcua-session"
LOCAL_COOKIE = "motcua-session"
SESSION_ID = re.compile(r"[A-Za-z0-9_-]{43}")  # secrets.token_urlsafe(32)
SIGN_IN_PATH = "/dang-nhap"
NEXT = "tiep"  # the sign-in page's parameter: where to go back to


class SignInRequired(Exception):
    """The page needs an official: the boundary answers 303 to the sign-in page."""

    def __init__(self, back_to: str) -> None:
        super().__init__(back_to)
        self.back_to = back_to

    def location(self, base_path: str) -> str:
        return f"{base_path}{SIGN_IN_PATH}?{NEXT}={quote(self.back_to, safe='/')}"


def cookie_name(secure: bool) -> str:
    return SECURE_COOKIE if secure else LOCAL_COOKIE


def session_id_of(headers: Mapping[str, str], *, secure: bool) -> str | None:
    try:
        jar: SimpleCookie = SimpleCookie(headers.get("cookie") or "")
    except CookieError:
        return None
    morsel = jar.get(cookie_name(secure))
    value = morsel.value if morsel is not None else None
    return value if value is not None and SESSION_ID.fullmatch(value) else None


def signed_in(
    headers: Mapping[str, str], sessions: WebSessions, *, now: datetime, secure: bool
) -> Actor | None:
    """The official of this request's session, if any."""
    session_id = session_id_of(headers, secure=secure)
    return None if session_id is None else sessions.find(session_id, now=now)


def require_official(
    headers: Mapping[str, str],
    sessions: WebSessions,
    *,
    now: datetime,
    secure: bool,
    back_to: str,
) -> Actor:
    official = signed_in(headers, sessions, now=now, secure=secure)
    if official is None:
        raise SignInRequired(back_to)
    return official


def start_session(
    actor: Actor, sessions: WebSessions, *, now: datetime, hours: int, secure: bool
) -> str:
    """A new session for `actor`: the Set-Cookie header that carries it."""
    session_id = secrets.token_urlsafe(32)
    sessions.start(session_id, actor, expires_at=now + timedelta(hours=hours))
    attributes = f"Path=/; Max-Age={hours * 3600}; HttpOnly; SameSite=Lax"
    if secure:
        attributes += "; Secure"
    return f"{cookie_name(secure)}={session_id}; {attributes}"


def end_session(headers: Mapping[str, str], sessions: WebSessions, *, secure: bool) -> str:
    """Sign out: the session ends on the server; the Set-Cookie header that clears it."""
    session_id = session_id_of(headers, secure=secure)
    if session_id is not None:
        sessions.end(session_id)
    attributes = "Path=/; Max-Age=0; HttpOnly; SameSite=Lax" + ("; Secure" if secure else "")
    return f"{cookie_name(secure)}=; {attributes}"
