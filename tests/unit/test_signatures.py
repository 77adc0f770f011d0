"""The webhook signature contract: `t=<unix>,v2=<hex HMAC-SHA256(secret, canonical request)>`,
the canonical request covering the method, the path with its query, the client id, the
timestamp and the body; `v1` (timestamp and body only) only for a client migrating."""

import hashlib
import hmac

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.auth import signatures
from chalicelib.auth.signatures import (
    SignatureError,
    SignedRequest,
    canonical_target,
    parse,
    sign_v1,
    target_of,
)

SECRET = b"portal-secret"
T = 1_767_225_600  # 2026-01-01T00:00:00Z
BODY = b'{"code":"000.00.06.H19-260101-0001","ten":"Nguy\xe1\xbb\x85n V\xc4\x83n A"}'
METHOD, PATH, CLIENT = "POST", "/v1/webhooks/dossiers", "portal-dev"
REQUEST = SignedRequest(METHOD, PATH, CLIENT)


def sign(secret=SECRET, body=BODY, t=T, *, method=METHOD, target=PATH, client=CLIENT) -> str:
    return signatures.sign(secret, body, t, method=method, target=target, client_id=client)


def verify(header, body=BODY, secret=SECRET, *, now=T, request=REQUEST, **options):
    return signatures.verify(header, body, secret, now, request=request, **options)


def reason_of(excinfo) -> str:
    return excinfo.value.reason


def hex_of(header: str, scheme: str = "v2") -> str:
    return header.split(f"{scheme}=")[1]


def test_sign_follows_the_contract_computed_independently():
    digest = hashlib.sha256(BODY).hexdigest()
    canonical = f"v2\nPOST\n/v1/webhooks/dossiers\nportal-dev\n{T}\n{digest}".encode()
    expected = hmac.new(SECRET, canonical, hashlib.sha256).hexdigest()
    assert sign() == f"t={T},v2={expected}"


def test_v1_follows_its_contract_computed_independently():
    expected = hmac.new(SECRET, f"{T}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert sign_v1(SECRET, BODY, T) == f"t={T},v1={expected}"


def test_str_and_bytes_secrets_agree():
    assert sign("portal-secret") == sign(SECRET)


def test_round_trip_returns_timestamp_signature_and_scheme():
    header = sign()
    check = verify(header)
    assert (check.timestamp, check.scheme) == (T, "v2")
    assert header.endswith(check.signature)
    assert len(check.signature) == 64


# Each part the signature covers, changed alone on the receiving side: refused.
@pytest.mark.parametrize(
    "received",
    [
        SignedRequest("PUT", PATH, CLIENT),  # method
        SignedRequest(METHOD, "/v1/webhooks/opt-outs", CLIENT),  # another path
        SignedRequest(METHOD, "/v1/webhooks/dossiers?dry=1", CLIENT),  # a query added
        SignedRequest(METHOD, PATH, "portal-other"),  # another client id
    ],
    ids=["method", "path", "query", "client"],
)
def test_a_request_other_than_the_one_signed_is_refused(received):
    with pytest.raises(SignatureError) as excinfo:
        verify(sign(), request=received)
    assert reason_of(excinfo) == signatures.MISMATCH


def test_the_query_is_signed_value_by_value():
    header = sign(target="/v1/webhooks/receipts/r1?a=1&b=2")

    def received(url: str) -> SignedRequest:
        return SignedRequest(METHOD, target_of(url), CLIENT)

    assert verify(header, request=received("/v1/webhooks/receipts/r1?b=2&a=1"))
    with pytest.raises(SignatureError):
        verify(header, request=received("/v1/webhooks/receipts/r1?a=1&b=3"))


def test_the_method_is_case_insensitive_as_http_methods_are_written():
    assert verify(sign(method="post"))


@pytest.mark.parametrize(
    ("path", "query", "expected"),
    [
        ("/v1/webhooks/dossiers", [], "/v1/webhooks/dossiers"),
        ("/v1/webhooks/dossiers/", [], "/v1/webhooks/dossiers"),  # as API Gateway routes it
        ("/", [], "/"),
        ("/v1/a b", [], "/v1/a%20b"),
        ("/v1/a%20b", [], "/v1/a%20b"),  # decoded, then encoded again
        ("/v1/x", [("b", "2"), ("a", "1"), ("a", "0")], "/v1/x?a=0&a=1&b=2"),
        ("/v1/x", [("q", "a&b=c"), ("e", "")], "/v1/x?e=&q=a%26b%3Dc"),
        ("/v1/x", [("tên", "Nguyễn")], "/v1/x?t%C3%AAn=Nguy%E1%BB%85n"),
    ],
)
def test_canonical_target(path, query, expected):
    assert canonical_target(path, query) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("/v1/x?b=2&a=1", "/v1/x?a=1&b=2"),
        ("https://api.example.vn/v1/x?e", "/v1/x?e="),
        ("/v1/x?q=a%26b", "/v1/x?q=a%26b"),
        ("/v1/000.00.41.H19-260309-0101/actions", "/v1/000.00.41.H19-260309-0101/actions"),
    ],
)
def test_target_of_a_url_as_a_client_sends_it(url, expected):
    assert target_of(url) == expected


