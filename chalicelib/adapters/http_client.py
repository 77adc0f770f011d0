"""One HTTP exchange over the standard library, for the adapters that call out (the notify
providers, the national portal). It never raises for what the network or the server does: an
HTTP error status is an answer, a network failure an answer without a status."""

from __future__ import annotations

import http.client
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

MAX_ANSWER_BYTES = 64 * 1024  # the answers we expect are small; never buffer a runaway body
MAX_ERROR_CHARS = 300  # the gist of a failure, not a page of HTML


@dataclass(frozen=True)
class HttpAnswer:
    status: int | None  # None: no answer at all (timeout, refused, reset, DNS)
    body: bytes = b""
    error: str | None = None  # why there is no answer

    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


def clip(text: str, limit: int = MAX_ERROR_CHARS) -> str:
    """`text` on one line, cut to `limit` characters."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # urllib would turn a redirected POST into a body-less GET; a redirect here means a wrong
    # URL in the configuration, so it surfaces as the 3xx it is.
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def http_request(
    method: str,
    url: str,
    *,
    body: bytes | None,
    headers: Mapping[str, str],
    timeout: float,
) -> HttpAnswer:
    """One HTTP exchange that never raises: an HTTP error status is an answer, a network
    failure is `status=None` with the reason. The timeout bounds each socket operation."""
    request = urllib.request.Request(url, data=body, method=method, headers=dict(headers))
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            return HttpAnswer(response.status, response.read(MAX_ANSWER_BYTES))
    except urllib.error.HTTPError as exc:
        try:
            payload = exc.read(MAX_ANSWER_BYTES)
        except (OSError, http.client.HTTPException):
            payload = b""
        finally:
            exc.close()
        return HttpAnswer(exc.code, payload)
    except urllib.error.URLError as exc:
        return HttpAnswer(None, error=clip(f"network: {exc.reason}"))
    except (OSError, http.client.HTTPException, ValueError) as exc:
        # TimeoutError, ConnectionResetError, IncompleteRead, ...; ValueError: malformed URL.
        return HttpAnswer(None, error=clip(f"network: {type(exc).__name__}: {exc}"))
