"""What each route of app.py answers, said beside it: the OpenAPI document is made from this.

    @route_doc(tag="officials", summary="…", params=(DOSSIER_CODE,), body=ActionRequest,
               answers={202: Answer("QueuedCommand", "queued", location=True)}, refusals=(404,))
    @app.route("/v1/dossiers/{code}/actions", methods=["POST"], …)

A route's who-may-call (its 401 and 403, its security) is not said here: it is the route's row
of the authorization matrix (chalicelib/http/authorization.py).

Models are named by their class, or by their class name when loading them would cost the app
its cold start (the answers' views, the intake's schemas, the request models: every function
imports app.py, and only the API parses requests): `"DossierView"` is a view of
chalicelib/http/views.py, `"chalicelib.intake.schema:DossierSubmission"` a class of a module;
the document loads them when it is first built.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel

Model = type[BaseModel] | str  # a class, or the name of one (see the docstring)
Function = TypeVar("Function", bound=Callable[..., Any])
VIEWS = "chalicelib.http.views"
API_PREFIX = "/v1/"

# Parameters the routes share, by name (the document says what each is: openapi.PARAMETERS).
DOSSIER_CODE = "dossier_code"  # {code}: a dossier code of this province (another form: 400)
PROCEDURE_CODE = "procedure_code"  # {code}: a national procedure code
RECEIPT_ID = "receipt_id"
COMMAND_ID = "command_id"
FILE_ID = "file_id"
FORM = "form"  # {form}: 01-07 of Thông tư 03/2025
AGENCY = "agency"  # {agency}: an agency code of the registry
FILE_TOKEN = "file_token"  # {token}: a public file link's token (services/file_links.py)
RATING_TOKEN = "rating_token"  # {token}: a rating invitation's token (services/rating_links.py)
FEEDBACK_ID = "feedback_id"  # {feedback_id}: a PAKN's id (PA-…)
PAYMENT_PLATFORM = "payment_platform"  # {platform}: the payment platform's name ("paygov")
TRANSACTION_ID = "transaction_id"  # {transaction_id}: the platform's id of a payment
RECEIPT_NUMBER = "receipt_number"  # {number}: a receipt's number in its series
IDEMPOTENCY = "idempotency_key"
PHONE_LAST4 = "phone_last4"
RECEIPT_PIN = "receipt_pin"


@dataclass(frozen=True)
class Answer:
    """A success: its body's model, in words, and whether a Location header says where to look
    next; `csv`: the same answer also comes as text/csv."""

    model: Model
    description: str
    location: bool = False
    csv: bool = False


@dataclass(frozen=True)
class RouteDoc:
    tag: str
    summary: str
    answers: Mapping[int, Answer]
    description: str = ""
    params: tuple[str, ...] = ()  # the shared parameters above, in order
    query: Model | None = None  # the model the query string is parsed with
    body: tuple[Model, ...] = ()  # the body's models: one of them (oneOf)
    refusals: tuple[int, ...] = ()  # statuses besides the matrix's, the body's and a fault's
    wrapped: bool = True  # behind the problem+json wrapper: a fault is a 500 problem


# The route functions' documentation, by function name (Chalice's RouteEntry.view_name).
REGISTRY: dict[str, RouteDoc] = {}


def route_doc(
    *,
    tag: str,
    summary: str,
    answers: Mapping[int, Answer],
    description: str = "",
    params: tuple[str, ...] = (),
    query: Model | None = None,
    body: Model | tuple[Model, ...] = (),
    refusals: tuple[int, ...] = (),
    wrapped: bool = True,
) -> Callable[[Function], Function]:
    """Record what the route function below answers; the function is left as it is."""

    def record(function: Function) -> Function:
        name = function.__name__
        assert name not in REGISTRY, f"{name} is documented twice"
        REGISTRY[name] = RouteDoc(
            tag=tag,
            summary=summary,
            answers=answers,
            description=description,
            params=params,
            query=query,
            body=body if isinstance(body, tuple) else (body,),
            refusals=refusals,
            wrapped=wrapped,
        )
        return function

    return record


def is_api(path: str) -> bool:
    """The API is /v1; the other routes are pages for people (chalicelib/web), HTML, not in
    the API's document nor its authorization matrix."""
    return path.startswith(API_PREFIX)


def routes(app: Any) -> dict[tuple[str, str], RouteDoc | None]:
    """Every (method, path) of a Chalice app's API, with its documentation (None: it has none)."""
    return {
        (method, path): REGISTRY.get(entry.view_name)
        for path, methods in app.routes.items()
        if is_api(path)
        for method, entry in methods.items()
    }


def resolve(model: Model) -> type[BaseModel]:
    """The class a route's documentation names."""
    if not isinstance(model, str):
        return model
    module, _, name = model.rpartition(":")
    return getattr(importlib.import_module(module or VIEWS), name)
