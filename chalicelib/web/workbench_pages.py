"""The officials' workbench (issue 18): the worklist (`/ban-lam-viec`), the dossier page
(`/ho-so/{code}`) with its actions, a queued command's progress, and the links to a dossier's
files and forms. Registered on the app by `app.py`; every route is a `page_route`, and each
calls the API's own use cases (`workbench_calls`). Only Chalice and the page boundary are
imported here: the API's cold start imports this module.
"""

from __future__ import annotations

import re
from typing import Any

from chalice import Blueprint, Response

from chalicelib import bootstrap
from chalicelib.web.boundary import page_route
from chalicelib.web.site import Site

blueprint = Blueprint(__name__)
ANY_TYPE = ["*/*"]  # a form's content type is checked when it is read (form_body.py)
COMMAND = "lenh"  # the dossier page's parameter: the command whose progress it shows
COMMAND_FORM = re.compile(r"[0-9a-f-]{36}")


def _site() -> Site:
    return Site.from_settings(bootstrap.container().settings)


pages = page_route(blueprint, _site)


def _page() -> Any:
    from chalicelib.web.context import PageRequest

    return PageRequest(blueprint.current_request)


def _calls(request: Any) -> Any:
    from chalicelib.web.workbench_calls import OfficialCalls

    return OfficialCalls(request.official(), request.request)


def _code(code: str) -> str:
    from chalicelib.http.handlers import dossier_code

    return dossier_code(code, bootstrap.container().settings.province)


def _redirect(location: str) -> Response:
    return Response(body="", status_code=303,
                    headers={"Location": location, "Cache-Control": "no-store"})  # fmt: skip


@blueprint.route("/ban-lam-viec", methods=["GET"])
@pages
def worklist_page() -> Response:
    """The agency's open dossiers by due date, flagged and filtered, a page at a time."""
    from chalicelib.http.problems import Problem
    from chalicelib.services.errors import Invalid
    from chalicelib.web import worklist
    from chalicelib.web.headers import page
    from chalicelib.web.templates import render

    request = _page()
    calls, deps = _calls(request), bootstrap.container()
    procedures = sorted({(p.code, p.name) for p in deps.catalog.all()})
    filters, errors = worklist.parse_filters(
        request.query(), [code for code, _ in procedures], calls.actor.unit
    )
    listed, status = worklist.Page(), 400 if errors else 200
    if not errors:
        try:
            listed = worklist.page_of(calls.worklist, filters, now=deps.now(),
                                      calendar=deps.calendar)  # fmt: skip
        except (Problem, Invalid):  # a cursor not issued for this list
            errors[worklist.CURSOR] = "Trang danh sách không còn hợp lệ; vui lòng mở lại từ đầu"
            status = 400
    html = render(
        "workbench/worklist.html",
        site=request.site,
        official=calls.actor,
        filters=filters,
        errors=errors,
        rows=listed.rows,
        next_query=filters.query(listed.next_cursor) if listed.next_cursor else None,
        first_query=filters.query() if filters.cursor else None,
        statuses=worklist.STATUSES,
        procedures=procedures,
        names={
            "status": worklist.STATUS,
            "procedure": worklist.PROCEDURE,
            "overdue": worklist.OVERDUE,
            "unit": worklist.MY_UNIT,
            "cursor": worklist.CURSOR,
        },
        action=request.site.url(worklist.PATH),
    )
    return page(html, status)


@blueprint.route("/ho-so/{code}", methods=["GET", "POST"], content_types=ANY_TYPE)
@pages
def dossier_page(code: str) -> Response:
    """GET: the dossier, and a form for each action this official may take now. POST: one of
    those forms, queued as POST /v1/dossiers/{code}/actions queues it; the page then follows
    the command (`?lenh=<id>`)."""
    from chalicelib.domain.state_machine import RULES
    from chalicelib.http.body import parse_model
    from chalicelib.http.problems import Problem
    from chalicelib.http.request_models import ActionRequest
    from chalicelib.services.errors import Invalid, Unprocessable
    from chalicelib.web import action_form

    request = _page()
    code = _code(code)
    calls = _calls(request)
    if request.method == "GET":
        command = request.query().get(COMMAND, "")
        return _dossier(
            request, calls, code, command=command if COMMAND_FORM.fullmatch(command) else None
        )
    fields = request.form()  # its CSRF token checked first: a forged post reads nothing
    posted = action_form.read_posted(fields, list(RULES))  # the worker judges the state
    if posted.errors:
        return _dossier(request, calls, code, posted=posted, status=400)
    try:
        body = parse_model(ActionRequest, posted.body, {"now": bootstrap.container().now()})
        command_id = action_form.command_id(calls.actor.id, code, posted.values[action_form.KEY])
        envelope = calls.queue_action(code, body, command_id)
    except (Problem, Invalid, Unprocessable) as refused:
        posted.errors = action_form.errors_beside(list(refused.errors), posted.action)
        status = refused.status if isinstance(refused, Problem) else 400
        return _dossier(request, calls, code, posted=posted, status=status)
    return _redirect(request.site.url(f"/ho-so/{code}?{COMMAND}={envelope.command_id}"))


