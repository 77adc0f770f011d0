"""The counter's pages (receiver, cán bộ một cửa), a Chalice Blueprint registered by `app.py`:

- `/quay`: the online dossiers waiting in status 1 for the receiver's agency (the worklist of
  `GET /v1/worklist`), and the way to receive a new one;
- `/quay/tiep-nhan`: receive a dossier in person or by post (the body and use case of
  `POST /v1/dossiers`): pick the procedure, type the applicant, tick the components received,
  check (errors beside the inputs, or the appointment date to confirm), confirm;
- `/quay/bien-nhan/{receipt_id}`: what became of it (the receipt of `GET /v1/intake/{id}`):
  the code, the appointment date, the PIN, Mẫu 01 to print;
- `/quay/ho-so/{code}`: decide on a dossier waiting in status 1: receive it, ask for a
  supplement, or refuse it (`POST /v1/dossiers/{code}/actions`), then follow the command; and
  attach a component's scan, posted by the browser straight to the file bucket;
- `/quay/ho-so/{code}/tep/{upload_id}`: where the bucket sends the browser back: the upload
  recorded (the use case of `POST /v1/dossiers/{code}/files`), see counter_files.py;
- `/quay/ho-so/{code}/mau/{form}`: a form of the dossier as PDF (the use case of
  `GET /v1/dossiers/{code}/forms/{form}`; Mẫu 01 with the receipt's PIN), by redirect.

Every route is a `page_route`; every write goes through the API's use case with the signed-in
official as actor. Services and templates are imported when a page runs, not at cold start.
"""

from __future__ import annotations

from typing import Any

from chalice import Blueprint, Response

from chalicelib.web.boundary import page_route
from chalicelib.web.site import Site

ANY_TYPE = ["*/*"]  # the form body is checked by the page (form_body), not by Chalice
HOME = "/quay"
RECEIVE = "/quay/tiep-nhan"
SEARCH = "/quay/thu-tuc"
RECEIPT = "/quay/bien-nhan/"
DOSSIER = "/quay/ho-so/"
WAITING_LIMIT = 50
CHANNEL_LABELS = {1: "Trực tiếp", 2: "Trực tuyến", 3: "Bưu chính"}

counter = Blueprint(__name__)


def _site() -> Site:
    from chalicelib import bootstrap

    return Site.from_settings(bootstrap.container().settings)


pages = page_route(counter, _site)


def _page() -> Any:
    from chalicelib.web.context import PageRequest

    return PageRequest(counter.current_request)


def _html(
    name: str, request: Any, status: int = 200, form_targets: Any = (), **context: Any
) -> Response:
    from chalicelib.web.headers import page
    from chalicelib.web.templates import render

    official = context.pop("official", None)
    html = render(name, site=request.site, csrf_token=request.csrf.value, official=official,
                  **context)  # fmt: skip
    return page(html, status, request.csrf.headers, form_targets=form_targets)


def _see_other(request: Any, path: str) -> Response:
    return Response(body="", status_code=303,
                    headers={"Location": request.site.url(path), "Cache-Control": "no-store",
                             **request.csrf.headers})  # fmt: skip


class NotReceiver(Exception):
    """A signed-in official without the receiver role (the API's counter routes refuse them
    too): answered with a page saying so, not the error page's CSRF wording for 403."""


def _receiver(request: Any) -> Any:
    """The signed-in official, who must be a receiver; none: the sign-in page (303)."""
    from chalicelib.domain.statuses import Role

    official = request.official()
    if Role.RECEIVER not in official.roles:
        raise NotReceiver
    return official


def for_receivers(route: Any) -> Any:
    """Inside `pages`: an official who is not a receiver is told so, with 403."""
    import functools

    @functools.wraps(route)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return route(*args, **kwargs)
        except NotReceiver:
            return _html("counter/not_receiver.html", _page(), 403)

    return wrapper


def _code(code: str) -> str:
    from chalicelib.http.handlers import dossier_code

    return dossier_code(code, _site_province())


def _site_province() -> str:
    from chalicelib import bootstrap

    return bootstrap.container().settings.province


def _audit_read(request: Any, code: str, actor: Any, route: str) -> None:
    """NĐ 13/2023: a page showing an applicant's data records the read first (as the API)."""
    from chalicelib.http.official_calls import audit_read

    audit_read(request.container, request.request, code, actor, route)


