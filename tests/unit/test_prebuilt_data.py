"""The precomputed and prebuilt data read at a cold start say exactly what their sources say."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

from chalicelib.adapters import holiday_table, prebuilt
from chalicelib.adapters.beneficiary_accounts import BENEFICIARIES_FILE, load_beneficiaries
from chalicelib.adapters.calendar_file import load_calendar
from chalicelib.adapters.catalog_files import (
    AGENCIES_FILE,
    AGENCY_ALIASES_FILE,
    CATALOG_FILE,
    DATA_DIR,
    load_agencies,
    load_catalog,
    read_document,
)
from chalicelib.adapters.receipt_ranges import RECEIPT_RANGES_FILE, load_receipt_ranges
from chalicelib.domain.calendar import WorkingCalendar


def test_the_holiday_table_is_what_the_holidays_package_computes() -> None:
    # Fails after an upgrade of `holidays` that moves a day: rerun
    # `python -m chalicelib.adapters.holiday_table`.
    table = holiday_table.load(DATA_DIR / holiday_table.HOLIDAYS_FILE)
    expected = holiday_table.compute()
    assert {str(year): sorted(d.isoformat() for d in days) for year, days in table.items()} == (
        expected
    )


def test_the_calendar_counts_the_supported_years_from_the_table() -> None:
    calendar = load_calendar(DATA_DIR / "calendar.yaml")
    assert set(calendar._holidays_by_year) == set(holiday_table.SUPPORTED_YEARS)
    computed = WorkingCalendar(
        office_hours=calendar.office_hours,
        extra_days_off=calendar.extra_days_off,
        extra_working_days=calendar.extra_working_days,
    )
    for year in (2025, 2026):
        assert calendar.days_off(year) == computed.days_off(year)


def test_a_year_outside_the_table_is_computed() -> None:
    calendar = load_calendar(DATA_DIR / "calendar.yaml")
    assert not calendar.is_working_day(date(2050, 9, 2))  # Quốc khánh, a Friday


def _data_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "data"
    shutil.copytree(DATA_DIR, copy, ignore=shutil.ignore_patterns("*" + prebuilt.SUFFIX))
    return copy


def test_the_prebuilt_forms_give_the_same_catalog_agencies_and_calendar(tmp_path: Path) -> None:
    data = _data_copy(tmp_path)
    from_yaml = (
        load_agencies(data / AGENCIES_FILE),
        load_catalog(data / CATALOG_FILE, load_agencies(data / AGENCIES_FILE)),
        load_calendar(data / "calendar.yaml"),
    )
    built = prebuilt.build_all(data)
    sources = (AGENCIES_FILE, AGENCY_ALIASES_FILE, CATALOG_FILE, "calendar.yaml",
               "sample_officials.yaml", BENEFICIARIES_FILE, RECEIPT_RANGES_FILE)  # fmt: skip
    assert {p.name for p in built} == {name + prebuilt.SUFFIX for name in sources}
    for path in (data / name for name in sources):
        assert prebuilt.document_for(path, path.read_bytes())[0]  # read from the prebuilt form
    agencies = load_agencies(data / AGENCIES_FILE)
    assert agencies.all() == from_yaml[0].all()
    assert agencies.aliases == from_yaml[0].aliases and agencies.aliases
    assert load_catalog(data / CATALOG_FILE, agencies).all() == from_yaml[1].all()
    assert load_calendar(data / "calendar.yaml") == from_yaml[2]
    accounts = load_beneficiaries(data / BENEFICIARIES_FILE, agencies)
    assert accounts and accounts == load_beneficiaries(DATA_DIR / BENEFICIARIES_FILE, agencies)
    ranges = load_receipt_ranges(data / RECEIPT_RANGES_FILE, agencies)
    assert ranges and ranges == load_receipt_ranges(DATA_DIR / RECEIPT_RANGES_FILE, agencies)


def test_a_prebuilt_form_older_than_its_source_is_ignored(tmp_path: Path) -> None:
    data = _data_copy(tmp_path)
    source = data / "calendar.yaml"
    prebuilt.build(source)
    source.write_text(source.read_text(encoding="utf-8") + "\nculture_day_off: true\n", "utf-8")
    assert not prebuilt.document_for(source, source.read_bytes())[0]
    assert read_document(source)["culture_day_off"] is True
