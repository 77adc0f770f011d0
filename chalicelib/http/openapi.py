"""The OpenAPI 3.1 description of the API, served at GET /v1/openapi.json.

Request bodies and query parameters are generated from the pydantic models the handlers parse
them with, so they cannot drift; responses are generated from the models they are dumped from
where one exists (dossier, history entry, receipt, procedure …) and written by hand for the
views the services assemble. Every refusal is the problem document of `problems.py`.

Who may call what is data here too (`AUTHORIZATION`): each operation carries its row as
`x-motcua-authorization`, docs/authorization.md is the same table (`authorization_table()`),
and tests/hostile/test_authorization_matrix.py checks every cell against the running app.
tests/unit/test_openapi.py fails when a route of app.py is not described here.

Built on first request and cached: the pydantic schemas cost ~50 ms, the route nothing more.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from typing import Any, Literal

from pydantic import TypeAdapter

from chalicelib.adapters.delivery_log import Attempt
from chalicelib.adapters.store import Receipt, Refusal
from chalicelib.auth.signatures import CLIENT_HEADER, DEFAULT_TOLERANCE, SIGNATURE_HEADER
from chalicelib.domain.alarms import FiredAlarm
from chalicelib.domain.calendar import WorkingDuration
from chalicelib.domain.dossier import Dossier, HistoryEntry, Location
from chalicelib.domain.indicators import Counters, Indicator
from chalicelib.domain.procedures import AGENCY_CODE, Procedure
from chalicelib.http.problems import PROBLEM_BASE, PROBLEM_JSON, TITLES_VI
from chalicelib.http.requests import IDEMPOTENCY_KEY, WorklistQuery
from chalicelib.intake.dvcqg import DongBoHoSoMC
from chalicelib.intake.schema import DossierSubmission
from chalicelib.services.due_dates import DueDateQuery
from chalicelib.services.notify_hooks import DeliveryReceipt, OptOut
from chalicelib.services.reports import ReportQuery
from chalicelib.services.transitions import ActionRequest, SystemActionRequest

OPENAPI_VERSION = "3.1.0"
REF = "#/components/schemas/{model}"
JSON = "application/json"

PUBLIC: list[dict[str, list[str]]] = []
BEARER: list[dict[str, list[str]]] = [{"bearerAuth": []}]
SIGNED: list[dict[str, list[str]]] = [{"webhookClient": [], "webhookSignature": []}]

# -- who may call what ---------------------------------------------------------------------------
# The callers of the authorization matrix. Agency A (000.00.41.H19, a ward) received dossier D
# at its counter and resolves it; agency B (000.00.90.H19, the tax department) has no part in
# it until D is transferred there.
CALLERS: dict[str, str] = {
    "anonymous": "no credentials at all",
    "citizen": "the applicant: no official account. On the public lookup, the last 4 digits of "
    "the phone on the dossier; on officials' routes, a token of the province's issuer with no "
    "official role (`roles: [citizen]`)",
    "receiver": "A's counter officer (role receiver, unit MOT_CUA)",
    "specialist": "A's specialist (role specialist, unit VAN_PHONG)",
    "leader": "A's leader (role leader, unit LANH_DAO)",
    "admin": "A's administrator (role admin, no unit)",
    "other_agency": "an official of B (roles specialist and leader, unit PHONG_QLTK)",
    "expired": "A's receiver with an expired token",
    "wrong_issuer": "A's receiver with a token of another issuer (right key)",
    "portal": "a portal's signed webhook (a client without an agency: scope `dossiers`)",
    "agency_system": "B's system, signed webhook (a client speaking for agency B: scope "
    "`inter-agency`)",
    "gateway": "an SMS/ZNS gateway's signed webhook (scopes `delivery-receipts`, `opt-outs`)",
}
_OFFICIALS = ("receiver", "specialist", "leader", "admin")
_TOKENS = (*_OFFICIALS, "other_agency")
_SIGNERS = ("portal", "agency_system", "gateway")


def _row(default: str, **cells: str) -> dict[str, str]:
    return {caller: cells.get(caller, default) for caller in CALLERS}


def _everyone(status: str) -> dict[str, str]:
    return _row(status)


def _bearer(**cells: str) -> dict[str, str]:
    """An officials' route: tokens decide; bad tokens 401; a citizen's token 403."""
    base = {"citizen": "403", **{c: "401" for c in ("anonymous", "expired", "wrong_issuer")}}
    return _row("401", **{**base, **cells})


def _signed(**cells: str) -> dict[str, str]:
    """A webhook: only a valid signature is heard (a bearer token is no signature), and only
    from a client with the route's scope: the other clients are refused with 403."""
    return _row("401", **{**dict.fromkeys(_SIGNERS, "403"), **cells})