def _dossier(
    request: Any,
    calls: Any,
    code: str,
    *,
    command: str | None = None,
    posted: Any = None,
    status: int = 200,
) -> Response:
    from chalicelib.services.errors import NotFound
    from chalicelib.web import dossier_page as build
    from chalicelib.web.headers import page
    from chalicelib.web.templates import render

    # The command first, then the dossier: an applied command shows in the dossier read after.
    progress = None
    if command is not None:
        try:
            progress = _progress(calls.command_status(code, command))
        except NotFound:
            progress = None
    deps = bootstrap.container()
    view, record = calls.read_dossier(code)
    d = record.dossier
    procedure = deps.catalog.get(d.procedure_code, d.procedure_version)
    if procedure is None:
        raise RuntimeError(
            f"{code} pins {d.procedure_code} v{d.procedure_version}, not in the catalog"
        )
    shown = build.dossier_page(view, record, procedure, actor=calls.actor,
                               files=calls.files(code), agencies=deps.agencies,
                               calendar=deps.calendar, now=deps.now(), terms=deps.legal_terms,
                               posted=posted)  # fmt: skip
    csrf = request.csrf
    html = render(
        "workbench/dossier.html",
        site=request.site,
        official=calls.actor,
        page=shown,
        progress=progress,
        code=code,
        csrf_token=csrf.value,
        labels=build.FIELD_LABELS,
        fields={"action": "thao_tac", "version": "phien_ban", "key": "khoa"},
    )
    return page(html, status, csrf.headers)


def _progress(status: dict[str, Any]) -> dict[str, Any]:
    """A command's status as the page tells it."""
    from chalicelib.domain.dossier import Action
    from chalicelib.web.action_form import refusal_text

    shown = dict(status)
    if status["status"] in ("refused", "failed"):
        shown["text"] = refusal_text(status)
    try:
        shown["action_label"] = Action(status.get("action", "")).label_vi
    except ValueError:
        shown["action_label"] = ""
    return shown


@blueprint.route("/ho-so/{code}/lenh/{command_id}", methods=["GET"])
@pages
def command_progress(code: str, command_id: str) -> Response:
    """A queued command's progress (htmx polls it): once applied or refused the page reloads
    (`HX-Refresh`) and shows the dossier as it now is."""
    from chalicelib.web.headers import page
    from chalicelib.web.templates import render

    request = _page()
    code = _code(code)
    if not COMMAND_FORM.fullmatch(command_id):
        from chalicelib.web.errors import PageRefused

        raise PageRefused(404)
    progress = _progress(_calls(request).command_status(code, command_id))
    html = render("workbench/_progress.html", site=request.site, progress=progress, code=code)
    settled = progress["status"] != "queued"
    return page(html, 200, {"HX-Refresh": "true"} if settled else {})


@blueprint.route("/ho-so/{code}/tep/{file_id}", methods=["GET"])
@pages
def file_download(code: str, file_id: str) -> Response:
    """One of the dossier's files: the read recorded, then 303 to its short-lived link."""
    request = _page()
    link = _calls(request).file_link(_code(code), file_id)
    return _redirect(str(link["url"]))


@blueprint.route("/ho-so/{code}/mau/{form}", methods=["GET"])
@pages
def form_download(code: str, form: str) -> Response:
    """One of the dossier's forms (Mẫu 01–06) as PDF: the read recorded, then 303 to it."""
    request = _page()
    link = _calls(request).form_link(_code(code), form)
    return _redirect(str(link["url"]))
