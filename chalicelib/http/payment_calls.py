"""The payment routes, wired: the platform's callback, the officials' reads and decisions, the
receipts' links."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice import Response

from chalicelib import observability
from chalicelib.http.problems import FieldIssue, Problem

# Longer than any platform's transaction id; DynamoDB keys are bounded (2 KB).
MAX_TRANSACTION_ID = 200

if TYPE_CHECKING:
    from chalicelib.bootstrap import Container
    from chalicelib.domain.dossier import Actor


def payment_callback(container: Container, request: Any, platform: str) -> Response:
    """Verified by the platform's adapter, then taken (services/payments.py). A refused
    callback (signature, unreadable) writes nothing and gets the platform's refusal; a parked
    payment is recorded and acknowledged (the platform must not send it again)."""
    from chalicelib.ports.payment_platform import CallbackRefused
    from chalicelib.services import payments

    adapter = container.payment_platform
    if platform != adapter.name:
        raise Problem(
            404,
            f"no payment platform {platform!r} here",
            kind="not-found",
            errors=[FieldIssue("platform", f"not {adapter.name}", "Không có nền tảng này")],
        )
    raw = request.raw_body or b""
    limit = container.settings.max_body_bytes
    if len(raw) > limit:
        raise Problem(
            413,
            f"the body is {len(raw)} bytes; the limit is {limit}",
            kind="too-large",
            errors=[FieldIssue("body", f"larger than {limit} bytes", "Nội dung gửi lên quá lớn")],
        )
    headers = {k.lower(): v for k, v in dict(request.headers).items()}
    try:
        taken = payments.take_callback(headers, raw, container.payment_deps(), container.now())
    except CallbackRefused as refused:
        observability.count("PaymentCallbackRefused", platform=platform)
        observability.get_logger().warning(
            "payment callback refused", field=refused.field, reason=refused.reason
        )
        return _answer(adapter.callback_answer(False))
    observability.bind_dossier(taken.payment.code)
    observability.count("PaymentCallback", verdict=taken.verdict.value)
    if taken.payment.reason is not None:
        observability.count("PaymentParked", reason=taken.payment.reason.value)
    observability.get_logger().info(
        f"payment {taken.verdict.value}",
        platform=platform,
        transaction_id=taken.payment.transaction_id,
        order_code=taken.payment.order_code,
        reason=taken.payment.reason.value if taken.payment.reason else None,
        command_id=taken.command_id,
    )
    return _answer(adapter.callback_answer(True))


def _answer(answer: tuple[int, str, bytes]) -> Response:
    status, content_type, body = answer
    # Answers are text (JSON or a code); as bytes, Chalice would take them for binary.
    text = body.decode("utf-8")
    return Response(body=text, status_code=status, headers={"Content-Type": content_type})


def parked(container: Container, actor: Actor, params: dict[str, str]) -> dict[str, Any]:
    from chalicelib.http.handlers import parse_query
    from chalicelib.http.payment_models import ParkedQuery
    from chalicelib.services import payments

    query = parse_query(ParkedQuery, params)
    found = payments.parked_for(query.agency, actor, container.payment_deps(), query.limit)
    return {"items": [p.model_dump(mode="json") for p in found]}


def dossier_payments(container: Container, code: str) -> dict[str, Any]:
    from chalicelib.services import payments

    return payments.dossier_payments(code, container.payment_records, container.receipt_records)


def decide_parked(
    container: Container, actor: Actor, platform: str, transaction_id: str, raw: bytes
) -> dict[str, Any]:
    """An official refunds or applies a parked payment (services/payments.resolve_parked)."""
    from chalicelib.domain.payments import PaymentOutcome
    from chalicelib.http.payment_models import ParkedDecision
    from chalicelib.http.requests import model_from_json
    from chalicelib.services import payments, receipts

    body = model_from_json(ParkedDecision, raw)
    if platform != container.payment_platform.name or len(transaction_id) > MAX_TRANSACTION_ID:
        # Nothing was recorded under another platform's name, nor under a longer id (whose key
        # the table would refuse).
        raise Problem(
            404,
            f"no payment {platform}#{transaction_id[:MAX_TRANSACTION_ID]}",
            kind="not-found",
            errors=[FieldIssue("transaction_id", "no such payment",
                               "Không tìm thấy khoản thanh toán")],
        )  # fmt: skip
    decision = payments.Decision(
        outcome=PaymentOutcome(body.outcome),
        refund_reference=body.refund_reference or "",
        note=body.note,
    )
    done = payments.resolve_parked(platform, transaction_id, decision, actor,
                                   container.payment_deps(), container.now())  # fmt: skip
    observability.bind_dossier(done.payment.code)
    observability.count("PaymentParkedResolved", outcome=done.payment.outcome.value)
    observability.get_logger().info(
        "parked payment resolved",
        payment=done.payment.key,
        outcome=done.payment.outcome.value,
        by=actor.id,
        command_id=done.command_id,
    )
    receipt = receipts.receipt_view(done.receipt) if done.receipt is not None else None
    return {"payment": done.payment.model_dump(mode="json"), "command_id": done.command_id,
            "receipt": receipt}  # fmt: skip


def receipt_link(
    container: Container,
    actor: Actor,
    code: str,
    number: str,
    params: dict[str, str],
    on_release: Any,
) -> dict[str, Any]:
    """An official's link to one of the dossier's receipts (the read audited first)."""
    from chalicelib.http.handlers import parse_query
    from chalicelib.http.payment_models import ReceiptQuery
    from chalicelib.services import receipt_files

    query = parse_query(ReceiptQuery, params)
    return receipt_files.official_link(code, receipt_files.receipt_number(number), query.series,
                                       actor, container.receipt_link_deps(),
                                       now=container.now(), on_release=on_release)  # fmt: skip
