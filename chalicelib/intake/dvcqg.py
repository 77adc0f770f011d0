"""`DongBoHoSoMC`: one dossier item as the national public-service portal (DVCQG) syncs it.

Field names are the portal's (DOMAIN.md, "National portal sync"). Tolerant where production
integrations differ, strict where a value would be guessed:
- unknown fields are ignored (the portal adds fields over time);
- codes and flags come as numbers or numeric strings (`2` or `"2"`; flags also `true`/`"True"`);
  an empty string or null is an absent optional value;
- dates are `yyyyMMddHHmmss` strings in local time (Asia/Ho_Chi_Minh), never ISO, never numbers;
- text must be JSON strings (a phone sent as a number has lost its leading zero).
Only statuses 1 (Mới đăng ký) and 2 (Được tiếp nhận) are taken in; later statuses are progress
(CapNhatTienDoHoSoMC), not new dossiers. Mapping to IntakeRequest: docs/intake-schema.md.

Agencies (docs/dvcqg-contract.md §2): the dossier is received by the agency that gave `MaHoSo`
(its prefix); `DonViXuLy` is a name or a code, kept as sent and resolved against the registry
and its alias table by `checks.resolve_agencies`, after the prefix and the catalog; `NoiNopHoSo`
is where the dossier was submitted ("1" DVCQG, "2" the province's own system), not an agency.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Final

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictStr,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from chalicelib.domain.calendar import LOCAL_TZ
from chalicelib.domain.codes import AGENCY_ID, parse_code
from chalicelib.domain.dossier import Applicant, SubmittedDocument
from chalicelib.domain.identifiers import DEFAULT_UNIT
from chalicelib.domain.statuses import ApplicantKind, Channel, DossierStatus
from chalicelib.intake import checks
from chalicelib.intake.errors import IntakeInvalid, as_field_error, checked, issues_from
from chalicelib.intake.model import FeeLine, IntakeContext, IntakeRequest

SERVICE: Final = "DongBoHoSoMC"
INTAKE_STATUSES: Final = frozenset({DossierStatus.SUBMITTED, DossierStatus.RECEIVED})
# DuocThanhToanTrucTuyen: 0 not paid online, 1 paid on DVCQG, 2 paid through the province's
# payment portal (QĐ 766 indicator 3.6 counts both).
PAID_ONLINE_CODES: Final = frozenset({1, 2})
# 3: a fee is due and was not paid online (TD; docs/dvcqg-contract.md §2).
PAYMENT_CODES: Final = frozenset({0, *PAID_ONLINE_CODES, 3})
# NoiNopHoSo: where the dossier was submitted (docs/dvcqg-contract.md §2; TD and X1 send "2").
SUBMISSION_PLACES: Final = {1: "DVCQG", 2: "the province's or ministry's own system"}
_PORTAL_MOMENT: Final = re.compile(r"[0-9]{14}")
_DIGITS: Final = re.compile(r"[0-9]{1,15}")
_TRUE: Final = frozenset({"1", "true"})
MAX_NAMED: Final = 500  # a procedure's or an agency's name as the portal writes it
_FALSE: Final = frozenset({"0", "false"})


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _absent_if_blank(value: object) -> object:
    return None if _blank(value) else value


def _number(value: object) -> int:
    """A numeric code: 2 or "2"."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and _DIGITS.fullmatch(value.strip()):
        return int(value.strip())
    raise as_field_error(
        'must be a number code such as 2 or "2"', 'Phải là mã số, ví dụ 2 hoặc "2"'
    )


def _optional_number(value: object) -> int | None:
    return None if _blank(value) else _number(value)


def _flag(value: object) -> bool | None:
    """A yes/no flag: 1/0, "1"/"0", true/false, "True"/"False"; blank is absent."""
    if _blank(value):
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise as_field_error('must be 1 or 0 ("1"/"0", true/false)', "Phải là 1 hoặc 0")


def _amount(value: object) -> int:
    """An amount in đồng: an integer or a string of digits; blank is 0 (the portal's "no fee").
    "50.000" is refused: a thousands separator is not guessed."""
    if _blank(value):
        return 0
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, str) and _DIGITS.fullmatch(value.strip()):
        return int(value.strip())
    raise as_field_error(
        "must be a whole number of đồng, as digits without separators (50000)",
        "Số tiền phải là số nguyên đồng, không có dấu phân cách",
    )


