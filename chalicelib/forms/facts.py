"""What the forms read off a dossier beyond its fields: the letterhead of an agency, dates as
Vietnamese documents write them, and each step's handover with its deadline (Mẫu 06, 07).
Pure: the calendar and the registry are given."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from chalicelib.domain.agencies import AgencyLevel, AgencyRegistry, fold_name
from chalicelib.domain.calendar import WorkingCalendar, as_local
from chalicelib.domain.dossier import Action, Dossier, HistoryEntry, Location
from chalicelib.domain.procedures import Procedure
from chalicelib.domain.statuses import DossierStatus
from chalicelib.forms.model import Letterhead

_PROVINCE_COMMITTEE = "uy ban nhan dan tinh "


def province_committee(registry: AgencyRegistry) -> str:
    """The name of the province's People's Committee ("" when the registry has none)."""
    return next(
        (a.name for a in registry.all() if fold_name(a.name).startswith(_PROVINCE_COMMITTEE)),
        "",
    )


def province_name(registry: AgencyRegistry) -> str:
    """ "Đồng Nai" from "Ủy ban nhân dân tỉnh Đồng Nai": the place a document is issued at."""
    committee = province_committee(registry)
    return committee.split(" tỉnh ", 1)[1] if " tỉnh " in committee else committee


def upper(text: str) -> str:
    return text.upper()


def letterhead(registry: AgencyRegistry, agency: str, on: datetime) -> Letterhead:
    """A province department sits under the province's People's Committee; a commune's
    committee, the committee itself and a central agency's branch head their own papers."""
    found = registry.get(agency)
    name = found.name if found else agency
    committee = province_committee(registry)
    under_committee = (
        found is not None and found.level is AgencyLevel.PROVINCE and found.name != committee
    )
    return Letterhead(
        parent=upper(committee) if under_committee else "",
        issuer=upper(name),
        place_and_date=f"{province_name(registry)}, {long_date(on)}",
    )


def long_date(moment: datetime) -> str:
    """ "ngày 05 tháng 03 năm 2026", as the administrative style writes a date."""
    local = as_local(moment)
    return f"ngày {local:%d} tháng {local:%m} năm {local:%Y}"


def hour_and_date(moment: datetime) -> str:
    """ "09 giờ 30 phút, ngày 05/03/2026"."""
    local = as_local(moment)
    return f"{local:%H} giờ {local:%M} phút, ngày {local:%d/%m/%Y}"


def day(moment: datetime) -> str:
    """ "05/03/2026"."""
    return f"{as_local(moment):%d/%m/%Y}"


def short(moment: datetime | None) -> str:
    """ "05/03/2026 09:30", for tables; "" when unknown."""
    return f"{as_local(moment):%d/%m/%Y %H:%M}" if moment else ""


class Timeliness(StrEnum):
    EARLY = "Trước hạn"
    ON_TIME = "Đúng hạn"
    LATE = "Quá hạn"
    PENDING = "Đang xử lý"


def timeliness(done: datetime | None, due: datetime | None) -> Timeliness:
    """Early: done on a day before the deadline's day (as QĐ 766 judges an ending,
    `domain/indicators.judged`); on time: by the deadline; late: after it."""
    if done is None or due is None:
        return Timeliness.PENDING
    if done > due:
        return Timeliness.LATE
    if as_local(done).date() < as_local(due).date():
        return Timeliness.EARLY
    return Timeliness.ON_TIME


@dataclass(frozen=True)
class Handover:
    """One step's stay at a place, and its handing over to the next (None: still there, or
    handed to the applicant)."""

    step: int
    step_name: str
    giver: Location
    given_by: str  # the official who handed it over ("" while it is still there)
    receiver: Location | None
    received_at: datetime  # when it arrived at the step
    handed_at: datetime | None
    due_at: datetime | None
    note: str

    @property
    def result(self) -> Timeliness:
        return timeliness(self.handed_at, self.due_at)


# Changes after which the dossier is with nobody at the agency any more.
_ENDINGS = {DossierStatus.RETURNED, DossierStatus.REFUSED, DossierStatus.WITHDRAWN,
            DossierStatus.STOPPED}  # fmt: skip


def handovers(
    dossier: Dossier,
    history: Sequence[HistoryEntry],
    procedure: Procedure,
    calendar: WorkingCalendar,
) -> list[Handover]:
    """The dossier's path step by step: where each step was, when it arrived and was handed
    on, and its deadline, counted as the state machine counts it (the step's duration from its
    start, moved by the working time the clock stood still while it was there)."""
    entries = sorted(history, key=lambda e: e.version)
    opening = next((e for e in entries if e.to_status is not DossierStatus.SUBMITTED), None)
    if opening is None or dossier.received_at is None:
        return []
    result: list[Handover] = []
    step, place, since = opening.to_step, opening.holder, opening.at
    paused = timedelta(0)
    for entry in entries[entries.index(opening) + 1 :]:
        paused += entry.paused_for or timedelta(0)
        ended = entry.to_status in _ENDINGS
        if not ended and entry.to_step == step and entry.holder == place:
            continue
        result.append(
            Handover(
                step=step,
                step_name=procedure.steps[step].name if step < len(procedure.steps) else "",
                giver=place,
                given_by=entry.actor_name,
                receiver=None if ended else entry.holder,
                received_at=since,
                handed_at=entry.at,
                due_at=_step_due(procedure, calendar, step, since, paused),
                note=entry.note or entry.action.label_vi,
            )
        )
        if ended:
            return result
        step, place, since, paused = entry.to_step, entry.holder, entry.at, timedelta(0)
    result.append(
        Handover(
            step=step,
            step_name=procedure.steps[step].name if step < len(procedure.steps) else "",
            giver=place,
            given_by="",
            receiver=None,
            received_at=since,
            handed_at=None,
            due_at=_step_due(procedure, calendar, step, since, paused),
            note=dossier.status.label_vi,
        )
    )
    return result


def _step_due(
    procedure: Procedure, calendar: WorkingCalendar, step: int, since: datetime, paused: timedelta
) -> datetime | None:
    if step >= len(procedure.steps):
        return None
    start = calendar.start_of_count(since, procedure.cutoff if step == 0 else None)
    due = calendar.add_duration(start, procedure.steps[step].duration)
    return calendar.add(due, paused) if paused > timedelta(0) else due


def entry_of(history: Sequence[HistoryEntry], *actions: Action) -> HistoryEntry | None:
    """The latest entry of one of `actions`."""
    found = [e for e in history if e.action in actions]
    return max(found, key=lambda e: e.version) if found else None
