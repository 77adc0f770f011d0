"""Why a command was refused, in Vietnamese for the official beside the English reason.

Every refusal the state machine (domain/state_machine.py) and the transition worker
(services/transitions.py) can give has a reason here and its message for officials; the
transfer target's registry check brings its own (transitions.transfer_target_issue). The
English `reason` of a refusal record stays for integrators and the log; its `message` is what
a person reads, addressed as "bạn" like the pages that show it. A message may name the values
of the case ({action}, {status}, …), filled where it is raised.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Final

from chalicelib.domain.statuses import Role


class RefusalReason(StrEnum):
    # the transition worker's own
    STALE_VERSION = "stale_version"
    FAILED = "failed"
    # the state machine's
    PROCEDURE_VERSION = "procedure_version"
    NOT_AN_OFFICIAL_ACTION = "not_an_official_action"
    NOT_FROM_THIS_STATUS = "not_from_this_status"
    ELECTRONIC_RESULT_MISPLACED = "electronic_result_misplaced"
    PAYMENT_CHANNEL_MISPLACED = "payment_channel_misplaced"
    NOTE_NEEDED = "note_needed"
    ROLE_NEEDED = "role_needed"
    WRONG_PLACE = "wrong_place"
    AT_ANOTHER_AGENCY = "at_another_agency"
    FORWARD_FROM_LAST_STEP = "forward_from_last_step"
    SEND_BACK_FROM_FIRST_STEP = "send_back_from_first_step"
    TRANSFER_AGENCY_NEEDED = "transfer_agency_needed"
    TRANSFER_UNIT_NEEDED = "transfer_unit_needed"
    TRANSFER_TO_SAME_AGENCY = "transfer_to_same_agency"
    NOT_TRANSFERRED = "not_transferred"
    RESOLVE_BEFORE_LAST_STEP = "resolve_before_last_step"
    EXTENSION_USED = "extension_used"
    EXTENSION_DATE_NEEDED = "extension_date_needed"
    NO_APPOINTMENT = "no_appointment"
    EXTENSION_NOT_LATER = "extension_not_later"
    EXTENSION_IN_PAST = "extension_in_past"
    EXTENSION_TOO_FAR = "extension_too_far"
    EXTENSION_OUTSIDE_HOURS = "extension_outside_hours"
    EXTENSION_BEYOND_LIMIT = "extension_beyond_limit"
    SUPPLEMENT_NOT_AT_HAND = "supplement_not_at_hand"
    SUPPLEMENT_BEFORE_RECEIPT = "supplement_before_receipt"
    SECOND_SUPPLEMENT = "second_supplement"
    SUPPLEMENT_AFTER_LIMIT = "supplement_after_limit"
    REFUSE_RECEIVED = "refuse_received"
    STOP_NOT_RECEIVED = "stop_not_received"
    STOP_NEEDS_LEADER = "stop_needs_leader"


MESSAGES_VI: Final[dict[RefusalReason, str]] = {
    RefusalReason.STALE_VERSION: (
        "Hồ sơ đã thay đổi sau khi bạn mở trang (nay là phiên bản {version}, bạn thao tác trên "
        "phiên bản {expected}). Vui lòng xem lại hồ sơ rồi quyết định lại."
    ),
    RefusalReason.FAILED: (
        "Hệ thống chưa thực hiện được thao tác sau nhiều lần thử; bộ phận vận hành đã được báo "
        "để xem xét. Vui lòng thử lại sau."
    ),
    RefusalReason.PROCEDURE_VERSION: (
        "Hồ sơ được tiếp nhận theo phiên bản {pinned} của thủ tục, không xử lý theo phiên "
        "bản {given}."
    ),
    RefusalReason.NOT_AN_OFFICIAL_ACTION: "Thao tác '{action}' không dành cho cán bộ.",
    RefusalReason.NOT_FROM_THIS_STATUS: (
        "Không thể thực hiện '{action}' khi hồ sơ đang ở trạng thái '{status}'. Thao tác được "
        "phép: {allowed}."
    ),
    RefusalReason.ELECTRONIC_RESULT_MISPLACED: (
        "Kết quả điện tử chỉ được ghi nhận khi hoàn thành xử lý hồ sơ, không phải khi '{action}'."
    ),
    RefusalReason.PAYMENT_CHANNEL_MISPLACED: (
        "Hình thức nộp phí chỉ ghi khi xác nhận đã thực hiện nghĩa vụ tài chính, không phải "
        "khi '{action}'."
    ),
    RefusalReason.NOTE_NEEDED: "Thao tác '{action}' cần ghi rõ lý do.",
    RefusalReason.ROLE_NEEDED: (
        "Thao tác '{action}' cần vai trò {wanted}; tài khoản của bạn có vai trò {has}."
    ),
    RefusalReason.WRONG_PLACE: (
        "Thao tác '{action}' phải được thực hiện tại {where}; tài khoản của bạn thuộc {at}."
    ),
    RefusalReason.AT_ANOTHER_AGENCY: (
        "Hồ sơ đang được chuyển đến cơ quan khác ({agency}); cần được chuyển trả trước khi "
        "thực hiện '{action}'."
    ),
    RefusalReason.FORWARD_FROM_LAST_STEP: (
        "Bước {step} ({name}) là bước xử lý cuối cùng: hãy hoàn thành xử lý hồ sơ thay vì "
        "chuyển bước tiếp theo."
    ),
    RefusalReason.SEND_BACK_FROM_FIRST_STEP: (
        "Hồ sơ đang ở bước xử lý đầu tiên; không có bước trước để trả lại."
    ),
    RefusalReason.TRANSFER_AGENCY_NEEDED: "Chưa chọn cơ quan nhận hồ sơ chuyển đến.",
    RefusalReason.TRANSFER_UNIT_NEEDED: "Chưa chọn bộ phận của cơ quan nhận hồ sơ chuyển đến.",
    RefusalReason.TRANSFER_TO_SAME_AGENCY: "Hồ sơ đang ở chính cơ quan được chọn để chuyển đến.",
    RefusalReason.NOT_TRANSFERRED: (
        "Hồ sơ không được chuyển sang cơ quan khác nên không có gì để chuyển trả."
    ),
    RefusalReason.RESOLVE_BEFORE_LAST_STEP: (
        "Hồ sơ đang ở bước {step}/{steps} của quy trình xử lý; chỉ ở bước cuối cùng mới hoàn "
        "thành xử lý được."
    ),
    RefusalReason.EXTENSION_USED: (
        "Hồ sơ đã được xin lỗi và gia hạn {done} lần; pháp luật chỉ cho phép {allowed} lần."
    ),
    RefusalReason.EXTENSION_DATE_NEEDED: "Gia hạn cần có ngày hẹn trả mới.",
    RefusalReason.NO_APPOINTMENT: "Hồ sơ chưa có ngày hẹn trả để gia hạn.",
    RefusalReason.EXTENSION_NOT_LATER: ("Ngày hẹn trả mới phải sau ngày hẹn trả hiện tại ({due})."),
    RefusalReason.EXTENSION_IN_PAST: "Ngày hẹn trả mới phải là một thời điểm trong tương lai.",
    RefusalReason.EXTENSION_TOO_FAR: ("Ngày hẹn trả mới không được quá {days} ngày kể từ hôm nay."),
    RefusalReason.EXTENSION_OUTSIDE_HOURS: (
        "Ngày hẹn trả mới phải trong giờ làm việc của một ngày làm việc."
    ),
    RefusalReason.EXTENSION_BEYOND_LIMIT: (
        "Ngày hẹn trả mới chậm nhất là {latest} ({times} lần thời hạn giải quyết của thủ tục "
        "sau ngày hẹn trả hiện tại)."
    ),
    RefusalReason.SUPPLEMENT_NOT_AT_HAND: (
        "Yêu cầu bổ sung do bộ phận đang giữ hồ sơ ({where}), Bộ phận Một cửa hoặc lãnh đạo "
        "cơ quan thực hiện."
    ),
    RefusalReason.SUPPLEMENT_BEFORE_RECEIPT: (
        "Trước khi tiếp nhận, chỉ cán bộ Bộ phận Một cửa được yêu cầu bổ sung hồ sơ."
    ),
    RefusalReason.SECOND_SUPPLEMENT: (
        "Yêu cầu bổ sung lần thứ hai cần lãnh đạo quyết định (hồ sơ bị tính là giải quyết "
        "chậm theo Quyết định 766/QĐ-TTg)."
    ),
    RefusalReason.SUPPLEMENT_AFTER_LIMIT: (
        "Yêu cầu bổ sung sau {within} giờ làm việc kể từ khi tiếp nhận cần lãnh đạo quyết định "
        "(hồ sơ bị tính là giải quyết chậm theo Quyết định 766/QĐ-TTg)."
    ),
    RefusalReason.REFUSE_RECEIVED: (
        "Hồ sơ đã tiếp nhận thì không từ chối tiếp nhận: hãy dừng xử lý (Mẫu 05) hoặc hoàn "
        "thành xử lý kèm lý do không đủ điều kiện."
    ),
    RefusalReason.STOP_NOT_RECEIVED: (
        "Hồ sơ chưa được tiếp nhận thì từ chối tiếp nhận (Mẫu 03), không dừng xử lý."
    ),
    RefusalReason.STOP_NEEDS_LEADER: (
        "Dừng xử lý hồ sơ cần lãnh đạo quyết định; Bộ phận Một cửa chỉ dừng khi hồ sơ đã quá "
        "hạn bổ sung."
    ),
}

# A refusal that names no reason (none is raised so today: tests/unit/test_refusal_messages.py)
# still tells its kind.
KIND_MESSAGES_VI: Final[dict[str, str]] = {
    "stale_version": "Hồ sơ đã thay đổi sau khi bạn mở trang. Vui lòng xem lại hồ sơ rồi quyết "
    "định lại.",
    "illegal_transition": "Thao tác này không thực hiện được ở trạng thái hoặc bước hiện tại "
    "của hồ sơ.",
    "not_permitted": "Bạn không có quyền thực hiện thao tác này ở bước hiện tại của hồ sơ.",
    "invalid_input": "Thông tin nhập chưa hợp lệ.",
    "failed": MESSAGES_VI[RefusalReason.FAILED],
}
FALLBACK_VI: Final = "Thao tác không được thực hiện."

ROLE_LABELS_VI: Final[dict[Role, str]] = {
    Role.RECEIVER: "cán bộ một cửa",
    Role.SPECIALIST: "chuyên viên thụ lý",
    Role.LEADER: "lãnh đạo",
    Role.ADMIN: "quản trị hệ thống",
    Role.SYSTEM: "hệ thống của cơ quan",
    Role.APPLICANT: "người nộp hồ sơ",
}


def message_vi(reason: RefusalReason, **values: object) -> str:
    """The reason's message, with the case's values."""
    return MESSAGES_VI[reason].format(**values)


def roles_vi(roles: Iterable[Role]) -> str:
    """Roles as officials name them: 'lãnh đạo hoặc chuyên viên thụ lý'; 'không có' for none."""
    return " hoặc ".join(sorted(ROLE_LABELS_VI[r] for r in roles)) or "không có"


def for_kind(kind: str) -> str:
    return KIND_MESSAGES_VI.get(kind, FALLBACK_VI)
