"""Payment orders and recorded payments in the table, and their fake.

- `D#<code>` / `PAY#O#<order code>`: the order (`order`: JSON, `state`).
- `PAYORDER#<order code>` / `PAYORDER`: which dossier the order belongs to (`code`); written
  with the order, conditionally, so two orders never share a code.
- `PAYTX#<platform>#<transaction id>` / `PAYTX`: the payment as recorded (`payment`: JSON):
  the idempotency key, written only if absent.
- `D#<code>` / `PAY#T#<platform>#<transaction id>`: the same payment under its dossier (when
  its order is known), so the dossier's read finds it in its own partition.
- `PARKED#<agency>` / `<recorded at UTC>#<platform>#<transaction id>`: a parked payment, listed
  for the agency's officials (`PARKED#-`: unknown orders) until an official decides on it; the
  decision rewrites the payment (`PAYTX` with `outcome`, and its copy) and drops the listing.
An applied payment is written with its order's update (condition: the order is still open) in
one transaction.
"""

from __future__ import annotations

from typing import Any

from chalicelib.adapters.dynamo_calls import OnTable, query_all, transact
from chalicelib.domain.payments import OrderState, PaymentOrder, PaymentOutcome, RecordedPayment
from chalicelib.ports.payments import Recorded
from chalicelib.ports.records import utc_key

FAILED = "ConditionalCheckFailed"
ORDER_SK = "PAY#O#"
PAYMENT_SK = "PAY#T#"


def _s(value: str) -> dict[str, str]:
    return {"S": value}


def _key(pk: str, sk: str) -> dict[str, Any]:
    return {"PK": _s(pk), "SK": _s(sk)}


def _order_key(order: PaymentOrder) -> dict[str, Any]:
    return _key(f"D#{order.code}", ORDER_SK + order.order_code)


def _parked_sk(payment: RecordedPayment) -> str:
    return f"{utc_key(payment.recorded_at)}#{payment.key}"


