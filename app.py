"""The motcua Chalice app. Handlers are thin: parse, call one service, map errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from chalice import Chalice, Cron, Rate, Response

from chalicelib import bootstrap, observability
from chalicelib.adapters.table_stream import RELAY_FILTERS
from chalicelib.handlers.warmup import warm_up
from chalicelib.http.handlers import answers_problems
from chalicelib.http.route_docs import (
    AGENCY,
    COMMAND_ID,
    DOSSIER_CODE,
    FEEDBACK_ID,
    FILE_ID,
    FILE_TOKEN,
    FORM,
    IDEMPOTENCY,
    PAYMENT_PLATFORM,
    PHONE_LAST4,
    PROCEDURE_CODE,
    RATING_TOKEN,
    RECEIPT_ID,
    RECEIPT_NUMBER,
    RECEIPT_PIN,
    TRANSACTION_ID,
    Answer,
    route_doc,
)
from chalicelib.settings import Settings
from chalicelib.web import signin_pages, workbench_pages
from chalicelib.web.board_pages import board as board_pages
from chalicelib.web.boundary import page_route
from chalicelib.web.counter_pages import counter as counter_pages
from chalicelib.web.site import Site

if TYPE_CHECKING:
    from pydantic import BaseModel

    from chalicelib.auth.webhooks import VerifiedWebhook
    from chalicelib.domain.dossier import Actor
    from chalicelib.http.request_models import ActionRequest
    from chalicelib.ports.webhook_clients import WebhookClient
    from chalicelib.services.envelopes import IntakeEnvelope

    Model = TypeVar("Model", bound=BaseModel)

# configure_logs=False: Chalice would add its own stdout handler to the logger named after the
# app, which is Powertools' logger too (chalicelib/observability/logs.py): every line twice.
app = Chalice(app_name="motcua", configure_logs=False)
ANY_TYPE = ["*/*"]  # content types are checked by the handlers, to answer with problem+json
INTAKE_QUEUE = "motcua-intake"
TRANSITIONS_QUEUE = "motcua-transitions.fifo"
NOTIFICATIONS_QUEUE = "motcua-notifications"
PORTAL_SYNC_QUEUE = "motcua-portal-sync.fifo"
FILE_FETCH_QUEUE = "motcua-file-fetch"
# Read when the app is packaged (and validated at every start: a bad setting fails INIT with
# the variable's name): the table's stream, and how often the deadline timer runs.
DEPLOYED = Settings.from_environment()
TABLE_STREAM_ARN = DEPLOYED.table_stream_arn
TIMER_MINUTES = DEPLOYED.timer_minutes
# Lambda event filtering per stream function (Chalice has no argument for it): packaging puts it
# on the event source mapping (infra/compose.py), the local runtime applies it the same way.
EVENT_FILTERS = {"outbox_relay": RELAY_FILTERS}
# Every function imports this module (a handler string is `app.<name>`), and only the API
# parses requests and reads dossiers for people: the routes import the request models and the
# services when they run (the API's warm-up imports them at INIT: chalicelib/handlers/warmup.py),
# and their documentation names the request models (chalicelib/http/route_docs.py).
REQUEST_MODELS = "chalicelib.http.request_models:"
PORTAL_EVENTS = "chalicelib.http.portal_events:"
VOICE = "chalicelib.http.voice_models:"


def _path() -> str | None:
    request = app.current_request
    return request.context.get("path") if request is not None else None


# Refusals as problem+json, inside: the dossier code as correlation id, an access line, the
# metrics flushed, a trace subsegment in Lambda.
problems = observability.api_route(app, answers_problems(_path))


def _query_params() -> dict[str, str]:
    request = app.current_request
    return dict(request.query_params or {}) if request is not None else {}


def _deps() -> bootstrap.Container:
    return bootstrap.container()


def _requests() -> Any:
    from chalicelib.http import requests  # intake parsing and PyJWT: not every route needs them

    return requests


def _models() -> Any:
    from chalicelib.http import request_models

    return request_models


def _reading() -> Any:
    from chalicelib.services import reading

    return reading


def _payment_calls() -> Any:
    from chalicelib.http import payment_calls

    return payment_calls


def _dossier_code(code: str) -> str:
    from chalicelib.http.handlers import dossier_code

    return dossier_code(code, _deps().settings.province)


def _issued_id(value: str, field: str) -> str:
    from chalicelib.http.handlers import issued_id

    return issued_id(value, field)


def _parse_query(name: str) -> Any:
    from chalicelib.http.handlers import parse_query

    return parse_query(getattr(_models(), name), _query_params())


def _accepted(body: dict[str, Any], location: str) -> Response:
    return Response(body=body, status_code=202, headers={"Location": location})


def _submit(envelope: IntakeEnvelope, receipts_path: str) -> Response:
    from chalicelib.services import intake  # phone numbers and intake checks: intake routes only

    observability.bind_dossier(envelope.request.code)  # a portal's own numbering, if any
    deps = _deps()
    receipt = intake.submit(
        envelope,
        store=deps.store,
        publisher=deps.publisher,
        queue_url=deps.settings.intake_queue_url,
    )
    status_url = receipts_path + receipt.receipt_id
    view = _reading().receipt_view(receipt)
    return _accepted({**view, "status_url": status_url}, status_url)


def _official() -> Actor:
    return _requests().official(app.current_request, _deps().token_verifier)


def _body() -> bytes:
    return _requests().raw_body(app.current_request, _deps().settings.max_body_bytes)


def _signed(scope: str) -> tuple[bytes, VerifiedWebhook]:
    """The body and its verified signer, allowed `scope`; the signature is not spent yet."""
    raw = _body()
    return raw, _requests().signed_caller(app.current_request, raw, _deps(), scope=scope)


def _signed_body(scope: str, model: type[Model]) -> tuple[VerifiedWebhook, Model]:
    """The signer and its body as `model`. A replay is refused here; the signature is spent by
    the route once its effect is written (`_spent`), so that a refused request writes nothing."""
    requests = _requests()
    raw, caller = _signed(scope)
    body = requests.model_from_json(model, raw, {"now": _deps().now()})
    requests.refuse_replay(caller, _deps())
    return caller, body


def _spent(caller: VerifiedWebhook) -> WebhookClient:
    return _requests().spend(caller, _deps())


# -- public -----------------------------------------------------------------------------------
@route_doc(
    tag="public", summary="Liveness", answers={200: Answer("Health", "alive")}, wrapped=False
)
@app.route("/v1/health", methods=["GET"])
def health() -> dict[str, str]:
    return {"status": "ok", "service": "motcua"}


@route_doc(
    tag="public",
    summary="This document",
    answers={200: Answer("OpenApiDocument", "the OpenAPI 3.1 description of the API")},
)
@app.route("/v1/openapi.json", methods=["GET"])
@problems
def openapi_document() -> dict[str, object]:
    from chalicelib.http import openapi  # the document: built once, on first request

    return openapi.document()


@route_doc(
    tag="public",
    summary="When is a dossier received at a moment due?",
    description="`received_at` with `working_days` or `working_hours` (exactly one), or a "
    "`procedure` whose cut-off and time limit apply. A naive `received_at` is Hà Nội time.",
    query=REQUEST_MODELS + "DueDateQuery",
    answers={200: Answer("DueDate", "the appointment date")},
    refusals=(400,),
)
@app.route("/v1/calendar/due-date", methods=["GET"])
@problems
def calendar_due_date() -> dict[str, object]:
    from chalicelib.services import due_dates

    query = _parse_query("DueDateQuery")
    deps = _deps()
    return due_dates.due_date(query, deps.calendar, deps.catalog)


@route_doc(
    tag="public",
    summary="The procedure catalog",
    answers={200: Answer("ProcedureList", "every version of every procedure")},
)
@app.route("/v1/procedures", methods=["GET"])
@problems
def list_procedures() -> dict[str, object]:
    reading = _reading()
    return {"items": [reading.procedure_view(p) for p in _deps().catalog.all()]}


@route_doc(
    tag="public",
    summary="One procedure's versions",
    params=(PROCEDURE_CODE,),
    answers={200: Answer("ProcedureVersions", "the version in force now and every version")},
    refusals=(404,),
)
@app.route("/v1/procedures/{code}", methods=["GET"])
@problems
def get_procedure(code: str) -> dict[str, object]:
    from chalicelib.http.handlers import procedure_code

    deps = _deps()
    return _reading().procedure_versions(procedure_code(code), deps.catalog, deps.now())


@route_doc(
    tag="public",
    summary="A citizen's lookup: status, current step, appointment date",
    description="No personal data. Opened by the receipt PIN (`phone_last4` only for dossiers "
    "opened before PINs); a wrong or missing one answers exactly like an unknown code. Wrong "
    "guesses are limited per code and per client address: then 429 with `Retry-After`.",
    params=(DOSSIER_CODE, RECEIPT_PIN, PHONE_LAST4),
    answers={200: Answer("PublicDossier", "the dossier, as a citizen sees it")},
    refusals=(404, 429),
)
@app.route("/v1/public/dossiers/{code}", methods=["GET"])
@problems
def public_dossier(code: str) -> dict[str, object]:
    params = _query_params()
    return _public_lookup(_dossier_code(code), params.get("pin"), params.get("phone_last4"))


# The citizen's lookup and result, for the API's routes and the lookup page (one way to read).
def _public_lookup(code: str, pin: str | None, phone_last4: str | None = None) -> Any:
    deps = _deps()
    return _reading().public_lookup(
        code,
        pin,
        deps.store,
        deps.catalog,
        phone_last4=phone_last4,
        pins=deps.receipt_pins,
        guard=_lookup_guard(),
        files=deps.file_records,
    )


def _public_result(code: str, pin: str | None, phone_last4: str | None = None) -> Any:
    deps = _deps()
    return _reading().public_result(
        code,
        pin,
        deps.store,
        deps.file_records,
        deps.file_store,
        link_seconds=deps.settings.download_link_seconds,
        phone_last4=phone_last4,
        pins=deps.receipt_pins,
        guard=_lookup_guard(),
    )


# -- public: a dossier's electronic result and the national portal's file links ---------------
def _lookup_guard() -> Any:
    """The public lookup's limits, for the client address that asks (lookup_limits)."""
    from chalicelib.services.lookup_limits import LookupGuard

    deps = _deps()
    request = app.current_request
    identity = (request.context.get("identity") if request is not None else None) or {}
    return LookupGuard(
        deps.attempt_counter,
        deps.lookup_limits,
        address=identity.get("sourceIp") or "",
        now=deps.now().timestamp(),
    )


