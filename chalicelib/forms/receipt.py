"""The electronic receipt (biên lai điện tử) for fees and charges paid on a dossier, as a PDF
through the forms' renderer.

`ReceiptFacts` is neutral: it knows nothing of payment orders, callbacks or the platform's
contract, only what a receipt must say (docs/law.md, "Electronic receipts": NĐ 123/2020/NĐ-CP
on the content of a receipt, read in its strictest form). The payments service fills it from
a confirmed payment and the agency's registered receipt range; `render_receipt` prints it.

Pure but for `render_receipt`, which imports the renderer (fpdf2) when called: nothing here
may load fpdf2 at a function's cold start.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from chalicelib.domain.calendar import as_local
from chalicelib.domain.dossier import PaymentChannel
from chalicelib.forms.facts import long_date
from chalicelib.forms.model import Block, Fields, Form, FormCode, Letterhead, Qr, Signatures, Table
from chalicelib.forms.receipt_words import amount_in_words_vi, format_vnd

if TYPE_CHECKING:
    from pathlib import Path

TITLE = "BIÊN LAI THU PHÍ, LỆ PHÍ"
# The receipt's type (tên loại biên lai) as the tax authority's own reports name it.
KIND = "(Loại: biên lai thu phí, lệ phí không có mệnh giá - biên lai điện tử)"
COLLECTOR_HINT = "(Chữ ký số của đơn vị thu)"
CHANNEL_LABELS = {
    PaymentChannel.ONLINE: "Trực tuyến",
    PaymentChannel.COUNTER: "Tại Bộ phận Một cửa",
}
# The receipt's symbols are registered by the collecting agency with its tax office (they are
# its numbering range, not ours): short printable text, checked only for being printable.
SYMBOL_MAX = 20


@dataclass(frozen=True)
class FeeLine:
    """One fee or charge paid: its name as the fee's regulation calls it, and its amount."""

    name: str  # e.g. "Lệ phí cấp Giấy chứng nhận quyền sử dụng đất"
    amount_vnd: int


@dataclass(frozen=True)
class ReceiptFacts:
    """Everything one receipt says. Amounts are whole đồng; moments are aware."""

    # The receipt's identity in the agency's registered range (ký hiệu mẫu, ký hiệu, số).
    form_code: str
    series: str
    number: int
    # The collecting agency (tổ chức thu phí, lệ phí), as registered for tax.
    agency_name: str
    agency_tax_code: str
    agency_address: str
    # Who paid (người nộp): the applicant, or whoever paid for them.
    payer_name: str
    payer_address: str
    dossier_code: str
    procedure: str
    lines: tuple[FeeLine, ...]
    channel: PaymentChannel
    transaction_id: str  # the payment platform's (or the counter's) transaction reference
    paid_at: datetime
    collector: str  # the official or unit that collects, named under the signature
    agency_parent: str = ""  # its governing body, over it in the letterhead
    place: str = ""  # where it is issued ("Đồng Nai"), before the date
    payer_tax_code: str = ""  # when the payer has one (an organisation)
    platform: str = ""  # the payment platform's name, for an online payment
    issued_at: datetime | None = None  # the receipt's date (default: paid_at)
    lookup_url: str = ""  # where the receipt can be looked up again: a QR code when given

    def __post_init__(self) -> None:
        problems = []
        for name in ("form_code", "series"):
            value = getattr(self, name)
            if not value or len(value) > SYMBOL_MAX or not value.isprintable():
                problems.append(f"{name}: 1-{SYMBOL_MAX} printable characters, not {value!r}")
        for name in ("agency_name", "agency_tax_code", "payer_name", "dossier_code",
                     "procedure", "transaction_id", "collector"):  # fmt: skip
            if not getattr(self, name).strip():
                problems.append(f"{name}: empty")
        if self.number < 1:
            problems.append(f"number: from 1, not {self.number}")
        if not self.lines:
            problems.append("lines: no fee paid")
        for line in self.lines:
            if line.amount_vnd <= 0 or not line.name.strip():
                problems.append(f"lines: {line.name!r} {line.amount_vnd} (a name, over 0 đồng)")
        for name in ("paid_at", "issued_at"):
            moment = getattr(self, name)
            if moment is not None and moment.tzinfo is None:
                problems.append(f"{name}: without a time zone")
        if problems:
            raise ValueError("; ".join(problems))

    @property
    def total_vnd(self) -> int:
        return sum(line.amount_vnd for line in self.lines)

    @property
    def date(self) -> datetime:
        return self.issued_at or self.paid_at

    @property
    def channel_label(self) -> str:
        label = CHANNEL_LABELS[self.channel]
        if self.channel is PaymentChannel.ONLINE and self.platform:
            return f"{label} qua {self.platform}"
        return label


