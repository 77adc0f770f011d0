"""What a page route reads of its request, in one place: the site, the query, the posted form
(its CSRF token checked), the form token to put in the page, and the signed-in official.

Pages are registered on the app directly (`app.py`) or on a Chalice Blueprint per area
(`chalicelib/web/*_pages.py`); both hand their `current_request` here.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from chalicelib import bootstrap
from chalicelib.domain.dossier import Actor
from chalicelib.web.csrf import CsrfToken, require_token, token_for
from chalicelib.web.form_body import form_fields
from chalicelib.web.officials import require_official, signed_in
from chalicelib.web.site import Site


@dataclass
class PageRequest:
    request: Any  # chalice.app.Request, or None outside a request

    @property
    def container(self) -> bootstrap.Container:
        return bootstrap.container()

    @cached_property
    def site(self) -> Site:
        return Site.from_settings(self.container.settings)

    @property
    def headers(self) -> Any:
        return self.request.headers if self.request is not None else {}

    @property
    def method(self) -> str:
        return self.request.method if self.request is not None else "GET"

    @property
    def path(self) -> str:
        """The page's own path (with its query), to come back to after signing in."""
        if self.request is None:
            return "/"
        path = self.request.context.get("resourcePath", "/") if self.request.context else "/"
        for name, value in (self.request.uri_params or {}).items():
            path = path.replace("{" + name + "}", value)
        query = self.request.query_params or {}
        if query:
            from urllib.parse import urlencode

            path += "?" + urlencode(dict(query))
        return path

    def query(self) -> dict[str, str]:
        return dict(self.request.query_params or {}) if self.request is not None else {}

    @cached_property
    def csrf(self) -> CsrfToken:
        """The token the page's forms carry (and its cookie, when the browser had none)."""
        return token_for(self.headers, secure=self.site.secure)

    def form(self) -> dict[str, str]:
        """The posted form's fields, once its CSRF token matched the cookie's (else 403)."""
        raw = self.request.raw_body if self.request is not None else b""
        max_bytes = self.container.settings.max_body_bytes
        fields = form_fields(self.headers.get("content-type"), raw, max_bytes)
        require_token(self.headers, fields, secure=self.site.secure)
        return fields

    def official_or_none(self) -> Actor | None:
        c = self.container
        return signed_in(self.headers, c.web_sessions, now=c.now(), secure=self.site.secure)

    def official(self) -> Actor:
        """The signed-in official; none: the browser goes to the sign-in page (303)."""
        c = self.container
        return require_official(self.headers, c.web_sessions, now=c.now(),
                                secure=self.site.secure, back_to=self.path)  # fmt: skip
