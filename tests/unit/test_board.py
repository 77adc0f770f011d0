"""The leader's board (chalicelib/web/board.py, board_query.py, charts.py): the charts drawn
from twelve values, the view built from a month's report, the dossiers due by unit and by
official, the portal's lag, and which board a request asks for. In a browser: tests/browser/
test_board.py."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest

from chalicelib.adapters.memory_store import MemoryStore
from chalicelib.domain import indicators
from chalicelib.domain.dossier import Location, OfficialRef
from chalicelib.domain.statuses import Role
from chalicelib.ports.portal import SyncMark
from chalicelib.services import reports
from chalicelib.web import board, board_query, charts
from chalicelib.web.board_pages import MonthAsked
from chalicelib.web.site import Site
from chalicelib.web.templates import render
from tests.unit.builders import HOME, LEADER, SPECIALIST, at, land_procedure, new_dossier, official

SVG = "{http://www.w3.org/2000/svg}"
MONTHS = [f"2025-{m:02d}" for m in range(4, 13)] + ["2026-01", "2026-02", "2026-03"]
NOW = at(2026, 3, 16, 10)


def _svg(chart: charts.Chart) -> ET.Element:
    return ET.fromstring(chart.svg)


def _bars(chart: charts.Chart) -> list[float]:
    return [float(r.get("height") or "nan") for r in _svg(chart).iter(f"{SVG}rect")]


# -- charts -----------------------------------------------------------------------------------
def test_a_chart_is_an_image_named_by_its_title_and_description_with_vietnamese_months():
    values = [50.0, 75.5, None, 100.0, 0.0, 20.0, 30.0, 40.0, 60.0, 70.0, 80.0, 90.0]
    chart = charts.bar_chart("c-2-1", "2.1 Tỷ lệ đúng hạn", MONTHS, values, "%")
    root = _svg(chart)
    assert root.get("role") == "img" and root.get("aria-labelledby") == "c-2-1-t c-2-1-d"
    assert root.findtext(f"{SVG}title") == "2.1 Tỷ lệ đúng hạn"
    desc = root.findtext(f"{SVG}desc") or ""
    assert "tháng 4/2025: 50 %" in desc and "tháng 5/2025: 75,5 %" in desc
    assert "tháng 6/2025: chưa có số liệu" in desc
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert [t for t in texts if t and t.startswith("Th")] == [
        "Th4", "Th5", "Th6", "Th7", "Th8", "Th9", "Th10", "Th11", "Th12", "Th1", "Th2", "Th3"
    ]  # fmt: skip
    assert texts.count("2025") == 1 and texts.count("2026") == 1  # under April and January
    assert chart.rows[1] == ("tháng 5/2025", "75,5 %") and chart.rows[2][1] == "chưa có số liệu"
    assert "style=" not in chart.svg  # the CSP forbids inline style


def test_a_full_rate_fills_the_plot_and_a_month_without_data_has_no_bar():
    values = [100.0, None, 50.0] + [None] * 9
    heights = _bars(charts.bar_chart("c", "t", MONTHS, values, "%"))
    plot = charts.HEIGHT - charts.TOP - charts.BOTTOM
    assert heights == [pytest.approx(plot), pytest.approx(plot / 2)]  # None draws no bar


def test_all_zeros_are_bars_of_nothing_labelled_zero_not_missing():
    chart = charts.bar_chart("c", "t", MONTHS, [0.0] * 12, "%")
    assert _bars(chart) == [0.0] * 12
    assert all(value == "0 %" for _, value in chart.rows)
    assert "Chưa tháng nào có số liệu" not in chart.description


def test_an_empty_year_says_so_and_draws_no_bar():
    chart = charts.bar_chart("c", "t", MONTHS, [None] * 12, "%")
    assert _bars(chart) == [] and chart.description.endswith("Chưa tháng nào có số liệu.")


def test_days_get_a_round_ceiling_and_text_is_escaped():
    assert charts.ceiling_of([3.25, None], "ngày làm việc") == 4.0
    assert charts.ceiling_of([None], "ngày") == 1.0 and charts.ceiling_of([12.0], "ngày") == 20.0
    chart = charts.bar_chart("c", "<b>&", MONTHS, [1.0] * 12, "ngày làm việc")
    assert "<b>" not in chart.svg and _svg(chart).findtext(f"{SVG}title") == "<b>&"
    assert chart.rows[0][1] == "1 ngày làm việc"


def test_one_value_per_month():
    with pytest.raises(ValueError):
        charts.bar_chart("c", "t", MONTHS, [1.0], "%")


# -- the view ---------------------------------------------------------------------------------
def _dossier(calendar, n: int, **update):
    made = new_dossier(land_procedure(), calendar, at(2026, 3, 2, 9),
                       code=f"{HOME}-260302-{n:04d}").dossier  # fmt: skip
    return made.model_copy(update=update)


def _report(store: MemoryStore, month: str = "2026-03") -> dict:
    answer = reports.report_766(MonthAsked(HOME, month, month), LEADER, store, NOW)
    assert isinstance(answer, dict)
    return answer


def _store_with_counts() -> MemoryStore:
    store = MemoryStore()
    store.counters[(HOME, "2026-03")] = {
        "1.000001": {"received_ch1": 3, "received_ch2": 1, "on_time": 3, "late": 1, "ended": 4,
                     "resolved": 4, "electronic_result": 2, "digitised": 4, "extended": 1},
    }  # fmt: skip
    store.counters[(HOME, "2026-01")] = {"1.000001": {"received_ch2": 2, "digitised": 1}}
    return store


def test_the_board_shows_the_reports_indicators_and_counts_not_recomputed(calendar):
    store = _store_with_counts()
    report = _report(store)
    shown = board.build(report, reports.trend(store, HOME, "2026-03"), [], board.SyncLooked([], {}),
                        agency_name="UBND", unit_names={}, now=NOW, soon_until=NOW,
                        links=True)  # fmt: skip
    rows = {row.code: row for row in shown.indicators}
    assert rows["2.1"].value == "75 %"
    assert (rows["2.1"].numerator, rows["2.1"].denominator, rows["2.1"].terms) == (3, 4, "3 / 4")
    assert rows["2.2"].terms == "0 hồ sơ đã giải quyết"  # none with their processing time kept
    assert rows["2.1"].name == "Tỷ lệ hồ sơ giải quyết đúng hạn"
    assert rows["4.1"].value == "50 %" and rows["4.2"].value == "100 %"
    assert rows["4.2"].threshold == "80 %" and rows["4.2"].score == ""  # points not confirmed
    # No rating and no PAKN yet: the citizen's-voice indicators are left out, named.
    assert not {"5.2", "5.3", "5.4"} & set(rows)
    assert [line.split(" ", 1)[0] for line in shown.left_out] == ["5.2", "5.3", "5.4"]
    assert "5.4 Mức độ hài lòng" in shown.left_out
    assert (shown.received, shown.apologies, shown.month_label) == (4, 1, "tháng 3/2026")
    assert report["indicators"]["4.1"]["value"] == 50.0  # the same numbers as the API's


def test_the_trend_is_twelve_months_of_each_months_own_counters():
    store = _store_with_counts()
    trend = reports.trend(store, HOME, "2026-03")
    assert [month for month, _ in trend] == MONTHS
    assert trend[-1][1]["2.1"].value == 75.0 and trend[-3][1]["4.2"].value == 50.0
    assert trend[0][1]["2.1"].value is None  # a month without dossiers: no value, not 0
    charts_by_id = {c.id: c for c in board.trend_charts(trend)}
    assert set(charts_by_id) == {f"xu-huong-{c.replace('.', '-')}" for c in board.CHARTED}
    assert charts_by_id["xu-huong-4-2"].rows[-3] == ("tháng 1/2026", "50 %")


def test_overdue_and_due_soon_by_unit_and_by_the_official_holding_them(calendar):
    hung = OfficialRef(id="hung", name="Lê Văn Hùng")
    soon_until = NOW + timedelta(days=2)
    held = [
        _dossier(calendar, 1, due_at=NOW - timedelta(hours=1), handled_by=hung,
                 holder=Location(agency=HOME, unit="PHONG_DD")),
        _dossier(calendar, 2, due_at=NOW + timedelta(hours=5), handled_by=hung,
                 holder=Location(agency=HOME, unit="PHONG_DD")),
        _dossier(calendar, 3, due_at=NOW - timedelta(days=1), handled_by=None,
                 holder=Location(agency=HOME, unit="LANH_DAO")),
        # ended (waiting to be handed over), paused, and beyond the horizon: in neither
        _dossier(calendar, 4, due_at=NOW - timedelta(days=1), ended_at=NOW - timedelta(days=2)),
        _dossier(calendar, 5, due_at=NOW - timedelta(days=1), paused_at=NOW - timedelta(days=3)),
        _dossier(calendar, 6, due_at=soon_until + timedelta(minutes=1)),
    ]  # fmt: skip
    names = {"PHONG_DD": "Phòng Địa chính", "LANH_DAO": "Lãnh đạo"}
    by_unit, by_official, overdue, soon = board.due_lines(
        held, now=NOW, soon_until=soon_until, unit_names=names, links=True
    )
    assert (overdue, soon) == (2, 1)
    assert [(d.label, d.overdue, d.due_soon) for d in by_unit] == [
        ("Lãnh đạo", 1, 0), ("Phòng Địa chính", 1, 1)
    ]  # fmt: skip
    assert [(d.label, d.overdue, d.due_soon) for d in by_official] == [
        ("Lê Văn Hùng", 1, 1), ("Chưa có người nhận", 1, 0)
    ]  # fmt: skip
    assert by_unit[1].overdue_link == "/ban-lam-viec?don_vi=PHONG_DD&qua_han=1"
    assert by_official[0].due_soon_link == "/ban-lam-viec?can_bo=hung&sap_han=1"
    assert by_official[1].overdue_link == "/ban-lam-viec?chua_nhan=1&qua_han=1"
    assert by_unit[0].due_soon_link is None  # a zero is not a link
    # Another agency's board (a province admin's): counts without links to one's own worklist.
    _, others, _, _ = board.due_lines(held, now=NOW, soon_until=soon_until, unit_names=names,
                                      links=False)  # fmt: skip
    assert all(d.overdue_link is None and d.due_soon_link is None for d in others)


def test_the_portal_lag_counts_the_dossiers_it_holds_older_and_dates_the_oldest(calendar):
    told = _dossier(calendar, 1, revision=4)
    behind = _dossier(calendar, 2, revision=5)
    never = _dossier(calendar, 3, revision=1, submitted_at=NOW - timedelta(hours=3))
    marks = {
        told.code: SyncMark(revision=4, version=3, status=4, synced_at=NOW - timedelta(days=9)),
        behind.code: SyncMark(revision=4, version=3, status=4,
                              synced_at=NOW - timedelta(days=1, hours=2)),
    }  # fmt: skip
    lag = board.sync_lag([told, behind, never], marks, NOW)
    assert (lag.behind, lag.of) == (2, 3)
    assert lag.since == NOW - timedelta(days=1, hours=2) and lag.age == "1 ngày 2 giờ"
    up_to_date = board.sync_lag([told], marks, NOW)
    assert (up_to_date.behind, up_to_date.since, up_to_date.age) == (0, None, "")


class _Leader:
    """The board's page over fakes, a leader of HOME signed in."""

    def __init__(self, calendar, dossiers) -> None:
        from chalicelib import bootstrap
        from chalicelib.adapters.portal_sync_log import MemoryPortalSyncLog
        from chalicelib.adapters.web_sessions import MemoryWebSessions
        from chalicelib.domain.procedures import Catalog
        from chalicelib.settings import Settings
        from chalicelib.web.officials import start_session

        sessions = MemoryWebSessions()
        self.portal = MemoryPortalSyncLog()
        store = MemoryStore()
        store.dossiers.update({d.code: d for d in dossiers})
        settings = Settings(stage="local", public_base_url="http://127.0.0.1:8000")
        parts = {"store": store, "catalog": Catalog([land_procedure()]),
                 "portal_sync_log": self.portal, "web_sessions": sessions}  # fmt: skip
        self.container = bootstrap.Container(settings, **parts)
        bootstrap.install(self.container)
        now = self.container.now()
        self.cookie = start_session(LEADER, sessions, now=now, hours=1, secure=False).split(";")[0]

    def sync_text(self) -> str:
        from chalice.test import Client

        import app as app_module

        with Client(app_module.app) as client:
            page = client.http.get("/bang-dieu-khien", headers={"cookie": self.cookie})
        assert page.status_code == 200
        found = re.search(r'<p id="do-tre-dong-bo">(.*?)</p>', page.body.decode(), re.S)
        return " ".join(re.sub(r"<[^>]+>", "", found.group(1)).split())


