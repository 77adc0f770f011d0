"""The national public-service payment platform (PayGov, reached from the national portal) as
`PaymentPlatform` (ports/payment_platform.py), over the wire format OpenCPS uses with it
(docs/payment-contract.md §1-§4; what public code does not show is assumed there, §6).

- Checkout: `POST {base}/transaction/create` with the order as `client_id`, `transaction_id`
  (our order code, at most 20 characters), `trans_amount`, `command` "PAY", `version` "3.0",
  `addition_fee`, `bill_info` (beneficiary account, fee lines, the dossier, its procedure,
  the payer, the agencies: `dossier_fields`) and `check_sum` =
  hex HMAC-SHA256 under `hash_key_1` of `addition_fee|client_id|command|trans_amount|
  transaction_id|version`; the answer `{"error": "0", "payment_url": …}` gives the link.
- Callback: a JSON body the platform POSTs, signed under `hash_key_2`. Every field we read is
  covered by its `check_sum` (CALLBACK_SIGNED_FIELDS; §6.1), compared in constant time;
  `status` "0" is a payment taken. The platform expects HTTP 200
  `{"return_code": 0 | -1, "return_msg": …}`.
- Statement: `POST {base}/transaction/statement` with `client_id`, `command` "STATEMENT",
  `trans_date` (yyyyMMdd, Vietnam time) and `check_sum` under `hash_key_1`; each line is
  callback-shaped and verified as a callback is (§4, assumed).

HTTP: the standard library (adapters/http_client.py), a timeout on every call; no answer, a
5xx, 408 or 429 is PlatformUnavailable, like a refusal to create (the payer can only try
later). `devstack.fake_paygov` speaks the same format on loopback.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from chalicelib.adapters.http_client import HttpAnswer, clip, http_request
from chalicelib.ports.payment_platform import (
    CallbackRefused,
    PaymentPlatform,
    PaymentRequest,
    PlatformPayment,
    PlatformUnavailable,
)

if TYPE_CHECKING:
    from chalicelib.settings import Settings

NAME: Final = "paygov"
CREATE_PATH: Final = "/transaction/create"
STATEMENT_PATH: Final = "/transaction/statement"
COMMAND_PAY: Final = "PAY"
COMMAND_STATEMENT: Final = "STATEMENT"
VERSION: Final = "3.0"
CURRENCY: Final = "VND"
FEE_SERVICE: Final = "2"  # MaDichVu: public fees and charges (thu phí, lệ phí)
PAID: Final = "0"  # `status` of a payment taken
TIMEOUT_SECONDS: Final = 10.0
MAX_TRANSACTION_ID: Final = 20  # OpenCPS cuts its transaction_id to 20 characters
CHECKSUM_FIELD: Final = "check_sum"
TIME_FORMAT: Final = "%Y%m%d%H%M%S"  # trans_date, Vietnam time
VIETNAM: Final = timezone(timedelta(hours=7))
# The local stage's keys (devstack.fake_paygov signs with them): published here on purpose,
# so refused in every other stage (`config_from_parameter`).
LOCAL_HASH_KEYS: Final = ("motcua-local-paygov-key-1", "motcua-local-paygov-key-2")

# The request's signed fields, in OpenCPS's order (PayGateUtil.generateChecksum, §2).
CREATE_SIGNED_FIELDS: Final = (
    "addition_fee", "client_id", "command", "trans_amount", "transaction_id", "version",
)  # fmt: skip
# The callback's: OpenCPS's six, then every other field we read (§6.1: a field we act on
# that the checksum does not cover could be changed by whoever replays a genuine callback).
CALLBACK_SIGNED_FIELDS: Final = (
    *CREATE_SIGNED_FIELDS, "currency_code", "status", "trans_date", "transaction_code",
)  # fmt: skip
STATEMENT_SIGNED_FIELDS: Final = ("client_id", "command", "trans_date", "version")

_HEX_SHA256 = re.compile(r"[0-9a-f]{64}")
_DIGITS = re.compile(r"[0-9]{1,15}")
_TRANSACTION_ID = re.compile(r"[A-Za-z0-9_.:-]{1,20}")
_PLATFORM_ID = re.compile(r"[A-Za-z0-9_.:-]{1,64}")


class PayGovConfig(BaseModel):
    """Where the platform is, who we are to it, and our two keys (§3)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    base_url: str
    client_id: str = Field(min_length=1)  # the merchant code the platform gave the province
    hash_key_1: SecretStr  # signs what we send
    hash_key_2: SecretStr  # signs what the platform sends
    timeout_seconds: float = Field(default=TIMEOUT_SECONDS, gt=0, le=60)


