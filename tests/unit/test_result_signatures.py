"""A result PDF's signatures, checked with real signatures made here (tests/fixtures/signing.py):
valid under a trusted root; invalid when modified after signing or when signed bytes change;
unsigned; untrusted under another root, an empty list or out of validity; unreadable. Then the
policy that decides whether a result may be attached, the catalog field it reads, and the
trust list from settings."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from pydantic import ValidationError

from chalicelib.bootstrap import Container
from chalicelib.domain.calendar import LOCAL_TZ
from chalicelib.domain.result_signatures import (
    Problem,
    SignatureCheck,
    SignatureStatus,
    result_acceptable,
    worst,
)
from chalicelib.services.result_signatures import TrustList, verify_result
from chalicelib.settings import Settings, SettingsError
from tests.fixtures import signing
from tests.unit.builders import land_procedure

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=LOCAL_TZ)


@pytest.fixture(scope="module")
def identity():
    return signing.shared_identity()


@pytest.fixture(scope="module")
def trusted(identity):
    return TrustList.from_pem(identity.root_pem, source="test root")


@pytest.fixture(scope="module")
def signed(identity):
    return signing.sign_pdf(signing.plain_pdf(), identity)


def test_a_signature_under_a_trusted_root_is_valid_and_names_its_signer(signed, trusted):
    check = verify_result(signed, trusted, now=NOW)

    assert check.status is SignatureStatus.VALID and check.problem is Problem.NONE
    assert check.intact and check.chain_trusted and not check.modified_after_signing
    assert check.message == "Chữ ký số hợp lệ"
    assert check.signer is not None
    assert (check.signer.common_name, check.signer.organisation) == (
        "Sở Tư pháp tỉnh Bắc Ninh",
        "UBND tỉnh Bắc Ninh",
    )
    assert check.signer.serial == "5eed"
    assert check.signer.issuer == "Test Issuing CA (throwaway)"
    assert check.signed_at is not None and check.signed_at_source == "claimed"
    assert not check.revocation_checked
    assert [finding.field for finding in check.signatures] == ["KetQua"]


def test_the_outcome_is_stored_as_json_and_read_back_the_same(signed, trusted):
    check = verify_result(signed, trusted, now=NOW)
    assert SignatureCheck.model_validate_json(check.model_dump_json()) == check


def test_a_document_modified_after_signing_is_invalid_and_says_so(signed, trusted):
    modified = signing.modify_after_signing(signed)

    check = verify_result(modified, trusted, now=NOW)

    assert check.status is SignatureStatus.INVALID and check.problem is Problem.MODIFIED
    assert check.modified_after_signing
    assert check.intact  # the signed revision itself is untouched: the change came after it
    assert check.message == "Tài liệu đã bị sửa sau khi ký"
    assert "modified after signing" in check.reason


def test_changed_bytes_inside_the_signed_range_are_invalid(signed, trusted):
    check = verify_result(signing.tamper_signed_bytes(signed), trusted, now=NOW)

    assert check.status is SignatureStatus.INVALID and check.problem is Problem.BROKEN
    assert not check.intact
    assert check.message.startswith("Chữ ký số không hợp lệ")


def test_a_pdf_without_a_signature_is_unsigned(trusted):
    check = verify_result(signing.plain_pdf(), trusted, now=NOW)

    assert check.status is SignatureStatus.UNSIGNED and check.signatures == ()
    assert check.message == "Không có chữ ký số"
    assert not check.chain_trusted and check.signer is None


def test_a_signer_under_another_root_is_untrusted_though_intact(signed):
    stranger = signing.make_identity("Công ty lạ", "Không rõ", root_name="Other Root CA")
    check = verify_result(signed, TrustList.from_pem(stranger.root_pem), now=NOW)

    assert check.status is SignatureStatus.UNTRUSTED and check.problem is Problem.NOT_TRUSTED
    assert check.intact and not check.modified_after_signing and not check.chain_trusted
    assert check.message == "Chứng thư không thuộc danh sách tin cậy"


def test_an_empty_trust_list_trusts_nobody(signed):
    check = verify_result(signed, TrustList(), now=NOW)
    assert check.status is SignatureStatus.UNTRUSTED and not check.chain_trusted


def test_a_certificate_out_of_its_validity_is_untrusted(signed, trusted):
    after_expiry = signing.VALID_UNTIL.replace(year=signing.VALID_UNTIL.year + 1)
    check = verify_result(signed, trusted, now=after_expiry)
    assert check.status is SignatureStatus.UNTRUSTED and check.problem is Problem.EXPIRED


@pytest.mark.parametrize(
    "garbage",
    [b"", b"not a pdf at all", b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\n%%EOF", bytes(range(256))],
    ids=["empty", "text", "broken-pdf", "binary"],
)
def test_what_is_not_a_readable_pdf_is_unreadable(garbage, trusted):
    check = verify_result(garbage, trusted, now=NOW)
    assert check.status is SignatureStatus.UNREADABLE and check.problem is Problem.UNREADABLE
    assert check.message == "Không đọc được tệp PDF"


def test_an_encrypted_pdf_is_unreadable(trusted):
    import io

    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(signing.plain_pdf())))
    writer.encrypt("user-password")
    out = io.BytesIO()
    writer.write(out)

    check = verify_result(out.getvalue(), trusted, now=NOW)
    assert check.status is SignatureStatus.UNREADABLE and check.problem is Problem.ENCRYPTED


def test_every_signature_is_checked_and_the_worst_is_the_outcome(signed, trusted):
    stranger = signing.make_identity("Người ký thứ hai", "Không rõ", root_name="Other Root CA")
    twice = signing.sign_pdf(signed, stranger, field_name="KetQua2")

    check = verify_result(twice, trusted, now=NOW)

    statuses = [finding.status for finding in check.signatures]
    assert statuses == [SignatureStatus.VALID, SignatureStatus.UNTRUSTED]
    assert check.status is SignatureStatus.UNTRUSTED
    assert check.signer is not None and check.signer.common_name == "Người ký thứ hai"
    # a second signature is an allowed update of the first one's document
    assert not check.signatures[0].modified_after_signing


def test_two_trusted_signatures_are_valid(signed, identity, trusted):
    twice = signing.sign_pdf(signed, identity, field_name="KetQua2")
    check = verify_result(twice, trusted, now=NOW)
    assert check.status is SignatureStatus.VALID and len(check.signatures) == 2


def test_the_worst_of_several_files():
    assert worst([SignatureStatus.VALID, SignatureStatus.UNSIGNED]) is SignatureStatus.UNSIGNED
    assert worst([SignatureStatus.INVALID, SignatureStatus.UNTRUSTED]) is SignatureStatus.INVALID


# -- whether a result may be attached -----------------------------------------------------------


def _check(problem: Problem) -> SignatureCheck:
    return SignatureCheck.of_file(problem, "test")


@pytest.mark.parametrize(
    ("problem", "required_ok", "optional_ok"),
    [
        (Problem.NONE, True, True),
        (Problem.NO_SIGNATURE, False, True),
        (Problem.NOT_TRUSTED, False, True),
        (Problem.EXPIRED, False, True),
        (Problem.BROKEN, False, False),
        (Problem.MODIFIED, False, False),
        (Problem.REVOKED, False, False),
        (Problem.UNCHECKABLE, False, False),
        (Problem.UNREADABLE, False, False),
        (Problem.ENCRYPTED, False, False),
    ],
)
def test_a_result_is_attached_only_as_its_procedure_allows(problem, required_ok, optional_ok):
    required, optional = land_procedure(), land_procedure(result_signature="optional")

    assert result_acceptable(_check(problem), required).ok is required_ok
    assert result_acceptable(_check(problem), optional).ok is optional_ok


def test_a_refusal_says_why_in_vietnamese():
    refused = result_acceptable(_check(Problem.MODIFIED), land_procedure())
    assert refused == (False, "Tài liệu đã bị sửa sau khi ký")
    unsigned = result_acceptable(_check(Problem.NO_SIGNATURE), land_procedure())
    assert unsigned.reason == "Kết quả điện tử phải có chữ ký số của cơ quan giải quyết"


def test_the_catalog_requires_a_signed_result_unless_it_says_optional():
    assert land_procedure().result_signature == "required"
    assert land_procedure(result_signature="optional").result_signature == "optional"
    with pytest.raises(ValidationError, match="result_signature"):
        land_procedure(result_signature="sometimes")


# -- the trust list from settings ------------------------------------------------------------------


def test_the_shipped_bundle_is_empty_and_is_the_default():
    trust = Container(Settings()).signature_trust
    assert trust.roots == () and trust.source.endswith("trust/vn-gov-roots.pem")
    assert not trust.check_revocation


def test_the_setting_names_the_bundle_and_revocation_checking(tmp_path, identity):
    bundle = tmp_path / "roots.pem"
    bundle.write_bytes(b"# the province's roots\n" + identity.root_pem)
    settings = Settings.from_environment(
        {
            "MOTCUA_SIGNATURE_TRUST_ROOTS": str(bundle),
            "MOTCUA_SIGNATURE_CHECK_REVOCATION": "true",
        }
    )
    trust = Container(settings).signature_trust
    assert len(trust.roots) == 1 and trust.check_revocation and trust.source == str(bundle)
    unset = Settings.from_environment({"MOTCUA_SIGNATURE_TRUST_ROOTS": ""})
    assert unset.signature_trust_roots is None
    with pytest.raises(SettingsError, match="MOTCUA_SIGNATURE_CHECK_REVOCATION"):
        Settings.from_environment({"MOTCUA_SIGNATURE_CHECK_REVOCATION": "perhaps"})


def test_a_bundle_that_is_not_roots_stops_the_start(identity):
    from cryptography.hazmat.primitives.serialization import Encoding

    leaf = identity.signer.public_bytes(Encoding.PEM)
    with pytest.raises(ValueError, match="not a CA certificate"):
        TrustList.from_pem(leaf, source="roots.pem")
    with pytest.raises(ValueError, match=r"roots\.pem"):
        TrustList.from_pem(b"-----BEGIN CERTIFICATE-----\nbroken\n-----END CERTIFICATE-----\n",
                           source="roots.pem")  # fmt: skip


def test_the_bundle_in_the_data_folder_parses():
    shipped = Path(__file__).resolve().parents[2] / "data" / "trust" / "vn-gov-roots.pem"
    assert TrustList.from_pem(shipped.read_bytes()).roots == ()


def test_importing_the_check_imports_no_pyhanko():
    code = (
        "import sys, chalicelib.bootstrap, chalicelib.services.result_signatures\n"
        "print([m for m in ('pyhanko', 'pyhanko_certvalidator', 'cryptography.x509') "
        "if m in sys.modules])"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)  # fmt: skip
    assert result.stdout.strip() == "[]"