# -- the counter's home -----------------------------------------------------------------------
@counter.route(HOME, methods=["GET"])
@pages
@for_receivers
def counter_home() -> Response:
    from chalicelib.domain.statuses import DossierStatus
    from chalicelib.http.official_calls import worklist

    request = _page()
    official = _receiver(request)
    # GET /v1/worklist's use case, as the workbench calls it: status 1 only, the first page.
    waiting = worklist(request.container, official.agency, status=DossierStatus.SUBMITTED,
                       step=None, limit=WAITING_LIMIT, cursor=None)  # fmt: skip
    return _html("counter/home.html", request, official=official, waiting=waiting["items"],
                 more=waiting["next_cursor"] is not None)  # fmt: skip


# -- receiving a dossier ----------------------------------------------------------------------
def _procedures(request: Any, words: str) -> list[Any]:
    from chalicelib.web import counter_intake

    c = request.container
    return counter_intake.search(c.catalog, words, c.now())


def _chosen(request: Any, code: str) -> Any:
    from chalicelib.intake.checks import normalise_procedure_code
    from chalicelib.intake.errors import CheckFailed

    c = request.container
    try:
        code = normalise_procedure_code(code)
    except CheckFailed:
        return None
    return c.catalog.current(code, c.now())


def _appointment(request: Any, procedure_code: str, received_at: Any) -> str | None:
    """When a dossier of this procedure received at `received_at` is due: the calendar's use
    case (`GET /v1/calendar/due-date`)."""
    from chalicelib.http.request_models import DueDateQuery
    from chalicelib.services import due_dates
    from chalicelib.services.errors import Invalid

    c = request.container
    try:
        query = DueDateQuery(received_at=received_at, procedure=procedure_code)
        return str(due_dates.due_date(query, c.calendar, c.catalog)["due_at"])
    except (Invalid, ValueError):
        return None


def _intake_page(
    request: Any, official: Any, form: Any, status: int = 200, **more: Any
) -> Response:
    from chalicelib.web import counter_intake as ci

    procedure = _chosen(request, form.value(ci.PROCEDURE)) if form.value(ci.PROCEDURE) else None
    words = more.pop("words", "")
    matches = _procedures(request, words) if procedure is None else []
    appointment = None
    if procedure is not None:
        appointment = _appointment(request, procedure.code, request.container.now())
    return _html("counter/receive.html", request, status, official=official, form=form,
                 procedure=procedure, matches=matches, words=words, appointment=appointment,
                 f=ci, **more)  # fmt: skip


@counter.route(SEARCH, methods=["GET"])
@pages
@for_receivers
def counter_procedure_search() -> Response:
    """The procedures matching what is typed, as the list the intake form shows (htmx swaps it
    in as the receiver types; without JavaScript the form's GET gives the whole page)."""
    from chalicelib.web import counter_intake as ci

    request = _page()
    _receiver(request)
    words = request.query().get(ci.SEARCH, "")[:100]
    return _html("counter/procedures.html", request, matches=_procedures(request, words),
                 words=words, f=ci)  # fmt: skip


@counter.route(RECEIVE, methods=["GET", "POST"], content_types=ANY_TYPE)
@pages
@for_receivers
def counter_receive() -> Response:
    from chalicelib.web import counter_intake as ci

    request = _page()
    official = _receiver(request)
    if request.method == "GET":
        query = request.query()
        form = ci.IntakeForm(values={ci.PROCEDURE: query.get(ci.PROCEDURE, "")[:40],
                                     ci.REFERENCE: ci.new_reference(),
                                     ci.CHANNEL: str(int(ci.Channel.IN_PERSON)),
                                     ci.KIND: str(int(ci.ApplicantKind.CITIZEN))})  # fmt: skip
        if form.value(ci.PROCEDURE) and _chosen(request, form.value(ci.PROCEDURE)) is None:
            form.errors[ci.PROCEDURE] = ci.UNKNOWN_PROCEDURE
            form.values[ci.PROCEDURE] = ""
        return _intake_page(request, official, form, words=query.get(ci.SEARCH, "")[:100])
    fields = request.form()
    form = ci.read_form(fields)
    if fields.get(ci.STEP) == ci.EDIT:  # back from the review, with what was typed
        return _intake_page(request, official, form)
    envelope = _checked_envelope(request, official, form)
    if envelope is None:
        return _intake_page(request, official, form, 400)
    if fields.get(ci.STEP) != ci.CONFIRM:
        form.values[ci.RECEIVED_AT] = envelope.request.submitted_at.isoformat()
        procedure = _chosen(request, envelope.request.procedure_code)
        appointment = _appointment(request, envelope.request.procedure_code,
                                   envelope.request.submitted_at)  # fmt: skip
        return _html("counter/review.html", request, official=official, form=form,
                     procedure=procedure, appointment=appointment, f=ci,
                     kinds=ci.KINDS, channels=ci.CHANNELS)  # fmt: skip
    from chalicelib.services import intake

    c = request.container
    receipt = intake.submit(envelope, store=c.store, publisher=c.publisher,
                            queue_url=c.settings.intake_queue_url)  # fmt: skip
    return _see_other(request, RECEIPT + receipt.receipt_id)


