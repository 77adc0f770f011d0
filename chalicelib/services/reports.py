"""The QĐ 766 report of an agency over a range of months, from the live counters (no scan)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any, Protocol

from chalicelib.domain import feedback as fb
from chalicelib.domain import indicators
from chalicelib.domain.calendar import WorkingCalendar
from chalicelib.domain.dossier import Actor
from chalicelib.domain.statuses import Role
from chalicelib.ports.feedback import FeedbackStore
from chalicelib.ports.store import ReportStore
from chalicelib.services.errors import FieldIssue, Forbidden

MONTH = r"^20[0-9]{2}-(0[1-9]|1[0-2])$"  # the years this system can have counted
MAX_MONTHS = 36
# Dossiers still open at the period's start are counted from this many months before it
# (received there and not ended before the period): one query a month, and a dossier open
# longer than two years is a case for the operator's rebuild, not for this report.
CARRY_OVER_MONTHS = 24


class ReportAsked(Protocol):
    """Which report (ReportQuery in chalicelib/http/request_models.py)."""

    @property
    def agency(self) -> str: ...
    @property
    def from_(self) -> str: ...  # the first month, YYYY-MM
    @property
    def to(self) -> str: ...  # the last month
    @property
    def format(self) -> str: ...  # json or csv


def months(first: str, last: str) -> list[str]:
    year, month = (int(part) for part in first.split("-"))
    found: list[str] = []
    while f"{year:04d}-{month:02d}" <= last and len(found) <= MAX_MONTHS:
        found.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return found


def may_read(actor: Actor, agency: str) -> bool:
    return actor.agency == agency or Role.ADMIN in actor.roles


def _month_before(month: str, back: int) -> str:
    year, number = (int(part) for part in month.split("-"))
    index = year * 12 + number - 1 - back
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def month_counters(store: ReportStore, agency: str, month: str) -> indicators.Counters:
    """An agency's counters of one month, its procedures added up (one query, no scan)."""
    return sum(
        (indicators.Counters.from_mapping(c) for c in store.stats(agency, month).values()),
        indicators.Counters(),
    )


def trend(
    store: ReportStore, agency: str, last: str, count: int = 12
) -> list[tuple[str, dict[str, indicators.Indicator]]]:
    """The indicators of each of the `count` months up to `last`, oldest first: each month's
    own counters, as `report_766` computes a one-month period's (no carry-over: the indicators
    do not use it)."""
    first = _month_before(last, count - 1)
    return [
        (month, indicators.indicators(month_counters(store, agency, month)))
        for month in months(first, last)
    ]


def _totals(store: ReportStore, agency: str, first: str, last: str) -> indicators.Counters:
    return sum(
        (month_counters(store, agency, month) for month in months(first, last)),
        indicators.Counters(),
    )


def report_766(
    query: ReportAsked, actor: Actor, store: ReportStore, now: datetime | None = None
) -> dict[str, Any] | str:
    if not may_read(actor, query.agency):
        raise Forbidden(
            f"agency {actor.agency} cannot read the report of {query.agency}",
            errors=[
                FieldIssue(
                    "agency",
                    "another agency's report",
                    "Không có quyền xem báo cáo của cơ quan khác",
                )
            ],
        )
    rows: dict[tuple[str, str, str], indicators.Counters] = {}
    for month in months(query.from_, query.to):
        for procedure, counts in store.stats(query.agency, month).items():
            rows[(query.agency, month, procedure)] = indicators.Counters.from_mapping(counts)
    if query.format == "csv":
        return indicators.to_csv(rows)
    total = sum(rows.values(), indicators.Counters())
    before = _totals(
        store,
        query.agency,
        _month_before(query.from_, CARRY_OVER_MONTHS),
        _month_before(query.from_, 1),
    )
    carried_over = max(before.received - before.ended, 0)
    period: dict[str, Any] = {
        "carried_over": carried_over,  # open when the period began (received in the 24 months)
        "received": total.received,
        "fully_online": total.fully_online,
        "ended": total.ended,
        "in_progress_at_end": max(carried_over + total.received - total.ended, 0),
        "early": total.early,
        "on_time": total.on_time,
        "late": total.late,
        "extended_with_apology": total.extended,
        "more_than_one_supplement": total.supplement_repeat_dossiers,
        # The citizen's voice (docs/law.md §14c).
        "rated": total.rated,
        "rated_unsatisfied": total.unsatisfied,
        "dossiers_with_feedback": total.complained,
        "feedback_in_scope": total.feedback_in_scope,
        "feedback_answered_on_time": total.feedback_on_time,
        "feedback_answered_late": total.feedback_late,
    }
    if now is not None:  # what the national portal shows: open, held here, already overdue
        held = store.open_due_before(query.agency, now)  # resolved ones wait for the hand-over
        overdue = [d for d in held if d.ended_at is None and d.due_at and d.due_at < now]
        period["overdue_now"] = {"as_of": now.isoformat(), "count": len(overdue)}
    return {
        "agency": query.agency,
        "from": query.from_,
        "to": query.to,
        "period": period,
        "counts": total.as_dict(),
        # An indicator that cannot be computed (5.4 without ratings or complaints, 5.2 and 5.3
        # without PAKN answered) is left out, never shown as a copy of another; `sources` says
        # why.
        "indicators": {
            code: asdict(ind)
            for code, ind in indicators.indicators(total).items()
            if not (code in ("5.2", "5.3", "5.4") and ind.denominator == 0)
        },
        "sources": indicators.SOURCES,
        "rows": [
            {"month": month, "procedure": procedure, **counts.as_dict()}
            for (_, month, procedure), counts in sorted(rows.items())
        ],
    }


def rebuild_and_compare(
    agency: str,
    first: str,
    last: str,
    store: ReportStore,
    calendar: WorkingCalendar,
    feedback: FeedbackStore | None = None,
) -> dict[str, Any]:
    """Recount an agency's months from every dossier's history (and its PAKN, when given) and
    compare with the live counters. An operator command: it reads every dossier."""
    wanted = set(months(first, last))
    lives = []
    for code in store.all_codes():
        record = store.load(code)
        if record is None or record.dossier.resolving_agency != agency:
            continue
        d = record.dossier
        lives.append(
            indicators.DossierLife(
                d,
                tuple(record.history),
                paid_online=d.paid_online,
                digitised=d.digitised,
                electronic_result=d.electronic_result,
            )
        )
    recounted = indicators.rebuild(lives, calendar=calendar)
    if feedback is not None:  # PAKN counters are on the handling agency's rows
        for key, delta in fb.rebuild(feedback.of_agency(agency)).items():
            recounted[key] = recounted.get(key, indicators.Counters()).plus(delta)
    rebuilt = {key: c for key, c in recounted.items() if key[1] in wanted}
    live = {
        (agency, month, procedure): indicators.Counters.from_mapping(counts)
        for month in sorted(wanted)
        for procedure, counts in store.stats(agency, month).items()
    }
    keys = sorted(set(rebuilt) | set(live))
    differences = [
        {
            "month": k[1],
            "procedure": k[2],
            "live": live.get(k, indicators.Counters()).as_dict(),
            "rebuilt": rebuilt.get(k, indicators.Counters()).as_dict(),
        }
        for k in keys
        if live.get(k, indicators.Counters()) != rebuilt.get(k, indicators.Counters())
    ]
    return {
        "agency": agency,
        "from": first,
        "to": last,
        "dossiers": len(lives),
        "rows": len(keys),
        "match": not differences,
        "differences": differences,
    }
