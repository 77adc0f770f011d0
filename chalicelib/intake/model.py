"""`IntakeRequest`: the one normalised model of a dossier arriving, whatever shape it came in.

Built by `DossierSubmission.to_intake` (our schema) and `DongBoHoSoMC.to_intake` (a national
portal item) after their checks; it travels on the intake queue as JSON
(`model_dump_json` / `model_validate_json` give back an equal value). Its own validation keeps
the shapes (codes, the normalised phone, an aware moment in local time); the checks that need
the province, the clock or the catalog are done before (`checks.py`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Final, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    NonNegativeInt,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

from chalicelib.domain.calendar import LOCAL_TZ, as_local
from chalicelib.domain.codes import PROVINCE, parse_code
from chalicelib.domain.dossier import Applicant, Location, SubmittedDocument
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.identifiers import (
    DEFAULT_UNIT,
    EXTERNAL_ID,
    MAX_EXTERNAL_ID,
    PROCEDURE_CODE,
    PROCEDURE_CODE_INPUT,
    AgencyCode,
    UnitCode,
)
from chalicelib.domain.statuses import Channel, DossierStatus

Source = Literal["motcua", "dvcqg", "counter"]
NORMALISED_PHONE: Final = re.compile(r"84[0-9]{8,10}")


def _cut_procedure_code(value: object) -> object:
    """`1.001612.000.00.00.H19` → `1.001612`; anything else is left to the pattern."""
    if isinstance(value, str) and (match := PROCEDURE_CODE_INPUT.fullmatch(value)):
        return match.group("code")
    return value


ProcedureCode = Annotated[
    str,
    BeforeValidator(_cut_procedure_code),
    StringConstraints(pattern=PROCEDURE_CODE.pattern),
]


class FeeLine(BaseModel):
    """A fee or charge declared with the dossier (DanhSachLePhi)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: Annotated[str, StringConstraints(min_length=1, max_length=500)]
    amount_vnd: NonNegativeInt


class IntakeRequest(BaseModel):
    """A dossier as it arrives, normalised: what the intake worker opens a dossier from."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    # The portal's own id, or the dossier code; with the client id, the idempotency key.
    external_id: Annotated[
        str, StringConstraints(max_length=MAX_EXTERNAL_ID, pattern=f"^{EXTERNAL_ID.pattern}$")
    ]
    code: str | None = None  # a portal-given dossier code, checked with parse_code
    procedure_code: ProcedureCode
    channel: Channel
    applicant: Applicant
    # Which commune, for a commune procedure; otherwise the catalog names the agency.
    resolving_agency: AgencyCode | None = None
    # Phi địa giới: the receiving counter may belong to another agency than the resolving one.
    received_by_agency: AgencyCode
    received_by_unit: UnitCode = DEFAULT_UNIT
    submitted_at: AwareDatetime  # always in Asia/Ho_Chi_Minh
    # A DVCQG item's DonViXuLy as sent, a code or a name: `checks.resolve_agencies` reads it
    # against the registry when neither the dossier code nor the catalog names the resolver.
    resolving_agency_named: Annotated[str, StringConstraints(max_length=500)] | None = None
    # A DVCQG item's TenTTHC: checked against the catalog's name of procedure_code.
    procedure_title: Annotated[str, StringConstraints(max_length=500)] | None = None
    # A DVCQG item's NgayHenTra: the appointment the portal gave the citizen, kept beside ours.
    portal_due_at: AwareDatetime | None = None
    # True: status 1, the counter checks the papers first; False: received directly, status 2.
    awaiting_counter_check: bool
    summary: Annotated[str, StringConstraints(max_length=2000)] = ""  # TrichYeuHoSo
    documents: list[SubmittedDocument] = Field(default_factory=list)
    fees: list[FeeLine] = Field(default_factory=list)
    paid_online: bool = False
    digitised: bool = False
    source: Source

    @field_validator("code")
    @classmethod
    def _code(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                parse_code(value)
            except InvalidInput as exc:
                raise ValueError(exc.message) from None
        return value

    @field_validator("submitted_at", "portal_due_at")
    @classmethod
    def _local_time(cls, value: datetime | None) -> datetime | None:
        return None if value is None else value.astimezone(LOCAL_TZ)

    @field_validator("applicant")
    @classmethod
    def _normalised_phone(cls, applicant: Applicant) -> Applicant:
        if applicant.phone is not None and not NORMALISED_PHONE.fullmatch(applicant.phone):
            raise ValueError("applicant.phone must be normalised to 84xxxxxxxxx")
        return applicant

    @property
    def initial_status(self) -> DossierStatus:
        return DossierStatus.SUBMITTED if self.awaiting_counter_check else DossierStatus.RECEIVED

    @property
    def received_by(self) -> Location:
        return Location(agency=self.received_by_agency, unit=self.received_by_unit)

    def idempotency_key(self, client_id: str) -> str:
        """One dossier per client and external id: a retried webhook finds the first one."""
        return f"{client_id}#{self.external_id}"


@dataclass(frozen=True)
class IntakeContext:
    """What the intake knows besides the body: the province it serves, the moment of receipt,
    where the body came from, and (counter API) the official's agency and unit."""

    province: str
    now: datetime
    source: Source
    received_by: Location | None = None

    def __post_init__(self) -> None:
        if not (isinstance(self.province, str) and PROVINCE.fullmatch(self.province)):
            raise InvalidInput(
                f"province {self.province!r} is not of the form H00", field="province"
            )
        as_local(self.now, "now")
        if (self.source == "counter") != (self.received_by is not None):
            raise InvalidInput(
                "the counter API names the official's agency and unit; webhooks do not",
                field="received_by",
            )

    def as_pydantic(self) -> dict[str, IntakeContext]:
        return {_CONTEXT_KEY: self}

    @classmethod
    def of(cls, info: ValidationInfo) -> IntakeContext:
        """The context a validator runs in. Intake models validate only with one: their checks
        depend on the province and the clock."""
        context = info.context.get(_CONTEXT_KEY) if isinstance(info.context, dict) else None
        if not isinstance(context, IntakeContext):
            raise RuntimeError(
                "intake models are validated with an IntakeContext: use "
                "DossierSubmission.validate_submission or DongBoHoSoMC.validate_item"
            )
        return context


_CONTEXT_KEY: Final = "intake"
