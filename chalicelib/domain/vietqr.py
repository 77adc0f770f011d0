"""The VietQR payload for a bank transfer to an account, as NAPAS's VietQR standard defines it
on top of EMVCo's merchant-presented QR (docs/payment-contract.md §5): a string of
ID-length-value fields, the last one a CRC-16/CCITT-FALSE of everything before it.

    00 "01"                          payload format indicator
    01 "12"                          point of initiation: dynamic (the amount is fixed)
    38 ┬ 00 "A000000727"             NAPAS's GUID
       ├ 01 ┬ 00 bank BIN (6 digits) beneficiary organisation: the bank (acquirer id) …
       │    └ 01 account number      … and the account
       └ 02 "QRIBFTTA"               service: inter-bank fund transfer to an account
    53 "704"                         currency: VND (ISO 4217)
    54 amount                        integer VND (VND has no minor unit)
    58 "VN"                          country
    62 └ 08 purpose                  additional data: purpose of transaction (transfer note)
    63 CRC                           4 upper-case hex digits

Pure: no I/O. Lengths are counted in characters, and only printable ASCII is accepted in the
free fields (a bank app shows the note as sent; diacritics are not in the standard's `ans`).
"""

from __future__ import annotations

import re
from typing import Final

NAPAS_GUID: Final = "A000000727"
SERVICE_TO_ACCOUNT: Final = "QRIBFTTA"
CURRENCY_VND: Final = "704"
COUNTRY_VN: Final = "VN"
PAYLOAD_FORMAT: Final = "01"
DYNAMIC: Final = "12"

MAX_ACCOUNT_CHARS: Final = 19
MAX_AMOUNT_CHARS: Final = 13
MAX_PURPOSE_CHARS: Final = 25
MAX_FIELD_CHARS: Final = 99  # a length is two decimal digits

_BIN = re.compile(r"[0-9]{6}")
_ACCOUNT = re.compile(r"[A-Za-z0-9]+")
_PRINTABLE_ASCII = re.compile(r"[ -~]*")


class VietQRFieldError(ValueError):
    """A value cannot be carried by the payload; `field` names it, `reason` says why."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


def crc16_ccitt_false(data: bytes) -> int:
    """CRC-16/CCITT-FALSE: polynomial 0x1021, initial 0xFFFF, no reflection, no final XOR
    (check value of b"123456789": 0x29B1)."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else (crc << 1)
            crc &= 0xFFFF
    return crc


def tlv(field_id: str, value: str, *, name: str | None = None) -> str:
    """One field: its two-digit id, its two-digit length, its value."""
    if len(value) > MAX_FIELD_CHARS:
        raise VietQRFieldError(
            name or field_id, f"{len(value)} characters, at most {MAX_FIELD_CHARS} fit a field"
        )
    return f"{field_id}{len(value):02d}{value}"


def transfer_payload(*, bank_bin: str, account_number: str, amount_vnd: int, purpose: str) -> str:
    """The dynamic VietQR payload asking for `amount_vnd` into the account, with `purpose` as
    the transfer note. VietQRFieldError names the first value that cannot be carried."""
    _check_fields(bank_bin, account_number, amount_vnd, purpose)
    beneficiary = tlv("00", bank_bin) + tlv("01", account_number)
    merchant = tlv("00", NAPAS_GUID) + tlv("01", beneficiary) + tlv("02", SERVICE_TO_ACCOUNT)
    body = (
        tlv("00", PAYLOAD_FORMAT)
        + tlv("01", DYNAMIC)
        + tlv("38", merchant, name="account_number")
        + tlv("53", CURRENCY_VND)
        + tlv("54", str(amount_vnd))
        + tlv("58", COUNTRY_VN)
    )
    if purpose:
        body += tlv("62", tlv("08", purpose), name="purpose")
    return with_crc(body)


def with_crc(body: str) -> str:
    """`body` followed by field 63: its own id and length are part of what the CRC covers."""
    head = body + "6304"
    return head + f"{crc16_ccitt_false(head.encode('ascii')):04X}"


def crc_is_valid(payload: str) -> bool:
    """Whether the payload ends with field 63 holding the CRC of everything before its value."""
    if len(payload) < 8 or payload[-8:-4] != "6304" or not payload.isascii():
        return False
    return with_crc(payload[:-8]) == payload


def read_fields(payload: str) -> dict[str, str]:
    """The top-level fields of a payload, id → value (nested ones stay as their text): for
    tests and for reading a payload back. ValueError when the lengths do not add up."""
    fields: dict[str, str] = {}
    at = 0
    while at < len(payload):
        head = payload[at : at + 4]
        if len(head) < 4 or not head.isdigit():
            raise ValueError(f"no field id and length at character {at}")
        size = int(head[2:])
        value = payload[at + 4 : at + 4 + size]
        if len(value) != size:
            raise ValueError(f"field {head[:2]} is shorter than its length {size}")
        fields[head[:2]] = value
        at += 4 + size
    return fields


def _check_fields(bank_bin: str, account_number: str, amount_vnd: int, purpose: str) -> None:
    if not _BIN.fullmatch(bank_bin):
        raise VietQRFieldError("bank_bin", "must be the bank's 6-digit NAPAS BIN")
    if not account_number or len(account_number) > MAX_ACCOUNT_CHARS:
        raise VietQRFieldError("account_number", f"must have 1 to {MAX_ACCOUNT_CHARS} characters")
    if not _ACCOUNT.fullmatch(account_number):
        raise VietQRFieldError("account_number", "only letters A-Z and digits")
    if isinstance(amount_vnd, bool) or not isinstance(amount_vnd, int) or amount_vnd <= 0:
        raise VietQRFieldError("amount_vnd", "must be a whole number of dong above zero")
    if len(str(amount_vnd)) > MAX_AMOUNT_CHARS:
        raise VietQRFieldError("amount_vnd", f"at most {MAX_AMOUNT_CHARS} digits")
    if len(purpose) > MAX_PURPOSE_CHARS:
        raise VietQRFieldError("purpose", f"{len(purpose)} characters, at most {MAX_PURPOSE_CHARS}")
    if not _PRINTABLE_ASCII.fullmatch(purpose):
        raise VietQRFieldError("purpose", "printable ASCII only (no diacritics, no line breaks)")
