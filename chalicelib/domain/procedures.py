"""The procedure catalog: what each administrative procedure (TTHC) is and how it is processed.

A procedure is versioned; a dossier pins the version it was received under, so a later change
to the catalog never rewrites the rules of a dossier already in progress. The file format is
documented in docs/catalog-format.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    NonNegativeInt,
    PositiveInt,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

from chalicelib.domain.agencies import AgencyRegistry
from chalicelib.domain.calendar import WorkingDuration
from chalicelib.domain.errors import CatalogError
from chalicelib.domain.identifiers import PROCEDURE_CODE, AgencyCode, Text, UnitCode
from chalicelib.domain.statuses import Role
from chalicelib.domain.validation import field_path

# The law counts one working day as 8 working hours; steps and totals are compared on that basis.
LEGAL_WORKING_DAY = timedelta(hours=8)
COMPONENT_CODE = r"^[A-Za-z0-9_-]{1,40}$"


class Level(StrEnum):
    PROVINCE = "province"
    COMMUNE = "commune"
    INTERNAL = "internal"  # TTHC nội bộ: between state agencies


class Fee(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    name: Text
    amount_vnd: NonNegativeInt
    note: str = ""


class Component(BaseModel):
    """A document the applicant must (or may) submit: thành phần hồ sơ."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    # What a stored file says it is (docs/catalog-format.md); absent: the component's position
    # in the list, from 1 ("1", "2", …). Unique within the procedure version.
    code: Annotated[str, StringConstraints(pattern=COMPONENT_CODE)] | None = None
    name: Text
    required: bool = True
    originals: NonNegativeInt = 0
    copies: NonNegativeInt = 1


