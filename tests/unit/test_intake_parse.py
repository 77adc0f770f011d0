"""Intake bodies: both shapes to one IntakeRequest; every refused body names the exact field."""

import json
import unicodedata
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.domain.calendar import LOCAL_TZ
from chalicelib.domain.dossier import Applicant, Location, SubmittedDocument
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.statuses import ApplicantKind, Channel, DossierStatus
from chalicelib.intake import checks
from chalicelib.intake.errors import CheckFailed, FieldIssue, IntakeInvalid
from chalicelib.intake.model import FeeLine, IntakeRequest
from chalicelib.intake.parse import MAX_DEPTH, parse_counter_submission, parse_submission
from chalicelib.intake.schema import DossierSubmission

PROVINCE = "H19"
NOW = datetime(2026, 1, 5, 10, 0, tzinfo=LOCAL_TZ)  # a Monday
MAX_BYTES = 64 * 1024
COMMUNE = "000.00.41.H19"
OTHER_COMMUNE = "000.00.42.H19"
CODE = "000.00.41.H19-260105-0001"
FILE_URL = "https://dvc.dongnai.gov.vn/files/to-khai.pdf"
DELETE = object()


# -- bodies -------------------------------------------------------------------------------------
def our_body() -> dict:
    return {
        "external_id": "DVC-2026-000123",
        "code": CODE,
        "procedure_code": "1.001193",
        "channel": 2,
        "applicant": {
            "name": "Nguyễn Văn An",
            "kind": 1,
            "id_number": "075090001234",
            "phone": "0912 345 678",
            "email": "an.nguyen@example.vn",
        },
        "resolving_agency": COMMUNE,
        "received_by_agency": COMMUNE,
        "received_by_unit": "MOT_CUA",
        "submitted_at": "2026-01-05T08:30:00+07:00",
        "awaiting_counter_check": True,
        "summary": "Đăng ký khai sinh cho con",
        "documents": [
            {
                "name": "Tờ khai đăng ký khai sinh",
                "url": FILE_URL,
                "digitised": True,
                "component": "TP01",
            },
            {"name": "Giấy chứng sinh", "url": None, "digitised": False},
            {"name": "Văn bản ủy quyền", "url": FILE_URL, "digitised": False},
        ],
        "fees": [{"name": "Lệ phí đăng ký khai sinh", "amount_vnd": 0}],
        "paid_online": False,
        "digitised": True,
    }


def dvcqg_item() -> dict:
    """The same facts as our_body(), as the national portal writes them."""
    return {
        "MaHoSo": CODE,
        "MaTTHC": "1.001193.000.00.00.H19",
        "TenTTHC": "Đăng ký khai sinh",
        "MaLinhVuc": "G09-TP03",
        "TenLinhVuc": "Hộ tịch",
        "KenhThucHien": "2",
        "ChuHoSo": "Nguyễn Văn An",
        "LoaiDoiTuong": "1",
        "MaDoiTuong": "",
        "SoGiayToChuHoSo": "075090001234",
        "SoDienThoai": "0912345678",
        "Email": "an.nguyen@example.vn",
        "TrichYeuHoSo": "Đăng ký khai sinh cho con",
        "NgayTiepNhan": "20260105083000",
        "NgayHenTra": "20260106083000",
        "TrangThaiHoSo": "1",
        "NgayTra": "",
        "NgayKetThucXuLy": "",
        "DonViXuLy": COMMUNE,
        "NoiNopHoSo": "2",
        "HoSoCoThanhPhanSoHoa": "1",
        "DuocThanhToanTrucTuyen": "0",
        "TaiLieuNop": [
            {
                "TepDinhKemId": "101",
                "TenTepDinhKem": "Tờ khai đăng ký khai sinh",
                "IsDeleted": "False",
                "MaThanhPhanHoSo": "TP01",
                "DuongDanTaiTepTin": FILE_URL,
                "DuocSoHoa": "1",
            },
            {"TenTepDinhKem": "Giấy chứng sinh", "DuongDanTaiTepTin": "", "DuocSoHoa": "0"},
            {"TenTepDinhKem": "Văn bản ủy quyền", "DuongDanTaiTepTin": FILE_URL, "DuocSoHoa": 0},
        ],
        "DanhSachLePhi": [
            {"TenPhiLePhi": "Lệ phí đăng ký khai sinh", "MaPhiLePhi": "LP01", "Gia": "0"}
        ],
        "DanhSachHoSoBoSung": [],
        "DanhSachGiayToKetQua": [],
    }


def expected_request(source="motcua", external_id="DVC-2026-000123") -> IntakeRequest:
    return IntakeRequest(
        external_id=external_id,
        code=CODE,
        procedure_code="1.001193",
        channel=Channel.ONLINE,
        applicant=Applicant(
            name="Nguyễn Văn An",
            kind=ApplicantKind.CITIZEN,
            id_number="075090001234",
            phone="84912345678",
            email="an.nguyen@example.vn",
        ),
        resolving_agency=COMMUNE,
        received_by_agency=COMMUNE,
        received_by_unit="MOT_CUA",
        submitted_at=datetime(2026, 1, 5, 8, 30, tzinfo=LOCAL_TZ),
        awaiting_counter_check=True,
        summary="Đăng ký khai sinh cho con",
        documents=[
            SubmittedDocument(
                name="Tờ khai đăng ký khai sinh", url=FILE_URL, digitised=True, component="TP01"
            ),
            SubmittedDocument(name="Giấy chứng sinh", url=None, digitised=False),
            SubmittedDocument(name="Văn bản ủy quyền", url=FILE_URL, digitised=False),
        ],
        fees=[FeeLine(name="Lệ phí đăng ký khai sinh", amount_vnd=0)],
        paid_online=False,
        digitised=True,
        source=source,
    )


def expected_item_request() -> IntakeRequest:
    """What dvcqg_item() maps to: DonViXuLy kept as sent (resolved against the registry by
    checks.resolve_agencies), received by MaHoSo's agency, TenTTHC and NgayHenTra kept."""
    return expected_request(source="dvcqg", external_id=CODE).model_copy(
        update={
            "resolving_agency": None,
            "resolving_agency_named": COMMUNE,
            "procedure_title": "Đăng ký khai sinh",
            "portal_due_at": datetime(2026, 1, 6, 8, 30, tzinfo=LOCAL_TZ),
        }
    )


