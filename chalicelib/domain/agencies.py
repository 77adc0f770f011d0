"""Agencies and their units (QCVN 102:2016 identifiers). Two tiers since 1/7/2025: province
and commune; nothing here assumes a district level."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Annotated, Any, Final

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


_SPACES: Final = re.compile(r"\s+")
# "UBND" is how officials and the portal abbreviate "Ủy ban nhân dân" (People's Committee).
_ABBREVIATIONS: Final = {"ubnd": "uy ban nhan dan"}


def fold_name(text: str) -> str:
    """A name folded for comparison: lower case, accents and "đ" removed, spaces collapsed,
    common abbreviations spelt out. "UBND  Xã Long Thành" and "ủy ban nhân dân xã long thanh"
    fold alike; so do "Cấp bản sao Trích lục hộ tịch" and "cap ban sao trich luc ho tich"."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    plain = "".join(c for c in decomposed if not unicodedata.category(c).startswith("M"))
    words = _SPACES.split(plain.lower().strip())
    return " ".join(_ABBREVIATIONS.get(word, word) for word in words)


class AgencyAlias(BaseModel):
    """Other ways an agency is named in what arrives: names (as the portal writes them) and
    former codes (agencies of a merged province, units merged on 1/7/2025)."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    code: Annotated[str, StringConstraints(pattern=AGENCY_CODE.pattern)]  # the current one
    names: list[Text] = []
    former_codes: list[Annotated[str, StringConstraints(pattern=AGENCY_CODE.pattern)]] = []
    note: str = ""
    sample: bool = False


class AgencyRegistry:
    def __init__(self, agencies: Iterable[Agency], aliases: Iterable[AgencyAlias] = ()) -> None:
        self._by_code = {a.code: a for a in agencies}
        self._aliases = tuple(aliases)
        self._by_former_code = {old: a.code for a in self._aliases for old in a.former_codes}
        self._by_name = {fold_name(a.name): a.code for a in self._by_code.values()}
        for alias in self._aliases:
            self._by_name.update((fold_name(name), alias.code) for name in alias.names)

    @property
    def aliases(self) -> tuple[AgencyAlias, ...]:
        return self._aliases

    def with_aliases(self, aliases: Iterable[AgencyAlias]) -> AgencyRegistry:
        return AgencyRegistry(self._by_code.values(), aliases)

    def current_code(self, code: str) -> str | None:
        """`code` if it is an agency's current code, the current code of a former one, or None."""
        if code in self._by_code:
            return code
        return self._by_former_code.get(code)

    def resolve(self, text: str) -> str | None:
        """The current code of the agency `text` names, as a code (current or former) or as a
        name (the registry's or an alias, compared folded); None when nothing matches."""
        stripped = text.strip()
        return self.current_code(stripped) or self._by_name.get(fold_name(stripped))

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


def parse_agency_aliases(document: Any, agencies: AgencyRegistry) -> AgencyRegistry:
    """`agencies` with the alias table `{"aliases": [...]}` (data/agency_aliases.yaml).

    Refused: an alias of an agency not in the registry, a former code that is some agency's
    current code, and a name or former code given to two different agencies."""
    if not isinstance(document, Mapping) or not isinstance(document.get("aliases"), list):
        raise CatalogError(
            "expected a mapping with a list under 'aliases'", procedure=None, field="aliases"
        )
    aliases: list[AgencyAlias] = []
    owner: dict[str, str] = {}  # a folded name or a former code → the agency it names
    for index, item in enumerate(document["aliases"]):
        where = f"aliases[{index}]"
        try:
            alias = AgencyAlias.model_validate(item)
        except ValidationError as exc:
            first = exc.errors()[0]
            raise CatalogError(
                first["msg"], procedure=None, field=f"{where}.{field_path(first['loc'])}"
            ) from exc
        if alias.code not in agencies:
            raise CatalogError(
                f"agency {alias.code} is not in the registry",
                procedure=alias.code,
                field=f"{where}.code",
            )
        for position, old in enumerate(alias.former_codes):
            if old in agencies:
                raise CatalogError(
                    f"former code {old} is the current code of an agency",
                    procedure=alias.code,
                    field=f"{where}.former_codes[{position}]",
                )
        keys = [(f"former_codes[{i}]", c) for i, c in enumerate(alias.former_codes)]
        keys += [(f"names[{i}]", fold_name(n)) for i, n in enumerate(alias.names)]
        for field, key in keys:
            if owner.setdefault(key, alias.code) != alias.code:
                raise CatalogError(
                    f"already an alias of agency {owner[key]}",
                    procedure=alias.code,
                    field=f"{where}.{field}",
                )
        aliases.append(alias)
    for agency in agencies.all():
        taken = owner.get(fold_name(agency.name))
        if taken is not None and taken != agency.code:
            raise CatalogError(
                f"the name of agency {agency.code} is given as an alias of {taken}",
                procedure=taken,
                field="aliases",
            )
    return agencies.with_aliases(aliases)
