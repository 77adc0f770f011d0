"""Where the pages live, as the settings say: the path they are served under, and whether the
browser reaches them over HTTPS (then cookies are Secure)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from chalicelib.settings import Settings


@dataclass(frozen=True)
class Site:
    base_path: str = ""  # "/api" behind API Gateway's stage path; "" on a custom domain
    secure: bool = True

    @classmethod
    def from_settings(cls, settings: Settings) -> Site:
        """From `public_base_url` (the address people use): its path prefixes every link;
        only a plain-HTTP address (the local stack on loopback) gets cookies without Secure."""
        base = settings.public_base_url
        return cls(
            base_path=urlsplit(base).path.rstrip("/"),
            secure=not base.startswith("http://"),
        )

    def url(self, path: str) -> str:
        return self.base_path + path