def _steps(path: str) -> list:
    steps: list = []
    for part in path.split("."):
        name, *indexes = part.replace("]", "").split("[")
        steps.append(name)
        steps.extend(int(i) for i in indexes)
    return steps


def changed(document: dict, changes: dict) -> dict:
    """A deep copy of `document` with `{"applicant.phone": v, "documents[2].url": v}` applied;
    DELETE removes the key."""
    result = json.loads(json.dumps(document))
    for dotted, value in changes.items():
        *parents, last = _steps(dotted)
        target = result
        for step in parents:
            target = target[step]
        if value is DELETE:
            del target[last]
        else:
            target[last] = value
    return result


def encode(document) -> bytes:
    return json.dumps(document, ensure_ascii=False).encode("utf-8")


def ours(**changes) -> bytes:
    return encode(changed(our_body(), {k.replace("__", "."): v for k, v in changes.items()}))


def ours_at(changes: dict) -> bytes:
    return encode(changed(our_body(), changes))


def theirs(changes: dict | None = None) -> bytes:
    return encode(changed(dvcqg_item(), changes or {}))


def parse(raw: bytes, now: datetime = NOW) -> IntakeRequest:
    return parse_submission(raw, province=PROVINCE, now=now, max_bytes=MAX_BYTES)


def refusal(raw: bytes) -> list[FieldIssue]:
    with pytest.raises(IntakeInvalid) as caught:
        parse(raw)
    return caught.value.errors


def local_portal(moment: datetime) -> str:
    return moment.astimezone(LOCAL_TZ).strftime("%Y%m%d%H%M%S")


# -- valid bodies ---------------------------------------------------------------------------------
def test_our_schema_maps_to_the_normalised_request():
    assert parse(encode(our_body())) == expected_request()


def test_a_dvcqg_item_with_the_same_facts_maps_to_the_same_request():
    from_ours = parse(encode(changed(our_body(), {"external_id": DELETE})))
    from_theirs = parse(theirs())
    assert from_theirs == expected_item_request()
    portal_only = {"procedure_title", "portal_due_at", "resolving_agency_named"}
    assert from_ours.model_copy(
        update={"source": "dvcqg", "resolving_agency": None}
    ) == from_theirs.model_copy(update=dict.fromkeys(portal_only))
    assert from_ours.source == "motcua"


def test_the_portal_envelope_holds_one_item():
    envelope = {
        "session": "abc",
        "madonvi": "000.00.00.H19",
        "service": "DongBoHoSoMC",
        "isUpdating": "false",
        "data": [dvcqg_item()],
    }
    assert parse(encode(envelope)) == parse(theirs())
    assert parse(encode({"data": dvcqg_item()})) == parse(theirs())


def test_status_2_is_received_directly_status_1_waits_for_the_counter():
    received = parse(theirs({"TrangThaiHoSo": 2}))
    assert received.awaiting_counter_check is False
    assert received.initial_status is DossierStatus.RECEIVED
    assert parse(theirs()).initial_status is DossierStatus.SUBMITTED
    direct = parse(ours(awaiting_counter_check=False))
    assert direct.initial_status is DossierStatus.RECEIVED


def test_dvcqg_is_tolerant_of_new_fields_numbers_as_strings_and_blanks():
    item = changed(
        dvcqg_item(),
        {
            "KenhThucHien": 2,
            "LoaiDoiTuong": 1,
            "TrangThaiHoSo": 1,
            "HoSoCoThanhPhanSoHoa": True,
            "TaiKhoanDuocXacThucVoiVNeID": "1",
            "DinhDanhCHS": [{"LoaiDinhDanh": "1"}],
            "NgayHenTra": "",
            "Email": "",
            "DanhSachHoSoBoSung": None,
            "NoiNopHoSo": None,
        },
    )
    request = parse(encode(item))
    assert request.applicant.email is None
    assert request.received_by_agency == COMMUNE  # MaHoSo's agency; NoiNopHoSo is no agency
    assert request.portal_due_at is None
    assert request.channel is Channel.ONLINE


def test_dvcqg_drops_deleted_documents_and_reads_both_online_payment_codes():
    request = parse(theirs({"TaiLieuNop[1].IsDeleted": "True", "DuocThanhToanTrucTuyen": "2"}))
    assert [d.name for d in request.documents] == ["Tờ khai đăng ký khai sinh", "Văn bản ủy quyền"]
    assert request.paid_online is True
    assert parse(theirs({"DuocThanhToanTrucTuyen": 1})).paid_online is True


def test_digitised_follows_the_documents_when_not_stated():
    assert parse(ours(digitised=DELETE)).digitised is True
    assert parse(ours_at({"digitised": DELETE, "documents[0].digitised": False})).digitised is False
    assert parse(theirs({"HoSoCoThanhPhanSoHoa": ""})).digitised is True


def test_full_procedure_codes_are_cut_to_eight_characters():
    assert parse(ours(procedure_code="1.001612.000.00.00.H19")).procedure_code == "1.001612"


def test_external_id_defaults_to_the_code_and_the_receiver_to_the_resolving_agency():
    request = parse(ours(external_id=DELETE, received_by_agency=DELETE, received_by_unit=DELETE))
    assert request.external_id == CODE
    assert request.received_by == Location(agency=COMMUNE, unit="MOT_CUA")
    assert request.idempotency_key("portal-1") == f"portal-1#{CODE}"


def test_received_elsewhere_phi_dia_gioi():
    request = parse(ours(received_by_agency=OTHER_COMMUNE))
    assert (request.resolving_agency, request.received_by_agency) == (COMMUNE, OTHER_COMMUNE)
    item = parse(theirs({"MaHoSo": CODE.replace(COMMUNE, OTHER_COMMUNE)}))
    assert (item.resolving_agency_named, item.received_by_agency) == (COMMUNE, OTHER_COMMUNE)


