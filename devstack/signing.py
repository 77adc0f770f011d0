"""A development signing authority for the local stage: real PDF signatures with no real CA.

The authority is root → intermediate → signer, the shape of the Vietnamese public and government
CAs; keys are EC P-256 (quick to make). The signer's certificate is valid from 2020 to 2040 (the
CAs' to 2045), so a check at any fixed moment between needs no clock.

- `make_identity`, `plain_pdf`, `sign_pdf`: build an authority, a small PDF, and sign it (the
  tests' throwaway authorities come from here too: tests/fixtures/signing.py).
- `local_authority`: the local stage's own, generated once and kept in `.local-state/dev-signing/`
  (git-ignored), so that `make run` trusts it and `make demo` (another process) signs with it.
  Generated, not derived from a seed in the source: a key that is in the source can be used by
  anyone, and a stage that trusted it by mistake would take anyone's "signed" result. A key made
  on the developer's machine stays there; and it stays the same across restarts, so a result
  signed yesterday still verifies.
- `trust_environment`: the setting that makes a stack trust it, for the local stage only. No
  other stage is ever given it (deployed stages read their own trust list, data/trust/).
"""

from __future__ import annotations

import io
import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from chalicelib.settings import LOCAL_STAGE
from devstack import LOCAL_STATE

VALID_FROM = datetime(2020, 1, 1, tzinfo=UTC)
VALID_UNTIL = datetime(2040, 1, 1, tzinfo=UTC)  # the signer's; a subscriber's ends first
CA_VALID_UNTIL = datetime(2045, 1, 1, tzinfo=UTC)

LOCAL_ROOT_NAME = "motcua Local Development Root CA (not for production)"
LOCAL_SIGNER = "Văn phòng Đăng ký đất đai (local development)"
LOCAL_ORGANISATION = "UBND tỉnh Đồng Nai (local development)"
# The files of the local authority, under the local state folder.
AUTHORITY_DIR = "dev-signing"
ROOT_FILE = "root.pem"
INTERMEDIATE_FILE = "intermediate.pem"
SIGNER_FILE = "signer.pem"
SIGNER_KEY_FILE = "signer-key.pem"
TRUST_ROOTS_VARIABLE = "MOTCUA_SIGNATURE_TRUST_ROOTS"


@dataclass(frozen=True)
class SigningIdentity:
    """A signer's key and certificate, the intermediate that issued it, and the root above."""

    root: x509.Certificate
    intermediate: x509.Certificate
    signer: x509.Certificate
    signer_key: ec.EllipticCurvePrivateKey

    @property
    def root_pem(self) -> bytes:
        """The trust list an operator would install: the root alone."""
        return self.root.public_bytes(serialization.Encoding.PEM)

    def write(self, folder: Path) -> None:
        """The four PEM files into `folder` (the key unencrypted: development only)."""
        pem = serialization.Encoding.PEM
        files = {
            ROOT_FILE: self.root_pem,
            INTERMEDIATE_FILE: self.intermediate.public_bytes(pem),
            SIGNER_FILE: self.signer.public_bytes(pem),
            SIGNER_KEY_FILE: self.signer_key.private_bytes(
                pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            ),
        }
        for name, data in files.items():
            (folder / name).write_bytes(data)
        (folder / SIGNER_KEY_FILE).chmod(0o600)

    @classmethod
    def read(cls, folder: Path) -> SigningIdentity:
        key = serialization.load_pem_private_key(
            (folder / SIGNER_KEY_FILE).read_bytes(), password=None
        )
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise ValueError(f"{folder / SIGNER_KEY_FILE}: not an EC private key")

        def certificate(name: str) -> x509.Certificate:
            return x509.load_pem_x509_certificate((folder / name).read_bytes())

        return cls(
            certificate(ROOT_FILE), certificate(INTERMEDIATE_FILE), certificate(SIGNER_FILE), key
        )


