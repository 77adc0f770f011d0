"""Officials' sign-in and sign-out pages (a Chalice Blueprint, registered by app.py).

- `GET /dang-nhap?tiep=<page>`: with an OIDC issuer configured, a new sign-in (state, nonce,
  PKCE verifier kept 10 minutes by `SignInStates`; the state also in a short cookie, so that
  only the browser that began a sign-in can finish it) and 303 to the issuer's authorization
  endpoint. Without one, the local stage lists its sample officials (the development sign-in);
  a deployed stage shows that sign-in is not configured (and logs it).
- `GET /dang-nhap/xong`: the issuer's callback. The state is taken once; the code exchanged
  with the verifier (adapters/oidc_issuer.py); the ID token checked (auth/oidc.py); a session
  started; 303 to the page the official came from. A failure shows what happened and what to
  do next.
- `POST /dang-nhap/thu`: the development sign-in (local stage only, else 404).
- `GET|POST /dang-xuat`: sign-out (the form posts, CSRF-checked), then 303 to `/`.
- `GET /can-bo`: the officials' landing page.

Heavy imports (PyJWT, Jinja2, YAML) wait for the routes: app.py imports this at INIT.
"""

from __future__ import annotations

import hmac
from http.cookies import CookieError, SimpleCookie
from typing import Any

from chalice import Blueprint, Response

from chalicelib import bootstrap, observability
from chalicelib.web.boundary import page_route
from chalicelib.web.context import PageRequest
from chalicelib.web.errors import PageRefused
from chalicelib.web.officials import NEXT, SIGN_IN_PATH, session_id_of, start_session
from chalicelib.web.sign_in_flow import STATE_LIFETIME, local_path
from chalicelib.web.site import Site

blueprint = Blueprint(__name__)
ANY_TYPE = ["*/*"]  # the form reader checks the content type (a 4xx page, not Chalice's 415)
CALLBACK_PATH = SIGN_IN_PATH + "/xong"
LOCAL_SIGN_IN_PATH = SIGN_IN_PATH + "/thu"
SIGN_OUT_PATH = "/dang-xuat"
OFFICIALS_HOME = "/can-bo"
STATE_COOKIE = "__Host-motcua-signin"
LOCAL_STATE_COOKIE = "motcua-signin"
MAX_STATE_CHARS = 128


def _site() -> Site:
    return Site.from_settings(bootstrap.container().settings)


pages = page_route(blueprint, _site)


def _request() -> PageRequest:
    return PageRequest(blueprint.current_request)


def _html(
    name: str, http_status: int = 200, headers: dict[str, Any] | None = None, **context: Any
) -> Response:
    from chalicelib.web.headers import page
    from chalicelib.web.templates import render

    return page(render(name, **context), http_status, headers)


def _see_other(site: Site, path: str, headers: dict[str, Any] | None = None) -> Response:
    from chalicelib.web.headers import page

    return page("", 303, {"Location": site.url(path), **(headers or {})})


def _state_cookie(site: Site, value: str, max_age: int) -> str:
    name = STATE_COOKIE if site.secure else LOCAL_STATE_COOKIE
    # SameSite=Lax: the identity provider's redirect back is a top-level GET from its site.
    attributes = f"Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax"
    return f"{name}={value}; {attributes}" + ("; Secure" if site.secure else "")


def _state_from_cookie(request: PageRequest) -> str | None:
    try:
        jar: SimpleCookie = SimpleCookie(request.headers.get("cookie") or "")
    except CookieError:
        return None
    morsel = jar.get(STATE_COOKIE if request.site.secure else LOCAL_STATE_COOKIE)
    return morsel.value if morsel is not None else None


def _failure(request: PageRequest, kind: str, status: int, back_to: str = "/") -> Response:
    from chalicelib.web.sign_in_errors import SIGN_IN_ERRORS

    return _html("sign_in_error.html", status, site=request.site, status=status,
                 text=SIGN_IN_ERRORS[kind], back_to=back_to)  # fmt: skip


@blueprint.route(SIGN_IN_PATH, methods=["GET"])
@pages
def sign_in_page() -> Response:
    """Where a page needing an official sends the browser (`?tiep=` the page, local only)."""
    request = _request()
    settings = request.container.settings
    back_to = local_path(request.query().get(NEXT))
    if settings.oidc_issuer:
        return _to_identity_provider(request, back_to)
    if settings.is_local_stage:
        return _local_sign_in_page(request, back_to)
    observability.get_logger().error(
        "officials cannot sign in: no OIDC issuer is configured "
        "(MOTCUA_OIDC_ISSUER, MOTCUA_OIDC_CLIENT_ID; see docs/deploying.md)"
    )
    return _failure(request, "not_configured", 503, back_to)


def _to_identity_provider(request: PageRequest, back_to: str) -> Response:
    from chalicelib.adapters.oidc_issuer import discover
    from chalicelib.ports.identity import SignInFailed
    from chalicelib.web.sign_in_flow import authorization_url, begin

    c = request.container
    settings = c.settings
    try:
        provider = discover(settings.oidc_issuer)
    except SignInFailed as failed:
        observability.get_logger().warning(f"sign-in: {failed}")
        return _failure(request, failed.kind, failed.status, back_to)
    start = begin(back_to)
    c.sign_in_states.keep(start.state, start.pending, expires_at=c.now() + STATE_LIFETIME)
    location = authorization_url(
        provider.authorization_endpoint,
        client_id=settings.oidc_client_id,
        redirect_uri=settings.oidc_redirect_uri,
        scopes=settings.oidc_scopes,
        start=start,
    )
    from chalicelib.web.headers import page

    cookie = _state_cookie(request.site, start.state, int(STATE_LIFETIME.total_seconds()))
    return page("", 303, {"Location": location, "Set-Cookie": cookie})


