"""What the check of a result file's digital signatures found, and whether the result may be
attached to its dossier.

The check itself (pyHanko, the trust list) is `chalicelib/services/result_signatures.py`; this
module holds its outcome as a value stored on the file record and shown to officials, and the
policy of NĐ 45/2020/NĐ-CP art. 14(3) (docs/law.md, "Electronic results and their
signatures"): an electronic result carries the resolving agency's digital signature, intact,
unless the procedure's catalog entry says its result may go unsigned.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from typing import Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.domain.procedures import Procedure


class SignatureStatus(StrEnum):
    """A file's outcome, from the best to the worst."""

    VALID = "valid"  # every signature intact, document unchanged since, chain to a trusted root
    UNSIGNED = "unsigned"  # a readable PDF with no signature
    UNTRUSTED = "untrusted"  # intact and unchanged, but no chain to a root of the trust list
    INVALID = "invalid"  # bytes changed, modified after signing, revoked, or not checkable
    UNREADABLE = "unreadable"  # not a PDF we can read (garbage, encrypted)


class Problem(StrEnum):
    """Why a status is what it is: one message for officials each."""

    NONE = "none"
    NO_SIGNATURE = "no_signature"
    NOT_TRUSTED = "not_trusted"  # no path to a root of the trust list
    EXPIRED = "expired"  # the signer's (or a CA's) certificate out of its validity at the check
    CHAIN_FAILURE = "chain_failure"  # a path, but it fails (key usage, constraints, algorithm)
    BROKEN = "broken"  # the signed bytes or the signature value do not match
    MODIFIED = "modified"  # changes appended after signing that a signature does not allow
    REVOKED = "revoked"
    UNCHECKABLE = "uncheckable"  # a signature pyHanko cannot evaluate (format, algorithm)
    UNREADABLE = "unreadable"
    ENCRYPTED = "encrypted"


STATUS_OF: dict[Problem, SignatureStatus] = {
    Problem.NONE: SignatureStatus.VALID,
    Problem.NO_SIGNATURE: SignatureStatus.UNSIGNED,
    Problem.NOT_TRUSTED: SignatureStatus.UNTRUSTED,
    Problem.EXPIRED: SignatureStatus.UNTRUSTED,
    Problem.CHAIN_FAILURE: SignatureStatus.UNTRUSTED,
    Problem.BROKEN: SignatureStatus.INVALID,
    Problem.MODIFIED: SignatureStatus.INVALID,
    Problem.REVOKED: SignatureStatus.INVALID,
    Problem.UNCHECKABLE: SignatureStatus.INVALID,
    Problem.UNREADABLE: SignatureStatus.UNREADABLE,
    Problem.ENCRYPTED: SignatureStatus.UNREADABLE,
}

# What officials read (and what a refused attachment says).
MESSAGES: dict[Problem, str] = {
    Problem.NONE: "Chữ ký số hợp lệ",
    Problem.NO_SIGNATURE: "Không có chữ ký số",
    Problem.NOT_TRUSTED: "Chứng thư không thuộc danh sách tin cậy",
    Problem.EXPIRED: "Chứng thư số đã hết hạn hoặc chưa có hiệu lực",
    Problem.CHAIN_FAILURE: "Chứng thư số không được xác thực",
    Problem.BROKEN: "Chữ ký số không hợp lệ: nội dung đã ký không còn nguyên vẹn",
    Problem.MODIFIED: "Tài liệu đã bị sửa sau khi ký",
    Problem.REVOKED: "Chứng thư số đã bị thu hồi",
    Problem.UNCHECKABLE: "Không kiểm tra được chữ ký số",
    Problem.UNREADABLE: "Không đọc được tệp PDF",
    Problem.ENCRYPTED: "Tệp PDF được mã hóa, không kiểm tra được chữ ký số",
}

_SEVERITY = {
    status: rank
    for rank, status in enumerate(
        (
            SignatureStatus.VALID,
            SignatureStatus.UNSIGNED,
            SignatureStatus.UNTRUSTED,
            SignatureStatus.INVALID,
            SignatureStatus.UNREADABLE,
        )
    )
}


