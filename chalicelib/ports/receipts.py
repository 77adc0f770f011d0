"""The receipts issued for payments applied (domain/receipts.py), as the receipts service keeps
them: numbered in the agency's series, once per payment."""

from __future__ import annotations

from typing import Protocol

from chalicelib.domain.receipts import IssuedReceipt


class ReceiptRecords(Protocol):
    def issue(self, draft: IssuedReceipt) -> IssuedReceipt:
        """`draft` numbered with the next number of its sequence (agency, form code, series:
        1, 2, … with no gap and no repeat) and written, in one step; if its payment has a
        receipt already, that one, unchanged, and no number is used."""
        ...

    def receipt(self, code: str, payment: str) -> IssuedReceipt | None:
        """The receipt of `payment` (`<platform>#<transaction id>`) on dossier `code`."""
        ...

    def receipts_of(self, code: str) -> list[IssuedReceipt]:
        """A dossier's receipts, oldest first."""
        ...
