"""What an official is told when signing in fails (in Vietnamese): what happened, what to do."""

from __future__ import annotations

from chalicelib.web.errors import ErrorText

SIGN_IN_AGAIN = "Bấm «Đăng nhập lại» để bắt đầu một lần đăng nhập mới."
SIGN_IN_ERRORS: dict[str, ErrorText] = {
    "denied": ErrorText(
        "Chưa đăng nhập được",
        "Hệ thống định danh của tỉnh cho biết việc đăng nhập đã bị hủy hoặc không được chấp thuận.",
        "Bấm «Đăng nhập lại» để thử lần nữa. Nếu tài khoản bị khóa, hãy liên hệ quản trị hệ "
        "thống của cơ quan.",
    ),
    "provider_error": ErrorText(
        "Chưa đăng nhập được",
        "Hệ thống định danh của tỉnh không trả về kết quả đăng nhập.",
        SIGN_IN_AGAIN,
    ),
    "expired": ErrorText(
        "Phiên đăng nhập đã hết hạn",
        "Lần đăng nhập này đã quá 10 phút, đã được dùng rồi, hoặc được mở từ một trình duyệt khác.",
        SIGN_IN_AGAIN,
    ),
    "code_refused": ErrorText(
        "Mã đăng nhập không còn hiệu lực",
        "Hệ thống định danh của tỉnh không chấp nhận mã đăng nhập (đã dùng hoặc đã hết hạn).",
        SIGN_IN_AGAIN,
    ),
    "token_refused": ErrorText(
        "Không xác minh được tài khoản",
        "Thông tin đăng nhập nhận từ hệ thống định danh không hợp lệ hoặc đã hết hạn.",
        "Bấm «Đăng nhập lại». Nếu vẫn lỗi, hãy kiểm tra ngày giờ của máy tính và báo quản trị "
        "hệ thống.",
    ),
    "no_role": ErrorText(
        "Tài khoản chưa được phân quyền",
        "Bạn đã đăng nhập, nhưng tài khoản chưa có vai trò nào trong hệ thống một cửa.",
        "Liên hệ quản trị hệ thống của cơ quan để được phân quyền, rồi đăng nhập lại.",
    ),
    "issuer_unavailable": ErrorText(
        "Không kết nối được hệ thống định danh",
        "Hệ thống định danh của tỉnh hiện không trả lời; bạn chưa được đăng nhập.",
        "Vui lòng thử lại sau ít phút. Nếu vẫn lỗi, hãy báo quản trị hệ thống.",
    ),
    "not_configured": ErrorText(
        "Chưa thể đăng nhập",
        "Hệ thống chưa được kết nối với hệ thống định danh của tỉnh.",
        "Vui lòng báo quản trị hệ thống: cần cấu hình MOTCUA_OIDC_ISSUER và "
        "MOTCUA_OIDC_CLIENT_ID (xem docs/deploying.md).",
    ),
}
