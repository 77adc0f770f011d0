"""What the national public-service portal (DVCQG) is told: a dossier as `DongBoHoSoMC` and each
processing step as `CapNhatTienDoHoSoMC`, with the keys and types of docs/dvcqg-contract.md
(§2, §3): every scalar a string, blanks as "", lists always present.

Pure: the sync service loads the dossier and passes in the names it needs. Dates are
`yyyyMMddHHmmss` in local time (Asia/Ho_Chi_Minh), as the portal writes them itself.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from chalicelib.domain.calendar import LOCAL_TZ
from chalicelib.domain.dossier import Action, Dossier, HistoryEntry
from chalicelib.domain.files import FileKind, StoredFile
from chalicelib.domain.procedures import Procedure
from chalicelib.domain.statuses import ApplicantKind, Channel, DossierStatus, Role

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

UnitName = Callable[[str, str | None], str]  # (agency, unit) → "<unit> - <agency>"

# NoiNopHoSo is a code, not an agency (contract §2): TD and X1 send "2" (submitted on the
# province's own system); "1" is what the portal sends for dossiers submitted on it.
SUBMITTED_ON_PROVINCE_SYSTEM: Final = "2"
SUMMARY_LIMIT: Final = 1000
ACTOR_NAME_LIMIT: Final = 50  # NguoiXuLy: TD cuts it there (contract §3)
_OPENINGS: Final = (Action.RECEIVE, Action.SUBMIT)


def portal_moment(moment: datetime | None) -> str:
    """An aware datetime → `yyyyMMddHHmmss` local time; None → "" (the portal's blank)."""
    return moment.astimezone(LOCAL_TZ).strftime("%Y%m%d%H%M%S") if moment else ""


def _title(roles: Sequence[Role]) -> str:
    return next((ROLE_TITLES_VI[r] for r in _TITLE_ORDER if r in roles), "")


def _first_at(history: Sequence[HistoryEntry], action: Action) -> datetime | None:
    return next((e.at for e in history if e.action is action), None)


def _returned_at(history: Sequence[HistoryEntry]) -> datetime | None:
    return next((e.at for e in history if e.to_status is DossierStatus.RETURNED), None)


def summary(procedure: Procedure | None, history: Sequence[HistoryEntry]) -> str:
    """TrichYeuHoSo: the dossier's own summary, which intake keeps as the note of the opening
    entry (receive or submit) and an update records when it changes it; the procedure's name
    when there is none. Never blank, at most 1,000 characters (contract §2)."""
    updated = [e.summary for e in history if e.summary is not None]
    opening = history[0] if history else None
    note = opening.note.strip() if opening and opening.action in _OPENINGS else ""
    if updated:
        note = updated[-1].strip()
    return (note or (procedure.name if procedure else ""))[:SUMMARY_LIMIT]


@dataclass(frozen=True)
class LinkedFile:
    """A stored file and the URL the portal fetches it from (the sync service makes it: a
    stable public link, chalicelib/services/file_links.py)."""

    stored: StoredFile
    url: str


def document_items(code: str, history: Sequence[HistoryEntry]) -> list[dict[str, str]]:
    """TaiLieuNop (contract §2.2) for a dossier with no stored component file: the documents as
    intake last received them (the opening entry's, or a later update's). The id is the code
    and position, so that the same list pushed again is the same list."""
    lists = [e.documents for e in history if e.documents is not None]
    return [
        {
            "TepDinhKemId": f"{code}-{n}",
            "TenTepDinhKem": document.name,
            "IsDeleted": "False",
            "MaThanhPhanHoSo": "",
            "DuongDanTaiTepTin": document.url or "",
            "DuocSoHoa": "1" if document.digitised else "0",
        }
        for n, document in enumerate(lists[-1] if lists else (), start=1)
    ]


def stored_document_items(files: Sequence[LinkedFile]) -> list[dict[str, str]]:
    """TaiLieuNop (contract §2.2) from the dossier's stored component files, digitised all: the
    file id (stable: the same bytes as the same component are the same file), its name, its
    catalog component and the link the portal fetches it from."""
    return [
        {
            "TepDinhKemId": f.stored.file_id,
            "TenTepDinhKem": f.stored.name,
            "IsDeleted": "False",
            "MaThanhPhanHoSo": f.stored.component or "",
            "DuongDanTaiTepTin": f.url,
            "DuocSoHoa": "1",
        }
        for f in _by_id(files, FileKind.COMPONENT)
    ]


def result_items(files: Sequence[LinkedFile]) -> list[dict[str, str]]:
    """DanhSachGiayToKetQua (contract §2.5): each stored result file (every one stored was
    accepted, its signature checked, when it was recorded). `MaThanhPhanHoSo` is the result's
    part code in OpenCPS, which our catalog has none of: "". `MaGiayToKetQua` is TD's
    procedure's main result code (MaKetQuaChinh), which the catalog does not keep: ""."""
    return [
        {
            "TenGiayTo": f.stored.name,
            "MaThanhPhanHoSo": f.stored.component or "",
            "GiayToId": f.stored.file_id,
            "DuongDanTepTinKetQua": f.url,
            "MaGiayToKetQua": "",
        }
        for f in _by_id(files, FileKind.RESULT)
    ]


def _by_id(files: Sequence[LinkedFile], kind: FileKind) -> list[LinkedFile]:
    """One kind's files in a stable order (the same files, the same list at every push)."""
    return sorted((f for f in files if f.stored.kind is kind), key=lambda f: f.stored.file_id)


def fee_items(procedure: Procedure | None) -> list[dict[str, str]]:
    """DanhSachLePhi (contract §2.3): `Gia` in VND as a string of digits. The value sets of
    `MaPhiLePhi`, `HinhThucThu` and `LoaiPhiLePhi` are not known; "1" is what TD sends."""
    fees = procedure.fees if procedure else []
    return [
        {
            "TenPhiLePhi": f.name,
            "MaPhiLePhi": "1",
            "HinhThucThu": "1",
            "Gia": str(f.amount_vnd),
            "LoaiPhiLePhi": "1",
        }
        for f in fees
    ]


def supplement_items(history: Sequence[HistoryEntry]) -> list[dict[str, Any]]:
    """DanhSachHoSoBoSung (contract §2.4): each supplement request, with the supplement that
    answered it (the next `supplement_received`). Its id is the request's history version,
    the same every time the dossier is pushed."""
    items: list[dict[str, Any]] = []
    for n, asked in enumerate(history):
        if asked.action is not Action.REQUEST_SUPPLEMENT:
            continue
        answered = _answer_to(history[n + 1 :])
        items.append(
            {
                "HoSoBoSungId": str(asked.version),
                "NguoiYeuCauBoSung": asked.actor_name,
                "NoiDungBoSung": asked.note,
                "NgayBoSung": portal_moment(asked.at),
                "NguoiTiepNhanBoSung": answered.actor_name if answered else "",
                "ThongTinTiepNhan": answered.note if answered else "",
                "NgayTiepNhanBoSung": portal_moment(answered.at if answered else None),
                "TrangThaiBoSung": "1" if answered else "0",
                "DanhSachGiayToBoSung": [],
                "DanhSachLePhiBoSung": [],
                "NgayHenTraTruoc": portal_moment(asked.due_at),
                "NgayHenTraMoi": portal_moment(answered.due_at if answered else None),
            }
        )
    return items


def _answer_to(later: Sequence[HistoryEntry]) -> HistoryEntry | None:
    """The supplement received after a request, unless another request came first."""
    for entry in later:
        if entry.action is Action.SUPPLEMENT_RECEIVED:
            return entry
        if entry.action is Action.REQUEST_SUPPLEMENT:
            return None
    return None


def identity_items(applicant_kind: ApplicantKind, id_number: str | None) -> list[dict[str, str]]:
    """DinhDanhCHS: a person's 12-digit CCCD ("1") or 9-digit id card ("2"); other numbers
    (tax codes, passports) have no type in the contract, so none is sent."""
    number = id_number or ""
    if applicant_kind is ApplicantKind.STATE_AGENCY or not number.isdigit():
        return []
    kind = {12: "1", 9: "2"}.get(len(number))
    return [{"LoaiDinhDanh": kind, "SoDinhDanh": number}] if kind else []


def dossier_item(
    dossier: Dossier,
    procedure: Procedure | None,
    history: Sequence[HistoryEntry],
    *,
    resolving_agency_name: str,
    files: Sequence[LinkedFile] = (),
) -> dict[str, Any]:
    """The dossier as the portal keeps it: the latest status, dates and flags, every scalar a
    string ("" when blank) and every list present (contract §2). Pushing the same snapshot
    twice changes nothing at the portal. `files`: the dossier's stored files with their public
    links; the documents intake received stand in for components while none is stored."""
    applicant = dossier.applicant
    fees = fee_items(procedure)
    stored_documents = stored_document_items(files)
    if dossier.paid_online:
        paid_online = "1"
    elif fees or dossier.fees_requested:
        paid_online = "3"  # a fee is owed, not paid online (TD)
    else:
        paid_online = "0"
    return {
        "MaHoSo": dossier.code,
        "MaTTHC": dossier.procedure_code,
        "TenTTHC": procedure.name if procedure else "",
        "MaLinhVuc": (procedure.field_code or "") if procedure else "",
        "TenLinhVuc": procedure.field if procedure else "",
        "KenhThucHien": str(int(dossier.channel)),
        "SoBienNhan": "",
        "ChuHoSo": applicant.name,
        "SoGiayToChuHoSo": applicant.id_number or "",
        "LoaiDoiTuong": str(int(applicant.kind)),
        "MaDoiTuong": "",  # the applicant's portal account: not kept by intake
        "ThongTinKhac": "",
        "Email": applicant.email or "",
        "Fax": "",
        "SoDienThoai": applicant.phone or "",
        "TrichYeuHoSo": summary(procedure, history),
        "NgayTiepNhan": portal_moment(dossier.received_at or dossier.submitted_at),
        "NgayHenTra": portal_moment(dossier.due_at),
        "TrangThaiHoSo": str(int(dossier.status)),
        "NgayTra": portal_moment(_returned_at(history)),
        "ThongTinTra": "",
        # How the result goes back: "1" by post for a postal dossier, else "0" at the desk.
        "HinhThuc": "1" if dossier.channel is Channel.POSTAL else "0",
        "NgayKetThucXuLy": portal_moment(dossier.ended_at),
        "DonViXuLy": resolving_agency_name,
        "GhiChu": "",
        "NoiNopHoSo": SUBMITTED_ON_PROVINCE_SYSTEM,
        # "1" when a submitted document is digitised (contract §2): a stored component is.
        "HoSoCoThanhPhanSoHoa": "1" if dossier.digitised or stored_documents else "0",
        "TaiKhoanDuocXacThucVoiVNeID": "0",  # not known to intake
        "DuocThanhToanTrucTuyen": paid_online,
        "NgayTuChoi": portal_moment(_first_at(history, Action.REFUSE)),
        "NgayNopHoSo": portal_moment(dossier.submitted_at),
        "DinhDanhCHS": identity_items(applicant.kind, applicant.id_number),
        "DSKetNoiCSDL": [],
        "TaiLieuNop": stored_documents or document_items(dossier.code, history),
        "DanhSachLePhi": fees,
        "DanhSachTepDinhKemKhac": [],
        "DanhSachHoSoBoSung": supplement_items(history),
        "DanhSachGiayToKetQua": result_items(files),
    }


def progress_item(code: str, entry: HistoryEntry, *, unit_name: UnitName) -> dict[str, str]:
    """One applied change as a processing step: the same entry always gives the same item, so
    a step pushed twice is recorded once."""
    note = f": {entry.note}" if entry.note else ""
    return {
        "MaHoSo": code,
        "NguoiXuLy": entry.actor_name[:ACTOR_NAME_LIMIT],
        "ChucDanh": _title(entry.actor_roles),
        "ThoiDiemXuLy": portal_moment(entry.at),
        # A system speaks for its whole agency: no unit, its agency's name.
        "PhongBanXuLy": unit_name(entry.actor_agency, entry.actor_unit),
        "NoiDungXuLy": f"{entry.action.label_vi}{note}",
        "TrangThai": str(int(entry.to_status)),
        "NgayBatDau": portal_moment(entry.at),
        "NgayKetThucTheoQuyDinh": portal_moment(entry.due_at),
    }
