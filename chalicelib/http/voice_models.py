"""What the citizen's voice routes take: ratings (the link, the counter's device, the national
portal) and feedback (PAKN: the portal, the 1022 hotline, an official typing one in).

The contracts, with examples, are in docs/citizen-voice.md.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    ValidationInfo,
    field_validator,
)

from chalicelib.domain.feedback import MAX_CONTENT, MAX_TITLE, FeedbackAction, FeedbackKind
from chalicelib.domain.identifiers import AGENCY_CODE, PROCEDURE_CODE
from chalicelib.domain.ratings import MAX_COMMENT, RatingReason
from chalicelib.http.request_models import _now
from chalicelib.intake import checks
from chalicelib.intake.checks import normalise_phone
from chalicelib.intake.errors import CheckFailed, checked

# An id the sender gives (a device's rating, the portal's HOIDAPID, the hotline's ticket).
EXTERNAL_ID = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$"
DOSSIER_CODE = r"^[0-9]{3}\.[0-9]{2}\.[0-9]{2}\.H[0-9]{2}-[0-9]{6}-[0-9]{4,5}$"
OFFICIAL_ID = r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,127}$"


def _safe(value: str | None, limit: int, *, multiline: bool = False, empty: bool = True) -> str:
    if value is None:
        return ""
    return checked(checks.clean_text, value, max_length=limit, min_length=0 if empty else 1,
                   multiline=multiline)  # fmt: skip


class RatingForm(BaseModel):
    """Body of POST /v1/public/ratings/{token}: the citizen's answer."""

    model_config = ConfigDict(extra="forbid")

    satisfied: StrictBool
    reasons: Annotated[list[RatingReason], Field(max_length=len(RatingReason))] = []
    comment: Annotated[str | None, Field(max_length=MAX_COMMENT * 2)] = None

    @field_validator("comment")
    @classmethod
    def _safe_comment(cls, value: str | None) -> str:
        # Shown to officials and leaders, exported: safe text, line breaks allowed.
        return _safe(value, MAX_COMMENT, multiline=True)


class DeviceRating(RatingForm):
    """Body of POST /v1/webhooks/ratings: a rating from the counter's device or the portal."""

    rating_id: Annotated[str, Field(pattern=EXTERNAL_ID)]
    code: Annotated[str, Field(pattern=DOSSIER_CODE)]
    rated_at: datetime
    source: Literal["counter_device", "national_portal"] = "counter_device"

    @field_validator("rated_at")
    @classmethod
    def _real_moment(cls, value: datetime, info: ValidationInfo) -> datetime:
        return checked(checks.check_moment, value, now=_now(info))


class Person(BaseModel):
    """Who sent a PAKN. Personal data: shown only to those handling it."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, Field(max_length=400)]
    phone: Annotated[str | None, Field(max_length=40)] = None
    email: Annotated[str | None, Field(max_length=254)] = None
    address: Annotated[str | None, Field(max_length=800)] = None

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return checked(checks.check_name, value)

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            return normalise_phone(value)
        except CheckFailed as exc:
            raise ValueError(exc.reason) from exc

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        return None if value is None else checked(checks.check_email, value)

    @field_validator("address")
    @classmethod
    def _address(cls, value: str | None) -> str | None:
        return _safe(value, 400) or None


class FeedbackIn(BaseModel):
    """Body of POST /v1/feedback (an official types in a call or a letter)."""

    model_config = ConfigDict(extra="forbid")

    external_id: Annotated[str | None, Field(pattern=EXTERNAL_ID)] = None
    channel: Literal["phone", "letter", "counter"] = "phone"
    kind: FeedbackKind = FeedbackKind.COMPLAINT
    agency: Annotated[str | None, Field(pattern=AGENCY_CODE.pattern)] = None
    title: Annotated[str, Field(max_length=MAX_TITLE * 2)]
    content: Annotated[str, Field(max_length=MAX_CONTENT * 2)]
    dossier_code: Annotated[str | None, Field(pattern=DOSSIER_CODE)] = None
    procedure_code: Annotated[str | None, Field(pattern=PROCEDURE_CODE.pattern)] = None
    about_official: Annotated[str | None, Field(pattern=OFFICIAL_ID)] = None
    person: Person
    received_at: datetime | None = None

    @field_validator("title")
    @classmethod
    def _title(cls, value: str) -> str:
        return _safe(value, MAX_TITLE, empty=False)

    @field_validator("content")
    @classmethod
    def _content(cls, value: str) -> str:
        return _safe(value, MAX_CONTENT, multiline=True, empty=False)

    @field_validator("received_at")
    @classmethod
    def _real_moment(cls, value: datetime | None, info: ValidationInfo) -> datetime | None:
        return None if value is None else checked(checks.check_moment, value, now=_now(info))


class FeedbackWebhook(FeedbackIn):
    """Body of POST /v1/webhooks/feedback: a PAKN from the national portal or the 1022
    hotline's system (their shapes mapped to ours: docs/citizen-voice.md)."""

    external_id: Annotated[str, Field(pattern=EXTERNAL_ID)]
    channel: Literal["national_portal", "hotline_1022"]  # type: ignore[assignment]
    agency: Annotated[str, Field(pattern=AGENCY_CODE.pattern)]
    received_at: datetime


