"""The webhook signature contract, pure (no I/O, no clock: the caller passes `now`).

A portal signs each request with its own secret::

    X-Motcua-Client: <client id>
    X-Motcua-Signature: t=<unix seconds>,v2=<hex HMAC-SHA256(secret, canonical request)>

where the canonical request (v2) is six lines joined by "\n", with no newline at the end::

    v2
    <METHOD, upper case>
    <canonical path?query>
    <client id, as in X-Motcua-Client>
    <t>
    <hex SHA-256 of the raw body>

so that a captured request cannot be replayed to another route, dossier, query or client. The
canonical path is percent-decoded then encoded again (RFC 3986 unreserved characters and `/`
stay as they are) without a trailing `/`; the query's name=value pairs are decoded, encoded the
same way, sorted and joined by `&` (no `?` when there is none). The body is the raw bytes
exactly as received: never re-serialised JSON.

The older scheme `v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>` covers only the timestamp and
the body. It is accepted only from a client registered with `accepts_v1_signatures` during its
migration (chalicelib/ports/webhook_clients.py); otherwise it is refused even when its MAC is
right. Like Stripe, a header may carry several values of a scheme (while a client rotates its
secret); one match is enough. Other keys are ignored, so that a later scheme can be added.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, unquote, urlsplit

# The local stage's clients' secret, published; re-exported here, where signers look for it.
from chalicelib.settings import DEV_WEBHOOK_SECRET as DEV_WEBHOOK_SECRET

SIGNATURE_HEADER = "X-Motcua-Signature"
CLIENT_HEADER = "X-Motcua-Client"
DEFAULT_TOLERANCE = 300  # seconds either side of the receiver's clock
V1, V2 = "v1", "v2"


# Reasons, in English for integrators (the `reason` of a field error).
MISSING = "missing signature header"
MALFORMED = "malformed signature header"
OUT_OF_TOLERANCE = "timestamp outside the tolerance window"
MISMATCH = "no signature matches"
V1_REFUSED = "v1 signatures are not accepted from this client: sign with v2"

_TIMESTAMP = re.compile(r"^[0-9]{1,12}$")
_HEX_SHA256 = re.compile(r"^[0-9a-fA-F]{64}$")
_MAX_HEADER = 2048  # a handful of signatures at most


class SignatureError(ValueError):
    """The request's signature is refused; `reason` says why, `field` names the header."""

    def __init__(self, reason: str, field: str = SIGNATURE_HEADER) -> None:
        super().__init__(reason)
        self.reason = reason
        self.field = field


@dataclass(frozen=True)
class ParsedSignature:
    timestamp: int
    v1: tuple[str, ...]  # lower-case hex, in the order given
    v2: tuple[str, ...] = ()


@dataclass(frozen=True)
class SignedRequest:
    """What a v2 signature covers besides the body and the timestamp."""

    method: str
    target: str  # canonical path?query (`canonical_target`)
    client_id: str


@dataclass(frozen=True)
class SignatureCheck:
    """A verified signature: what the replay guard needs to remember, and its scheme."""

    timestamp: int
    signature: str  # the matching value, lower-case hex
    scheme: str = V2


def _as_bytes(secret: bytes | str) -> bytes:
    return secret.encode("utf-8") if isinstance(secret, str) else secret


def _encode(text: str, safe: str = "") -> str:
    return quote(text, safe=safe)  # letters, digits and "-._~" are never encoded


def canonical_target(path: str, query: Iterable[tuple[str, str]] = ()) -> str:
    """The path (decoded or not: it is decoded first) and the decoded query pairs, in the
    canonical form both sides sign."""
    decoded = unquote(path)
    if len(decoded) > 1 and decoded.endswith("/"):
        decoded = decoded.rstrip("/") or "/"  # API Gateway routes "/a/" as "/a"
    pairs = sorted((_encode(name), _encode(value)) for name, value in query)
    text = "&".join(f"{name}={value}" for name, value in pairs)
    return _encode(decoded, safe="/") + (f"?{text}" if text else "")


def target_of(url: str) -> str:
    """The canonical target of a URL or `path?query` as a client sends it."""
    if "://" in url.partition("?")[0]:
        parts = urlsplit(url)
        path, query = parts.path, parts.query
    else:
        # A bare target: "//x" or "/[" is a path here, not a host (urlsplit would read one).
        path, _, query = url.partition("#")[0].partition("?")
    return canonical_target(path or "/", parse_qsl(query, keep_blank_values=True))


def canonical_request(request: SignedRequest, body: bytes, timestamp: int) -> bytes:
    lines = [
        V2,
        request.method.upper(),
        request.target,
        request.client_id,
        str(int(timestamp)),
        hashlib.sha256(body).hexdigest(),
    ]
    return "\n".join(lines).encode("utf-8")


