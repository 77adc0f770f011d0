"""What every page answers with: the HTML, its status and the security headers."""

from __future__ import annotations

from chalice import Response

HTML = "text/html; charset=utf-8"
# Self only, no inline script or style (htmx's own indicator style is switched off in the base
# layout's htmx-config), no eval, no framing, forms post only here.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    )
)
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


def page(html: str, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """An HTML page with the security headers (`headers` adds to them, e.g. Set-Cookie)."""
    return Response(
        body=html,
        status_code=status,
        headers={
            "Content-Type": HTML,
            "Cache-Control": PAGE_CACHE,
            **SECURITY_HEADERS,
            **(headers or {}),
        },
    )
