"""The leader's board of one agency and month, as the page shows it: a pure builder from what
the page read (the QĐ 766 report of the month, the twelve months' indicators, the agency's open
dossiers due within the horizon, all its open dossiers and their portal marks) to what it prints.

- the indicators of the month, with their names, values, terms and scores (the report's own);
- the trend: one bar chart per indicator over twelve months (`charts`);
- overdue and due-soon dossiers by unit and by the official who has them in hand
  (`Dossier.handled_by`; none: "chưa có người nhận"), each count a link to the workbench's
  worklist filtered so (on the viewer's own agency only: the worklist is theirs);
- apologies issued in the month (the dossiers first extended with an apology, Mẫu 04);
- the portal's lag: how many of the agency's open dossiers (all of them, read through the
  worklist index up to a bound the page states when reached) the national portal holds at an
  older revision (or not at all), and since when the oldest of them has not been told.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from chalicelib.domain.dossier import Dossier
from chalicelib.domain.indicators import NAMES_VI, WORKING_DAY_SECONDS, Indicator
from chalicelib.ports.portal import SyncMark
from chalicelib.web import worklist
from chalicelib.web.charts import Chart, bar_chart, month_label, number_vi, value_text

WORKLIST = "/ban-lam-viec"
# The worklist's filters the links ask for (the workbench's page reads them).
# The workbench's worklist filters the board's counts link to (chalicelib/web/worklist.py).
OVERDUE, DUE_SOON, UNIT, OFFICIAL, NOBODY = (
    worklist.OVERDUE, worklist.DUE_SOON, worklist.UNIT, worklist.OFFICIAL, worklist.NOBODY
)  # fmt: skip
NOBODY_LABEL = "Chưa có người nhận"
# The trend's charts: the indicators a dossier engine computes (5.4 waits for ratings).
CHARTED = ("2.1", "2.2", "3.3", "3.6", "4.1", "4.2", "4.3")


@dataclass(frozen=True)
class IndicatorRow:
    code: str
    name: str
    value: str  # as read: "85,5 %", "3,25 ngày làm việc", "chưa có số liệu"
    numerator: int
    denominator: int
    terms: str  # "3 / 4"; for a duration, how many dossiers it averages
    score: str  # "" while the province has not confirmed the scoring
    threshold: str


@dataclass(frozen=True)
class Due:
    """One line of the due table: a unit or an official, with its two counts and links."""

    label: str
    overdue: int
    due_soon: int
    overdue_link: str | None
    due_soon_link: str | None


@dataclass(frozen=True)
class SyncLag:
    behind: int  # open dossiers the portal holds at an older revision, or not at all
    of: int  # the open dossiers looked at
    since: datetime | None  # the oldest of those: when the portal was last up to date
    age: str  # since then, as read
    complete: bool = True  # all the agency's open dossiers were looked at (else the earliest due)


@dataclass(frozen=True)
class SyncLooked:
    """The open dossiers the lag is reckoned over, their portal marks, and whether they are all
    the agency's open dossiers."""

    dossiers: list[Dossier]
    marks: Mapping[str, SyncMark | None]
    complete: bool = True


@dataclass(frozen=True)
class Board:
    agency: str
    agency_name: str
    month: str
    month_label: str
    indicators: tuple[IndicatorRow, ...]
    left_out: tuple[str, ...]  # indicators the report leaves out (5.4 before any rating)
    received: int
    ended: int
    on_time: int
    late: int
    apologies: int
    by_unit: tuple[Due, ...]
    by_official: tuple[Due, ...]
    overdue: int
    due_soon: int
    sync: SyncLag
    charts: tuple[Chart, ...]


def indicator_rows(found: Mapping[str, Mapping[str, Any]]) -> tuple[IndicatorRow, ...]:
    """The report's indicators (`asdict(Indicator)` each), in their codes' order."""
    rows = []
    for code in sorted(found, key=lambda c: tuple(int(p) for p in c.split("."))):
        ind = found[code]
        unit = "%" if ind["unit"] == "%" else "ngày làm việc"
        score = ind["score"]
        max_score = ind["max_score"]
        threshold = ind["threshold"]
        rows.append(
            IndicatorRow(
                code=code,
                name=ind["name_vi"],
                value=value_text(ind["value"], unit),
                numerator=ind["numerator"],
                denominator=ind["denominator"],
                terms=(
                    f"{ind['numerator']} / {ind['denominator']}"
                    if unit == "%"
                    else f"{ind['denominator'] // WORKING_DAY_SECONDS} hồ sơ đã giải quyết"
                ),
                score="" if score is None else f"{number_vi(score)}/{number_vi(max_score)}",
                threshold="" if threshold is None else value_text(threshold, unit),
            )
        )
    return tuple(rows)


def trend_charts(trend: list[tuple[str, dict[str, Indicator]]]) -> tuple[Chart, ...]:
    months = [month for month, _ in trend]
    charts = []
    for code in CHARTED:
        values = [found[code].value for _, found in trend]
        first = trend[0][1][code] if trend else None
        name = first.name_vi if first else code
        unit = "%" if first is None or first.unit == "%" else "ngày làm việc"
        charts.append(
            bar_chart(
                f"xu-huong-{code.replace('.', '-')}",
                f"{code} {name}: 12 tháng gần nhất",
                months,
                values,
                unit,
            )
        )
    return tuple(charts)