def test_a_province_procedure_needs_no_resolving_agency():
    request = parse(
        ours(procedure_code="2.000488", resolving_agency=None, received_by_agency="000.00.06.H19")
    )
    assert request.resolving_agency is None


@pytest.mark.parametrize(
    ("given", "normalised"),
    [
        ("0912345678", "84912345678"),
        ("0912 345 678", "84912345678"),
        ("+84 912 345 678", "84912345678"),
        ("(+84) 912-345-678", "84912345678"),
        ("84912345678", "84912345678"),
        ("0912.345.678", "84912345678"),
        ("0251 3822 222", "842513822222"),  # fixed line, Đồng Nai
    ],
)
def test_phone_numbers_are_normalised(given, normalised):
    assert parse(ours(applicant__phone=given)).applicant.phone == normalised
    assert parse(theirs({"SoDienThoai": given})).applicant.phone == normalised
    assert checks.normalise_phone(normalised) == normalised  # idempotent


@pytest.mark.parametrize(
    ("kind", "given", "kept"),
    [
        (1, "075090001234", "075090001234"),
        (1, "001099000001", "001099000001"),
        (1, "096099000001", "096099000001"),
        (1, "023456789", "023456789"),  # old CMND
        (1, "c1234567", "C1234567"),  # passport, upper-cased
        (2, "3600123456", "3600123456"),
        (2, "3600123456-001", "3600123456-001"),
        (2, "3600123456001", "3600123456-001"),  # a branch's 13 digits, the dash optional
        (2, "075090001234", "075090001234"),  # a household business: its owner's CCCD
        (1, "c01x00t47", "C01X00T47"),  # a foreign passport (9 letters and digits)
        (1, "n1234567a", "N1234567A"),
        (1, "AB123456", "AB123456"),
        (4, "3600123456001", "3600123456-001"),
        (3, "000.00.41.H19", "000.00.41.H19"),
        (4, "3600123456", "3600123456"),
        (4, "075090001234", "075090001234"),
    ],
)
def test_identity_documents_by_kind(kind, given, kept):
    applicant = parse(ours(applicant__kind=kind, applicant__id_number=given)).applicant
    assert (applicant.kind, applicant.id_number) == (ApplicantKind(kind), kept)


def test_names_are_stripped_and_nfc_normalised():
    decomposed = unicodedata.normalize("NFD", "  Nguyễn Văn An \n")
    assert parse(ours(applicant__name=decomposed)).applicant.name == "Nguyễn Văn An"


@pytest.mark.parametrize(
    "name",
    [
        "Nguyễn Văn An",
        "Đặng Thị Ngọc Bích",
        "Lê Thị Thu-Hà",
        "O'Brien Sean",
        "Công ty TNHH Xây dựng Hoàng Long (Chi nhánh 2)",
        "Công ty CP A & B",
        "Hợp tác xã Nông nghiệp 3/2",
        "Kim Ji-woo, đại diện Công ty TNHH Samsung Electronics Việt Nam",
        "李小龍",
        "3M Việt Nam",
    ],
)
def test_names_of_people_and_firms_are_accepted(name):
    assert parse(ours(applicant__name=name)).applicant.name == name


@pytest.mark.parametrize(
    "name",
    ["-Nguyễn Văn An", "(An)", "'An", "Nguyễn | cmd", "An {{7*7}}", "An 😀", "An; DROP", "An#1"],
)
def test_names_hold_letters_digits_spaces_and_name_punctuation_only(name):
    issues = refusal(ours(applicant__name=name))
    assert [i.field for i in issues] == ["applicant.name"]
    assert issues[0].message_vi.startswith("Tên ")


def test_moments_after_2099_are_refused_even_without_a_clock():
    with pytest.raises(CheckFailed):
        checks.check_moment(datetime(2100, 1, 1, tzinfo=LOCAL_TZ), now=None)
    assert checks.check_moment(datetime(2099, 12, 31, 23, tzinfo=LOCAL_TZ), now=None)


def test_a_dash_bullet_is_not_a_formula():
    request = parse(ours_at({"documents[1].name": "- Giấy chứng sinh (bản chính)"}))
    assert request.documents[1].name == "- Giấy chứng sinh (bản chính)"


def test_a_byte_order_mark_and_other_offsets_are_accepted():
    raw = b"\xef\xbb\xbf" + ours(submitted_at="2026-01-05T01:30:00Z")
    assert parse(raw).submitted_at == datetime(2026, 1, 5, 8, 30, tzinfo=LOCAL_TZ)


def test_five_minutes_of_clock_skew_are_tolerated():
    ahead = (NOW + timedelta(minutes=5)).isoformat()
    assert parse(ours(submitted_at=ahead)).submitted_at == NOW + timedelta(minutes=5)
    assert parse(theirs({"NgayTiepNhan": local_portal(NOW + timedelta(minutes=4))}))


def test_the_request_survives_the_queue():
    request = parse(encode(our_body()))
    assert IntakeRequest.model_validate_json(request.model_dump_json()) == request


# -- refused bodies ----------------------------------------------------------------------------
def deep(levels: int) -> bytes:
    return ("[" * levels + "]" * levels).encode()


def deep_inside(levels: int) -> bytes:
    return ours_at({"summary": DELETE}).replace(
        b'"paid_online"', b'"nested": ' + deep(levels) + b', "paid_online"'
    )