@pytest.fixture
def installed():
    from chalicelib import bootstrap

    previous = bootstrap.install(None)
    yield
    bootstrap.install(previous)


def test_the_portal_lag_covers_every_open_dossier_of_the_agency_not_only_those_due(
    calendar, installed
):
    import dataclasses
    from datetime import UTC, datetime

    now = datetime.now(UTC)
    overdue = _dossier(calendar, 1, due_at=now - timedelta(days=3), revision=2)
    far = _dossier(calendar, 2, due_at=now + timedelta(days=60), revision=3)
    leader = _Leader(calendar, [overdue, far])
    assert leader.sync_text().startswith("2 trong 2 hồ sơ đang mở chưa được cập nhật")
    told = SyncMark(revision=2, version=1, status=2, synced_at=now - timedelta(hours=1))
    leader.portal.record(overdue.code, told)
    # The one due in two months is behind still: told, though no due table shows it.
    assert leader.sync_text().startswith("1 trong 2 hồ sơ đang mở chưa được cập nhật")
    leader.portal.record(far.code, dataclasses.replace(told, revision=3))
    assert leader.sync_text() == "Cổng đã nhận bản mới nhất của cả 2 hồ sơ đang mở."


def test_the_open_dossiers_are_read_page_by_page_up_to_a_bound_that_is_told(calendar):
    from chalicelib.web.board_pages import open_dossiers

    store = MemoryStore()
    made = [_dossier(calendar, n, due_at=NOW + timedelta(days=n)) for n in range(1, 8)]
    store.dossiers.update({d.code: d for d in made})
    every, complete = open_dossiers(store, HOME, page_size=3)
    assert [d.code for d in every] == [d.code for d in made] and complete
    first, complete = open_dossiers(store, HOME, page_size=2, at_most=5)
    assert [d.code for d in first] == [d.code for d in made[:5]] and not complete
    lag = board.sync_lag(first, {}, NOW, complete=complete)
    html = render("board/board.html", site=Site(), csrf_token="t", official=LEADER,
                  board=_board_with(lag), soon_until=NOW, agencies=[],
                  choice=board_query.BoardChoice(HOME, "2026-03"), csv_link="/x")  # fmt: skip
    assert 'id="pham-vi-dong-bo"' in html and "Chỉ tính 5 hồ sơ đang mở có hạn" in html


