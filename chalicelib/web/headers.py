"""What every page answers with: the HTML, its status and the security headers."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from chalice import Response

HTML = "text/html; charset=utf-8"


def content_security_policy(form_targets: Iterable[str] = ()) -> str:
    """Self only, no inline script or style (htmx's own indicator style is switched off in the
    base layout's htmx-config), no eval, no framing; forms post only here, and to the origins
    in `form_targets` (the counter's file upload posts to the file bucket: that page only)."""
    form_action = " ".join(("'self'", *sorted(set(form_targets))))
    return "; ".join(
        (
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self'",
            "connect-src 'self'",
            f"form-action {form_action}",
            "frame-ancestors 'none'",
            "base-uri 'none'",
        )
    )


def origin_of(url: str) -> str:
    """`scheme://host[:port]` of an absolute URL (what a CSP source names, nothing wider)."""
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        raise ValueError(f"not an absolute URL: {url!r}")
    return f"{parts.scheme}://{parts.netloc}"


CONTENT_SECURITY_POLICY = content_security_policy()
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    # A dossier code is in the lookup's URL (the QR code's link): it goes to no other site.
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
}
# A page may show a dossier's status to whoever opened it: no shared or back-button copies.
PAGE_CACHE = "no-store"


def page(
    html: str,
    status: int = 200,
    headers: dict[str, str] | None = None,
    *,
    form_targets: Iterable[str] = (),
) -> Response:
    """An HTML page with the security headers (`headers` adds to them, e.g. Set-Cookie);
    `form_targets`: other origins this page's forms post to."""
    security = dict(SECURITY_HEADERS)
    targets = tuple(form_targets)
    if targets:
        security["Content-Security-Policy"] = content_security_policy(targets)
    return Response(
        body=html,
        status_code=status,
        headers={
            "Content-Type": HTML,
            "Cache-Control": PAGE_CACHE,
            **security,
            **(headers or {}),
        },
    )