def parse_portal_moment(value: object) -> datetime | None:
    """`yyyyMMddHHmmss` in local time → an aware datetime; blank → None."""
    if _blank(value):
        return None
    if not isinstance(value, str) or not _PORTAL_MOMENT.fullmatch(value.strip()):
        raise as_field_error(
            "must be a local date and time written yyyyMMddHHmmss, e.g. 20260105083000",
            "Thời điểm phải có dạng yyyyMMddHHmmss",
        )
    text = value.strip()
    try:
        return datetime(
            int(text[0:4]),
            int(text[4:6]),
            int(text[6:8]),
            int(text[8:10]),
            int(text[10:12]),
            int(text[12:14]),
            tzinfo=LOCAL_TZ,
        )
    except ValueError:
        raise as_field_error(
            f"{text} is not a real date and time", "Ngày giờ không tồn tại"
        ) from None


def _list(value: object) -> object:
    return [] if _blank(value) else value


def _submission_place(value: object) -> object:
    """NoiNopHoSo: a place code (2 or "2"), an agency identifier kept as text, or blank."""
    if isinstance(value, str) and AGENCY_ID.fullmatch(value.strip()):
        return value.strip()
    return _optional_number(value)


Number = Annotated[int, BeforeValidator(_number)]
OptionalNumber = Annotated[int | None, BeforeValidator(_optional_number)]
Flag = Annotated[bool | None, BeforeValidator(_flag)]
PortalMoment = Annotated[datetime | None, BeforeValidator(parse_portal_moment)]
OptionalText = Annotated[StrictStr | None, BeforeValidator(_absent_if_blank)]


class TaiLieuNopItem(BaseModel):
    """A submitted document. Items marked IsDeleted are dropped when mapping."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    TenTepDinhKem: StrictStr
    DuongDanTaiTepTin: OptionalText = None
    MaThanhPhanHoSo: OptionalText = None
    DuocSoHoa: Flag = None
    IsDeleted: Flag = None

    @field_validator("TenTepDinhKem")
    @classmethod
    def _name(cls, value: str) -> str:
        return checked(checks.clean_text, value, max_length=checks.MAX_TEXT)

    @field_validator("MaThanhPhanHoSo")
    @classmethod
    def _component(cls, value: str | None) -> str | None:
        return None if value is None else checked(checks.clean_text, value, max_length=100)

    @field_validator("DuongDanTaiTepTin")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        return checked(checks.check_url, value.strip(), schemes=("https", "http"))


class LePhiItem(BaseModel):
    """A fee line (DanhSachLePhi)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    TenPhiLePhi: StrictStr
    Gia: Annotated[int, BeforeValidator(_amount)] = 0

    @field_validator("TenPhiLePhi")
    @classmethod
    def _name(cls, value: str) -> str:
        return checked(checks.clean_text, value, max_length=checks.MAX_TEXT)


