"""CSRF protection for every page form: the double-submit token.

A page that shows a form sets a random token in a cookie (HttpOnly, SameSite=Strict, Secure
outside plain-HTTP local runs) and puts the same token in the form's hidden field. A POST is
accepted only when both are there, well formed and equal (compared in constant time): another
site can make a browser send the cookie, but it cannot read it to fill the field. Nothing is
stored on the server, so it needs no table and no key.
"""

from __future__ import annotations

import hmac
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from http.cookies import CookieError, SimpleCookie

from chalicelib.web.errors import PageRefused

FIELD = "csrf_token"
# `__Host-`: the browser keeps it only when Secure, from this host, path /, no Domain.
SECURE_COOKIE = "__Host-motcua-csrf"
LOCAL_COOKIE = "motcua-csrf"
TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")  # secrets.token_urlsafe(32)
MAX_AGE = 8 * 3600  # a working day at the counter; a citizen's page reloads with a new one


@dataclass(frozen=True)
class CsrfToken:
    """The token a page puts in its forms, and the Set-Cookie header when it is new."""

    value: str
    set_cookie: str | None

    @property
    def headers(self) -> dict[str, str]:
        return {"Set-Cookie": self.set_cookie} if self.set_cookie else {}


def cookie_name(secure: bool) -> str:
    return SECURE_COOKIE if secure else LOCAL_COOKIE


def _from_cookie(headers: Mapping[str, str], secure: bool) -> str | None:
    raw = headers.get("cookie") or ""
    try:
        jar: SimpleCookie = SimpleCookie(raw)
    except CookieError:
        return None
    morsel = jar.get(cookie_name(secure))
    value = morsel.value if morsel is not None else None
    return value if value is not None and TOKEN.fullmatch(value) else None


def token_for(headers: Mapping[str, str], *, secure: bool) -> CsrfToken:
    """The browser's token if it has one, else a new one to set."""
    kept = _from_cookie(headers, secure)
    if kept is not None:
        return CsrfToken(kept, None)
    value = secrets.token_urlsafe(32)
    attributes = f"Path=/; Max-Age={MAX_AGE}; HttpOnly; SameSite=Strict"
    if secure:
        attributes += "; Secure"
    return CsrfToken(value, f"{cookie_name(secure)}={value}; {attributes}")


def require_token(headers: Mapping[str, str], fields: Mapping[str, str], *, secure: bool) -> None:
    """Refuses (403 page) a POST whose form token is missing or not the cookie's."""
    kept = _from_cookie(headers, secure)
    given = fields.get(FIELD) or ""
    if kept is None or not hmac.compare_digest(kept.encode(), given.encode()):
        raise PageRefused(403)
