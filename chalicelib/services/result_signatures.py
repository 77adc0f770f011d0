"""Verify a result PDF's digital signatures: bytes in, a `SignatureCheck` out.

For every signature in the file (pyHanko): the bytes it covers hash to what was signed and the
signature value verifies (`intact`); nothing appended after it changes the document beyond what
a signature allows (another signature, form filling, validation data; `modified_after_signing`
from pyHanko's difference analysis); and the signer's certificate chains to a root of the trust
list at `now` (`chain_trusted`). The outcome is the worst signature's.

No network: certificates are never fetched (the chain must be in the signature, as signing
software sends it), and revocation is not looked up unless the trust list says so
(`MOTCUA_SIGNATURE_CHECK_REVOCATION`, which needs egress to the CAs' CRL and OCSP servers).
Without it, a revoked certificate is not noticed: the outcome says `revocation_checked: false`.

pyHanko and its certificate validator are imported inside the functions: only what checks a
result pays for them (cold start). Call this after the upload checks (type, size, pages,
decompression bombs): pyHanko reads the whole file.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from chalicelib.domain.result_signatures import (
    Problem,
    SignatureCheck,
    SignatureFinding,
    Signer,
)

if TYPE_CHECKING:
    from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
    from pyhanko_certvalidator import ValidationContext

_PEM_BEGIN = b"-----BEGIN CERTIFICATE-----"
_REASON_LENGTH = 300


@dataclass(frozen=True)
class TrustList:
    """The roots a signer's chain must reach (DER), and whether revocation is looked up.
    Empty: every signature is at best "untrusted" (intact but not trusted)."""

    roots: tuple[bytes, ...] = ()
    check_revocation: bool = False
    source: str = ""  # where it was read from, for logs and errors

    @classmethod
    def from_pem(
        cls, bundle: bytes, *, check_revocation: bool = False, source: str = ""
    ) -> TrustList:
        """From a PEM bundle (comments between certificates are allowed; none at all gives an
        empty list). A bundle that does not parse, or holds a certificate that is not a CA's,
        raises ValueError naming `source`: a wrong file must stop the start, not trust less."""
        if _PEM_BEGIN not in bundle:
            return cls((), check_revocation, source)
        from cryptography import x509
        from cryptography.hazmat.primitives.serialization import Encoding

        try:
            certificates = x509.load_pem_x509_certificates(bundle)
        except ValueError as error:
            raise ValueError(f"trust roots {source or '(bundle)'}: {error}") from None
        for certificate in certificates:
            try:
                authority = certificate.extensions.get_extension_for_class(
                    x509.BasicConstraints
                ).value.ca
            except x509.ExtensionNotFound:
                authority = False
            if not authority:
                raise ValueError(
                    f"trust roots {source or '(bundle)'}: {certificate.subject.rfc4514_string()} "
                    "is not a CA certificate"
                )
        roots = tuple(certificate.public_bytes(Encoding.DER) for certificate in certificates)
        return cls(roots, check_revocation, source)


def verify_result(pdf: bytes, trust: TrustList, *, now: datetime) -> SignatureCheck:
    """Check every signature of `pdf` against `trust` at the moment `now` (aware)."""
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.pdf_utils.reader import PdfFileReader

    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        if reader.encrypted:
            return SignatureCheck.of_file(Problem.ENCRYPTED, "the PDF is encrypted")
        embedded = list(reader.embedded_signatures)
    except (PdfError, ValueError, KeyError, TypeError, IndexError) as error:
        return SignatureCheck.of_file(Problem.UNREADABLE, _described(error))
    if not embedded:
        return SignatureCheck.of_file(Problem.NO_SIGNATURE, "the PDF has no signature")
    findings = [_check_one(signature, trust, now) for signature in embedded]
    return SignatureCheck.of_signatures(findings, revocation_checked=trust.check_revocation)


def _validation_context(trust: TrustList, now: datetime) -> ValidationContext:
    from pyhanko.keys.pemder import load_certs_from_pemder_data
    from pyhanko_certvalidator import ValidationContext

    return ValidationContext(
        # An empty list trusts nothing (None would be the operating system's TLS roots).
        trust_roots=[cert for root in trust.roots for cert in load_certs_from_pemder_data(root)],
        moment=now,
        allow_fetching=trust.check_revocation,
        revocation_mode="hard-fail" if trust.check_revocation else "soft-fail",
    )


def _check_one(
    signature: EmbeddedPdfSignature, trust: TrustList, now: datetime
) -> SignatureFinding:
    from pyhanko.sign.validation import validate_pdf_signature, validate_pdf_timestamp
    from pyhanko.sign.validation.settings import KeyUsageConstraints

    field = str(signature.field_name or "")
    signer = _signer(signature)
    try:
        if signature.sig_object_type == "/DocTimeStamp":
            status: Any = validate_pdf_timestamp(
                signature, validation_context=_validation_context(trust, now)
            )
        else:
            status = validate_pdf_signature(
                signature,
                signer_validation_context=_validation_context(trust, now),
                # Vietnamese signing certificates carry non-repudiation, digital signature or
                # both: either is a signing key.
                key_usage_settings=KeyUsageConstraints(
                    key_usage={"non_repudiation", "digital_signature"},
                    match_all_key_usages=False,
                ),
            )
    except Exception as error:  # a signature that cannot be checked is not valid
        return SignatureFinding(
            field=field,
            problem=Problem.UNCHECKABLE,
            intact=False,
            modified_after_signing=False,
            chain_trusted=False,
            signer=signer,
            reason=_described(error),
        )
    return _finding(field, signer, status)


def _finding(field: str, signer: Signer, status: Any) -> SignatureFinding:
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    intact = bool(status.intact and status.valid)
    coverage = status.coverage
    modified = (
        status.docmdp_ok is not True
        or coverage is None
        or coverage < SignatureCoverageLevel.ENTIRE_REVISION
    )
    trusted = bool(status.trusted)
    problem, reason = _problem(status, intact=intact, modified=modified, trusted=trusted)
    signed_at, source = _signing_time(status)
    return SignatureFinding(
        field=field,
        problem=problem,
        intact=intact,
        modified_after_signing=modified,
        chain_trusted=trusted,
        signer=signer,
        signed_at=signed_at,
        signed_at_source=source,
        reason=reason,
    )


def _problem(status: Any, *, intact: bool, modified: bool, trusted: bool) -> tuple[Problem, str]:
    """The most serious thing wrong with one signature, and its reason in English."""
    from pyhanko.sign.ades.report import AdESIndeterminate

    if not intact:
        return Problem.BROKEN, "the signed bytes or the signature value do not match"
    if modified:
        level = status.modification_level
        return Problem.MODIFIED, (
            f"the document was modified after signing (coverage {_name(status.coverage)}, "
            f"modification level {_name(level)})"
        )
    if status.revoked:
        return Problem.REVOKED, "a certificate of the chain is revoked"
    timestamp = getattr(status, "timestamp_validity", None)
    if timestamp is not None and not (timestamp.intact and timestamp.valid):
        return Problem.BROKEN, "the signature's timestamp token does not match"
    if not trusted:
        indication = status.trust_problem_indic
        if indication == AdESIndeterminate.NO_CERTIFICATE_CHAIN_FOUND:
            return Problem.NOT_TRUSTED, "no chain from the signer's certificate to a trusted root"
        if indication in (
            AdESIndeterminate.OUT_OF_BOUNDS_NO_POE,
            AdESIndeterminate.OUT_OF_BOUNDS_NOT_REVOKED,
            AdESIndeterminate.EXPIRED,
            AdESIndeterminate.NOT_YET_VALID,
        ):
            return Problem.EXPIRED, f"a certificate is outside its validity ({_name(indication)})"
        return Problem.CHAIN_FAILURE, f"the chain does not validate ({_name(indication)})"
    if timestamp is not None and not timestamp.trusted:
        return Problem.NOT_TRUSTED, "the signature's timestamp authority is not trusted"
    return Problem.NONE, "intact, unchanged since signing, chain to a trusted root"


def _signing_time(status: Any) -> tuple[datetime | None, Any]:
    timestamp = getattr(status, "timestamp_validity", None)
    if timestamp is not None and timestamp.trusted:
        return timestamp.timestamp, "timestamp"
    if getattr(status, "timestamp", None) is not None:  # a document timestamp's own time
        return status.timestamp, "timestamp" if status.trusted else "claimed"
    claimed = getattr(status, "signer_reported_dt", None)
    return (claimed, "claimed") if claimed is not None else (None, None)


def _signer(signature: EmbeddedPdfSignature) -> Signer:
    """Who the embedded certificate names (read before validation, so that a broken
    signature still says whose it claims to be)."""
    try:
        certificate = signature.signer_cert
        subject, issuer = certificate.subject.native, certificate.issuer.native
        return Signer(
            common_name=str(subject.get("common_name", "")),
            organisation=str(subject.get("organization_name", "")),
            serial=format(certificate.serial_number, "x"),
            issuer=str(issuer.get("common_name", "")),
        )
    except Exception:  # a malformed certificate: the check says the rest
        return Signer()


def _name(value: object) -> str:
    return getattr(value, "name", None) or str(value)


def _described(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:_REASON_LENGTH]