@route_doc(
    tag="public",
    summary="A citizen downloads the electronic result: short-lived links",
    description="Opened as the lookup is (the receipt PIN, the same limits; a wrong or missing "
    "PIN answers exactly like the lookup's 404). Each stored result file (its signature checked "
    "when it was recorded) as a presigned GET valid `expires_in` seconds; no result yet: 404.",
    params=(DOSSIER_CODE, RECEIPT_PIN, PHONE_LAST4),
    answers={200: Answer("PublicResult", "a link to each result file")},
    refusals=(404, 429),
)
@app.route("/v1/public/dossiers/{code}/result", methods=["GET"])
@problems
def public_result(code: str) -> dict[str, object]:
    params = _query_params()
    return _public_result(_dossier_code(code), params.get("pin"), params.get("phone_last4"))


@route_doc(
    tag="public",
    summary="A stored file, by the link the national portal was given (302 to the bytes)",
    description="The token (in `TaiLieuNop.DuongDanTaiTepTin` and "
    "`DanhSachGiayToKetQua.DuongDanTepTinKetQua`) names one file of one dossier under an HMAC: "
    "the same link at every push. Answers 302 to a short-lived presigned GET; a token not "
    "issued here answers 404, and such guesses are limited per client address (429).",
    params=(FILE_TOKEN,),
    answers={302: Answer("PublicFileRedirect", "the bytes are at Location", location=True)},
    refusals=(404, 429),
)
@app.route("/v1/public/files/{token}", methods=["GET"])
@problems
def public_file(token: str) -> Response:
    from chalicelib.services.file_links import public_download

    deps = _deps()
    link = public_download(
        token,
        deps.file_links,
        deps.file_records,
        deps.file_store,
        link_seconds=deps.settings.download_link_seconds,
        guard=_lookup_guard(),
    )
    return Response(body=link, status_code=302, headers={"Location": str(link["url"])})


@route_doc(
    tag="public",
    summary="A citizen downloads a receipt of fees paid online (302 to the PDF)",
    description="Opened as the lookup is (the receipt PIN, the same limits; a wrong or missing "
    "PIN answers exactly like the lookup's 404). The receipt numbered `number` of the dossier "
    '(docs/payments.md, "Receipts"), as a short-lived presigned GET of its PDF; none: 404.',
    params=(DOSSIER_CODE, RECEIPT_NUMBER, RECEIPT_PIN, PHONE_LAST4),
    answers={302: Answer("PublicFileRedirect", "the PDF is at Location", location=True)},
    refusals=(400, 404, 429),
)
@app.route("/v1/public/dossiers/{code}/receipts/{number}", methods=["GET"])
@problems
def public_receipt(code: str, number: str) -> Response:
    from chalicelib.services import receipt_files

    params, deps = _query_params(), _deps()
    chosen = receipt_files.receipt_number(number)

    def link(dossier: Any) -> str:
        return receipt_files.public_link(dossier, chosen, deps.receipt_link_deps(), now=deps.now())

    url = _reading().public_answer(_dossier_code(code), params.get("pin"), deps.store, link,
                                   phone_last4=params.get("phone_last4"), pins=deps.receipt_pins,
                                   guard=_lookup_guard())  # fmt: skip
    body = {"url": url, "expires_in": deps.settings.download_link_seconds}
    return Response(body=body, status_code=302, headers={"Location": url})


def _public_receipts(code: str, pin: str | None) -> list[dict[str, Any]]:
    """The receipts of a dossier the citizen opened with its PIN, each with a short-lived link
    to its PDF (for the lookup page, beside the electronic result)."""
    from chalicelib.services import receipt_files

    deps = _deps()

    def links(dossier: Any) -> list[dict[str, Any]]:
        return receipt_files.public_links(dossier, deps.receipt_link_deps(), now=deps.now())

    return _reading().public_answer(code, pin, deps.store, links, pins=deps.receipt_pins,
                                    guard=_lookup_guard())  # fmt: skip


