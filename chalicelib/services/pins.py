"""The receipt PIN: the secret that opens a dossier's public lookup (docs/architecture.md).

Eight characters from an alphabet without look-alikes (no 0/O, 1/I/L, U/V), printed on the
receipt (Mẫu 01) as `ABCD-EFGH` and sent in the receipt notice. 29 symbols, 8 places: about
5 × 10^11 values (39 bits); the lookup's rate limits leave a guesser a few per window.

Kept as an HMAC-SHA256 under a server-side key (an SSM SecureString, never in the table) over a
per-dossier random salt and the PIN. Why not a slow hash: 39 bits cannot be protected against an
offline search by any cost a Lambda can pay per lookup, whereas without the key the table holds
nothing to search; the salt makes equal PINs look different. Verifying costs microseconds.

The receipt a portal or the counter reads back carries the PIN sealed (AES-GCM under a key
derived from the same one, bound to the receipt id), for the same reason.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

ALPHABET = "23456789ABCDEFGHJKMNPQRSTWXYZ"  # no 0 O 1 I L U V: unambiguous on paper and by phone
LENGTH = 8
GROUP = 4  # shown as two groups of four
HASH_SCHEME = "h1"
SEAL_SCHEME = "s1"
SALT_BYTES = 16
# The development key: dev stages only (the Container refuses it elsewhere). Published here.
DEV_KEY = b"motcua-dev-receipt-pin-key-not-secret"
_SEPARATORS = str.maketrans("", "", " -._")


def new_pin() -> str:
    """A fresh PIN, uniformly random over the alphabet."""
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def shown(pin: str) -> str:
    """`ABCDEFGH` as printed and sent: `ABCD-EFGH`."""
    return f"{pin[:GROUP]}-{pin[GROUP:]}"


def normalise(given: str | None) -> str | None:
    """What a citizen typed, as a PIN: case, spaces and dashes ignored; None when it cannot be
    one (wrong length or a character outside the alphabet)."""
    if not given or len(given) > 2 * LENGTH:
        return None
    pin = given.translate(_SEPARATORS).upper()
    if len(pin) != LENGTH or any(c not in ALPHABET for c in pin):
        return None
    return pin


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class ReceiptPins:
    """Issues, checks and seals PINs under one server-side key."""

    def __init__(self, key: bytes) -> None:
        if len(key) < 16:
            raise ValueError("the receipt PIN key must have at least 16 bytes")
        self._mac_key = hmac.new(key, b"motcua receipt pin hash", hashlib.sha256).digest()
        self._seal_key = hmac.new(key, b"motcua receipt pin seal", hashlib.sha256).digest()
        # Compared against when a dossier has no PIN or does not exist: every path does the work.
        self._decoy = self.hash(new_pin())

    def _mac(self, salt: bytes, pin: str) -> bytes:
        return hmac.new(self._mac_key, salt + pin.encode(), hashlib.sha256).digest()

    def hash(self, pin: str) -> str:
        """`h1$<salt>$<mac>`: what the dossier keeps."""
        salt = secrets.token_bytes(SALT_BYTES)
        return f"{HASH_SCHEME}${_b64(salt)}${_b64(self._mac(salt, pin))}"

    def issue(self) -> tuple[str, str]:
        """A new PIN and its hash."""
        pin = new_pin()
        return pin, self.hash(pin)

    def verify(self, given: str | None, kept: str | None) -> bool:
        """Whether `given` (as typed) is the PIN behind `kept`; constant time, and as much work
        when there is nothing to compare with."""
        pin = normalise(given)
        usable = kept is not None and kept.startswith(HASH_SCHEME + "$") and kept.count("$") == 2
        _, salt, mac = (kept if usable and kept else self._decoy).split("$")
        matches = hmac.compare_digest(self._mac(_unb64(salt), pin or "-"), _unb64(mac))
        return matches and usable and pin is not None

    def seal(self, pin: str, receipt_id: str) -> str:
        """The PIN for the receipt item: readable only with the key, and only on its receipt."""
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM  # the writer only

        nonce = secrets.token_bytes(12)
        sealed = AESGCM(self._seal_key).encrypt(nonce, pin.encode(), receipt_id.encode())
        return f"{SEAL_SCHEME}${_b64(nonce + sealed)}"

    def unseal(self, sealed: str | None, receipt_id: str) -> str | None:
        """The PIN a receipt carries, or None (none, another key, another receipt)."""
        from cryptography.exceptions import InvalidTag
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        if not sealed or not sealed.startswith(SEAL_SCHEME + "$"):
            return None
        raw = _unb64(sealed.removeprefix(SEAL_SCHEME + "$"))
        try:
            return AESGCM(self._seal_key).decrypt(raw[:12], raw[12:], receipt_id.encode()).decode()
        except (InvalidTag, ValueError):
            return None


DEV_PINS = ReceiptPins(DEV_KEY)
