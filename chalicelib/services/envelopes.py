"""The messages on the queues: what the API promises a worker (versioned contracts)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from chalicelib.domain.dossier import Actor, Command
from chalicelib.intake import resend
from chalicelib.intake.model import IntakeRequest


class IntakeEnvelope(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["intake.v1"] = "intake.v1"
    receipt_id: str
    client_id: str  # the portal client, or `counter:<agency>` for the one-stop counter
    request: IntakeRequest
    accepted_at: datetime
    actor: Actor | None = None  # the counter official; None for portals
    # The national portal's `isUpdating` "True": a changed body under a known id is an update.
    updating: bool = False

    @property
    def intake_key(self) -> str:
        return f"{self.client_id}#{self.request.external_id}"

    @property
    def fingerprint(self) -> str:
        return resend.fingerprint(self.request)


class TransitionEnvelope(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["transition.v1"] = "transition.v1"
    command_id: str
    code: str
    command: Command
    actor: Actor
    # None for another agency's system: it reports facts, it does not race officials.
    expected_version: int | None
    requested_at: datetime
