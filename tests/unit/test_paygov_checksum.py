"""PayGov's checksum and callback reading (docs/payment-contract.md §2, §3, §6): the signed
text is OpenCPS's, every field we read is signed, and a callback is refused naming the field."""

import json
from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.adapters.http_client import HttpAnswer
from chalicelib.adapters.paygov import (
    CALLBACK_SIGNED_FIELDS,
    CREATE_SIGNED_FIELDS,
    LOCAL_HASH_KEYS,
    PayGovConfig,
    PayGovPlatform,
    checksum,
    platform_from_settings,
)
from chalicelib.ports.payment_platform import (
    BeneficiaryAccount,
    CallbackRefused,
    Payer,
    PaymentRequest,
    PlatformUnavailable,
)
from chalicelib.settings import Settings, SettingsError

VIETNAM = timezone(timedelta(hours=7))
CONFIG = PayGovConfig(base_url="https://paygov.example", client_id="C", hash_key_1="k1",
                      hash_key_2="k2")  # fmt: skip


def test_the_signed_text_is_opencps_fields_joined_by_bars():
    # HMAC-SHA256("k", "0|C|PAY|25000|T1|3.0"), from `openssl dgst -sha256 -hmac k`.
    values = {"addition_fee": "0", "client_id": "C", "command": "PAY", "trans_amount": 25000,
              "transaction_id": "T1", "version": "3.0", "description": "not signed"}  # fmt: skip
    assert checksum("k", values, CREATE_SIGNED_FIELDS) == (
        "0228ab7e3851fc3cf9da5d0bf2a520d914d8b1929c160b5feacf5823da52af3c"
    )


def callback(**change) -> dict:
    line = {"client_id": "C", "transaction_id": "LP1", "transaction_code": "PG0000000001",
            "trans_amount": "25000", "addition_fee": "0", "command": "PAY", "version": "3.0",
            "currency_code": "VND", "status": "0", "trans_date": "20260302093015",
            "description": "Le phi"}  # fmt: skip
    line.update(change)
    line["check_sum"] = checksum("k2", line, CALLBACK_SIGNED_FIELDS)
    return line


def read(line: dict):
    return PayGovPlatform(CONFIG).read_callback({}, json.dumps(line).encode())


def test_a_signed_callback_reads_as_the_payment():
    payment = read(callback())
    assert (payment.transaction_id, payment.order_code, payment.amount_vnd) == (
        "PG0000000001", "LP1", 25000,
    )  # fmt: skip
    assert payment.paid_at == datetime(2026, 3, 2, 9, 30, 15, tzinfo=VIETNAM)


@pytest.mark.parametrize("name", CALLBACK_SIGNED_FIELDS)
def test_every_field_read_is_signed(name):
    line = callback()
    line[name] = str(line[name]) + "9"
    with pytest.raises(CallbackRefused) as refused:
        read(line)
    assert refused.value.field == "check_sum"


def test_unsigned_fields_may_change_and_are_not_believed():
    line = callback()
    line["description"] = "changed"
    assert read(line).amount_vnd == 25000


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"status": "1"}, "status"),  # signed, but not a payment taken
        ({"client_id": "OTHER"}, "client_id"),
        ({"currency_code": "USD"}, "currency_code"),
        ({"trans_amount": "-5"}, "trans_amount"),
        ({"trans_amount": "25000.5"}, "trans_amount"),
        ({"addition_fee": "1000"}, "addition_fee"),
        ({"trans_date": "2026-03-02"}, "trans_date"),
        ({"transaction_id": "X" * 21}, "transaction_id"),
        ({"status": True}, "status"),
    ],
)
def test_a_signed_callback_that_is_not_our_payment_is_refused_naming_the_field(change, field):
    if change.get("status") is True:  # a boolean cannot even be signed
        line = callback()
        line["status"] = True
    else:
        line = callback(**change)
    with pytest.raises(CallbackRefused) as refused:
        read(line)
    assert refused.value.field == field


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b"[]", "body"),
        (b"{", "body"),
        (json.dumps({k: v for k, v in callback().items() if k != "trans_date"}).encode(),
         "trans_date"),
        (json.dumps({**callback(), "check_sum": "A" * 64}).encode(), "check_sum"),
        (json.dumps({**callback(), "check_sum": "ab" * 16}).encode(), "check_sum"),  # MD5-sized
        (b'{"status": "0", "status": "1"}', "status"),
    ],
)  # fmt: skip
def test_a_body_that_cannot_be_verified_is_refused_naming_the_field(body, field):
    with pytest.raises(CallbackRefused) as refused:
        PayGovPlatform(CONFIG).read_callback({}, body)
    assert refused.value.field == field


