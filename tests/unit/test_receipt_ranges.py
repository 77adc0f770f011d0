"""The agencies' receipt ranges file (issue 20): validated on load, naming the entry; the
packaged sample loads."""

import pytest

from chalicelib.adapters.catalog_files import DATA_DIR, load_agencies
from chalicelib.adapters.receipt_ranges import RECEIPT_RANGES_FILE, load_receipt_ranges
from chalicelib.domain.errors import CatalogError

RANGE = 'form_code: "01BLP0-001", series: "TB-26E", tax_code: "3600004105", address: "Trấn Biên"'


def write(tmp_path, *entries):
    path = tmp_path / RECEIPT_RANGES_FILE
    path.write_text("ranges:\n" + "".join(f"  - {{{e}}}\n" for e in entries), "utf-8")
    return path


def test_the_sample_loads_one_range_per_agency_with_an_account():
    ranges = load_receipt_ranges(DATA_DIR / RECEIPT_RANGES_FILE, load_agencies())
    assert ranges["000.00.41.H19"].series == "TB-26E"
    assert ranges["000.00.41.H19"].collector == ""  # printed as the agency's name


def test_an_agency_of_the_registry_has_one_range(tmp_path):
    agencies = load_agencies()
    with pytest.raises(CatalogError, match=r"ranges\[0\].*not in the agency registry"):
        load_receipt_ranges(write(tmp_path, f'agency: "000.00.77.H19", {RANGE}'), agencies)
    twice = [f'agency: "000.00.41.H19", {RANGE}'] * 2
    with pytest.raises(CatalogError, match=r"ranges\[1\].*second range"):
        load_receipt_ranges(write(tmp_path, *twice), agencies)


@pytest.mark.parametrize(
    "entry, field",
    [
        (RANGE.replace('"TB-26E"', '"TB 26E"'), "series"),
        (RANGE.replace('"3600004105"', '"36"'), "tax_code"),
        (RANGE + ', colour: "red"', "colour"),
    ],
)
def test_bad_symbols_a_bad_tax_code_or_an_unknown_field_are_refused_by_name(tmp_path, entry, field):
    with pytest.raises(CatalogError, match=rf"(?s)ranges\[0\].*{field}") as refused:
        load_receipt_ranges(write(tmp_path, f'agency: "000.00.41.H19", {entry}'), load_agencies())
    assert refused.value.field == field


def test_no_file_is_no_range(tmp_path):
    assert load_receipt_ranges(tmp_path / "absent.yaml", load_agencies()) == {}
