"""Sign-ins under way: what the callback from the province's identity provider needs.

`GET /dang-nhap` keeps, under a random `state`, the nonce the ID token must carry, the PKCE
verifier the code is exchanged with, and the page to go back to, for a few minutes. The
callback takes them once: a replayed or forged `state` finds nothing. The store keeps the
SHA-256 of the state, not the state itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class PendingSignIn:
    nonce: str
    verifier: str  # PKCE code_verifier (RFC 7636)
    back_to: str  # a local path, already checked (chalicelib/web/sign_in_flow.local_path)


class SignInStates(Protocol):
    def keep(self, state: str, pending: PendingSignIn, *, expires_at: datetime) -> None:
        """Keep `pending` under `state` until `expires_at` (a new state each sign-in)."""
        ...

    def take(self, state: str, *, now: datetime) -> PendingSignIn | None:
        """The sign-in kept under `state`, removed: a second take finds nothing, and neither
        does one after it expired."""
        ...