class Signer(BaseModel):
    """Who the signer's certificate names."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    common_name: str = ""
    organisation: str = ""
    serial: str = ""  # the certificate's serial number, hexadecimal
    issuer: str = ""  # the issuing CA's common name


class SignatureFinding(BaseModel):
    """One signature of the file, as checked."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    field: str = ""  # the PDF signature field's name
    problem: Problem
    intact: bool  # the bytes the signature covers hash to what was signed, and it verifies
    modified_after_signing: bool  # later updates beyond what a signature allows, or unclear cover
    chain_trusted: bool  # a valid path from the signer's certificate to a trust-list root
    signer: Signer
    signed_at: datetime | None = None
    # "timestamp": a trusted timestamp token's time; "claimed": the time the signer says.
    signed_at_source: Literal["timestamp", "claimed"] | None = None
    reason: str = ""  # in English, for logs and operators

    @property
    def status(self) -> SignatureStatus:
        return STATUS_OF[self.problem]


class SignatureCheck(BaseModel):
    """A result file's outcome: the worst of its signatures (JSON-serialisable, stored on the
    file record). Top-level signer and time are the worst signature's (the first on a tie)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    status: SignatureStatus
    problem: Problem
    intact: bool  # every signature intact (False when there is none to be)
    modified_after_signing: bool  # any signature's document modified after it
    chain_trusted: bool  # every signature's chain trusted (False when there is none)
    signer: Signer | None = None
    signed_at: datetime | None = None
    signed_at_source: Literal["timestamp", "claimed"] | None = None
    reason: str
    message: str  # Vietnamese, for officials
    revocation_checked: bool = False  # whether certificates' revocation was looked up
    signatures: tuple[SignatureFinding, ...] = Field(default_factory=tuple)

    @classmethod
    def of_file(cls, problem: Problem, reason: str) -> SignatureCheck:
        """An outcome for the whole file, with no signature to show (unsigned, unreadable)."""
        return cls(
            status=STATUS_OF[problem],
            problem=problem,
            intact=False,
            modified_after_signing=False,
            chain_trusted=False,
            reason=reason,
            message=MESSAGES[problem],
        )

    @classmethod
    def of_signatures(
        cls, findings: Sequence[SignatureFinding], *, revocation_checked: bool
    ) -> SignatureCheck:
        """The worst of `findings` (at least one)."""
        if not findings:
            raise ValueError("of_signatures needs at least one finding; use of_file")
        worst = max(findings, key=lambda finding: _SEVERITY[finding.status])
        return cls(
            status=worst.status,
            problem=worst.problem,
            intact=all(finding.intact for finding in findings),
            modified_after_signing=any(finding.modified_after_signing for finding in findings),
            chain_trusted=all(finding.chain_trusted for finding in findings),
            signer=worst.signer,
            signed_at=worst.signed_at,
            signed_at_source=worst.signed_at_source,
            reason=worst.reason,
            message=MESSAGES[worst.problem],
            revocation_checked=revocation_checked,
            signatures=tuple(findings),
        )


def worst(statuses: Sequence[SignatureStatus]) -> SignatureStatus:
    """The worst of several files' statuses (a dossier with more than one result file)."""
    return max(statuses, key=_SEVERITY.__getitem__)


class Acceptance(NamedTuple):
    ok: bool
    reason: str  # Vietnamese: shown to the official when refused, and recorded


def result_acceptable(check: SignatureCheck, procedure: Procedure) -> Acceptance:
    """Whether a result file with this signature outcome may be attached to a dossier of
    `procedure`. The stricter reading (docs/law.md): a required signature must be valid, that
    is, chain to a root of the trust list; an untrusted one is accepted only where the result
    may go unsigned anyway, and is shown as untrusted. Broken, modified-after-signing, revoked
    and unreadable files are refused everywhere."""
    optional = procedure.result_signature == "optional"
    match check.status:
        case SignatureStatus.VALID:
            return Acceptance(True, check.message)
        case SignatureStatus.UNSIGNED | SignatureStatus.UNTRUSTED if optional:
            return Acceptance(True, f"{check.message} (thủ tục không bắt buộc ký số kết quả)")
        case SignatureStatus.UNSIGNED:
            return Acceptance(False, "Kết quả điện tử phải có chữ ký số của cơ quan giải quyết")
        case _:
            return Acceptance(False, check.message)