BODY_CASES = [
    ("empty", b""),
    ("blank", b"  \n "),
    ("truncated", b'{"procedure_code": "1.001193"'),
    ("trailing comma", b'{"procedure_code": "1.001193",}'),
    ("single quotes", b"{'procedure_code': '1.001193'}"),
    ("invalid UTF-8 bytes", b"\xff\xfe{}"),
    ("invalid UTF-8 inside a string", ours(summary="X").replace(b'"X"', b'"\xc3\x28"')),
    ("overlong UTF-8", b'{"a": "\xc0\xaf"}'),
    ("too large", b" " * (MAX_BYTES + 1)),
    ("too large but valid", ours(summary="a" * MAX_BYTES)),
    ("too deep", deep(MAX_DEPTH + 1)),
    ("too deep inside a field", deep_inside(MAX_DEPTH)),
    ("recursion bomb", deep(100_000)[:MAX_BYTES]),
    ("a JSON array", b"[1, 2]"),
    ("a JSON string", b'"dossier"'),
    ("an empty object", b"{}"),
    ("neither shape", b'{"hello": "world"}'),
    ("NaN", ours_at({"fees[0].amount_vnd": 1}).replace(b": 1}", b": NaN}")),
    ("duplicate keys", b'{"procedure_code": "1.001193", "procedure_code": "1.001194"}'),
    (
        "huge integer",
        ours_at({"fees[0].amount_vnd": 1}).replace(b": 1}", b": " + b"9" * 5000 + b"}"),
    ),
]


@pytest.mark.parametrize(("label", "raw"), BODY_CASES, ids=[c[0] for c in BODY_CASES])
def test_bodies_that_cannot_be_read_are_refused_on_field_body(label, raw):
    issues = refusal(raw)
    assert [i.field for i in issues] == ["body"], label
    assert issues[0].reason and issues[0].message_vi


def test_broken_json_says_where():
    (issue,) = refusal(b'{\n  "procedure_code": "1.001193"\n  "channel": 2\n}')
    assert "line 3, column 3" in issue.reason


def test_invalid_utf8_says_where():
    (issue,) = refusal(b'{"a": "ok\xff"}')
    assert "offset 9" in issue.reason


