"""The OpenAPI 3.1 description of the API, served at GET /v1/openapi.json, made from the app.

Its operations are app.py's routes (Chalice's `app.routes`), each as its `@route_doc` says
(chalicelib/http/route_docs.py); its schemas are the pydantic models the routes parse requests
with (request_models.py, the intake's schemas) and the views they answer with (views.py); who
may call what is the authorization matrix (authorization.py). Every refusal is the problem
document of problems.py. tests/unit/test_openapi.py fails when a route has no `@route_doc`.

Built on first request and cached: the pydantic schemas cost ~50 ms, the route nothing more.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from pydantic import BaseModel, TypeAdapter
from pydantic.json_schema import JsonSchemaMode

from chalicelib.auth.signatures import CLIENT_HEADER, DEFAULT_TOLERANCE, SIGNATURE_HEADER
from chalicelib.domain.identifiers import AGENCY_CODE
from chalicelib.http import route_docs
from chalicelib.http.authorization import AUTHORIZATION, RULES, Route, security_of
from chalicelib.http.problems import PROBLEM_JSON, TITLES_VI
from chalicelib.http.requests import IDEMPOTENCY_KEY
from chalicelib.http.route_docs import RouteDoc
from chalicelib.http.views import REF, ProblemDetails

OPENAPI_VERSION = "3.1.0"
JSON = "application/json"
STRING = {"type": "string"}
SECURITY: dict[str, list[dict[str, list[str]]]] = {
    "public": [],
    "bearer": [{"bearerAuth": []}],
    "signed": [{"webhookClient": [], "webhookSignature": []}],
}

_ERRORS = {
    400: ("BadRequest", "The input is not valid: `errors` names each field at fault."),
    401: ("Unauthorized", "No valid credentials: a bearer token or a webhook signature."),
    403: ("Forbidden", "Authenticated, but not allowed: see `x-motcua-authorization`."),
    404: ("NotFound", "No such resource (or not yours to know of)."),
    409: ("Conflict", "The request contradicts what is stored: `errors` names the field."),
    413: ("TooLarge", "The body is larger than the limit (256 KiB by default)."),
    415: ("UnsupportedMediaType", "The body is not `application/json`."),
    422: ("Unprocessable", "Well-formed, but contradicts an earlier request under the same key."),
    429: ("TooManyRequests", "Too many wrong guesses for now: `Retry-After` says when to retry."),
    500: ("InternalError", "A fault of ours: logged, nothing half-written."),
    503: ("Unavailable", "The token issuer's keys cannot be fetched: try again later."),
}
# What each kind of caller may be refused with, whatever the route (authorization.py).
_SECURITY_REFUSALS = {"public": (), "bearer": (401, 403, 503), "signed": (401, 403)}


def _path(name: str, description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": STRING,
    }


# The parameters route_docs names; a dossier code's form is checked (400 otherwise).
PARAMETERS: dict[str, dict[str, Any]] = {
    route_docs.DOSSIER_CODE: _path(
        "code",
        "a dossier code of this province, e.g. 000.00.41.H19-260105-0001 (another form: 400)",
    ),
    route_docs.PROCEDURE_CODE: _path("code", "the national procedure code, e.g. 1.001193"),
    route_docs.RECEIPT_ID: _path(
        "receipt_id", "the receipt id returned with 202 (another form: 404 naming it)"
    ),
    route_docs.COMMAND_ID: _path(
        "command_id", "the command id returned with 202 (another form: 404 naming it)"
    ),
    route_docs.FILE_ID: _path(
        "file_id", "a file id of the dossier's list (32 hex digits; another form: 404 naming it)"
    ),
    route_docs.FORM: _path(
        "form", "a form of Thông tư 03/2025 (01-06 for a dossier; another: 400 naming it)"
    ),
    route_docs.AGENCY: _path(
        "agency", "an agency code, e.g. 000.00.41.H19 (another form: 400 naming it)"
    ),
    route_docs.FILE_TOKEN: _path(
        "token", "a file link's token, as the national portal was given it (another: 404)"
    ),
    route_docs.RATING_TOKEN: _path(
        "token", "the token of a rating invitation's link (another: 404 naming it)"
    ),
    route_docs.FEEDBACK_ID: _path(
        "feedback_id", "a PAKN's id, e.g. PA-3F2A9C1B0D4E (another form: 404 naming it)"
    ),
    route_docs.PAYMENT_PLATFORM: _path(
        "platform", "the payment platform this system is wired to, e.g. paygov (another: 404)"
    ),
    route_docs.TRANSACTION_ID: _path(
        "transaction_id", "the platform's transaction id of a recorded payment (another: 404)"
    ),
    route_docs.RECEIPT_NUMBER: _path(
        "number", "a receipt's number, as printed (1 to 7 digits; another form: 400 naming it)"
    ),
    route_docs.IDEMPOTENCY: {
        "name": "Idempotency-Key",
        "in": "header",
        "required": False,
        "description": "A retried POST with the same key names the same command: it applies once.",
        "schema": {"type": "string", "pattern": IDEMPOTENCY_KEY.pattern},
    },
    route_docs.RECEIPT_PIN: {
        "name": "pin",
        "in": "query",
        "required": False,
        "description": "the receipt PIN printed on the receipt and sent with the receipt notice "
        "(8 characters of 23456789ABCDEFGHJKMNPQRSTWXYZ, case, spaces and dashes ignored; "
        "another form: 400)",
        "schema": {"type": "string", "maxLength": 16},
    },
    route_docs.PHONE_LAST4: {
        "name": "phone_last4",
        "in": "query",
        "required": False,
        "description": "the last 4 digits of the applicant's phone: only for dossiers opened "
        "before receipt PINs",
        "schema": {"type": "string", "pattern": "^[0-9]{4}$"},
    },
}
LOCATION = {"Location": {"description": "where to ask what became of it", "schema": STRING}}

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


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": REF.format(model=model.__name__)}


def _schemas(docs: list[RouteDoc]) -> dict[str, Any]:
    """Components: every body the routes parse (validation) and every answer (serialization)."""
    bodies = {route_docs.resolve(m) for doc in docs for m in doc.body}
    answers = {route_docs.resolve(a.model) for doc in docs for a in doc.answers.values()}
    inputs: list[tuple[Any, JsonSchemaMode, TypeAdapter[Any]]]
    inputs = [(m, "validation", TypeAdapter(m)) for m in sorted(bodies, key=_name)]
    inputs += [(m, "serialization", TypeAdapter(m)) for m in sorted(answers, key=_name)]
    inputs.append((ProblemDetails, "serialization", TypeAdapter(ProblemDetails)))
    _, defs = TypeAdapter.json_schemas(inputs, ref_template=REF)
    return dict(sorted(_local_times(defs.get("$defs", {})).items()))


def _name(model: type) -> str:
    return model.__name__


def _query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    """A query model's fields as query parameters (a query string has no null: drop it)."""
    schema = _local_times(model.model_json_schema(ref_template=REF))
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


