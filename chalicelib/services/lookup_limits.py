"""How many wrong guesses the public lookup takes: per dossier code and per client address.

Fixed windows of `window_seconds` (window n covers [n·W, (n+1)·W) in epoch seconds). Only
failed lookups count (an unknown code, a wrong PIN or phone digits), so a citizen who types the
right PIN is never counted; once a code or an address reaches its limit, every lookup of that
code or from that address answers 429 until the window ends, the right PIN included: otherwise
a guesser would still learn which guess is right. The code's counter is what stops a guesser
spread over many addresses; the address's, one guessing many codes. A code locked by someone
else's guesses opens again when its window ends, at most `window_seconds` later
(docs/architecture.md, "The public lookup").
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from chalicelib.ports.attempts import AttemptCounter
from chalicelib.services.errors import TooManyRequests

TOO_MANY_VI = "Tra cứu sai quá nhiều lần. Vui lòng thử lại sau"
MAX_ADDRESS = 64  # an IPv6 address is at most 45 characters: longer is not an address


@dataclass(frozen=True)
class LookupLimits:
    window_seconds: int = 900
    failures_per_code: int = 10
    failures_per_address: int = 30


@dataclass(frozen=True)
class LookupGuard:
    """The limits of one lookup: who asks (`address`) and when (`now`, epoch seconds)."""

    counter: AttemptCounter
    limits: LookupLimits
    address: str
    now: float

    @property
    def _window(self) -> int:
        return math.floor(self.now / self.limits.window_seconds)

    def _keys(self, code: str) -> list[str]:
        address = (self.address or "-")[:MAX_ADDRESS]
        return [f"code#{code}#{self._window}", f"ip#{address}#{self._window}"]

    def _refuse(self) -> TooManyRequests:
        ends = (self._window + 1) * self.limits.window_seconds
        return TooManyRequests(TOO_MANY_VI, retry_after=max(1, math.ceil(ends - self.now)))

    def check(self, code: str) -> None:
        """Refuses (TooManyRequests) when the code or the address has no guesses left."""
        by_code, by_address = self.counter.counts(self._keys(code))
        if by_code >= self.limits.failures_per_code or (
            by_address >= self.limits.failures_per_address
        ):
            raise self._refuse()

    def failed(self, code: str) -> None:
        """Counts one wrong guess at `code` from this address, kept one window past its own."""
        expires_at = (self._window + 2) * self.limits.window_seconds
        self.counter.add(self._keys(code), expires_at)
