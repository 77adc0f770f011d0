"""The motcua Chalice app. Handlers are thin: parse, call one service, map errors."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from chalice import Chalice, Cron, Rate, Response

from chalicelib import clock, observability, providers
from chalicelib.domain.dossier import Actor
from chalicelib.domain.statuses import DossierStatus
from chalicelib.http.handlers import answers_problems, dossier_code, parse_query
from chalicelib.http.problems import FieldError, Problem
from chalicelib.lazy import lazy_module
from chalicelib.services import due_dates, reading, reports, transitions
from chalicelib.services.outbox import RELAY_FILTERS

if TYPE_CHECKING:
    from chalicelib.services.envelopes import IntakeEnvelope

# Cold start: every Lambda function imports this module, and each needs little of it. What
# only some routes or one worker use loads on first use: the HTTP request parsing (intake
# parsing, PyJWT and cryptography), the intake service, and the workers (Powertools' batch
# utility). See bench/cold_start.py.
requests = lazy_module("chalicelib.http.requests")
intake = lazy_module("chalicelib.services.intake")
notify_hooks = lazy_module("chalicelib.services.notify_hooks")
workers = lazy_module("chalicelib.handlers.workers")
openapi = lazy_module("chalicelib.http.openapi")  # the document: built once, on first request

# configure_logs=False: Chalice would add its own stdout handler to the logger named after the
# app, which is Powertools' logger too (chalicelib/observability.py): every line twice.
app = Chalice(app_name="motcua", configure_logs=False)
ANY_TYPE = ["*/*"]  # content types are checked by the handlers, to answer with problem+json
INTAKE_QUEUE = "motcua-intake"
TRANSITIONS_QUEUE = "motcua-transitions.fifo"
NOTIFICATIONS_QUEUE = "motcua-notifications"
PORTAL_SYNC_QUEUE = "motcua-portal-sync.fifo"
# The table's stream, known once the table exists: packaging fills it in (issue 6); the local
# runtime maps it to the table named by MOTCUA_TABLE.
TABLE_STREAM_ARN = os.environ.get(
    "MOTCUA_TABLE_STREAM_ARN",
    "arn:aws:dynamodb:ap-southeast-1:000000000000:table/motcua/stream/local",
)
# Lambda event filtering per stream function (Chalice has no argument for it): packaging puts it
# on the event source mapping (infra/compose.py), the local runtime applies it the same way.
EVENT_FILTERS = {"outbox_relay": RELAY_FILTERS}
# How often the deadline timer runs; read when the app is packaged (the schedule is deployed).
TIMER_MINUTES = int(os.environ.get("MOTCUA_TIMER_MINUTES", "5"))


def _path() -> str | None:
    request = app.current_request
    return request.context.get("path") if request is not None else None


def _query_params() -> Mapping[str, str] | None:
    request = app.current_request
    return request.query_params if request is not None else None


# Refusals as problem+json, inside: the dossier code as correlation id, an access line, the
# metrics flushed, a trace subsegment in Lambda.
problems = observability.api_route(app, answers_problems(_path))


def _accepted(body: dict[str, Any], location: str) -> Response:
    return Response(body=body, status_code=202, headers={"Location": location})


def _submit(envelope: IntakeEnvelope, receipts_path: str) -> Response:
    receipt = intake.submit(
        envelope,
        store=providers.store(),
        publisher=providers.publisher(),
        queue_url=providers.settings().intake_queue_url,
    )
    status_url = receipts_path + receipt.receipt_id
    return _accepted({**reading.receipt_view(receipt), "status_url": status_url}, status_url)


def _official() -> Actor:
    return requests.official(app.current_request, providers.token_verifier())


# -- public -----------------------------------------------------------------------------------
@app.route("/v1/health", methods=["GET"])
def health() -> dict[str, str]:
    return {"status": "ok", "service": "motcua"}


@app.route("/v1/openapi.json", methods=["GET"])
@problems
def openapi_document() -> dict[str, object]:
    return openapi.document()


@app.route("/v1/calendar/due-date", methods=["GET"])
@problems
def calendar_due_date() -> dict[str, object]:
    query = parse_query(due_dates.DueDateQuery, _query_params())
    return due_dates.due_date(query, providers.calendar(), providers.catalog())


@app.route("/v1/procedures", methods=["GET"])
@problems
def list_procedures() -> dict[str, object]:
    return {"items": [reading.procedure_view(p) for p in providers.catalog().all()]}


@app.route("/v1/procedures/{code}", methods=["GET"])
@problems
def get_procedure(code: str) -> dict[str, object]:
    versions = [p for p in providers.catalog().all() if p.code == code]
    if not versions:
        raise Problem(404, f"procedure {code} is not in the catalog", kind="not-found")
    current = providers.catalog().current(code, clock.now())
    return {
        "current": reading.procedure_view(current) if current else None,
        "versions": [reading.procedure_view(p) for p in versions],
    }


@app.route("/v1/public/dossiers/{code}", methods=["GET"])
@problems
def public_dossier(code: str) -> dict[str, object]:
    params = _query_params() or {}
    return reading.public_lookup(
        dossier_code(code), params.get("phone_last4"), providers.store(), providers.catalog()
    )


# -- portals (signed webhooks) ----------------------------------------------------------------
@app.route("/v1/webhooks/dossiers", methods=["POST"], content_types=ANY_TYPE)
@problems
def webhook_dossier() -> Response:
    request = app.current_request
    raw = requests.raw_body(request, providers.settings().max_body_bytes)
    caller = requests.signed_caller(request, raw, scope="dossiers")
    envelope = requests.portal_envelope(raw, caller.client.client_id, now=clock.now())
    requests.spend(caller)
    return _submit(envelope, "/v1/webhooks/receipts/")


@app.route("/v1/webhooks/receipts/{receipt_id}", methods=["GET"])
@problems
def webhook_receipt(receipt_id: str) -> dict[str, object]:
    request = app.current_request
    # A read changes nothing: it may repeat (a portal polling twice in a second signs alike).
    client = requests.signed_caller(request, b"", scope="dossiers").client
    receipt = providers.store().get_receipt(receipt_id) if len(receipt_id) <= 64 else None
    if receipt is None or receipt.client_id != client.client_id:
        raise Problem(404, f"receipt {receipt_id} does not exist", kind="not-found")
    return reading.receipt_view(receipt)


@app.route("/v1/webhooks/inter-agency/{code}/actions", methods=["POST"], content_types=ANY_TYPE)
@problems
def inter_agency_action(code: str) -> Response:
    """Another agency's system (e.g. tax) reports its part of an inter-agency step."""
    request = app.current_request
    raw = requests.raw_body(request, providers.settings().max_body_bytes)
    caller = requests.signed_caller(request, raw, scope="inter-agency")
    client = caller.client
    if not client.agency:
        raise Problem(
            403,
            f"client {client.client_id} does not speak for an agency",
            kind="forbidden",
            errors=[
                FieldError(
                    "X-Motcua-Client",
                    "not an agency's system",
                    "Hệ thống gửi yêu cầu không thuộc cơ quan nào",
                )
            ],
        )
    body = requests.model_from_json(transitions.SystemActionRequest, raw)
    code = dossier_code(code)
    requests.refuse_replay(caller)
    actor = requests.system_actor(client.client_id, client.agency)
    # The signature is spent once every check passed: a refused call writes nothing.
    return _queue_action(
        code,
        body,
        actor,
        command_id=requests.command_id(request, actor.id),
        on_checked=lambda: requests.spend(caller),
    )