def request(code="LP1") -> PaymentRequest:
    return PaymentRequest(code, 25000, "Le phi", "000.00.32.H19",
                          BeneficiaryAccount("970415", "1133", "VPDK"),
                          datetime(2026, 3, 5, tzinfo=VIETNAM), "https://x.example/",
                          dossier_code="000.00.32.H19-260302-0001", procedure_code="1.000001",
                          procedure_name="Đăng ký biến động đất đai",
                          payer=Payer("Nguyễn Văn A"))  # fmt: skip


def test_the_create_request_is_signed_with_the_first_key():
    body = PayGovPlatform(CONFIG).create_body(request())
    assert body["check_sum"] == checksum("k1", body, CREATE_SIGNED_FIELDS)
    assert body["bill_info"]["TKThuHuong"] == "1133" and body["trans_amount"] == "25000"
    with pytest.raises(ValueError, match="order_code"):
        PayGovPlatform(CONFIG).create_body(request("L" * 21))


@pytest.mark.parametrize(
    "answer",
    [HttpAnswer(None, error="network: timed out"), HttpAnswer(502, b"bad gateway"),
     HttpAnswer(200, b"<html>"), HttpAnswer(200, b'{"error": "1", "msg": "sai"}'),
     HttpAnswer(200, b'{"error": "0", "payment_url": "http://pay.example/x"}'),
     HttpAnswer(200, b'{"error": "0", "payment_url": "javascript:alert(1)"}')],
)  # fmt: skip
def test_a_create_without_a_link_is_unavailable(answer):
    platform = PayGovPlatform(CONFIG, send=lambda *a, **k: answer)
    with pytest.raises(PlatformUnavailable):
        platform.checkout_url(request())


def test_a_statement_line_that_does_not_verify_fails_the_statement():
    bad = {**callback(), "trans_amount": "99999"}
    raw = json.dumps({"error": "0", "transactions": [callback(), bad]}).encode()
    platform = PayGovPlatform(CONFIG, send=lambda *a, **k: HttpAnswer(200, raw))
    with pytest.raises(PlatformUnavailable, match="line 2"):
        platform.statement(datetime(2026, 3, 2).date())


def test_settings_need_https_and_a_merchant_code_for_paygov():
    with pytest.raises(SettingsError, match="MOTCUA_PAYGOV_BASE_URL"):
        Settings.from_environment({"MOTCUA_PAYMENT_PLATFORM": "paygov",
                                   "MOTCUA_PAYGOV_BASE_URL": "http://paygov.example",
                                   "MOTCUA_PAYGOV_MERCHANT_CODE": "C"})  # fmt: skip
    with pytest.raises(SettingsError, match="MOTCUA_PAYGOV_MERCHANT_CODE"):
        Settings.from_environment({"MOTCUA_PAYMENT_PLATFORM": "paygov",
                                   "MOTCUA_PAYGOV_BASE_URL": "https://paygov.example"})  # fmt: skip
    local = Settings.from_environment({"MOTCUA_PAYMENT_PLATFORM": "paygov",
                                       "MOTCUA_PAYGOV_BASE_URL": "http://127.0.0.1:9",
                                       "MOTCUA_PAYGOV_MERCHANT_CODE": "C"})  # fmt: skip
    assert local.paygov_keys_parameter == "/motcua/dev/paygov-keys"


def test_the_platform_from_settings_reads_its_keys_on_first_use_only():
    settings = Settings(
        stage="prod",
        payment_platform="paygov",
        paygov_base_url="https://paygov.example",
        paygov_merchant_code="C",
    )
    asked: list[str] = []

    def read(name: str) -> str:
        asked.append(name)
        return json.dumps({"hash_key_1": "k1", "hash_key_2": "k2"})

    platform = platform_from_settings(settings, read_parameter=read)
    assert platform.name == "paygov" and asked == []
    assert platform.read_callback({}, json.dumps(callback()).encode()).order_code == "LP1"
    assert asked == ["/motcua/prod/paygov-keys"]


def test_the_memory_platform_is_refused_outside_dev_stages():
    assert platform_from_settings(Settings(stage="local")).name == "memory"
    with pytest.raises(ValueError, match="MOTCUA_PAYMENT_PLATFORM"):
        platform_from_settings(Settings(stage="prod"))


def test_the_published_local_keys_are_refused_outside_the_local_stage():
    local_keys = json.dumps(dict(zip(("hash_key_1", "hash_key_2"), LOCAL_HASH_KEYS, strict=True)))
    fields = {"payment_platform": "paygov", "paygov_base_url": "http://127.0.0.1:9",
              "paygov_merchant_code": "C"}  # fmt: skip
    deployed = platform_from_settings(
        Settings(stage="dev", **fields), read_parameter=lambda _: local_keys
    )
    with pytest.raises(ValueError, match="published local keys"):
        deployed.statement(datetime(2026, 3, 2).date())
    local = platform_from_settings(
        Settings(stage="local", **fields), read_parameter=lambda _: local_keys
    )
    assert (
        isinstance(local, PayGovPlatform)
        and local.config.hash_key_1.get_secret_value() == LOCAL_HASH_KEYS[0]
    )