def _board_with(lag: board.SyncLag) -> board.Board:
    import dataclasses

    store = _store_with_counts()
    shown = board.build(_report(store), reports.trend(store, HOME, "2026-03"), [],
                        board.SyncLooked([], {}), agency_name="UBND", unit_names={}, now=NOW,
                        soon_until=NOW, links=True)  # fmt: skip
    return dataclasses.replace(shown, sync=lag)


@pytest.mark.parametrize(
    ("minutes", "text"),
    [(0, "dưới 1 phút"), (5, "5 phút"), (60, "1 giờ"), (125, "2 giờ 5 phút"),
     (24 * 60, "1 ngày"), (3 * 24 * 60 + 61, "3 ngày 1 giờ")],
)  # fmt: skip
def test_ages_are_read_in_vietnamese(minutes, text):
    assert board.age_text(timedelta(minutes=minutes)) == text


def test_the_board_page_renders_with_its_charts_tables_and_csv_link(calendar):
    store = _store_with_counts()
    shown = board.build(_report(store), reports.trend(store, HOME, "2026-03"),
                        [_dossier(calendar, 1, due_at=NOW - timedelta(hours=1))],
                        board.SyncLooked([], {}),
                        agency_name="UBND phường", unit_names={}, now=NOW,
                        soon_until=NOW + timedelta(days=2), links=True)  # fmt: skip
    html = render("board/board.html", site=Site(base_path="/api"), csrf_token="t",
                  official=LEADER, board=shown, soon_until=NOW, agencies=[],
                  choice=board_query.BoardChoice(HOME, "2026-03"),
                  csv_link="/api/bang-dieu-khien?dinh_dang=csv")  # fmt: skip
    assert html.count('role="img"') == len(board.CHARTED)
    assert html.count('class="chart-data"') == len(board.CHARTED)
    assert 'id="chi-so-2-1"' in html and "75 %" in html
    assert 'href="/api/ban-lam-viec?chua_nhan=1&amp;qua_han=1"' in html
    assert 'href="/api/bang-dieu-khien?dinh_dang=csv"' in html
    assert "style=" not in html and "<script>" not in html  # the CSP allows neither inline


