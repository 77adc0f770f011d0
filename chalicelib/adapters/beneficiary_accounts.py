"""The agencies' beneficiary accounts (where online fees are paid to), from a data file beside
the agency registry: `data/beneficiary_accounts.yaml` (docs/payments.md). An agency without an
entry takes no online payment: its orders are made, and paid at the counter."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError

from chalicelib.adapters.catalog_files import read_document
from chalicelib.domain.agencies import AgencyRegistry
from chalicelib.domain.errors import CatalogError
from chalicelib.domain.identifiers import AGENCY_CODE
from chalicelib.ports.payment_platform import BeneficiaryAccount

BENEFICIARIES_FILE = "beneficiary_accounts.yaml"


class _Account(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    agency: Annotated[str, StringConstraints(pattern=AGENCY_CODE.pattern)]
    bank_bin: Annotated[str, StringConstraints(pattern=r"^\d{6}$")]
    account_number: Annotated[str, StringConstraints(pattern=r"^[0-9A-Za-z]{1,19}$")]
    # As the bank holds it: upper case, no diacritics (VietQR and transfer notes).
    account_name: Annotated[str, StringConstraints(pattern=r"^[A-Z0-9 .,()-]{1,70}$")]
    sample: bool = False


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid")

    accounts: list[_Account]


def load_beneficiaries(path: Path, agencies: AgencyRegistry) -> dict[str, BeneficiaryAccount]:
    """Per agency code; a missing file is no account at all. Errors name the file and entry."""
    if not path.exists():
        return {}
    try:
        parsed = _File.model_validate(read_document(path))
    except ValidationError as error:
        raise CatalogError(f"{path.name}: {error}", procedure=None, field="accounts") from error
    found: dict[str, BeneficiaryAccount] = {}
    for index, entry in enumerate(parsed.accounts):
        where = f"{path.name}: accounts[{index}]"
        if entry.agency not in agencies:
            raise CatalogError(
                f"{where}: agency {entry.agency} is not in the agency registry",
                procedure=None,
                field="agency",
            )
        if entry.agency in found:
            raise CatalogError(
                f"{where}: agency {entry.agency} has a second account",
                procedure=None,
                field="agency",
            )
        found[entry.agency] = BeneficiaryAccount(
            bank_bin=entry.bank_bin,
            account_number=entry.account_number,
            account_name=entry.account_name,
        )
    return found
