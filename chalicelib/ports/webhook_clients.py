"""The webhook clients a deployment knows: who they are, what they may send, their secrets.

The adapter that reads them from SSM is chalicelib/adapters/secrets.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

CLIENT_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{1,63}$")

# Scope → what it lets a client send (the routes that check it are in app.py).
SCOPES = {
    "dossiers": "dossiers",  # POST /v1/webhooks/dossiers, GET /v1/webhooks/receipts/{id}
    "inter-agency": "inter-agency actions",  # POST /v1/webhooks/inter-agency/{code}/actions
    "delivery-receipts": "delivery receipts",  # POST /v1/webhooks/delivery-receipts
    "opt-outs": "opt-outs",  # POST /v1/webhooks/opt-outs
    # POST /v1/webhooks/portal-events: what applicants did on the portal. Never a default: a
    # portal is granted it explicitly (it acts on dossiers for their applicants).
    "portal-events": "applicants' portal events",
    # POST /v1/webhooks/ratings: the counter's rating device, or a portal's rating sync.
    "ratings": "ratings",
    # POST /v1/webhooks/feedback: PAKN from the national portal or the 1022 hotline's system.
    "feedback": "feedback (PAKN)",
}
PORTAL_SCOPES = frozenset({"dossiers"})
AGENCY_SCOPES = frozenset({"inter-agency"})


def valid_client_id(client_id: str) -> bool:
    return bool(CLIENT_ID.fullmatch(client_id))


@dataclass(frozen=True)
class WebhookClient:
    client_id: str
    secret: bytes
    agency: str | None = None  # set for another agency's system; None for a portal
    scopes: frozenset[str] | None = None  # None: the default of its kind (see `granted`)
    # In its migration window, the client may still sign with v1 (chalicelib/auth/signatures):
    # set for a client registered before v2, and removed once it signs v2; never for a new one.
    accepts_v1_signatures: bool = False

    @property
    def granted(self) -> frozenset[str]:
        if self.scopes is not None:
            return self.scopes
        return AGENCY_SCOPES if self.agency else PORTAL_SCOPES

    def may(self, scope: str) -> bool:
        return scope in self.granted

    def __repr__(self) -> str:  # never print a secret in a log line
        return (
            f"WebhookClient(client_id={self.client_id!r}, agency={self.agency!r}, "
            f"scopes={sorted(self.granted)!r}, "
            f"accepts_v1_signatures={self.accepts_v1_signatures!r})"
        )


class ClientConfigurationError(ValueError):
    """A client's parameter exists but cannot be used: an operator must fix it."""


class WebhookSecrets(Protocol):
    def client_info(self, client_id: str) -> WebhookClient | None: ...

    def secret_for(self, client_id: str) -> bytes | None: ...
