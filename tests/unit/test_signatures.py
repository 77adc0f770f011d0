"""The webhook signature contract: `t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`."""

import hashlib
import hmac

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.auth import signatures
from chalicelib.auth.signatures import SignatureError, parse, sign, verify

SECRET = b"portal-secret"
T = 1_767_225_600  # 2026-01-01T00:00:00Z
BODY = b'{"code":"000.00.06.H19-260101-0001","ten":"Nguy\xe1\xbb\x85n V\xc4\x83n A"}'


def reason_of(excinfo) -> str:
    return excinfo.value.reason


def test_sign_follows_the_contract_computed_independently():
    expected = hmac.new(SECRET, f"{T}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert sign(SECRET, BODY, T) == f"t={T},v1={expected}"


def test_str_and_bytes_secrets_agree():
    assert sign("portal-secret", BODY, T) == sign(SECRET, BODY, T)


def test_round_trip_returns_timestamp_and_signature():
    header = sign(SECRET, BODY, T)
    check = verify(header, BODY, SECRET, now=T)
    assert check.timestamp == T
    assert header.endswith(check.signature)
    assert len(check.signature) == 64


@pytest.mark.parametrize("header", [None, "", "   "])
def test_missing_header(header):
    with pytest.raises(SignatureError) as excinfo:
        verify(header, BODY, SECRET, now=T)
    assert reason_of(excinfo) == signatures.MISSING
    assert excinfo.value.field == "X-Motcua-Signature"


GOOD_HEX = "a" * 64


@pytest.mark.parametrize(
    "header",
    [
        "garbage",
        f"v1={GOOD_HEX}",  # no timestamp
        f"t={T}",  # no signature
        f"t={T},v0={GOOD_HEX}",  # only an unknown scheme
        f"t=-{T},v1={GOOD_HEX}",
        f"t=12.5,v1={GOOD_HEX}",
        f"t=abc,v1={GOOD_HEX}",
        f"t={T},t={T},v1={GOOD_HEX}",  # two timestamps
        f"t={T},v1=abc",  # too short
        f"t={T},v1={'g' * 64}",  # not hex
        f"t={T},v1={GOOD_HEX},junk",
        f"t={T},v1={GOOD_HEX}," + ",".join(f"v1={GOOD_HEX}" for _ in range(40)),  # oversized
    ],
)
def test_malformed_header(header):
    with pytest.raises(SignatureError) as excinfo:
        verify(header, BODY, SECRET, now=T)
    assert reason_of(excinfo) == signatures.MALFORMED


def test_parse_ignores_unknown_schemes_and_spaces():
    parsed = parse(f" t={T} , v0=zz , v1={GOOD_HEX.upper()} ")
    assert parsed.timestamp == T
    assert parsed.signatures == (GOOD_HEX,)


@pytest.mark.parametrize("skew", [-300, -1, 0, 1, 300])
def test_timestamp_inside_tolerance_is_accepted(skew):
    assert verify(sign(SECRET, BODY, T), BODY, SECRET, now=T + skew).timestamp == T


@pytest.mark.parametrize("skew", [-301, 301, 86_400, -86_400])
def test_timestamp_outside_tolerance_is_refused(skew):
    with pytest.raises(SignatureError) as excinfo:
        verify(sign(SECRET, BODY, T), BODY, SECRET, now=T + skew)
    assert reason_of(excinfo) == signatures.OUT_OF_TOLERANCE


def test_tolerance_is_a_parameter():
    header = sign(SECRET, BODY, T)
    with pytest.raises(SignatureError):
        verify(header, BODY, SECRET, now=T + 61, tolerance=60)
    assert verify(header, BODY, SECRET, now=T + 60, tolerance=60)


def test_wrong_secret_is_refused():
    with pytest.raises(SignatureError) as excinfo:
        verify(sign(b"another-secret", BODY, T), BODY, SECRET, now=T)
    assert reason_of(excinfo) == signatures.MISMATCH


def test_body_tampered_by_one_byte_is_refused():
    header = sign(SECRET, BODY, T)
    tampered = BODY[:10] + bytes([BODY[10] ^ 0x01]) + BODY[11:]
    with pytest.raises(SignatureError) as excinfo:
        verify(header, tampered, SECRET, now=T)
    assert reason_of(excinfo) == signatures.MISMATCH


def test_changed_timestamp_is_refused():
    signature = sign(SECRET, BODY, T).split(",")[1]
    with pytest.raises(SignatureError) as excinfo:
        verify(f"t={T + 1},{signature}", BODY, SECRET, now=T)
    assert reason_of(excinfo) == signatures.MISMATCH


def test_reserialised_json_is_not_the_same_body():
    header = sign(SECRET, b'{"a": 1}', T)
    with pytest.raises(SignatureError):
        verify(header, b'{"a":1}', SECRET, now=T)


def test_any_of_several_v1_values_may_match():
    good = sign(SECRET, BODY, T).split("v1=")[1]
    header = f"t={T},v1={GOOD_HEX},v1={good}"
    assert verify(header, BODY, SECRET, now=T).signature == good


def test_upper_case_hex_is_the_same_signature_in_lower_case():
    good = sign(SECRET, BODY, T).split("v1=")[1]
    check = verify(f"t={T},v1={good.upper()}", BODY, SECRET, now=T)
    assert check.signature == good


@given(body=st.binary(max_size=2048), secret=st.binary(min_size=1, max_size=64))
def test_any_body_round_trips(body, secret):
    assert verify(sign(secret, body, T), body, secret, now=T).timestamp == T


@given(data=st.data(), body=st.binary(min_size=1, max_size=512))
def test_any_single_bit_flip_in_the_body_fails(data, body):
    header = sign(SECRET, body, T)
    bit = data.draw(st.integers(min_value=0, max_value=len(body) * 8 - 1))
    flipped = bytearray(body)
    flipped[bit // 8] ^= 1 << (bit % 8)
    with pytest.raises(SignatureError) as excinfo:
        verify(header, bytes(flipped), SECRET, now=T)
    assert reason_of(excinfo) == signatures.MISMATCH


@given(data=st.data())
def test_any_single_bit_flip_in_the_signature_fails(data):
    header = sign(SECRET, BODY, T)
    hex_value = header.split("v1=")[1]
    bit = data.draw(st.integers(min_value=0, max_value=255))
    raw = bytearray(bytes.fromhex(hex_value))
    raw[bit // 8] ^= 1 << (bit % 8)
    with pytest.raises(SignatureError):
        verify(f"t={T},v1={raw.hex()}", BODY, SECRET, now=T)