# -- public: the citizen's rating (docs/citizen-voice.md) --------------------------------------
def _voice() -> Any:
    from chalicelib.http import voice_models

    return voice_models


@route_doc(
    tag="public",
    summary="What the rating invitation's link asks about a returned dossier",
    description="The token (sent with the invitation after the result is returned) names one "
    "dossier under an HMAC. No personal data. A token not issued here answers 404, and such "
    "guesses are limited per client address (429).",
    params=(RATING_TOKEN,),
    answers={200: Answer(VOICE + "RatingPage", "the questions, the reasons, the current answer")},
    refusals=(404, 429),
)
@app.route("/v1/public/ratings/{token}", methods=["GET"])
@problems
def rating_page(token: str) -> dict[str, object]:
    from chalicelib.services import ratings

    deps = _deps().rating_deps()
    code = ratings.open_token(token, deps.links, _lookup_guard())
    return ratings.page(code, deps)


@route_doc(
    tag="public",
    summary="The citizen rates a returned dossier (a later answer replaces the earlier one)",
    description="Satisfied or not, and when not, the reasons (the five SIPAS factors, at least "
    "one) and an optional comment. Taken for `MOTCUA_RATING_DAYS` after the result was "
    "returned: after that 409 naming `rated_at`.",
    params=(RATING_TOKEN,),
    body=VOICE + "RatingForm",
    answers={200: Answer(VOICE + "RatingRecorded", "recorded (or a newer one kept)")},
    refusals=(404, 409, 429),
)
@app.route("/v1/public/ratings/{token}", methods=["POST"], content_types=ANY_TYPE)
@problems
def rate_by_link(token: str) -> dict[str, object]:
    from chalicelib.services import ratings

    code = ratings.open_token(token, _deps().rating_deps().links, _lookup_guard())
    return _rate_by_link(code, _requests().model_from_json(_voice().RatingForm, _body()))


# The citizen's answer by the invitation's link, for the API's route and the rating page.
def _rate_by_link(code: str, form: Any) -> dict[str, object]:
    from chalicelib.domain.ratings import RatingAnswer, RatingSource
    from chalicelib.services import ratings

    deps, container = _deps().rating_deps(), _deps()
    answer = RatingAnswer(form.satisfied, tuple(form.reasons), form.comment or "",
                          RatingSource.LINK, container.now())  # fmt: skip
    return ratings.record(code, answer, actor=ratings.link_actor(code),
                          command_id=ratings.link_command(code, answer), deps=deps)  # fmt: skip


def _rating_questions(code: str) -> dict[str, Any]:
    """What the rating page asks (the API's GET), with the procedure's name to show."""
    from chalicelib.services import ratings

    deps = _deps()
    asked = dict(ratings.page(code, deps.rating_deps()))
    procedure = deps.catalog.current(str(asked["procedure"]))
    asked["procedure_name"] = procedure.name if procedure else asked["procedure"]
    return asked


@route_doc(
    tag="portals",
    summary="A rating from the counter's rating device or the national portal",
    description="Signed, scope `ratings`. The same `rating_id` from the same client is one "
    "rating (a redelivery changes nothing); a later rating of the dossier replaces an earlier "
    "one within `MOTCUA_RATING_DAYS` of the return, after which 409 naming `rated_at`. A client "
    "bound to an agency rates only the dossiers that agency received or resolves (403).",
    body=VOICE + "DeviceRating",
    answers={200: Answer(VOICE + "RatingRecorded", "recorded (or a newer one kept)")},
    refusals=(404, 409),
)
@app.route("/v1/webhooks/ratings", methods=["POST"], content_types=ANY_TYPE)
@problems
def device_rating() -> dict[str, object]:
    from chalicelib.domain.ratings import RatingAnswer, RatingSource
    from chalicelib.services import ratings

    container = _deps()
    deps = container.rating_deps()
    caller, body = _signed_body("ratings", _voice().DeviceRating)
    code = _dossier_code(body.code)
    ratings.check_client_agency(caller.client, code, deps)
    answer = RatingAnswer(body.satisfied, tuple(body.reasons), body.comment or "",
                          RatingSource(body.source), body.rated_at)  # fmt: skip
    recorded = ratings.record(
        code,
        answer,
        actor=ratings.client_actor(caller.client, code),
        command_id=ratings.device_command(caller.client.client_id, body.rating_id),
        deps=deps,
    )
    _spent(caller)
    return recorded


# -- feedback: PAKN (docs/citizen-voice.md) ----------------------------------------------------
def _feedback_received(item: Any, created: bool) -> Response:
    location = f"/v1/feedback/{item.id}"
    body = {"id": item.id, "status": item.status.value, "due_at": item.due_at.isoformat(),
            "created": created, "url": location}  # fmt: skip
    return Response(body=body, status_code=201 if created else 200, headers={"Location": location})


@route_doc(
    tag="portals",
    summary="A PAKN from the national portal or the 1022 hotline's system",
    description="Signed, scope `feedback`. Kept once per (client, `external_id`): a re-send "
    "answers 200 with the same id. Its answer is due `MOTCUA_FEEDBACK_ANSWER_DAYS` working "
    "days after `received_at`. A named dossier must exist (404 naming `dossier_code`).",
    body=VOICE + "FeedbackWebhook",
    answers={
        201: Answer(VOICE + "FeedbackReceived", "kept", location=True),
        200: Answer(VOICE + "FeedbackReceived", "sent before: the same PAKN", location=True),
    },
    refusals=(404,),
)
@app.route("/v1/webhooks/feedback", methods=["POST"], content_types=ANY_TYPE)
@problems
def feedback_webhook() -> Response:
    from chalicelib.domain.feedback import FeedbackChannel
    from chalicelib.services import feedback

    deps = _deps()
    caller, body = _signed_body("feedback", _voice().FeedbackWebhook)
    item, created = feedback.receive(
        body,
        channel=FeedbackChannel(body.channel),
        source=caller.client.client_id,
        entered_by=None,
        now=deps.now(),
        deps=deps.feedback_deps(),
    )
    _spent(caller)
    return _feedback_received(item, created)


@route_doc(
    tag="officials",
    summary="An official types in a PAKN taken by phone, by letter or at the counter",
    description="For the official's own agency unless `agency` names another. With "
    "`external_id`, a re-send answers 200 with the same PAKN.",
    body=VOICE + "FeedbackIn",
    answers={
        201: Answer(VOICE + "FeedbackReceived", "kept", location=True),
        200: Answer(VOICE + "FeedbackReceived", "sent before: the same PAKN", location=True),
    },
    refusals=(404,),
)
@app.route("/v1/feedback", methods=["POST"], content_types=ANY_TYPE)
@problems
def feedback_typed_in() -> Response:
    from chalicelib.domain.feedback import FeedbackChannel
    from chalicelib.services import feedback

    deps = _deps()
    actor = _official()
    body = _requests().model_from_json(_voice().FeedbackIn, _body(), {"now": deps.now()})
    item, created = feedback.receive(
        body,
        channel=FeedbackChannel(body.channel),
        source=actor.id,
        entered_by=actor,
        now=deps.now(),
        deps=deps.feedback_deps(),
    )
    return _feedback_received(item, created)


