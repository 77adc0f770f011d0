"""The nightly reconciliation of payments (issue 20): the platform's statement of a day against
our orders and recorded payments.

Every line of the statement is taken as a callback would be (services/payments.take_payment,
`via="reconciliation"`): a payment whose callback never came is applied now (its `fees_paid`
takes effect at the moment it was paid); one we recorded before is matched; an unknown order,
a wrong amount or currency, a late or double payment is parked for an official. What remains
parked among the day's lines is the difference the alarm reports.

Not checked here: a payment recorded from a callback that the statement does not list (the
statement is the platform's word on what it took; such a callback was verified by signature).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from chalicelib.domain import payments as pay
from chalicelib.domain.calendar import as_local
from chalicelib.ports.payment_platform import PlatformUnavailable
from chalicelib.services.payments import PaymentDeps, take_payment


@dataclass
class PaymentReconciliation:
    day: date
    lines: int = 0
    matched: int = 0  # recorded before (a callback came) and applied
    applied: list[str] = field(default_factory=list)  # missing callbacks, applied now
    parked: list[pay.RecordedPayment] = field(default_factory=list)  # new or still parked
    unavailable: str | None = None  # the platform could not say: nothing was checked

    @property
    def differences(self) -> int:
        """What an official still has to look at: the day's parked payments."""
        return len(self.parked)

    def summary(self) -> dict[str, Any]:
        return {
            "day": self.day.isoformat(),
            "lines": self.lines,
            "matched": self.matched,
            "applied": self.applied,
            "parked": [
                {"transaction": p.key, "order_code": p.order_code, "reason": p.reason}
                for p in self.parked
            ],
            "differences": self.differences,
            "unavailable": self.unavailable,
        }


def yesterday(now: datetime) -> date:
    """The day before `now`, in Hà Nội (the platform's statements are by Vietnam day)."""
    return as_local(now, "now").date() - timedelta(days=1)


def reconcile(day: date, deps: PaymentDeps, now: datetime) -> PaymentReconciliation:
    result = PaymentReconciliation(day)
    try:
        lines = deps.platform.statement(day)
    except PlatformUnavailable as error:
        result.unavailable = str(error) or "the platform did not answer"
        return result
    result.lines = len(lines)
    for line in lines:
        taken = take_payment(line, deps, now, via="reconciliation")
        if taken.payment.outcome is pay.PaymentOutcome.PARKED:
            result.parked.append(taken.payment)
        elif taken.verdict is pay.Verdict.APPLY:
            result.applied.append(taken.payment.key)
        else:
            result.matched += 1
    return result