class Assignee(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: Annotated[str, Field(pattern=OFFICIAL_ID)]
    name: Annotated[str, Field(max_length=200)]
    unit: Annotated[str, Field(pattern=r"^[A-Z0-9_]{1,40}$")]

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return checked(checks.check_name, value)


class FeedbackActionIn(BaseModel):
    """Body of POST /v1/feedback/{feedback_id}/actions."""

    model_config = ConfigDict(extra="forbid")

    action: FeedbackAction
    expected_revision: Annotated[StrictInt, Field(ge=1, le=1_000_000)]
    assignee: Assignee | None = None  # assign
    answer: Annotated[str | None, Field(max_length=MAX_CONTENT * 2)] = None  # answer
    to_agency: Annotated[str | None, Field(pattern=AGENCY_CODE.pattern)] = None  # transfer
    reason: Annotated[str | None, Field(max_length=2000)] = None  # transfer, refuse

    @field_validator("answer")
    @classmethod
    def _answer(cls, value: str | None) -> str | None:
        return _safe(value, MAX_CONTENT, multiline=True) or None

    @field_validator("reason")
    @classmethod
    def _reason(cls, value: str | None) -> str | None:
        return _safe(value, 1000, multiline=True) or None


# -- answers (the OpenAPI document describes them; the matrix test holds answers to them) -----
class RatingReasonView(BaseModel):
    code: RatingReason
    label: str


class RatingCurrent(BaseModel):
    satisfied: bool | None
    rated_at: str
    reasons: list[RatingReason] = []  # of a "not satisfied"; none kept on older dossiers


class RatingPage(BaseModel):
    code: str
    procedure: str
    returned_at: str | None
    open_until: str | None
    questions: dict[str, str]
    reasons: list[RatingReasonView]
    current: RatingCurrent | None


class RatingRecorded(BaseModel):
    code: str
    satisfied: bool | None
    rated_at: str | None
    replaced: bool
    kept_newer: bool
    open_until: str | None


class FeedbackView(BaseModel):
    """A PAKN as the caller may see it: `person` is null unless the caller handles it."""

    id: str
    channel: str
    source: str
    external_id: str | None
    kind: str
    agency: str
    title: str
    content: str
    dossier_code: str | None
    procedure_code: str | None
    about_official: str | None
    person: dict[str, Any] | None
    entered_by: str | None
    received_at: str
    due_at: str
    status: str
    assignee: dict[str, Any] | None
    answer: str | None
    answered_at: str | None
    answered_by: str | None
    on_time: bool | None
    published_at: str | None
    transferred_to: str | None
    reason: str | None
    alarms_fired: list[str]
    revision: int


class FeedbackReceived(BaseModel):
    id: str
    status: str
    due_at: str
    created: bool
    url: str


class FeedbackList(BaseModel):
    items: list[FeedbackView]