@route_doc(
    tag="officials",
    summary="The PAKN of the official's agency (the person shown only to those handling it)",
    answers={200: Answer(VOICE + "FeedbackList", "newest first")},
)
@app.route("/v1/feedback", methods=["GET"])
@problems
def feedback_list() -> dict[str, object]:
    from chalicelib.services import feedback

    return feedback.listing(_official(), _deps().feedback_deps())


@route_doc(
    tag="officials",
    summary="One PAKN (the person shown only to those handling it)",
    params=(FEEDBACK_ID,),
    answers={200: Answer(VOICE + "FeedbackView", "the PAKN")},
    refusals=(404,),
)
@app.route("/v1/feedback/{feedback_id}", methods=["GET"])
@problems
def feedback_read(feedback_id: str) -> dict[str, object]:
    from chalicelib.services import feedback

    return feedback.read(_official(), feedback_id, _deps().feedback_deps())


@route_doc(
    tag="officials",
    summary="Assign, start, answer, publish, transfer or refuse a PAKN",
    description="`expected_revision` is the PAKN's `revision` as read (409 naming it when it "
    "moved). The answer is sent to the person (SMS and email) and, when the PAKN names a "
    "dossier, recorded on its history.",
    params=(FEEDBACK_ID,),
    body=VOICE + "FeedbackActionIn",
    answers={200: Answer(VOICE + "FeedbackView", "the PAKN after the action")},
    refusals=(404, 409),
)
@app.route("/v1/feedback/{feedback_id}/actions", methods=["POST"], content_types=ANY_TYPE)
@problems
def feedback_action(feedback_id: str) -> dict[str, object]:
    from chalicelib.services import feedback

    deps = _deps()
    actor = _official()
    request = _requests().model_from_json(_voice().FeedbackActionIn, _body())
    return feedback.act(actor, feedback_id, request, now=deps.now(), deps=deps.feedback_deps())


# -- pages for people (issue 18): server-rendered HTML outside /v1 -----------------------------
# The same use cases as the API's routes; chalicelib/web renders them (Jinja2 is imported when
# a page first renders, not at the API's cold start). Every form carries a CSRF token.
def _site() -> Site:
    return Site.from_settings(_deps().settings)


pages = page_route(app, _site)
app.register_blueprint(signin_pages.blueprint)  # officials' sign-in and sign-out


def _page() -> Any:
    from chalicelib.web.context import PageRequest

    return PageRequest(app.current_request)


@app.route("/", methods=["GET"])
@pages
def home_page() -> Response:
    from chalicelib.web.headers import page
    from chalicelib.web.templates import render

    return page(render("home.html", site=_site()))


@app.route("/tra-cuu", methods=["GET", "POST"], content_types=ANY_TYPE)
@pages
def lookup_page() -> Response:
    """The citizen's lookup: GET shows the form (`?ma=<code>` fills the code in: Mẫu 01's QR
    code), POST looks the dossier up with the receipt PIN (chalicelib/web/lookup.py)."""
    from chalicelib.web import lookup
    from chalicelib.web.headers import page

    request = _page()
    site, csrf = request.site, request.csrf
    if request.method == "GET":
        code = request.query().get(lookup.CODE, "").strip()[: lookup.MAX_CODE]
        outcome = lookup.Outcome(code=code)
    else:
        outcome = lookup.look_up(
            request.form(),
            checked_code=_dossier_code,
            lookup=_public_lookup,
            result=_public_result,
            rating_link=_rating_link,
            how_to_pay=_how_to_pay,
            receipts=_public_receipts,
        )
    html = lookup.render_lookup(site, csrf.value, outcome)
    return page(html, outcome.status, {**outcome.headers, **csrf.headers})


def _how_to_pay(code: str) -> dict[str, Any] | None:
    """The open payment order of a dossier waiting for fees, as the lookup page shows it."""
    from chalicelib.services import payments
    from chalicelib.web.lookup import payment_view

    deps = _deps()
    return payment_view(payments.how_to_pay(code, deps.payment_deps(), deps.now()))


def _rating_link(code: str) -> str | None:
    """The rating page of a returned dossier while its period is open (the lookup's PIN
    holder is the applicant), else None."""
    from chalicelib.services.rating_links import PATH
    from chalicelib.web import rating

    if not rating.is_open(_rating_questions(code), _deps().now()):
        return None
    return _site().url(PATH + _deps().rating_links.token(code))


@app.route("/danh-gia/{token}", methods=["GET", "POST"], content_types=ANY_TYPE)
@pages
def rating_form_page(token: str) -> Response:
    """The citizen rates a returned dossier by the invitation's link: GET shows the questions
    (the current answer chosen), POST records through the API's use case (web/rating.py)."""
    from chalicelib.http.body import parse_model
    from chalicelib.services import ratings
    from chalicelib.web import rating
    from chalicelib.web.headers import page

    request = _page()
    deps = _deps()
    code = ratings.open_token(token, deps.rating_deps().links, _lookup_guard())
    asked = _rating_questions(code)
    if request.method == "GET":
        outcome = rating.shown(asked, deps.now(), days=deps.settings.rating_days)
    else:
        outcome = rating.rate(
            asked,
            request.form(),
            checked=lambda body: parse_model(_voice().RatingForm, body),
            record=lambda form: _rate_by_link(code, form),
        )
    html = rating.render_rating(request.site, request.csrf.value, token, outcome)
    return page(html, outcome.status, request.csrf.headers)


app.register_blueprint(counter_pages)  # /quay: the counter (chalicelib/web/counter_pages.py)
app.register_blueprint(board_pages)  # /bang-dieu-khien: the leader's board (web/board_pages.py)


@app.route("/static/{name}", methods=["GET"])
@pages
def static_file(name: str) -> Response:
    from chalicelib.web.static import static_file as vendored

    return vendored(name)


app.register_blueprint(workbench_pages.blueprint)  # /ban-lam-viec, /ho-so/{code}


# -- portals (signed webhooks) ----------------------------------------------------------------
@route_doc(
    tag="portals",
    summary="A portal sends a dossier (our schema or a DongBoHoSoMC item)",
    description="See docs/intake-schema.md. Queued: the receipt says what became of it. The "
    "national portal's envelope `{service, isUpdating, data: [item]}` is accepted too. The same "
    "id again: the same body gets the same receipt; another body is an update with isUpdating "
    '"True", else 409 naming the id.',
    body=(
        "chalicelib.intake.schema:DossierSubmission",
        "chalicelib.intake.dvcqg:DongBoHoSoMC",
        "chalicelib.http.portal_envelope:DongBoHoSoMCEnvelope",
    ),
    answers={202: Answer("QueuedReceipt", "queued", location=True)},
    refusals=(409,),
)
@app.route("/v1/webhooks/dossiers", methods=["POST"], content_types=ANY_TYPE)
@problems
def webhook_dossier() -> Response:
    requests, deps = _requests(), _deps()
    raw, caller = _signed("dossiers")
    envelope = requests.portal_envelope(raw, caller.client.client_id, deps)
    requests.refuse_replay(caller, deps)
    answer = _submit(envelope, "/v1/webhooks/receipts/")  # a 409 writes nothing, SIG included
    _spent(caller)
    return answer