def checksum(key: str, values: Mapping[str, Any], fields: tuple[str, ...]) -> str:
    """Hex HMAC-SHA256 under `key` of the fields' text joined by "|" (§2)."""
    text = "|".join(wire_text(values.get(name, "")) for name in fields)
    return hmac.new(key.encode("utf-8"), text.encode("utf-8"), hashlib.sha256).hexdigest()


def wire_text(value: Any) -> str:
    """A field's text as it is signed: a string as sent, an integer in decimal."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise TypeError(f"a signed field is a string or an integer, not {type(value).__name__}")
    return str(value)


def vietnam_time(moment: datetime) -> str:
    return moment.astimezone(VIETNAM).strftime(TIME_FORMAT)


class PayGovPlatform:
    """`PaymentPlatform` over HTTPS. `send` is the one HTTP exchange (tests pass their own)."""

    name = NAME

    def __init__(
        self,
        config: PayGovConfig | Callable[[], PayGovConfig],
        *,
        send: Callable[..., HttpAnswer] = http_request,
    ) -> None:
        # A callable: the keys are read (from SSM) on first use, not at cold start.
        self._config = config if isinstance(config, PayGovConfig) else None
        self._load = None if isinstance(config, PayGovConfig) else config
        self._send = send

    @property
    def config(self) -> PayGovConfig:
        if self._config is None:
            assert self._load is not None
            self._config = self._load()
        return self._config

    # --- the port ------------------------------------------------------------------------
    def checkout_url(self, request: PaymentRequest) -> str:
        body = self.create_body(request)
        found = self._post(self.config.base_url.rstrip("/") + CREATE_PATH, body, "create")
        url = found.get("payment_url")
        if str(found.get("error")) != "0" or not isinstance(url, str) or not url:
            raise PlatformUnavailable(f"create refused: {clip(json.dumps(found))}")
        if not _web_link(url):
            # Citizens open it to pay: https only (http on loopback, for the local fake).
            raise PlatformUnavailable(f"create: payment_url is not an https link: {clip(url)}")
        return url

    def read_callback(self, headers: Mapping[str, str], body: bytes) -> PlatformPayment:
        return self.read_signed(_json_object(body))

    def callback_answer(self, accepted: bool) -> tuple[int, str, bytes]:
        code, message = (0, "success") if accepted else (-1, "error")
        answer = json.dumps({"return_code": code, "return_msg": message}).encode()
        return 200, "application/json", answer

    def statement(self, day: date) -> list[PlatformPayment]:
        body: dict[str, Any] = {
            "client_id": self.config.client_id,
            "command": COMMAND_STATEMENT,
            "trans_date": day.strftime("%Y%m%d"),
            "version": VERSION,
        }
        body[CHECKSUM_FIELD] = checksum(self._key_1(), body, STATEMENT_SIGNED_FIELDS)
        found = self._post(self.config.base_url.rstrip("/") + STATEMENT_PATH, body, "statement")
        lines = found.get("transactions")
        if str(found.get("error")) != "0" or not isinstance(lines, list):
            raise PlatformUnavailable(f"statement refused: {clip(json.dumps(found))}")
        payments = []
        for number, line in enumerate(lines, 1):
            if not isinstance(line, dict):
                raise PlatformUnavailable(f"statement line {number}: not an object")
            try:
                payment = self.read_signed(line)
            except CallbackRefused as refused:
                # A line we cannot verify is not evidence of a payment: nothing is reconciled.
                raise PlatformUnavailable(f"statement line {number}: {refused}") from refused
            if payment.paid_at.astimezone(VIETNAM).date() == day:
                payments.append(payment)
        return payments

    # --- the wire ----------------------------------------------------------------------------
    def create_body(self, request: PaymentRequest) -> dict[str, Any]:
        """The create request for `request`, signed (§2)."""
        if not _TRANSACTION_ID.fullmatch(request.order_code):
            raise ValueError(
                f"order_code: at most {MAX_TRANSACTION_ID} letters, digits or _.:- for PayGov"
            )
        if request.amount_vnd <= 0:
            raise ValueError("amount_vnd: must be above zero")
        amount = str(request.amount_vnd)
        account = request.beneficiary
        body: dict[str, Any] = {
            "client_id": self.config.client_id,
            "transaction_id": request.order_code,
            "trans_amount": amount,
            "addition_fee": "0",
            "command": COMMAND_PAY,
            "version": VERSION,
            "description": request.description,
            "locale": "vn",
            "country_code": "vi",
            "currency_code": CURRENCY,
            "environment": "1",  # web
            "return_url": request.return_url,
            "bill_info": {
                "MaDichVu": FEE_SERVICE,
                "MaDonVi": request.agency,
                "TKThuHuong": account.account_number,
                "MaNHThuHuong": account.bank_bin,
                "TenTKThuHuong": account.account_name,
                "NoiDungThanhToan": request.description,
                "PhiLePhi": [
                    {
                        "LoaiPhiLePhi": 2,
                        "MaPhiLePhi": 2,
                        "TenPhiLePhi": request.description,
                        "SoTien": request.amount_vnd,
                    }
                ],
                "DSKhoanNop": [{"NoiDung": request.description, "SoTien": amount}],
                **dossier_fields(request),
            },
        }
        body[CHECKSUM_FIELD] = checksum(self._key_1(), body, CREATE_SIGNED_FIELDS)
        return body

    def read_signed(self, data: Mapping[str, Any]) -> PlatformPayment:
        """The payment a signed callback (or statement line) reports; CallbackRefused naming
        the field otherwise. The checksum is verified before anything else is believed."""
        given = data.get(CHECKSUM_FIELD)
        if not isinstance(given, str) or not _HEX_SHA256.fullmatch(given):
            raise CallbackRefused(CHECKSUM_FIELD, "missing or not a hex HMAC-SHA256")
        for name in CALLBACK_SIGNED_FIELDS:
            value = data.get(name)
            if value is None:
                raise CallbackRefused(name, "missing")
            if isinstance(value, bool) or not isinstance(value, str | int):
                raise CallbackRefused(name, "must be a string or an integer")
        expected = checksum(self.config.hash_key_2.get_secret_value(), data, CALLBACK_SIGNED_FIELDS)
        if not hmac.compare_digest(given, expected):
            raise CallbackRefused(CHECKSUM_FIELD, "does not match the signed fields")
        # Signed, so the platform's: now each field is held to its meaning.
        expect = {"client_id": self.config.client_id, "command": COMMAND_PAY, "version": VERSION,
                  "currency_code": CURRENCY, "status": PAID}  # fmt: skip
        for name, wanted in expect.items():
            if str(data[name]) != wanted:
                raise CallbackRefused(name, f"is {str(data[name])!r}, expected {wanted!r}")
        amount = str(data["trans_amount"])
        if not _DIGITS.fullmatch(amount) or int(amount) <= 0:
            raise CallbackRefused("trans_amount", "not a whole number of dong above zero")
        if str(data["addition_fee"]) != "0":
            raise CallbackRefused("addition_fee", "an extra fee is not part of any order")
        order_code = str(data["transaction_id"])
        if not _TRANSACTION_ID.fullmatch(order_code):
            raise CallbackRefused("transaction_id", "not an order code of ours")
        platform_id = str(data["transaction_code"])
        if not _PLATFORM_ID.fullmatch(platform_id):
            raise CallbackRefused("transaction_code", "not a transaction code")
        try:
            paid_at = datetime.strptime(str(data["trans_date"]), TIME_FORMAT)
        except ValueError:
            raise CallbackRefused("trans_date", "not yyyyMMddHHmmss") from None
        return PlatformPayment(
            transaction_id=platform_id,
            order_code=order_code,
            amount_vnd=int(amount),
            currency=CURRENCY,
            paid_at=paid_at.replace(tzinfo=VIETNAM),
        )

    def _key_1(self) -> str:
        return self.config.hash_key_1.get_secret_value()

    def _post(self, url: str, body: Mapping[str, Any], call: str) -> dict[str, Any]:
        answer = self._send(
            "POST",
            url,
            body=json.dumps(body, ensure_ascii=False).encode("utf-8"),
            headers={"Accept": "application/json", "Content-Type": "application/json"},
            timeout=self.config.timeout_seconds,
        )
        if answer.status is None:
            raise PlatformUnavailable(f"{call}: {answer.error or 'no answer'}")
        if answer.status != 200:
            raise PlatformUnavailable(f"{call}: HTTP {answer.status}: {clip(answer.text())}")
        try:
            found = json.loads(answer.body)
        except ValueError:
            found = None
        if not isinstance(found, dict):
            raise PlatformUnavailable(f"{call}: answer not understood: {clip(answer.text())}")
        return found


def dossier_fields(request: PaymentRequest) -> dict[str, str]:
    """`bill_info`'s keys naming the dossier, its procedure, the payer and the agencies, as
    OpenCPS fills them (O1 l. 743-778; §6.9). Those it marks "ko bb" (not required) are not
    sent. A required one missing is a ValueError naming our field, never its value: the payer's
    details are personal data and go in no message or log line."""
    payer = request.payer
    required = {
        "dossier_code": request.dossier_code,
        "procedure_code": request.procedure_code,
        "procedure_name": request.procedure_name,
        "payer.name": payer.name if payer else "",
        "deciding_agency": request.deciding_agency,
    }
    for name, value in required.items():
        if not value.strip():
            raise ValueError(f"{name}: PayGov needs it in bill_info")
    assert payer is not None
    return {
        "TenDonVi": request.agency_name,
        "MaHoSo": request.dossier_code,
        "MaTTHC": request.procedure_code,
        "TenTTHC": request.procedure_name,
        "HoTenNguoiNop": payer.name,
        "SoCMNDNguoiNop": payer.id_number or "",  # "" as OpenCPS sends a blank one
        "DiaChiNguoiNop": payer.address or "",
        "MaCoQuanQD": request.deciding_agency,
        "TenCoQuanQD": request.deciding_agency_name,
    }


def _web_link(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return True
    return parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost", "::1")


def _json_object(body: bytes) -> dict[str, Any]:
    """The callback's JSON object; a repeated key is refused (which one would be signed?)."""

    def unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for key, value in pairs:
            if key in found:
                raise CallbackRefused(key, "appears twice")
            found[key] = value
        return found

    try:
        data = json.loads(body, object_pairs_hook=unique)
    except (ValueError, UnicodeDecodeError):
        raise CallbackRefused("body", "not JSON") from None
    if not isinstance(data, dict):
        raise CallbackRefused("body", "not a JSON object")
    return data