class DongBoHoSoMC(BaseModel):
    """One dossier item. Field order matters: `LoaiDoiTuong` is read before the id number."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    MaHoSo: StrictStr
    MaTTHC: StrictStr
    TenTTHC: OptionalText = None  # checked against the catalog's name of MaTTHC
    MaLinhVuc: Any = None
    TenLinhVuc: Any = None
    KenhThucHien: Number
    ChuHoSo: StrictStr
    LoaiDoiTuong: Number
    MaDoiTuong: Any = None  # the applicant's account on the portal; not used
    SoGiayToChuHoSo: OptionalText = None
    SoDienThoai: OptionalText = None
    Email: OptionalText = None
    TrichYeuHoSo: OptionalText = None
    NgayTiepNhan: PortalMoment
    NgayHenTra: PortalMoment = None  # the portal's appointment, kept beside ours
    TrangThaiHoSo: Number
    NgayTra: PortalMoment = None
    NgayKetThucXuLy: PortalMoment = None
    DonViXuLy: OptionalText = None  # a name (as integrations send it) or a code
    # "1"/"2"; an agency code of this province (the old convention of some senders) is
    # tolerated and not read: the receiving agency is MaHoSo's prefix.
    NoiNopHoSo: Annotated[int | str | None, BeforeValidator(_submission_place)] = None
    HoSoCoThanhPhanSoHoa: Flag = None
    DuocThanhToanTrucTuyen: OptionalNumber = None
    TaiLieuNop: Annotated[list[TaiLieuNopItem], BeforeValidator(_list)] = Field(
        default_factory=list
    )
    DanhSachLePhi: Annotated[list[LePhiItem], BeforeValidator(_list)] = Field(default_factory=list)
    DanhSachHoSoBoSung: Annotated[list[Any], BeforeValidator(_list)] = Field(default_factory=list)
    DanhSachGiayToKetQua: Annotated[list[Any], BeforeValidator(_list)] = Field(default_factory=list)

    @classmethod
    def validate_item(cls, data: Any, *, province: str, now: datetime) -> DongBoHoSoMC:
        """Validate one parsed item; raises IntakeInvalid listing every field at fault."""
        context = IntakeContext(province=province, now=now, source="dvcqg")
        try:
            return cls.model_validate(data, context=context.as_pydantic())
        except ValidationError as exc:
            raise IntakeInvalid(issues_from(exc)) from None

    # -- field checks -----------------------------------------------------------------------
    @field_validator("MaHoSo")
    @classmethod
    def _code(cls, value: str, info: ValidationInfo) -> str:
        province = IntakeContext.of(info).province
        code = checked(checks.check_dossier_code, value.strip(), province=province)
        return checked(checks.check_external_id, code)

    @field_validator("MaTTHC")
    @classmethod
    def _procedure(cls, value: str) -> str:
        return checked(checks.normalise_procedure_code, value.strip())

    @field_validator("TenTTHC", "DonViXuLy")
    @classmethod
    def _title(cls, value: str | None) -> str | None:
        return None if value is None else checked(checks.clean_text, value, max_length=MAX_NAMED)

    @field_validator("KenhThucHien")
    @classmethod
    def _channel(cls, value: int) -> int:
        return _member(Channel, value, "Kênh thực hiện không hợp lệ")

    @field_validator("ChuHoSo")
    @classmethod
    def _name(cls, value: str) -> str:
        return checked(checks.check_name, value)

    @field_validator("LoaiDoiTuong")
    @classmethod
    def _kind(cls, value: int) -> int:
        return _member(ApplicantKind, value, "Loại đối tượng không hợp lệ")

    @field_validator("SoGiayToChuHoSo")
    @classmethod
    def _id_number(cls, value: str | None, info: ValidationInfo) -> str | None:
        kind = info.data.get("LoaiDoiTuong")
        if value is None or kind is None:  # no kind: its own error is already reported
            return value
        return checked(checks.check_id_number, value, ApplicantKind(kind))

    @field_validator("SoDienThoai")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        return None if value is None else checked(checks.normalise_phone, value)

    @field_validator("Email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        return None if value is None else checked(checks.check_email, value)

    @field_validator("TrichYeuHoSo")
    @classmethod
    def _summary(cls, value: str | None) -> str:
        if value is None:
            return ""
        return checked(
            checks.clean_text, value, max_length=checks.MAX_SUMMARY, min_length=0, multiline=True
        )

    @field_validator("NgayTiepNhan")
    @classmethod
    def _received_at(cls, value: datetime | None, info: ValidationInfo) -> datetime:
        if value is None:
            raise as_field_error(
                "required: the moment the dossier was submitted or received (yyyyMMddHHmmss)",
                "Thiếu ngày tiếp nhận",
            )
        return checked(checks.check_moment, value, now=IntakeContext.of(info).now)

    @field_validator("NgayTra", "NgayKetThucXuLy")
    @classmethod
    def _past(cls, value: datetime | None, info: ValidationInfo) -> datetime | None:
        if value is None:
            return None
        return checked(checks.check_moment, value, now=IntakeContext.of(info).now)

    @field_validator("NgayHenTra")
    @classmethod
    def _appointment(cls, value: datetime | None, info: ValidationInfo) -> datetime | None:
        if value is None:
            return None
        due = checked(checks.check_moment, value, now=None)
        received = info.data.get("NgayTiepNhan")
        if received is not None and due < received:
            raise as_field_error(
                f"the appointment {due.isoformat()} is before NgayTiepNhan {received.isoformat()}",
                "Ngày hẹn trả trước ngày tiếp nhận",
            )
        return due

    @field_validator("TrangThaiHoSo")
    @classmethod
    def _status(cls, value: int) -> int:
        status = DossierStatus(_member(DossierStatus, value, "Trạng thái hồ sơ không hợp lệ"))
        if status not in INTAKE_STATUSES:
            raise as_field_error(
                f"status {status.value} ({status.label_vi}) is not taken in at intake: a new "
                "dossier is 1 (Mới đăng ký) or 2 (Được tiếp nhận); later statuses arrive as "
                "progress (CapNhatTienDoHoSoMC)",
                f"Không tiếp nhận hồ sơ ở trạng thái {status.value} ({status.label_vi})",
            )
        return value

    @field_validator("NoiNopHoSo")
    @classmethod
    def _submitted_on(cls, value: int | str | None, info: ValidationInfo) -> int | str | None:
        if isinstance(value, str):  # an agency: of this province, and not used
            province = IntakeContext.of(info).province
            return checked(checks.check_agency_code, value, province=province)
        if value is not None and value not in SUBMISSION_PLACES:
            places = "; ".join(f'"{code}" {place}' for code, place in SUBMISSION_PLACES.items())
            raise as_field_error(
                f"{value} is not a place of submission: {places} (the receiving agency is "
                "MaHoSo's prefix)",
                'Nơi nộp hồ sơ phải là "1" (Cổng DVCQG) hoặc "2" (hệ thống của tỉnh)',
            )
        return value

    @field_validator("DuocThanhToanTrucTuyen")
    @classmethod
    def _paid_online(cls, value: int | None) -> int | None:
        if value is not None and value not in PAYMENT_CODES:
            raise as_field_error(
                "must be 0 (not paid online), 1 (paid on DVCQG), 2 (paid through the "
                "province's payment portal) or 3 (a fee is due, not paid online)",
                "Phải là 0, 1, 2 hoặc 3",
            )
        return value

    # -- the normalised model ---------------------------------------------------------------
    def to_intake(self) -> IntakeRequest:
        documents = [
            SubmittedDocument(
                name=item.TenTepDinhKem,
                url=item.DuongDanTaiTepTin,
                digitised=bool(item.DuocSoHoa),
                component=item.MaThanhPhanHoSo,
            )
            for item in self.TaiLieuNop
            if not item.IsDeleted
        ]
        digitised = self.HoSoCoThanhPhanSoHoa
        if digitised is None:
            digitised = any(d.digitised for d in documents)
        assert self.NgayTiepNhan is not None  # its validator refuses None
        return IntakeRequest(
            external_id=self.MaHoSo,
            code=self.MaHoSo,
            procedure_code=self.MaTTHC,
            channel=Channel(self.KenhThucHien),
            applicant=Applicant(
                name=self.ChuHoSo,
                kind=ApplicantKind(self.LoaiDoiTuong),
                id_number=self.SoGiayToChuHoSo,
                phone=self.SoDienThoai,
                email=self.Email,
            ),
            # Resolved against the registry and the catalog by checks.resolve_agencies.
            resolving_agency=None,
            resolving_agency_named=self.DonViXuLy,
            received_by_agency=parse_code(self.MaHoSo).agency,
            received_by_unit=DEFAULT_UNIT,
            submitted_at=self.NgayTiepNhan,
            procedure_title=self.TenTTHC,
            portal_due_at=self.NgayHenTra,
            awaiting_counter_check=self.TrangThaiHoSo == DossierStatus.SUBMITTED,
            summary=self.TrichYeuHoSo or "",
            documents=documents,
            fees=[FeeLine(name=fee.TenPhiLePhi, amount_vnd=fee.Gia) for fee in self.DanhSachLePhi],
            paid_online=self.DuocThanhToanTrucTuyen in PAID_ONLINE_CODES,
            digitised=digitised,
            source="dvcqg",
        )


def _member(
    enum: type[Channel | ApplicantKind | DossierStatus], value: int, message_vi: str
) -> int:
    allowed = ", ".join(str(member.value) for member in enum)
    if value not in {member.value for member in enum}:
        raise as_field_error(f"{value} is not one of {allowed}", message_vi)
    return value
