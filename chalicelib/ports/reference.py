"""Reference data that officials maintain and workers reload without a deploy: the agency
registry and its alias table (docs/catalog-format.md)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class ReferenceTexts:
    """The registry and alias files as stored (YAML or JSON bytes), and the version they are."""

    agencies: bytes
    aliases: bytes | None
    version: str
    origin: str  # where they came from, for logs and the CLI ("table v3", "data/ files")


class ReferenceSource(Protocol):
    def version(self) -> str:
        """A cheap token that changes whenever `read()` would answer something else."""
        ...

    def read(self) -> ReferenceTexts: ...
