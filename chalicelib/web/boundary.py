"""The pages' error boundary: whatever a page route raises becomes a Vietnamese page saying
what happened and what to do next, with the status the API would answer. A field's error is
not raised this far: the page shows it beside the field (see `lookup`)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from chalice import Response

from chalicelib import observability
from chalicelib.http.problems import STATUS_OF, Problem
from chalicelib.services.errors import ServiceError, TooManyRequests
from chalicelib.web.errors import PageRefused, error_text
from chalicelib.web.officials import SignInRequired
from chalicelib.web.site import Site


def error_page(status: int, site: Site, headers: dict[str, str] | None = None) -> Response:
    from chalicelib.web.headers import page
    from chalicelib.web.templates import render

    html = render("error.html", site=site, status=status, text=error_text(status))
    return page(html, status, headers)


def _status_of(error: Exception) -> tuple[int, dict[str, str]] | None:
    if isinstance(error, PageRefused):
        return error.status, error.headers
    if isinstance(error, Problem):
        return error.status, {}
    if isinstance(error, ServiceError):
        status = next(s for kind, s in STATUS_OF.items() if isinstance(error, kind))
        if isinstance(error, TooManyRequests):
            return status, {"Retry-After": str(error.retry_after)}
        return status, {}
    return None


def renders_pages(site: Callable[[], Site]) -> Callable[[Callable[..., Any]], Any]:
    """Wrap a page route: refusals and faults answer with the error page."""

    def decorate(route: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(route)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return route(*args, **kwargs)
            except SignInRequired as needed:
                return Response(body="", status_code=303,
                                headers={"Location": needed.location(site().base_path),
                                         "Cache-Control": "no-store"})  # fmt: skip
            except Exception as error:
                refused = _status_of(error)
                if refused is None:
                    observability.get_logger().exception("unhandled error on a page")
                    refused = (500, {})
                return error_page(refused[0], site(), refused[1])

        return wrapper

    return decorate


def page_route(app: Any, site: Callable[[], Site]) -> Callable[[Callable[..., Any]], Any]:
    """The decorator of every page route: the API's access line and metrics
    (observability.api_route) around the page boundary; marked `renders_page` so that a test
    finds any route outside /v1 without it (tests/unit/test_web_pages.py)."""
    observed = observability.api_route(app, renders_pages(site))

    def decorate(route: Callable[..., Any]) -> Callable[..., Any]:
        page = observed(route)
        page.renders_page = True  # type: ignore[attr-defined]
        return page

    return decorate