def _worklist(links: bool, **filters: str) -> str | None:
    return f"{WORKLIST}?{urlencode(filters)}" if links else None


def due_lines(
    dossiers: Iterable[Dossier],
    *,
    now: datetime,
    soon_until: datetime,
    unit_names: Mapping[str, str],
    links: bool,
) -> tuple[tuple[Due, ...], tuple[Due, ...], int, int]:
    """(by unit, by official, overdue in all, due soon in all). Overdue: past its appointment;
    due soon: within the horizon. A dossier ended (awaiting hand-over) or paused (the clock
    stopped while the applicant is asked for something) is neither."""
    units: dict[str, list[int]] = {}
    officials: dict[str, list[int]] = {}
    names: dict[str, str] = {}
    for d in dossiers:
        if d.due_at is None or d.ended_at is not None or d.is_paused or d.due_at > soon_until:
            continue
        column = 0 if d.due_at < now else 1
        units.setdefault(d.holder.unit, [0, 0])[column] += 1
        who = d.handled_by.id if d.handled_by else ""
        if d.handled_by:
            names[who] = d.handled_by.name
        officials.setdefault(who, [0, 0])[column] += 1

    def line(label: str, counts: list[int], **key: str) -> Due:
        return Due(
            label,
            counts[0],
            counts[1],
            _worklist(links and counts[0] > 0, **key, **{OVERDUE: "1"}),
            _worklist(links and counts[1] > 0, **key, **{DUE_SOON: "1"}),
        )

    by_unit = tuple(
        line(unit_names.get(unit, unit), counts, **{UNIT: unit})
        for unit, counts in sorted(units.items(), key=lambda i: unit_names.get(i[0], i[0]))
    )
    by_official = tuple(
        line(names[who], counts, **{OFFICIAL: who})
        if who
        else line(NOBODY_LABEL, counts, **{NOBODY: "1"})
        for who, counts in sorted(officials.items(), key=lambda i: (not i[0], names.get(i[0], "")))
    )
    overdue = sum(c[0] for c in units.values())
    soon = sum(c[1] for c in units.values())
    return by_unit, by_official, overdue, soon


def age_text(age: timedelta) -> str:
    """A lag as read: "2 ngày 3 giờ", "5 giờ 10 phút", "dưới 1 phút"."""
    minutes = int(age.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days} ngày {hours} giờ" if hours else f"{days} ngày"
    if hours:
        return f"{hours} giờ {minutes} phút" if minutes else f"{hours} giờ"
    return f"{minutes} phút" if minutes else "dưới 1 phút"


def sync_lag(
    dossiers: Iterable[Dossier],
    marks: Mapping[str, SyncMark | None],
    now: datetime,
    *,
    complete: bool = True,
) -> SyncLag:
    """Of these dossiers, those the portal holds at an older revision than ours (or not at
    all), and since when the longest-waiting one has not been told: its mark's time (what the
    portal last acknowledged), or its opening when the portal never acknowledged it."""
    looked = list(dossiers)
    since: list[datetime] = []
    for d in looked:
        mark = marks.get(d.code)
        if mark is None:
            since.append(d.submitted_at)
        elif mark.revision < d.revision:
            since.append(mark.synced_at)
    oldest = min(since, default=None)
    age = "" if oldest is None else age_text(max(now - oldest, timedelta(0)))
    return SyncLag(len(since), len(looked), oldest, age, complete)


def build(
    report: Mapping[str, Any],
    trend: list[tuple[str, dict[str, Indicator]]],
    open_dossiers: list[Dossier],
    sync: SyncLooked,
    *,
    agency_name: str,
    unit_names: Mapping[str, str],
    now: datetime,
    soon_until: datetime,
    links: bool,
) -> Board:
    """The board from the month's report (`report_766`'s answer for one month), the trend
    (`reports.trend`), the open dossiers due by `soon_until`, and those the portal's lag is
    reckoned over with their marks."""
    counts, period = report["counts"], report["period"]
    by_unit, by_official, overdue, soon = due_lines(
        open_dossiers, now=now, soon_until=soon_until, unit_names=unit_names, links=links
    )
    left_out = tuple(
        f"{code} {name}" for code, name in NAMES_VI.items() if code not in report["indicators"]
    )
    return Board(
        agency=report["agency"],
        agency_name=agency_name,
        month=report["from"],
        month_label=month_label(report["from"]),
        indicators=indicator_rows(report["indicators"]),
        left_out=left_out,
        received=period["received"],
        ended=period["ended"],
        on_time=counts["on_time"],
        late=counts["late"],
        apologies=period["extended_with_apology"],
        by_unit=by_unit,
        by_official=by_official,
        overdue=overdue,
        due_soon=soon,
        sync=sync_lag(sync.dossiers, sync.marks, now, complete=sync.complete),
        charts=trend_charts(trend),
    )
