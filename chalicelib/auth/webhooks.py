"""Authenticate a signed webhook: which client sent it, and is it fresh and untouched?

Every refusal is a 401 problem naming the header at fault, and changes nothing: the replay
guard is asked only once the MAC is verified, so a forged request cannot burn the signature of
a genuine one that is still on its way. A genuine client sending outside its scopes is a 403
(`require_scope`), before anything is spent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from chalicelib.auth import signatures
from chalicelib.auth.signatures import CLIENT_HEADER, SIGNATURE_HEADER, SignatureError
from chalicelib.ports.replay import ReplayGuard
from chalicelib.ports.webhook_clients import SCOPES, WebhookClient, WebhookSecrets, valid_client_id
from chalicelib.services.errors import FieldIssue, Forbidden, Unauthenticated

# Kept well past the tolerance window: once the record expires, the request is refused as stale.
REPLAY_RECORD_SECONDS = 600
CHALLENGE = 'Motcua-Signature realm="motcua-webhooks"'

CLIENT_MISSING = "missing client header"
CLIENT_MALFORMED = "malformed client id"
CLIENT_UNKNOWN = "unknown client"
REPLAYED = "signature already used"

MESSAGES_VI = {
    CLIENT_MISSING: "Thiếu mã hệ thống gửi yêu cầu",
    CLIENT_MALFORMED: "Mã hệ thống gửi yêu cầu không đúng định dạng",
    CLIENT_UNKNOWN: "Hệ thống gửi yêu cầu chưa được đăng ký",
    signatures.MISSING: "Thiếu chữ ký của yêu cầu",
    signatures.MALFORMED: "Chữ ký của yêu cầu không đúng định dạng",
    signatures.OUT_OF_TOLERANCE: "Thời điểm ký lệch quá 5 phút so với máy chủ",
    signatures.MISMATCH: "Chữ ký của yêu cầu không hợp lệ",
    signatures.V1_REFUSED: "Chữ ký phiên bản 1 không còn được chấp nhận",
    REPLAYED: "Yêu cầu này đã được gửi trước đó",
}


def refused(field: str, reason: str) -> Unauthenticated:
    return Unauthenticated(
        f"webhook authentication failed: {reason}",
        errors=[FieldIssue(field, reason, MESSAGES_VI[reason])],
        challenge=CHALLENGE,
    )


def _values(headers: Mapping[str, str], name: str) -> set[str]:
    wanted = name.lower()
    return {value for key, value in headers.items() if key.lower() == wanted}


def header(headers: Mapping[str, str], name: str) -> str | None:
    """Case-insensitive lookup in any mapping (a plain dict too). Two different values under
    one name are ambiguous, and treated as absent: a check that needs the header then fails."""
    values = _values(headers, name)
    return values.pop() if len(values) == 1 else None


def _one(headers: Mapping[str, str], name: str, reason: str) -> str | None:
    values = _values(headers, name)
    if len(values) > 1:
        raise refused(name, reason)
    return values.pop() if values else None


@dataclass(frozen=True)
class VerifiedWebhook:
    """A request whose MAC and timestamp are good, and whose signature is not yet spent."""

    client: WebhookClient
    signature: str
    remember_until: int
    scheme: str = signatures.V2  # V1: a client in its migration window (counted by the caller)


def verify_webhook(
    headers: Mapping[str, str],
    raw_body: bytes,
    secrets: WebhookSecrets,
    now: int,
    *,
    method: str,
    target: str,
    tolerance: int = signatures.DEFAULT_TOLERANCE,
) -> VerifiedWebhook:
    """Who signed this request to `method` `target` (its canonical path?query,
    `signatures.canonical_target`), checked but not yet spent; or `Unauthenticated`."""
    client_id = _one(headers, CLIENT_HEADER, CLIENT_MALFORMED)
    if client_id is None or not client_id.strip():
        raise refused(CLIENT_HEADER, CLIENT_MISSING)
    if not valid_client_id(client_id):
        raise refused(CLIENT_HEADER, CLIENT_MALFORMED)
    signature_header = _one(headers, SIGNATURE_HEADER, signatures.MALFORMED)
    try:
        # Cheap checks first: no secret lookup for a request that is malformed or stale.
        parsed = signatures.parse(signature_header)
        signatures.check_timestamp(parsed.timestamp, now, tolerance)
    except SignatureError as exc:
        raise refused(exc.field, exc.reason) from None
    client = secrets.client_info(client_id)
    if client is None:
        raise refused(CLIENT_HEADER, CLIENT_UNKNOWN)
    try:
        check = signatures.verify(
            signature_header,
            raw_body,
            client.secret,
            now,
            tolerance,
            request=signatures.SignedRequest(method, target, client_id),
            accept_v1=client.accepts_v1_signatures,
        )
    except SignatureError as exc:
        raise refused(exc.field, exc.reason) from None
    # Remember the signature at least until its timestamp can no longer pass the window.
    keep = max(REPLAY_RECORD_SECONDS, 2 * tolerance)
    return VerifiedWebhook(client, check.signature, check.timestamp + keep, check.scheme)


def require_scope(verified: VerifiedWebhook, scope: str) -> VerifiedWebhook:
    """The request as it was, if its client may send this kind of request; else a 403."""
    client = verified.client
    if not client.may(scope):
        what = SCOPES[scope]
        raise Forbidden(
            f"client {client.client_id} is not allowed to send {what}",
            errors=[
                FieldIssue(
                    CLIENT_HEADER,
                    f"not allowed to send {what}",
                    "Hệ thống này không được phép gửi loại yêu cầu này",
                )
            ],
        )
    return verified


def consume(verified: VerifiedWebhook, guard: ReplayGuard) -> WebhookClient:
    """Spend the signature: a second request with it is a replay. Called once the request
    is known to be acceptable, so that refused requests write nothing."""
    if not guard.first_use(verified.signature, verified.remember_until):
        raise refused(SIGNATURE_HEADER, REPLAYED)
    return verified.client


def refuse_if_spent(verified: VerifiedWebhook, guard: ReplayGuard) -> None:
    """A replay is refused as one (401) even where a later check would refuse the request
    anyway, while the signature is spent only once every check has passed."""
    if guard.used(verified.signature):
        raise refused(SIGNATURE_HEADER, REPLAYED)


def authenticate_webhook(
    headers: Mapping[str, str],
    raw_body: bytes,
    secrets: WebhookSecrets,
    guard: ReplayGuard,
    now: int,
    *,
    method: str,
    target: str,
    tolerance: int = signatures.DEFAULT_TOLERANCE,
) -> WebhookClient:
    """The client that signed this request, or `Unauthenticated`; spends the signature."""
    verified = verify_webhook(
        headers, raw_body, secrets, now, method=method, target=target, tolerance=tolerance
    )
    return consume(verified, guard)