def _officials_of_a(status: str, other: str) -> dict[str, str]:
    return {**dict.fromkeys(_OFFICIALS, status), "other_agency": other}


AUTHORIZATION: dict[tuple[str, str], dict[str, str]] = {
    ("GET", "/v1/health"): _everyone("200"),
    ("GET", "/v1/openapi.json"): _everyone("200"),
    ("GET", "/v1/calendar/due-date"): _everyone("200"),
    ("GET", "/v1/procedures"): _everyone("200"),
    ("GET", "/v1/procedures/{code}"): _everyone("200"),
    ("GET", "/v1/public/dossiers/{code}"): _row("404", citizen="200"),
    ("POST", "/v1/webhooks/dossiers"): _signed(portal="202"),
    ("GET", "/v1/webhooks/receipts/{receipt_id}"): _signed(portal="200"),
    # B's system has the scope, but B takes no part in D (403 too: see RULES).
    ("POST", "/v1/webhooks/inter-agency/{code}/actions"): _signed(),
    ("POST", "/v1/webhooks/delivery-receipts"): _signed(gateway="202"),
    ("POST", "/v1/webhooks/opt-outs"): _signed(gateway="202"),
    ("POST", "/v1/dossiers"): _bearer(
        receiver="202", specialist="403", leader="403", admin="403", other_agency="403"
    ),
    ("GET", "/v1/intake/{receipt_id}"): _bearer(**_officials_of_a("200", "404")),
    ("POST", "/v1/dossiers/{code}/actions"): _bearer(**_officials_of_a("202", "403")),
    ("GET", "/v1/dossiers/{code}/commands/{command_id}"): _bearer(**_officials_of_a("200", "403")),
    ("GET", "/v1/dossiers/{code}"): _bearer(**_officials_of_a("200", "403")),
    ("GET", "/v1/worklist"): _bearer(**_officials_of_a("200", "200")),
    ("GET", "/v1/reports/766"): _bearer(**_officials_of_a("200", "403")),
}

# What each route's row means, in words (the OpenAPI description and docs/authorization.md).
RULES: dict[tuple[str, str], str] = {
    ("GET", "/v1/health"): "Public.",
    ("GET", "/v1/openapi.json"): "Public.",
    ("GET", "/v1/calendar/due-date"): "Public.",
    ("GET", "/v1/procedures"): "Public.",
    ("GET", "/v1/procedures/{code}"): "Public.",
    ("GET", "/v1/public/dossiers/{code}"): "Public, with the last 4 digits of the applicant's "
    "phone: without them, or with wrong ones, the answer is the 404 of an unknown code (a "
    "dossier without a phone cannot be looked up). Tokens and signatures give nothing more.",
    ("POST", "/v1/webhooks/dossiers"): "A signed client with scope `dossiers` (a portal).",
    ("GET", "/v1/webhooks/receipts/{receipt_id}"): "The signed client (scope `dossiers`) that "
    "made the receipt; another client's receipt answers 404.",
    ("POST", "/v1/webhooks/inter-agency/{code}/actions"): "A signed client with scope "
    "`inter-agency` that speaks for an agency involved in the dossier (403 otherwise); the "
    "transition worker then checks the state machine's roles and places for role `system`.",
    ("POST", "/v1/webhooks/delivery-receipts"): "A signed client with scope "
    "`delivery-receipts` (an SMS/ZNS gateway); 404 when no message has that provider and id.",
    ("POST", "/v1/webhooks/opt-outs"): "A signed client with scope `opt-outs` (an SMS/ZNS "
    "gateway).",
    ("POST", "/v1/dossiers"): "An official with the receiver role; the dossier is received at "
    "the official's own agency and unit.",
    ("GET", "/v1/intake/{receipt_id}"): "Any official of the agency whose counter made the "
    "receipt; another agency's receipt answers 404.",
    ("POST", "/v1/dossiers/{code}/actions"): "Any official of an agency involved in the dossier "
    "(receiving, resolving, any step's, any transfer's) is heard (202); the transition worker "
    "then applies the state machine's roles and places and records a refusal otherwise.",
    ("GET", "/v1/dossiers/{code}/commands/{command_id}"): "Officials of an agency involved "
    "in the dossier.",
    ("GET", "/v1/dossiers/{code}"): "Officials of an agency involved in the dossier.",
    ("GET", "/v1/worklist"): "Any official: the open dossiers their own agency holds.",
    ("GET", "/v1/reports/766"): "Officials of the agency reported on, or an admin of any agency.",
}


