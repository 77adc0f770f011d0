"""What a portal tells us its applicants did: the bodies of POST /v1/webhooks/portal-events.

Our own contract (docs/dvcqg-contract.md §8): no public specification of the national portal
pushes these to provinces. One event a request, of one `kind`; each becomes the command an
official would send for the same fact (`command()`), so the transition worker applies it, or
refuses it, as it would the official's.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from chalicelib.domain.calendar import LOCAL_TZ
from chalicelib.domain.dossier import Action, Command, PaymentChannel
from chalicelib.http.problems import from_validation_error
from chalicelib.intake import checks
from chalicelib.intake.errors import checked

EVENT_ID = r"^[A-Za-z0-9_.:-]{8,128}$"  # as an Idempotency-Key: the portal's own id of the event
NOTE_LIMIT = 2000  # Command.note
Text = Annotated[str, Field(max_length=NOTE_LIMIT)]


def _text(value: str, *, min_length: int = 0, max_length: int = NOTE_LIMIT) -> str:
    # Shown in web pages, printed forms, notices and exports: intake's safe text.
    return checked(
        checks.clean_text, value, max_length=max_length, min_length=min_length, multiline=True
    )


def _at(moment: datetime) -> str:
    return moment.astimezone(LOCAL_TZ).strftime("%d/%m/%Y %H:%M")


class _Event(BaseModel):
    model_config = ConfigDict(extra="forbid")

    event_id: Annotated[str, Field(pattern=EVENT_ID)]
    code: Annotated[str, Field(alias="MaHoSo")]  # our dossier code, as we pushed it
    occurred_at: datetime  # when the applicant did it on the portal

    @property
    def expected_version(self) -> None:
        return None  # the applicant reports a fact; they never read our versions

    @field_validator("code")
    @classmethod
    def _ours(cls, value: str, info: ValidationInfo) -> str:
        return checked(checks.check_dossier_code, value, province=_context(info)["province"])

    @field_validator("occurred_at")
    @classmethod
    def _past(cls, value: datetime, info: ValidationInfo) -> datetime:
        return checked(checks.check_moment, value, now=_context(info)["now"])

    def _said(self, what: str) -> str:
        return (
            f"{what} trên cổng dịch vụ công lúc {_at(self.occurred_at)} (sự kiện {self.event_id})"
        )


class SupplementDocument(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, Field(max_length=500)]
    url: str | None = None  # where the portal keeps the file; not stored until documents are

    @field_validator("name")
    @classmethod
    def _safe_name(cls, value: str) -> str:
        return _text(value, min_length=1, max_length=500)

    @field_validator("url")
    @classmethod
    def _link(cls, value: str | None) -> str | None:
        return None if value is None else checked(checks.check_url, value)


class SupplementSubmitted(_Event):
    """The applicant submitted the supplement asked of them: `supplement_received`."""

    kind: Literal["supplement_submitted"]
    documents: Annotated[list[SupplementDocument], Field(min_length=1, max_length=50)]
    note: Text = ""

    @field_validator("note")
    @classmethod
    def _safe_note(cls, value: str) -> str:
        return _text(value)

    def command(self) -> Command:
        names = "; ".join(document.name for document in self.documents)
        said = f"{self._said('Nộp bổ sung')}: {names}"
        return Command(
            action=Action.SUPPLEMENT_RECEIVED,
            note=_joined(said, self.note),
        )


class WithdrawalRequested(_Event):
    """The applicant asked to withdraw the dossier (NĐ 118 art. 21): `withdraw`."""

    kind: Literal["withdrawal_requested"]
    reason: Text  # the law's withdrawal needs its reason (the note of `withdraw`)

    @field_validator("reason")
    @classmethod
    def _safe_reason(cls, value: str) -> str:
        return _text(value, min_length=1)

    def command(self) -> Command:
        return Command(
            action=Action.WITHDRAW, note=_joined(self._said("Yêu cầu rút hồ sơ"), self.reason)
        )


class FeesPaid(_Event):
    """The applicant paid online what was asked (the payment platform): `fees_paid`."""

    kind: Literal["fees_paid"]
    amount_vnd: Annotated[int, Field(ge=1, le=1_000_000_000_000)]
    payment_channel: Literal["online"]  # a portal hears of online payments only
    transaction_ref: Annotated[str, Field(pattern=r"^[A-Za-z0-9_.:/-]{1,100}$")]

    def command(self) -> Command:
        said = self._said(f"Thanh toán trực tuyến {self.amount_vnd:,} đồng".replace(",", "."))
        return Command(
            action=Action.FEES_PAID,
            note=f"{said}, mã giao dịch {self.transaction_ref}",
            amount_vnd=self.amount_vnd,
            payment_channel=PaymentChannel.ONLINE,
        )


PortalEvent = SupplementSubmitted | WithdrawalRequested | FeesPaid
EVENTS: dict[str, type[PortalEvent]] = {
    "supplement_submitted": SupplementSubmitted,
    "withdrawal_requested": WithdrawalRequested,
    "fees_paid": FeesPaid,
}


class PortalEventKind(BaseModel):
    """The kind alone, read first: the other fields are read as that kind's."""

    kind: Literal["supplement_submitted", "withdrawal_requested", "fees_paid"]


def _context(info: ValidationInfo) -> dict[str, Any]:
    assert isinstance(info.context, dict), "portal events are parsed by parse_event"
    return info.context


def _joined(said: str, more: str) -> str:
    text = f"{said}. {more}" if more else said
    return text[:NOTE_LIMIT]


def parse_event(data: Any, *, province: str, now: datetime) -> PortalEvent:
    """The event in `data`, checked as its kind says, or a 400 naming every field at fault.
    `MaHoSo` must be a code of `province`; `occurred_at` must not be later than `now`."""
    try:
        kind = PortalEventKind.model_validate(data).kind
        return EVENTS[kind].model_validate(data, context={"province": province, "now": now})
    except ValidationError as exc:
        raise from_validation_error(exc, "the portal event is not valid") from exc
