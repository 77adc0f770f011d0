"""Which board a request asks for: `?co_quan=<agency>&thang=YYYY-MM[&dinh_dang=csv]`.

A leader sees their own agency; a province admin (Role.ADMIN) any agency of the registry. A
month or agency not offered is told beside its field and the page shows the default (the
viewer's agency, this month); another agency asked by a leader is refused outright.
"""

from __future__ import annotations

import re
from collections.abc import Container
from dataclasses import dataclass, field
from datetime import datetime

from chalicelib.domain.calendar import LOCAL_TZ
from chalicelib.domain.dossier import Actor
from chalicelib.domain.statuses import Role
from chalicelib.services.reports import MONTH

AGENCY = "co_quan"
MONTH_FIELD = "thang"
FORMAT = "dinh_dang"
CSV = "csv"
MONTH_WRONG = "Nhập tháng theo dạng năm-tháng, ví dụ 2026-03"
MONTH_LATER = "Chưa đến tháng này: chọn tháng hiện tại hoặc trước đó"
AGENCY_WRONG = "Chọn một cơ quan trong danh sách"
READERS = frozenset({Role.LEADER, Role.ADMIN})


class OtherAgency(Exception):
    """A leader asked for another agency's board: refused (403), as the API refuses it."""


@dataclass(frozen=True)
class BoardChoice:
    agency: str
    month: str
    csv: bool = False
    errors: dict[str, str] = field(default_factory=dict)


def may_read_board(official: Actor) -> bool:
    return bool(READERS & official.roles)


def this_month(now: datetime) -> str:
    return now.astimezone(LOCAL_TZ).strftime("%Y-%m")


def choice(
    query: dict[str, str], official: Actor, agencies: Container[str], now: datetime
) -> BoardChoice:
    errors: dict[str, str] = {}
    current = this_month(now)
    month = query.get(MONTH_FIELD, "").strip() or current
    if not re.fullmatch(MONTH, month):
        errors[MONTH_FIELD], month = MONTH_WRONG, current
    elif month > current:
        errors[MONTH_FIELD], month = MONTH_LATER, current
    agency = query.get(AGENCY, "").strip() or official.agency
    if agency != official.agency:
        if Role.ADMIN not in official.roles:
            raise OtherAgency(agency)
        if agency not in agencies:
            errors[AGENCY], agency = AGENCY_WRONG, official.agency
    return BoardChoice(agency, month, query.get(FORMAT) == CSV and not errors, errors)
