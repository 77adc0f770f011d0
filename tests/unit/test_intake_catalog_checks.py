"""check_against_catalog with the sample Đồng Nai catalog: which procedure, which agencies."""

from datetime import datetime
from pathlib import Path

import pytest

from chalicelib.adapters.catalog_files import load_agencies, load_catalog
from chalicelib.domain.calendar import LOCAL_TZ
from chalicelib.intake.checks import check_against_catalog, resolve_agencies
from chalicelib.intake.model import IntakeRequest

DATA = Path(__file__).resolve().parents[2] / "data"
TRAN_BIEN = "000.00.41.H19"  # commune (phường Trấn Biên)
BIEN_HOA = "000.00.42.H19"  # commune (phường Biên Hòa)
SO_TU_PHAP = "000.00.06.H19"  # province (Sở Tư pháp)
SO_TAI_CHINH = "000.00.07.H19"  # province (Sở Tài chính)
SO_NOI_VU = "000.00.05.H19"  # province (Sở Nội vụ)
SERVICE_CENTRE = "000.00.01.H19"  # province (Trung tâm Phục vụ hành chính công)
TAX = "000.00.90.H19"  # central branch (Thuế tỉnh), no one-stop counter
LAND = "000.01.09.H19"  # province (Văn phòng Đăng ký đất đai)


@pytest.fixture(scope="module")
def agencies():
    return load_agencies(DATA / "agencies.yaml")


@pytest.fixture(scope="module")
def catalog(agencies):
    return load_catalog(DATA / "procedures.yaml", agencies)


def request(**changes) -> IntakeRequest:
    """A birth registration filed online at Trấn Biên, with `changes` (validated)."""
    data = {
        "external_id": "000.00.41.H19-260105-0001",
        "code": "000.00.41.H19-260105-0001",
        "procedure_code": "1.001193",
        "channel": 2,
        "applicant": {"name": "Nguyễn Văn An", "kind": 1, "phone": "84912345678"},
        "resolving_agency": TRAN_BIEN,
        "received_by_agency": TRAN_BIEN,
        "submitted_at": datetime(2026, 1, 5, 8, 30, tzinfo=LOCAL_TZ),
        "awaiting_counter_check": True,
        "source": "motcua",
    }
    applicant = changes.pop("applicant", {})
    data.update(changes)
    data["applicant"] = {**data["applicant"], **applicant}
    return IntakeRequest.model_validate(data)


def fields(issues) -> list[str]:
    return [issue.field for issue in issues]


@pytest.mark.parametrize(
    "changes",
    [
        {},
        # phi địa giới: a certified copy, on the cross-boundary list, filed in one commune and
        # resolved by another, or filed at the provincial service centre
        {"procedure_code": "2.000815", "received_by_agency": BIEN_HOA},
        {"procedure_code": "2.000815", "received_by_agency": SERVICE_CENTRE},
        # a province procedure: the catalog names the agency; the request may leave it out…
        {"procedure_code": "2.000488", "resolving_agency": None, "received_by_agency": SO_TU_PHAP},
        # …or name the same one, and be received at the service centre or at a commune
        {
            "procedure_code": "2.000488",
            "resolving_agency": SO_TU_PHAP,
            "received_by_agency": SERVICE_CENTRE,
        },
        {"procedure_code": "2.000488", "resolving_agency": None, "received_by_agency": BIEN_HOA},
        # the second version of the land procedure, in effect since 1/7/2025
        {"procedure_code": "1.012766", "resolving_agency": None, "received_by_agency": LAND},
        # …or received at the province's service centre: a province procedure's
        # administrative boundary is the province
        {
            "procedure_code": "1.012766",
            "resolving_agency": None,
            "received_by_agency": SERVICE_CENTRE,
        },
        # an internal procedure filed by a state agency
        {
            "procedure_code": "2.002456",
            "resolving_agency": None,
            "received_by_agency": SO_NOI_VU,
            "received_by_unit": "VAN_THU",
            "applicant": {"kind": 3, "id_number": TRAN_BIEN, "phone": None},
        },
        # the full national code is cut on the way in
        {"procedure_code": "1.001612.000.00.00.H19", "applicant": {"kind": 1}},
    ],
)
def test_requests_that_agree_with_the_catalog(changes, catalog, agencies):
    assert check_against_catalog(request(**changes), catalog, agencies) == []


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"procedure_code": "1.999999"}, "procedure_code"),
        (  # version 1 takes effect on 1/8/2024
            {
                "procedure_code": "1.012766",
                "resolving_agency": None,
                "submitted_at": datetime(2024, 7, 31, 16, 0, tzinfo=LOCAL_TZ),
            },
            "procedure_code",
        ),
        ({"resolving_agency": None}, "resolving_agency"),  # commune procedure without a commune
        ({"resolving_agency": SO_TU_PHAP}, "resolving_agency"),  # a province agency
        ({"resolving_agency": "000.00.99.H19"}, "resolving_agency"),  # unknown agency
        (  # a province procedure resolved by another agency than the catalog's
            {"procedure_code": "2.000488", "resolving_agency": SO_TAI_CHINH},
            "resolving_agency",
        ),
        (
            {"procedure_code": "2.000488", "resolving_agency": "000.00.98.H19"},
            "resolving_agency",
        ),
        ({"received_by_agency": "000.00.99.H19"}, "received_by_agency"),  # unknown agency
        ({"received_by_agency": TAX}, "received_by_agency"),  # not a one-stop counter
        # not on the cross-boundary list: a birth is registered at the resolving commune…
        ({"received_by_agency": BIEN_HOA}, "received_by_agency"),
        ({"received_by_agency": SERVICE_CENTRE}, "received_by_agency"),
        # …and a land dossier at a province-level counter, not at a commune's
        ({"procedure_code": "1.012766", "resolving_agency": None}, "received_by_agency"),
        # a portal's code given by an agency of this province that is not in the registry
        ({"code": "000.00.77.H19-260105-0001"}, "code"),
        ({"received_by_unit": "PHONG_X"}, "received_by_unit"),  # unit unknown
        ({"received_by_unit": "PHONG_DKKD"}, "received_by_unit"),  # a unit of another agency
        (  # an internal procedure filed by a citizen
            {
                "procedure_code": "2.002456",
                "resolving_agency": None,
                "received_by_agency": SO_NOI_VU,
            },
            "applicant.kind",
        ),
    ],
)
def test_requests_the_catalog_refuses(changes, field, catalog, agencies):
    issues = check_against_catalog(request(**changes), catalog, agencies)
    assert fields(issues) == [field]
    assert issues[0].reason and issues[0].message_vi


