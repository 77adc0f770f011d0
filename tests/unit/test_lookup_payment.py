"""How to pay on the citizen's lookup page (issue 20): a dossier waiting for fees with an open
order shows the amount, the expiry, the platform's link and the transfer details; without an
order the page keeps its general words."""

from datetime import timedelta

from chalicelib.domain import payments as pay
from chalicelib.ports.payment_platform import (
    BeneficiaryAccount,
    PaymentRequest,
    PlatformUnavailable,
)
from chalicelib.services.payments import HowToPay
from chalicelib.web.lookup import look_up, payment_view, render_lookup
from chalicelib.web.site import Site
from tests.unit.builders import at

CODE = "000.00.41.H19-260309-0001"
ASKED = at(2026, 3, 9, 10)
ORDER = pay.PaymentOrder(
    order_code=pay.order_code(CODE, 3), code=CODE, fee_request=3, agency="000.00.41.H19",
    amount_vnd=1_500_000, lines=(pay.FeeLine(name="Lệ phí trước bạ", amount_vnd=1_500_000),),
    created_at=ASKED, expires_at=ASKED + timedelta(days=7),
)  # fmt: skip
ACCOUNT = BeneficiaryAccount(bank_bin="970405", account_number="5900204100190",
                             account_name="UBND PHUONG TRAN BIEN")  # fmt: skip
HOW = HowToPay(
    ORDER,
    "https://pay.example/checkout?order=" + ORDER.order_code,
    PaymentRequest(order_code=ORDER.order_code, amount_vnd=1_500_000,
                   description=f"{ORDER.order_code} phi le phi ho so {CODE}",
                   agency="000.00.41.H19", beneficiary=ACCOUNT, expires_at=ORDER.expires_at,
                   return_url=""),
)  # fmt: skip


def waiting(status=6):
    return {"code": CODE, "procedure": "Đăng ký biến động", "status": status,
            "status_label": "Yêu cầu thực hiện nghĩa vụ tài chính", "current_step": None,
            "received_at": None, "due_at": None, "original_due_at": None, "overdue": False,
            "supplement_due_at": None, "electronic_result": False}  # fmt: skip


def page(how):
    asked = []

    def to_pay(code):
        asked.append(code)
        return payment_view(how)

    outcome = look_up({"ma": CODE, "pin": "ABCD-EFGH"}, checked_code=lambda c: c,
                      lookup=lambda c, p: waiting(), result=lambda c, p: {"items": []},
                      how_to_pay=to_pay)  # fmt: skip
    assert asked == [CODE]
    return render_lookup(Site(), "t" * 43, outcome)


def test_an_open_order_shows_how_to_pay():
    html = page(HOW)
    assert 'id="thanh-toan"' in html and "1.500.000 đồng" in html
    assert f'href="https://pay.example/checkout?order={ORDER.order_code}"' in html
    assert "17 giờ 00, ngày 16/03/2026" not in html  # the expiry is the order's moment:
    assert "10 giờ 00, ngày 16/03/2026" in html  # seven days after the request
    assert ACCOUNT.account_number in html and ORDER.order_code in html
    # The VietQR code, inline (the CSP allows no data: image), named in Vietnamese.
    assert "<img" not in html and html.count("<svg ") == 1
    assert '<svg role="img" aria-labelledby="vietqr-title"' in html
    named = "Mã VietQR: chuyển khoản 1.500.000 đồng vào tài khoản " + ACCOUNT.account_number
    assert f'<title id="vietqr-title">{named}' in html
    svg = html[html.index("<svg ") : html.index("</svg>")]
    assert "<script" not in svg and "style" not in svg


def test_without_an_order_the_page_says_where_to_pay_in_general():
    html = page(None)
    assert 'id="thanh-toan"' not in html and "Cổng Dịch vụ công" in html


def test_a_platform_that_gives_no_link_leaves_the_page_saying_where_to_pay():
    def down(code):
        raise PlatformUnavailable("create: HTTP 503")

    outcome = look_up({"ma": CODE, "pin": "ABCD-EFGH"}, checked_code=lambda c: c,
                      lookup=lambda c, p: waiting(), result=lambda c, p: {"items": []},
                      how_to_pay=down)  # fmt: skip
    html = render_lookup(Site(), "t" * 43, outcome)
    assert outcome.status == 200 and outcome.payment is None
    assert 'id="thanh-toan"' not in html and "bộ phận một cửa" in html