# -- which board ------------------------------------------------------------------------------
ADMIN = official(Role.ADMIN, "CNTT", agency="000.00.01.H19", ident="admin")
AGENCIES = {HOME, "000.00.01.H19"}


def test_a_leader_sees_their_agency_this_month_by_default_and_no_other():
    chosen = board_query.choice({}, LEADER, AGENCIES, NOW)
    assert (chosen.agency, chosen.month, chosen.csv, chosen.errors) == (HOME, "2026-03", False, {})
    with pytest.raises(board_query.OtherAgency):
        board_query.choice({"co_quan": "000.00.01.H19"}, LEADER, AGENCIES, NOW)
    assert board_query.may_read_board(LEADER) and board_query.may_read_board(ADMIN)
    assert not board_query.may_read_board(SPECIALIST)


def test_an_admin_picks_any_agency_of_the_registry():
    chosen = board_query.choice({"co_quan": HOME, "thang": "2025-11", "dinh_dang": "csv"},
                                ADMIN, AGENCIES, NOW)  # fmt: skip
    assert (chosen.agency, chosen.month, chosen.csv) == (HOME, "2025-11", True)
    unknown = board_query.choice({"co_quan": "000.00.77.H19"}, ADMIN, AGENCIES, NOW)
    assert unknown.agency == ADMIN.agency
    assert unknown.errors == {"co_quan": board_query.AGENCY_WRONG}


@pytest.mark.parametrize(
    ("month", "error"),
    [("2026-13", board_query.MONTH_WRONG), ("03/2026", board_query.MONTH_WRONG),
     ("2026-04", board_query.MONTH_LATER)],
)  # fmt: skip
def test_a_month_not_offered_is_told_beside_its_field_and_no_csv_is_served(month, error):
    chosen = board_query.choice({"thang": month, "dinh_dang": "csv"}, LEADER, AGENCIES, NOW)
    assert chosen.errors == {"thang": error} and chosen.month == "2026-03" and not chosen.csv


def test_the_csv_is_the_apis():
    store = _store_with_counts()
    text = reports.report_766(MonthAsked(HOME, "2026-03", "2026-03", "csv"), LEADER, store)
    assert isinstance(text, str) and text.splitlines()[0] == ",".join(indicators.csv_header())
    assert re.search(rf"^{re.escape(HOME)},2026-03,1\.000001,3,1,", text, re.M)
