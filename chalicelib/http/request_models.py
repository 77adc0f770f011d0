"""What the API's callers send: request bodies and query parameters, as the routes parse them.

The entry layer's models: routes parse input with them (and the OpenAPI document describes the
input from them); the services take what they need of them, by attribute (the Protocols of
`services/transitions.py`, `due_dates.py`, `reports.py`).
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

from chalicelib.domain.calendar import LOCAL_TZ
from chalicelib.domain.dossier import Action, Command, PaymentChannel
from chalicelib.domain.identifiers import AGENCY_CODE, PROCEDURE_CODE
from chalicelib.domain.legal import APPOINTMENT_HORIZON
from chalicelib.http.problems import FieldIssue, Problem
from chalicelib.intake import checks
from chalicelib.intake.checks import normalise_phone
from chalicelib.intake.errors import CheckFailed, checked
from chalicelib.services.reports import MAX_MONTHS, MONTH, months

MAX_WORKING_DAYS = 365
MAX_WORKING_HOURS = MAX_WORKING_DAYS * 8
EARLIEST = datetime(2000, 1, 1, tzinfo=LOCAL_TZ)
LATEST = datetime(2100, 1, 1, tzinfo=LOCAL_TZ)
# A dossier's version counts its changes: a JSON integer (not `true`, not "1"), from 1.
Version = Annotated[StrictInt, Field(ge=1, le=1_000_000_000)]
# What SMS/ZNS providers call a message: visible ASCII, no space (it is part of a table key).
MESSAGE_ID = r"^[\x21-\x7e]{1,200}$"
PROVIDER = r"^[a-z0-9][a-z0-9_.-]{0,39}$"


def _now(info: ValidationInfo) -> datetime | None:
    """The moment of the request, when the route parsed the body with it (`{"now": …}`)."""
    context = info.context
    return context.get("now") if isinstance(context, dict) else None


def _default_when_null(value: Any, info: ValidationInfo, model: type[BaseModel]) -> Any:
    """`null` for an optional field means what leaving it out means (its default)."""
    if value is None and info.field_name is not None:
        return model.model_fields[info.field_name].default
    return value


# -- bodies --------------------------------------------------------------------------------------
class ActionRequest(BaseModel):
    """Body of POST /v1/dossiers/{code}/actions."""

    model_config = ConfigDict(extra="forbid")

    action: Action
    note: Annotated[str, Field(max_length=2000)] = ""
    target_agency: Annotated[
        str | None, Field(pattern=r"^[0-9]{3}\.[0-9]{2}\.[0-9]{2}\.H[0-9]{2}$")
    ] = None
    target_unit: Annotated[str | None, Field(pattern=r"^[A-Z0-9_]{1,40}$")] = None
    new_due_at: datetime | None = None
    amount_vnd: Annotated[int | None, Field(ge=0, le=1_000_000_000_000)] = None
    # With resolve: taken from the stored files (a result file kept), whatever is said here;
    # true without one is refused (services/transitions.electronic_from_files).
    electronic_result: StrictBool = False
    payment_channel: PaymentChannel | None = None  # with fees_paid: online or at the counter
    expected_version: Version

    @field_validator("note", "electronic_result", mode="before")
    @classmethod
    def _null_is_default(cls, value: Any, info: ValidationInfo) -> Any:
        return _default_when_null(value, info, cls)

    @field_validator("electronic_result")
    @classmethod
    def _only_when_resolving(cls, value: bool, info: ValidationInfo) -> bool:
        if value and info.data.get("action") is not Action.RESOLVE:
            raise ValueError("electronic_result is said only with the action resolve")
        return value

    @field_validator("payment_channel")
    @classmethod
    def _only_when_paid(
        cls, value: PaymentChannel | None, info: ValidationInfo
    ) -> PaymentChannel | None:
        if value is not None and info.data.get("action") is not Action.FEES_PAID:
            raise ValueError("payment_channel is said only with the action fees_paid")
        return value

    @field_validator("note")
    @classmethod
    def _safe_note(cls, value: str) -> str:
        # Shown in web pages, printed forms, notices and Excel exports: intake's safe text.
        return checked(checks.clean_text, value, max_length=2000, min_length=0, multiline=True)

    @field_validator("new_due_at")
    @classmethod
    def _real_moment(cls, value: datetime | None, info: ValidationInfo) -> datetime | None:
        if value is None:
            return None
        moment = checked(checks.check_moment, value, now=None)
        now = _now(info)
        if now is not None:  # the route's clock: the domain checks again when it applies
            checked(check_appointment, moment, now=now)
        return moment

    def command(self) -> Command:
        return Command(
            action=self.action,
            note=self.note,
            target_agency=self.target_agency,
            target_unit=self.target_unit,
            new_due_at=self.new_due_at,
            amount_vnd=self.amount_vnd,
            electronic_result=self.electronic_result,
            payment_channel=self.payment_channel,
        )


class SystemActionRequest(ActionRequest):
    """Another agency's system reports facts; it need not know the version."""

    expected_version: Version | None = None  # type: ignore[assignment]


