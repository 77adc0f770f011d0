"""Agencies and their units (QCVN 102:2016 identifiers). Two tiers since 1/7/2025: province
and commune; nothing here assumes a district level."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from chalicelib.domain.errors import CatalogError
from chalicelib.domain.identifiers import AGENCY_CODE, Text, UnitCode
from chalicelib.domain.validation import field_path


class AgencyLevel(StrEnum):
    PROVINCE = "province"  # the People's Committee, departments (sở), the service centre
    COMMUNE = "commune"  # commune-level People's Committees (xã, phường, đặc khu)
    CENTRAL = "central"  # branches of central agencies in the province (e.g. tax)


class Unit(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    code: UnitCode
    name: Text


class Agency(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    code: Annotated[str, StringConstraints(pattern=AGENCY_CODE.pattern)]
    name: Text
    level: AgencyLevel
    units: Annotated[list[Unit], Field(min_length=1)]
    # Who receives the daily digest of due and overdue dossiers (role mailboxes, not people).
    digest_recipients: list[Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+$")]] = []
    sample: bool = False

    def has_unit(self, unit: str) -> bool:
        return any(u.code == unit for u in self.units)


class AgencyRegistry:
    def __init__(self, agencies: Iterable[Agency]) -> None:
        self._by_code = {a.code: a for a in agencies}

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def __len__(self) -> int:
        return len(self._by_code)

    def get(self, code: str) -> Agency | None:
        return self._by_code.get(code)

    def name_of(self, code: str) -> str:
        """The agency's name; its code when the registry does not know it."""
        found = self.get(code)
        return found.name if found else code

    def place_name(self, agency: str, unit: str | None) -> str:
        """ "<unit name> - <agency name>", or the agency's name alone when the unit is unknown."""
        found = self.get(agency)
        if found is None:
            return agency
        named = next((u.name for u in found.units if u.code == unit), None)
        return f"{named} - {found.name}" if named else found.name

    def codes(self) -> list[str]:
        return sorted(self._by_code)

    def all(self) -> list[Agency]:
        return [self._by_code[c] for c in self.codes()]

    def communes(self) -> list[Agency]:
        """The agencies that may resolve a commune procedure (any commune it is filed in)."""
        return [a for a in self.all() if a.level is AgencyLevel.COMMUNE]


def parse_agencies(document: Any) -> AgencyRegistry:
    """Validate a registry document: `{"agencies": [...]}`.

    Errors name the agency (its code, when it has one) and the full path of the field, since
    an agency without a valid code can only be found by its position.
    """
    if not isinstance(document, Mapping) or not isinstance(document.get("agencies"), list):
        raise CatalogError(
            "expected a mapping with a list under 'agencies'", procedure=None, field="agencies"
        )
    agencies: list[Agency] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(document["agencies"]):
        where = f"agencies[{index}]"
        raw_code = item.get("code") if isinstance(item, Mapping) else None
        try:
            agency = Agency.model_validate(item)
        except ValidationError as exc:
            first = exc.errors()[0]
            location = field_path(first["loc"])
            field = where if location == "-" else f"{where}.{location}"
            label = raw_code if isinstance(raw_code, str) and raw_code else None
            raise CatalogError(first["msg"], procedure=label, field=field) from exc
        if agency.code in seen:
            raise CatalogError(
                f"agency code already used by agencies[{seen[agency.code]}]",
                procedure=agency.code,
                field=f"{where}.code",
            )
        units = [unit.code for unit in agency.units]
        for position, unit in enumerate(units):
            if unit in units[:position]:
                raise CatalogError(
                    f"unit {unit} is listed twice",
                    procedure=agency.code,
                    field=f"{where}.units[{position}].code",
                )
        seen[agency.code] = index
        agencies.append(agency)
    return AgencyRegistry(agencies)