def _checked_envelope(request: Any, official: Any, form: Any) -> Any:
    """The API's counter envelope of `form` (parsed and checked against the catalog as
    `POST /v1/dossiers` does), or None with the errors set beside the inputs."""
    import json

    from chalicelib.http.problems import Problem
    from chalicelib.http.requests import counter_envelope
    from chalicelib.web import counter_intake as ci

    c = request.container
    procedure = _chosen(request, form.value(ci.PROCEDURE))
    document = ci.submission(form, procedure, agency=official.agency, received_at=c.now())
    form.values[ci.REFERENCE] = document["external_id"]
    chosen = ci.choice_errors(form)
    try:
        envelope = counter_envelope(json.dumps(document, ensure_ascii=False).encode(),
                                    official, c)  # fmt: skip
    except Problem as refused:
        form.errors = {**ci.errors_beside(refused.errors), **chosen}
        return None
    if chosen:
        form.errors = chosen
        return None
    return envelope


@counter.route(RECEIPT + "{receipt_id}", methods=["GET"])
@pages
@for_receivers
def counter_receipt(receipt_id: str) -> Response:
    """The receipt of a dossier received here: queued (the page polls itself), accepted (the
    code, the appointment, the PIN and Mẫu 01), or refused by the intake worker."""
    from chalicelib.http.handlers import issued_id
    from chalicelib.http.requests import counter_client
    from chalicelib.services import reading

    request = _page()
    official = _receiver(request)
    receipt_id = issued_id(receipt_id, "receipt_id")
    c = request.container
    receipt = reading.receipt_for(receipt_id, counter_client(official), c.store, c.receipt_pins)
    accepted = receipt["status"] == "accepted" and receipt["code"]
    components = _components(request, official, receipt["code"]) if accepted else None
    reuse_refused = request.query().get("loi") == "dung-lai"
    return _html("counter/receipt.html", request, official=official, receipt=receipt,
                 here=request.site.url(RECEIPT + receipt_id), dossier_path=DOSSIER,
                 components=components, reuse_error=reuse_refused)  # fmt: skip


def _components(request: Any, official: Any, code: str) -> dict[str, Any]:
    """The dossier's components: those of its procedure, the files recorded for them, and the
    applicant's documents stored with their other dossiers that may be taken instead (the use
    cases of `GET /v1/dossiers/{code}/files` and `/reusable-documents`)."""
    from chalicelib.services import files, reuse

    deps = request.container.file_deps()
    dossier = request.container.store.get(code)
    procedure = files.procedure_of(dossier, request.container.catalog)
    return {
        "procedure": [(procedure.component_code(i), component.name)
                      for i, component in enumerate(procedure.components)],
        "files": files.list_files(code, official, deps)["items"],
        "reusable": reuse.reusable_documents(code, official, deps)["items"],
    }  # fmt: skip