@route_doc(
    tag="portals",
    summary="What became of a portal's dossier",
    description="Signed over an empty body; a read may repeat its signature.",
    params=(RECEIPT_ID,),
    answers={200: Answer("ReceiptView", "queued, accepted or refused")},
    refusals=(404,),
)
@app.route("/v1/webhooks/receipts/{receipt_id}", methods=["GET"])
@problems
def webhook_receipt(receipt_id: str) -> dict[str, object]:
    deps = _deps()
    # A read changes nothing: it may repeat (a portal polling twice in a second signs alike).
    caller = _requests().signed_caller(app.current_request, b"", deps, scope="dossiers")
    receipt_id = _issued_id(receipt_id, "receipt_id")
    return _reading().receipt_for(
        receipt_id, caller.client.client_id, deps.store, deps.receipt_pins
    )


@route_doc(
    tag="portals",
    summary="Another agency's system reports its part of an inter-agency step",
    params=(DOSSIER_CODE, IDEMPOTENCY),
    body=REQUEST_MODELS + "SystemActionRequest",
    answers={202: Answer("QueuedCommand", "queued", location=True)},
    refusals=(403, 404, 422),
)
@app.route("/v1/webhooks/inter-agency/{code}/actions", methods=["POST"], content_types=ANY_TYPE)
@problems
def inter_agency_action(code: str) -> Response:
    """Another agency's system (e.g. tax) reports its part of an inter-agency step."""
    requests, deps = _requests(), _deps()
    raw, caller = _signed("inter-agency")
    actor = requests.system_actor(caller.client)
    body = requests.model_from_json(_models().SystemActionRequest, raw, {"now": deps.now()})
    code = _dossier_code(code)
    requests.refuse_replay(caller, deps)
    # The signature is spent once every check passed: a refused call writes nothing.
    return _queue_action(
        code,
        body,
        actor,
        command_id=requests.command_id(app.current_request, actor.id, code),
        on_checked=lambda: requests.spend(caller, deps),
    )


@route_doc(
    tag="portals",
    summary="What an applicant did on the portal: a supplement, a withdrawal, fees paid",
    description="Our contract (docs/dvcqg-contract.md §8). Each event becomes the command an "
    "official would send, applied or refused by the transition worker; the same `event_id` "
    "names the same command.",
    body=tuple(
        PORTAL_EVENTS + kind for kind in ("SupplementSubmitted", "WithdrawalRequested", "FeesPaid")
    ),
    answers={202: Answer("QueuedCommand", "queued", location=True)},
    refusals=(404, 422),
)
@app.route("/v1/webhooks/portal-events", methods=["POST"], content_types=ANY_TYPE)
@problems
def portal_event() -> Response:
    """The applicant's own act on the portal, as the applicant's command on their dossier."""
    from chalicelib.http.portal_events import parse_event
    from chalicelib.services.portal_events import request_event

    requests, deps = _requests(), _deps()
    raw, caller = _signed("portal-events")
    event = parse_event(requests.parse_json(raw), province=deps.settings.province, now=deps.now())
    requests.refuse_replay(caller, deps)
    envelope = request_event(
        event,
        caller.client,
        store=deps.store,
        agencies=deps.agencies,
        publisher=deps.publisher,
        queue_url=deps.settings.transitions_queue_url,
        now=deps.now(),
        on_checked=lambda: requests.spend(caller, deps),  # a refused event writes nothing
    )
    status_url = f"/v1/dossiers/{event.code}/commands/{envelope.command_id}"
    body = {"command_id": envelope.command_id, "status": "queued", "status_url": status_url}
    return _accepted(body, status_url)


@route_doc(
    tag="portals",
    summary="An SMS/ZNS provider reports what became of a message",
    body=REQUEST_MODELS + "DeliveryReceipt",
    answers={202: Answer("Recorded", "recorded")},
    refusals=(404,),
)
@app.route("/v1/webhooks/delivery-receipts", methods=["POST"], content_types=ANY_TYPE)
@problems
def delivery_receipt() -> Response:
    """A provider reports what became of a message (delivered, failed …)."""
    from chalicelib.services import deliveries

    deps = _deps()
    caller, body = _signed_body("delivery-receipts", _models().DeliveryReceipt)
    deliveries.record_receipt(
        deps.delivery_log,
        provider=body.provider,
        message_id=body.message_id,
        status=body.status,
        at=body.at or deps.now(),
    )  # a message nobody sent is a 404, and the signature stays unspent
    _spent(caller)
    return Response(body={"recorded": True}, status_code=202)


@route_doc(
    tag="portals",
    summary="A phone opts out of (or back into) survey invitations",
    description="Legally required notices are sent whatever the choice.",
    body=REQUEST_MODELS + "OptOut",
    answers={202: Answer("OptOutRecorded", "recorded")},
)
@app.route("/v1/webhooks/opt-outs", methods=["POST"], content_types=ANY_TYPE)
@problems
def opt_out() -> Response:
    """A citizen replied STOP (relayed by the SMS gateway) or asked at the counter: survey
    invitations stop; legally required notices do not."""
    from chalicelib.services import deliveries

    deps = _deps()
    caller, body = _signed_body("opt-outs", _models().OptOut)
    deliveries.set_opt_out(
        deps.delivery_log,
        phone=body.phone,
        opted_out=body.opted_out,
        source=f"{caller.client.client_id}: {body.source}",
        at=deps.now(),
    )
    _spent(caller)
    return Response(body={"phone": body.phone, "opted_out": body.opted_out}, status_code=202)


# -- fees paid online (issue 20; chalicelib/http/payment_calls.py) ----------------------------
PAYMENT_MODELS = "chalicelib.http.payment_models:"


@route_doc(
    tag="portals",
    summary="The payment platform reports a payment",
    description="Verified as the platform's contract says (its adapter; docs/payments.md): a "
    "forged or unreadable callback gets the platform's refusal and nothing is written. A "
    "payment that matches its order becomes `fees_paid` (channel online) on the command path; "
    "an amount, currency, late or double payment, or an unknown order, is recorded and parked "
    "for an official. The same transaction again changes nothing.",
    params=(PAYMENT_PLATFORM,),
    answers={200: Answer(PAYMENT_MODELS + "PlatformAnswer", "the platform's acknowledgement")},
    refusals=(404, 413),
)
@app.route("/v1/webhooks/payments/{platform}", methods=["POST"], content_types=ANY_TYPE)
@problems
def payment_callback(platform: str) -> Response:
    from chalicelib.http.payment_calls import payment_callback as take

    return take(_deps(), app.current_request, platform)


@route_doc(
    tag="officials",
    summary="Payments parked for an official: mismatched, late, double, unknown order",
    query=PAYMENT_MODELS + "ParkedQuery",
    answers={200: Answer(PAYMENT_MODELS + "ParkedPayments", "oldest first")},
    refusals=(400,),
)
@app.route("/v1/payments/parked", methods=["GET"])
@problems
def parked_payments() -> dict[str, Any]:
    from chalicelib.http.payment_calls import parked

    return parked(_deps(), _official(), _query_params())


