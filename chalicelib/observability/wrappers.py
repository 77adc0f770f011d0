"""What app.py wraps its handlers with: Lambda context keys, a clean correlation scope, and the
metrics flushed at the end (Lambda traces the invocation itself: tracing.py)."""

from __future__ import annotations

import contextlib
import functools
import re
import time
from collections.abc import Callable, Iterator
from typing import Any

from chalicelib.observability.logs import bind_dossier, formatter, get_logger, scope
from chalicelib.observability.metrics import flush

_cold_start = True


@contextlib.contextmanager
def invocation(name: str, context: Any = None) -> Iterator[Any]:
    """One worker invocation or API call: Lambda context keys, a scope for the correlation id,
    and the metrics flushed at the end whatever happens."""
    global _cold_start
    log = get_logger()
    with scope():
        keys: dict[str, object] = {"cold_start": _cold_start}
        request_id = getattr(context, "aws_request_id", None)
        if request_id:
            keys["function_request_id"] = request_id
        function_name = getattr(context, "function_name", None)
        if function_name:
            keys["function_name"] = function_name
        formatter().thread_safe_append_keys(**keys)
        _cold_start = False
        try:
            yield log
        finally:
            try:
                flush()
            except Exception:  # a metric must never fail the work it counts
                log.exception("could not write the metrics")


def worker(handler: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a Chalice event handler (SQS, stream, schedule): `handler(event)`."""

    @functools.wraps(handler)
    def observed(event: Any, *args: Any, **kwargs: Any) -> Any:
        with invocation(handler.__name__, getattr(event, "context", None)):
            return handler(event, *args, **kwargs)

    return observed


# Routes whose `{code}` is a dossier code (`/v1/procedures/{code}` is a procedure's).
_DOSSIER_ROUTE = re.compile(r"/(?:dossiers|public/dossiers|inter-agency)/\{code\}")


def api_route(
    app: Any, inner: Callable[[Callable[..., Any]], Callable[..., Any]] | None = None
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A decorator for Chalice routes (around `inner`, e.g. the problem+json wrapper): the
    dossier code of the path as correlation id, one access line, the metrics flushed."""

    def decorate(route: Callable[..., Any]) -> Callable[..., Any]:
        target = inner(route) if inner is not None else route

        @functools.wraps(route)
        def observed(*args: Any, **kwargs: Any) -> Any:
            request = app.current_request
            context = getattr(request, "context", None) or {}
            resource = context.get("resourcePath") or route.__name__
            method = getattr(request, "method", "")
            with invocation(route.__name__, getattr(app, "lambda_context", None)) as log:
                if _DOSSIER_ROUTE.search(resource):
                    bind_dossier(kwargs.get("code"))
                started = time.perf_counter()
                status = 500
                try:
                    answer = target(*args, **kwargs)
                    status = getattr(answer, "status_code", 200)
                    return answer
                finally:
                    log.info(
                        f"{method} {resource} {status}",
                        http_method=method,
                        route=resource,
                        status=status,
                        millis=round((time.perf_counter() - started) * 1000),
                    )

        return observed

    return decorate
