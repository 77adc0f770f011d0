"""The VietQR payload against payloads published by others (docs/payment-contract.md §5):
built from the same inputs it must be the same string, CRC included."""

import pytest

from chalicelib.domain.vietqr import (
    VietQRFieldError,
    crc16_ccitt_false,
    crc_is_valid,
    read_fields,
    transfer_payload,
)
from chalicelib.forms.vietqr_image import vietqr_svg

# xuannghia/vietnam-qr-pay test/test-quick-gen-qr.spec.ts ("VietQR Dynamic", commit 17a05d3):
# ACB (BIN 970416), account 257678859, 10 000 VND, note "Chuyen tien".
PUBLISHED_ACB = (
    "00020101021238530010A0000007270123000697041601092576788590208QRIBFTTA"
    "53037045405100005802VN62150811Chuyen tien630453E6"
)
# The same repository's README ("Build a new QR from an existing one"): 999 999 VND,
# note "Cam on nhe", same account.
PUBLISHED_README = (
    "00020101021238530010A0000007270123000697041601092576788590208QRIBFTTA"
    "530370454069999995802VN62140810Cam on nhe6304E786"
)


def test_crc_has_the_check_value_of_ccitt_false():
    assert crc16_ccitt_false(b"123456789") == 0x29B1


def test_the_published_dynamic_payload_is_built_character_for_character():
    built = transfer_payload(
        bank_bin="970416", account_number="257678859", amount_vnd=10000, purpose="Chuyen tien"
    )
    assert built == PUBLISHED_ACB


def test_a_second_published_payload_is_built_too():
    built = transfer_payload(
        bank_bin="970416", account_number="257678859", amount_vnd=999999, purpose="Cam on nhe"
    )
    assert built == PUBLISHED_README


@pytest.mark.parametrize("payload", [PUBLISHED_ACB, PUBLISHED_README])
def test_published_crcs_verify_and_a_changed_character_does_not(payload):
    assert crc_is_valid(payload)
    assert not crc_is_valid(payload.replace("257678859", "257678858", 1))


def test_the_fields_are_where_the_standard_puts_them():
    fields = read_fields(
        transfer_payload(
            bank_bin="970415", account_number="113366668888", amount_vnd=250000, purpose="LPHS 1"
        )
    )
    assert list(fields) == ["00", "01", "38", "53", "54", "58", "62", "63"]
    assert fields["01"] == "12"
    merchant = read_fields(fields["38"])
    assert merchant == {"00": "A000000727", "01": "0006970415" "0112113366668888",
                        "02": "QRIBFTTA"}  # fmt: skip
    assert (fields["53"], fields["54"], fields["58"]) == ("704", "250000", "VN")
    assert read_fields(fields["62"]) == {"08": "LPHS 1"}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"bank_bin": "97041"}, "bank_bin"),
        ({"bank_bin": "97041A"}, "bank_bin"),
        ({"account_number": ""}, "account_number"),
        ({"account_number": "1" * 20}, "account_number"),
        ({"account_number": "0011-0018"}, "account_number"),
        ({"amount_vnd": 0}, "amount_vnd"),
        ({"amount_vnd": 10**13}, "amount_vnd"),
        ({"amount_vnd": True}, "amount_vnd"),
        ({"purpose": "x" * 26}, "purpose"),
        ({"purpose": "Lệ phí"}, "purpose"),
        ({"purpose": "a\nb"}, "purpose"),
    ],
)
def test_a_value_that_does_not_fit_is_refused_naming_its_field(change, field):
    values = {"bank_bin": "970416", "account_number": "257678859", "amount_vnd": 10000,
              "purpose": "Chuyen tien", **change}  # fmt: skip
    with pytest.raises(VietQRFieldError) as refused:
        transfer_payload(**values)
    assert refused.value.field == field


def test_the_longest_values_still_fit():
    payload = transfer_payload(
        bank_bin="970416", account_number="9" * 19, amount_vnd=10**13 - 1, purpose="x" * 25
    )
    assert crc_is_valid(payload)
    assert read_fields(payload)["54"] == "9" * 13


def test_the_svg_draws_the_payload():
    svg = vietqr_svg(PUBLISHED_ACB)
    assert svg.startswith("<svg") and "<path" in svg and "VietQR" in svg
    assert vietqr_svg(PUBLISHED_README) != svg
    with pytest.raises(ValueError):
        vietqr_svg("")