# -- v1, during a client's migration window --------------------------------------------------
def test_v1_is_refused_without_the_migration_flag_even_with_the_right_mac():
    with pytest.raises(SignatureError) as excinfo:
        verify(sign_v1(SECRET, BODY, T))
    assert reason_of(excinfo) == signatures.V1_REFUSED


def test_v1_is_accepted_with_the_migration_flag_and_says_so():
    header = sign_v1(SECRET, BODY, T)
    check = verify(header, accept_v1=True)
    assert (check.scheme, check.signature) == ("v1", hex_of(header, "v1"))


def test_a_migrating_client_may_send_both_and_v2_is_the_one_used():
    v2 = hex_of(sign())
    check = verify(f"{sign_v1(SECRET, BODY, T)},v2={v2}", accept_v1=True)
    assert (check.scheme, check.signature) == ("v2", v2)


def test_a_bad_v2_beside_a_v1_is_a_mismatch_without_the_flag():
    with pytest.raises(SignatureError) as excinfo:
        verify(f"{sign_v1(SECRET, BODY, T)},v2={'a' * 64}")
    assert reason_of(excinfo) == signatures.MISMATCH


def test_v1_with_the_flag_still_checks_the_body():
    with pytest.raises(SignatureError) as excinfo:
        verify(sign_v1(SECRET, BODY, T), BODY + b" ", accept_v1=True)
    assert reason_of(excinfo) == signatures.MISMATCH


# -- the header ---------------------------------------------------------------------------------
@pytest.mark.parametrize("header", [None, "", "   "])
def test_missing_header(header):
    with pytest.raises(SignatureError) as excinfo:
        verify(header)
    assert reason_of(excinfo) == signatures.MISSING
    assert excinfo.value.field == "X-Motcua-Signature"


GOOD_HEX = "a" * 64


@pytest.mark.parametrize(
    "header",
    [
        "garbage",
        f"v2={GOOD_HEX}",  # no timestamp
        f"t={T}",  # no signature
        f"t={T},v0={GOOD_HEX}",  # only an unknown scheme
        f"t=-{T},v2={GOOD_HEX}",
        f"t=12.5,v2={GOOD_HEX}",
        f"t=abc,v2={GOOD_HEX}",
        f"t={T},t={T},v2={GOOD_HEX}",  # two timestamps
        f"t={T},v2=abc",  # too short
        f"t={T},v1=abc",
        f"t={T},v2={'g' * 64}",  # not hex
        f"t={T},v2={GOOD_HEX},junk",
        f"t={T},v2={GOOD_HEX}," + ",".join(f"v2={GOOD_HEX}" for _ in range(40)),  # oversized
    ],
)
def test_malformed_header(header):
    with pytest.raises(SignatureError) as excinfo:
        verify(header)
    assert reason_of(excinfo) == signatures.MALFORMED


def test_parse_ignores_unknown_schemes_and_spaces():
    parsed = parse(f" t={T} , v0=zz , v2={GOOD_HEX.upper()} , v1={GOOD_HEX}")
    assert parsed.timestamp == T
    assert (parsed.v1, parsed.v2) == ((GOOD_HEX,), (GOOD_HEX,))