def authorization_table() -> str:
    """The matrix as a Markdown table (docs/authorization.md holds this exact text)."""
    callers = list(CALLERS)
    lines = [
        "| route | " + " | ".join(callers) + " |",
        "|---|" + "---|" * len(callers),
    ]
    for (method, path), row in AUTHORIZATION.items():
        cells = " | ".join(row[c] for c in callers)
        lines.append(f"| `{method} {path}` | {cells} |")
    return "\n".join(lines) + "\n"


# -- schemas -------------------------------------------------------------------------------------
_REQUEST_MODELS = (
    ActionRequest,
    SystemActionRequest,
    DeliveryReceipt,
    OptOut,
    DossierSubmission,
    DongBoHoSoMC,
)
_QUERY_MODELS = (DueDateQuery, WorklistQuery, ReportQuery)
_RESPONSE_TYPES: tuple[Any, ...] = (
    Procedure,
    Receipt,
    Refusal,
    Dossier,
    HistoryEntry,
    Attempt,
    FiredAlarm,
    Location,
    WorkingDuration,
    Counters,
    Indicator,
)


def _name(kind: Any) -> str:
    return kind.__name__


def _model_schemas() -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """Components from the models, and each query model's own (inline) schema."""
    inputs: list[tuple[str, Literal["validation", "serialization"], TypeAdapter[Any]]]
    inputs = [(_name(m), "validation", TypeAdapter(m)) for m in _REQUEST_MODELS]
    inputs += [(_name(t), "serialization", TypeAdapter(t)) for t in _RESPONSE_TYPES]
    _, defs = TypeAdapter.json_schemas(inputs, ref_template=REF)
    queries = {_name(m): m.model_json_schema(ref_template=REF) for m in _QUERY_MODELS}
    return _local_times(defs.get("$defs", {})), _local_times(queries)


# Pydantic says `format: time` for a `datetime.time`, which JSON Schema reads as RFC 3339's
# full-time, offset included; our times of day are Hà Nội's, without one ("15:00:00").
LOCAL_TIME = {
    "type": "string",
    "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?$",
    "description": "a time of day in Hà Nội (UTC+7), without an offset",
}


