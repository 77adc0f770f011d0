"""The query and answers of the forms' routes (`/v1/dossiers/{code}/forms/{form}`,
`/v1/agencies/{agency}/tracking-book`)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

MAX_BOOK_DAYS = 366


class FormQuery(BaseModel):
    """Query of GET /v1/dossiers/{code}/forms/{form}."""

    model_config = ConfigDict(extra="forbid")

    # The counter's receipt of this dossier: Mẫu 01 then prints its PIN (the receipt's
    # counter only; another receipt answers 404 naming it).
    receipt_id: Annotated[str | None, Field(min_length=1, max_length=200)] = None


class TrackingBookQuery(BaseModel):
    """Query of GET /v1/agencies/{agency}/tracking-book: the days received, both included."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    from_: Annotated[date, Field(alias="from")]
    to: date
    format: Literal["pdf", "csv"] = "pdf"

    @field_validator("to")
    @classmethod
    def _order(cls, to: date, info: ValidationInfo) -> date:
        first = info.data.get("from_")
        if first is None:  # invalid, and reported on `from`
            return to
        if to < first:
            raise ValueError("'to' is before 'from'")
        if (to - first).days >= MAX_BOOK_DAYS:
            raise ValueError(f"at most {MAX_BOOK_DAYS} days at a time")
        return to


class FormLink(BaseModel):
    form: str = Field(description="01-07")
    sha256: str = Field(description="of the file the link gives")
    size: int
    source: str = Field(
        description="what the file was rendered from: the dossier's revision (01-06), a hash "
        "of the dossiers the book lists (07); the same source is never rendered twice"
    )
    url: str = Field(description="a presigned GET of the file, as an attachment")
    expires_in: int = Field(description="seconds the link is valid")
    rendered_at: str


def agency_code(value: str) -> str:
    """An agency code in a path (`000.00.41.H19`); another form: 400 naming `agency`."""
    from chalicelib.domain.identifiers import AGENCY_CODE
    from chalicelib.http.problems import Problem
    from chalicelib.services.errors import FieldIssue

    if AGENCY_CODE.fullmatch(value):
        return value
    raise Problem(
        400,
        "agency: not an agency code of the form 000.00.41.H19",
        kind="validation",
        errors=[FieldIssue("agency", "not an agency code", "Mã cơ quan không đúng dạng")],
    )
