"""`DossierSubmission`: OUR documented intake schema (docs/intake-schema.md).

snake_case English keys, unknown keys refused, strict JSON types: a string is never read as a
number or a flag ("1" is not 1, 1 is not true, 1700000000 is not a moment), because a portal
that sends the wrong type has a bug we want to see, not to paper over. Validation needs an
`IntakeContext` (province, clock, source) and reports every field at fault at once.

Where it comes from decides two rules:
- a portal's webhook (`source="motcua"`) carries online dossiers: channel 2;
- the counter API (`source="counter"`, an authenticated official) carries dossiers received in
  person (channel 1) or by post (channel 3); the receiving agency and unit are the official's.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Final, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    StrictBool,
    StrictInt,
    StrictStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from chalicelib.domain.dossier import Applicant, Location, SubmittedDocument
from chalicelib.domain.identifiers import DEFAULT_UNIT
from chalicelib.domain.statuses import ApplicantKind, Channel
from chalicelib.intake import checks
from chalicelib.intake.errors import IntakeInvalid, as_field_error, checked, issues_from
from chalicelib.intake.model import FeeLine, IntakeContext, IntakeRequest

MAX_DOCUMENTS: Final = 200
MAX_FEES: Final = 50
MAX_AMOUNT_VND: Final = 1_000_000_000_000
WEBHOOK_CHANNELS: Final = frozenset({Channel.ONLINE})
COUNTER_CHANNELS: Final = frozenset({Channel.IN_PERSON, Channel.POSTAL})

_ISO_MOMENT: Final = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?"
    r"(?P<offset>Z|[+-][0-9]{2}:[0-9]{2})?"
)


def _json_integer(value: object) -> object:
    """National codes are JSON integers: not "2", not 2.0, not true."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise as_field_error("must be a JSON integer, e.g. 2", "Phải là số nguyên")
    return value


def _iso_moment(value: object) -> datetime:
    if not isinstance(value, str):
        raise as_field_error(
            "must be an ISO-8601 string with its UTC offset, e.g. 2026-01-05T08:30:00+07:00",
            "Thời điểm phải là chuỗi ISO-8601 kèm múi giờ",
        )
    match = _ISO_MOMENT.fullmatch(value)
    if match is None:
        raise as_field_error(
            f"{checks.show(value)} is not an ISO-8601 moment such as 2026-01-05T08:30:00+07:00",
            "Thời điểm không đúng định dạng ISO-8601",
        )
    if match.group("offset") is None:
        raise as_field_error(
            "must carry its UTC offset, e.g. 2026-01-05T08:30:00+07:00",
            "Thời điểm phải kèm múi giờ",
        )
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise as_field_error(
            f"{checks.show(value)} is not a real date and time", "Ngày giờ không tồn tại"
        ) from None


def _given(value: str) -> str:
    """Optional strings are left out or null when absent; "" is a mistake, not an absence."""
    if value == "":
        raise as_field_error(
            'send null or leave the field out instead of ""', "Không được để chuỗi rỗng"
        )
    return value


NationalKind = Annotated[ApplicantKind, BeforeValidator(_json_integer)]
NationalChannel = Annotated[Channel, BeforeValidator(_json_integer)]
Moment = Annotated[datetime, BeforeValidator(_iso_moment)]


