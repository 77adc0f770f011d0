"""The leader's board (bảng điều khiển), a Chalice Blueprint registered by `app.py`:

- `/bang-dieu-khien?co_quan=<agency>&thang=YYYY-MM`: an agency's month for its leaders (and
  for a province admin, any agency): the QĐ 766 indicators of the month (the use case of
  `GET /v1/reports/766`, `reports.report_766`, not recomputed), the twelve months' trend as
  charts, the overdue and due-soon dossiers by unit and by official, the apologies issued and
  the national portal's lag over all the agency's open dossiers (chalicelib/web/board.py
  builds what is shown);
- the same with `&dinh_dang=csv`: the month's CSV, as the API's `?format=csv`, downloaded
  (the page's session authorises it; a browser has no bearer token).

Other officials are told the board is for leaders (403), as is a leader asking for another
agency's. Services and templates are imported when the page runs, not at cold start.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chalice import Blueprint, Response

from chalicelib.web import worklist
from chalicelib.web.boundary import page_route
from chalicelib.web.site import Site

PATH = "/bang-dieu-khien"
HORIZON_WORKING_DAYS = worklist.DUE_SOON_WORKING_DAYS  # the worklist's "due soon", linked to
# The portal's lag is reckoned over the agency's open dossiers read through the worklist index
# (500 a query) and their marks (100 a batched read): a board view reads at most this many,
# earliest due first, and says so when the agency holds more.
SYNC_PAGE = 500
SYNC_LOOKED_MAX = 10_000

board = Blueprint(__name__)


def _site() -> Site:
    from chalicelib import bootstrap

    return Site.from_settings(bootstrap.container().settings)


pages = page_route(board, _site)


@dataclass(frozen=True)
class MonthAsked:
    """One month of one agency, as `reports.report_766` is asked (its `ReportAsked`)."""

    agency: str
    from_: str
    to: str
    format: str = "json"


def _page() -> Any:
    from chalicelib.web.context import PageRequest

    return PageRequest(board.current_request)


def _html(name: str, request: Any, status: int = 200, **context: Any) -> Response:
    from chalicelib.web.headers import page
    from chalicelib.web.templates import render

    html = render(name, site=request.site, csrf_token=request.csrf.value, **context)
    return page(html, status, request.csrf.headers)


def open_dossiers(
    store: Any, agency: str, *, page_size: int = SYNC_PAGE, at_most: int = SYNC_LOOKED_MAX
) -> tuple[list[Any], bool]:
    """The agency's open dossiers, earliest due first, read page by page through the worklist
    index the workbench pages through: (at most `at_most` of them, whether that is all)."""
    found: list[Any] = []
    cursor = None
    while True:
        limit = min(page_size, at_most - len(found))
        page = store.worklist(agency, status=None, step=None, limit=limit, cursor=cursor)
        found.extend(page.items)
        cursor = page.cursor
        if cursor is None:
            return found, True
        if len(found) >= at_most:
            return found, False


def _csv(text: str, agency: str, month: str) -> Response:
    from chalicelib.web.headers import PAGE_CACHE

    return Response(
        body=text,
        status_code=200,
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="qd766-{agency}-{month}.csv"',
            "Cache-Control": PAGE_CACHE,
            "X-Content-Type-Options": "nosniff",
        },
    )


@board.route(PATH, methods=["GET"])
@pages
def board_page() -> Response:
    from urllib.parse import urlencode

    from chalicelib.domain.statuses import Role
    from chalicelib.services import reports
    from chalicelib.web import board as view
    from chalicelib.web import board_query

    request = _page()
    official = request.official()
    if not board_query.may_read_board(official):
        return _html("board/not_reader.html", request, 403, official=official, other=None)
    c = request.container
    now = c.now()
    try:
        chosen = board_query.choice(request.query(), official, c.agencies, now)
    except board_query.OtherAgency as asked:
        return _html("board/not_reader.html", request, 403, official=official, other=str(asked))
    month = MonthAsked(chosen.agency, chosen.month, chosen.month, "csv" if chosen.csv else "json")
    report = reports.report_766(month, official, c.store, now)
    if isinstance(report, str):
        return _csv(report, chosen.agency, chosen.month)
    soon_until = c.calendar.add(now, c.calendar.working_day * HORIZON_WORKING_DAYS)
    held = c.store.open_due_before(chosen.agency, soon_until)
    looked, all_looked = open_dossiers(c.store, chosen.agency)
    marks = c.portal_sync_log.marks([d.code for d in looked])  # batched reads
    agency = c.agencies.get(chosen.agency)
    shown = view.build(
        report,
        reports.trend(c.store, chosen.agency, chosen.month),
        held,
        view.SyncLooked(looked, marks, complete=all_looked),
        agency_name=agency.name if agency else chosen.agency,
        unit_names={u.code: u.name for u in agency.units} if agency else {},
        now=now,
        soon_until=soon_until,
        links=chosen.agency == official.agency,
    )
    is_admin = Role.ADMIN in official.roles
    download = {board_query.AGENCY: chosen.agency, board_query.MONTH_FIELD: chosen.month,
                board_query.FORMAT: board_query.CSV}  # fmt: skip
    return _html(
        "board/board.html",
        request,
        official=official,
        board=shown,
        choice=chosen,
        agencies=[(a.code, a.name) for a in c.agencies.all()] if is_admin else [],
        soon_until=soon_until,
        csv_link=request.site.url(f"{PATH}?{urlencode(download)}"),
    )