def test_every_disagreement_is_reported(catalog, agencies):
    issues = check_against_catalog(
        request(
            procedure_code="1.999999",
            resolving_agency="000.00.99.H19",
            received_by_agency=TRAN_BIEN,
            received_by_unit="NOWHERE",
        ),
        catalog,
        agencies,
    )
    assert fields(issues) == ["procedure_code", "resolving_agency", "received_by_unit"]


def item(given_by: str = TRAN_BIEN, **changes) -> IntakeRequest:
    """A DVCQG item as parsed: received by the agency that gave its code, DonViXuLy as sent."""
    code = f"{given_by}-260105-0001"
    return request(
        source="dvcqg",
        code=code,
        external_id=code,
        resolving_agency=None,
        received_by_agency=given_by,
        **changes,
    )


def test_a_dvcqg_request_is_answered_in_the_portals_field_names(catalog, agencies):
    issues = check_against_catalog(
        item(procedure_code="1.999999", resolving_agency_named=SO_TU_PHAP), catalog, agencies
    )
    assert fields(issues) == ["MaTTHC"]
    unknown = check_against_catalog(
        item("000.00.99.H19", resolving_agency_named=TRAN_BIEN), catalog, agencies
    )
    assert fields(unknown) == ["MaHoSo"]  # once: the code's agency is the receiving one
    commune = check_against_catalog(
        item(given_by=SERVICE_CENTRE, resolving_agency_named="Sở Tư pháp tỉnh Đồng Nai"),
        catalog,
        agencies,
    )
    assert fields(commune) == ["DonViXuLy"]


TRIEU_LUC = "2.000635"  # commune procedure received regardless of boundary


@pytest.mark.parametrize(
    ("given_by", "named", "resolved"),
    [
        (BIEN_HOA, "Ủy ban nhân dân phường Trấn Biên", BIEN_HOA),  # 1. MaHoSo's commune
        ("000.35.40.H19", None, "000.00.44.H19"),  # 1. a former code of a merged commune
        (SERVICE_CENTRE, TRAN_BIEN, TRAN_BIEN),  # 3. DonViXuLy, a code
        (SERVICE_CENTRE, "UBND  phuong tran bien", TRAN_BIEN),  # 3. a name, folded
        (SERVICE_CENTRE, "000.15.22.H43", "000.00.47.H19"),  # 3. a former Bình Phước code
        (SERVICE_CENTRE, "Ủy ban nhân dân huyện Xuân Lộc", "000.00.44.H19"),  # 3. an alias
    ],
)
def test_the_resolving_agency_of_a_commune_procedure(catalog, agencies, given_by, named, resolved):
    subject = item(given_by, procedure_code=TRIEU_LUC, resolving_agency_named=named)
    assert check_against_catalog(subject, catalog, agencies) == []
    found = resolve_agencies(subject, catalog, agencies)
    assert found.resolving_agency == resolved
    assert found.received_by_agency == agencies.current_code(given_by)


