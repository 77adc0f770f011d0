"""One HTTP exchange over the standard library, for the adapters that call out (the notify
providers, the national portal). It never raises for what the network or the server does: an
HTTP error status is an answer, a network failure an answer without a status."""

from __future__ import annotations

import http.client
import ipaddress
import socket
import time
import urllib.error
import urllib.parse
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


# --- fetching a file a portal names by URL ------------------------------------------------------

MAX_REDIRECTS = 3
REDIRECTS = frozenset({301, 302, 303, 307, 308})
FETCH_CHUNK = 64 * 1024
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})


@dataclass(frozen=True)
class FetchPolicy:
    """Where a file may be fetched from, and how much of it. `local_loopback`: the local stage
    only (bootstrap sets it), so that the devstack's fake portal on 127.0.0.1 can serve files:
    http and loopback addresses are then allowed for loopback hosts, and nothing else is."""

    hosts: frozenset[str]  # exact host names, lower case
    max_bytes: int
    seconds: float  # to connect, and to have the whole body
    local_loopback: bool = False


class UrlFetcher:
    """`FileFetcher` over HTTPS with the standard library (ports/fetch.py): the allow-list is
    checked on the URL and on every redirect, the resolved address on every connection (a
    name that resolves to a private address is refused, even when allowed: DNS rebinding)."""

    def __init__(self, policy: FetchPolicy) -> None:
        self.policy = policy

    def fetch(self, url: str) -> bytes:
        from chalicelib.ports.fetch import FetchFailed, FetchRefused

        deadline = time.monotonic() + self.policy.seconds
        for _ in range(MAX_REDIRECTS + 1):
            parts = self._allowed(url)
            try:
                status, location, body = self._exchange(parts, deadline)
            except FetchRefused:
                raise
            except TimeoutError:
                raise FetchFailed(f"network: no answer within {self.policy.seconds:g} s") from None
            except (OSError, http.client.HTTPException) as exc:
                raise FetchFailed(clip(f"network: {type(exc).__name__}: {exc}")) from None
            if status in REDIRECTS:
                if not location:
                    raise FetchRefused(f"HTTP {status} without a Location")
                url = urllib.parse.urljoin(url, location)
                continue
            if status == 429 or status >= 500:
                raise FetchFailed(f"HTTP {status}")
            if not 200 <= status < 300:
                raise FetchRefused(f"HTTP {status}")
            return body
        raise FetchRefused(f"more than {MAX_REDIRECTS} redirects")

    def _allowed(self, url: str) -> urllib.parse.SplitResult:
        """The URL's parts, or FetchRefused("host not allowed") when its scheme or host is not."""
        from chalicelib.ports.fetch import FetchRefused

        try:
            parts = urllib.parse.urlsplit(url)
            host = (parts.hostname or "").lower()
            parts.port  # noqa: B018 - raises ValueError on a bad port
        except ValueError:
            raise FetchRefused("host not allowed: malformed URL") from None
        loopback_http = self.policy.local_loopback and host in LOOPBACK_NAMES
        if parts.scheme != "https" and not (parts.scheme == "http" and loopback_http):
            raise FetchRefused(f"host not allowed: scheme {parts.scheme or '(none)'}")
        if host not in self.policy.hosts:
            raise FetchRefused(f"host not allowed: {host or '(none)'}")
        return parts

    def _exchange(
        self, parts: urllib.parse.SplitResult, deadline: float
    ) -> tuple[int, str | None, bytes]:
        """(status, Location, body): the body read only for a 2xx, and cut at the limit."""
        from chalicelib.ports.fetch import FetchRefused

        host = parts.hostname or ""
        timeout = _remaining(deadline)
        connection: http.client.HTTPConnection
        if parts.scheme == "https":
            connection = http.client.HTTPSConnection(host, parts.port, timeout=timeout)
        else:
            connection = http.client.HTTPConnection(host, parts.port, timeout=timeout)
        # Every connection (the first and each redirect's) goes to an address checked here.
        connection._create_connection = self._checked_connection  # type: ignore[attr-defined]
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        try:
            connection.request("GET", path, headers={"Accept": "*/*", "User-Agent": "motcua"})
            sock = connection.sock  # the response keeps it even once the connection lets go
            response = connection.getresponse()
            if not 200 <= response.status < 300:
                return response.status, response.getheader("Location"), b""
            limit = self.policy.max_bytes
            declared = response.getheader("Content-Length")
            if declared and declared.isdigit() and int(declared) > limit:
                raise FetchRefused(f"more than {limit} bytes")
            chunks: list[bytes] = []
            size = 0
            while True:
                if sock is not None:
                    sock.settimeout(_remaining(deadline))
                # read1: what one receive gives, so the deadline is looked at between them.
                chunk = response.read1(min(FETCH_CHUNK, limit + 1 - size))
                if not chunk:
                    break
                size += len(chunk)
                if size > limit:  # one byte past the limit is enough to know: stop there
                    raise FetchRefused(f"more than {limit} bytes")
                chunks.append(chunk)
            return response.status, None, b"".join(chunks)
        finally:
            connection.close()

    def _checked_connection(
        self, address: tuple[str, int], timeout: float | None = None, source_address: Any = None
    ) -> socket.socket:
        from chalicelib.ports.fetch import FetchRefused

        host, port = address
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        addresses = [str(info[4][0]) for info in infos]
        refused = [a for a in addresses if not _public(a, loopback=self.policy.local_loopback)]
        if refused or not addresses:
            raise FetchRefused(
                f"host not allowed: {host} resolves to {refused[0] if refused else 'nothing'}"
            )
        # Connect to the address checked, not to the name again (it could resolve otherwise).
        return socket.create_connection((addresses[0], port), timeout, source_address)


def _remaining(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError("total time spent")
    return left


def _public(address: str, *, loopback: bool) -> bool:
    """Whether a connection may go to `address`: a public one (or a loopback one, when the local
    stage allows it)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return loopback
    return not (
        ip.is_private
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or not ip.is_global
    )
