"""The payment platform, held to the same promises in memory (`MemoryPaymentPlatform`) and over
HTTP (`PayGovPlatform` against `devstack.fake_paygov` on loopback): a paid order's callback
reads back to the payment the platform took, a tampered body or signature is refused naming
the signature's field, a day's statement lists that day's payments (Vietnam time) and no
other day's, and a platform that does not answer is PlatformUnavailable."""

import json
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from chalicelib.adapters.memory_payment_platform import SIGNATURE_HEADER, MemoryPaymentPlatform
from chalicelib.adapters.paygov import PayGovConfig, PayGovPlatform
from chalicelib.ports.payment_platform import (
    BeneficiaryAccount,
    CallbackRefused,
    Payer,
    PaymentPlatform,
    PaymentRequest,
    PlatformPayment,
    PlatformUnavailable,
)
from devstack.fake_paygov import CLIENT_ID, HASH_KEY_1, HASH_KEY_2, REQUIRED_BILL_INFO, FakePayGov

VIETNAM = timezone(timedelta(hours=7))
DAY = date(2026, 3, 2)
ACCOUNT = BeneficiaryAccount("970415", "113366668888", "VAN PHONG DANG KY DAT DAI")

Callback = tuple[dict[str, str], bytes]


def order(code: str = "LP260302000001", amount: int = 25000, **change: Any) -> PaymentRequest:
    request = PaymentRequest(
        order_code=code,
        amount_vnd=amount,
        description=f"Le phi ho so {code}",
        agency="000.00.32.H19",
        beneficiary=ACCOUNT,
        expires_at=datetime(2026, 3, 5, 17, 0, tzinfo=VIETNAM),
        return_url="https://motcua.example/tra-cuu",
        dossier_code="000.00.32.H19-260302-0001",
        procedure_code="1.001234",
        procedure_name="Đăng ký biến động đất đai",
        payer=Payer("Nguyễn Văn An", id_number="001090012345"),
        agency_name="Văn phòng đăng ký đất đai",
    )
    return replace(request, **change)


@dataclass
class Driver:
    """What differs between platforms: how a payment is made, where the signature lives."""

    platform: PaymentPlatform
    pay: Callable[[str, int, datetime], Callback]
    signature_field: str
    amount_key: str
    forge_signature: Callable[[Callback], Callback]
    set_down: Callable[[bool], None]
    told: Callable[[str], dict[str, str]]  # what the platform holds of an order's dossier


def _with_body_field(callback: Callback, key: str, value: Any) -> Callback:
    headers, body = callback
    return headers, json.dumps({**json.loads(body), key: value}).encode()


def memory_driver() -> Driver:
    memory = MemoryPaymentPlatform()

    def forge(callback: Callback) -> Callback:
        return {SIGNATURE_HEADER: "0" * 64}, callback[1]

    return Driver(
        platform=memory,
        pay=lambda code, amount, at: memory.pay(code, amount, paid_at=at),
        signature_field=SIGNATURE_HEADER,
        amount_key="amount",
        forge_signature=forge,
        set_down=lambda down: setattr(memory, "down", down),
        told=lambda code: _told_memory(memory.requests[code]),
    )


def _told_memory(request: PaymentRequest) -> dict[str, str]:
    payer = request.payer or Payer("")
    return {"dossier": request.dossier_code, "procedure": request.procedure_code,
            "procedure_name": request.procedure_name, "payer": payer.name,
            "payer_id": payer.id_number or "",
            "deciding_agency": request.deciding_agency}  # fmt: skip


def paygov_platform(url: str, *, timeout: float = 5.0) -> PayGovPlatform:
    return PayGovPlatform(
        PayGovConfig(
            base_url=url,
            client_id=CLIENT_ID,
            hash_key_1=HASH_KEY_1,
            hash_key_2=HASH_KEY_2,
            timeout_seconds=timeout,
        )
    )