def statuses(route: Route, doc: RouteDoc) -> set[int]:
    """Every status the route is documented to answer."""
    codes = set(doc.answers) | set(doc.refusals) | set(_SECURITY_REFUSALS[security_of(route)])
    if doc.wrapped:
        codes.add(500)
    if doc.body:
        codes |= {400, 413, 415}
    if route_docs.DOSSIER_CODE in doc.params:
        codes.add(400)  # not a dossier code of this province
    return codes


def _answer(answer: route_docs.Answer) -> dict[str, Any]:
    schema = _ref(route_docs.resolve(answer.model))
    content: dict[str, Any] = {JSON: {"schema": schema}}
    if answer.csv:
        content["text/csv"] = {"schema": STRING}
    response: dict[str, Any] = {"description": answer.description, "content": content}
    if answer.location:
        response["headers"] = LOCATION
    return response


def _operation(route: Route, doc: RouteDoc) -> dict[str, Any]:
    method, path = route
    row = AUTHORIZATION[route]
    who = ", ".join(f"{caller} {status}" for caller, status in row.items())
    responses: dict[str, Any] = {str(s): _answer(a) for s, a in sorted(doc.answers.items())}
    for status in sorted(statuses(route, doc) - set(doc.answers)):
        responses[str(status)] = {"$ref": f"#/components/responses/{_ERRORS[status][0]}"}
    parameters = [PARAMETERS[name] for name in doc.params]
    if doc.query is not None:
        parameters += _query_parameters(route_docs.resolve(doc.query))
    operation: dict[str, Any] = {
        "tags": [doc.tag],
        "summary": doc.summary,
        "operationId": _operation_id(method, path),
        "description": (doc.description + "\n\n" if doc.description else "")
        + f"**Authorization.** {RULES[route]}\n\nMatrix (docs/authorization.md): {who}.",
        "security": SECURITY[security_of(route)],
        "parameters": parameters,
        "responses": responses,
        "x-motcua-authorization": row,
    }
    if doc.body:
        bodies = [_ref(route_docs.resolve(m)) for m in doc.body]
        schema = bodies[0] if len(bodies) == 1 else {"oneOf": bodies}
        operation["requestBody"] = {"required": True, "content": {JSON: {"schema": schema}}}
    return operation


def _operation_id(method: str, path: str) -> str:
    words = [p.strip("{}").replace("-", "_").replace(".", "_") for p in path.split("/")[2:]]
    return method.lower() + "_" + "_".join(w for w in words if w)


def _problem_response(status: int, description: str) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": f"{description} ({TITLES_VI.get(status, 'Lỗi')})",
        "content": {PROBLEM_JSON: {"schema": _ref(ProblemDetails)}},
    }
    if status == 401:
        response["headers"] = {
            "WWW-Authenticate": {
                "description": '`Bearer realm="motcua"…` or '
                '`Motcua-Signature realm="motcua-webhooks"`',
                "schema": STRING,
            }
        }
    return response


def documented_routes() -> dict[Route, RouteDoc]:
    """app.py's routes with their documentation; a route without any fails here."""
    from app import app  # the routes are registered on import: the app is imported by now

    described = route_docs.routes(app)
    missing = sorted(route for route, doc in described.items() if doc is None)
    if missing:
        raise LookupError(f"routes without @route_doc: {missing}")
    return {route: doc for route, doc in described.items() if doc is not None}


@cache
def document() -> dict[str, Any]:
    """The whole OpenAPI document (built once per process)."""
    routes = documented_routes()
    paths: dict[str, dict[str, Any]] = {}
    for route, doc in routes.items():
        paths.setdefault(route[1], {})[route[0].lower()] = _operation(route, doc)
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
            "schemas": _schemas(list(routes.values())),
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
            "with a development key on the dev and local stages (the published one on local "
            "only). `exp` and `iat` are numbers, `exp - iat` at most the stage's cap. A token "
            "with no known role is refused with 403.",
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
            "description": "`t=<unix seconds>,v2=<hex HMAC-SHA256(secret, canonical request)>`, "
            "the canonical request being `v2`, the method, the canonical path?query, the client "
            "id, `t` and the hex SHA-256 of the raw body, one a line (docs/authorization.md); "
            f"refused outside ±{DEFAULT_TOLERANCE} s, when already used (writes), or when made "
            "for another request. `v1` only from a client flagged as migrating.",
        },
    }
