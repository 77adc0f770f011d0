"""Counting failed attempts per key and window, so that a limit holds across Lambda instances."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol


class AttemptCounter(Protocol):
    def counts(self, keys: Sequence[str]) -> list[int]:
        """How many attempts each key has counted (0 for a key never counted, or expired)."""
        ...

    def add(self, keys: Sequence[str], expires_at: int) -> list[int]:
        """Count one more attempt under each key, kept until `expires_at` (epoch seconds) at
        least; answers each key's count after this one."""
        ...