def _local_times(node: Any) -> Any:
    if isinstance(node, dict):
        if node.get("format") == "time":
            return {**{k: v for k, v in node.items() if k not in ("format", "type")},
                    **LOCAL_TIME}  # fmt: skip
        return {key: _local_times(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_local_times(value) for value in node]
    return node


def _ref(name: str) -> dict[str, str]:
    return {"$ref": REF.format(model=name)}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


def _object(properties: Mapping[str, Any], required: Iterable[str] = ()) -> dict[str, Any]:
    return {"type": "object", "properties": dict(properties), "required": list(required)}


def _extended(schemas: dict[str, Any], base: str, name: str, properties: Mapping[str, Any]) -> None:
    """`name`: the model `base` with the keys its view adds (its own schema may forbid them)."""
    schema = copy.deepcopy(schemas[base])
    schema["title"] = name
    schema["properties"].update(properties)
    schema.setdefault("required", []).extend(properties)
    schemas[name] = schema


STRING = {"type": "string"}
INTEGER = {"type": "integer"}
MOMENT = {"type": "string", "format": "date-time"}
DOSSIER_STATUS = {"type": "integer", "minimum": 1, "maximum": 10}


def _view_schemas(schemas: dict[str, Any]) -> None:
    """The views the services assemble (chalicelib/services/reading.py, reports.py)."""
    schemas["FieldError"] = _object(
        {
            "field": {**STRING, "description": "the field, a dotted path, a header or a query"},
            "reason": {**STRING, "description": "why, in English, for integrators"},
            "message": {**STRING, "description": "the same in Vietnamese, for the people"},
        },
        ["field", "reason", "message"],
    )
    schemas["Problem"] = {
        **_object(
            {
                "type": {**STRING, "format": "uri", "description": f"{PROBLEM_BASE}<kind>"},
                "title": {**STRING, "description": "in Vietnamese"},
                "status": {"type": "integer", "minimum": 400, "maximum": 599},
                "detail": STRING,
                "instance": {**STRING, "description": "the request path"},
                "errors": {"type": "array", "items": _ref("FieldError")},
            },
            ["type", "title", "status", "detail"],
        ),
        "description": "RFC 9457 problem details (application/problem+json).",
    }
    _extended(schemas, "Procedure", "ProcedureView", {"is_inter_agency": {"type": "boolean"}})
    _extended(
        schemas,
        "Receipt",
        "ReceiptView",
        {"dossier_url": {**STRING, "description": "set once accepted"}},
    )
    schemas["ReceiptView"]["required"].remove("dossier_url")
    schemas["QueuedReceipt"] = {
        "allOf": [_ref("ReceiptView"), _object({"status_url": STRING}, ["status_url"])]
    }
    schemas["QueuedCommand"] = _object(
        {"command_id": STRING, "status": {"const": "queued"}, "status_url": STRING},
        ["command_id", "status", "status_url"],
    )
    _extended(
        schemas,
        "Dossier",
        "DossierState",
        {"status_label": STRING, "procedure_name": _nullable(STRING)},
    )
    _extended(schemas, "HistoryEntry", "HistoryView", {"action_label": STRING})
    step = _object(
        {
            "index": INTEGER,
            "name": STRING,
            "role": STRING,
            "agency": STRING,
            "unit": STRING,
            "inter_agency": {"type": "boolean"},
            "duration": _ref("WorkingDuration"),
            "state": {"enum": ["done", "current", "pending"]},
            "entered_at": _nullable(MOMENT),
            "left_at": _nullable(MOMENT),
            "due_at": _nullable(MOMENT),
        },
        ["index", "name", "role", "agency", "unit", "inter_agency", "duration", "state"],
    )
    schemas["DossierView"] = _object(
        {
            "dossier": _ref("DossierState"),
            "steps": {"type": "array", "items": step},
            "history": {"type": "array", "items": _ref("HistoryView")},
            "refusals": {"type": "array", "items": _ref("Refusal")},
            "alarms": {"type": "array", "items": _ref("FiredAlarm")},
            "deliveries": {"type": "array", "items": _ref("Attempt")},
        },
        ["dossier", "steps", "history", "refusals", "alarms"],
    )
    schemas["PublicDossier"] = _object(
        {
            "code": STRING,
            "procedure": STRING,
            "status": DOSSIER_STATUS,
            "status_label": STRING,
            "current_step": _nullable(STRING),
            "received_at": _nullable(MOMENT),
            "due_at": _nullable(MOMENT),
        },
        ["code", "procedure", "status", "status_label", "current_step", "due_at"],
    )
    schemas["Command"] = {
        "oneOf": [
            _object(
                {"command_id": STRING, "status": {"const": "queued"}}, ["command_id", "status"]
            ),
            _object(
                {"command_id": STRING, "status": {"const": "applied"}, "version": INTEGER},
                ["command_id", "status", "version"],
            ),
            {
                "allOf": [
                    _ref("Refusal"),
                    # failed: not applied after every try, dead-lettered for the operators
                    _object({"status": {"enum": ["refused", "failed"]}}, ["status"]),
                ]
            },
        ]
    }
    item = _object(
        {
            "code": STRING,
            "procedure_code": STRING,
            "procedure_name": _nullable(STRING),
            "status": DOSSIER_STATUS,
            "status_label": STRING,
            "step_index": INTEGER,
            "step_name": _nullable(STRING),
            "holder": _ref("Location"),
            "due_at": _nullable(MOMENT),
            "step_due_at": _nullable(MOMENT),
            "version": INTEGER,
        },
        ["code", "procedure_code", "status", "step_index", "holder", "version"],
    )
    schemas["Worklist"] = _object(
        {
            "items": {"type": "array", "items": item},
            "next_cursor": {
                **_nullable(STRING),
                "description": "pass as `cursor` for the next page; null on the last",
            },
        },
        ["items", "next_cursor"],
    )
    procedure_info = _object(
        {"code": STRING, "version": INTEGER, "name": STRING, "cutoff": _nullable(STRING)},
        ["code", "version", "name", "cutoff"],
    )
    schemas["DueDate"] = _object(
        {
            "received_at": MOMENT,
            "counted_from": MOMENT,
            "due_at": MOMENT,
            "time_limit": _ref("WorkingDuration"),
            "procedure": _nullable(procedure_info),
        },
        ["received_at", "counted_from", "due_at", "time_limit", "procedure"],
    )
    schemas["Report766"] = _object(
        {
            "agency": STRING,
            "from": STRING,
            "to": STRING,
            "counts": _ref("Counters"),
            "indicators": {"type": "object", "additionalProperties": _ref("Indicator")},
            "rows": {
                "type": "array",
                "items": {
                    "allOf": [
                        _ref("Counters"),
                        _object({"month": STRING, "procedure": STRING}, ["month", "procedure"]),
                    ]
                },
            },
        },
        ["agency", "from", "to", "counts", "indicators", "rows"],
    )


# -- parameters and responses --------------------------------------------------------------------
def _query_parameters(schema: dict[str, Any]) -> list[dict[str, Any]]:
    """A query model's fields as query parameters (a query string has no null: drop it)."""
    required = set(schema.get("required", ()))
    parameters = []
    for name, field in schema["properties"].items():
        field = {k: v for k, v in field.items() if k != "title"}
        branches = field.pop("anyOf", None)
        if branches:
            field.update(next(b for b in branches if b.get("type") != "null"))
        if field.get("default", "") is None:
            del field["default"]
        parameters.append(
            {"name": name, "in": "query", "required": name in required, "schema": field}
        )
    return parameters


def _path(name: str, description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": {"type": "string"},
    }


CODE = _path(
    "code",
    "a dossier code of this province, e.g. 000.00.41.H19-260105-0001 (another form: 400)",
)
IDEMPOTENCY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "A retried POST with the same key names the same command: it applies once.",
    "schema": {"type": "string", "pattern": IDEMPOTENCY_KEY.pattern},
}

