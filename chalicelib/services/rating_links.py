"""The signed link of a rating invitation: the citizen's page `/danh-gia/{token}` (the
API's `GET|POST /v1/public/ratings/{token}` takes the same tokens).

Like the public file links (services/file_links.py): the token names one dossier and carries
an HMAC of its code under a key derived from the receipt PIN key (its own label), so nothing
new is provisioned and rotating that key ends every link. Shorter than a file link (12 bytes
of MAC, 96 bits: no one guesses it within any rate limit) because it travels by SMS, where the
invitation's link may take 100 characters: `<code>.<mac, base64url>`, about 42, after the
public address and `/danh-gia/` (10).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from typing import Final

PATH: Final = "/danh-gia/"  # the citizen's rating page; the API reads the same tokens
MAC_BYTES: Final = 12
MAX_TOKEN: Final = 80  # longer was never issued: refused without a look
_LABEL: Final = b"motcua rating link"
_CODE: Final = re.compile(r"[0-9]{3}\.[0-9]{2}\.[0-9]{2}\.H[0-9]{2}-[0-9]{6}-[0-9]{4,5}")
_MAC: Final = re.compile(r"[A-Za-z0-9_-]{16}")


class RatingLinks:
    """Makes and opens rating tokens under one key; `base_url` is the API's public address."""

    def __init__(self, key: bytes, base_url: str = "") -> None:
        if len(key) < 16:
            raise ValueError("the rating link key must have at least 16 bytes")
        self._key = hmac.new(key, _LABEL, hashlib.sha256).digest()
        self.base_url = base_url.rstrip("/")

    def _mac(self, code: str) -> bytes:
        return hmac.new(self._key, code.encode(), hashlib.sha256).digest()[:MAC_BYTES]

    def token(self, code: str) -> str:
        mac = base64.urlsafe_b64encode(self._mac(code)).decode().rstrip("=")
        return f"{code}.{mac}"

    def url(self, code: str) -> str:
        return f"{self.base_url}{PATH}{self.token(code)}"

    def open(self, token: str) -> str | None:
        """The dossier code of a token this key made; None for anything else (constant time
        in the MAC)."""
        parsed = parse(token)
        if parsed is None:
            return None
        code, mac = parsed
        return code if hmac.compare_digest(mac, self._mac(code)) else None


def parse(token: str) -> tuple[str, bytes] | None:
    """(code, MAC) of a token of the issued shape; None for any other text."""
    if len(token) > MAX_TOKEN:
        return None
    code, _, mac = token.rpartition(".")
    if not _CODE.fullmatch(code) or not _MAC.fullmatch(mac):
        return None
    try:
        raw = base64.urlsafe_b64decode(mac + "=" * (-len(mac) % 4))
    except (binascii.Error, ValueError):
        return None
    return (code, raw) if len(raw) == MAC_BYTES else None
