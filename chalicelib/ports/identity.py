"""The province's identity provider, as the sign-in sees it: its endpoints, and why a
sign-in cannot go on (adapters/oidc_issuer.py talks to it, auth/oidc.py checks its ID tokens)."""

from __future__ import annotations

from dataclasses import dataclass


class SignInFailed(Exception):
    """The sign-in cannot go on. `kind` picks what the official is told
    (web/sign_in_errors.py); the message, in English, is for the log."""

    def __init__(self, kind: str, message: str, status: int) -> None:
        super().__init__(message)
        self.kind = kind
        self.status = status


def issuer_unavailable(message: str) -> SignInFailed:
    return SignInFailed("issuer_unavailable", message, 502)


@dataclass(frozen=True)
class Provider:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
