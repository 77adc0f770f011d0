"""A sample receipt (invented agency, payer and transaction): the picture in docs/forms/ and
the tests print it. Not used by any function."""

from __future__ import annotations

from datetime import UTC, datetime

from chalicelib.domain.dossier import PaymentChannel
from chalicelib.forms.receipt import FeeLine, ReceiptFacts

SAMPLE = ReceiptFacts(
    form_code="01BLP0-001",
    series="DN-25E",
    number=123,
    agency_name="Văn phòng Đăng ký đất đai tỉnh Đồng Nai",
    agency_parent="Sở Nông nghiệp và Môi trường tỉnh Đồng Nai",
    agency_tax_code="3600123456",
    agency_address="Số 1 đường Võ Thị Sáu, phường Thống Nhất, thành phố Biên Hòa",
    place="Đồng Nai",
    payer_name="Nguyễn Thị Lan",
    payer_address="Ấp Đồi Mận, xã Hố Nai 3, huyện Trảng Bom, tỉnh Đồng Nai",
    dossier_code="000.00.12.H19-250425-0001",
    procedure="Đăng ký biến động quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất",
    lines=(
        FeeLine("Lệ phí cấp Giấy chứng nhận quyền sử dụng đất", 50_000),
        FeeLine("Phí thẩm định hồ sơ cấp Giấy chứng nhận", 955_000),
    ),
    channel=PaymentChannel.ONLINE,
    platform="Nền tảng thanh toán trên Cổng Dịch vụ công quốc gia",
    transaction_id="PG-20250425-000123",
    paid_at=datetime(2025, 4, 25, 2, 15, 7, tzinfo=UTC),  # 09:15:07 in Vietnam
    collector="Văn phòng Đăng ký đất đai tỉnh Đồng Nai",
    lookup_url="https://dichvucong.dongnai.gov.vn/tra-cuu?ma=000.00.12.H19-250425-0001",
)
