"""Glue between Chalice routes and the services: parse input, map errors to problem+json."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from chalicelib import observability
from chalicelib.http.problems import Problem, from_validation_error, problem_for
from chalicelib.services.errors import FieldIssue

Model = TypeVar("Model", bound=BaseModel)


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