@app.route("/v1/webhooks/delivery-receipts", methods=["POST"], content_types=ANY_TYPE)
@problems
def delivery_receipt() -> Response:
    """A provider reports what became of a message (delivered, failed …)."""

    request = app.current_request
    raw = requests.raw_body(request, providers.settings().max_body_bytes)
    caller = requests.signed_caller(request, raw, scope="delivery-receipts")
    body = requests.model_from_json(notify_hooks.DeliveryReceipt, raw)
    requests.spend(caller)
    known = providers.delivery_log().receipt(
        body.provider, body.message_id, body.status, body.at or clock.now()
    )
    if not known:
        raise Problem(404, f"no message {body.message_id} from {body.provider}", kind="not-found")
    return Response(body={"recorded": True}, status_code=202)


@app.route("/v1/webhooks/opt-outs", methods=["POST"], content_types=ANY_TYPE)
@problems
def opt_out() -> Response:
    """A citizen replied STOP (relayed by the SMS gateway) or asked at the counter: survey
    invitations stop; legally required notices do not."""

    request = app.current_request
    raw = requests.raw_body(request, providers.settings().max_body_bytes)
    caller = requests.signed_caller(request, raw, scope="opt-outs")
    body = requests.model_from_json(notify_hooks.OptOut, raw)
    requests.spend(caller)
    providers.delivery_log().set_opt_out(
        body.phone, body.opted_out, f"{caller.client.client_id}: {body.source}", clock.now()
    )
    return Response(body={"phone": body.phone, "opted_out": body.opted_out}, status_code=202)


# -- officials (JWT) --------------------------------------------------------------------------
@app.route("/v1/dossiers", methods=["POST"], content_types=ANY_TYPE)
@problems
def counter_intake() -> Response:
    """The one-stop counter receives a dossier in person (channel 1) or by post (channel 3)."""
    request = app.current_request
    actor = _official()
    raw = requests.raw_body(request, providers.settings().max_body_bytes)
    envelope = requests.counter_envelope(raw, actor, now=clock.now())
    return _submit(envelope, "/v1/intake/")


@app.route("/v1/intake/{receipt_id}", methods=["GET"])
@problems
def counter_receipt(receipt_id: str) -> dict[str, object]:
    actor = _official()
    receipt = providers.store().get_receipt(receipt_id) if len(receipt_id) <= 64 else None
    if receipt is None or receipt.client_id != requests.counter_client(actor):
        raise Problem(404, f"receipt {receipt_id} does not exist", kind="not-found")
    return reading.receipt_view(receipt)