_ERRORS = {
    "400": ("BadRequest", "The input is not valid: `errors` names each field at fault."),
    "401": ("Unauthorized", "No valid credentials: a bearer token or a webhook signature."),
    "403": ("Forbidden", "Authenticated, but not allowed: see `x-motcua-authorization`."),
    "404": ("NotFound", "No such resource (or not yours to know of)."),
    "413": ("TooLarge", "The body is larger than the limit (256 KiB by default)."),
    "415": ("UnsupportedMediaType", "The body is not `application/json`."),
    "500": ("InternalError", "A fault of ours: logged, nothing half-written."),
    "503": ("Unavailable", "The token issuer's keys cannot be fetched: try again later."),
}


def _problem_response(status: str, description: str) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": f"{description} ({TITLES_VI.get(int(status), 'Lỗi')})",
        "content": {PROBLEM_JSON: {"schema": _ref("Problem")}},
    }
    if status == "401":
        response["headers"] = {
            "WWW-Authenticate": {
                "description": '`Bearer realm="motcua"…` or '
                '`Motcua-Signature realm="motcua-webhooks"`',
                "schema": STRING,
            }
        }
    return response


def _json(schema: dict[str, Any], description: str, **extra: Any) -> dict[str, Any]:
    return {"description": description, "content": {JSON: {"schema": schema}}, **extra}


