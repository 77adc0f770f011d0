"""The create request PayGov is sent for a dossier's order (docs/payment-contract.md §2, §6.9):
the payments service fills the dossier, its procedure, the applicant and the asking agency, and
the adapter puts them in `bill_info` under OpenCPS's keys (O1 l. 743-778); the keys OpenCPS
marks "ko bb" are left out, and the payer's details appear in no repr nor error message."""

from dataclasses import replace
from datetime import timedelta

import pytest

from chalicelib.adapters.memory_payment_platform import MemoryPaymentPlatform
from chalicelib.adapters.memory_store import MemoryStore
from chalicelib.adapters.paygov import PayGovConfig, PayGovPlatform
from chalicelib.adapters.payment_records import MemoryPaymentRecords
from chalicelib.adapters.queues import InMemoryPublisher
from chalicelib.domain import payments as pay
from chalicelib.domain.agencies import Agency, AgencyRegistry
from chalicelib.domain.procedures import Catalog
from chalicelib.ports.payment_platform import BeneficiaryAccount
from chalicelib.services import payments
from tests.unit.builders import TAX, at, land_procedure, new_dossier

PROCEDURE = land_procedure(fees=[{"name": "Lệ phí cấp giấy chứng nhận", "amount_vnd": 100_000}])
CODE = "000.00.32.H19-260302-0001"
ACCOUNT = BeneficiaryAccount("970418", "31110009000190", "THUE TINH DONG NAI")
AGENCIES = AgencyRegistry([Agency(code=TAX, name="Cục Thuế tỉnh", level="province",
                                  units=[{"code": "THUE", "name": "Phòng Thuế"}])])  # fmt: skip
CONFIG = PayGovConfig(base_url="https://paygov.example", client_id="C", hash_key_1="k1",
                      hash_key_2="k2")  # fmt: skip
# OpenCPS's "ko bb" (not required) keys, sent blank there: not sent here.
NOT_REQUIRED = ("MaLoaiHinhThuPhat", "HuyenNguoiNop", "TinhNguoiNop", "KhoBac", "NgayQD", "SoQD")


def deps(catalog: Catalog) -> payments.PaymentDeps:
    return payments.PaymentDeps(
        records=MemoryPaymentRecords(), store=MemoryStore(), catalog=catalog, agencies=AGENCIES,
        platform=MemoryPaymentPlatform(), beneficiaries={TAX: ACCOUNT},
        publisher=InMemoryPublisher(), queue_url="transitions.fifo",
    )  # fmt: skip


@pytest.fixture
def dossier(calendar):
    opened = new_dossier(PROCEDURE, calendar, at(2026, 3, 2, 9), code=CODE).dossier
    applicant = opened.applicant.model_copy(update={"id_number": "001090012345"})
    return opened.model_copy(update={"applicant": applicant})


def order() -> pay.PaymentOrder:
    asked = at(2026, 3, 3, 11)
    return pay.PaymentOrder(order_code=pay.order_code(CODE, 4), code=CODE, fee_request=4,
                            agency=TAX, amount_vnd=100_000,
                            lines=(pay.FeeLine(name="Lệ phí", amount_vnd=100_000),),
                            created_at=asked, expires_at=asked + timedelta(days=7))  # fmt: skip


def test_bill_info_names_the_dossier_procedure_payer_and_deciding_agency(dossier):
    request = payments.payment_request(order(), dossier, deps(Catalog([PROCEDURE])))
    body = PayGovPlatform(CONFIG).create_body(request)

    bill_info = body["bill_info"]
    assert {key: bill_info[key] for key in (
        "MaDonVi", "TenDonVi", "MaHoSo", "MaTTHC", "TenTTHC", "HoTenNguoiNop", "SoCMNDNguoiNop",
        "DiaChiNguoiNop", "MaCoQuanQD", "TenCoQuanQD",
    )} == {
        "MaDonVi": TAX, "TenDonVi": "Cục Thuế tỉnh", "MaHoSo": CODE, "MaTTHC": "1.000001",
        "TenTTHC": "Đăng ký biến động đất đai", "HoTenNguoiNop": "Nguyễn Văn A",
        "SoCMNDNguoiNop": "001090012345", "DiaChiNguoiNop": "",  # dossiers keep no address
        "MaCoQuanQD": TAX, "TenCoQuanQD": "Cục Thuế tỉnh",
    }  # fmt: skip
    # Flat in bill_info, as OpenCPS puts them: none at the top level, none nested deeper.
    assert not {"MaHoSo", "MaTTHC", "HoTenNguoiNop", "MaCoQuanQD"} & body.keys()
    assert not set(NOT_REQUIRED) & bill_info.keys()


def test_no_request_is_made_when_the_catalog_lost_the_procedure(dossier):
    assert payments.payment_request(order(), dossier, deps(Catalog([]))) is None


def test_the_payers_details_are_in_no_repr_nor_error(dossier):
    request = payments.payment_request(order(), dossier, deps(Catalog([PROCEDURE])))
    assert request.payer is not None and request.payer.name == "Nguyễn Văn A"
    assert "Nguyễn" not in repr(request) and "001090012345" not in repr(request)
    blank_code = replace(request, dossier_code="")
    with pytest.raises(ValueError, match="dossier_code") as refused:
        PayGovPlatform(CONFIG).create_body(blank_code)
    assert "Nguyễn" not in str(refused.value)