def compute(secret: bytes | str, body: bytes, timestamp: int, request: SignedRequest) -> str:
    """Hex HMAC-SHA256 of the canonical request (v2)."""
    message = canonical_request(request, body, timestamp)
    return hmac.new(_as_bytes(secret), message, hashlib.sha256).hexdigest()


def compute_v1(secret: bytes | str, body: bytes, timestamp: int) -> str:
    """Hex HMAC-SHA256 of `"<t>.<body>"` (the v1 scheme)."""
    message = str(int(timestamp)).encode("ascii") + b"." + body
    return hmac.new(_as_bytes(secret), message, hashlib.sha256).hexdigest()


def sign(
    secret: bytes | str, body: bytes, timestamp: int, *, method: str, target: str, client_id: str
) -> str:
    """The `X-Motcua-Signature` header value (v2) for `body` sent by `client_id` to `method`
    `target` (a path with its query, as sent: it is made canonical here) at `timestamp`."""
    request = SignedRequest(method, target_of(target), client_id)
    return f"t={int(timestamp)},{V2}={compute(secret, body, timestamp, request)}"


def sign_v1(secret: bytes | str, body: bytes, timestamp: int) -> str:
    """The header value of the v1 scheme: for clients still migrating, and for tests."""
    return f"t={int(timestamp)},{V1}={compute_v1(secret, body, timestamp)}"


def signed_headers(
    client_id: str,
    secret: bytes | str,
    *,
    method: str,
    target: str,
    body: bytes,
    timestamp: int,
) -> dict[str, str]:
    """Both webhook headers of a request: what a portal (or a test, or the CLI) sends."""
    signature = sign(secret, body, timestamp, method=method, target=target, client_id=client_id)
    return {CLIENT_HEADER: client_id, SIGNATURE_HEADER: signature}


def parse(header: str | None) -> ParsedSignature:
    """Split the header into its timestamp and `v1`/`v2` signatures, or refuse it."""
    if header is None or not header.strip():
        raise SignatureError(MISSING)
    if len(header) > _MAX_HEADER:
        raise SignatureError(MALFORMED)
    timestamp: int | None = None
    found: dict[str, list[str]] = {V1: [], V2: []}
    for part in header.split(","):
        key, sep, value = part.strip().partition("=")
        if not sep:
            raise SignatureError(MALFORMED)
        key, value = key.strip(), value.strip()
        if key == "t":
            if timestamp is not None or not _TIMESTAMP.match(value):
                raise SignatureError(MALFORMED)
            timestamp = int(value)
        elif key in found:
            if not _HEX_SHA256.match(value):
                raise SignatureError(MALFORMED)
            # Upper-case hex (e.g. .NET's Convert.ToHexString) is the same signature: fold it,
            # so that re-casing a captured signature cannot slip past the replay guard.
            found[key].append(value.lower())
    if timestamp is None or not (found[V1] or found[V2]):
        raise SignatureError(MALFORMED)
    return ParsedSignature(timestamp, tuple(found[V1]), tuple(found[V2]))


def check_timestamp(timestamp: int, now: int, tolerance: int = DEFAULT_TOLERANCE) -> None:
    """Refuse a timestamp more than `tolerance` seconds away from `now` (either way)."""
    if abs(int(now) - timestamp) > tolerance:
        raise SignatureError(OUT_OF_TOLERANCE)


def _first_match(expected: str, candidates: tuple[str, ...]) -> str | None:
    matched: str | None = None
    for candidate in candidates:
        # Compare every candidate, so the time taken does not tell which one matched.
        if hmac.compare_digest(expected, candidate) and matched is None:
            matched = candidate
    return matched


def verify(
    header: str | None,
    body: bytes,
    secret: bytes | str,
    now: int,
    tolerance: int = DEFAULT_TOLERANCE,
    *,
    request: SignedRequest,
    accept_v1: bool = False,
) -> SignatureCheck:
    """Check the header against the request, `body` and `secret`; raise `SignatureError` if it
    fails. A v1 value counts only with `accept_v1` (a client in its migration window)."""
    parsed = parse(header)
    check_timestamp(parsed.timestamp, now, tolerance)
    if parsed.v2:
        expected = compute(secret, body, parsed.timestamp, request)
        matched = _first_match(expected, parsed.v2)
        if matched is not None:
            return SignatureCheck(parsed.timestamp, matched, V2)
    if parsed.v1 and accept_v1:
        matched = _first_match(compute_v1(secret, body, parsed.timestamp), parsed.v1)
        if matched is not None:
            return SignatureCheck(parsed.timestamp, matched, V1)
    if parsed.v1 and not parsed.v2 and not accept_v1:
        raise SignatureError(V1_REFUSED)
    raise SignatureError(MISMATCH)
