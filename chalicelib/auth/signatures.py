"""The webhook signature contract, pure (no I/O, no clock: the caller passes `now`).

A portal signs each request with its own secret::

    X-Motcua-Client: <client id>
    X-Motcua-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>

The body is the raw bytes exactly as received: never re-serialised JSON. Like Stripe, a header
may carry several `v1` values (while a client rotates its secret); one match is enough. Keys
other than `t` and `v1` are ignored so that a later scheme (`v2`) can be added alongside.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass

SIGNATURE_HEADER = "X-Motcua-Signature"
CLIENT_HEADER = "X-Motcua-Client"
DEFAULT_TOLERANCE = 300  # seconds either side of the receiver's clock

# The secret of the local stage's portal client; never valid outside dev/local.
DEV_WEBHOOK_SECRET = "motcua-local-webhook-secret"

# Reasons, in English for integrators (the `reason` of a field error).
MISSING = "missing signature header"
MALFORMED = "malformed signature header"
OUT_OF_TOLERANCE = "timestamp outside the tolerance window"
MISMATCH = "no signature matches"

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
    signatures: tuple[str, ...]  # lower-case hex, in the order given


@dataclass(frozen=True)
class SignatureCheck:
    """A verified signature: what the replay guard needs to remember."""

    timestamp: int
    signature: str  # the matching v1 value, lower-case hex


def _as_bytes(secret: bytes | str) -> bytes:
    return secret.encode("utf-8") if isinstance(secret, str) else secret


def compute(secret: bytes | str, body: bytes, timestamp: int) -> str:
    """Hex HMAC-SHA256 of `"<t>.<body>"`."""
    message = str(int(timestamp)).encode("ascii") + b"." + body
    return hmac.new(_as_bytes(secret), message, hashlib.sha256).hexdigest()


def sign(secret: bytes | str, body: bytes, timestamp: int) -> str:
    """The `X-Motcua-Signature` header value for `body` sent at `timestamp`."""
    return f"t={int(timestamp)},v1={compute(secret, body, timestamp)}"


def parse(header: str | None) -> ParsedSignature:
    """Split the header into its timestamp and `v1` signatures, or refuse it."""
    if header is None or not header.strip():
        raise SignatureError(MISSING)
    if len(header) > _MAX_HEADER:
        raise SignatureError(MALFORMED)
    timestamp: int | None = None
    signatures: list[str] = []
    for part in header.split(","):
        key, sep, value = part.strip().partition("=")
        if not sep:
            raise SignatureError(MALFORMED)
        key, value = key.strip(), value.strip()
        if key == "t":
            if timestamp is not None or not _TIMESTAMP.match(value):
                raise SignatureError(MALFORMED)
            timestamp = int(value)
        elif key == "v1":
            if not _HEX_SHA256.match(value):
                raise SignatureError(MALFORMED)
            # Upper-case hex (e.g. .NET's Convert.ToHexString) is the same signature: fold it,
            # so that re-casing a captured signature cannot slip past the replay guard.
            signatures.append(value.lower())
    if timestamp is None or not signatures:
        raise SignatureError(MALFORMED)
    return ParsedSignature(timestamp, tuple(signatures))


def check_timestamp(timestamp: int, now: int, tolerance: int = DEFAULT_TOLERANCE) -> None:
    """Refuse a timestamp more than `tolerance` seconds away from `now` (either way)."""
    if abs(int(now) - timestamp) > tolerance:
        raise SignatureError(OUT_OF_TOLERANCE)


def verify(
    header: str | None,
    body: bytes,
    secret: bytes | str,
    now: int,
    tolerance: int = DEFAULT_TOLERANCE,
) -> SignatureCheck:
    """Check the header against `body` and `secret`; raise `SignatureError` if it fails."""
    parsed = parse(header)
    check_timestamp(parsed.timestamp, now, tolerance)
    expected = compute(secret, body, parsed.timestamp)
    matched: str | None = None
    for candidate in parsed.signatures:
        # Compare every candidate, so the time taken does not tell which one matched.
        if hmac.compare_digest(expected, candidate) and matched is None:
            matched = candidate
    if matched is None:
        raise SignatureError(MISMATCH)
    return SignatureCheck(parsed.timestamp, matched)