def test_an_unterminated_string_full_of_escaped_quotes_is_read_in_linear_time():
    raw = b'{"a": "' + b'\\"' * (MAX_BYTES // 2 - 8)
    assert [i.field for i in refusal(raw)] == ["body"]  # the time: bench/timing_checks.py


FUTURE = (NOW + timedelta(minutes=6)).isoformat()
OUR_CASES = [
    # missing fields
    ("procedure_code", {"procedure_code": DELETE}),
    ("channel", {"channel": DELETE}),
    ("applicant", {"applicant": DELETE}),
    ("applicant.name", {"applicant.name": DELETE}),
    ("submitted_at", {"submitted_at": DELETE}),
    ("awaiting_counter_check", {"awaiting_counter_check": DELETE}),
    ("external_id", {"external_id": DELETE, "code": DELETE}),
    ("received_by_agency", {"received_by_agency": DELETE, "resolving_agency": DELETE}),
    ("documents[0].name", {"documents[0].name": DELETE}),
    ("fees[0].amount_vnd", {"fees[0].amount_vnd": DELETE}),
    # fields our schema does not have
    ("status", {"status": 1}),
    ("applicant.address", {"applicant.address": "Biên Hòa"}),
    ("documents[1].size", {"documents[1].size": 1024}),
    ("MaHoSo", {"MaHoSo": CODE}),
    # wrong JSON types: no silent coercion
    ("channel", {"channel": "2"}),
    ("channel", {"channel": 2.0}),
    ("channel", {"channel": True}),
    ("applicant.kind", {"applicant.kind": "1"}),
    ("awaiting_counter_check", {"awaiting_counter_check": "true"}),
    ("awaiting_counter_check", {"awaiting_counter_check": 1}),
    ("paid_online", {"paid_online": 0}),
    ("fees[0].amount_vnd", {"fees[0].amount_vnd": "1000"}),
    ("fees[0].amount_vnd", {"fees[0].amount_vnd": 1000.5}),
    ("fees[0].amount_vnd", {"fees[0].amount_vnd": -5}),
    ("procedure_code", {"procedure_code": 1001193}),
    ("applicant.phone", {"applicant.phone": 912345678}),
    ("applicant", {"applicant": "Nguyễn Văn An"}),
    ("documents", {"documents": {"name": "Tờ khai"}}),
    ("submitted_at", {"submitted_at": 1767576600}),
    ("submitted_at", {"submitted_at": "1767576600"}),
    ("applicant.email", {"applicant.email": ""}),
    # unknown values
    ("channel", {"channel": 4}),
    ("channel", {"channel": 1}),  # in person: the counter API, not a webhook
    ("applicant.kind", {"applicant.kind": 5}),
    ("procedure_code", {"procedure_code": "1.00119"}),
    ("procedure_code", {"procedure_code": "1.001193.000.00.00"}),
    ("procedure_code", {"procedure_code": "１.001193"}),
    # injection and unreadable names
    ("applicant.name", {"applicant.name": '=HYPERLINK("http://x.example","y")'}),
    ("applicant.name", {"applicant.name": "+cmd|' /C calc'!A0"}),
    ("applicant.name", {"applicant.name": "-2+3+cmd|' /C calc'!A0"}),
    ("applicant.name", {"applicant.name": "@SUM(1+1)*cmd|' /C calc'!A0"}),
    ("applicant.name", {"applicant.name": "  =1+1"}),
    ("applicant.name", {"applicant.name": "<script>alert(1)</script>"}),
    ("applicant.name", {"applicant.name": "Nguyễn <b>An</b>"}),
    ("applicant.name", {"applicant.name": "Nguyễn\x00An"}),
    ("applicant.name", {"applicant.name": "Nguyễn\nAn"}),
    ("applicant.name", {"applicant.name": "An\u202eB"}),
    ("applicant.name", {"applicant.name": "   "}),
    ("applicant.name", {"applicant.name": "A" * 201}),
    ("summary", {"summary": "<img src=x onerror=alert(1)>"}),
    ("summary", {"summary": '=WEBSERVICE("http://x.example")'}),
    ("documents[1].name", {"documents[1].name": "=1+1"}),
    ("fees[0].name", {"fees[0].name": "@cmd"}),
    ("documents[2].url", {"documents[2].url": "javascript:alert(1)"}),
    ("documents[2].url", {"documents[2].url": "http://dvc.dongnai.gov.vn/a.pdf"}),
    ("documents[2].url", {"documents[2].url": "not a url"}),
    ("documents[2].url", {"documents[2].url": "https://user:pw@dvc.dongnai.gov.vn/a.pdf"}),
    # phones
    ("applicant.phone", {"applicant.phone": "0123"}),
    ("applicant.phone", {"applicant.phone": "+1 415 555 0100"}),
    ("applicant.phone", {"applicant.phone": "01234567890"}),
    ("applicant.phone", {"applicant.phone": "0912345678 ext. 12"}),
    ("applicant.phone", {"applicant.phone": "0912-FLOWERS"}),
    ("applicant.phone", {"applicant.phone": "1800 1234"}),
    ("applicant.phone", {"applicant.phone": "０９１２３４５６７８"}),
    # identity documents
    ("applicant.id_number", {"applicant.id_number": "07509000123"}),
    ("applicant.id_number", {"applicant.id_number": "0750900012345"}),
    ("applicant.id_number", {"applicant.id_number": "12345678"}),
    ("applicant.id_number", {"applicant.id_number": "099090001234"}),
    ("applicant.id_number", {"applicant.id_number": "000090001234"}),
    ("applicant.id_number", {"applicant.id_number": "B1234"}),  # too short for a passport
    ("applicant.id_number", {"applicant.id_number": "B1234567890"}),  # too long
    ("applicant.id_number", {"applicant.id_number": "KHONGCO"}),  # "none": no digit
    ("applicant.id_number", {"applicant.id_number": "C01X-00T47"}),
    ("applicant.id_number", {"applicant.kind": 2, "applicant.id_number": "36001234560012"}),
    ("applicant.id_number", {"applicant.kind": 2, "applicant.id_number": "099090001234"}),
    ("applicant.id_number", {"applicant.id_number": "3600123456"}),  # a tax code, for a citizen
    ("applicant.id_number", {"applicant.kind": 2, "applicant.id_number": "075090001"}),
    ("applicant.id_number", {"applicant.kind": 2, "applicant.id_number": "3600123456-1"}),
    ("applicant.id_number", {"applicant.kind": 3, "applicant.id_number": "UBND"}),
    # emails
    ("applicant.email", {"applicant.email": "an@"}),
    ("applicant.email", {"applicant.email": "an nguyen@example.vn"}),
    ("applicant.email", {"applicant.email": "an@example"}),
    ("applicant.email", {"applicant.email": "=cmd@example.vn"}),
    ("applicant.email", {"applicant.email": "an@@example.vn"}),
    # moments
    ("submitted_at", {"submitted_at": "2026-01-05T08:30:00"}),
    ("submitted_at", {"submitted_at": "2026-02-30T08:30:00+07:00"}),
    ("submitted_at", {"submitted_at": "2026-01-05 08:30:00+07:00"}),
    ("submitted_at", {"submitted_at": "05/01/2026 08:30"}),
    ("submitted_at", {"submitted_at": FUTURE}),
    ("submitted_at", {"submitted_at": "1999-12-31T23:59:00+07:00"}),
    # codes and agencies
    ("code", {"code": "000.00.32.H26-260105-0001"}),
    ("code", {"code": "000.00.41.H19-260230-0001"}),
    ("code", {"code": "000.00.41.H19-260105-0000"}),
    ("code", {"code": ""}),
    ("external_id", {"external_id": "a#b"}),
    ("external_id", {"external_id": "x" * 101}),
    ("resolving_agency", {"resolving_agency": "000.00.41.H26"}),
    ("resolving_agency", {"resolving_agency": "00.00.41.H19"}),
    ("received_by_agency", {"received_by_agency": "000.0.41.H19"}),
    ("received_by_agency", {"received_by_agency": "UBND phường Trấn Biên"}),
    ("received_by_unit", {"received_by_unit": "mot cua"}),
]


@pytest.mark.parametrize(
    ("field", "changes"),
    OUR_CASES,
    ids=[f"{f}:{next(iter(c.values()))!r}"[:60] for f, c in OUR_CASES],
)
def test_our_schema_names_the_field_at_fault(field, changes):
    issues = refusal(ours_at(changes))
    assert [i.field for i in issues] == [field]
    assert issues[0].reason and issues[0].message_vi


DVCQG_CASES = [
    ("MaHoSo", {"MaHoSo": DELETE}),
    ("MaHoSo", {"MaHoSo": "000.00.32.H26-260105-0001"}),
    ("MaHoSo", {"MaHoSo": "G22.39-250101-0001"}),
    ("MaTTHC", {"MaTTHC": "abc"}),
    ("MaTTHC", {"MaTTHC": 1.001193}),
    ("KenhThucHien", {"KenhThucHien": "5"}),
    ("KenhThucHien", {"KenhThucHien": "hai"}),
    ("ChuHoSo", {"ChuHoSo": "=1+2"}),
    ("ChuHoSo", {"ChuHoSo": "<svg onload=alert(1)>"}),
    ("ChuHoSo", {"ChuHoSo": ""}),
    ("LoaiDoiTuong", {"LoaiDoiTuong": "7"}),
    ("LoaiDoiTuong", {"LoaiDoiTuong": DELETE}),
    ("SoGiayToChuHoSo", {"SoGiayToChuHoSo": "1234"}),
    ("SoGiayToChuHoSo", {"LoaiDoiTuong": "2", "SoGiayToChuHoSo": "07509000123"}),
    ("SoDienThoai", {"SoDienThoai": "0123"}),
    ("SoDienThoai", {"SoDienThoai": "+1 415 555 0100"}),
    ("SoDienThoai", {"SoDienThoai": 912345678}),
    ("Email", {"Email": "a@b"}),
    ("TrichYeuHoSo", {"TrichYeuHoSo": "<script>x</script>"}),
    ("NgayTiepNhan", {"NgayTiepNhan": "20260230120000"}),
    ("NgayTiepNhan", {"NgayTiepNhan": "20261305120000"}),
    ("NgayTiepNhan", {"NgayTiepNhan": "20260105250000"}),
    ("NgayTiepNhan", {"NgayTiepNhan": "2026-01-05 08:30:00"}),
    ("NgayTiepNhan", {"NgayTiepNhan": 20260105083000}),
    ("NgayTiepNhan", {"NgayTiepNhan": local_portal(NOW + timedelta(minutes=6))}),
    ("NgayTiepNhan", {"NgayTiepNhan": "19991231120000"}),
    ("NgayTiepNhan", {"NgayTiepNhan": ""}),
    ("NgayTiepNhan", {"NgayTiepNhan": DELETE}),
    ("NgayHenTra", {"NgayHenTra": "2026"}),
    ("NgayTra", {"NgayTra": "20270101000000"}),
    ("TrangThaiHoSo", {"TrangThaiHoSo": 4}),
    ("TrangThaiHoSo", {"TrangThaiHoSo": "10"}),
    ("TrangThaiHoSo", {"TrangThaiHoSo": "3"}),
    ("TrangThaiHoSo", {"TrangThaiHoSo": 11}),
    ("NgayHenTra", {"NgayHenTra": "20260105082959"}),  # before NgayTiepNhan
    ("TenTTHC", {"TenTTHC": 1001193}),
    ("DonViXuLy", {"DonViXuLy": "<b>UBND phường Trấn Biên</b>"}),
    ("DonViXuLy", {"DonViXuLy": 41}),
    ("NoiNopHoSo", {"NoiNopHoSo": "000.00.41.H26"}),  # an agency: not what NoiNopHoSo says
    ("NoiNopHoSo", {"NoiNopHoSo": "3"}),
    ("HoSoCoThanhPhanSoHoa", {"HoSoCoThanhPhanSoHoa": "yes"}),
    ("DuocThanhToanTrucTuyen", {"DuocThanhToanTrucTuyen": "4"}),
    ("TaiLieuNop[1].DuongDanTaiTepTin", {"TaiLieuNop[1].DuongDanTaiTepTin": "javascript:x"}),
    ("TaiLieuNop[2].TenTepDinhKem", {"TaiLieuNop[2].TenTepDinhKem": "-1+cmd|x"}),
    ("TaiLieuNop", {"TaiLieuNop": "Tờ khai"}),
    ("DanhSachLePhi[0].Gia", {"DanhSachLePhi[0].Gia": "50.000"}),
    ("DanhSachLePhi[0].Gia", {"DanhSachLePhi[0].Gia": -1}),
]


@pytest.mark.parametrize(
    ("field", "changes"),
    DVCQG_CASES,
    ids=[f"{f}:{next(iter(c.values()))!r}"[:60] for f, c in DVCQG_CASES],
)
def test_a_dvcqg_item_names_the_field_at_fault(field, changes):
    issues = refusal(theirs(changes))
    assert [i.field for i in issues] == [field]
    assert issues[0].reason and issues[0].message_vi


ENVELOPE_CASES = [
    ("data[0].SoDienThoai", {"data": [changed(dvcqg_item(), {"SoDienThoai": "0123"})]}),
    ("data.SoDienThoai", {"data": changed(dvcqg_item(), {"SoDienThoai": "0123"})}),
    ("data", {"data": [dvcqg_item(), dvcqg_item()]}),
    ("data", {"data": []}),
    ("data", {"data": "x"}),
    ("data[0]", {"data": [1]}),
    ("service", {"service": "CapNhatTienDoHoSoMC", "data": [dvcqg_item()]}),
]


@pytest.mark.parametrize(("field", "envelope"), ENVELOPE_CASES, ids=[c[0] for c in ENVELOPE_CASES])
def test_the_envelope_names_the_field_at_fault(field, envelope):
    assert [i.field for i in refusal(encode(envelope))] == [field]


def test_a_lone_surrogate_is_refused_where_it_is():
    raw = ours(applicant__name="X").replace(b'"X"', b'"An \\ud800"')
    assert [i.field for i in refusal(raw)] == ["applicant.name"]


def test_every_field_at_fault_is_reported_at_once():
    raw = ours_at(
        {
            "channel": "2",
            "applicant.phone": "0123",
            "applicant.name": "=1+1",
            "documents[2].url": "ftp://x.example/a",
            "submitted_at": FUTURE,
            "fees[0].amount_vnd": -1,
            "extra": True,
        }
    )
    assert [i.field for i in refusal(raw)] == [
        "channel",
        "applicant.name",
        "applicant.phone",
        "submitted_at",
        "documents[2].url",
        "fees[0].amount_vnd",
        "extra",
    ]
    item = theirs({"SoDienThoai": "0123", "NgayTiepNhan": "20260230120000", "TrangThaiHoSo": 4})
    assert [i.field for i in refusal(item)] == ["SoDienThoai", "NgayTiepNhan", "TrangThaiHoSo"]


def test_the_refusal_is_an_invalid_input_naming_the_first_field():
    with pytest.raises(InvalidInput) as caught:
        parse(ours(channel=7))
    assert isinstance(caught.value, IntakeInvalid)
    assert caught.value.field == "channel"
    assert caught.value.errors[0].as_dict()["field"] == "channel"


def test_the_status_refusal_says_why():
    (issue,) = refusal(theirs({"TrangThaiHoSo": "9"}))
    assert "Đã xử lý xong" in issue.reason and "CapNhatTienDoHoSoMC" in issue.reason


def test_injection_refusals_say_why():
    (formula,) = refusal(ours(applicant__name="=1+1"))
    assert "formula" in formula.reason and "Excel" in formula.reason
    (script,) = refusal(ours(applicant__name="<script>"))
    assert "script" in script.reason


@pytest.mark.parametrize(
    ("province", "now"),
    [("19", NOW), ("H19", NOW.replace(tzinfo=None)), ("h19", NOW)],
)
def test_bad_arguments_are_refused_before_the_body_is_read(province, now):
    with pytest.raises(InvalidInput):
        parse_submission(encode(our_body()), province=province, now=now, max_bytes=MAX_BYTES)


def test_validating_without_a_context_is_a_programming_error():
    with pytest.raises(RuntimeError, match="IntakeContext"):
        DossierSubmission.model_validate(our_body())


# -- the counter API -------------------------------------------------------------------------------
DESK = Location(agency=OTHER_COMMUNE, unit="MOT_CUA")


def counter(raw: bytes) -> IntakeRequest:
    return parse_counter_submission(
        raw, province=PROVINCE, now=NOW, max_bytes=MAX_BYTES, received_by=DESK
    )


def test_the_counter_receives_in_person_or_by_post_at_the_officials_desk():
    request = counter(ours(channel=1, received_by_agency=DELETE, received_by_unit=DELETE))
    assert request.source == "counter"
    assert request.received_by == DESK
    assert request.channel is Channel.IN_PERSON
    assert counter(ours(channel=3, received_by_agency=OTHER_COMMUNE)).channel is Channel.POSTAL


@pytest.mark.parametrize(
    ("field", "changes"),
    [
        ("channel", {"channel": 2, "received_by_agency": DELETE}),
        ("received_by_agency", {"channel": 1}),  # the body names another agency than the desk's
        ("received_by_unit", {"channel": 1, "received_by_agency": DELETE, "received_by_unit": "X"}),
    ],
)
def test_the_counter_api_names_the_field_at_fault(field, changes):
    with pytest.raises(IntakeInvalid) as caught:
        counter(ours_at(changes))
    assert [i.field for i in caught.value.errors] == [field]


def test_the_counter_api_takes_only_our_schema():
    with pytest.raises(IntakeInvalid) as caught:
        counter(theirs())
    assert "MaHoSo" in [i.field for i in caught.value.errors]


# -- checks on their own -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "formula"),
    [
        ("=1+1", True),
        ("@SUM(A1)", True),
        ("+84 912", True),
        ("-2+3", True),
        ("- HYPERLINK(x)", True),
        ("-- x", True),
        ("-cmd|' /C calc'!A0", True),
        ("- a=b", True),
        ("- Tờ khai (theo mẫu)", False),
        ("- Tờ khai", False),
        ("+ Bản sao", False),
        ("Nguyễn Văn An", False),
        ("-", False),
    ],
)
def test_formula_like(text, formula):
    assert checks.is_formula_like(text) is formula