def paygov_driver(fake: FakePayGov) -> Driver:
    return Driver(
        platform=paygov_platform(fake.url),
        pay=lambda code, amount, at: fake.pay(code, amount=amount, paid_at=at),
        signature_field="check_sum",
        amount_key="trans_amount",
        forge_signature=lambda callback: _with_body_field(callback, "check_sum", "0" * 64),
        set_down=lambda down: setattr(fake, "down", down),
        told=lambda code: _told_paygov(fake.orders[code]["bill_info"]),
    )


def _told_paygov(bill_info: dict[str, Any]) -> dict[str, str]:
    keys = {"dossier": "MaHoSo", "procedure": "MaTTHC", "procedure_name": "TenTTHC",
            "payer": "HoTenNguoiNop", "payer_id": "SoCMNDNguoiNop",
            "deciding_agency": "MaCoQuanQD"}  # fmt: skip
    return {name: bill_info[key] for name, key in keys.items()}


@pytest.fixture(scope="module")
def fake_paygov() -> Iterator[FakePayGov]:
    with FakePayGov() as running:
        yield running


@pytest.fixture
def fresh_fake(fake_paygov: FakePayGov) -> FakePayGov:
    fake_paygov.orders.clear()
    fake_paygov.tokens.clear()
    fake_paygov.payments.clear()
    fake_paygov.deliveries.clear()
    fake_paygov.callback_url = None
    fake_paygov.control({"drop_callback": False, "callback_times": 1, "amount_delta": 0,
                         "paid_late_seconds": 0, "down": False, "delay_seconds": 0})  # fmt: skip
    return fake_paygov


@pytest.fixture(params=["memory", "paygov"])
def driver(request, fresh_fake) -> Driver:
    return memory_driver() if request.param == "memory" else paygov_driver(fresh_fake)


def test_the_platform_is_told_the_dossier_procedure_payer_and_deciding_agency(driver):
    driver.platform.checkout_url(order())
    assert driver.told("LP260302000001") == {
        "dossier": "000.00.32.H19-260302-0001", "procedure": "1.001234",
        "procedure_name": "Đăng ký biến động đất đai", "payer": "Nguyễn Văn An",
        "payer_id": "001090012345", "deciding_agency": "000.00.32.H19",
    }  # fmt: skip


@pytest.mark.parametrize("key", REQUIRED_BILL_INFO)
def test_the_fake_paygov_refuses_a_create_missing_a_required_bill_info_key(fresh_fake, key):
    # Sent straight to the fake, signed: the adapter itself never sends one blank.
    platform = paygov_platform(fresh_fake.url)
    body = platform.create_body(order())
    body["bill_info"][key] = ""
    status, answer = fresh_fake.create(body)
    assert (status, answer["error"]) == (200, "1") and key in answer["msg"]
    assert "Nguyễn" not in answer["msg"]  # names the key, never the payer
    assert fresh_fake.orders == {}


@pytest.mark.parametrize(
    ("change", "field"),
    [({"dossier_code": ""}, "dossier_code"), ({"procedure_code": ""}, "procedure_code"),
     ({"procedure_name": " "}, "procedure_name"), ({"payer": None}, "payer.name"),
     ({"payer": Payer("")}, "payer.name")],
)  # fmt: skip
def test_paygov_does_not_send_a_request_without_the_dossiers_fields(fresh_fake, change, field):
    with pytest.raises(ValueError, match=field):
        paygov_platform(fresh_fake.url).checkout_url(order(**change))
    assert fresh_fake.orders == {}


def test_a_paid_orders_callback_reads_back_as_the_payment(driver):
    link = driver.platform.checkout_url(order())
    assert link.startswith(("https://", "http://"))
    at = datetime(2026, 3, 2, 9, 30, 15, tzinfo=VIETNAM)
    headers, body = driver.pay("LP260302000001", 25000, at)

    payment = driver.platform.read_callback(headers, body)

    assert (payment.order_code, payment.amount_vnd, payment.currency, payment.paid_at) == (
        "LP260302000001", 25000, "VND", at,
    )  # fmt: skip
    assert payment.paid_at.utcoffset() is not None
    assert driver.platform.statement(DAY) == [payment]  # the same transaction id, the same all