def check_appointment(moment: datetime, *, now: datetime) -> datetime:
    """A new appointment: after `now`, and at most APPOINTMENT_HORIZON after it (docs/law.md
    §4: the law sets no bound; the domain's own bound is relative to the procedure)."""
    if moment <= now:
        raise CheckFailed(
            "the new appointment date must be in the future", "Ngày hẹn mới phải ở tương lai"
        )
    if moment > now + APPOINTMENT_HORIZON:
        raise CheckFailed(
            f"the new appointment date is more than {APPOINTMENT_HORIZON.days} days away",
            f"Ngày hẹn mới không được quá {APPOINTMENT_HORIZON.days} ngày kể từ hôm nay",
        )
    return moment


class DeliveryReceipt(BaseModel):
    """Body of POST /v1/webhooks/delivery-receipts."""

    model_config = ConfigDict(extra="forbid")

    provider: Annotated[str, Field(pattern=PROVIDER)]
    message_id: Annotated[str, Field(pattern=MESSAGE_ID)]
    status: Literal["delivered", "failed", "expired", "rejected", "read"]
    at: datetime | None = None  # when the provider saw it; null or left out: when we hear
    error: Annotated[str | None, Field(max_length=500)] = None

    @field_validator("at")
    @classmethod
    def _seen(cls, value: datetime | None, info: ValidationInfo) -> datetime | None:
        # From 2000, and no later than now (5 minutes of clock skew), as intake's moments.
        return None if value is None else checked(checks.check_moment, value, now=_now(info))

    @field_validator("error")
    @classmethod
    def _safe_error(cls, value: str | None) -> str | None:
        # Shown to officials beside the attempt: safe text, one line.
        if value is None:
            return None
        return checked(checks.clean_text, value, max_length=500, min_length=0) or None


class OptOut(BaseModel):
    """Body of POST /v1/webhooks/opt-outs."""

    model_config = ConfigDict(extra="forbid")

    phone: Annotated[str, Field(max_length=40)]
    opted_out: StrictBool = True
    source: Annotated[str, Field(max_length=200)] = "sms reply"

    @field_validator("opted_out", "source", mode="before")
    @classmethod
    def _null_is_default(cls, value: Any, info: ValidationInfo) -> Any:
        return _default_when_null(value, info, cls)

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str) -> str:
        try:
            return normalise_phone(value)
        except CheckFailed as exc:
            raise ValueError(exc.reason) from exc

    @field_validator("source")
    @classmethod
    def _safe_source(cls, value: str) -> str:
        # Kept beside the phone's choice and shown to officials: safe text, one line.
        return checked(checks.clean_text, value, max_length=200)


# -- queries -------------------------------------------------------------------------------------
class DueDateQuery(BaseModel):
    """Query parameters of GET /v1/calendar/due-date."""

    model_config = ConfigDict(extra="forbid")

    received_at: datetime
    working_days: Annotated[int | None, Field(ge=1, le=MAX_WORKING_DAYS)] = None
    working_hours: Annotated[int | None, Field(ge=1, le=MAX_WORKING_HOURS)] = None
    procedure: Annotated[str | None, Field(pattern=PROCEDURE_CODE.pattern)] = None

    @field_validator("received_at")
    @classmethod
    def _local_when_naive(cls, value: datetime) -> datetime:
        # Vietnam has one offset and no DST, so a naive local time is unambiguous.
        value = value.replace(tzinfo=LOCAL_TZ) if value.tzinfo is None else value
        # The calendar knows the years of this system, not the 6th century (where the zone's
        # offset is its local mean time, to the second: no RFC 3339 offset) nor year 9999.
        if not EARLIEST <= value < LATEST:
            raise ValueError(f"must be in the years {EARLIEST.year} to {LATEST.year - 1}")
        return value

    def check_limit(self) -> None:
        """One time limit, or a procedure whose limit applies. Named per field, not per model."""
        if self.working_days is not None and self.working_hours is not None:
            reason = "give working_days or working_hours, not both"
            names: tuple[str, ...] = ("working_days", "working_hours")
        elif self.working_days is None and self.working_hours is None and self.procedure is None:
            reason = "give working_days, working_hours or procedure"
            names = ("working_days", "working_hours", "procedure")
        else:
            return
        message = "Cần đúng một thời hạn: số ngày làm việc hoặc số giờ làm việc"
        raise Problem(
            400,
            reason,
            kind="validation",
            errors=[FieldIssue(name, reason, message) for name in names],
        )


class WorklistQuery(BaseModel):
    """Query parameters of GET /v1/worklist."""

    model_config = ConfigDict(extra="forbid")

    status: Annotated[int | None, Field(ge=1, le=10)] = None
    step: Annotated[int | None, Field(ge=0, le=100)] = None
    limit: Annotated[int, Field(ge=1, le=100)] = 20
    cursor: Annotated[str | None, Field(max_length=1024)] = None


class ReportQuery(BaseModel):
    """Query parameters of GET /v1/reports/766."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    agency: Annotated[str, Field(pattern=AGENCY_CODE.pattern)]
    from_: Annotated[str, Field(alias="from", pattern=MONTH)]
    to: Annotated[str, Field(pattern=MONTH)]
    format: Literal["json", "csv"] = "json"

    @field_validator("to")
    @classmethod
    def _order(cls, to: str, info: ValidationInfo) -> str:
        """Named on `to` (a model validator's error names no parameter)."""
        first = info.data.get("from_")
        if first is None:  # invalid, and reported on `from`
            return to
        if to < first:
            raise ValueError("'to' is before 'from'")
        if len(months(first, to)) > MAX_MONTHS:
            raise ValueError(f"at most {MAX_MONTHS} months at a time")
        return to
