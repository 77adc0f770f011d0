"""The officials' directory entries: who an official is and where their alerts go.

A dossier remembers who has it in hand (`Dossier.handled_by`: an id and a name); the directory
says where that person is reached (e-mail; Zalo ZNS when they gave a number) and who their
leader is, so that an overdue dossier reaches the person who can act, not a shared mailbox.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

from chalicelib.domain.identifiers import AGENCY_CODE, UNIT_CODE
from chalicelib.domain.statuses import Role

EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+$"
ZNS_PHONE_PATTERN = r"^84[0-9]{9,10}$"  # as the notifier sends: 84 and the subscriber number


class Official(BaseModel):
    """One official as the directory knows them. `leader` is their leader's id (None: they
    answer to nobody in the directory, e.g. the agency's head)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    agency: Annotated[str, StringConstraints(pattern=AGENCY_CODE.pattern)]
    unit: Annotated[str, StringConstraints(pattern=f"^{UNIT_CODE.pattern}$")]
    role: Role
    email: Annotated[str, StringConstraints(pattern=EMAIL_PATTERN)] | None = None
    zns_phone: Annotated[str, StringConstraints(pattern=ZNS_PHONE_PATTERN)] | None = None
    leader: str | None = None

    @property
    def reachable(self) -> bool:
        """An alert can reach them by itself (else it goes to their agency's mailbox)."""
        return self.email is not None or self.zns_phone is not None
