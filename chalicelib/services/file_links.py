"""Public links to a dossier's stored files, for the national portal to fetch them.

The portal is told where each submitted component and each result is (`DuongDanTaiTepTin`,
`DuongDanTepTinKetQua`, docs/dvcqg-contract.md §2.2, §2.5) and fetches it when it will,
perhaps hours later: a presigned S3 link (minutes) would be dead by then. So the URL names our
own route, `GET /v1/public/files/{token}`, whose token says which file of which dossier it is
and carries an HMAC of both under a server-side key: stable (the same file, the same URL at
every push), unguessable (128 bits of MAC), and scoped (a token opens one file of one dossier,
nothing else). The route answers with a short-lived presigned GET (302).

The key is derived from the receipt PIN key (an SSM SecureString per stage) under its own
label, so nothing new is provisioned; rotating that key ends every link the portal holds
(the next push of a dossier sends its new links).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from typing import Final

from chalicelib.domain.files import FILE_ID
from chalicelib.ports.files import FileRecords, FileStore
from chalicelib.services.errors import FieldIssue, NotFound
from chalicelib.services.lookup_limits import LookupGuard

PATH: Final = "/v1/public/files/"
MAC_BYTES: Final = 16  # 128 bits: no one guesses it within any rate limit
MAX_TOKEN: Final = 200  # longer was never issued: refused without a look
_FILE_ID = re.compile(FILE_ID)
_LABEL: Final = b"motcua public file link"
NOT_FOUND_VI: Final = "Không tìm thấy tệp"
# The guard's "code" for forged tokens: they count against the caller's address (and this
# shared key), never against a real dossier's lookup.
GUARD_KEY: Final = "file-link"


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class PublicFileLinks:
    """Makes and opens file tokens under one key; `base_url` is the API's public address."""

    def __init__(self, key: bytes, base_url: str = "") -> None:
        if len(key) < 16:
            raise ValueError("the file link key must have at least 16 bytes")
        self._key = hmac.new(key, _LABEL, hashlib.sha256).digest()
        self.base_url = base_url.rstrip("/")

    def _mac(self, code: str, file_id: str) -> bytes:
        seed = f"{code}\n{file_id}".encode()
        return hmac.new(self._key, seed, hashlib.sha256).digest()[:MAC_BYTES]

    def token(self, code: str, file_id: str) -> str:
        """`<code, base64url>.<file id>.<mac, base64url>`: the same file, the same token."""
        return f"{_b64(code.encode())}.{file_id}.{_b64(self._mac(code, file_id))}"

    def url(self, code: str, file_id: str) -> str:
        return f"{self.base_url}{PATH}{self.token(code, file_id)}"

    def open(self, token: str) -> tuple[str, str] | None:
        """(code, file id) of a token this key made; None for anything else (constant time
        in the MAC)."""
        parsed = _parsed(token)
        if parsed is None:
            return None
        code, file_id, mac = parsed
        if not hmac.compare_digest(mac, self._mac(code, file_id)):
            return None
        return code, file_id


def well_formed(token: str) -> bool:
    """Whether `token` has the shape of one this service issues (whatever its MAC)."""
    return _parsed(token) is not None


def _parsed(token: str) -> tuple[str, str, bytes] | None:
    """(code, file id, MAC) of a token of the issued shape; None for any other text."""
    parts = token.split(".") if len(token) <= MAX_TOKEN else []
    if len(parts) != 3 or not _FILE_ID.fullmatch(parts[1]):
        return None
    try:
        code = _unb64(parts[0]).decode("utf-8")
        mac = _unb64(parts[2])
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    return (code, parts[1], mac) if len(mac) == MAC_BYTES else None


def public_download(
    token: str,
    links: PublicFileLinks,
    files: FileRecords,
    blobs: FileStore,
    *,
    link_seconds: int,
    guard: LookupGuard | None = None,
) -> dict[str, object]:
    """A short-lived presigned GET to the file a token names. A token this key did not make
    answers 404 naming `token` and counts as a wrong guess (429 once the address has none
    left); text not of a token's shape is 404 too, but not counted: it guesses no MAC, and a
    refusal of malformed input writes nothing. A valid token is never limited (it cannot be
    guessed), and opens only its own file of its own dossier."""
    if not well_formed(token):  # never issued in this shape: no guess at a MAC, not counted
        raise _not_found("not the shape of a link issued here")
    opened = links.open(token)
    if opened is None:
        if guard is not None:
            guard.check(GUARD_KEY)
            guard.failed(GUARD_KEY)
        raise _not_found("not a link issued here")
    code, file_id = opened
    stored = files.get_file(code, file_id)
    if stored is None:  # a link to a file since removed (none is, today)
        raise _not_found("not a link issued here")
    url = blobs.download_url(stored.key, expires_in=link_seconds, filename=stored.name,
                             content_type=stored.content_type)  # fmt: skip
    return {"url": url, "expires_in": link_seconds}


def _not_found(reason: str) -> NotFound:
    """404 naming `token` (the one thing the caller sent), the same message for every cause."""
    return NotFound(f"token: {reason}", errors=[FieldIssue("token", reason, NOT_FOUND_VI)])
