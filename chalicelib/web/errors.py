"""A page's refusals, and what each tells the person who meets it (in Vietnamese)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ErrorText:
    title: str
    explanation: str
    next_step: str


HOME_HINT = "Quay lại trang tra cứu hồ sơ để thử lại."
ERROR_TEXTS: dict[int, ErrorText] = {
    400: ErrorText(
        "Yêu cầu không hợp lệ",
        "Thông tin gửi lên không đúng định dạng của biểu mẫu.",
        "Vui lòng quay lại trang trước, kiểm tra thông tin rồi gửi lại.",
    ),
    403: ErrorText(
        "Biểu mẫu đã hết hạn hoặc không hợp lệ",
        "Để bảo vệ bạn, mỗi biểu mẫu chỉ được gửi từ chính trang của hệ thống.",
        "Vui lòng tải lại trang biểu mẫu rồi gửi lại. Nếu vẫn không được, hãy cho phép "
        "trình duyệt lưu cookie của trang này.",
    ),
    404: ErrorText(
        "Không tìm thấy trang",
        "Địa chỉ bạn mở không có trên hệ thống.",
        "Kiểm tra lại địa chỉ, hoặc về trang chủ để chọn chức năng cần dùng.",
    ),
    429: ErrorText(
        "Quá nhiều yêu cầu",
        "Hệ thống tạm ngừng nhận yêu cầu từ bạn để chống dò mã.",
        "Vui lòng thử lại sau ít phút.",
    ),
    500: ErrorText(
        "Hệ thống đang gặp sự cố",
        "Yêu cầu của bạn chưa được xử lý; không có thông tin nào bị thay đổi.",
        "Vui lòng thử lại sau ít phút. Nếu vẫn lỗi, hãy liên hệ bộ phận một cửa nơi nộp hồ sơ.",
    ),
}


class PageRefused(Exception):
    """A page request refused outright (not a field the page shows beside its input): answered
    with the Vietnamese error page of `status`."""

    def __init__(self, status: int, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(status)
        self.status = status
        self.headers = headers or {}


def error_text(status: int) -> ErrorText:
    if status in ERROR_TEXTS:
        return ERROR_TEXTS[status]
    return ERROR_TEXTS[500] if status >= 500 else ERROR_TEXTS[400]
