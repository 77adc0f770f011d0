"""The receipts issued for payments (ports/receipts.py) in the table, and their fake.

- `D#<code>` / `BL#<platform>#<transaction id>`: the receipt (`receipt`: JSON, `number`),
  under its dossier; written only if absent: one receipt per payment.
- `SEQ#BL#<agency>#<form code>#<series>` / `SEQ`: the last number used in that series (`n`).
A receipt and its number are written in one transaction, the number's update conditional on
the value read: two receipts racing for a number make one of them read again, so the series
has no gap (a number is never spent on a receipt not written) and no repeat.
"""

from __future__ import annotations

from typing import Any

from chalicelib.adapters.dynamo_calls import OnTable, query_all, transact
from chalicelib.domain.receipts import NUMBER_MAX, IssuedReceipt

FAILED = "ConditionalCheckFailed"
RECEIPT_SK = "BL#"
ATTEMPTS = 20  # receipts of one series racing at once; each lost race reads again


class SeriesExhausted(RuntimeError):
    """The agency's series has used its last number: the agency must register a new one."""


def _s(value: str) -> dict[str, str]:
    return {"S": value}


def _key(pk: str, sk: str) -> dict[str, Any]:
    return {"PK": _s(pk), "SK": _s(sk)}


def _receipt_key(code: str, payment: str) -> dict[str, Any]:
    return _key(f"D#{code}", RECEIPT_SK + payment)


def _sequence_key(receipt: IssuedReceipt) -> dict[str, Any]:
    return _key(f"SEQ#BL#{receipt.sequence}", "SEQ")


def _next(receipt: IssuedReceipt, last: int) -> IssuedReceipt:
    if last >= NUMBER_MAX:
        raise SeriesExhausted(f"receipt series {receipt.sequence} has used {NUMBER_MAX}")
    return receipt.model_copy(update={"number": last + 1})


class DynamoReceiptRecords(OnTable):
    def issue(self, draft: IssuedReceipt) -> IssuedReceipt:
        for _ in range(ATTEMPTS):
            known = self.receipt(draft.code, draft.payment)
            if known is not None:
                return known
            counter = self._get(_sequence_key(draft))
            last = int(counter["n"]["N"]) if counter else 0
            numbered = _next(draft, last)
            if counter is None:
                unchanged: dict[str, Any] = {"ConditionExpression": "attribute_not_exists(PK)"}
            else:
                unchanged = {"ConditionExpression": "n = :last",
                             "ExpressionAttributeValues": {":last": {"N": str(last)}}}  # fmt: skip
            reasons = transact(self._db, [
                {"Put": {"TableName": self.table, "ConditionExpression": "attribute_not_exists(PK)",
                         "Item": {**_receipt_key(draft.code, draft.payment),
                                  "receipt": _s(numbered.model_dump_json()),
                                  "number": {"N": str(numbered.number)}}}},
                {"Put": {"TableName": self.table, **unchanged,
                         "Item": {**_sequence_key(draft), "n": {"N": str(numbered.number)}}}},
            ])  # fmt: skip
            if reasons is None:
                return numbered
            if FAILED not in reasons:
                raise RuntimeError(f"issuing the receipt of {draft.payment} failed: {reasons}")
        raise RuntimeError(f"receipt of {draft.payment}: series {draft.sequence} too contended")

    def receipt(self, code: str, payment: str) -> IssuedReceipt | None:
        item = self._get(_receipt_key(code, payment))
        return IssuedReceipt.model_validate_json(item["receipt"]["S"]) if item else None

    def receipts_of(self, code: str) -> list[IssuedReceipt]:
        items = query_all(
            self._db,
            TableName=self.table,
            KeyConditionExpression="PK = :pk AND begins_with(SK, :prefix)",
            ExpressionAttributeValues={":pk": _s(f"D#{code}"), ":prefix": _s(RECEIPT_SK)},
            ConsistentRead=True,
        )
        found = [IssuedReceipt.model_validate_json(i["receipt"]["S"]) for i in items]
        return sorted(found, key=lambda r: (r.issued_at, r.payment))


class MemoryReceiptRecords:
    def __init__(self) -> None:
        self.receipts: dict[tuple[str, str], IssuedReceipt] = {}
        self.sequences: dict[str, int] = {}

    def issue(self, draft: IssuedReceipt) -> IssuedReceipt:
        known = self.receipts.get((draft.code, draft.payment))
        if known is not None:
            return known
        numbered = _next(draft, self.sequences.get(draft.sequence, 0))
        self.sequences[draft.sequence] = numbered.number or 0
        self.receipts[(draft.code, draft.payment)] = numbered
        return numbered

    def receipt(self, code: str, payment: str) -> IssuedReceipt | None:
        return self.receipts.get((code, payment))

    def receipts_of(self, code: str) -> list[IssuedReceipt]:
        found = (r for (c, _), r in self.receipts.items() if c == code)
        return sorted(found, key=lambda r: (r.issued_at, r.payment))
