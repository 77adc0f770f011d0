"""Fetching a file a portal names by URL (`TaiLieuNop[].DuongDanTaiTepTin`)."""

from __future__ import annotations

from typing import Protocol


class FetchRefused(Exception):
    """The file can never be fetched as asked (a host not allowed, a 4xx, too many bytes):
    trying again would get the same answer."""


class FetchFailed(Exception):
    """The fetch failed for now (the network, a 5xx, a 429): another try may succeed."""


class FileFetcher(Protocol):
    def fetch(self, url: str) -> bytes:
        """The bytes at `url`, or FetchRefused / FetchFailed naming why not."""
        ...
