"""The query and the answer of GET /v1/audit/reads: officials' reads of personal data."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from chalicelib.domain.calendar import LOCAL_TZ
from chalicelib.domain.read_audit import MAX_QUERY_DAYS

DOSSIER_CODE = r"^[0-9]{3}\.[0-9]{2}\.[0-9]{2}\.H[0-9]{2}-[0-9]{6}-[0-9]{4,5}$"
ACTOR_ID = r"^[A-Za-z0-9@._:|-]{1,200}$"  # a token's subject


class ReadsQuery(BaseModel):
    """Query parameters of GET /v1/audit/reads: a time range, of one dossier or one official."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    code: Annotated[str | None, Field(pattern=DOSSIER_CODE)] = None
    actor: Annotated[str | None, Field(pattern=ACTOR_ID)] = None
    from_: Annotated[datetime, Field(alias="from")]
    to: datetime
    limit: Annotated[int, Field(ge=1, le=1000)] = 500

    @field_validator("from_", "to")
    @classmethod
    def _local_when_naive(cls, value: datetime) -> datetime:
        return value.replace(tzinfo=LOCAL_TZ) if value.tzinfo is None else value

    @field_validator("to")
    @classmethod
    def _range(cls, to: datetime, info: ValidationInfo) -> datetime:
        """Named on `to` (a model validator's error names no parameter)."""
        first = info.data.get("from_")
        if first is None:  # invalid, and reported on `from`
            return to
        if to < first:
            raise ValueError("'to' is before 'from'")
        if (to - first).days >= MAX_QUERY_DAYS:
            raise ValueError(f"at most {MAX_QUERY_DAYS} days at a time")
        return to


class AuditedRead(BaseModel):
    at: datetime
    code: str
    actor_id: str
    actor_name: str
    agency: str
    unit: str | None
    roles: list[str]
    route: str
    source_ip: str | None
    request_id: str | None


class AuditReads(BaseModel):
    """The reads found, oldest first; `complete` is false when `limit` cut the list."""

    items: list[AuditedRead]
    complete: bool
