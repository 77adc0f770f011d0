"""The national portal (DVCQG) as the sync service needs it, and what it last acknowledged."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol


class PortalUnavailable(Exception):
    """The portal did not record the push this time (down, slow, throttling): try later."""


class PortalRejected(Exception):
    """The portal refused the items themselves: retrying the same items will not help."""


class NationalPortal(Protocol):
    def push(self, service: str, items: Sequence[dict[str, Any]]) -> None:
        """Record `items` of one service; `DongBoHoSoMC` creates or replaces each dossier."""
        ...

    def look_up(self, code: str) -> dict[str, Any] | None:
        """What the portal holds for the dossier `code` (`TraCuuHoSo`); None: nothing."""
        ...


@dataclass(frozen=True)
class SyncMark:
    revision: int  # the dossier's revision the portal has
    version: int  # its last history entry the portal has
    status: int  # the TrangThaiHoSo the portal shows
    synced_at: datetime


@dataclass(frozen=True)
class Standing:
    """One dossier as we hold it beside what the portal was last told."""

    code: str
    revision: int
    status: int
    mark: SyncMark | None

    @property
    def behind(self) -> bool:
        return self.mark is None or self.mark.revision < self.revision


class PortalSyncLog(Protocol):
    def get(self, code: str) -> SyncMark | None: ...

    def marks(self, codes: Sequence[str]) -> dict[str, SyncMark | None]:
        """The mark of each code (None where the portal acknowledged nothing yet), read in
        batches: the leader's board asks for its open dossiers' marks at once."""
        ...

    def record(self, code: str, mark: SyncMark) -> bool: ...

    def standing(self) -> list[Standing]: ...
