"""What a dossier's stored files make of it: digitised (QĐ 766 4.2), an electronic result
(4.1), components reused from the citizen's stored documents (4.3).

Not an official's action (`Action.FILES_RECORDED`, listed by no rule of the state machine):
recording a file brings the dossier's flags up to date through the store's change path, so
that the QĐ 766 counters move in the same transaction as the state (indicators.counted_change).
The flags are only ever raised: a flag the intake set (the portal's own copies) is not
lowered by files that have not arrived yet, and a dossier is counted digitised once.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from chalicelib.domain.calendar import as_local
from chalicelib.domain.dossier import Action, Actor, Dossier, Transition, change_entry
from chalicelib.domain.files import StoredFile, digitised, electronic_result
from chalicelib.domain.procedures import Procedure
from chalicelib.domain.statuses import DossierStatus

RESOLVED = frozenset({DossierStatus.RESOLVED, DossierStatus.RETURNED})


def with_file_flags(
    dossier: Dossier, files: Iterable[StoredFile], procedure: Procedure, *, reused: int = 0
) -> Dossier | None:
    """The dossier with the flags its files give it and `reused` more reused components, or
    None when nothing changes."""
    kept = list(files)
    resolved = dossier.status in RESOLVED
    flags = {
        "digitised": dossier.digitised or digitised(kept, procedure, resolved=resolved),
        "electronic_result": dossier.electronic_result or electronic_result(kept),
        "reused_components": dossier.reused_components + reused,
    }
    if all(getattr(dossier, name) == value for name, value in flags.items()):
        return None
    return dossier.model_copy(
        update={**flags, "version": dossier.version + 1, "revision": dossier.revision + 1}
    )


def files_recorded(
    dossier: Dossier,
    files: Iterable[StoredFile],
    procedure: Procedure,
    *,
    actor: Actor,
    at: datetime,
    reused: int = 0,
) -> Transition | None:
    """The change the stored files make to `dossier` (its history entry says which flags they
    raised), or None when they make none."""
    changed = with_file_flags(dossier, files, procedure, reused=reused)
    if changed is None:
        return None
    raised = []
    if changed.digitised and not dossier.digitised:
        raised.append("hồ sơ đã được số hóa đủ thành phần")
    if changed.electronic_result and not dossier.electronic_result:
        raised.append("có kết quả điện tử")
    if reused:
        raised.append(f"sử dụng lại {reused} giấy tờ đã số hóa")
    entry = change_entry(
        dossier, changed, Action.FILES_RECORDED, actor, as_local(at, "at"), "; ".join(raised)
    )
    marks = {
        "digitised": True if changed.digitised and not dossier.digitised else None,
        "electronic_result": (
            True if changed.electronic_result and not dossier.electronic_result else None
        ),
        "reused": reused or None,
    }
    return Transition(dossier=changed, entry=entry.model_copy(update=marks))
