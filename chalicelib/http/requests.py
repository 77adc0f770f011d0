"""Turning an HTTP request into what the services take: who calls, and what they send."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel

from chalicelib.adapters.secrets import WebhookClient
from chalicelib.auth.signatures import V1, canonical_target
from chalicelib.auth.webhooks import (
    VerifiedWebhook,
    consume,
    header,
    refuse_if_spent,
    require_scope,
    verify_webhook,
)
from chalicelib.domain.dossier import Actor, Location
from chalicelib.domain.statuses import Role
from chalicelib.http.body import check_body, invalid, parse_json, parse_model
from chalicelib.http.problems import Problem
from chalicelib.intake.checks import check_against_catalog, resolve_agencies
from chalicelib.intake.errors import IntakeInvalid
from chalicelib.intake.model import IntakeRequest
from chalicelib.intake.parse import parse_counter_submission, parse_webhook
from chalicelib.services.envelopes import IntakeEnvelope
from chalicelib.services.errors import FieldIssue, Forbidden
from chalicelib.services.intake import receipt_id_for

if TYPE_CHECKING:  # cold start: PyJWT and cryptography are for the officials' routes only
    from chalicelib.auth.tokens import TokenVerifier
    from chalicelib.bootstrap import Container

Model = TypeVar("Model", bound=BaseModel)
IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_.:-]{8,128}$")
COMMAND_NAMESPACE = uuid.UUID("0c7f2f5e-3f0a-4a7e-8d55-7b1f9e0c2d41")


def raw_body(request: Any, max_bytes: int) -> bytes:
    return check_body(request.raw_body, request.headers, max_bytes=max_bytes)


def model_from_json(
    model: type[Model], raw: bytes, context: Mapping[str, Any] | None = None
) -> Model:
    return parse_model(model, parse_json(raw), context)


def official(request: Any, verifier: TokenVerifier) -> Actor:
    return verifier.verify(header(request.headers, "authorization"))


def request_target(request: Any) -> str:
    """The canonical path?query a v2 signature covers, as the app routed it: the route's
    pattern with this request's values, which reads the same behind API Gateway (whose
    `requestContext.path` carries the stage) as on the local stack and the test client."""
    params = request.uri_params or {}
    segments = [
        params.get(part[1:-1], part) if part.startswith("{") and part.endswith("}") else part
        for part in request.path.split("/")
    ]
    query = request.query_params
    pairs = [(name, value) for name in query or () for value in query.getlist(name)]
    return canonical_target("/".join(segments), pairs)


def signed_caller(request: Any, raw: bytes, deps: Container, *, scope: str) -> VerifiedWebhook:
    """The signed caller, verified and allowed `scope` (a `SCOPES` key of the client registry;
    403 otherwise, nothing spent); `spend` it once the request is known to be acceptable."""
    # Signatures are about real time, never the settable clock of the local stage.
    now = int(time.time())
    verified = verify_webhook(
        request.headers,
        raw,
        deps.webhook_secrets,
        now,
        method=request.method,
        target=request_target(request),
    )
    if verified.scheme == V1:
        # How many requests still sign the old way, per client: the migration window closes
        # (the client's flag is removed) once this stays at zero.
        deps.counter.count("WebhookSignatureV1", client=verified.client.client_id)
    return require_scope(verified, scope)


def refuse_replay(verified: VerifiedWebhook, deps: Container) -> None:
    """For a route whose last checks read the store: a replay is answered 401 before them."""
    refuse_if_spent(verified, deps.replay_guard)


def spend(verified: VerifiedWebhook, deps: Container) -> WebhookClient:
    """A write's signature works once: the replay guard remembers it."""
    return consume(verified, deps.replay_guard)


def system_actor(client: WebhookClient) -> Actor:
    """The agency system a signed client speaks for; a client of no agency may not act."""
    if not client.agency:
        raise Forbidden(
            f"client {client.client_id} does not speak for an agency",
            errors=[
                FieldIssue(
                    "X-Motcua-Client",
                    "not an agency's system",
                    "Hệ thống gửi yêu cầu không thuộc cơ quan nào",
                )
            ],
        )
    return Actor(
        id=client.client_id,
        name=client.client_id,
        agency=client.agency,
        roles=frozenset({Role.SYSTEM}),
    )


def counter_client(actor: Actor) -> str:
    return f"counter:{actor.agency}"


def idempotency_key(request: Any) -> str | None:
    key = header(request.headers, "idempotency-key")
    if key is None:
        return None
    if not IDEMPOTENCY_KEY.match(key):
        raise Problem(
            400,
            "Idempotency-Key must be 8 to 128 letters, digits or _ . : -",
            kind="validation",
            errors=[
                FieldIssue(
                    "Idempotency-Key",
                    "8-128 of [A-Za-z0-9_.:-]",
                    "Khóa chống trùng lặp không hợp lệ",
                )
            ],
        )
    return key


def command_id(request: Any, caller: str, code: str) -> str:
    """A retried POST with the same Idempotency-Key names the same command, so it applies once.
    The key is the caller's, for one dossier: the same key from another caller or on another
    dossier is another command (and another FIFO deduplication id)."""
    key = idempotency_key(request)
    if key is None:
        return str(uuid.uuid4())
    return str(uuid.uuid5(COMMAND_NAMESPACE, f"{caller}\n{code}\n{key}"))


def _checked(request: IntakeRequest, deps: Container) -> IntakeRequest:
    """Catalog checks before anything is queued, so a portal hears of an unknown procedure or
    agency at once; the worker checks again against the catalog it runs with."""
    issues = check_against_catalog(request, deps.catalog, deps.agencies)
    if issues:
        raise invalid(IntakeInvalid(issues), "the dossier is not valid")
    # A DVCQG item names agencies by name or former code: it is queued with current codes.
    return resolve_agencies(request, deps.catalog, deps.agencies)


def portal_envelope(raw: bytes, client_id: str, deps: Container) -> IntakeEnvelope:
    settings, now = deps.settings, deps.now()
    try:
        submission = parse_webhook(
            raw, province=settings.province, now=now, max_bytes=settings.max_body_bytes
        )
    except IntakeInvalid as error:
        raise invalid(error, "the dossier is not valid") from error
    request = _checked(submission.request, deps)
    return IntakeEnvelope(
        receipt_id=receipt_id_for(client_id, request.external_id),
        client_id=client_id,
        request=request,
        accepted_at=now,
        updating=submission.updating,
    )


def counter_envelope(raw: bytes, actor: Actor, deps: Container) -> IntakeEnvelope:
    """The counter official receives the dossier: it is received here, now, at their unit."""
    if Role.RECEIVER not in actor.roles:
        raise Problem(
            403,
            "receiving a dossier needs the receiver role",
            kind="forbidden",
            errors=[FieldIssue("roles", "receiver role required", "Cần vai trò cán bộ tiếp nhận")],
        )
    settings, now = deps.settings, deps.now()
    try:
        request = parse_counter_submission(
            raw,
            province=settings.province,
            now=now,
            max_bytes=settings.max_body_bytes,
            received_by=Location(agency=actor.agency, unit=actor.unit or "MOT_CUA"),
        )
    except IntakeInvalid as error:
        raise invalid(error, "the dossier is not valid") from error
    request = _checked(request, deps)
    client_id = counter_client(actor)
    return IntakeEnvelope(
        receipt_id=receipt_id_for(client_id, request.external_id),
        client_id=client_id,
        request=request,
        accepted_at=now,
        actor=actor,
    )