class DynamoPaymentRecords(OnTable):
    def _query(self, pk: str, prefix: str = "") -> list[dict[str, Any]]:
        return query_all(
            self._db,
            TableName=self.table,
            KeyConditionExpression="PK = :pk AND begins_with(SK, :prefix)",
            ExpressionAttributeValues={":pk": _s(pk), ":prefix": _s(prefix)},
            ConsistentRead=True,
        )

    def open_order(self, order: PaymentOrder) -> PaymentOrder:
        new = "attribute_not_exists(PK)"
        reasons = transact(self._db, [
            {"Put": {"TableName": self.table, "ConditionExpression": new, "Item": {
                **_order_key(order), "order": _s(order.model_dump_json()),
                "state": _s(order.state.value)}}},
            {"Put": {"TableName": self.table, "ConditionExpression": new, "Item": {
                **_key(f"PAYORDER#{order.order_code}", "PAYORDER"), "code": _s(order.code)}}},
        ])  # fmt: skip
        if reasons is None:
            return order
        stored = self.order(order.order_code)
        if stored is None:
            raise RuntimeError(f"order {order.order_code} was refused but is not stored")
        return stored

    def order(self, order_code: str) -> PaymentOrder | None:
        pointer = self._get(_key(f"PAYORDER#{order_code}", "PAYORDER"))
        if pointer is None:
            return None
        item = self._get(_key(f"D#{pointer['code']['S']}", ORDER_SK + order_code))
        return PaymentOrder.model_validate_json(item["order"]["S"]) if item else None

    def orders_of(self, code: str) -> list[PaymentOrder]:
        orders = [PaymentOrder.model_validate_json(i["order"]["S"])
                  for i in self._query(f"D#{code}", ORDER_SK)]  # fmt: skip
        return sorted(orders, key=lambda o: o.fee_request)

    def payment(self, platform: str, transaction_id: str) -> RecordedPayment | None:
        item = self._get(_key(f"PAYTX#{platform}#{transaction_id}", "PAYTX"))
        return RecordedPayment.model_validate_json(item["payment"]["S"]) if item else None

    def payments_of(self, code: str) -> list[RecordedPayment]:
        found = [RecordedPayment.model_validate_json(i["payment"]["S"])
                 for i in self._query(f"D#{code}", PAYMENT_SK)]  # fmt: skip
        return sorted(found, key=lambda p: (p.recorded_at, p.key))

    def record(self, payment: RecordedPayment, order: PaymentOrder | None = None) -> Recorded:
        items = self._payment_puts(payment, {"ConditionExpression": "attribute_not_exists(PK)"})
        if payment.outcome is PaymentOutcome.PARKED:
            listed = _key(f"PARKED#{payment.agency}", _parked_sk(payment))
            body = _s(payment.model_dump_json())
            items.append({"Put": {"TableName": self.table, "Item": {**listed, "payment": body}}})
        elif order is not None:
            items.append(self._paid_order(order))
        return self._written(items, f"recording payment {payment.key}")

    def resolve(
        self, before: RecordedPayment, after: RecordedPayment, order: PaymentOrder | None = None
    ) -> Recorded:
        # Recorded before `outcome` was kept beside it, a parked payment still counts as parked
        # (the service read it parked; the condition guards against another decision).
        still_parked = {
            "ConditionExpression": "attribute_exists(PK) AND "
            "(#outcome = :parked OR attribute_not_exists(#outcome))",
            "ExpressionAttributeNames": {"#outcome": "outcome"},
            "ExpressionAttributeValues": {":parked": _s(PaymentOutcome.PARKED.value)},
        }
        items = self._payment_puts(after, still_parked)
        listed = _key(f"PARKED#{before.agency}", _parked_sk(before))
        items.append({"Delete": {"TableName": self.table, "Key": listed}})
        if order is not None:
            items.append(self._paid_order(order))
        return self._written(items, f"resolving payment {after.key}")

    def _payment_puts(
        self, payment: RecordedPayment, condition: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """The payment under its key (with `condition`, first), and under its dossier."""
        body = _s(payment.model_dump_json())
        items: list[dict[str, Any]] = [{"Put": {"TableName": self.table, **condition, "Item": {
            **_key(f"PAYTX#{payment.key}", "PAYTX"), "payment": body,
            "outcome": _s(payment.outcome.value)}}}]  # fmt: skip
        if payment.code is not None:
            beside = _key(f"D#{payment.code}", PAYMENT_SK + payment.key)
            items.append({"Put": {"TableName": self.table, "Item": {**beside, "payment": body}}})
        return items

    def _written(self, items: list[dict[str, Any]], doing: str) -> Recorded:
        """The transaction's outcome: the payment's condition first, the order's last."""
        reasons = transact(self._db, items)
        if reasons is None:
            return Recorded.WRITTEN
        if reasons[0] == FAILED:
            return Recorded.KNOWN
        if reasons[-1] == FAILED:
            return Recorded.ORDER_TAKEN
        raise RuntimeError(f"{doing} was cancelled: {reasons}")

    def _paid_order(self, order: PaymentOrder) -> dict[str, Any]:
        """The order's update to paid, only while the stored one is open."""
        return {"Put": {
            "TableName": self.table,
            "Item": {**_order_key(order), "order": _s(order.model_dump_json()),
                     "state": _s(order.state.value)},
            "ConditionExpression": "#state = :open",
            "ExpressionAttributeNames": {"#state": "state"},
            "ExpressionAttributeValues": {":open": _s(OrderState.OPEN.value)},
        }}  # fmt: skip

    def parked(self, agency: str, limit: int = 200) -> list[RecordedPayment]:
        answer = self._db.query(
            TableName=self.table,
            KeyConditionExpression="PK = :pk",
            ExpressionAttributeValues={":pk": _s(f"PARKED#{agency}")},
            Limit=limit,
        )
        return [RecordedPayment.model_validate_json(i["payment"]["S"]) for i in answer["Items"]]


class MemoryPaymentRecords:
    def __init__(self) -> None:
        self.orders: dict[str, PaymentOrder] = {}
        self.payments: dict[str, RecordedPayment] = {}

    def open_order(self, order: PaymentOrder) -> PaymentOrder:
        return self.orders.setdefault(order.order_code, order)

    def order(self, order_code: str) -> PaymentOrder | None:
        return self.orders.get(order_code)

    def orders_of(self, code: str) -> list[PaymentOrder]:
        return sorted((o for o in self.orders.values() if o.code == code),
                      key=lambda o: o.fee_request)  # fmt: skip

    def payment(self, platform: str, transaction_id: str) -> RecordedPayment | None:
        return self.payments.get(f"{platform}#{transaction_id}")

    def payments_of(self, code: str) -> list[RecordedPayment]:
        return sorted((p for p in self.payments.values() if p.code == code),
                      key=lambda p: (p.recorded_at, p.key))  # fmt: skip

    def record(self, payment: RecordedPayment, order: PaymentOrder | None = None) -> Recorded:
        if payment.key in self.payments:
            return Recorded.KNOWN
        if payment.outcome is PaymentOutcome.APPLIED and order is not None:
            stored = self.orders.get(order.order_code)
            if stored is None or stored.state is not OrderState.OPEN:
                return Recorded.ORDER_TAKEN
            self.orders[order.order_code] = order
        self.payments[payment.key] = payment
        return Recorded.WRITTEN

    def resolve(
        self, before: RecordedPayment, after: RecordedPayment, order: PaymentOrder | None = None
    ) -> Recorded:
        stored = self.payments.get(before.key)
        if stored is None or stored.outcome is not PaymentOutcome.PARKED:
            return Recorded.KNOWN
        if order is not None:
            current = self.orders.get(order.order_code)
            if current is None or current.state is not OrderState.OPEN:
                return Recorded.ORDER_TAKEN
            self.orders[order.order_code] = order
        self.payments[after.key] = after
        return Recorded.WRITTEN

    def parked(self, agency: str, limit: int = 200) -> list[RecordedPayment]:
        mine = (p for p in self.payments.values()
                if p.outcome is PaymentOutcome.PARKED and p.agency == agency)  # fmt: skip
        return sorted(mine, key=_parked_sk)[:limit]
