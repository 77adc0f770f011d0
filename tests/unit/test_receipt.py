"""The electronic receipt (biên lai điện tử): what it says, checked facts, and the PDF read back
with pypdf, every Vietnamese mark as written."""

from __future__ import annotations

import dataclasses
import io
import re
import unicodedata
from datetime import datetime

import pytest

from chalicelib.domain.dossier import PaymentChannel
from chalicelib.forms.receipt import FeeLine, receipt_form, render_receipt
from chalicelib.forms.receipt_sample import SAMPLE


def text_of(pdf: bytes) -> str:
    """The PDF's text, NFC, with runs of white space made one space (lines wrap anywhere)."""
    from pypdf import PdfReader

    raw = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", raw))


@pytest.fixture(scope="module")
def printed() -> str:
    return text_of(render_receipt(SAMPLE))


def test_the_pdf_says_everything_a_receipt_must(printed):
    expected = [
        "BIÊN LAI THU PHÍ, LỆ PHÍ",
        "(Loại: biên lai thu phí, lệ phí không có mệnh giá - biên lai điện tử)",
        "Ký hiệu mẫu biên lai: 01BLP0-001",
        "Ký hiệu biên lai: DN-25E",
        "Số biên lai: 0000123",
        "VĂN PHÒNG ĐĂNG KÝ ĐẤT ĐAI TỈNH ĐỒNG NAI",
        "SỞ NÔNG NGHIỆP VÀ MÔI TRƯỜNG TỈNH ĐỒNG NAI",
        "Mã số thuế: 3600123456",
        "Địa chỉ: Số 1 đường Võ Thị Sáu, phường Thống Nhất, thành phố Biên Hòa",
        "Họ và tên người nộp: Nguyễn Thị Lan",
        "Địa chỉ: Ấp Đồi Mận, xã Hố Nai 3, huyện Trảng Bom, tỉnh Đồng Nai",
        "Mã hồ sơ: 000.00.12.H19-250425-0001",
        "Đăng ký biến động quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất",
        "Lệ phí cấp Giấy chứng nhận quyền sử dụng đất 50.000 đồng",
        "Phí thẩm định hồ sơ cấp Giấy chứng nhận 955.000 đồng",
        "Tổng cộng 1.005.000 đồng",
        "Số tiền viết bằng chữ: Một triệu không trăm linh năm nghìn đồng chẵn",
        "Hình thức thanh toán: Trực tuyến qua Nền tảng thanh toán trên Cổng Dịch vụ công quốc gia",
        "Mã giao dịch thanh toán: PG-20250425-000123",
        # Paid at 02:15:07 UTC: printed in Vietnam time, and dated the Vietnamese way.
        "Thời điểm thanh toán: 09:15:07 ngày 25/04/2025",
        "Đồng Nai, ngày 25 tháng 04 năm 2025",
        "Người thu tiền",
        "Mẫu số: 01BLP0-001 - Ký hiệu: DN-25E - Số: 0000123",
    ]
    missing = [line for line in expected if line not in printed]
    assert not missing, f"not in the PDF's text: {missing}\n{printed}"


def test_the_same_facts_give_the_same_bytes():
    assert render_receipt(SAMPLE) == render_receipt(SAMPLE)


def test_a_counter_payment_and_a_payer_tax_code():
    facts = dataclasses.replace(
        SAMPLE, channel=PaymentChannel.COUNTER, payer_tax_code="0301234567", lookup_url=""
    )
    rows = dict(row for block in receipt_form(facts).blocks for row in getattr(block, "rows", ())
                if len(row) == 2)  # fmt: skip
    assert rows["Hình thức thanh toán"] == "Tại Bộ phận Một cửa"
    assert rows["Mã số thuế người nộp"] == "0301234567"


def test_the_date_of_issue_is_the_payment_s_unless_given():
    later = datetime.fromisoformat("2025-04-28T08:00:00+07:00")
    assert receipt_form(SAMPLE).letterhead.place_and_date.endswith("25 tháng 04 năm 2025")
    issued = receipt_form(dataclasses.replace(SAMPLE, issued_at=later))
    assert issued.letterhead.place_and_date.endswith("28 tháng 04 năm 2025")


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"lines": ()}, "lines"),
        ({"lines": (FeeLine("Lệ phí", 0),)}, "lines"),
        ({"number": 0}, "number"),
        ({"series": ""}, "series"),
        ({"form_code": "x" * 21}, "form_code"),
        ({"agency_tax_code": " "}, "agency_tax_code"),
        ({"transaction_id": ""}, "transaction_id"),
        ({"paid_at": datetime(2025, 4, 25, 9, 15)}, "paid_at"),
    ],
)
def test_facts_a_receipt_cannot_print_are_refused_by_name(change, named):
    with pytest.raises(ValueError, match=named):
        dataclasses.replace(SAMPLE, **change)


def test_the_total_is_the_sum_of_the_lines():
    assert SAMPLE.total_vnd == 1_005_000


def test_the_receipt_s_facts_load_no_pdf_library():
    """Whoever builds the facts (the payments service) pays for fpdf2 only when printing."""
    from tests.unit.test_forms_cold_start import loaded_after

    assert loaded_after("chalicelib.forms.receipt", "chalicelib.forms.receipt_words") == []
