"""What the national public-service portal (DVCQG) is told: a dossier as `DongBoHoSoMC` and each
processing step as `CapNhatTienDoHoSoMC` (field names from DOMAIN.md, "National portal sync").

Pure: the sync service loads the dossier and passes in the names it needs. Dates are
`yyyyMMddHHmmss` in local time (Asia/Ho_Chi_Minh), as the portal writes them itself.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Final

from chalicelib.domain.calendar import LOCAL_TZ
from chalicelib.domain.dossier import Action, Dossier, HistoryEntry
from chalicelib.domain.procedures import Procedure
from chalicelib.domain.statuses import DossierStatus, Role

DOSSIER_SERVICE: Final = "DongBoHoSoMC"
PROGRESS_SERVICE: Final = "CapNhatTienDoHoSoMC"

# ChucDanh: the title the portal shows beside the official's name.
ROLE_TITLES_VI: Final[dict[Role, str]] = {
    Role.LEADER: "Lãnh đạo",
    Role.SPECIALIST: "Chuyên viên",
    Role.RECEIVER: "Cán bộ một cửa",
    Role.ADMIN: "Quản trị hệ thống",
    Role.SYSTEM: "Hệ thống liên thông",
}
_TITLE_ORDER: Final = (Role.LEADER, Role.SPECIALIST, Role.RECEIVER, Role.ADMIN, Role.SYSTEM)

UnitName = Callable[[str, str], str]  # (agency, unit) → "<unit> - <agency>"


def portal_moment(moment: datetime | None) -> str:
    """An aware datetime → `yyyyMMddHHmmss` local time; None → "" (the portal's blank)."""
    return moment.astimezone(LOCAL_TZ).strftime("%Y%m%d%H%M%S") if moment else ""


def _title(roles: Sequence[Role]) -> str:
    return next((ROLE_TITLES_VI[r] for r in _TITLE_ORDER if r in roles), "")


def _returned_at(history: Sequence[HistoryEntry]) -> datetime | None:
    return next((e.at for e in history if e.to_status is DossierStatus.RETURNED), None)


def dossier_item(
    dossier: Dossier,
    procedure: Procedure | None,
    history: Sequence[HistoryEntry],
    *,
    received_at_name: str,
) -> dict[str, Any]:
    """The dossier as the portal keeps it: the latest status, dates and flags. The portal
    upserts by `MaHoSo`, so pushing the same snapshot twice changes nothing."""
    applicant = dossier.applicant
    supplements = [
        {"NgayYeuCau": portal_moment(e.at), "NoiDung": e.note}
        for e in history
        if e.action is Action.REQUEST_SUPPLEMENT
    ]
    fees = procedure.fees if procedure else []
    return {
        "MaHoSo": dossier.code,
        "MaTTHC": dossier.procedure_code,
        "TenTTHC": procedure.name if procedure else "",
        "MaLinhVuc": "",  # the catalog keeps the field's name only
        "TenLinhVuc": procedure.field if procedure else "",
        "KenhThucHien": int(dossier.channel),
        "ChuHoSo": applicant.name,
        "LoaiDoiTuong": int(applicant.kind),
        "MaDoiTuong": "",
        "SoGiayToChuHoSo": applicant.id_number or "",
        "SoDienThoai": applicant.phone or "",
        "Email": applicant.email or "",
        "TrichYeuHoSo": procedure.name if procedure else "",
        "NgayTiepNhan": portal_moment(dossier.received_at or dossier.submitted_at),
        "NgayHenTra": portal_moment(dossier.due_at),
        "TrangThaiHoSo": int(dossier.status),
        "NgayTra": portal_moment(_returned_at(history)),
        "NgayKetThucXuLy": portal_moment(dossier.ended_at),
        "DonViXuLy": dossier.resolving_agency,
        "NoiNopHoSo": received_at_name,
        "HoSoCoThanhPhanSoHoa": 1 if dossier.digitised else 0,
        "DuocThanhToanTrucTuyen": 1 if dossier.paid_online else 0,
        "TaiLieuNop": [],  # files stay with the portal that took them
        "DanhSachLePhi": [{"TenPhiLePhi": f.name, "MucPhi": f.amount_vnd} for f in fees],
        "DanhSachHoSoBoSung": supplements,
        "DanhSachGiayToKetQua": [],
    }


def progress_item(code: str, entry: HistoryEntry, *, unit_name: UnitName) -> dict[str, Any]:
    """One applied change as a processing step: the same entry always gives the same item, so
    a step pushed twice is recorded once."""
    note = f": {entry.note}" if entry.note else ""
    return {
        "MaHoSo": code,
        "NguoiXuLy": entry.actor_name,
        "ChucDanh": _title(entry.actor_roles),
        "ThoiDiemXuLy": portal_moment(entry.at),
        # A system speaks for its whole agency: no unit, its agency's code.
        "PhongBanXuLy": (
            unit_name(entry.actor_agency, entry.actor_unit)
            if entry.actor_unit
            else entry.actor_agency
        ),
        "NoiDungXuLy": f"{entry.action.label_vi}{note}",
        "TrangThai": int(entry.to_status),
        "NgayBatDau": portal_moment(entry.at),
        "NgayKetThucTheoQuyDinh": portal_moment(entry.due_at),
    }
