"""The procedure catalog and agency registry: the shipped samples, and how broken files fail."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml

from chalicelib.adapters import catalog_files
from chalicelib.adapters.catalog_files import load_agencies, load_catalog, read_document
from chalicelib.bootstrap import Container
from chalicelib.domain.agencies import AgencyLevel, AgencyRegistry, parse_agencies
from chalicelib.domain.calendar import TimeUnit
from chalicelib.domain.errors import CatalogError
from chalicelib.domain.identifiers import AGENCY_CODE
from chalicelib.domain.procedures import Catalog, Level, parse_catalog
from chalicelib.domain.statuses import Role
from chalicelib.settings import Settings

DATA = Path(__file__).resolve().parents[2] / "data"
AGENCIES_YAML = DATA / "agencies.yaml"
PROCEDURES_YAML = DATA / "procedures.yaml"
LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")

KHAI_SINH = "1.001193"
LAND = "1.012766"
JUDICIAL_RECORD = "2.000488"
TAX = "000.00.90.H19"
LONG_THANH = "000.00.43.H19"

RAW_AGENCIES = yaml.safe_load(AGENCIES_YAML.read_text(encoding="utf-8"))
RAW_PROCEDURES = yaml.safe_load(PROCEDURES_YAML.read_text(encoding="utf-8"))


def raw_procedure(code: str, version: int = 1) -> dict[str, Any]:
    """A fresh, mutable copy of one shipped procedure."""
    for item in RAW_PROCEDURES["procedures"]:
        if item["code"] == code and item["version"] == version:
            return copy.deepcopy(item)
    raise LookupError(f"{code} v{version} is not in the sample catalog")


@pytest.fixture(scope="module")
def agencies() -> AgencyRegistry:
    return load_agencies(AGENCIES_YAML)


@pytest.fixture(scope="module")
def catalog(agencies: AgencyRegistry) -> Catalog:
    return load_catalog(PROCEDURES_YAML, agencies)


# -- the shipped samples ---------------------------------------------------------------------


def test_sample_catalog_has_at_least_twelve_procedures_all_marked_sample(catalog: Catalog) -> None:
    assert len(catalog.codes()) >= 12
    assert len(catalog) > len(catalog.codes())  # at least one procedure has two versions
    assert all(p.sample for p in catalog.all())


def test_sample_registry_is_two_tier_and_marked_sample(agencies: AgencyRegistry) -> None:
    assert all(a.sample for a in agencies.all())
    assert all(AGENCY_CODE.match(code) and code.endswith(".H19") for code in agencies.codes())
    assert agencies.get("000.00.00.H19").name == "Ủy ban nhân dân tỉnh Đồng Nai"
    assert {a.level for a in agencies.all()} == {
        AgencyLevel.PROVINCE,
        AgencyLevel.COMMUNE,
        AgencyLevel.CENTRAL,
    }
    assert len(agencies.communes()) >= 3
    # A commune procedure may be filed in any commune, so all communes share their unit codes.
    unit_sets = {frozenset(u.code for u in a.units) for a in agencies.communes()}
    assert len(unit_sets) == 1


def test_civil_status_procedures_are_filed_in_any_commune(catalog: Catalog) -> None:
    civil = [p for p in catalog.all() if p.field == "Hộ tịch"]
    assert len(civil) >= 3
    assert all(p.level is Level.COMMUNE and p.resolving_agency is None for p in civil)
    assert catalog.current(KHAI_SINH).name == "Đăng ký khai sinh"


def test_a_few_procedures_are_received_regardless_of_boundary(catalog: Catalog) -> None:
    listed = {p.code for p in catalog.all() if p.cross_boundary}
    # Certified copies and copies of civil-status extracts, and the judicial record.
    assert {"2.000815", "2.000635", JUDICIAL_RECORD} <= listed
    assert KHAI_SINH not in listed and LAND not in listed
    assert len(listed) * 2 < len(catalog.codes())  # the list is the exception


def test_building_permits_limit_when_a_supplement_may_be_requested(catalog: Catalog) -> None:
    permit = catalog.current("1.013225")
    assert permit is not None and permit.supplement_request_within is not None
    assert (permit.supplement_request_within.amount, permit.supplement_request_within.unit) == (
        7,
        TimeUnit.WORKING_DAYS,
    )
    # Elsewhere the law's default applies: a setting, not the catalog.
    assert catalog.current(KHAI_SINH).supplement_request_within is None


def test_land_procedure_has_an_inter_agency_tax_step(
    catalog: Catalog, agencies: AgencyRegistry
) -> None:
    land = [p for p in catalog.all() if p.field == "Đất đai"]
    assert land and all(p.is_inter_agency for p in land)
    for procedure in land:
        tax_steps = [s for s in procedure.steps if s.agency == TAX]
        assert len(tax_steps) == 1
        assert agencies.get(TAX).level is AgencyLevel.CENTRAL
        assert procedure.step_agency(procedure.steps.index(tax_steps[0]), "x") == TAX
        assert procedure.step_agency(0, procedure.resolving_agency) == procedure.resolving_agency


def test_required_kinds_are_present(catalog: Catalog, agencies: AgencyRegistry) -> None:
    procedures = catalog.all()
    fields = {p.field for p in procedures}
    assert {"Hoạt động xây dựng", "Lý lịch tư pháp", "Chứng thực"} <= fields
    assert any("doanh nghiệp" in p.field for p in procedures)

    in_hours = [p for p in procedures if p.time_limit.unit is TimeUnit.WORKING_HOURS]
    assert in_hours

    with_cutoff = [p for p in procedures if p.cutoff is not None]
    assert with_cutoff
    assert all(p.cutoff == time(15, 0) and p.cutoff.tzinfo is None for p in with_cutoff)

    internal = [p for p in procedures if p.level is Level.INTERNAL]
    assert internal
    # Internal procedures run between agencies: some step runs outside the resolving agency.
    assert all(p.is_inter_agency for p in internal)

    judicial = catalog.current(JUDICIAL_RECORD)
    police = [s for s in judicial.steps if s.agency is not None]
    assert [agencies.get(s.agency).name for s in police] == ["Công an tỉnh Đồng Nai"]


def test_every_sample_process_starts_and_ends_at_the_counter(catalog: Catalog) -> None:
    for procedure in catalog.all():
        assert procedure.steps[0].role is Role.RECEIVER, procedure.key
        assert procedure.steps[-1].role is Role.RECEIVER, procedure.key
        assert any(step.role is Role.LEADER for step in procedure.steps), procedure.key


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (None, 2),
        (date(2024, 7, 31), None),  # before version 1 took effect
        (date(2024, 8, 1), 1),
        (date(2025, 6, 30), 1),
        (date(2025, 7, 1), 2),
        (datetime(2025, 6, 30, 16, 59, tzinfo=LOCAL), 1),
        (datetime(2025, 7, 1, 7, 0, tzinfo=LOCAL), 2),
    ],
)
def test_current_pins_the_version_in_effect(
    catalog: Catalog, at: date | None, expected: int | None
) -> None:
    procedure = catalog.current(LAND, at)
    assert (procedure.version if procedure else None) == expected


def test_versions_differ_in_their_time_limit(catalog: Catalog) -> None:
    assert catalog.get(LAND, 1).time_limit.amount == 10
    assert catalog.get(LAND, 2).time_limit.amount == 8
    assert catalog.get(LAND, 3) is None


# -- broken procedures -----------------------------------------------------------------------

Mutation = Callable[[dict[str, Any]], None]


def _set(path: str, value: Any) -> Mutation:
    """A mutation that sets a dotted path such as `steps.2.role` (integers index lists)."""

    def mutate(doc: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = doc
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        target[int(last) if last.isdigit() else last] = value

    return mutate


def _delete(key: str) -> Mutation:
    return lambda doc: doc.pop(key)


BREAKAGES = [
    # (id, procedure to copy, mutation, expected procedure label, expected field)
    ("missing-name", KHAI_SINH, _delete("name"), "1.001193 v1", "name"),
    ("blank-name", KHAI_SINH, _set("name", "   "), "1.001193 v1", "name"),
    ("missing-code", KHAI_SINH, _delete("code"), "#2", "code"),
    ("short-code", KHAI_SINH, _set("code", "1.1193"), "1.1193 v1", "code"),
    (
        "full-code",
        KHAI_SINH,
        _set("code", "1.001193.000.00.00.H19"),
        "1.001193.000.00.00.H19 v1",
        "code",
    ),
    ("district-level", KHAI_SINH, _set("level", "district"), "1.001193 v1", "level"),
    ("unknown-role", KHAI_SINH, _set("steps.2.role", "chairman"), "1.001193 v1", "steps[2].role"),
    ("admin-role", KHAI_SINH, _set("steps.1.role", "admin"), "1.001193 v1", "steps[1].role"),
    ("bad-unit-code", KHAI_SINH, _set("steps.0.unit", "mot cua"), "1.001193 v1", "steps[0].unit"),
    ("extra-key", KHAI_SINH, _set("colour", "red"), "1.001193 v1", "colour"),
    (
        "extra-step-key",
        KHAI_SINH,
        _set("steps.3.deadline", "17:00"),
        "1.001193 v1",
        "steps[3].deadline",
    ),
    (
        "negative-fee",
        JUDICIAL_RECORD,
        _set("fees.0.amount_vnd", -200000),
        "2.000488 v1",
        "fees[0].amount_vnd",
    ),
    (
        "zero-duration",
        KHAI_SINH,
        _set("steps.1.duration.amount", 0),
        "1.001193 v1",
        "steps[1].duration.amount",
    ),
    (
        "calendar-days",
        KHAI_SINH,
        _set("steps.1.duration.unit", "calendar_days"),
        "1.001193 v1",
        "steps[1].duration.unit",
    ),
    ("zero-limit", KHAI_SINH, _set("time_limit.amount", 0), "1.001193 v1", "time_limit.amount"),
    ("cutoff-25h", KHAI_SINH, _set("cutoff", "25:00"), "1.001193 v1", "cutoff"),
    (
        "cross-boundary-not-a-flag",
        KHAI_SINH,
        _set("cross_boundary", "perhaps"),
        "1.001193 v1",
        "cross_boundary",
    ),
    (
        "supplement-limit-in-calendar-days",
        KHAI_SINH,
        _set("supplement_request_within", {"amount": 3, "unit": "calendar_days"}),
        "1.001193 v1",
        "supplement_request_within.unit",
    ),
    (
        "supplement-limit-zero",
        KHAI_SINH,
        _set("supplement_request_within", {"amount": 0, "unit": "working_days"}),
        "1.001193 v1",
        "supplement_request_within.amount",
    ),
    (
        "supplement-limit-a-number",
        KHAI_SINH,
        _set("supplement_request_within", 3),
        "1.001193 v1",
        "supplement_request_within",
    ),
    # What YAML makes of an unquoted 15:00; pydantic alone would read it as 00:15 UTC.
    ("cutoff-unquoted", KHAI_SINH, _set("cutoff", 900), "1.001193 v1", "cutoff"),
    ("cutoff-with-offset", KHAI_SINH, _set("cutoff", "15:00+07:00"), "1.001193 v1", "cutoff"),
    ("no-steps", KHAI_SINH, _set("steps", []), "1.001193 v1", "steps"),
    ("no-components", KHAI_SINH, _set("components", []), "1.001193 v1", "components"),
    (
        "bad-effective-date",
        LAND,
        _set("effective_from", "2025-13-01"),
        "1.012766 v1",
        "effective_from",
    ),
    (
        "bad-agency-code",
        JUDICIAL_RECORD,
        _set("resolving_agency", "SO-TU-PHAP"),
        "2.000488 v1",
        "resolving_agency",
    ),
    (
        "unknown-resolving-agency",
        JUDICIAL_RECORD,
        _set("resolving_agency", "000.00.98.H19"),
        "2.000488 v1",
        "resolving_agency",
    ),
    (
        "unknown-step-agency",
        LAND,
        _set("steps.2.agency", "000.00.99.H19"),
        "1.012766 v1",
        "steps[2].agency",
    ),
    # PHONG_DKKD exists, but in Sở Tài chính, not in Sở Tư pháp which runs the step.
    (
        "unit-of-another-agency",
        JUDICIAL_RECORD,
        _set("steps.1.unit", "PHONG_DKKD"),
        "2.000488 v1",
        "steps[1].unit",
    ),
    # The tax step runs at the tax agency: the land office's unit is not there.
    (
        "unit-not-at-step-agency",
        LAND,
        _set("steps.2.unit", "PHONG_DKCG"),
        "1.012766 v1",
        "steps[2].unit",
    ),
    # A commune procedure's units must exist in the communes, not in a department.
    (
        "commune-step-at-provincial-unit",
        KHAI_SINH,
        _set("steps.1.unit", "PHONG_HCTP"),
        "1.001193 v1",
        "steps[1].unit",
    ),
]


@pytest.mark.parametrize(
    ("code", "mutate", "procedure", "field"),
    [case[1:] for case in BREAKAGES],
    ids=[case[0] for case in BREAKAGES],
)
def test_broken_procedure_is_refused_naming_procedure_and_field(
    agencies: AgencyRegistry,
    code: str,
    mutate: Mutation,
    procedure: str,
    field: str,
) -> None:
    broken = raw_procedure(code)
    mutate(broken)
    # A valid procedure first: the error must point at the broken one, not at the first.
    document = {"procedures": [raw_procedure(LAND, 2), broken]}
    with pytest.raises(CatalogError) as caught:
        parse_catalog(document, agencies)
    error = caught.value
    assert (error.procedure, error.field) == (procedure, field)
    assert str(error).startswith(f"procedure {procedure}: {field}: ")


@pytest.mark.parametrize(
    ("code", "mutate", "field"),
    [
        (KHAI_SINH, _set("time_limit", {"amount": 4, "unit": "working_hours"}), "time_limit"),
        (JUDICIAL_RECORD, _delete("resolving_agency"), "resolving_agency"),
        (LAND, _set("steps.2.agency", "000.01.09.H19"), "steps[2].agency"),
        (
            KHAI_SINH,
            _set("supplement_request_within", {"amount": 2, "unit": "working_days"}),
            "supplement_request_within",
        ),
    ],
    ids=[
        "steps-exceed-limit",
        "province-without-agency",
        "step-agency-is-home",
        "supplement-limit-beyond-time-limit",
    ],
)
def test_cross_field_rules_name_their_field(code: str, mutate: Mutation, field: str) -> None:
    broken = raw_procedure(code)
    mutate(broken)
    with pytest.raises(CatalogError) as caught:
        parse_catalog({"procedures": [broken]})
    assert caught.value.field == field


@pytest.mark.parametrize(
    ("code", "mutate", "reason"),
    [
        (
            KHAI_SINH,
            _set("time_limit", {"amount": 4, "unit": "working_hours"}),
            "steps take 7 working hours, more than the time limit of 4",
        ),
        (JUDICIAL_RECORD, _delete("resolving_agency"), "required for a province procedure"),
        (LAND, _set("steps.2.agency", "000.01.09.H19"), "is the resolving agency"),
        (
            KHAI_SINH,
            _set("supplement_request_within", {"amount": 9, "unit": "working_hours"}),
            "9 working hours is longer than the time limit of the procedure (1 working days)",
        ),
    ],
    ids=[
        "steps-exceed-limit",
        "province-without-agency",
        "step-agency-is-home",
        "supplement-limit-beyond-time-limit",
    ],
)
def test_cross_field_rules_name_the_procedure(code: str, mutate: Mutation, reason: str) -> None:
    broken = raw_procedure(code)
    mutate(broken)
    with pytest.raises(CatalogError) as caught:
        parse_catalog({"procedures": [raw_procedure(LAND, 1), broken]})
    assert caught.value.procedure == f"{code} v1"
    assert reason in caught.value.reason


def test_duplicate_version_is_refused() -> None:
    document = {
        "procedures": [raw_procedure(LAND, 1), raw_procedure(KHAI_SINH), raw_procedure(LAND, 1)]
    }
    with pytest.raises(CatalogError) as caught:
        parse_catalog(document)
    assert (caught.value.procedure, caught.value.field) == ("1.012766 v1", "version")
    assert "procedures[0] and procedures[2]" in caught.value.reason


def test_same_code_in_two_versions_is_accepted() -> None:
    catalog = parse_catalog({"procedures": [raw_procedure(LAND, 1), raw_procedure(LAND, 2)]})
    assert [p.key for p in catalog.all()] == [(LAND, 1), (LAND, 2)]


@pytest.mark.parametrize("document", [None, [], {"procedure": []}, {"procedures": {}}])
def test_catalog_document_needs_a_procedure_list(document: Any) -> None:
    with pytest.raises(CatalogError) as caught:
        parse_catalog(document)
    assert (caught.value.procedure, caught.value.field) == (None, "procedures")


def test_commune_unit_must_exist_in_every_commune() -> None:
    raw = copy.deepcopy(RAW_AGENCIES)
    long_thanh = next(a for a in raw["agencies"] if a["code"] == LONG_THANH)
    long_thanh["units"] = [u for u in long_thanh["units"] if u["code"] != "VAN_PHONG"]
    registry = parse_agencies(raw)
    with pytest.raises(CatalogError) as caught:
        parse_catalog({"procedures": [raw_procedure(KHAI_SINH)]}, registry)
    assert (caught.value.procedure, caught.value.field) == ("1.001193 v1", "steps[1].unit")
    assert LONG_THANH in caught.value.reason


def test_commune_procedure_needs_a_commune_in_the_registry() -> None:
    raw = {"agencies": [a for a in RAW_AGENCIES["agencies"] if a["level"] != "commune"]}
    with pytest.raises(CatalogError) as caught:
        parse_catalog({"procedures": [raw_procedure(KHAI_SINH)]}, parse_agencies(raw))
    assert (caught.value.procedure, caught.value.field) == ("1.001193 v1", "resolving_agency")


def test_without_a_registry_agencies_are_not_checked() -> None:
    unknown = raw_procedure(JUDICIAL_RECORD)
    unknown["resolving_agency"] = "000.00.98.H19"
    assert parse_catalog({"procedures": [unknown]}).get(JUDICIAL_RECORD, 1) is not None


# -- broken agency registries ----------------------------------------------------------------


def _agency(index: int) -> dict[str, Any]:
    return copy.deepcopy(RAW_AGENCIES["agencies"][index])


def _registry_with(mutate: Callable[[list[dict[str, Any]]], None]) -> dict[str, Any]:
    items = [_agency(0), _agency(3)]
    mutate(items)
    return {"agencies": items}


AGENCY_BREAKAGES = [
    (
        "duplicate-code",
        lambda items: items.append(_agency(0)),
        "000.00.00.H19",
        "agencies[2].code",
    ),
    (
        "bad-code",
        lambda items: items[1].update(code="SO-TU-PHAP"),
        "SO-TU-PHAP",
        "agencies[1].code",
    ),
    ("missing-code", lambda items: items[1].pop("code"), None, "agencies[1].code"),
    ("missing-name", lambda items: items[1].pop("name"), "000.00.06.H19", "agencies[1].name"),
    (
        "district-level",
        lambda items: items[1].update(level="district"),
        "000.00.06.H19",
        "agencies[1].level",
    ),
    ("no-units", lambda items: items[1].update(units=[]), "000.00.06.H19", "agencies[1].units"),
    (
        "duplicate-unit",
        lambda items: items[1]["units"].append({"code": "MOT_CUA", "name": "Một cửa 2"}),
        "000.00.06.H19",
        "agencies[1].units[3].code",
    ),
    (
        "bad-unit-code",
        lambda items: items[1]["units"][0].update(code="một cửa"),
        "000.00.06.H19",
        "agencies[1].units[0].code",
    ),
    (
        "extra-key",
        lambda items: items[1].update(parent="000.00.00.H19"),
        "000.00.06.H19",
        "agencies[1].parent",
    ),
    ("not-a-mapping", lambda items: items.append("Sở Y tế"), None, "agencies[2]"),
]


@pytest.mark.parametrize(
    ("mutate", "agency", "field"),
    [case[1:] for case in AGENCY_BREAKAGES],
    ids=[case[0] for case in AGENCY_BREAKAGES],
)
def test_broken_registry_is_refused_naming_agency_and_field(
    mutate: Callable[[list[dict[str, Any]]], None], agency: str | None, field: str
) -> None:
    document = _registry_with(mutate)
    with pytest.raises(CatalogError) as caught:
        parse_agencies(document)
    assert (caught.value.procedure, caught.value.field) == (agency, field)


@pytest.mark.parametrize("document", [None, {"agency": []}, {"agencies": "none"}])
def test_registry_document_needs_an_agency_list(document: Any) -> None:
    with pytest.raises(CatalogError) as caught:
        parse_agencies(document)
    assert (caught.value.procedure, caught.value.field) == (None, "agencies")


# -- files -----------------------------------------------------------------------------------


def test_json_files_load_like_yaml(tmp_path: Path, catalog: Catalog) -> None:
    (tmp_path / "agencies.json").write_text(json.dumps(RAW_AGENCIES), encoding="utf-8")
    (tmp_path / "procedures.json").write_text(
        json.dumps(RAW_PROCEDURES, default=str, ensure_ascii=False), encoding="utf-8"
    )
    registry = load_agencies(tmp_path / "agencies.json")
    from_json = load_catalog(tmp_path / "procedures.json", registry)
    assert from_json.all() == catalog.all()


def test_yml_suffix_is_accepted(tmp_path: Path) -> None:
    target = tmp_path / "agencies.yml"
    target.write_text(AGENCIES_YAML.read_text(encoding="utf-8"), encoding="utf-8")
    assert len(load_agencies(target)) == len(RAW_AGENCIES["agencies"])


def test_data_dir_defaults_to_the_repository_and_follows_the_settings(tmp_path: Path) -> None:
    packaged = Container(Settings.from_environment({}))
    assert packaged.data_dir == catalog_files.DATA_DIR == DATA
    assert len(packaged.agencies) == len(load_agencies()) == len(RAW_AGENCIES["agencies"])

    only_province = {"agencies": [_agency(0)]}
    (tmp_path / "agencies.yaml").write_text(yaml.safe_dump(only_province), encoding="utf-8")
    moved = Container(Settings.from_environment({"MOTCUA_DATA_DIR": str(tmp_path)}))
    assert moved.data_dir == tmp_path
    assert moved.agencies.codes() == ["000.00.00.H19"]


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("procedures.yaml", "procedures:\n  - code: '1.001193\n    name: x\n", "not valid YAML"),
        ("procedures.yaml", "procedures:\n\t- code: x\n", "not valid YAML (line 2"),
        ("procedures.json", '{"procedures": [}', "not valid JSON (line 1, column 17)"),
        ("procedures.txt", "procedures: []", "unsupported file type '.txt'"),
    ],
    ids=["unclosed-quote", "tab-indent", "bad-json", "bad-suffix"],
)
def test_unreadable_file_is_refused_naming_the_file(
    tmp_path: Path, agencies: AgencyRegistry, name: str, content: str, expected: str
) -> None:
    target = tmp_path / name
    target.write_text(content, encoding="utf-8")
    with pytest.raises(CatalogError) as caught:
        load_catalog(target, agencies)
    assert (caught.value.procedure, caught.value.field) == (None, None)
    assert str(target) in str(caught.value)
    assert expected in caught.value.reason


def test_missing_file_is_refused_naming_the_file(tmp_path: Path) -> None:
    with pytest.raises(CatalogError) as caught:
        read_document(tmp_path / "absent.yaml")
    assert "absent.yaml: cannot be read" in str(caught.value)


def test_validation_error_from_a_file_notes_the_file(
    tmp_path: Path, agencies: AgencyRegistry
) -> None:
    broken = raw_procedure(KHAI_SINH)
    broken["steps"][0]["unit"] = "PHONG_QLDD"
    target = tmp_path / "procedures.yaml"
    target.write_text(yaml.safe_dump({"procedures": [broken]}, allow_unicode=True), "utf-8")
    with pytest.raises(CatalogError) as caught:
        load_catalog(target, agencies)
    assert (caught.value.procedure, caught.value.field) == ("1.001193 v1", "steps[0].unit")
    assert caught.value.__notes__ == [f"in {target}"]
