"""Remembering the webhook signatures already used, so that a captured request cannot be
replayed."""

from __future__ import annotations

from typing import Protocol


class ReplayGuard(Protocol):
    def first_use(self, signature_hex: str, expires_at: int) -> bool:
        """True the first time a signature is seen, False when it is reused."""
        ...

    def used(self, signature_hex: str) -> bool:
        """Whether the signature was spent already (a read: it spends nothing)."""
        ...
