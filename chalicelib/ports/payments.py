"""Payment orders and the payments the platform reported, as the payments service keeps them."""

from __future__ import annotations

from enum import Enum
from typing import Protocol

from chalicelib.domain.payments import PaymentOrder, RecordedPayment


class Recorded(Enum):
    WRITTEN = "written"
    KNOWN = "known"  # a payment with this platform and transaction id was recorded before
    ORDER_TAKEN = "order_taken"  # the order was paid by another transaction meanwhile


class PaymentRecords(Protocol):
    def open_order(self, order: PaymentOrder) -> PaymentOrder:
        """Write `order` unless one with its code exists; the order stored either way (a
        redelivered fee request finds the first one, unchanged)."""
        ...

    def order(self, order_code: str) -> PaymentOrder | None: ...

    def orders_of(self, code: str) -> list[PaymentOrder]:
        """A dossier's orders, oldest fee request first."""
        ...

    def payment(self, platform: str, transaction_id: str) -> RecordedPayment | None: ...

    def payments_of(self, code: str) -> list[RecordedPayment]:
        """The payments recorded against a dossier's orders (applied and parked), by time."""
        ...

    def record(self, payment: RecordedPayment, order: PaymentOrder | None = None) -> Recorded:
        """Write `payment` once, keyed by its platform and transaction id. An applied payment
        comes with its order, now paid: written together, only while the stored order is open.
        A parked one is also listed under its agency for officials. Nothing is written
        unless everything is."""
        ...

    def resolve(
        self, before: RecordedPayment, after: RecordedPayment, order: PaymentOrder | None = None
    ) -> Recorded:
        """Replace the parked payment `before` with `after` (an official's decision), only
        while the stored one is still parked: it leaves its agency's parked list. An order
        given (now paid by it) is written with it, only while the stored order is open.
        KNOWN: it was decided meanwhile; ORDER_TAKEN: the order was paid meanwhile. Nothing
        is written unless everything is."""
        ...

    def parked(self, agency: str, limit: int = 200) -> list[RecordedPayment]:
        """The agency's parked payments, oldest first (NO_AGENCY: those of unknown orders)."""
        ...