@counter.route(DOSSIER + "{code}/dung-lai", methods=["POST"], content_types=ANY_TYPE)
@pages
@for_receivers
def counter_reuse(code: str) -> Response:
    """Take one of the applicant's stored documents as a component of this dossier (the use
    case of `POST /v1/dossiers/{code}/reuses`), then back to the receipt page it came from."""
    from chalicelib.http.body import parse_model
    from chalicelib.http.file_models import ReuseRequest
    from chalicelib.http.handlers import issued_id
    from chalicelib.http.problems import Problem
    from chalicelib.services import reuse
    from chalicelib.services.errors import Invalid, NotFound

    request = _page()
    official = _receiver(request)
    code = _code(code)
    fields = request.form()
    back = RECEIPT + issued_id(fields.get("bien_nhan", ""), "receipt_id")
    c = request.container
    try:
        body = parse_model(ReuseRequest, {"component": fields.get("thanh_phan", ""),
                                          "source_file_id": fields.get("giay_to", "")})  # fmt: skip
        reuse.reuse_document(code, body.component, body.source_file_id, official,
                             c.file_deps(), now=c.now())  # fmt: skip
    except (Problem, Invalid, NotFound):
        return _see_other(request, back + "?loi=dung-lai")  # told on the receipt page
    return _see_other(request, back)


# -- deciding on a dossier waiting in status 1 ------------------------------------------------
@counter.route(DOSSIER + "{code}", methods=["GET", "POST"], content_types=ANY_TYPE)
@pages
@for_receivers
def counter_dossier(code: str) -> Response:
    from chalicelib.web import counter_actions as ca

    request = _page()
    official = _receiver(request)
    code = _code(code)
    if request.method == "POST":
        decision = ca.read_decision(request.form())
        if not decision.errors:
            queued = _queue_decision(request, official, code, decision)
            if queued is not None:
                return _see_other(request, f"{DOSSIER}{code}?{ca.COMMAND}={queued}")
        return _dossier_page(request, official, code, decision, status=400)
    return _dossier_page(request, official, code, ca.Decision())


def _queue_decision(request: Any, official: Any, code: str, decision: Any) -> str | None:
    """The decision queued as the API queues an action (the same use case), or None with the
    API's refusal of the body set beside the inputs. The form's key names the command: the
    same form posted twice is one command."""
    import uuid

    from chalicelib.http.body import parse_model
    from chalicelib.http.official_calls import queue_action
    from chalicelib.http.problems import Problem
    from chalicelib.http.request_models import ActionRequest
    from chalicelib.http.requests import COMMAND_NAMESPACE
    from chalicelib.web import counter_actions as ca

    c = request.container
    try:
        body = parse_model(ActionRequest, decision.body, {"now": c.now()})
    except Problem as refused:
        decision.errors = ca.errors_beside(refused.errors) or {ca.GENERAL: refused.detail}
        return None
    key = decision.key or ca.new_key()
    command_id = str(uuid.uuid5(COMMAND_NAMESPACE, f"{official.id}\n{code}\n{key}"))
    envelope = queue_action(c, code, body, official, command_id=command_id)
    return str(envelope.command_id)


def _dossier_page(
    request: Any, official: Any, code: str, decision: Any, status: int = 200,
    attach_errors: dict[str, str] | None = None,
) -> Response:  # fmt: skip
    from chalicelib.http.handlers import issued_id
    from chalicelib.http.official_calls import read_dossier
    from chalicelib.services import reading
    from chalicelib.web import counter_actions as ca
    from chalicelib.web.counter_files import FILE_INPUT

    c = request.container
    command = None
    command_id = request.query().get(ca.COMMAND) if request.method == "GET" else None
    if command_id:  # read first: the dossier read after it shows what an applied one did
        command = reading.command_status(code, issued_id(command_id, "command_id"), official,
                                         c.store)  # fmt: skip
    # GET /v1/dossiers/{code}'s use case, as the workbench calls it: shown once the read is
    # recorded (NĐ 13/2023), under the page's own route.
    view = read_dossier(c, request.request, code, official, route="GET /quay/ho-so/{code}")
    if (
        command
        and command["status"] == "applied"
        and view["dossier"]["version"] < command["version"]
    ):
        # The read went by before the change it applied (a read not after the write): the page
        # asks again, as while it is queued, rather than show "done" beside the old status.
        command = {**command, "status": "queued"}
    attachments = _attachments(request, official, code, attach_errors or {})
    return _html("counter/dossier.html", request, status, attachments.form_targets,
                 official=official, attachments=attachments, file_input=FILE_INPUT,
                 megabytes=_megabytes(request.container.settings.file_max_bytes),
                 dossier=view["dossier"], command=command, decision=decision, a=ca,
                 decisions=ca.DECISIONS, channels=CHANNEL_LABELS, key=decision.key or ca.new_key(),
                 here=request.site.url(DOSSIER + code) + (f"?{ca.COMMAND}={command_id}"
                                                           if command_id else ""))  # fmt: skip


