"""A submission sent again under the same external id: the same one, an update, or a conflict.

A portal retries (the same body: the same receipt), the national portal corrects a dossier it
sent (`isUpdating` "True": an update, recorded in the dossier's history), or two different
dossiers arrive under one id (a conflict: 409 naming the id's field, never one of them
silently dropped). What is "the same" is the normalised request (`IntakeRequest`): two bodies
that differ only in key order, spacing or the spelling of a date are the same submission.

What an update may change is what a citizen may correct without a new dossier: their own
details, the summary, the documents and fees listed, the portal's appointment and the online
flags. Which procedure, which agency, which counter, when and through which channel it was
submitted are what the dossier was received as: changing them is a new dossier.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Final

from chalicelib.intake.model import IntakeRequest

# Our field → the national portal's key, for messages about a DongBoHoSoMC item.
DVCQG_FIELDS: Final = {
    "external_id": "MaHoSo",
    "code": "MaHoSo",
    "procedure_code": "MaTTHC",
    "procedure_title": "TenTTHC",
    "channel": "KenhThucHien",
    "applicant": "ChuHoSo",
    "resolving_agency": "DonViXuLy",
    "resolving_agency_named": "DonViXuLy",
    "received_by_agency": "NoiNopHoSo",
    "received_by_unit": "NoiNopHoSo",
    "submitted_at": "NgayTiepNhan",
    "portal_due_at": "NgayHenTra",
    "awaiting_counter_check": "TrangThaiHoSo",
    "summary": "TrichYeuHoSo",
    "documents": "TaiLieuNop",
    "fees": "DanhSachLePhi",
    "paid_online": "DuocThanhToanTrucTuyen",
    "digitised": "HoSoCoThanhPhanSoHoa",
}
LABELS_VI: Final = {
    "procedure_code": "thủ tục",
    "procedure_title": "tên thủ tục",
    "channel": "kênh nộp",
    "applicant": "thông tin chủ hồ sơ",
    "resolving_agency": "cơ quan giải quyết",
    "resolving_agency_named": "cơ quan giải quyết",
    "received_by_agency": "nơi nộp hồ sơ",
    "received_by_unit": "nơi nộp hồ sơ",
    "submitted_at": "thời điểm nộp",
    "portal_due_at": "ngày hẹn trả trên Cổng DVCQG",
    "awaiting_counter_check": "trạng thái tiếp nhận",
    "summary": "trích yếu",
    "documents": "thành phần hồ sơ",
    "fees": "phí, lệ phí",
    "paid_online": "thanh toán trực tuyến",
    "digitised": "số hóa",
    "code": "mã hồ sơ",
    "source": "nguồn",
}
# What a dossier was received as: not changed by an update.
LOCKED: Final = frozenset({
    "external_id", "code", "procedure_code", "channel", "resolving_agency",
    "resolving_agency_named", "received_by_agency", "received_by_unit", "submitted_at",
    "awaiting_counter_check", "source",
})  # fmt: skip


def fingerprint(request: IntakeRequest) -> str:
    """The SHA-256 of the normalised request: equal exactly when two submissions are the same."""
    return hashlib.sha256(request.model_dump_json().encode()).hexdigest()


def id_field(request: IntakeRequest) -> str:
    """The caller's name of the external id: `MaHoSo` in a DongBoHoSoMC item."""
    return field_name(request, "external_id")


def field_name(request: IntakeRequest, name: str) -> str:
    return DVCQG_FIELDS.get(name, name) if request.source == "dvcqg" else name


@dataclass(frozen=True)
class FieldChange:
    field: str  # our name
    shown_as: str  # the caller's name (a DVCQG key for a portal item)
    label_vi: str

    @property
    def locked(self) -> bool:
        return self.field in LOCKED


def changes(before: IntakeRequest, after: IntakeRequest) -> list[FieldChange]:
    """Every top-level field whose value differs, in the model's order."""
    return [
        FieldChange(name, field_name(after, name), LABELS_VI.get(name, name))
        for name in IntakeRequest.model_fields
        if getattr(before, name) != getattr(after, name)
    ]


def described_vi(found: list[FieldChange]) -> str:
    """`thông tin chủ hồ sơ, trích yếu`: each label once, in order."""
    return ", ".join(dict.fromkeys(change.label_vi for change in found))
