"""The province's OpenID Connect issuer over HTTP (the project's exchange,
adapters/http_client.py): its discovery document, kept for an hour per process (its `issuer`
must be the configured one: OpenID Connect Discovery §4.3), and the token endpoint, where the
code is exchanged with the PKCE verifier. A confidential client authenticates with its secret
(HTTP Basic, `client_secret_basic`), a public one sends its `client_id` only."""

from __future__ import annotations

import base64
import json
import threading
import time
from typing import Any
from urllib.parse import quote, urlencode

from chalicelib.adapters.http_client import http_request
from chalicelib.ports.identity import Provider, SignInFailed
from chalicelib.ports.identity import issuer_unavailable as _unavailable

DISCOVERY_PATH = "/.well-known/openid-configuration"
DISCOVERY_SECONDS = 3600
HTTP_SECONDS = 5.0
MAX_ID_TOKEN_CHARS = 8192


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
