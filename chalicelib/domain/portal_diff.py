"""What differs between a dossier as we would push it now and as the national portal (DVCQG)
holds it (`TraCuuHoSo`'s answer item, docs/dvcqg-contract.md §4): the status, the dates the
dossier item carries, and the steps.

Pure: the caller builds our items (`portal_records.dossier_item`, `progress_item`), asks the
portal, and passes the moment to judge "overdue" at.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from chalicelib.domain.portal_records import portal_moment
from chalicelib.domain.statuses import DossierStatus

STATUS_FIELD: Final = "TrangThaiHoSo"
DUE_FIELD: Final = "NgayHenTra"
DATE_FIELDS: Final = (
    "NgayTiepNhan",
    DUE_FIELD,
    "NgayTra",
    "NgayKetThucXuLy",
    "NgayTuChoi",
    "NgayNopHoSo",
)
# What is compared: what the portal judges a province by (status, appointment, when it ended).
# Other keys (names, fees, lists) are not: the look-up's answer is assumed to echo the push
# (contract §4), and a real portal that normalised them would be reported every night.
COMPARED_FIELDS: Final = (STATUS_FIELD, *DATE_FIELDS)
STEPS_FIELD: Final = "QuaTrinhXuLy"  # the steps under the look-up's item (contract §4)
# Named in the report, beside the field differences: the case the province is judged on.
OVERDUE_AT_PORTAL: Final = "overdue_at_portal_only"
NOT_HELD: Final = "MaHoSo"  # the field a dossier the portal does not hold is reported under

# Ended as the portal counts (docs/law.md §9): an ended dossier is never overdue.
PORTAL_ENDED: Final = frozenset(
    str(int(s))
    for s in (
        DossierStatus.REFUSED,
        DossierStatus.WITHDRAWN,
        DossierStatus.STOPPED,
        DossierStatus.RESOLVED,
        DossierStatus.RETURNED,
    )
)
_PORTAL_MOMENT_LENGTH: Final = 14  # yyyyMMddHHmmss


@dataclass(frozen=True)
class Difference:
    field: str
    ours: Any
    portal: Any

    def as_json(self) -> dict[str, Any]:
        return {"field": self.field, "ours": self.ours, "portal": self.portal}


@dataclass(frozen=True)
class DossierDiff:
    code: str
    fields: list[Difference] = field(default_factory=list)
    missing_steps: list[dict[str, Any]] = field(default_factory=list)
    overdue_at_portal_only: bool = False

    @property
    def differs(self) -> bool:
        return bool(self.fields or self.missing_steps or self.overdue_at_portal_only)

    @property
    def snapshot_differs(self) -> bool:
        """Whether the dossier item itself must be pushed again (not only steps)."""
        return bool(self.fields)

    def differences(self) -> list[Difference]:
        """Every difference as (field, ours, portal's); a missing step as one `QuaTrinhXuLy`
        row; "the portal shows it overdue but we do not" as its own named row."""
        rows = list(self.fields)
        if self.overdue_at_portal_only:
            rows.append(Difference(OVERDUE_AT_PORTAL, False, True))
        rows += [Difference(STEPS_FIELD, _step_label(s), None) for s in self.missing_steps]
        return rows


def moment_text(value: Any) -> str:
    """A date as the portal may answer it → `yyyyMMddHHmmss` ("" when blank). The look-up may
    answer `dd/MM/yyyy HH:mm:ss` (contract §4); anything else is kept as it is, so it differs."""
    text = "" if value is None else str(value).strip()
    if len(text) == 19 and text[2] == "/" and text[5] == "/":
        try:
            parsed = datetime.strptime(text, "%d/%m/%Y %H:%M:%S")
        except ValueError:
            return text
        return parsed.strftime("%Y%m%d%H%M%S")
    return text


def overdue(item: Mapping[str, Any], now: datetime) -> bool:
    """Overdue as the portal would show it: not ended and the appointment passed."""
    due = moment_text(item.get(DUE_FIELD))
    status = str(item.get(STATUS_FIELD, ""))
    if status in PORTAL_ENDED or len(due) != _PORTAL_MOMENT_LENGTH:
        return False
    return due < portal_moment(now)  # fixed-width local digits: text order is time order


def compare(
    ours: Mapping[str, Any],
    our_steps: Sequence[Mapping[str, Any]],
    held: Mapping[str, Any] | None,
    now: datetime,
) -> DossierDiff:
    """`ours` (the dossier item we would push now, with its steps) against `held` (the
    portal's look-up item, None when it holds nothing)."""
    code = str(ours.get("MaHoSo", ""))
    if held is None:
        return DossierDiff(
            code,
            fields=[Difference(NOT_HELD, code, None)],
            missing_steps=[dict(s) for s in our_steps],
        )
    fields = []
    for name in COMPARED_FIELDS:
        mine = moment_text(ours.get(name)) if name in DATE_FIELDS else str(ours.get(name, ""))
        theirs = held.get(name)
        if theirs is not None and name in DATE_FIELDS:
            theirs = moment_text(theirs)
        if theirs is None or str(theirs) != mine:
            fields.append(Difference(name, mine, theirs))
    held_steps = {_step_key(s) for s in _steps_of(held)}
    missing = [dict(s) for s in our_steps if _step_key(s) not in held_steps]
    return DossierDiff(
        code,
        fields=fields,
        missing_steps=missing,
        overdue_at_portal_only=overdue(held, now) and not overdue(ours, now),
    )


def _steps_of(held: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    steps = held.get(STEPS_FIELD)
    return [s for s in steps if isinstance(s, Mapping)] if isinstance(steps, list) else []


def _step_key(step: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    """A step as the portal tells steps apart (an identical step is the same step); its
    dates in one form, whichever the answer used."""
    return tuple(
        sorted(
            (k, moment_text(v) if k.startswith(("ThoiDiem", "Ngay")) else str(v))
            for k, v in step.items()
        )
    )


def _step_label(step: Mapping[str, Any]) -> dict[str, Any]:
    return {k: step.get(k, "") for k in ("ThoiDiemXuLy", "TrangThai", "NoiDungXuLy")}
