"""Dossier codes (mã hồ sơ): `{agency identifier}-{yyMMdd}-{daily sequence}`.

Example: `000.00.32.H19-210708-0032`, the 32nd dossier received by agency 000.00.32.H19 on
8 July 2021 (local date, Asia/Ho_Chi_Minh). The agency identifier follows QCVN 102:2016/BTTTT,
`V1V2V3.Z1Z2.Y1Y2.Hxx`, where Hxx is the province (H19 = Đồng Nai).

The sequence is per agency and local day, from 1, printed on 4 digits. A day with more than 9,999
dossiers at one agency widens it to 5 digits (`...-10000`) rather than refusing a dossier; codes
stay unique because a 5-digit sequence never starts with 0. Beyond 99,999 a day the counter is
assumed runaway (a whole province receives ~7,000 a day) and make_code refuses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Final

from chalicelib.domain.calendar import as_local
from chalicelib.domain.errors import InvalidInput

# [0-9], not \d: \d also matches non-ASCII digits such as '٣'.
AGENCY_ID: Final = re.compile(r"[0-9]{3}\.[0-9]{2}\.[0-9]{2}\.H[0-9]{2}")
PROVINCE: Final = re.compile(r"H[0-9]{2}")
_CODE: Final = re.compile(
    rf"(?P<agency>{AGENCY_ID.pattern})-(?P<day>[0-9]{{6}})-(?P<sequence>[0-9]{{4,5}})"
)
MAX_SEQUENCE: Final = 99_999


@dataclass(frozen=True, slots=True)
class DossierCode:
    agency: str
    day: date  # local date of receipt
    sequence: int

    @property
    def province(self) -> str:
        return self.agency.rsplit(".", 1)[1]

    def __str__(self) -> str:
        return f"{self.agency}-{self.day:%y%m%d}-{self.sequence:04d}"


def _check_agency(agency: object, field: str) -> str:
    if not isinstance(agency, str) or not AGENCY_ID.fullmatch(agency):
        raise InvalidInput(
            f"agency identifier {agency!r} is not of the form 000.00.00.H00 (QCVN 102:2016)",
            field=field,
        )
    return agency


def _local_day(received_at: datetime) -> date:
    if not isinstance(received_at, datetime):
        raise InvalidInput("received_at must be a datetime", field="received_at")
    day = as_local(received_at, "received_at").date()
    if not 2000 <= day.year <= 2099:
        # yyMMdd cannot tell centuries apart; parse_code reads 20yy.
        raise InvalidInput(f"year {day.year} cannot be written as yy", field="received_at")
    return day


def make_code(agency: str, received_at: datetime, sequence: int) -> str:
    """The code of the `sequence`-th dossier received by `agency` on the local day of
    `received_at`. The sequence comes from the counter at sequence_key(agency, received_at)."""
    _check_agency(agency, "agency")
    day = _local_day(received_at)
    if isinstance(sequence, bool) or not isinstance(sequence, int):
        raise InvalidInput("sequence must be an integer", field="sequence")
    if not 1 <= sequence <= MAX_SEQUENCE:
        raise InvalidInput(f"sequence must be within 1..{MAX_SEQUENCE}", field="sequence")
    return str(DossierCode(agency=agency, day=day, sequence=sequence))


def parse_code(code: str, *, province: str | None = None) -> DossierCode:
    """Read and check a dossier code; with `province` (e.g. "H19"), also that the agency belongs
    to that province. Only the canonical spelling is accepted, so one dossier has one code."""
    if province is not None and not (isinstance(province, str) and PROVINCE.fullmatch(province)):
        raise InvalidInput(f"province {province!r} is not of the form H00", field="province")
    if not isinstance(code, str):
        raise InvalidInput("a dossier code must be a string", field="code")
    match = _CODE.fullmatch(code)
    if match is None:
        raise InvalidInput(
            f"dossier code {code!r} is not of the form 000.00.00.H00-yyMMdd-0001",
            field="code",
        )
    agency, day_text, sequence_text = match.group("agency", "day", "sequence")
    try:
        day = date(2000 + int(day_text[:2]), int(day_text[2:4]), int(day_text[4:]))
    except ValueError:
        raise InvalidInput(
            f"dossier code {code!r}: {day_text} is not a real calendar date (yyMMdd)", field="code"
        ) from None
    sequence = int(sequence_text)
    if sequence < 1:
        raise InvalidInput(f"dossier code {code!r}: the sequence starts at 0001", field="code")
    if len(sequence_text) > 4 and sequence_text.startswith("0"):
        raise InvalidInput(
            f"dossier code {code!r}: a sequence below 10000 is written on 4 digits", field="code"
        )
    parsed = DossierCode(agency=agency, day=day, sequence=sequence)
    if province is not None and parsed.province != province:
        raise InvalidInput(
            f"dossier code {code!r}: agency {agency} is not in province {province}", field="code"
        )
    return parsed


def sequence_key(agency: str, received_at: datetime) -> str:
    """Key of the daily counter that make_code's sequence comes from: one per agency and local
    day, so the store can increment it atomically. The full year avoids yy's ambiguity."""
    _check_agency(agency, "agency")
    return f"{agency}#{_local_day(received_at).isoformat()}"
