"""Codes exactly as the national public-service portal (DVCQG) defines them."""

from __future__ import annotations

from enum import IntEnum, StrEnum


class DossierStatus(IntEnum):
    """TrangThaiHoSo."""

    SUBMITTED = 1  # Mới đăng ký
    RECEIVED = 2  # Được tiếp nhận
    REFUSED = 3  # Không được tiếp nhận
    PROCESSING = 4  # Đang xử lý
    SUPPLEMENT_REQUESTED = 5  # Yêu cầu bổ sung giấy tờ
    FEES_REQUESTED = 6  # Yêu cầu thực hiện nghĩa vụ tài chính
    WITHDRAWN = 7  # Công dân yêu cầu rút hồ sơ
    STOPPED = 8  # Dừng xử lý
    RESOLVED = 9  # Đã xử lý xong
    RETURNED = 10  # Đã trả kết quả

    @property
    def label_vi(self) -> str:
        return STATUS_LABELS_VI[self]

    @property
    def is_paused(self) -> bool:
        """The legal clock does not run while the applicant owes a supplement or fees."""
        return self in PAUSED_STATUSES

    @property
    def is_closed(self) -> bool:
        return self in CLOSED_STATUSES


STATUS_LABELS_VI: dict[DossierStatus, str] = {
    DossierStatus.SUBMITTED: "Mới đăng ký",
    DossierStatus.RECEIVED: "Được tiếp nhận",
    DossierStatus.REFUSED: "Không được tiếp nhận",
    DossierStatus.PROCESSING: "Đang xử lý",
    DossierStatus.SUPPLEMENT_REQUESTED: "Yêu cầu bổ sung giấy tờ",
    DossierStatus.FEES_REQUESTED: "Yêu cầu thực hiện nghĩa vụ tài chính",
    DossierStatus.WITHDRAWN: "Công dân yêu cầu rút hồ sơ",
    DossierStatus.STOPPED: "Dừng xử lý",
    DossierStatus.RESOLVED: "Đã xử lý xong",
    DossierStatus.RETURNED: "Đã trả kết quả",
}

PAUSED_STATUSES = frozenset({DossierStatus.SUPPLEMENT_REQUESTED, DossierStatus.FEES_REQUESTED})
# Terminal for the process. RESOLVED still waits for the result to be handed over, so it is open.
CLOSED_STATUSES = frozenset(
    {
        DossierStatus.REFUSED,
        DossierStatus.WITHDRAWN,
        DossierStatus.STOPPED,
        DossierStatus.RETURNED,
    }
)


class Channel(IntEnum):
    """KenhThucHien."""

    IN_PERSON = 1
    ONLINE = 2
    POSTAL = 3


class ApplicantKind(IntEnum):
    """LoaiDoiTuong."""

    CITIZEN = 1
    BUSINESS = 2
    STATE_AGENCY = 3
    OTHER_ORGANISATION = 4


class Role(StrEnum):
    """Who acts on a dossier. Officials carry these in their token's `roles` claim."""

    RECEIVER = "receiver"  # one-stop counter officer (cán bộ một cửa)
    SPECIALIST = "specialist"  # chuyên viên thụ lý
    LEADER = "leader"  # lãnh đạo phòng / cơ quan
    ADMIN = "admin"  # the province's system administrator
    SYSTEM = "system"  # another agency's system or a scheduled job
    # The applicant, acting on a portal (a signed portal event: docs/dvcqg-contract.md §8); never
    # in an official's token.
    APPLICANT = "applicant"
