"""The officials' directory: where an alert for a named official goes (domain/officials.py).

Adapters: a data file (adapters/officials_directory.FileOfficials; the local stage reads the
sample officials) and an in-memory fake; both pass tests/contract/test_officials_contract.py.
"""

from __future__ import annotations

from typing import Protocol

from chalicelib.domain.officials import Official


class OfficialsDirectory(Protocol):
    def get(self, official_id: str) -> Official | None:
        """The official with this id (a token's `sub`), or None when the directory has none."""
        ...

    def of_agency(self, agency: str) -> list[Official]:
        """The agency's officials, in the directory's order."""
        ...


def leader_of(directory: OfficialsDirectory, official: Official) -> Official | None:
    """Their leader, when the directory names one it knows (never themselves)."""
    if official.leader is None or official.leader == official.id:
        return None
    return directory.get(official.leader)
