"""The agencies' receipt ranges (the symbols each registered with its tax office, and its tax
identity), from a data file beside the agency registry: `data/receipt_ranges.yaml`
(docs/payments.md, "Receipts"). An agency without an entry issues no receipt here."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError

from chalicelib.adapters.catalog_files import read_document
from chalicelib.domain.agencies import AgencyRegistry
from chalicelib.domain.errors import CatalogError
from chalicelib.domain.identifiers import AGENCY_CODE
from chalicelib.domain.receipts import ReceiptRange

RECEIPT_RANGES_FILE = "receipt_ranges.yaml"


class _Entry(ReceiptRange):
    model_config = ConfigDict(frozen=True, extra="forbid")

    agency: Annotated[str, StringConstraints(pattern=AGENCY_CODE.pattern)]
    sample: bool = False


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ranges: list[dict[str, object]]


def load_receipt_ranges(path: Path, agencies: AgencyRegistry) -> dict[str, ReceiptRange]:
    """Per agency code; a missing file is no range at all. Errors name the file and entry."""
    if not path.exists():
        return {}
    try:
        parsed = _File.model_validate(read_document(path))
    except ValidationError as error:
        raise CatalogError(f"{path.name}: {error}", procedure=None, field="ranges") from error
    found: dict[str, ReceiptRange] = {}
    for index, raw in enumerate(parsed.ranges):
        where = f"{path.name}: ranges[{index}]"
        try:
            entry = _Entry.model_validate(raw)
        except ValidationError as error:
            field = ".".join(str(p) for p in error.errors()[0]["loc"]) or "ranges"
            raise CatalogError(f"{where}: {error}", procedure=None, field=field) from error
        if entry.agency not in agencies:
            raise CatalogError(f"{where}: agency {entry.agency} is not in the agency registry",
                               procedure=None, field="agency")  # fmt: skip
        if entry.agency in found:
            raise CatalogError(f"{where}: agency {entry.agency} has a second range",
                               procedure=None, field="agency")  # fmt: skip
        found[entry.agency] = ReceiptRange.model_validate(entry.model_dump(exclude={"sample"}))
    return found
