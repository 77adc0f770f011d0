"""The citizen's rating of a returned dossier: what is asked, and when an answer counts.

What is asked follows the national measurement of satisfaction (SIPAS, docs/law.md §14a):
overall satisfied or not, and when not, which of its five factors fell short (at least one),
with an optional comment. One rating per dossier: a later one within the period replaces it
(the dossier keeps the latest with its reasons, its history keeps every one with its comment);
after the period it is refused.

The rating is a change of the dossier (`Action.RATED`), so QĐ 766 5.4's counters (`rated`,
`unsatisfied`: indicators.rating_delta) move in the same transaction as its history entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from chalicelib.domain.calendar import as_local
from chalicelib.domain.dossier import Action, Actor, Dossier, HistoryEntry, Transition, change_entry
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.statuses import DossierStatus

MAX_COMMENT = 500


class RatingReason(StrEnum):
    """The five factors SIPAS measures: what a "not satisfied" is about."""

    ACCESS = "access"
    PROCEDURE = "procedure"
    OFFICIAL = "official"
    RESULT = "result"
    FEEDBACK_HANDLING = "feedback_handling"

    @property
    def label_vi(self) -> str:
        return REASON_LABELS_VI[self]


REASON_LABELS_VI: dict[RatingReason, str] = {
    RatingReason.ACCESS: "Tiếp cận dịch vụ (nơi tiếp nhận, hướng dẫn, trang thông tin)",
    RatingReason.PROCEDURE: "Thủ tục hành chính (giấy tờ, phí, thời hạn giải quyết)",
    RatingReason.OFFICIAL: "Công chức trực tiếp giải quyết công việc (thái độ, hướng dẫn)",
    RatingReason.RESULT: "Kết quả giải quyết (đúng hẹn, chính xác)",
    RatingReason.FEEDBACK_HANDLING: "Việc tiếp nhận, giải quyết góp ý, phản ánh, kiến nghị",
}


class RatingSource(StrEnum):
    LINK = "link"  # the citizen, by the signed link of the invitation
    COUNTER_DEVICE = "counter_device"  # the rating device at the counter (signed webhook)
    NATIONAL_PORTAL = "national_portal"  # the portal's rating, relayed (signed webhook)


QUESTIONS_VI = {
    "satisfied": "Ông/Bà có hài lòng với việc tiếp nhận, giải quyết hồ sơ này không?",
    "reasons": "Nếu không hài lòng, xin cho biết chưa hài lòng về (chọn một hoặc nhiều):",
    "comment": "Ý kiến khác (không bắt buộc, tối đa 500 ký tự)",
}
CLOSED_VI = "Đã hết thời hạn đánh giá hồ sơ này ({days} ngày kể từ ngày trả kết quả {returned})"
NOT_RETURNED_VI = "Hồ sơ chưa trả kết quả nên chưa thể đánh giá"


@dataclass(frozen=True)
class RatingAnswer:
    satisfied: bool
    reasons: tuple[RatingReason, ...]
    comment: str  # checked safe text, may be empty
    source: RatingSource
    rated_at: datetime


class RatingClosed(InvalidInput):
    """The period to rate this dossier is over (or has not begun)."""


def returned_at(history: tuple[HistoryEntry, ...] | list[HistoryEntry]) -> datetime | None:
    """When the result was handed over: the last `return_result` of the history."""
    moments = [e.at for e in history if e.action is Action.RETURN_RESULT]
    return max(moments) if moments else None


def closes_at(returned: datetime, days: int) -> datetime:
    """The end of the rating period: `days` calendar days after the hand-over."""
    return returned + timedelta(days=days)


def check_answer(satisfied: bool, reasons: tuple[RatingReason, ...]) -> tuple[RatingReason, ...]:
    """Reasons belong to a "not satisfied", which needs at least one; each once, in order."""
    unique = tuple(dict.fromkeys(reasons))
    if satisfied and unique:
        raise InvalidInput("reasons are given only when not satisfied", field="reasons")
    if not satisfied and not unique:
        raise InvalidInput("a rating of not satisfied needs at least one reason", field="reasons")
    return unique


def rate(
    dossier: Dossier,
    answer: RatingAnswer,
    *,
    returned: datetime | None,
    days: int,
    actor: Actor,
) -> Transition | None:
    """The change a rating makes to `dossier`; None when an answer at least as recent is kept
    (a late copy of an older rating changes nothing). Refused (RatingClosed, naming `field`
    "rated_at") outside the period that opens when the result is handed over."""
    if dossier.status is not DossierStatus.RETURNED or returned is None:
        raise RatingClosed("the dossier's result has not been returned", field="code")
    at = as_local(answer.rated_at, "rated_at")
    until = closes_at(returned, days)
    if not returned <= at <= until:
        raise RatingClosed(
            f"the rating period ended {until.isoformat()} ({days} days after the return)",
            field="rated_at",
        )
    if dossier.rated_at is not None and at <= dossier.rated_at:
        return None
    reasons = check_answer(answer.satisfied, answer.reasons)
    after = dossier.model_copy(
        update={
            "satisfied": answer.satisfied,
            "rated_at": at,
            "rating_reasons": tuple(r.value for r in RatingReason if r in reasons),
            "version": dossier.version + 1,
            "revision": dossier.revision + 1,
        }
    )
    entry = change_entry(dossier, after, Action.RATED, actor, at, _note(answer, reasons))
    return Transition(dossier=after, entry=entry.model_copy(update={"satisfied": answer.satisfied}))


def _note(answer: RatingAnswer, reasons: tuple[RatingReason, ...]) -> str:
    verdict = "Hài lòng" if answer.satisfied else "Không hài lòng"
    parts = [f"{verdict} ({SOURCE_LABELS_VI[answer.source]})"]
    if reasons:
        parts.append("về: " + "; ".join(r.label_vi for r in reasons))
    if answer.comment:
        parts.append(f"Ý kiến: {answer.comment}")
    return ". ".join(parts)


SOURCE_LABELS_VI = {
    RatingSource.LINK: "qua đường dẫn đánh giá",
    RatingSource.COUNTER_DEVICE: "tại thiết bị đánh giá ở Bộ phận Một cửa",
    RatingSource.NATIONAL_PORTAL: "trên Cổng Dịch vụ công quốc gia",
}


def questions(dossier: Dossier, returned: datetime | None, days: int) -> dict[str, object]:
    """What the rating page asks, for this dossier (no personal data)."""
    return {
        "code": dossier.code,
        "procedure": dossier.procedure_code,
        "returned_at": returned.isoformat() if returned else None,
        "open_until": closes_at(returned, days).isoformat() if returned else None,
        "questions": QUESTIONS_VI,
        "reasons": [{"code": r.value, "label": r.label_vi} for r in RatingReason],
        "current": None
        if dossier.rated_at is None
        else {
            "satisfied": dossier.satisfied,
            "rated_at": dossier.rated_at.isoformat(),
            "reasons": [r.value for r in recorded_reasons(dossier)],
        },
    }


def recorded_reasons(dossier: Dossier) -> tuple[RatingReason, ...]:
    """The reasons of the dossier's latest rating, in SIPAS order; none on a dossier rated
    before they were kept, and a code no longer asked is left out."""
    kept = set(dossier.rating_reasons)
    return tuple(r for r in RatingReason if r.value in kept)
