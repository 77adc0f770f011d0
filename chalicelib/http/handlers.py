"""Glue between Chalice routes and the services: parse input, map errors to problem+json."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from chalicelib import observability
from chalicelib.http.problems import Problem, from_validation_error, problem_for
from chalicelib.services.errors import FieldIssue, NotFound

Model = TypeVar("Model", bound=BaseModel)
# The ids this API issues (receipts', commands': UUIDs, `update-<hex>`) are of this form; a
# path id of another form names nothing, and is answered before any read: DynamoDB refuses a
# key over 1,024/2,048 bytes with an error (a 500) that moto does not reproduce.
ISSUED_ID = re.compile(r"[A-Za-z0-9_.:-]{1,128}")
PROCEDURE_CODE = re.compile(r"[0-9]\.[0-9]{6}")


def parse_query(model: type[Model], params: Mapping[str, str] | None) -> Model:
    try:
        return model.model_validate(dict(params or {}))
    except ValidationError as exc:
        raise from_validation_error(exc, "the query parameters are not valid") from exc


def dossier_code(code: str, province: str) -> str:
    """A dossier code in a path: well formed and of the province this system serves, else a
    400 naming `code` (a code of another province never names one of our dossiers). Only its
    form is checked: whether the dossier exists is the route's answer to give."""
    # Here, not at import: every function imports app.py (for `answers_problems`), only the API
    # reads codes in paths, and the intake checks compile their patterns when imported.
    from chalicelib.intake.checks import check_dossier_code
    from chalicelib.intake.errors import CheckFailed

    try:
        return check_dossier_code(code, province=province)
    except CheckFailed as failure:
        raise Problem(
            400,
            f"dossier code: {failure.reason}",
            kind="validation",
            errors=[FieldIssue("code", failure.reason, failure.message_vi)],
        ) from None


def issued_id(value: str, field: str) -> str:
    """A receipt's or a command's id in a path, of the form this API issues; else 404 naming
    `field` (an id of another form was never issued: it does not exist)."""
    if ISSUED_ID.fullmatch(value):
        return value
    raise NotFound(
        f"{field}: no such id (1-128 of A-Z, a-z, 0-9, _ . : -)",
        errors=[FieldIssue(field, "never issued by this API", "Không tìm thấy mã này")],
    )


def procedure_code(value: str) -> str:
    """A procedure code in a path (`1.001193`); another form is in no catalog: 404."""
    if PROCEDURE_CODE.fullmatch(value):
        return value
    raise NotFound(
        "code: not a procedure code of the form 1.001193",
        errors=[FieldIssue("code", "not a procedure code", "Không tìm thấy thủ tục")],
    )


def answers_problems(current_path: Callable[[], str | None]) -> Callable[[Callable[..., Any]], Any]:
    """Wrap a route so that any refusal becomes an RFC 9457 problem response: the one error
    boundary between the use cases and HTTP. Anything else is a fault: logged, answered 500."""

    def decorate(route: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(route)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return route(*args, **kwargs)
            except Exception as error:
                problem = problem_for(error)
                if problem is None:
                    observability.get_logger().exception("unhandled error")
                    problem = Problem(500, "internal error", kind="internal")
                return problem.to_response(current_path())

        return wrapper

    return decorate