def test_a_province_procedure_is_resolved_by_the_catalog_whatever_donvixuly_says(catalog, agencies):
    subject = item(SERVICE_CENTRE, procedure_code="2.000488", resolving_agency_named="Nơi nào đó")
    assert check_against_catalog(subject, catalog, agencies) == []
    assert resolve_agencies(subject, catalog, agencies).resolving_agency == SO_TU_PHAP


@pytest.mark.parametrize("named", [None, "Ủy ban nhân dân xã Không Có", "000.00.99.H19"])
def test_no_resolving_agency_is_refused_naming_donvixuly(catalog, agencies, named):
    subject = item(SERVICE_CENTRE, procedure_code=TRIEU_LUC, resolving_agency_named=named)
    (issue,) = check_against_catalog(subject, catalog, agencies)
    assert issue.field == "DonViXuLy"
    assert SERVICE_CENTRE in issue.reason and ("blank" if named is None else named) in issue.reason
    assert resolve_agencies(subject, catalog, agencies).resolving_agency is None


def test_other_sources_are_not_resolved(catalog, agencies):
    ours = request(received_by_agency=BIEN_HOA)
    assert resolve_agencies(ours, catalog, agencies) is ours


@pytest.mark.parametrize(
    "title",
    [
        "Đăng ký khai sinh",
        "  đăng   ký KHAI SINH ",
        "Dang ky khai sinh",
    ],
)
def test_a_title_naming_the_procedure_is_accepted(catalog, agencies, title):
    assert check_against_catalog(item(procedure_title=title), catalog, agencies) == []


def test_a_title_naming_another_procedure_is_refused_naming_both_fields(catalog, agencies):
    (issue,) = check_against_catalog(item(procedure_title="Đăng ký kết hôn"), catalog, agencies)
    assert issue.field == "MaTTHC"
    assert "TenTTHC" in issue.reason and "TenTTHC" in issue.message_vi
    assert "Đăng ký khai sinh" in issue.reason and "Đăng ký kết hôn" in issue.reason


def test_a_title_the_catalog_lists_as_an_alias_is_accepted(catalog, agencies):
    land = item(
        LAND,
        procedure_code="1.012766",
        procedure_title="Đăng ký biến động quyền sử dụng đất, quyền sở hữu tài sản gắn liền "
        "với đất",
    )
    assert check_against_catalog(land, catalog, agencies) == []
    shortened = land.model_copy(update={"procedure_title": "Đăng ký biến động đất đai"})
    assert fields(check_against_catalog(shortened, catalog, agencies)) == ["MaTTHC"]


def test_the_reasons_name_the_codes(catalog, agencies):
    (issue,) = check_against_catalog(request(resolving_agency=SO_TU_PHAP), catalog, agencies)
    assert SO_TU_PHAP in issue.reason and "commune" in issue.reason
    (issue,) = check_against_catalog(
        request(procedure_code="2.000488", resolving_agency=SO_TAI_CHINH), catalog, agencies
    )
    assert SO_TU_PHAP in issue.reason


def test_a_refusal_for_the_boundary_names_the_counter_and_where_to_file(catalog, agencies):
    (issue,) = check_against_catalog(request(received_by_agency=BIEN_HOA), catalog, agencies)
    assert issue.field == "received_by_agency"
    assert "1.001193" in issue.reason and BIEN_HOA in issue.reason and TRAN_BIEN in issue.reason
    assert issue.message_vi.startswith(
        "Thủ tục 1.001193 không thuộc danh mục tiếp nhận không phụ thuộc địa giới hành chính"
    )
    assert agencies.name_of(TRAN_BIEN) in issue.message_vi
    # A portal item is received by the agency that gave its code (MaHoSo).
    (portal,) = check_against_catalog(
        item(SERVICE_CENTRE, resolving_agency_named=TRAN_BIEN), catalog, agencies
    )
    assert portal.field == "MaHoSo"


def test_the_check_is_pure(catalog, agencies):
    subject = request(resolving_agency=None)
    before = subject.model_dump()
    first = check_against_catalog(subject, catalog, agencies)
    assert check_against_catalog(subject, catalog, agencies) == first
    assert subject.model_dump() == before
    assert len(catalog) > 0 and len(agencies) > 0