# -- attaching a component's scan -------------------------------------------------------------
RECORDED = "da_luu"  # the query naming the file just recorded, on the page that follows


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g}"


def _attachments(request: Any, official: Any, code: str, errors: dict[str, str]) -> Any:
    """The dossier's files and, per component, a form posted straight to the file bucket (one
    pending upload each). Not while htmx polls the page for a queued decision: it swaps in
    only the decision's part, and each poll would leave uploads nobody can use."""
    from chalicelib.services import files
    from chalicelib.web import counter_files as cf

    c = request.container
    deps = c.file_deps()
    listed = files.list_files(code, official, deps)["items"]
    recorded_id = request.query().get(RECORDED) if request.method == "GET" else None
    recorded = next((f for f in listed if f["file_id"] == recorded_id), None)
    attachments = cf.Attachments(files=listed, errors=errors, recorded=recorded)
    if request.headers.get("hx-request"):
        return attachments
    procedure = files.procedure_of(c.store.get(code), c.catalog)
    components = [(procedure.component_code(i), component.name)
                  for i, component in enumerate(procedure.components)]  # fmt: skip
    base = c.settings.public_base_url.rstrip("/")
    attachments.forms = cf.attach_forms(
        code, components, official, deps, now=c.now(),
        back=lambda upload_id: f"{base}{DOSSIER}{code}/tep/{upload_id}",
    )  # fmt: skip
    return attachments


@counter.route(DOSSIER + "{code}/tep/{upload_id}", methods=["GET"])
@pages
@for_receivers
def counter_upload_recorded(code: str, upload_id: str) -> Response:
    """Where the file bucket sends the browser once a component's bytes are in (S3 adds the
    bucket, key and etag to the query: not read; the upload names its own key). The upload is
    recorded as `POST /v1/dossiers/{code}/files` records it, then the dossier page shows the
    file; refused, the dossier page says why beside the component and nothing is kept. A GET,
    as a redirect is: recording the same upload again answers the file kept."""
    from urllib.parse import urlencode

    from chalicelib.web import counter_actions as ca
    from chalicelib.web import counter_files as cf

    request = _page()
    official = _receiver(request)
    code = _code(code)
    c = request.container
    stored, errors, status = cf.record(code, upload_id, official, c.file_deps(), now=c.now())
    if stored is None:
        return _dossier_page(request, official, code, ca.Decision(), status, errors)
    query = urlencode({RECORDED: stored["file_id"]})
    return _see_other(request, f"{DOSSIER}{code}?{query}#tep-da-luu")


# -- the dossier's forms as PDF ---------------------------------------------------------------
@counter.route(DOSSIER + "{code}/mau/{form}", methods=["GET"])
@pages
@for_receivers
def counter_form(code: str, form: str) -> Response:
    """Mẫu 01 (with `bien_nhan`: this counter's receipt id, so that the PIN prints), Mẫu 03 …:
    the use case of `GET /v1/dossiers/{code}/forms/{form}`, answered by a redirect to the
    file's short-lived link."""
    from chalicelib.http.handlers import issued_id
    from chalicelib.http.requests import counter_client
    from chalicelib.services import form_files

    request = _page()
    official = _receiver(request)
    code = _code(code)
    c = request.container
    pin = None
    receipt_id = request.query().get("bien_nhan")
    if receipt_id:
        receipt_id = issued_id(receipt_id, "receipt_id")
        pin = form_files.receipt_pin(code, receipt_id, counter_client(official), c.store,
                                     c.receipt_pins)  # fmt: skip
    link = form_files.dossier_form_link(
        code, form, official, c.form_file_deps(), now=c.now(), pin=pin,
        on_release=lambda _issued: _audit_read(request, code, official,
                                               "GET /quay/ho-so/{code}/mau/{form}"),
    )  # fmt: skip
    headers: dict[str, str | list[str]] = {"Location": str(link["url"]),
                                           "Cache-Control": "no-store"}  # fmt: skip
    return Response(body="", status_code=303, headers=headers)