def config_from_parameter(settings: Settings, value: str) -> PayGovConfig:
    """The config from settings and the SSM value `{"hash_key_1": …, "hash_key_2": …}`."""
    try:
        keys = json.loads(value)
    except ValueError:
        keys = None
    if not isinstance(keys, dict) or not all(
        isinstance(keys.get(k), str) and keys[k] for k in ("hash_key_1", "hash_key_2")
    ):
        raise ValueError(
            f"{settings.paygov_keys_parameter}: a JSON object with hash_key_1 and hash_key_2"
        )
    if not settings.is_local_stage and {keys["hash_key_1"], keys["hash_key_2"]} & set(
        LOCAL_HASH_KEYS
    ):
        raise ValueError(
            f"{settings.paygov_keys_parameter}: the published local keys are refused in stage "
            f"{settings.stage!r}"
        )
    return PayGovConfig(
        base_url=settings.paygov_base_url,
        client_id=settings.paygov_merchant_code,
        hash_key_1=keys["hash_key_1"],
        hash_key_2=keys["hash_key_2"],
    )


def platform_from_settings(
    settings: Settings, *, read_parameter: Callable[[str], str] | None = None
) -> PaymentPlatform:
    """The platform the settings name. "memory" is for dev stages only: its signing key is in
    the source, so anyone could forge its callbacks. PayGov's keys are read on first use."""
    if settings.payment_platform == "memory":
        if not settings.is_dev_stage:
            raise ValueError(
                f"MOTCUA_PAYMENT_PLATFORM: 'memory' is refused in stage {settings.stage!r}"
            )
        from chalicelib.adapters.memory_payment_platform import MemoryPaymentPlatform

        return MemoryPaymentPlatform()
    read = read_parameter or _secure_parameter
    return PayGovPlatform(
        lambda: config_from_parameter(settings, read(settings.paygov_keys_parameter))
    )


def _secure_parameter(name: str) -> str:
    from chalicelib.adapters import aws

    answer = aws.client("ssm").get_parameter(Name=name, WithDecryption=True)
    value: str = answer["Parameter"]["Value"]
    return value