@pytest.mark.parametrize("skew", [-300, -1, 0, 1, 300])
def test_timestamp_inside_tolerance_is_accepted(skew):
    assert verify(sign(), now=T + skew).timestamp == T


@pytest.mark.parametrize("skew", [-301, 301, 86_400, -86_400])
def test_timestamp_outside_tolerance_is_refused(skew):
    with pytest.raises(SignatureError) as excinfo:
        verify(sign(), now=T + skew)
    assert reason_of(excinfo) == signatures.OUT_OF_TOLERANCE


def test_tolerance_is_a_parameter():
    header = sign()
    with pytest.raises(SignatureError):
        verify(header, now=T + 61, tolerance=60)
    assert verify(header, now=T + 60, tolerance=60)


def test_wrong_secret_is_refused():
    with pytest.raises(SignatureError) as excinfo:
        verify(sign(b"another-secret"))
    assert reason_of(excinfo) == signatures.MISMATCH


def test_body_tampered_by_one_byte_is_refused():
    tampered = BODY[:10] + bytes([BODY[10] ^ 0x01]) + BODY[11:]
    with pytest.raises(SignatureError) as excinfo:
        verify(sign(), tampered)
    assert reason_of(excinfo) == signatures.MISMATCH


def test_changed_timestamp_is_refused():
    signature = sign().split(",")[1]
    with pytest.raises(SignatureError) as excinfo:
        verify(f"t={T + 1},{signature}")
    assert reason_of(excinfo) == signatures.MISMATCH


def test_reserialised_json_is_not_the_same_body():
    header = sign(body=b'{"a": 1}')
    with pytest.raises(SignatureError):
        verify(header, b'{"a":1}')


def test_any_of_several_v2_values_may_match():
    good = hex_of(sign())
    assert verify(f"t={T},v2={GOOD_HEX},v2={good}").signature == good


def test_upper_case_hex_is_the_same_signature_in_lower_case():
    good = hex_of(sign())
    assert verify(f"t={T},v2={good.upper()}").signature == good


@given(body=st.binary(max_size=2048), secret=st.binary(min_size=1, max_size=64))
def test_any_body_round_trips(body, secret):
    assert verify(sign(secret, body), body, secret).timestamp == T


@given(data=st.data(), body=st.binary(min_size=1, max_size=512))
def test_any_single_bit_flip_in_the_body_fails(data, body):
    header = sign(body=body)
    bit = data.draw(st.integers(min_value=0, max_value=len(body) * 8 - 1))
    flipped = bytearray(body)
    flipped[bit // 8] ^= 1 << (bit % 8)
    with pytest.raises(SignatureError) as excinfo:
        verify(header, bytes(flipped))
    assert reason_of(excinfo) == signatures.MISMATCH


@given(data=st.data())
def test_any_single_bit_flip_in_the_signature_fails(data):
    hex_value = hex_of(sign())
    bit = data.draw(st.integers(min_value=0, max_value=255))
    raw = bytearray(bytes.fromhex(hex_value))
    raw[bit // 8] ^= 1 << (bit % 8)
    with pytest.raises(SignatureError):
        verify(f"t={T},v2={raw.hex()}")


@given(path=st.text(min_size=1, max_size=40), other=st.text(min_size=1, max_size=40))
def test_any_other_path_fails(path, other):
    header = sign(target="/" + path)
    received = SignedRequest(METHOD, target_of("/" + other), CLIENT)
    if target_of("/" + path) != received.target:
        with pytest.raises(SignatureError):
            verify(header, request=received)


def test_a_bare_target_that_looks_like_a_host_is_still_a_path():
    """Found by the property above: "//[" made urlsplit read an IPv6 host and fail."""
    assert target_of("//[") == canonical_target("//[", [])
    assert target_of("//host/x?a=1") == canonical_target("//host/x", [("a", "1")])
    assert target_of("https://api.example/v1/x?b=2#f") == canonical_target("/v1/x", [("b", "2")])
