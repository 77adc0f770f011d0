"""Officials' sign-in with the province's OpenID Connect issuer: the authorization-code flow
with PKCE, from the server's side (the browser's side: chalicelib/web/signin_pages.py).

- **Discovery**: `<issuer>/.well-known/openid-configuration`, fetched with the project's HTTP
  exchange (adapters/http_client.py) and kept for an hour per process; its `issuer` must be the
  configured one (OpenID Connect Discovery §4.3).
- **The code** is exchanged at the token endpoint with the PKCE verifier; a confidential client
  also authenticates with its secret (HTTP Basic, `client_secret_basic`), a public one sends its
  `client_id` only.
- **The ID token** is checked as an access token is (auth/tokens.py's `TokenVerifier` over the
  issuer's JWKS, RS256: signature, `iss`, `aud` = our client id, `exp`, `iat`, the lifetime cap),
  plus `nonce` (the one this sign-in kept) and, with several audiences, `azp`. Its claims map
  to the `Actor` as an access token's do (`actor_from_claims`: `sub`, `name`, `agency`, `unit`,
  `roles`): the province's identity provider puts those claims in the ID token.
"""

from __future__ import annotations

import base64
import hmac
import json
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from chalicelib.adapters.http_client import http_request
from chalicelib.domain.dossier import Actor

DISCOVERY_PATH = "/.well-known/openid-configuration"
DISCOVERY_SECONDS = 3600
HTTP_SECONDS = 5.0
MAX_ID_TOKEN_CHARS = 8192


class SignInFailed(Exception):
    """The sign-in cannot go on. `kind` picks what the official is told (signin_pages.py);
    the message, in English, is for the log."""

    def __init__(self, kind: str, message: str, status: int) -> None:
        super().__init__(message)
        self.kind = kind
        self.status = status


def _unavailable(message: str) -> SignInFailed:
    return SignInFailed("issuer_unavailable", message, 502)


@dataclass(frozen=True)
class Provider:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str


_discovered: dict[str, tuple[Provider, float]] = {}
_discovery_lock = threading.Lock()


def _json_object(answer: Any, what: str) -> dict[str, Any]:
    if answer.status != 200:
        reason = answer.error or f"HTTP {answer.status}"
        raise _unavailable(f"{what}: {reason}")
    try:
        document = json.loads(answer.body)
    except ValueError:
        raise _unavailable(f"{what}: not JSON") from None
    if not isinstance(document, dict):
        raise _unavailable(f"{what}: not a JSON object")
    return document


def discover(issuer: str) -> Provider:
    """The issuer's endpoints, from its discovery document (kept for an hour)."""
    with _discovery_lock:
        kept = _discovered.get(issuer)
        if kept is not None and time.monotonic() - kept[1] < DISCOVERY_SECONDS:
            return kept[0]
    url = issuer.rstrip("/") + DISCOVERY_PATH
    answer = http_request(
        "GET", url, body=None, headers={"Accept": "application/json"}, timeout=HTTP_SECONDS
    )
    document = _json_object(answer, "the issuer's discovery document")
    fields = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")
    missing = [n for n in fields if not isinstance(document.get(n), str) or not document[n]]
    if missing:
        raise _unavailable(f"the issuer's discovery document has no {', '.join(missing)}")
    values: dict[str, str] = {name: document[name] for name in fields}
    if values["issuer"].rstrip("/") != issuer.rstrip("/"):
        raise _unavailable(f"the discovery document names issuer {values['issuer']!r}")
    provider = Provider(**values)
    with _discovery_lock:
        _discovered[issuer] = (provider, time.monotonic())
    return provider


def forget_discovery() -> None:
    """Tests: the next sign-in reads the discovery document again."""
    with _discovery_lock:
        _discovered.clear()


def exchange_code(
    provider: Provider,
    *,
    code: str,
    verifier: str,
    client_id: str,
    client_secret: str | None,
    redirect_uri: str,
) -> str:
    """The ID token the token endpoint gives for `code` and its PKCE verifier."""
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri,
        "code_verifier": verifier,
    }
    headers = {"Accept": "application/json", "Content-Type": "application/x-www-form-urlencoded"}
    if client_secret is None:
        form["client_id"] = client_id
    else:  # RFC 6749 §2.3.1: each part form-encoded, then Basic
        pair = f"{quote(client_id, safe='')}:{quote(client_secret, safe='')}"
        headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
    answer = http_request(
        "POST",
        provider.token_endpoint,
        body=urlencode(form).encode(),
        headers=headers,
        timeout=HTTP_SECONDS,
    )
    if answer.status == 400:  # invalid_grant: the code was used, expired, or the verifier wrong
        raise SignInFailed("code_refused", f"the token endpoint refused the code: "
                           f"{answer.text()[:200]}", 400)  # fmt: skip
    token = _json_object(answer, "the token endpoint's answer").get("id_token")
    if not isinstance(token, str) or not token or len(token) > MAX_ID_TOKEN_CHARS:
        raise _unavailable("the token endpoint's answer has no usable id_token")
    return token


def official_from_id_token(
    token: str, *, provider: Provider, client_id: str, nonce: str, max_lifetime: int
) -> Actor:
    """The official the ID token names, once it is good (see the module's text)."""
    from chalicelib.auth.tokens import TokenVerifier, actor_from_claims, jwks_client
    from chalicelib.services.errors import Forbidden, Unauthenticated, Unavailable

    verifier = TokenVerifier(
        issuer=provider.issuer,
        audience=client_id,
        jwks=jwks_client(provider.jwks_uri),
        max_lifetime=max_lifetime,
    )
    try:
        claims = verifier.claims(token)
        official = actor_from_claims(claims)
    except Unauthenticated as refused:
        raise SignInFailed("token_refused", f"ID token refused: {refused}", 401) from None
    except Forbidden as refused:
        raise SignInFailed("no_role", f"ID token refused: {refused}", 403) from None
    except Unavailable as failed:
        raise _unavailable(f"the issuer's keys: {failed}") from None
    given = claims.get("nonce")
    if not isinstance(given, str) or not hmac.compare_digest(given.encode(), nonce.encode()):
        raise SignInFailed("token_refused", "ID token refused: wrong nonce", 401)
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    if len(audiences) > 1 and claims.get("azp") != client_id:
        raise SignInFailed("token_refused", "ID token refused: azp is not our client", 401)
    return official