@blueprint.route(CALLBACK_PATH, methods=["GET"])
@pages
def sign_in_callback() -> Response:
    """The identity provider sends the browser back here with `code` and `state` (or
    `error`)."""
    from chalicelib.adapters.oidc_issuer import discover, exchange_code
    from chalicelib.auth.oidc import official_from_id_token
    from chalicelib.ports.identity import SignInFailed

    request = _request()
    c = request.container
    settings = c.settings
    log = observability.get_logger()
    if not settings.oidc_issuer:
        raise PageRefused(404)
    query = request.query()
    state = query.get("state", "")
    cookie_state = _state_from_cookie(request)
    same_browser = cookie_state is not None and hmac.compare_digest(
        cookie_state.encode(), state.encode()
    )
    # Taken before anything else: whatever comes next, this state opens nothing again.
    pending = (
        c.sign_in_states.take(state, now=c.now()) if 0 < len(state) <= MAX_STATE_CHARS else None
    )
    if "error" in query:
        log.info(f"sign-in: the issuer answered error={query['error'][:64]!r}")
        kind = "denied" if query["error"] == "access_denied" else "provider_error"
        return _failure(request, kind, 400, pending.back_to if pending else "/")
    if pending is None or not same_browser:
        log.info("sign-in: unknown, used, expired or another browser's state")
        return _failure(request, "expired", 400)
    code = query.get("code", "")
    if not code:
        return _failure(request, "provider_error", 400, pending.back_to)
    try:
        provider = discover(settings.oidc_issuer)
        token = exchange_code(
            provider,
            code=code,
            verifier=pending.verifier,
            client_id=settings.oidc_client_id,
            client_secret=c.oidc_client_secret,
            redirect_uri=settings.oidc_redirect_uri,
        )
        official = official_from_id_token(
            token,
            provider=provider,
            client_id=settings.oidc_client_id,
            nonce=pending.nonce,
            max_lifetime=settings.jwt_max_lifetime,
        )
    except SignInFailed as failed:
        log.warning(f"sign-in: {failed}")
        return _failure(request, failed.kind, failed.status, pending.back_to)
    log.info("sign-in: an official signed in", official=official.id, agency=official.agency)
    return _signed_in(request, official, pending.back_to,
                      extra_cookies=[_state_cookie(request.site, "", 0)])  # fmt: skip


def _signed_in(
    request: PageRequest, official: Any, back_to: str, extra_cookies: list[str] | None = None
) -> Response:
    """A new session for `official` (any session this browser had ends), and back to the page."""
    c = request.container
    site = request.site
    previous = session_id_of(request.headers, secure=site.secure)
    if previous is not None:
        c.web_sessions.end(previous)
    cookie = start_session(official, c.web_sessions, now=c.now(),
                           hours=c.settings.web_session_hours, secure=site.secure)  # fmt: skip
    cookies = [cookie, *(extra_cookies or [])]
    return _see_other(site, back_to, {"Set-Cookie": cookies if len(cookies) > 1 else cookie})


# -- the local stage's development sign-in ------------------------------------------------------
def _local_sign_in_allowed(request: PageRequest) -> bool:
    settings = request.container.settings
    return settings.is_local_stage and not settings.oidc_issuer


def _local_sign_in_page(request: PageRequest, back_to: str) -> Response:
    from chalicelib.adapters.sample_officials import sample_officials

    officials = sample_officials(request.container.data_dir).values()
    csrf = request.csrf
    return _html("sign_in_local.html", headers=csrf.headers, site=request.site, official=None,
                 officials=officials, back_to=back_to, csrf_token=csrf.value)  # fmt: skip


@blueprint.route(LOCAL_SIGN_IN_PATH, methods=["POST"], content_types=ANY_TYPE)
@pages
def local_sign_in() -> Response:
    """The development sign-in: the local stage only; a deployed stage has no such page."""
    from chalicelib.adapters.sample_officials import sample_officials

    request = _request()
    if not _local_sign_in_allowed(request):
        raise PageRefused(404)
    fields = request.form()
    chosen = sample_officials(request.container.data_dir).get(fields.get("nguoi", ""))
    if chosen is None:
        raise PageRefused(400)
    return _signed_in(request, chosen.actor(), local_path(fields.get(NEXT)))


# -- signing out, and the officials' landing page -----------------------------------------------
@blueprint.route(SIGN_OUT_PATH, methods=["GET", "POST"], content_types=ANY_TYPE)
@pages
def sign_out() -> Response:
    """GET: a page with the sign-out button (for pages whose header has no form token);
    POST (CSRF-checked): the session ends on the server, its cookie is cleared, back to /."""
    from chalicelib.web.officials import end_session

    request = _request()
    site = request.site
    if request.method == "GET":
        csrf = request.csrf
        return _html("sign_out.html", headers=csrf.headers, site=site,
                     official=request.official_or_none(), csrf_token=csrf.value)  # fmt: skip
    request.form()
    cleared = end_session(request.headers, request.container.web_sessions, secure=site.secure)
    return _see_other(site, "/", {"Set-Cookie": cleared})


@blueprint.route(OFFICIALS_HOME, methods=["GET"])
@pages
def officials_home() -> Response:
    request = _request()
    official = request.official()
    csrf = request.csrf
    return _html("officials_home.html", headers=csrf.headers, site=request.site,
                 official=official, csrf_token=csrf.value)  # fmt: skip
