"""Agencies and their units (QCVN 102:2016 identifiers). Two tiers since 1/7/2025: province
and commune; nothing here assumes a district level."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from chalicelib.domain.procedures import AGENCY_CODE, Text, UnitCode


class AgencyLevel(StrEnum):
    PROVINCE = "province"  # the People's Committee, departments (sở), the service centre
    COMMUNE = "commune"  # commune-level People's Committees (xã, phường, đặc khu)
    CENTRAL = "central"  # branches of central agencies in the province (e.g. tax)


class Unit(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    code: UnitCode
    name: Text


class Agency(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    code: Annotated[str, StringConstraints(pattern=AGENCY_CODE.pattern)]
    name: Text
    level: AgencyLevel
    units: Annotated[list[Unit], Field(min_length=1)]
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

    def codes(self) -> list[str]:
        return sorted(self._by_code)

    def all(self) -> list[Agency]:
        return [self._by_code[c] for c in self.codes()]