def _name(common_name: str, organisation: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _certificate(
    subject: x509.Name,
    key: ec.EllipticCurvePrivateKey,
    issuer: x509.Name,
    issuer_key: ec.EllipticCurvePrivateKey,
    *,
    authority: bool,
    serial: int,
) -> x509.Certificate:
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(VALID_FROM)
        .not_valid_after(CA_VALID_UNTIL if authority else VALID_UNTIL)
        .add_extension(x509.BasicConstraints(ca=authority, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=not authority,
                content_commitment=not authority,  # non-repudiation: what a signer's cert carries
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=authority,
                crl_sign=authority,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
            critical=False,
        )
    )
    return builder.sign(issuer_key, hashes.SHA256())


def make_identity(
    signer_name: str = "Sở Tư pháp tỉnh Bắc Ninh",
    organisation: str = "UBND tỉnh Bắc Ninh",
    *,
    root_name: str = "Test Root CA (throwaway)",
    pki_name: str = "Test PKI",
    serial: int = 0x5EED,
) -> SigningIdentity:
    """A fresh authority and signer (new keys each call)."""
    root_key = ec.generate_private_key(ec.SECP256R1())
    middle_key = ec.generate_private_key(ec.SECP256R1())
    signer_key = ec.generate_private_key(ec.SECP256R1())
    root_subject = _name(root_name, pki_name)
    middle_subject = _name(root_name.replace("Root", "Issuing"), pki_name)
    root = _certificate(root_subject, root_key, root_subject, root_key, authority=True, serial=1)
    intermediate = _certificate(
        middle_subject, middle_key, root_subject, root_key, authority=True, serial=2
    )
    signer = _certificate(
        _name(signer_name, organisation),
        signer_key,
        middle_subject,
        middle_key,
        authority=False,
        serial=serial,
    )
    return SigningIdentity(root, intermediate, signer, signer_key)


def plain_pdf(text: str = "KET QUA GIAI QUYET THU TUC HANH CHINH") -> bytes:
    """A one-page PDF with `text` (latin-1: fpdf2's core font), streams uncompressed."""
    from fpdf import FPDF

    document = FPDF()
    document.set_compression(False)
    document.add_page()
    document.set_font("Helvetica", size=14)
    document.cell(text=text)
    return bytes(document.output())


def sign_pdf(pdf: bytes, identity: SigningIdentity, *, field_name: str = "KetQua") -> bytes:
    """`pdf` with an approval signature (PAdES) by `identity`, added as an incremental update.
    The chain (intermediate) travels in the signature, as a real signer's software sends it."""
    from asn1crypto import keys  # type: ignore[import-untyped]
    from asn1crypto import x509 as asn1_x509
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
    from pyhanko.sign.fields import SigSeedSubFilter
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    def der(certificate: x509.Certificate) -> asn1_x509.Certificate:
        return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))

    key = keys.PrivateKeyInfo.load(
        identity.signer_key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    signer = signers.SimpleSigner(
        signing_cert=der(identity.signer),
        signing_key=key,
        cert_registry=SimpleCertificateStore.from_certs([der(identity.intermediate)]),
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    meta = signers.PdfSignatureMetadata(field_name=field_name, subfilter=SigSeedSubFilter.PADES)
    out = signers.sign_pdf(writer, meta, signer=signer)
    return bytes(out.getvalue())


def authority_dir(state_dir: Path | None = None) -> Path:
    return (state_dir or LOCAL_STATE.parent) / AUTHORITY_DIR


def local_authority(state_dir: Path | None = None) -> SigningIdentity:
    """The local stage's authority: read from `<state_dir>/dev-signing/`, made there first if
    missing (default state_dir: the project's `.local-state/`). Safe when two processes ask at
    once: each writes a folder of its own and renames it into place; the first one wins and the
    other reads it."""
    folder = authority_dir(state_dir)
    if not (folder / SIGNER_KEY_FILE).exists():
        folder.parent.mkdir(parents=True, exist_ok=True)
        identity = make_identity(
            LOCAL_SIGNER,
            LOCAL_ORGANISATION,
            root_name=LOCAL_ROOT_NAME,
            pki_name="motcua local development",
        )
        draft = Path(tempfile.mkdtemp(prefix=f".{AUTHORITY_DIR}-", dir=folder.parent))
        identity.write(draft)
        try:
            os.rename(draft, folder)
        except OSError:  # made meanwhile by another process: keep its
            for leftover in draft.iterdir():
                leftover.unlink()
            draft.rmdir()
    return SigningIdentity.read(folder)


def trust_environment(stage: str, state_dir: Path | None = None) -> dict[str, str]:
    """The variables that make a stack of `stage` trust the local authority: for the local stage
    only (made on first use); nothing for any other stage."""
    if stage != LOCAL_STAGE:
        return {}
    local_authority(state_dir)
    return {TRUST_ROOTS_VARIABLE: str(authority_dir(state_dir) / ROOT_FILE)}
