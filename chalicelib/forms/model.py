"""A form as its renderer sees it: a letterhead, a number and title, then blocks in order.

The builders in `content` say *what* each form says; `render` decides how it looks. Text is
Vietnamese as printed; nothing here knows about PDF.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol


class FormCode(StrEnum):
    """The forms of Thông tư 03/2025/TT-VPCP, Phụ lục I, by number."""

    RECEIPT = "01"  # Giấy tiếp nhận hồ sơ và hẹn trả kết quả
    SUPPLEMENT_REQUEST = "02"  # Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ
    REFUSAL = "03"  # Phiếu từ chối tiếp nhận giải quyết hồ sơ
    APOLOGY = "04"  # Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết
    STOP_NOTICE = "05"  # Thông báo dừng giải quyết hồ sơ
    CONTROL_SLIP = "06"  # Phiếu kiểm soát quá trình giải quyết hồ sơ
    TRACKING_BOOK = "07"  # Sổ theo dõi hồ sơ


@dataclass(frozen=True)
class Letterhead:
    """Top left: the governing body (may be empty) over the issuing one, in capitals; top
    right: the national motto; under it, the place and date of issue."""

    parent: str
    issuer: str
    place_and_date: str


@dataclass(frozen=True)
class Paragraph:
    text: str
    bold: bool = False
    italic: bool = False
    centered: bool = False


@dataclass(frozen=True)
class Fields:
    """Label: value lines (a value may wrap), each after a dash unless `bullet` is false."""

    rows: tuple[tuple[str, str], ...]
    bullet: bool = True


@dataclass(frozen=True)
class Table:
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    # Relative column widths (their sum is the page's text width).
    widths: tuple[int, ...]


@dataclass(frozen=True)
class Signatures:
    """Signature boxes side by side: a title in bold, a hint in italics, then the name."""

    boxes: tuple[tuple[str, str, str], ...]


@dataclass(frozen=True)
class Qr:
    """A QR code of `url`, with a caption beside it."""

    url: str
    caption: str


Block = Paragraph | Fields | Table | Signatures | Qr


@dataclass(frozen=True)
class Form:
    code: FormCode
    letterhead: Letterhead
    title: str
    subtitle: str = ""
    blocks: tuple[Block, ...] = ()
    landscape: bool = False
    # What the form is about, for the file's metadata and name.
    subject: str = ""

    @property
    def number(self) -> str:
        return f"Mẫu số {self.code.value}"


class FormRenderer(Protocol):
    """Makes a form's file (`chalicelib/forms/render.py`: PDF with fpdf2). `created_at` fixes
    the file's creation date, so that the same form gives the same bytes."""

    def __call__(self, form: Form, *, created_at: datetime | None = None) -> bytes: ...
