"""What the services count, as a port: the entry layer wires it to the metrics
(chalicelib/observability); by default nothing is counted."""

from __future__ import annotations

from typing import Protocol


class Counter(Protocol):
    def count(self, name: str, value: float = 1, **dimensions: object) -> None:
        """Add `value` to the counter `name` for these dimensions (few and bounded)."""
        ...


class NoCounts:
    """Counts nothing: services built without a counter (tests of other concerns, tools)."""

    def count(self, name: str, value: float = 1, **dimensions: object) -> None:
        return None


NO_COUNTS = NoCounts()


class RecordedCounts:
    """The fake: keeps what was counted, as (name, value, dimensions as strings)."""

    def __init__(self) -> None:
        self.counted: list[tuple[str, float, dict[str, str]]] = []

    def count(self, name: str, value: float = 1, **dimensions: object) -> None:
        self.counted.append((name, value, {k: str(v) for k, v in dimensions.items()}))

    def names(self) -> list[str]:
        return [name for name, _, _ in self.counted]