class ProcessStep(BaseModel):
    """One step of the electronic process (quy trình điện tử)."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    name: Text
    role: Role
    unit: UnitCode
    # Set only when the step runs at another agency (liên thông), e.g. the tax department.
    agency: AgencyCode | None = None
    duration: WorkingDuration

    @field_validator("role")
    @classmethod
    def _officials_act(cls, role: Role) -> Role:
        if role is Role.ADMIN:
            raise ValueError("admin does not act on dossiers; use receiver, specialist or leader")
        return role


class Procedure(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    code: Annotated[str, StringConstraints(pattern=PROCEDURE_CODE.pattern)]
    version: PositiveInt = 1
    effective_from: date | None = None
    name: Text
    # Other titles the national portal gives it (TenTTHC), accepted as naming this procedure.
    aliases: list[Text] = Field(default_factory=list)
    field: Text  # lĩnh vực
    # The field's code in the national procedure database (MaLinhVuc, e.g. "G09-TP03"), when
    # the province's catalog gives it; pushed to the national portal.
    field_code: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._-]{1,40}$")] | None = None
    level: Level
    # The agency that resolves it. Empty for commune procedures: the commune where it is filed.
    resolving_agency: AgencyCode | None = None
    time_limit: WorkingDuration
    # "Received after 15:00 counts from the next working day" (per-procedure rule).
    cutoff: time | None = None
    fees: list[Fee] = Field(default_factory=list)
    components: Annotated[list[Component], Field(min_length=1)]
    fully_online: bool = False
    # On the province's approved list of procedures received regardless of administrative
    # boundary (phi địa giới): any one-stop counter of the province may receive it.
    cross_boundary: bool = False
    # How long after receipt a supplement may still be requested; None: the law's default
    # (a setting), for procedures whose decision sets no other limit.
    supplement_request_within: WorkingDuration | None = None
    # Whether the electronic result must carry a valid digital signature (NĐ 45/2020 art.
    # 14(3)), or may also go unsigned ("optional": only where the procedure's own rules say so).
    result_signature: Literal["required", "optional"] = "required"
    # When the fees are owed: once asked during processing (`request_fees`, the default), or
    # up front with the dossier (NĐ 118 art. 24(2), docs/law.md §16): then a dossier received
    # online without proof of payment gets its fee request from the system at receipt.
    fees_due: Literal["when_requested", "at_receipt"] = "when_requested"
    sample: bool = False
    steps: Annotated[list[ProcessStep], Field(min_length=1)]

    @model_validator(mode="after")
    def _consistent(self) -> Procedure:
        # Raised as CatalogError, not ValueError, so that pydantic passes it through with the
        # field named (a model-level ValueError would carry no location).
        def broken(field: str, reason: str) -> CatalogError:
            return CatalogError(reason, procedure=f"{self.code} v{self.version}", field=field)

        if self.level is not Level.COMMUNE and self.resolving_agency is None:
            raise broken("resolving_agency", f"required for a {self.level.value} procedure")
        total = self.time_limit.to_timedelta(LEGAL_WORKING_DAY)
        used = sum((s.duration.to_timedelta(LEGAL_WORKING_DAY) for s in self.steps), timedelta())
        if used > total:
            raise broken(
                "time_limit",
                f"the steps take {_hours(used)} working hours, more than the time limit "
                f"of {_hours(total)} ({self.time_limit})",
            )
        if self.fees_due == "at_receipt" and not self.total_fees_vnd:
            raise broken("fees_due", "at_receipt needs a fee line that costs something")
        within = self.supplement_request_within
        if within is not None and within.to_timedelta(LEGAL_WORKING_DAY) > total:
            raise broken(
                "supplement_request_within",
                f"{within} is longer than the time limit of the procedure ({self.time_limit})",
            )
        codes = [self.component_code(index) for index in range(len(self.components))]
        for index, code in enumerate(codes):
            if code in codes[:index]:
                raise broken(f"components[{index}].code", f"{code!r} names two components")
        for index, step in enumerate(self.steps):
            if step.agency is not None and step.agency == self.resolving_agency:
                raise broken(
                    f"steps[{index}].agency",
                    "is the resolving agency; leave it empty unless the step runs at another "
                    "agency",
                )
        return self

    @property
    def key(self) -> tuple[str, int]:
        return (self.code, self.version)

    def component_code(self, index: int) -> str:
        """How files and requests name component `index`: its code, else its position from 1."""
        return self.components[index].code or str(index + 1)

    def component(self, code: str) -> Component | None:
        """The component `code` names (its code, or its position from 1), if any."""
        for index, component in enumerate(self.components):
            if self.component_code(index) == code:
                return component
        return None

    @property
    def is_inter_agency(self) -> bool:
        return any(step.agency is not None for step in self.steps)

    @property
    def total_fees_vnd(self) -> int:
        return sum(fee.amount_vnd for fee in self.fees)

    def step_agency(self, index: int, home_agency: str) -> str:
        """Where step `index` runs for a dossier whose resolving agency is `home_agency`."""
        return self.steps[index].agency or home_agency

    def agencies_at_work(self, home_agency: str) -> frozenset[str]:
        """Every agency that runs a step of a dossier resolved by `home_agency`."""
        return frozenset(self.step_agency(i, home_agency) for i in range(len(self.steps)))


def _hours(delta: timedelta) -> str:
    return f"{delta.total_seconds() / 3600:g}"


class Catalog:
    """All versions of all procedures, indexed by code."""

    def __init__(self, procedures: Iterable[Procedure]) -> None:
        self._versions: dict[str, dict[int, Procedure]] = {}
        for procedure in procedures:
            versions = self._versions.setdefault(procedure.code, {})
            if procedure.version in versions:
                raise CatalogError(
                    f"version {procedure.version} is defined twice",
                    procedure=procedure.code,
                    field="version",
                )
            versions[procedure.version] = procedure

    def __len__(self) -> int:
        return sum(len(v) for v in self._versions.values())

    def __contains__(self, code: object) -> bool:
        return code in self._versions

    def codes(self) -> list[str]:
        return sorted(self._versions)

    def all(self) -> list[Procedure]:
        return [self._versions[c][v] for c in self.codes() for v in sorted(self._versions[c])]

    def get(self, code: str, version: int) -> Procedure | None:
        return self._versions.get(code, {}).get(version)

    def current(self, code: str, at: date | datetime | None = None) -> Procedure | None:
        """The version a dossier received at `at` pins: the newest one in effect then."""
        day = at.date() if isinstance(at, datetime) else at
        candidates = [
            p
            for p in self._versions.get(code, {}).values()
            if day is None or p.effective_from is None or p.effective_from <= day
        ]
        return max(candidates, key=lambda p: p.version, default=None)


def field_location(error: Mapping[str, Any]) -> str:
    return field_path(error["loc"])


def parse_procedure(document: Any, *, position: int | None = None) -> Procedure:
    """Validate one procedure; the error names the procedure (its code) and the field."""
    name = None
    if isinstance(document, Mapping):
        name = document.get("code")
    label = f"#{position + 1}" if position is not None else None
    if name:
        label = f"{name} v{document.get('version', 1)}"
    try:
        return Procedure.model_validate(document)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise CatalogError(first["msg"], procedure=label, field=field_location(first)) from exc


def parse_catalog(document: Any, agencies: AgencyRegistry | None = None) -> Catalog:
    """Validate a whole catalog document: `{"procedures": [...]}`.

    With `agencies`, every agency a procedure names must exist in the registry, and every
    step's unit must exist in the agency that runs the step.
    """
    if not isinstance(document, Mapping) or not isinstance(document.get("procedures"), list):
        raise CatalogError(
            "expected a mapping with a list under 'procedures'", procedure=None, field="procedures"
        )
    procedures: list[Procedure] = []
    seen: dict[tuple[str, int], int] = {}
    for index, item in enumerate(document["procedures"]):
        procedure = parse_procedure(item, position=index)
        label = f"{procedure.code} v{procedure.version}"
        _check_cutoff(item, procedure, label)
        if procedure.key in seen:
            raise CatalogError(
                f"version {procedure.version} is defined twice "
                f"(procedures[{seen[procedure.key]}] and procedures[{index}])",
                procedure=label,
                field="version",
            )
        seen[procedure.key] = index
        procedures.append(procedure)
    if agencies is not None:
        for procedure in procedures:
            _check_agencies(procedure, agencies)
    return Catalog(procedures)


def _check_cutoff(document: Mapping[str, Any], procedure: Procedure, label: str) -> None:
    # YAML reads an unquoted 15:00 as the base-60 integer 900, which pydantic would accept as
    # 00:15 UTC; an offset-aware time cannot be compared with local clock times either.
    raw = document.get("cutoff")
    if raw is None or procedure.cutoff is None:
        return
    if not isinstance(raw, str | time) or procedure.cutoff.tzinfo is not None:
        raise CatalogError(
            'cutoff must be a local clock time written as a quoted "HH:MM" string',
            procedure=label,
            field="cutoff",
        )


def _check_agencies(procedure: Procedure, agencies: AgencyRegistry) -> None:
    label = f"{procedure.code} v{procedure.version}"
    home = procedure.resolving_agency
    if home is not None and home not in agencies:
        raise CatalogError(f"unknown agency {home}", procedure=label, field="resolving_agency")
    communes = agencies.communes()
    if home is None and not communes:
        raise CatalogError(
            "no commune-level agency in the registry can resolve this procedure",
            procedure=label,
            field="resolving_agency",
        )
    for index, step in enumerate(procedure.steps):
        if step.agency is not None:
            host = agencies.get(step.agency)
            if host is None:
                raise CatalogError(
                    f"unknown agency {step.agency}",
                    procedure=label,
                    field=f"steps[{index}].agency",
                )
            hosts = [host]
        elif home is not None:
            hosts = [a for a in [agencies.get(home)] if a is not None]  # it is: checked above
        else:
            # Filed in whichever commune the applicant chooses: every commune needs the unit.
            hosts = communes
        for agency in hosts:
            if agency is not None and not agency.has_unit(step.unit):
                raise CatalogError(
                    f"unit {step.unit} does not exist in {agency.code} ({agency.name})",
                    procedure=label,
                    field=f"steps[{index}].unit",
                )