@dataclass(frozen=True)
class ReceiptForm(Form):
    """A form whose number is the receipt's own symbols, not one of Thông tư 03's Mẫu 01–07
    (`code` is unused by the renderer but for `number`, overridden here)."""

    symbols: str = ""

    @property
    def number(self) -> str:
        return self.symbols


def receipt_form(facts: ReceiptFacts) -> Form:
    """What the receipt says, in the order of NĐ 123/2020 on a receipt's content."""
    number = f"{facts.number:07d}"
    head = Letterhead(
        parent=facts.agency_parent.upper(),
        issuer=facts.agency_name.upper(),
        place_and_date=", ".join(p for p in (facts.place, long_date(facts.date)) if p),
    )
    rows = tuple(
        (str(i), line.name, format_vnd(line.amount_vnd)) for i, line in enumerate(facts.lines, 1)
    )
    total = format_vnd(facts.total_vnd)
    payer = [("Họ và tên người nộp", facts.payer_name), ("Địa chỉ", facts.payer_address or "")]
    if facts.payer_tax_code:
        payer.append(("Mã số thuế người nộp", facts.payer_tax_code))
    blocks: list[Block] = [
        Fields(
            (
                ("Ký hiệu mẫu biên lai", facts.form_code),
                ("Ký hiệu biên lai", facts.series),
                ("Số biên lai", number),
            )
        ),
        Fields(
            (
                ("Đơn vị thu", facts.agency_name),
                ("Mã số thuế", facts.agency_tax_code),
                ("Địa chỉ", facts.agency_address),
            )
        ),
        Fields(tuple(payer)),
        Fields(
            (
                ("Mã hồ sơ", facts.dossier_code),
                ("Thủ tục hành chính", facts.procedure),
            )
        ),
        Table(
            headers=("STT", "Tên loại phí, lệ phí", "Số tiền"),
            rows=(*rows, ("", "Tổng cộng", total)),
            widths=(8, 62, 30),
        ),
        Fields(
            (
                ("Tổng số tiền", total),
                ("Số tiền viết bằng chữ", amount_in_words_vi(facts.total_vnd)),
                ("Hình thức thanh toán", facts.channel_label),
                ("Mã giao dịch thanh toán", facts.transaction_id),
                ("Thời điểm thanh toán", f"{as_local(facts.paid_at):%H:%M:%S ngày %d/%m/%Y}"),
            )
        ),
        # An electronic receipt is signed digitally by the collector; the payer signs nothing.
        Signatures((("Người thu tiền", COLLECTOR_HINT, facts.collector),)),
    ]
    if facts.lookup_url:
        blocks.append(
            Qr(facts.lookup_url, f"Quét mã để tra cứu biên lai, hoặc mở:\n{facts.lookup_url}")
        )
    symbols = f"Mẫu số: {facts.form_code} - Ký hiệu: {facts.series} - Số: {number}"
    return ReceiptForm(
        code=FormCode.RECEIPT,
        letterhead=head,
        title=TITLE,
        subtitle=KIND,
        blocks=tuple(blocks),
        subject=f"{facts.dossier_code} {facts.series}-{number}",
        symbols=symbols,
    )


def render_receipt(facts: ReceiptFacts, *, fonts: Path | None = None) -> bytes:
    """The receipt as PDF bytes; the same facts give the same bytes (dated by the receipt)."""
    from chalicelib.forms import render

    form = receipt_form(facts)
    if fonts is None:
        return render.render(form, created_at=facts.date)
    return render.render(form, created_at=facts.date, fonts=fonts)