@app.route("/v1/dossiers/{code}/actions", methods=["POST"], content_types=ANY_TYPE)
@problems
def dossier_action(code: str) -> Response:
    request = app.current_request
    actor = _official()
    raw = requests.raw_body(request, providers.settings().max_body_bytes)
    body = requests.model_from_json(transitions.ActionRequest, raw)
    return _queue_action(code, body, actor, command_id=requests.command_id(request, actor.id))


def _queue_action(
    code: str,
    body: transitions.ActionRequest,
    actor: Actor,
    *,
    command_id: str,
    on_checked: Callable[[], None] | None = None,
) -> Response:
    envelope = transitions.request_action(
        dossier_code(code),
        body,
        actor,
        store=providers.store(),
        publisher=providers.publisher(),
        queue_url=providers.settings().transitions_queue_url,
        command_id=command_id,
        now=clock.now(),
        on_checked=on_checked,
    )
    status_url = f"/v1/dossiers/{code}/commands/{envelope.command_id}"
    return _accepted(
        {"command_id": envelope.command_id, "status": "queued", "status_url": status_url},
        status_url,
    )


@app.route("/v1/dossiers/{code}", methods=["GET"])
@problems
def get_dossier(code: str) -> dict[str, object]:
    return reading.read_dossier(
        code, _official(), providers.store(), providers.catalog(), providers.delivery_log()
    )


@app.route("/v1/dossiers/{code}/commands/{command_id}", methods=["GET"])
@problems
def get_command(code: str, command_id: str) -> dict[str, object]:
    actor = _official()
    store = providers.store()
    transitions.require_visible(code, store.get(code), actor)
    applied = store.command(code, command_id)
    if applied is not None:
        return {"command_id": command_id, "status": "applied", "version": applied.version}
    refused = store.refusal(code, command_id)
    if refused is not None:
        status = "failed" if refused.kind == transitions.FAILED else "refused"
        return {"command_id": command_id, "status": status, **refused.model_dump(mode="json")}
    return {"command_id": command_id, "status": "queued"}


@app.route("/v1/worklist", methods=["GET"])
@problems
def get_worklist() -> dict[str, object]:
    actor = _official()
    query = parse_query(requests.WorklistQuery, _query_params())
    try:
        return reading.worklist(
            actor.agency,
            status=DossierStatus(query.status) if query.status else None,
            step=query.step,
            limit=query.limit,
            cursor=query.cursor,
            store=providers.store(),
            catalog=providers.catalog(),
        )
    except ValueError as exc:  # a cursor this API did not issue
        raise Problem(
            400,
            "invalid cursor",
            kind="validation",
            errors=[
                FieldError(
                    "cursor", "not a cursor issued by this API", "Con trỏ phân trang không hợp lệ"
                )
            ],
        ) from exc


@app.route("/v1/reports/766", methods=["GET"])
@problems
def report_766() -> object:
    """QĐ 766 indicators of an agency for a range of months, with the counts behind them."""
    actor = _official()
    query = parse_query(reports.ReportQuery, _query_params())
    result = reports.report_766(query, actor, providers.store())
    if isinstance(result, str):
        return Response(
            body=result, status_code=200, headers={"Content-Type": "text/csv; charset=utf-8"}
        )
    return result


# -- workers ----------------------------------------------------------------------------------
@app.on_sqs_message(queue=INTAKE_QUEUE, batch_size=10)
@observability.worker
def intake_worker(event: Any) -> dict[str, Any]:
    return workers.run_intake_batch(event.to_dict(), event.context)


@app.on_sqs_message(queue=TRANSITIONS_QUEUE, batch_size=10)
@observability.worker
def transition_worker(event: Any) -> dict[str, Any]:
    return workers.run_transition_batch(event.to_dict(), event.context)


@app.on_dynamodb_record(stream_arn=TABLE_STREAM_ARN, batch_size=100)
@observability.worker
def outbox_relay(event: Any) -> dict[str, Any]:
    return workers.run_outbox_relay(event.to_dict(), event.context)


@app.on_sqs_message(queue=NOTIFICATIONS_QUEUE, batch_size=10)
@observability.worker
def notifier(event: Any) -> dict[str, Any]:
    return workers.run_notifications_batch(event.to_dict(), event.context)


@app.on_sqs_message(queue=PORTAL_SYNC_QUEUE, batch_size=10)
@observability.worker
def portal_sync(event: Any) -> dict[str, Any]:
    return workers.run_portal_sync_batch(event.to_dict(), event.context)


@app.schedule(Rate(TIMER_MINUTES, unit=Rate.MINUTES))
@observability.worker
def deadline_timer(event: Any) -> dict[str, Any]:
    return workers.run_timer()


# 07:30 in Hà Nội is 00:30 UTC; the handler skips days off and counts make-up Saturdays.
@app.schedule(Cron(30, 0, "?", "*", "MON-SAT", "*"))
@observability.worker
def daily_digest(event: Any) -> dict[str, Any]:
    return workers.run_digest()
