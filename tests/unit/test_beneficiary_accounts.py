"""The agencies' beneficiary accounts file (issue 20): validated on load, naming the entry."""

import pytest

from chalicelib.adapters.beneficiary_accounts import load_beneficiaries
from chalicelib.adapters.catalog_files import load_agencies
from chalicelib.domain.errors import CatalogError

ACCOUNT = 'bank_bin: "970405", account_number: "5900204100190", account_name: "UBND PHUONG"'


def write(tmp_path, *entries):
    path = tmp_path / "beneficiary_accounts.yaml"
    path.write_text("accounts:\n" + "".join(f"  - {{{e}}}\n" for e in entries), "utf-8")
    return path


def test_an_agency_of_the_registry_has_one_account(tmp_path):
    agencies = load_agencies()
    with pytest.raises(CatalogError, match=r"accounts\[0\].*not in the agency registry"):
        load_beneficiaries(write(tmp_path, f'agency: "000.00.77.H19", {ACCOUNT}'), agencies)
    twice = [f'agency: "000.00.41.H19", {ACCOUNT}'] * 2
    with pytest.raises(CatalogError, match=r"accounts\[1\].*second account"):
        load_beneficiaries(write(tmp_path, *twice), agencies)


@pytest.mark.parametrize(
    "entry",
    [
        'agency: "000.00.41.H19", bank_bin: "9704", account_number: "1", account_name: "A"',
        'agency: "000.00.41.H19", bank_bin: "970405", account_number: "1", account_name: "Ủy"',
    ],
)
def test_a_bad_bank_bin_or_an_accented_name_is_refused(tmp_path, entry):
    with pytest.raises(CatalogError):
        load_beneficiaries(write(tmp_path, entry), load_agencies())


def test_no_file_is_no_account(tmp_path):
    assert load_beneficiaries(tmp_path / "absent.yaml", load_agencies()) == {}