@route_doc(
    tag="officials",
    summary="An official decides on a parked payment: refunded, or applied",
    description="Only while the payment is parked (409 once decided). `refunded` needs the "
    "refund's `refund_reference`; `applied` (a late, mismatched or double payment that counts) "
    "needs a `note` saying why, and goes the way of a matching payment: its order paid if "
    "still open, `fees_paid` (online) queued if the dossier still waits for fees, the receipt "
    "issued. Recorded with who and when; bad input: 400 naming the field, nothing written.",
    params=(PAYMENT_PLATFORM, TRANSACTION_ID),
    body=PAYMENT_MODELS + "ParkedDecision",
    answers={200: Answer(PAYMENT_MODELS + "DecidedPayment", "decided")},
    refusals=(400, 404, 409),
)
@app.route(
    "/v1/payments/parked/{platform}/{transaction_id}", methods=["POST"], content_types=ANY_TYPE
)
@problems
def decide_parked_payment(platform: str, transaction_id: str) -> dict[str, Any]:
    from chalicelib.http.payment_calls import decide_parked

    return decide_parked(_deps(), _official(), platform, transaction_id, _body())


@route_doc(
    tag="officials",
    summary="A short-lived link to a receipt of the dossier (PDF); the read is audited",
    description="The receipt numbered `number` among the dossier's (the dossier read lists "
    "them under `payments.receipts`); `series` only when two of them share a number. Rendered "
    "from the receipt's record on first request and kept; the read is recorded first "
    "(NĐ 13/2023): if it cannot be, 503 and no link.",
    params=(DOSSIER_CODE, RECEIPT_NUMBER),
    query=PAYMENT_MODELS + "ReceiptQuery",
    answers={200: Answer(PAYMENT_MODELS + "ReceiptLink", "the link and the file's hash")},
    refusals=(400, 404, 503),
)
@app.route("/v1/dossiers/{code}/receipts/{number}", methods=["GET"])
@problems
def dossier_receipt(code: str, number: str) -> dict[str, Any]:
    from chalicelib.http.payment_calls import receipt_link

    actor, deps = _official(), _deps()
    code = _dossier_code(code)
    route = "GET /v1/dossiers/{code}/receipts/{number}"
    return receipt_link(deps, actor, code, number, _query_params(),
                        on_release=lambda _kept: _audit_read(code, actor, route))  # fmt: skip


# -- officials (JWT) --------------------------------------------------------------------------
@route_doc(
    tag="officials",
    summary="The counter receives a dossier in person (channel 1) or by post (3)",
    body="chalicelib.intake.schema:DossierSubmission",
    answers={202: Answer("QueuedReceipt", "queued", location=True)},
    refusals=(409,),
)
@app.route("/v1/dossiers", methods=["POST"], content_types=ANY_TYPE)
@problems
def counter_intake() -> Response:
    """The one-stop counter receives a dossier in person (channel 1) or by post (channel 3)."""
    actor = _official()
    envelope = _requests().counter_envelope(_body(), actor, _deps())
    return _submit(envelope, "/v1/intake/")


@route_doc(
    tag="officials",
    summary="What became of a dossier received at the counter",
    params=(RECEIPT_ID,),
    answers={200: Answer("ReceiptView", "queued, accepted or refused")},
    refusals=(404,),
)
@app.route("/v1/intake/{receipt_id}", methods=["GET"])
@problems
def counter_receipt(receipt_id: str) -> dict[str, object]:
    actor = _official()
    client_id = _requests().counter_client(actor)
    receipt_id = _issued_id(receipt_id, "receipt_id")
    deps = _deps()
    return _reading().receipt_for(receipt_id, client_id, deps.store, deps.receipt_pins)


@route_doc(
    tag="officials",
    summary="An official acts on a dossier",
    description="Applied by the transition worker, in order, once; `expected_version` must be "
    "the version the official read.",
    params=(DOSSIER_CODE, IDEMPOTENCY),
    body=REQUEST_MODELS + "ActionRequest",
    answers={202: Answer("QueuedCommand", "queued", location=True)},
    refusals=(404, 422),
)
@app.route("/v1/dossiers/{code}/actions", methods=["POST"], content_types=ANY_TYPE)
@problems
def dossier_action(code: str) -> Response:
    requests = _requests()
    actor = _official()
    body = requests.model_from_json(_models().ActionRequest, _body(), {"now": _deps().now()})
    command_id = requests.command_id(app.current_request, actor.id, _dossier_code(code))
    return _queue_action(code, body, actor, command_id=command_id)


def _queue_action(
    code: str,
    body: ActionRequest,
    actor: Actor,
    *,
    command_id: str,
    on_checked: Callable[[], None] | None = None,
) -> Response:
    from chalicelib.http.official_calls import queue_action

    envelope = queue_action(_deps(), _dossier_code(code), body, actor, command_id=command_id,
                            on_checked=on_checked)  # fmt: skip
    status_url = f"/v1/dossiers/{code}/commands/{envelope.command_id}"
    return _accepted(
        {"command_id": envelope.command_id, "status": "queued", "status_url": status_url},
        status_url,
    )


@route_doc(
    tag="officials",
    summary="A dossier: state, steps, history, refusals, alarms, deliveries",
    params=(DOSSIER_CODE,),
    answers={200: Answer("DossierView", "the dossier")},
    refusals=(404,),
)
@app.route("/v1/dossiers/{code}", methods=["GET"])
@problems
def get_dossier(code: str) -> dict[str, object]:
    from chalicelib.http import official_calls

    actor = _official()
    return official_calls.read_dossier(
        _deps(),
        app.current_request,
        _dossier_code(code),
        actor,
        route="GET /v1/dossiers/{code}",
        with_payments=True,
    )


def _audit_read(code: str, actor: Actor, route: str) -> None:
    from chalicelib.http.official_calls import audit_read

    audit_read(_deps(), app.current_request, code, actor, route)


@route_doc(
    tag="officials",
    summary="What became of an action",
    params=(DOSSIER_CODE, COMMAND_ID),
    answers={200: Answer("CommandView", "queued, applied, refused or failed (dead letter)")},
    refusals=(404,),
)
@app.route("/v1/dossiers/{code}/commands/{command_id}", methods=["GET"])
@problems
def get_command(code: str, command_id: str) -> dict[str, object]:
    actor = _official()
    code, command_id = _dossier_code(code), _issued_id(command_id, "command_id")
    return _reading().command_status(code, command_id, actor, _deps().store)


@route_doc(
    tag="officials",
    summary="The open dossiers the official's agency holds, by due date",
    query=REQUEST_MODELS + "WorklistQuery",
    answers={200: Answer("Worklist", "one page")},
    refusals=(400,),
)
@app.route("/v1/worklist", methods=["GET"])
@problems
def get_worklist() -> dict[str, object]:
    actor = _official()
    from chalicelib.http import official_calls

    query = _parse_query("WorklistQuery")
    return official_calls.worklist(_deps(), actor.agency, status=query.status, step=query.step,
                                   limit=query.limit, cursor=query.cursor)  # fmt: skip