def test_check_failures_carry_both_languages():
    with pytest.raises(CheckFailed) as caught:
        checks.normalise_phone("0123")
    assert caught.value.reason and caught.value.message_vi


# -- property: any valid submission round-trips through JSON bytes -------------------------------
VI_LETTERS = (
    "aăâbcdđeêghiklmnoôơpqrstuưvxyàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ"
)
NAME_ALPHABET = VI_LETTERS + VI_LETTERS.upper() + " "
MOBILE_PREFIXES = ["90", "91", "93", "94", "96", "97", "98", "86", "88", "70", "76", "77"]
MOBILE_PREFIXES += ["78", "79", "81", "82", "83", "84", "85", "32", "33", "39", "56", "58", "59"]
DIGIT = "0123456789"

names = st.text(NAME_ALPHABET, min_size=1, max_size=60).filter(lambda s: s.strip())
texts = st.text(NAME_ALPHABET + DIGIT + ",.;()/", min_size=1, max_size=80).filter(
    lambda s: s.strip() and s.strip()[0] not in "-+"
)
digits = st.text(DIGIT, min_size=1, max_size=1)


@st.composite
def phones(draw):
    prefix = draw(st.sampled_from(MOBILE_PREFIXES))
    rest = draw(st.text(DIGIT, min_size=7, max_size=7))
    written = draw(
        st.sampled_from(
            [
                f"0{prefix}{rest}",
                f"+84 {prefix}{rest[:3]} {rest[3:]}",
                f"84{prefix}{rest}",
                f"0{prefix}.{rest[:3]}.{rest[3:]}",
                f"(+84) {prefix}-{rest}",
            ]
        )
    )
    return written, f"84{prefix}{rest}"