class ApplicantIn(BaseModel):
    """The applicant (chủ hồ sơ). `kind` comes before `id_number`: the id is checked by kind."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: StrictStr
    kind: NationalKind = ApplicantKind.CITIZEN
    id_number: StrictStr | None = None
    phone: StrictStr | None = None
    email: StrictStr | None = None

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return checked(checks.check_name, value)

    @field_validator("id_number")
    @classmethod
    def _id_number(cls, value: str | None, info: ValidationInfo) -> str | None:
        kind = info.data.get("kind")
        if value is None or kind is None:  # no kind: its own error is already reported
            return value
        return checked(checks.check_id_number, _given(value), kind)

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        return None if value is None else checked(checks.normalise_phone, _given(value))

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        return None if value is None else checked(checks.check_email, _given(value))


class DocumentIn(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: StrictStr
    url: StrictStr | None = None
    digitised: StrictBool = False
    component: StrictStr | None = None  # the catalog component it is: a file fetched from `url`

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return checked(checks.clean_text, value, max_length=checks.MAX_TEXT)

    @field_validator("url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        return None if value is None else checked(checks.check_url, value, schemes=("https",))

    @field_validator("component")
    @classmethod
    def _component(cls, value: str | None) -> str | None:
        return None if value is None else checked(checks.clean_text, value, max_length=100)


class FeeIn(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: StrictStr
    amount_vnd: Annotated[StrictInt, Field(ge=0, le=MAX_AMOUNT_VND)]

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return checked(checks.clean_text, value, max_length=checks.MAX_TEXT)


class DossierSubmission(BaseModel):
    """One dossier in our schema. Field order matters: a validator sees the fields declared
    before it (`external_id` falls back to `code`, `received_by_agency` to
    `resolving_agency`)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: StrictStr | None = None
    external_id: StrictStr | None = Field(default=None, validate_default=True)
    procedure_code: StrictStr
    channel: NationalChannel
    applicant: ApplicantIn
    resolving_agency: StrictStr | None = None
    received_by_agency: StrictStr | None = Field(default=None, validate_default=True)
    received_by_unit: StrictStr | None = Field(default=None, validate_default=True)
    submitted_at: Moment
    awaiting_counter_check: StrictBool
    summary: StrictStr = ""
    documents: list[DocumentIn] = Field(default_factory=list, max_length=MAX_DOCUMENTS)
    fees: list[FeeIn] = Field(default_factory=list, max_length=MAX_FEES)
    paid_online: StrictBool = False
    digitised: StrictBool | None = None  # null: true when any document is digitised

    _source: Literal["motcua", "counter"] = PrivateAttr(default="motcua")

    @classmethod
    def validate_submission(
        cls,
        data: Any,
        *,
        province: str,
        now: datetime,
        source: Literal["motcua", "counter"] = "motcua",
        received_by: Location | None = None,
    ) -> DossierSubmission:
        """Validate a parsed JSON body; raises IntakeInvalid listing every field at fault.
        `received_by` is the counter official's agency and unit (source "counter" only)."""
        context = IntakeContext(province=province, now=now, source=source, received_by=received_by)
        try:
            return cls.model_validate(data, context=context.as_pydantic())
        except ValidationError as exc:
            raise IntakeInvalid(issues_from(exc)) from None

    # -- field checks -----------------------------------------------------------------------
    @field_validator("code")
    @classmethod
    def _code(cls, value: str | None, info: ValidationInfo) -> str | None:
        province = IntakeContext.of(info).province
        if value is None:
            return None
        return checked(checks.check_dossier_code, _given(value), province=province)

    @field_validator("external_id")
    @classmethod
    def _external_id(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None:
            return checked(checks.check_external_id, value)
        if "code" not in info.data:  # the code is invalid and reported
            return None
        if info.data["code"] is None:
            raise as_field_error(
                "required when there is no code: the portal's own id of the dossier",
                "Thiếu mã tham chiếu của hồ sơ",
            )
        return info.data["code"]

    @field_validator("procedure_code")
    @classmethod
    def _procedure_code(cls, value: str) -> str:
        return checked(checks.normalise_procedure_code, value)

    @field_validator("channel")
    @classmethod
    def _channel(cls, value: Channel, info: ValidationInfo) -> Channel:
        if IntakeContext.of(info).source == "counter":
            if value not in COUNTER_CHANNELS:
                raise as_field_error(
                    "the counter API takes dossiers received in person (1) or by post (3); "
                    "online dossiers (2) arrive by the portal's webhook",
                    "Quầy một cửa chỉ tiếp nhận hồ sơ trực tiếp (1) hoặc qua bưu chính (3)",
                )
        elif value not in WEBHOOK_CHANNELS:
            raise as_field_error(
                "a portal's webhook carries online dossiers (2); dossiers received in person "
                "or by post are entered through the counter API",
                "Hồ sơ từ cổng dịch vụ công phải là hồ sơ trực tuyến (2)",
            )
        return value

    @field_validator("resolving_agency")
    @classmethod
    def _resolving_agency(cls, value: str | None, info: ValidationInfo) -> str | None:
        province = IntakeContext.of(info).province
        if value is None:
            return None
        return checked(checks.check_agency_code, _given(value), province=province)

    @field_validator("received_by_agency")
    @classmethod
    def _received_by_agency(cls, value: str | None, info: ValidationInfo) -> str | None:
        context = IntakeContext.of(info)
        if context.received_by is not None:
            return _official_place(value, context.received_by.agency, "agency")
        if value is not None:
            return checked(checks.check_agency_code, _given(value), province=context.province)
        if "resolving_agency" not in info.data:  # invalid and reported
            return None
        if info.data["resolving_agency"] is None:
            raise as_field_error(
                "required when resolving_agency is absent: the agency whose counter receives "
                "the dossier",
                "Thiếu cơ quan tiếp nhận hồ sơ",
            )
        return info.data["resolving_agency"]

    @field_validator("received_by_unit")
    @classmethod
    def _received_by_unit(cls, value: str | None, info: ValidationInfo) -> str:
        context = IntakeContext.of(info)
        if context.received_by is not None:
            return _official_place(value, context.received_by.unit, "unit")
        return DEFAULT_UNIT if value is None else checked(checks.check_unit_code, value)

    @field_validator("submitted_at")
    @classmethod
    def _submitted_at(cls, value: datetime, info: ValidationInfo) -> datetime:
        return checked(checks.check_moment, value, now=IntakeContext.of(info).now)

    @field_validator("summary")
    @classmethod
    def _summary(cls, value: str) -> str:
        return checked(
            checks.clean_text, value, max_length=checks.MAX_SUMMARY, min_length=0, multiline=True
        )

    @model_validator(mode="after")
    def _remember_source(self, info: ValidationInfo) -> DossierSubmission:
        source = IntakeContext.of(info).source
        if source == "dvcqg":  # pragma: no cover - a programming error, not a body's
            raise RuntimeError("DossierSubmission is our schema; DVCQG items are DongBoHoSoMC")
        self._source = source
        return self

    # -- the normalised model ---------------------------------------------------------------
    def to_intake(self) -> IntakeRequest:
        documents = [
            SubmittedDocument(name=d.name, url=d.url, digitised=d.digitised, component=d.component)
            for d in self.documents
        ]
        digitised = self.digitised
        if digitised is None:
            digitised = any(d.digitised for d in documents)
        applicant = self.applicant
        assert self.external_id is not None and self.received_by_agency is not None  # validators
        assert self.received_by_unit is not None  # filled them in from their fallbacks
        return IntakeRequest(
            external_id=self.external_id,
            code=self.code,
            procedure_code=self.procedure_code,
            channel=self.channel,
            applicant=Applicant(
                name=applicant.name,
                kind=applicant.kind,
                id_number=applicant.id_number,
                phone=applicant.phone,
                email=applicant.email,
            ),
            resolving_agency=self.resolving_agency,
            received_by_agency=self.received_by_agency,
            received_by_unit=self.received_by_unit,
            submitted_at=self.submitted_at,
            awaiting_counter_check=self.awaiting_counter_check,
            summary=self.summary,
            documents=documents,
            fees=[FeeLine(name=f.name, amount_vnd=f.amount_vnd) for f in self.fees],
            paid_online=self.paid_online,
            digitised=digitised,
            source=self._source,
        )


def _official_place(value: str | None, official: str, what: str) -> str:
    """On the counter API the official's token says where the dossier is received."""
    if value is not None and value != official:
        raise as_field_error(
            f"an official receives dossiers at their own {what} ({official}); leave the field "
            "out or send that value",
            "Cán bộ chỉ tiếp nhận hồ sơ tại cơ quan, bộ phận của mình",
        )
    return official
