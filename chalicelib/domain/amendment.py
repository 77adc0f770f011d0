"""A dossier's submitted details corrected by the portal that sent it (`update_details`).

Not an official's action: the national portal re-sends a dossier with `isUpdating` "True"
(docs/dvcqg-contract.md §9). The status, step, holder and dates are the process's and do not
move; what the citizen declared does (their details, the summary, the portal's appointment, the
online flags). The history entry says what changed and who changed it, like any other.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from chalicelib.domain.calendar import as_local
from chalicelib.domain.dossier import (
    Action,
    Actor,
    Applicant,
    Dossier,
    SubmittedDocument,
    Transition,
    change_entry,
)


def update_details(
    dossier: Dossier,
    *,
    applicant: Applicant,
    portal_due_at: datetime | None,
    paid_online: bool,
    digitised: bool,
    summary: str | None,
    changed_vi: str,
    documents: Sequence[SubmittedDocument] | None = None,
    actor: Actor,
    at: datetime,
) -> Transition:
    """`summary` and `documents` are the new ones, or None when they did not change;
    `changed_vi` names what did."""
    at = as_local(at, "at")
    changed = dossier.model_copy(
        update={
            "applicant": applicant,
            "portal_due_at": portal_due_at,
            "paid_online": paid_online,
            "digitised": digitised,
            "version": dossier.version + 1,
            "revision": dossier.revision + 1,
        }
    )
    note = f"{actor.name} cập nhật {changed_vi}" if changed_vi else ""
    entry = change_entry(dossier, changed, Action.UPDATE_DETAILS, actor, at, note)
    kept = {"summary": summary, "documents": None if documents is None else tuple(documents)}
    return Transition(dossier=changed, entry=entry.model_copy(update=kept))
