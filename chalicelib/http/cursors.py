"""The worklist's page cursor as callers see it: the store's own cursor, sealed with an HMAC.

The store's cursor is its last key read (DynamoDB's ExclusiveStartKey): a caller who could
write one could start another agency's worklist, or send a key DynamoDB refuses (a 500). The
cursor handed out is `<store cursor, base64url>.<HMAC-SHA256, base64url>`, the MAC over the
query it continues (the caller's agency and filters): a cursor forged, altered, or carried to
another agency's or filter's worklist is refused with 400 naming `cursor`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Sequence

from chalicelib.http.problems import FieldIssue, Problem

PURPOSE = b"motcua worklist cursor v1"
MAC_BYTES = 32


def seal(store_cursor: str | None, query: Sequence[object], key: bytes) -> str | None:
    """The cursor to hand out for the store's `store_cursor` (None: the last page)."""
    if store_cursor is None:
        return None
    payload = _b64(store_cursor.encode("utf-8"))
    return f"{payload}.{_b64(_mac(payload, query, key))}"


def unseal(cursor: str | None, query: Sequence[object], key: bytes) -> str | None:
    """The store's cursor in `cursor`, if this API sealed it for this very query; else 400."""
    if cursor is None:
        return None
    payload, _, mac = cursor.partition(".")
    try:
        given = _unb64(mac)
        store_cursor = _unb64(payload).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        raise _refused() from None
    if len(given) != MAC_BYTES or not hmac.compare_digest(given, _mac(payload, query, key)):
        raise _refused()
    return store_cursor


def _mac(payload: str, query: Sequence[object], key: bytes) -> bytes:
    # Each part of the query on its own line: no two queries sign alike.
    scope = "\n".join("" if part is None else str(part) for part in query)
    message = b"\n".join([PURPOSE, scope.encode("utf-8"), payload.encode("ascii")])
    return hmac.new(key, message, hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    if not text or not text.isascii():
        raise ValueError("empty or not ASCII")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except binascii.Error as exc:
        raise ValueError(str(exc)) from None


def _refused() -> Problem:
    return Problem(
        400,
        "cursor: not a cursor this API issued for this query",
        kind="validation",
        errors=[
            FieldIssue(
                "cursor",
                "not a cursor issued by this API for this query",
                "Con trỏ phân trang không hợp lệ",
            )
        ],
    )
