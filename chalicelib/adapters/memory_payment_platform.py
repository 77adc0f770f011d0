"""An in-memory payment platform for tests and the embedded stack: it signs its callbacks
with HMAC-SHA256 over the body (its own format, not PayGov's) and keeps a statement."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from urllib.parse import urlencode

from chalicelib.ports.payment_platform import (
    CallbackRefused,
    PaymentRequest,
    PlatformPayment,
    PlatformUnavailable,
)

SIGNATURE_HEADER = "x-memory-pay-signature"
_VIETNAM = timezone(timedelta(hours=7))


@dataclass
class MemoryPaymentPlatform:
    secret: bytes = b"memory-payment-platform"
    name: str = "memory"
    base_url: str = "https://pay.memory.invalid/checkout"
    requests: dict[str, PaymentRequest] = field(default_factory=dict)
    payments: list[PlatformPayment] = field(default_factory=list)
    down: bool = False  # statement() raises PlatformUnavailable while set

    def checkout_url(self, request: PaymentRequest) -> str:
        self.requests[request.order_code] = request
        query = urlencode({"order": request.order_code, "amount": request.amount_vnd})
        return f"{self.base_url}?{query}"

    def pay(
        self,
        order_code: str,
        amount_vnd: int,
        *,
        transaction_id: str | None = None,
        paid_at: datetime,
        currency: str = "VND",
    ) -> tuple[dict[str, str], bytes]:
        """Take a payment and return the callback (headers, body) the platform would send."""
        payment = PlatformPayment(
            transaction_id=transaction_id or f"MEM{len(self.payments) + 1:08d}",
            order_code=order_code,
            amount_vnd=amount_vnd,
            currency=currency,
            paid_at=paid_at,
        )
        self.payments.append(payment)
        return self.callback_for(payment)

    def callback_for(self, payment: PlatformPayment) -> tuple[dict[str, str], bytes]:
        body = json.dumps(
            {
                "transaction_id": payment.transaction_id,
                "order_code": payment.order_code,
                "amount": payment.amount_vnd,
                "currency": payment.currency,
                "paid_at": payment.paid_at.isoformat(),
            },
            sort_keys=True,
        ).encode()
        return {SIGNATURE_HEADER: self._sign(body)}, body

    def read_callback(self, headers: Mapping[str, str], body: bytes) -> PlatformPayment:
        given = {k.lower(): v for k, v in headers.items()}.get(SIGNATURE_HEADER, "")
        if not hmac.compare_digest(given, self._sign(body)):
            raise CallbackRefused(SIGNATURE_HEADER, "signature does not match the body")
        try:
            data = json.loads(body)
            paid_at = datetime.fromisoformat(data["paid_at"])
            if paid_at.tzinfo is None:
                raise ValueError("paid_at has no offset")
            return PlatformPayment(
                transaction_id=str(data["transaction_id"]),
                order_code=str(data["order_code"]),
                amount_vnd=int(data["amount"]),
                currency=str(data["currency"]),
                paid_at=paid_at,
            )
        except (ValueError, KeyError, TypeError) as error:
            raise CallbackRefused("body", f"not a payment callback: {error}") from error

    def callback_answer(self, accepted: bool) -> tuple[int, str, bytes]:
        body = json.dumps({"accepted": accepted}).encode()
        return 200, "application/json", body

    def statement(self, day: date) -> list[PlatformPayment]:
        if self.down:
            raise PlatformUnavailable("the memory platform is set down")
        return [p for p in self.payments if p.paid_at.astimezone(_VIETNAM).date() == day]

    def _sign(self, body: bytes) -> str:
        return hmac.new(self.secret, body, hashlib.sha256).hexdigest()
