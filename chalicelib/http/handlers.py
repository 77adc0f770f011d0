"""Glue between Chalice routes and the services: parse input, map errors to problem+json."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from chalicelib import observability
from chalicelib.domain.errors import DomainError
from chalicelib.http.problems import FieldError, Problem, from_validation_error

Model = TypeVar("Model", bound=BaseModel)


def parse_query(model: type[Model], params: Mapping[str, str] | None) -> Model:
    try:
        return model.model_validate(dict(params or {}))
    except ValidationError as exc:
        raise from_validation_error(exc, "the query parameters are not valid") from exc


def answers_problems(current_path: Callable[[], str | None]) -> Callable[[Callable[..., Any]], Any]:
    """Wrap a route so that any refusal becomes an RFC 9457 problem response."""

    def decorate(route: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(route)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return route(*args, **kwargs)
            except Problem as problem:
                return problem.to_response(current_path())
            except DomainError as exc:
                field = exc.field or "body"
                problem = Problem(
                    400,
                    exc.message,
                    kind=exc.code.replace("_", "-"),
                    errors=[FieldError(field, exc.message)],
                )
                return problem.to_response(current_path())
            except Exception:
                observability.get_logger().exception("unhandled error")
                return Problem(500, "internal error", kind="internal").to_response(current_path())

        return wrapper

    return decorate