def test_the_same_callback_read_twice_is_the_same_payment(driver):
    driver.platform.checkout_url(order())
    callback = driver.pay("LP260302000001", 25000, datetime(2026, 3, 2, 10, tzinfo=VIETNAM))
    first = driver.platform.read_callback(*callback)
    assert driver.platform.read_callback(*callback) == first  # idempotency keys on it


def test_a_tampered_body_is_refused_naming_the_signature(driver):
    driver.platform.checkout_url(order())
    callback = driver.pay("LP260302000001", 25000, datetime(2026, 3, 2, 10, tzinfo=VIETNAM))
    paid = json.loads(callback[1])[driver.amount_key]
    more = 2500000 if isinstance(paid, int) else "2500000"
    with pytest.raises(CallbackRefused) as refused:
        driver.platform.read_callback(*_with_body_field(callback, driver.amount_key, more))
    assert refused.value.field == driver.signature_field


def test_a_forged_signature_is_refused_naming_it(driver):
    driver.platform.checkout_url(order())
    callback = driver.pay("LP260302000001", 25000, datetime(2026, 3, 2, 10, tzinfo=VIETNAM))
    with pytest.raises(CallbackRefused) as refused:
        driver.platform.read_callback(*driver.forge_signature(callback))
    assert refused.value.field == driver.signature_field


def test_a_body_that_is_not_a_callback_is_refused(driver):
    with pytest.raises(CallbackRefused):
        driver.platform.read_callback({}, b"not json")


def test_a_days_statement_lists_that_days_payments_and_no_others(driver):
    for code in ("LP260301000009", "LP260302000001", "LP260303000001"):
        driver.platform.checkout_url(order(code))
    driver.pay("LP260301000009", 25000, datetime(2026, 3, 1, 23, 59, 59, tzinfo=VIETNAM))
    today = driver.pay("LP260302000001", 25000, datetime(2026, 3, 2, 0, 0, 1, tzinfo=VIETNAM))
    # 17:30 UTC on the 2nd is already the 3rd in Vietnam.
    driver.pay("LP260303000001", 25000, datetime(2026, 3, 2, 17, 30, tzinfo=UTC))

    listed = driver.platform.statement(DAY)

    assert listed == [driver.platform.read_callback(*today)]
    assert [p.order_code for p in driver.platform.statement(date(2026, 3, 3))] == ["LP260303000001"]
    assert driver.platform.statement(date(2026, 3, 4)) == []


def test_a_platform_that_does_not_answer_is_unavailable(driver):
    driver.set_down(True)
    with pytest.raises(PlatformUnavailable):
        driver.platform.statement(DAY)
    driver.set_down(False)
    assert driver.platform.statement(DAY) == []


def test_the_answer_to_a_callback_says_whether_it_was_taken(driver):
    taken = driver.platform.callback_answer(True)
    refused = driver.platform.callback_answer(False)
    assert taken[0] == refused[0] == 200 and taken[1] == "application/json"
    assert taken[2] != refused[2]


# --- PayGov only: its HTTP side and the fake's knobs -------------------------------------------


def test_paygov_checkout_when_down_slow_or_absent_is_unavailable(fresh_fake):
    platform = paygov_platform(fresh_fake.url)
    fresh_fake.down = True
    with pytest.raises(PlatformUnavailable, match="HTTP 503"):
        platform.checkout_url(order())
    fresh_fake.down = False
    fresh_fake.delay_seconds = 0.5
    with pytest.raises(PlatformUnavailable):
        paygov_platform(fresh_fake.url, timeout=0.1).statement(DAY)
    fresh_fake.delay_seconds = 0
    with FakePayGov() as gone:
        url = gone.url
    with pytest.raises(PlatformUnavailable):
        paygov_platform(url).statement(DAY)