@st.composite
def identities(draw):
    kind = draw(st.sampled_from(list(ApplicantKind)))
    if kind is ApplicantKind.BUSINESS:
        number = draw(st.from_regex(r"[0-9]{10}(-[0-9]{3})?", fullmatch=True))
    elif kind is ApplicantKind.STATE_AGENCY:
        number = draw(st.from_regex(r"[0-9]{3}\.[0-9]{2}\.[0-9]{2}\.H19", fullmatch=True))
    else:
        province = draw(st.integers(1, 96))
        number = draw(
            st.sampled_from(
                [
                    f"{province:03d}" + draw(st.text(DIGIT, min_size=9, max_size=9)),
                    draw(st.text(DIGIT, min_size=9, max_size=9)),
                    draw(st.from_regex(r"[A-Z][0-9]{7}", fullmatch=True)),
                ]
            )
        )
    return kind, draw(st.none() | st.just(number))


agencies = st.from_regex(r"[0-9]{3}\.[0-9]{2}\.[0-9]{2}\.H19", fullmatch=True)
moments = st.datetimes(
    min_value=datetime(2000, 1, 1, 0, 0, 0),
    max_value=(NOW + timedelta(minutes=5)).replace(tzinfo=None),
    timezones=st.just(LOCAL_TZ),
).map(lambda m: m.replace(microsecond=0))


@st.composite
def facts(draw):
    submitted_at = draw(moments)
    agency = draw(agencies)
    code = draw(
        st.none()
        | st.builds(lambda seq: f"{agency}-{submitted_at:%y%m%d}-{seq:04d}", st.integers(1, 9999))
    )
    kind, id_number = draw(identities())
    phone = draw(st.none() | phones())
    documents = draw(
        st.lists(st.tuples(texts, st.none() | st.just(FILE_URL), st.booleans()), max_size=3)
    )
    return {
        "code": code,
        "external_id": code
        or draw(st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,30}", fullmatch=True)),
        "procedure_code": draw(st.from_regex(r"[0-9]\.[0-9]{6}", fullmatch=True)),
        "full_code": draw(st.booleans()),
        "name": draw(names),
        "kind": kind,
        "id_number": id_number,
        "phone": phone,
        "email": draw(
            st.none()
            | st.from_regex(r"[a-z0-9]{1,12}@(dongnai\.gov\.vn|gmail\.com)", fullmatch=True)
        ),
        "resolving_agency": agency,
        "received_by_agency": draw(st.just(agency) | agencies),
        "submitted_at": submitted_at,
        "awaiting": draw(st.booleans()),
        "summary": draw(st.just("") | texts),
        "documents": documents,
        "fees": draw(st.lists(st.tuples(texts, st.integers(0, 10**9)), max_size=3)),
        "paid_online": draw(st.booleans()),
        "digitised": draw(st.none() | st.booleans()),
    }