@route_doc(
    tag="officials",
    summary="QĐ 766 indicators of an agency over a range of months",
    query=REQUEST_MODELS + "ReportQuery",
    answers={200: Answer("Report766", "the indicators and the counts behind them", csv=True)},
    refusals=(400,),
)
@app.route("/v1/reports/766", methods=["GET"])
@problems
def report_766() -> object:
    """QĐ 766 indicators of an agency for a range of months, with the counts behind them."""
    actor = _official()
    from chalicelib.services import reports

    query = _parse_query("ReportQuery")
    deps = _deps()
    result = reports.report_766(query, actor, deps.store, deps.now())
    if isinstance(result, str):
        return Response(
            body=result, status_code=200, headers={"Content-Type": "text/csv; charset=utf-8"}
        )
    return result


AUDIT_MODELS = "chalicelib.http.audit_models:"


@route_doc(
    tag="officials",
    summary="Who read which dossier's personal data, when and through which route",
    description="The read audit of NĐ 13/2023 (docs/law.md): every answer that showed an "
    "official an applicant's data, of one dossier (`code`) or one official (`actor`), over at "
    "most 31 days.",
    query=AUDIT_MODELS + "ReadsQuery",
    answers={200: Answer(AUDIT_MODELS + "AuditReads", "the reads, oldest first")},
    refusals=(400,),
)
@app.route("/v1/audit/reads", methods=["GET"])
@problems
def audit_reads() -> dict[str, object]:
    actor = _official()
    from chalicelib.http.audit_models import ReadsQuery
    from chalicelib.http.handlers import parse_query
    from chalicelib.services import read_audit

    read_audit.require_admin(actor)
    query = parse_query(ReadsQuery, _query_params())
    return read_audit.reads(query, actor, _deps().read_audit)


# -- a dossier's files (officials, JWT) -------------------------------------------------------
FILE_MODELS = "chalicelib.http.file_models:"


def _files() -> Any:
    from chalicelib.services import files

    return files


@route_doc(
    tag="officials",
    summary="Ask to upload one file of a dossier: a presigned POST to the file store",
    description="The bytes never pass through the API: POST them as multipart/form-data to "
    "`url` with every field of `fields`, then the file as `file`, within `expires_in` seconds "
    "and at most `size` bytes of the type given. Then record the upload (`/files`).",
    params=(DOSSIER_CODE,),
    body=FILE_MODELS + "UploadRequest",
    answers={201: Answer(FILE_MODELS + "UploadTicket", "where and how to upload")},
    refusals=(404,),
)
@app.route("/v1/dossiers/{code}/uploads", methods=["POST"], content_types=ANY_TYPE)
@problems
def request_upload(code: str) -> Response:
    from chalicelib.http.file_models import UploadRequest

    actor, deps = _official(), _deps()
    body = _requests().model_from_json(UploadRequest, _body(), {})
    ticket = _files().request_upload(
        _dossier_code(code), body, actor, deps.file_deps(), now=deps.now()
    )
    return Response(body=ticket, status_code=201)


@route_doc(
    tag="officials",
    summary="Record an uploaded file once its bytes are checked",
    description="The type is read from the bytes (PDF, JPEG, PNG by default), the size, a "
    "PDF's pages and an image's pixels are bounded; a truncated, malformed or encrypted PDF "
    "and a decompression bomb are refused (400 naming `file`), and nothing is kept. The same "
    "upload, or the same bytes as the same component, answer the file already kept (200).",
    params=(DOSSIER_CODE,),
    body=FILE_MODELS + "RecordRequest",
    answers={
        201: Answer(FILE_MODELS + "RecordedFile", "recorded"),
        200: Answer(FILE_MODELS + "RecordedFile", "recorded before"),
    },
    refusals=(404, 409),
)
@app.route("/v1/dossiers/{code}/files", methods=["POST"], content_types=ANY_TYPE)
@problems
def record_file(code: str) -> Response:
    from chalicelib.http.file_models import RecordRequest

    actor, deps = _official(), _deps()
    body = _requests().model_from_json(RecordRequest, _body(), {})
    files = _files()
    stored, created = files.record_upload(
        _dossier_code(code), body.upload_id, actor, deps.file_deps(), now=deps.now()
    )
    return Response(body=files.recorded_view(stored, created), status_code=201 if created else 200)


@route_doc(
    tag="officials",
    summary="A dossier's files, and whether it is digitised (QĐ 766 4.1, 4.2)",
    params=(DOSSIER_CODE,),
    answers={200: Answer(FILE_MODELS + "FileList", "the files, newest first")},
    refusals=(404,),
)
@app.route("/v1/dossiers/{code}/files", methods=["GET"])
@problems
def list_files(code: str) -> dict[str, object]:
    actor, deps = _official(), _deps()
    return _files().list_files(_dossier_code(code), actor, deps.file_deps())


@route_doc(
    tag="officials",
    summary="A short-lived link to download one file (the read is audited)",
    description="The read is recorded first (NĐ 13/2023: docs/law.md); if it cannot be, 503 "
    "and no link.",
    params=(DOSSIER_CODE, FILE_ID),
    answers={200: Answer(FILE_MODELS + "DownloadLink", "the link and the file")},
    refusals=(404, 503),
)
@app.route("/v1/dossiers/{code}/files/{file_id}", methods=["GET"])
@problems
def download_file(code: str, file_id: str) -> dict[str, object]:
    actor, deps = _official(), _deps()
    code = _dossier_code(code)
    route = "GET /v1/dossiers/{code}/files/{file_id}"
    return _files().download_link(
        code,
        file_id,
        actor,
        deps.file_deps(),
        on_release=lambda _stored: _audit_read(code, actor, route),
    )


@route_doc(
    tag="officials",
    summary="The dossier's applicant's documents stored with their other dossiers (QĐ 766 4.3)",
    description="Found by the applicant's identification number, for this dossier only: "
    "the latest of each kind (a component's code, or `result:<procedure code>`).",
    params=(DOSSIER_CODE,),
    answers={200: Answer(FILE_MODELS + "ReusableDocuments", "the documents, by kind")},
    refusals=(404,),
)
@app.route("/v1/dossiers/{code}/reusable-documents", methods=["GET"])
@problems
def reusable_documents(code: str) -> dict[str, object]:
    from chalicelib.services import reuse

    actor, deps = _official(), _deps()
    return reuse.reusable_documents(_dossier_code(code), actor, deps.file_deps())