def test_paygov_refuses_to_create_with_another_key_or_another_amount(fresh_fake):
    stranger = PayGovPlatform(
        PayGovConfig(
            base_url=fresh_fake.url,
            client_id=CLIENT_ID,
            hash_key_1="not-ours",
            hash_key_2=HASH_KEY_2,
        )
    )
    with pytest.raises(PlatformUnavailable, match="check_sum"):
        stranger.checkout_url(order())
    platform = paygov_platform(fresh_fake.url)
    assert platform.checkout_url(order()) == platform.checkout_url(order())
    with pytest.raises(PlatformUnavailable, match="refused"):
        platform.checkout_url(order(amount=30000))


class _Receiver:
    """A callback URL on loopback that keeps what it is sent and answers as `answer` says."""

    def __init__(self, answer: tuple[int, str, bytes]) -> None:
        self.bodies: list[bytes] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                receiver.bodies.append(self.rfile.read(int(self.headers["Content-Length"])))
                status, content_type, raw = answer
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1/webhooks/payments/paygov"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[_Receiver]:
    answer = paygov_platform("http://127.0.0.1:1").callback_answer(True)
    running = _Receiver(answer)
    yield running
    running.close()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def test_the_fakes_checkout_page_pays_and_posts_the_signed_callback(fresh_fake, receiver):
    fresh_fake.callback_url = receiver.url
    platform = paygov_platform(fresh_fake.url)
    link = platform.checkout_url(order())
    page = urllib.request.urlopen(link, timeout=5).read().decode()
    assert "25.000 đồng" in page and "LP260302000001" in page

    request = urllib.request.Request(link, data=b"", method="POST")
    opener = urllib.request.build_opener(_NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as went:
        opener.open(request, timeout=5)
    assert went.value.code == 303
    assert went.value.headers["Location"] == "https://motcua.example/tra-cuu"
    [body] = receiver.bodies
    payment = platform.read_callback({}, body)
    assert (payment.order_code, payment.amount_vnd) == ("LP260302000001", 25000)
    assert fresh_fake.deliveries[0][0] == 200


def test_the_fakes_knobs_send_n_times_drop_change_the_amount_and_pay_late(fresh_fake, receiver):
    fresh_fake.callback_url = receiver.url
    platform = paygov_platform(fresh_fake.url)
    for code in ("LP1", "LP2", "LP3", "LP4"):
        platform.checkout_url(order(code))

    fresh_fake.callback_times = 3
    fresh_fake.pay("LP1")
    assert len(receiver.bodies) == 3 and len(set(receiver.bodies)) == 1

    fresh_fake.callback_times = 1
    fresh_fake.drop_callback = True
    fresh_fake.pay("LP2")
    assert len(receiver.bodies) == 3  # none sent …
    fresh_fake.drop_callback = False

    fresh_fake.amount_delta = -5000
    fresh_fake.pay("LP3")
    assert platform.read_callback({}, receiver.bodies[-1]).amount_vnd == 20000
    fresh_fake.amount_delta = 0

    control = urllib.request.Request(
        fresh_fake.url + "/_control", data=b'{"paid_late_seconds": 345600}', method="POST"
    )
    assert json.loads(urllib.request.urlopen(control, timeout=5).read())["paid_late_seconds"] == (
        4 * 86400
    )
    before = datetime.now(VIETNAM).replace(microsecond=0)
    fresh_fake.pay("LP4")
    late = platform.read_callback({}, receiver.bodies[-1]).paid_at
    assert late >= before + timedelta(days=4)

    today = datetime.now(VIETNAM).date()
    listed = {p.order_code for p in platform.statement(today)}
    assert {"LP1", "LP2", "LP3"} <= listed  # … but the money was taken: the statement says so
    assert "LP4" not in listed


def test_platforms_report_payments_as_the_port_defines_them(driver):
    driver.platform.checkout_url(order())
    payment = driver.platform.read_callback(
        *driver.pay("LP260302000001", 25000, datetime(2026, 3, 2, 8, tzinfo=VIETNAM))
    )
    assert isinstance(payment, PlatformPayment) and payment.transaction_id
