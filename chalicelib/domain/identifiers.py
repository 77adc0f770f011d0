"""The shapes of the identifiers and labels every part shares: procedure codes, agency codes
(QCVN 102:2016), unit codes, external ids, catalog text. The catalog, the agency registry and
the intake models all import them from here, so that none of them imports another for a
pattern."""

from __future__ import annotations

import re
from typing import Annotated, Final

from pydantic import AfterValidator, StringConstraints

from chalicelib.domain.visible import visible_text

# [0-9], not \d: \d also matches non-ASCII digits.
PROCEDURE_CODE: Final = re.compile(r"^[0-9]\.[0-9]{6}$")
# What a caller may send for a procedure code: the code, or the national portal's long form
# (1.001612.000.00.00.H19), cut to the code.
PROCEDURE_CODE_INPUT: Final = re.compile(
    r"(?P<code>[0-9]\.[0-9]{6})(?:\.[0-9]{3}\.[0-9]{2}\.[0-9]{2}\.H[0-9]{2})?"
)
AGENCY_CODE: Final = re.compile(r"^[0-9]{3}\.[0-9]{2}\.[0-9]{2}\.H[0-9]{2}$")
UNIT_CODE: Final = re.compile(r"[A-Z0-9_]{1,40}")
DEFAULT_UNIT: Final = "MOT_CUA"  # the one-stop desk (Bộ phận Một cửa) of an agency
# A portal's own id of a submission. '#' is excluded: the store joins keys with it.
EXTERNAL_ID: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]*")
MAX_EXTERNAL_ID: Final = 100


def _visible(value: str) -> str:
    if not visible_text(value):
        raise ValueError("has no visible character: only spaces, fillers or lone marks")
    return value


Text = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=500),
    AfterValidator(_visible),
]
UnitCode = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=f"^{UNIT_CODE.pattern}$")
]
AgencyCode = Annotated[str, StringConstraints(pattern=AGENCY_CODE.pattern)]
