"""The citizen's rating page (`/danh-gia/{token}`): the invitation's link opens it.

It asks what `GET /v1/public/ratings/{token}` answers (services/ratings.page: the dossier's
code and procedure, satisfied or not, the SIPAS reasons, an optional comment) and records
through the same use case as `POST /v1/public/ratings/{token}`, whose body it builds from the
form and checks with the API's own model (voice_models.RatingForm: the comment's bound and
safe text). A field at fault is told beside it; a closed period is told on the page, with
what to do instead; an unknown token is the 404 page (the boundary).

A plain form: radios for the verdict, one checkbox a reason (each its own field, so the one
value a field that page forms carry is enough), a textarea for the comment. The reasons are
asked only of a "not satisfied": when "satisfied" is chosen, ticked reasons are left out
rather than refused (the boxes stay on screen without JavaScript).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from chalicelib.domain.ratings import CLOSED_VI, MAX_COMMENT, NOT_RETURNED_VI, RatingReason
from chalicelib.http.problems import Problem
from chalicelib.services.errors import Conflict, Invalid
from chalicelib.services.rating_links import PATH
from chalicelib.web.site import Site

SATISFIED = "hai_long"  # "co" | "khong"
YES, NO = "co", "khong"
REASON_PREFIX = "ly_do_"
REASONS = "ly_do"  # the reasons' fieldset, where their error is told
COMMENT = "y_kien"
SATISFIED_MISSING = "Vui lòng chọn Hài lòng hoặc Không hài lòng"
REASONS_MISSING = "Vui lòng chọn ít nhất một nội dung chưa hài lòng"
# The API's field names, as this form names them.
FORM_FIELD = {"satisfied": SATISFIED, "reasons": REASONS, "comment": COMMENT}


def reason_field(reason: RatingReason) -> str:
    return REASON_PREFIX + reason.value


@dataclass
class Choice:
    """What the form says (kept to show again beside its errors)."""

    satisfied: bool | None = None
    reasons: tuple[RatingReason, ...] = ()
    comment: str = ""

    def body(self) -> dict[str, Any]:
        """The API's body (RatingForm) for this choice."""
        return {
            "satisfied": self.satisfied,
            "reasons": [r.value for r in self.reasons] if self.satisfied is False else [],
            "comment": self.comment or None,
        }


def parse_form(fields: dict[str, str]) -> tuple[Choice, dict[str, str]]:
    """The choice a posted form makes, and the errors of what it leaves out."""
    verdict = fields.get(SATISFIED, "")
    satisfied = True if verdict == YES else False if verdict == NO else None
    reasons = tuple(r for r in RatingReason if fields.get(reason_field(r)))
    # Its bound and safe text are the API model's to check (told beside the field); what is
    # longer than the model ever reads is cut to that, still too long.
    comment = fields.get(COMMENT, "").strip()[: MAX_COMMENT * 2]
    choice = Choice(satisfied, reasons, comment)
    errors: dict[str, str] = {}
    if satisfied is None:
        errors[SATISFIED] = SATISFIED_MISSING
    elif not satisfied and not reasons:
        errors[REASONS] = REASONS_MISSING
    return choice, errors


@dataclass
class Outcome:
    """What the rating page shows: the questions, the choice, errors, or the recorded answer."""

    questions: dict[str, Any]
    choice: Choice = field(default_factory=Choice)
    errors: dict[str, str] = field(default_factory=dict)
    closed: str | None = None  # why the period is closed (Vietnamese), then no form
    status: int = 200
    recorded: dict[str, Any] | None = None


def _current(questions: dict[str, Any]) -> Choice:
    """The recorded answer, to show chosen: its verdict and its reasons (the comment is kept
    only in the dossier's history, so it is not shown again)."""
    current = questions.get("current") or {}
    codes = set(current.get("reasons") or ())
    return Choice(
        satisfied=current.get("satisfied"),
        reasons=tuple(r for r in RatingReason if r.value in codes),
    )


def is_open(questions: dict[str, Any], now: datetime) -> bool:
    """Whether the period to rate is open at `now` (the result returned, not yet closed)."""
    returned, until = questions.get("returned_at"), questions.get("open_until")
    if not returned or not until:
        return False
    return datetime.fromisoformat(returned) <= now <= datetime.fromisoformat(until)


def shown(questions: dict[str, Any], now: datetime, *, days: int) -> Outcome:
    """The page as opened: the current answer chosen, or why it can no longer be given (the
    words the use case refuses with, services/ratings.record)."""
    outcome = Outcome(questions=questions, choice=_current(questions))
    if not is_open(questions, now):
        returned = questions.get("returned_at")
        outcome.closed = NOT_RETURNED_VI if not returned else CLOSED_VI.format(
            days=days, returned=datetime.fromisoformat(returned).strftime("%d/%m/%Y"))  # fmt: skip
    return outcome


def _beside(error: Invalid | Problem, outcome: Outcome) -> Outcome:
    for issue in error.errors:
        name = FORM_FIELD.get(re.split(r"[.\[]", issue.field, maxsplit=1)[0], SATISFIED)
        outcome.errors.setdefault(name, issue.message)
    return outcome


def rate(
    questions: dict[str, Any],
    fields: dict[str, str],
    *,
    checked: Callable[[dict[str, Any]], Any],
    record: Callable[[Any], dict[str, Any]],
) -> Outcome:
    """A posted form. `checked` is the API's body model (a 400 Problem naming the field);
    `record` the API's use case for that body, bound to the opened token."""
    choice, errors = parse_form(fields)
    outcome = Outcome(questions=questions, choice=choice, errors=errors)
    if errors:
        outcome.status = 400
        return outcome
    try:
        outcome.recorded = record(checked(choice.body()))
    except Problem as refused:
        outcome.status = refused.status
        return _beside(refused, outcome)
    except Invalid as refused:
        outcome.status = 400
        return _beside(refused, outcome)
    except Conflict as refused:  # the period is over (or the dossier kept changing)
        outcome.status = 409
        outcome.closed = refused.errors[0].message if refused.errors else refused.detail
    return outcome


def render_rating(site: Site, csrf_token: str, token: str, outcome: Outcome) -> str:
    from chalicelib.web.templates import render

    choice = outcome.choice
    return render(
        "rating.html",
        site=site,
        csrf_token=csrf_token,
        q=outcome.questions,
        procedure=outcome.questions.get("procedure_name") or outcome.questions.get("procedure"),
        reasons=[(r, reason_field(r), r in choice.reasons) for r in RatingReason],
        choice=choice,
        errors=outcome.errors,
        closed=outcome.closed,
        recorded=outcome.recorded,
        fields={
            "satisfied": SATISFIED,
            "yes": YES,
            "no": NO,
            "reasons": REASONS,
            "comment": COMMENT,
        },
        max_comment=MAX_COMMENT,
        action=site.url(PATH + token),
    )
