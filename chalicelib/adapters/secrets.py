"""Portal and inter-agency webhook clients' secrets, one SSM SecureString per client.

The parameter `<prefix><client id>` holds either the bare secret or a JSON object
`{"secret": "...", "agency": "000.00.90.H19", "scopes": ["inter-agency"]}`; the agency is set
for another agency's system (e.g. the tax department) so that its calls act for that agency. A
value that starts with `{` is read as JSON.

The scopes say which routes a client may call (`SCOPES`). Without `scopes`, a client has the
default of its kind: a portal (no agency) sends dossiers, an agency's system inter-agency
actions; an SMS/ZNS gateway lists its own (`["delivery-receipts", "opt-outs"]`).

`"accepts_v1_signatures": true` lets a client registered before signatures v2 keep signing
with v1 during its migration window (each such request is counted, metric
`WebhookSignatureV1`); without it, or for a bare secret, only v2 is accepted.

Each answer is kept in memory for five minutes (a warm Lambda calls SSM once per client, not
once per request); an unknown client is remembered for at most 30 seconds, so a client
registered a moment ago is not refused for long.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.adapters import aws
from chalicelib.domain.identifiers import AGENCY_CODE
from chalicelib.ports.webhook_clients import (  # re-exported: the adapter's callers name them here
    SCOPES,
    ClientConfigurationError,
    WebhookClient,
    valid_client_id,
)

CACHE_SECONDS = 300.0
UNKNOWN_CACHE_SECONDS = 30.0  # never longer: see the module docstring
MAX_CACHED_CLIENTS = 1024


def parse_client(client_id: str, value: str) -> WebhookClient:
    """A parameter's value (bare secret or JSON object) as a client."""
    agency: str | None = None
    scopes: frozenset[str] | None = None
    accepts_v1 = False
    if value.lstrip().startswith("{"):
        try:
            data: Any = json.loads(value)
        except ValueError as exc:
            raise ClientConfigurationError(f"client {client_id}: value is not valid JSON") from exc
        if not isinstance(data, dict):
            raise ClientConfigurationError(f"client {client_id}: JSON value must be an object")
        secret = data.get("secret")
        agency = data.get("agency")
        if agency is not None and (not isinstance(agency, str) or not AGENCY_CODE.match(agency)):
            raise ClientConfigurationError(f"client {client_id}: agency is not a QCVN 102 code")
        if "scopes" in data:
            scopes = _scopes(client_id, data["scopes"])
        accepts_v1 = data.get("accepts_v1_signatures", False)
        if not isinstance(accepts_v1, bool):
            raise ClientConfigurationError(
                f"client {client_id}: accepts_v1_signatures must be true or false"
            )
    else:
        secret = value
    if not isinstance(secret, str) or not secret:
        raise ClientConfigurationError(f"client {client_id}: the secret is missing or empty")
    return WebhookClient(client_id, secret.encode("utf-8"), agency, scopes, accepts_v1)


def _scopes(client_id: str, value: Any) -> frozenset[str]:
    if not isinstance(value, list) or not value or not all(isinstance(s, str) for s in value):
        raise ClientConfigurationError(
            f"client {client_id}: scopes must be a non-empty list of strings"
        )
    unknown = sorted(set(value) - set(SCOPES))
    if unknown:
        raise ClientConfigurationError(
            f"client {client_id}: unknown scope {', '.join(unknown)} (known: {', '.join(SCOPES)})"
        )
    return frozenset(value)


class SsmWebhookSecrets:
    """Reads `<prefix><client id>` from SSM Parameter Store, decrypted, with a small cache."""

    def __init__(
        self,
        prefix: str,
        *,
        clock: Callable[[], float] = time.monotonic,
        cache_seconds: float = CACHE_SECONDS,
        unknown_cache_seconds: float = UNKNOWN_CACHE_SECONDS,
        refused_secrets: frozenset[bytes] = frozenset(),
    ) -> None:
        self.prefix = prefix
        # Secrets anyone can read (the published development one): outside the local stage a
        # client registered with one is an operator's error, never a client.
        self._refused = refused_secrets
        self._clock = clock
        self._ttl = cache_seconds
        self._unknown_ttl = min(unknown_cache_seconds, UNKNOWN_CACHE_SECONDS)
        self._cache: dict[str, tuple[WebhookClient | None, float]] = {}

    def client_info(self, client_id: str) -> WebhookClient | None:
        if not valid_client_id(client_id):
            return None  # refused without asking AWS
        now = self._clock()
        cached = self._cache.get(client_id)
        if cached is not None and now < cached[1]:
            return cached[0]
        found = self._fetch(client_id)
        self._remember(client_id, found, now + (self._ttl if found else self._unknown_ttl))
        return found

    def secret_for(self, client_id: str) -> bytes | None:
        found = self.client_info(client_id)
        return found.secret if found else None

    def forget(self) -> None:
        self._cache.clear()

    def _fetch(self, client_id: str) -> WebhookClient | None:
        try:
            answer = aws.client("ssm").get_parameter(
                Name=self.prefix + client_id, WithDecryption=True
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ParameterNotFound":
                return None
            raise
        client = parse_client(client_id, answer["Parameter"]["Value"])
        if client.secret in self._refused:
            raise ClientConfigurationError(
                f"client {client_id}: its secret is the published development one"
            )
        return client

    def _remember(self, client_id: str, found: WebhookClient | None, until: float) -> None:
        if len(self._cache) >= MAX_CACHED_CLIENTS:
            # Unknown ids could be made up by the thousand: drop what is stale, then everything.
            now = self._clock()
            self._cache = {k: v for k, v in self._cache.items() if now < v[1]}
            if len(self._cache) >= MAX_CACHED_CLIENTS:
                self._cache.clear()
        self._cache[client_id] = (found, until)


class InMemoryWebhookSecrets:
    """The fake: client id → secret (str or bytes) or a full `WebhookClient`."""

    def __init__(self, clients: Mapping[str, bytes | str | WebhookClient] | None = None) -> None:
        self.clients: dict[str, WebhookClient] = {}
        for client_id, value in (clients or {}).items():
            if isinstance(value, WebhookClient):
                self.clients[client_id] = value
            else:
                secret = value.encode("utf-8") if isinstance(value, str) else value
                self.clients[client_id] = WebhookClient(client_id, secret)

    def client_info(self, client_id: str) -> WebhookClient | None:
        if not valid_client_id(client_id):
            return None
        return self.clients.get(client_id)

    def secret_for(self, client_id: str) -> bytes | None:
        found = self.client_info(client_id)
        return found.secret if found else None