LOCATION = {"Location": {"description": "where to ask what became of it", "schema": STRING}}


def _operation(
    method: str,
    path: str,
    *,
    tag: str,
    summary: str,
    ok: dict[str, dict[str, Any]],
    errors: Iterable[str] = (),
    parameters: Sequence[dict[str, Any]] = (),
    body: dict[str, Any] | None = None,
    description: str = "",
    wrapped: bool = True,
) -> tuple[tuple[str, str], dict[str, Any]]:
    """One operation; `wrapped`: behind the problem+json wrapper (its faults are 500 problems)."""
    key = (method, path)
    security = {"bearerAuth": BEARER, "signed": SIGNED}.get(_security_of(key), PUBLIC)
    row = AUTHORIZATION[key]
    who = ", ".join(f"{caller} {status}" for caller, status in row.items())
    codes = set(errors) | ({"500"} if wrapped else set())
    if security is BEARER:
        codes |= {"401", "403", "503"}
    elif security is SIGNED:
        codes |= {"401", "403"}  # 403: a client without the route's scope
    if body is not None:
        codes |= {"400", "413", "415"}
    if any(p is CODE for p in parameters):
        codes.add("400")  # not a dossier code of this province
    responses = dict(ok)
    responses.update({code: {"$ref": f"#/components/responses/{_ERRORS[code][0]}"}
                      for code in sorted(codes)})  # fmt: skip
    operation: dict[str, Any] = {
        "tags": [tag],
        "summary": summary,
        "operationId": _operation_id(method, path),
        "description": (description + "\n\n" if description else "")
        + f"**Authorization.** {RULES[key]}\n\nMatrix (docs/authorization.md): {who}.",
        "security": security,
        "parameters": list(parameters),
        "responses": responses,
        "x-motcua-authorization": row,
    }
    if body is not None:
        operation["requestBody"] = {"required": True, "content": {JSON: {"schema": body}}}
    return key, operation


def _security_of(key: tuple[str, str]) -> str:
    row = AUTHORIZATION[key]
    if row["anonymous"] != "401":
        return "public"
    return "signed" if any(row[s] != "401" for s in _SIGNERS) else "bearerAuth"


def _operation_id(method: str, path: str) -> str:
    words = [p.strip("{}").replace("-", "_").replace(".", "_") for p in path.split("/")[2:]]
    return method.lower() + "_" + "_".join(w for w in words if w)