def request_of(f: dict, source: str) -> IntakeRequest:
    documents = [
        SubmittedDocument(name=n.strip(), url=u, digitised=d) for n, u, d in f["documents"]
    ]
    digitised = f["digitised"]
    if digitised is None:
        digitised = any(d.digitised for d in documents)
    return IntakeRequest(
        external_id=f["code"] if source == "dvcqg" and f["code"] else f["external_id"],
        code=f["code"],
        procedure_code=f["procedure_code"],
        channel=Channel.ONLINE,
        applicant=Applicant(
            name=f["name"].strip(),
            kind=f["kind"],
            id_number=f["id_number"],
            phone=f["phone"][1] if f["phone"] else None,
            email=f["email"],
        ),
        resolving_agency=f["resolving_agency"],
        received_by_agency=f["received_by_agency"],
        submitted_at=f["submitted_at"],
        awaiting_counter_check=f["awaiting"],
        summary=f["summary"].strip(),
        documents=documents,
        fees=[FeeLine(name=n.strip(), amount_vnd=a) for n, a in f["fees"]],
        paid_online=f["paid_online"],
        digitised=digitised,
        source=source,
    )


def our_body_of(f: dict) -> dict:
    suffix = ".000.00.00.H19" if f["full_code"] else ""
    body = {
        "external_id": f["external_id"],
        "code": f["code"],
        "procedure_code": f["procedure_code"] + suffix,
        "channel": 2,
        "applicant": {
            "name": f["name"],
            "kind": int(f["kind"]),
            "id_number": f["id_number"],
            "phone": f["phone"][0] if f["phone"] else None,
            "email": f["email"],
        },
        "resolving_agency": f["resolving_agency"],
        "received_by_agency": f["received_by_agency"],
        "submitted_at": f["submitted_at"].astimezone(UTC).isoformat(),
        "awaiting_counter_check": f["awaiting"],
        "summary": f["summary"],
        "documents": [{"name": n, "url": u, "digitised": d} for n, u, d in f["documents"]],
        "fees": [{"name": n, "amount_vnd": a} for n, a in f["fees"]],
        "paid_online": f["paid_online"],
        "digitised": f["digitised"],
    }
    return body


def dvcqg_item_of(f: dict) -> dict:
    return {
        "MaHoSo": f["code"],
        "MaTTHC": f["procedure_code"] + (".000.00.00.H19" if f["full_code"] else ""),
        "KenhThucHien": "2",
        "ChuHoSo": f["name"],
        "LoaiDoiTuong": str(int(f["kind"])),
        "SoGiayToChuHoSo": f["id_number"] or "",
        "SoDienThoai": f["phone"][0] if f["phone"] else "",
        "Email": f["email"] or "",
        "TrichYeuHoSo": f["summary"],
        "NgayTiepNhan": local_portal(f["submitted_at"]),
        "TrangThaiHoSo": "1" if f["awaiting"] else "2",
        "DonViXuLy": f["resolving_agency"],
        "NoiNopHoSo": "1",
        "HoSoCoThanhPhanSoHoa": "" if f["digitised"] is None else str(int(f["digitised"])),
        "DuocThanhToanTrucTuyen": "1" if f["paid_online"] else "0",
        "TaiLieuNop": [
            {"TenTepDinhKem": n, "DuongDanTaiTepTin": u or "", "DuocSoHoa": str(int(d))}
            for n, u, d in f["documents"]
        ],
        "DanhSachLePhi": [{"TenPhiLePhi": n, "Gia": str(a)} for n, a in f["fees"]],
        "ThongTinMoi": {"from": "a later version of the portal"},
    }


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(facts(), st.booleans())
def test_any_valid_submission_round_trips_through_json_bytes(f, ascii_only):
    raw = json.dumps(our_body_of(f), ensure_ascii=ascii_only).encode("utf-8")
    request = parse(raw)
    assert request == request_of(f, "motcua")
    assert IntakeRequest.model_validate_json(request.model_dump_json()) == request
    if f["code"] is not None:
        item = json.dumps(dvcqg_item_of(f), ensure_ascii=ascii_only).encode("utf-8")
        assert parse(item) == request_of(f, "dvcqg").model_copy(
            update={
                "resolving_agency": None,
                "resolving_agency_named": f["resolving_agency"],
                "received_by_agency": f["code"].split("-")[0],  # MaHoSo's agency
            }
        )


KNOWN_KEYS = sorted(
    set(our_body()) | set(our_body()["applicant"]) | set(dvcqg_item()) | {"data", "service"}
)
json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(10**20), 10**20)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
    | st.sampled_from(["", "1", "0912345678", "20260105083000", COMMUNE, "1.001193", FILE_URL])
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(max_size=8) | st.sampled_from(KNOWN_KEYS), inner, max_size=5)
    ),
    max_leaves=30,
)


@st.composite
def damaged_bodies(draw):
    body = draw(st.sampled_from([our_body(), dvcqg_item(), {"data": [dvcqg_item()]}]))
    for _ in range(draw(st.integers(1, 4))):
        body[draw(st.sampled_from(sorted(body)))] = draw(json_values)
    return body


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(damaged_bodies() | json_values | st.binary(max_size=200).map(lambda b: ("raw", b)))
def test_any_body_is_accepted_or_refused_with_named_fields_never_crashes(document):
    raw = document[1] if isinstance(document, tuple) else json.dumps(document).encode()
    try:
        parse(raw)
    except IntakeInvalid as refused:
        for issue in refused.errors:
            assert issue.field and issue.reason and issue.message_vi
            json.dumps(issue.as_dict(), ensure_ascii=False).encode("utf-8")
