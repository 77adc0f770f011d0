"""A WSGI face on Chalice's local gateway, so that WSGI tools (schemathesis) drive the app
in-process, through the same event Lambda receives from API Gateway.

What API Gateway does and the adapter copies:
- path parameters reach the function decoded: the adapter decodes each segment of the raw
  path, keeping `/ ? # % ;` and tab, CR, LF encoded so that Chalice still matches the route
  on the segments (a `%2F` reaches the function as `%2F`, where API Gateway hands over `/`);
- a response that names no Content-Type is sent as `application/json` (Chalice's dicts).

Test-only: a request whose `X-Motcua-Signature` is `SIGN` is signed here, over the exact bytes
received, with its client's secret: the tool serialises the body, so only the receiving side
knows them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from http import HTTPStatus
from typing import Any
from urllib.parse import quote, unquote

from chalice.test import Client

from chalicelib.auth.signatures import CLIENT_HEADER, SIGNATURE_HEADER, signed_headers

SIGN = "sign-me"
# What Chalice's route matching (urllib's urlparse) would read as structure or drop.
_KEEP_ENCODED = frozenset("/?#%;\t\r\n")


def _segment(raw: str) -> str:
    decoded = unquote(raw, errors="replace")
    return "".join(quote(c, safe="") if c in _KEEP_ENCODED else c for c in decoded)


def _headers(environ: Mapping[str, Any]) -> dict[str, str]:
    headers = {}
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            name = key[5:]
        elif key in ("CONTENT_TYPE", "CONTENT_LENGTH") and value:
            name = key
        else:
            continue
        # WSGI strings carry bytes as latin-1; headers are UTF-8 on the wire (or ASCII).
        text = value.encode("latin-1").decode("utf-8", errors="replace")
        headers[name.replace("_", "-").title()] = text
    return headers


class Gateway:
    def __init__(self, app: Any, secrets: Mapping[str, str]) -> None:
        self._client = Client(app)
        self._secrets = secrets

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        raw_uri = environ.get("RAW_URI") or environ.get("PATH_INFO", "/")
        raw_path = raw_uri.split("?", 1)[0].encode("latin-1").decode("utf-8", errors="replace")
        path = "/".join(_segment(part) for part in raw_path.split("/"))
        query = environ.get("QUERY_STRING", "")
        if query:
            path += "?" + query.encode("latin-1").decode("utf-8", errors="replace")
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        headers = _headers(environ)
        client_id = headers.get(CLIENT_HEADER, "")
        secret = self._secrets.get(client_id)
        method = environ["REQUEST_METHOD"]
        if headers.get(SIGNATURE_HEADER) == SIGN and secret is not None:
            headers |= signed_headers(client_id, secret, method=method, target=path, body=body,
                                      timestamp=int(time.time()))  # fmt: skip
        answer = self._client.http.request(method, path, headers, body)
        out = dict(answer.headers)
        if not any(name.lower() == "content-type" for name in out):
            out["Content-Type"] = "application/json"
        status = answer.status_code
        start_response(f"{status} {HTTPStatus(status).phrase}", list(out.items()))
        return [answer.body]