def _operations(
    queries: dict[str, dict[str, Any]],
) -> list[tuple[tuple[str, str], dict[str, Any]]]:
    receipt_id = _path("receipt_id", "the receipt id returned with 202 (at most 64 characters)")
    command_id = _path("command_id", "the command id returned with 202")
    return [
        _operation(
            "GET", "/v1/health", tag="public", summary="Liveness", wrapped=False,
            ok={"200": _json(_object({"status": {"const": "ok"}, "service": STRING},
                                     ["status", "service"]), "alive")},
        ),
        _operation(
            "GET", "/v1/openapi.json", tag="public", summary="This document",
            ok={"200": _json({"type": "object", "required": ["openapi", "paths"]},
                             "the OpenAPI 3.1 description of the API")},
        ),
        _operation(
            "GET", "/v1/calendar/due-date", tag="public",
            summary="When is a dossier received at a moment due?",
            description="`received_at` with `working_days` or `working_hours` (exactly one), "
            "or a `procedure` whose cut-off and time limit apply. A naive `received_at` is "
            "Hà Nội time.",
            parameters=_query_parameters(queries["DueDateQuery"]),
            ok={"200": _json(_ref("DueDate"), "the appointment date")}, errors=["400"],
        ),
        _operation(
            "GET", "/v1/procedures", tag="public", summary="The procedure catalog",
            ok={"200": _json(_object({"items": {"type": "array",
                                                "items": _ref("ProcedureView")}}, ["items"]),
                             "every version of every procedure")},
        ),
        _operation(
            "GET", "/v1/procedures/{code}", tag="public", summary="One procedure's versions",
            parameters=[_path("code", "the national procedure code, e.g. 1.001193")],
            ok={"200": _json(_object({"current": _nullable(_ref("ProcedureView")),
                                      "versions": {"type": "array",
                                                   "items": _ref("ProcedureView")}},
                                     ["current", "versions"]),
                             "the version in force now and every version")},
            errors=["404"],
        ),
        _operation(
            "GET", "/v1/public/dossiers/{code}", tag="public",
            summary="A citizen's lookup: status, current step, appointment date",
            description="No personal data. A wrong or missing phone answers exactly like an "
            "unknown code.",
            parameters=[CODE, {"name": "phone_last4", "in": "query", "required": True,
                               "description": "the last 4 digits of the applicant's phone",
                               "schema": {"type": "string", "pattern": "^[0-9]{4}$"}}],
            ok={"200": _json(_ref("PublicDossier"), "the dossier, as a citizen sees it")},
            errors=["404"],
        ),
        _operation(
            "POST", "/v1/webhooks/dossiers", tag="portals",
            summary="A portal sends a dossier (our schema or a DongBoHoSoMC item)",
            description="See docs/intake-schema.md. Queued: the receipt says what became of "
            "it. The national portal's envelope `{service, data: [item]}` is accepted too.",
            body={"oneOf": [_ref("DossierSubmission"), _ref("DongBoHoSoMC"),
                            _object({"service": {"const": "DongBoHoSoMC"},
                                     "data": {"type": "array", "minItems": 1, "maxItems": 1,
                                              "items": _ref("DongBoHoSoMC")}}, ["data"])]},
            ok={"202": _json(_ref("QueuedReceipt"), "queued", headers=LOCATION)},
        ),
        _operation(
            "GET", "/v1/webhooks/receipts/{receipt_id}", tag="portals",
            summary="What became of a portal's dossier",
            description="Signed over an empty body; a read may repeat its signature.",
            parameters=[receipt_id],
            ok={"200": _json(_ref("ReceiptView"), "queued, accepted or refused")},
            errors=["404"],
        ),
        _operation(
            "POST", "/v1/webhooks/inter-agency/{code}/actions", tag="portals",
            summary="Another agency's system reports its part of an inter-agency step",
            parameters=[CODE, IDEMPOTENCY], body=_ref("SystemActionRequest"),
            ok={"202": _json(_ref("QueuedCommand"), "queued", headers=LOCATION)},
            errors=["403", "404"],
        ),
        _operation(
            "POST", "/v1/webhooks/delivery-receipts", tag="portals",
            summary="An SMS/ZNS provider reports what became of a message",
            body=_ref("DeliveryReceipt"),
            ok={"202": _json(_object({"recorded": {"const": True}}, ["recorded"]), "recorded")},
            errors=["404"],
        ),
        _operation(
            "POST", "/v1/webhooks/opt-outs", tag="portals",
            summary="A phone opts out of (or back into) survey invitations",
            description="Legally required notices are sent whatever the choice.",
            body=_ref("OptOut"),
            ok={"202": _json(_object({"phone": STRING, "opted_out": {"type": "boolean"}},
                                     ["phone", "opted_out"]), "recorded")},
        ),
        _operation(
            "POST", "/v1/dossiers", tag="officials",
            summary="The counter receives a dossier in person (channel 1) or by post (3)",
            body=_ref("DossierSubmission"),
            ok={"202": _json(_ref("QueuedReceipt"), "queued", headers=LOCATION)},
        ),
        _operation(
            "GET", "/v1/intake/{receipt_id}", tag="officials",
            summary="What became of a dossier received at the counter",
            parameters=[receipt_id],
            ok={"200": _json(_ref("ReceiptView"), "queued, accepted or refused")},
            errors=["404"],
        ),
        _operation(
            "POST", "/v1/dossiers/{code}/actions", tag="officials",
            summary="An official acts on a dossier",
            description="Applied by the transition worker, in order, once; "
            "`expected_version` must be the version the official read.",
            parameters=[CODE, IDEMPOTENCY], body=_ref("ActionRequest"),
            ok={"202": _json(_ref("QueuedCommand"), "queued", headers=LOCATION)},
            errors=["404"],
        ),
        _operation(
            "GET", "/v1/dossiers/{code}/commands/{command_id}", tag="officials",
            summary="What became of an action",
            parameters=[CODE, command_id],
            ok={"200": _json(_ref("Command"), "queued, applied, refused or failed (dead letter)")},
            errors=["404"],
        ),
        _operation(
            "GET", "/v1/dossiers/{code}", tag="officials",
            summary="A dossier: state, steps, history, refusals, alarms, deliveries",
            parameters=[CODE],
            ok={"200": _json(_ref("DossierView"), "the dossier")},
            errors=["404"],
        ),
        _operation(
            "GET", "/v1/worklist", tag="officials",
            summary="The open dossiers the official's agency holds, by due date",
            parameters=_query_parameters(queries["WorklistQuery"]),
            ok={"200": _json(_ref("Worklist"), "one page")}, errors=["400"],
        ),
        _operation(
            "GET", "/v1/reports/766", tag="officials",
            summary="QĐ 766 indicators of an agency over a range of months",
            parameters=_query_parameters(queries["ReportQuery"]),
            ok={"200": {"description": "the indicators and the counts behind them",
                        "content": {JSON: {"schema": _ref("Report766")},
                                    "text/csv": {"schema": STRING}}}},
            errors=["400"],
        ),
    ]  # fmt: skip


