"""Officials' sessions on the pages: who signed in, until when.

The browser holds only a random session id (a cookie, HttpOnly); the official's identity (the
claims of their sign-in: id, name, agency, unit, roles) stays on the server. The store keeps the
SHA-256 of the id, not the id, so that a read of the table gives no usable cookie.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from chalicelib.domain.dossier import Actor


class WebSessions(Protocol):
    def start(self, session_id: str, actor: Actor, *, expires_at: datetime) -> None:
        """Keep `actor` under `session_id` until `expires_at` (a new id each sign-in)."""
        ...

    def find(self, session_id: str, *, now: datetime) -> Actor | None:
        """The official of a session not yet expired or ended; None otherwise."""
        ...

    def end(self, session_id: str) -> None:
        """Signed out: the id opens nothing any more (ending an unknown one is fine)."""
        ...
