"""The payment platform of a deployed stage that has none configured (staging or prod without
MOTCUA_PAYMENT_PLATFORM=paygov): fees are paid at the counter as before online payment existed.

- Orders are still written when fees are requested (services/payments.open_order_for does not
  need a platform): the dossier read shows what is owed.
- No checkout link: `checkout_url` says the platform is unavailable, and the lookup page then
  says to pay at the counter or on the national portal.
- Callbacks: 404 problem for every platform (the route's answer for a name that is not this
  one's; for this one's, `read_callback` refuses and `callback_answer` is the same 404).
- The nightly statement is empty: no platform took any payment for us, so there is nothing to
  reconcile and no alarm to raise.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from typing import Final

from chalicelib.ports.payment_platform import (
    CallbackRefused,
    PaymentRequest,
    PlatformPayment,
    PlatformUnavailable,
)

NAME: Final = "none"
_NOT_FOUND: Final = {
    "type": "https://motcua.example.gov.vn/problems/not-found",
    "title": "Không tìm thấy",
    "status": 404,
    "detail": "no payment platform is configured for this stage",
}


class NoPaymentPlatform:
    name = NAME

    def checkout_url(self, request: PaymentRequest) -> str:
        raise PlatformUnavailable("no payment platform is configured for this stage")

    def read_callback(self, headers: Mapping[str, str], body: bytes) -> PlatformPayment:
        raise CallbackRefused("platform", "no payment platform is configured for this stage")

    def callback_answer(self, accepted: bool) -> tuple[int, str, bytes]:
        return 404, "application/problem+json", json.dumps(_NOT_FOUND).encode()

    def statement(self, day: date) -> list[PlatformPayment]:
        return []