@cache
def document() -> dict[str, Any]:
    """The whole OpenAPI document (built once per process)."""
    defs, queries = _model_schemas()
    schemas = dict(sorted(defs.items()))
    _view_schemas(schemas)
    paths: dict[str, dict[str, Any]] = {}
    for (method, path), operation in _operations(queries):
        paths.setdefault(path, {})[method.lower()] = operation
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "motcua",
            "version": "1",
            "description": "The engine of a Vietnamese province's electronic one-stop shop "
            "(Một cửa điện tử). Errors are application/problem+json (RFC 9457). Who may call "
            "what: docs/authorization.md, and `x-motcua-authorization` on each operation.",
        },
        "tags": [
            {"name": "public", "description": "anyone"},
            {"name": "portals", "description": "other systems, by signed webhook"},
            {"name": "officials", "description": "officials, with a bearer token"},
        ],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "responses": {
                name: _problem_response(status, text) for status, (name, text) in _ERRORS.items()
            },
            "securitySchemes": _security_schemes(),
        },
    }


def _security_schemes() -> dict[str, Any]:
    return {
        "bearerAuth": {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "An official's token: claims `sub`, `name`, `agency` (QCVN 102 "
            f"code, {AGENCY_CODE.pattern}), optional `unit`, `roles` (receiver, specialist, "
            "leader, admin), `iss`, `aud`, `exp`, `iat`. RS256 via the issuer's JWKS; HS256 "
            "with a development key on the dev and local stages. A token with no known role "
            "is refused with 403.",
        },
        "webhookClient": {
            "type": "apiKey",
            "in": "header",
            "name": CLIENT_HEADER,
            "description": "The registered client id (its secret and scopes are in SSM); a "
            "client without the route's scope is refused with 403.",
        },
        "webhookSignature": {
            "type": "apiKey",
            "in": "header",
            "name": SIGNATURE_HEADER,
            "description": '`t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`;'
            f" refused outside ±{DEFAULT_TOLERANCE} s or when already used (writes).",
        },
    }