@route_doc(
    tag="officials",
    summary="Take one of the applicant's stored documents as a component, not uploaded again",
    description="The document must be one of this dossier's applicant (`reusable-documents`); "
    "it is recorded on this dossier with the same bytes and counted once for QĐ 766 4.3.",
    params=(DOSSIER_CODE,),
    body=FILE_MODELS + "ReuseRequest",
    answers={
        201: Answer(FILE_MODELS + "ReusedFile", "taken"),
        200: Answer(FILE_MODELS + "ReusedFile", "taken before"),
    },
    refusals=(404,),
)
@app.route("/v1/dossiers/{code}/reuses", methods=["POST"], content_types=ANY_TYPE)
@problems
def reuse_document(code: str) -> Response:
    from chalicelib.http.file_models import ReuseRequest
    from chalicelib.services import reuse

    actor, deps = _official(), _deps()
    body = _requests().model_from_json(ReuseRequest, _body(), {})
    stored, created = reuse.reuse_document(_dossier_code(code), body.component,
                                           body.source_file_id, actor, deps.file_deps(),
                                           now=deps.now())  # fmt: skip
    return Response(body=reuse.reused_view(stored, created), status_code=201 if created else 200)


# -- the forms of Thông tư 03/2025 as files (officials, JWT) -----------------------------------
FORM_MODELS = "chalicelib.http.form_models:"


def _form_files() -> Any:
    from chalicelib.services import form_files  # the renderer itself only when rendering

    return form_files


@route_doc(
    tag="officials",
    summary="A short-lived link to a dossier's form (Mẫu 01-06) as PDF; the read is audited",
    description="Rendered from the dossier on the first request and kept with its SHA-256; "
    "the same link's file until the dossier changes, then rendered again. A form the dossier "
    "has not come to (Mẫu 03 of a dossier never refused) answers 404. With `receipt_id` (the "
    "counter's receipt of this dossier, to the counter that made it) Mẫu 01 prints the "
    "receipt PIN. The read is recorded first (NĐ 13/2023); if it cannot be, 503 and no link.",
    params=(DOSSIER_CODE, FORM),
    query=FORM_MODELS + "FormQuery",
    answers={200: Answer(FORM_MODELS + "FormLink", "the link and the file's hash")},
    refusals=(400, 404, 503),
)
@app.route("/v1/dossiers/{code}/forms/{form}", methods=["GET"])
@problems
def dossier_form(code: str, form: str) -> dict[str, object]:
    from chalicelib.http.form_models import FormQuery
    from chalicelib.http.handlers import parse_query

    actor, deps = _official(), _deps()
    code = _dossier_code(code)
    query = parse_query(FormQuery, _query_params())
    service, pin = _form_files(), None
    if query.receipt_id is not None:
        receipt_id = _issued_id(query.receipt_id, "receipt_id")
        client_id = _requests().counter_client(actor)
        pin = service.receipt_pin(code, receipt_id, client_id, deps.store, deps.receipt_pins)
    route = "GET /v1/dossiers/{code}/forms/{form}"
    return service.dossier_form_link(
        code,
        form,
        actor,
        deps.form_file_deps(),
        now=deps.now(),
        on_release=lambda _issued: _audit_read(code, actor, route),
        pin=pin,
    )


@route_doc(
    tag="officials",
    summary="A short-lived link to an agency's tracking book (Mẫu 07) for a period, as PDF or "
    "CSV (each dossier's read is audited)",
    description="The dossiers the agency received from `from` to `to` (both included, at most "
    "366 days). Kept with its SHA-256, by period and the dossiers it lists: rendered again only "
    "when one of them changed. The book names applicants: the agency's own leaders and admins "
    "only, and the read of each dossier it lists is recorded first (503 and no link otherwise).",
    params=(AGENCY,),
    query=FORM_MODELS + "TrackingBookQuery",
    answers={200: Answer(FORM_MODELS + "FormLink", "the link and the file's hash")},
    refusals=(400, 503),
)
@app.route("/v1/agencies/{agency}/tracking-book", methods=["GET"])
@problems
def tracking_book(agency: str) -> dict[str, object]:
    from chalicelib.http.form_models import TrackingBookQuery, agency_code
    from chalicelib.http.handlers import parse_query

    actor, deps = _official(), _deps()
    agency = agency_code(agency)
    query = parse_query(TrackingBookQuery, _query_params())
    route = "GET /v1/agencies/{agency}/tracking-book"

    def audit(codes: list[str]) -> None:
        for code in codes:
            _audit_read(code, actor, route)

    return _form_files().tracking_book_link(
        agency,
        query.from_,
        query.to,
        query.format == "csv",
        actor,
        deps.form_file_deps(),
        now=deps.now(),
        on_release=audit,
    )


# -- workers ----------------------------------------------------------------------------------
# Each worker is its own Lambda function: it imports only what its handler needs.
def _workers() -> Any:
    from chalicelib.handlers import workers

    return workers


@app.on_sqs_message(queue=INTAKE_QUEUE, batch_size=10)
@observability.worker
def intake_worker(event: Any) -> dict[str, Any]:
    return _workers().run_intake_batch(event.to_dict(), event.context, _deps())


@app.on_sqs_message(queue=TRANSITIONS_QUEUE, batch_size=10)
@observability.worker
def transition_worker(event: Any) -> dict[str, Any]:
    return _workers().run_transition_batch(event.to_dict(), event.context, _deps())


@app.on_dynamodb_record(stream_arn=TABLE_STREAM_ARN, batch_size=100)
@observability.worker
def outbox_relay(event: Any) -> dict[str, Any]:
    return _workers().run_outbox_relay(event.to_dict(), event.context, _deps())


@app.on_sqs_message(queue=NOTIFICATIONS_QUEUE, batch_size=10)
@observability.worker
def notifier(event: Any) -> dict[str, Any]:
    return _workers().run_notifications_batch(event.to_dict(), event.context, _deps())


@app.on_sqs_message(queue=PORTAL_SYNC_QUEUE, batch_size=10)
@observability.worker
def portal_sync(event: Any) -> dict[str, Any]:
    return _workers().run_portal_sync_batch(event.to_dict(), event.context, _deps())


# One file a message: a portal's file may take the whole fetch timeout (20 s by default).
@app.on_sqs_message(queue=FILE_FETCH_QUEUE, batch_size=1)
@observability.worker
def file_fetch(event: Any) -> dict[str, Any]:
    return _workers().run_file_fetch_batch(event.to_dict(), event.context, _deps())


@app.schedule(Rate(TIMER_MINUTES, unit=Rate.MINUTES))
@observability.worker
def deadline_timer(event: Any) -> dict[str, Any]:
    return _workers().run_timer(_deps())


# 07:30 in Hà Nội is 00:30 UTC; the handler skips days off and counts make-up Saturdays.
@app.schedule(Cron(30, 0, "?", "*", "MON-SAT", "*"))
@observability.worker
def daily_digest(event: Any) -> dict[str, Any]:
    return _workers().run_digest(_deps())


# 01:00 in Hà Nội is 18:00 UTC: the portal's own view against ours, what differs pushed again.
@app.schedule(Cron(0, 18, "*", "*", "?", "*"))
@observability.worker
def portal_reconcile(event: Any) -> dict[str, Any]:
    return _workers().run_portal_reconcile(_deps(), event.context)


# 02:00 in Hà Nội is 19:00 UTC: yesterday's payments on the platform against our records.
@app.schedule(Cron(0, 19, "*", "*", "?", "*"))
@observability.worker
def payment_reconcile(event: Any) -> dict[str, Any]:
    return _workers().run_payment_reconcile(_deps())


# Lambda's INIT runs with more CPU than an invocation: this function's parts are built now.
warm_up(DEPLOYED)
