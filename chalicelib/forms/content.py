"""What each form says, assembled from a dossier's record, its catalog procedure, the agency
registry and the calendar. Pure: no I/O, no clock (the moment of printing is given).

The body of each form follows the form of Thông tư 03/2025/TT-VPCP, Phụ lục I (docs/law.md,
"Forms"): its title, its fields in their order, and its signature boxes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from chalicelib.domain.agencies import AgencyRegistry
from chalicelib.domain.calendar import WorkingCalendar
from chalicelib.domain.dossier import Action, Dossier, HistoryEntry, SubmittedDocument
from chalicelib.domain.procedures import Procedure
from chalicelib.domain.statuses import Channel, DossierStatus
from chalicelib.forms import facts
from chalicelib.forms.facts import day, hour_and_date, long_date, short
from chalicelib.forms.model import (
    Block,
    Fields,
    Form,
    FormCode,
    Paragraph,
    Qr,
    Signatures,
    Table,
)
from chalicelib.ports.records import DossierRecord

SIGN = "(Ký và ghi rõ họ tên)"
SIGN_AND_SEAL = "(Ký, ghi rõ họ tên và đóng dấu)"
HEAD = "THỦ TRƯỞNG CƠ QUAN"


class FormUnavailable(Exception):
    """The dossier has no event this form records (no refusal for Mẫu 03, ...)."""

    def __init__(self, form: FormCode, reason: str) -> None:
        super().__init__(reason)
        self.form = form
        self.reason = reason


@dataclass(frozen=True)
class DossierForms:
    """Everything a dossier's forms are made from."""

    record: DossierRecord
    procedure: Procedure
    agencies: AgencyRegistry
    calendar: WorkingCalendar
    printed_at: datetime
    lookup_url: str = ""  # the public lookup, `{code}` in it: Mẫu 01's QR code
    pin: str | None = None  # the receipt PIN as printed (ABCD-EFGH): only known at receipt

    @property
    def dossier(self) -> Dossier:
        return self.record.dossier

    @property
    def history(self) -> list[HistoryEntry]:
        return sorted(self.record.history, key=lambda e: e.version)

    def entry(self, form: FormCode, *actions: Action) -> HistoryEntry:
        found = facts.entry_of(self.history, *actions)
        if found is None:
            names = ", ".join(a.label_vi for a in actions)
            raise FormUnavailable(form, f"hồ sơ {self.dossier.code} chưa có bước: {names}")
        return found

    def issued(
        self, form: FormCode, title: str, agency: str, at: datetime, blocks: Sequence[Block]
    ) -> Form:
        """Form `form` of this dossier, issued by `agency` at `at`."""
        d = self.dossier
        head = facts.letterhead(self.agencies, agency, at)
        return Form(form, head, title, f"Mã hồ sơ: {d.code}", tuple(blocks), subject=d.code)

    def place(self, agency: str, unit: str | None) -> str:
        return self.agencies.place_name(agency, unit)

    def applicant_rows(self) -> tuple[tuple[str, str], ...]:
        a = self.dossier.applicant
        contact = " - ".join(x for x in (shown_phone(a.phone), a.email) if x)
        rows = [("Tên cá nhân, tổ chức", a.name)]
        if a.id_number:
            rows.append(("Số giấy tờ tùy thân / mã số", a.id_number))
        if contact:
            rows.append(("Số điện thoại, thư điện tử", contact))
        return tuple(rows)

    def about(self) -> tuple[tuple[str, str], ...]:
        return (
            ("Mã hồ sơ", self.dossier.code),
            ("Nội dung yêu cầu giải quyết", self.procedure.name),
        )


# -- Mẫu 01 ---------------------------------------------------------------------------------------
def receipt(f: DossierForms) -> Form:
    d = f.dossier
    received = f.entry(FormCode.RECEIPT, Action.RECEIVE)
    documents = _documents(f.history)
    appointment = received.due_at or d.due_at
    counter = f.place(d.received_by.agency, d.received_by.unit)
    blocks: list[Block] = [
        Paragraph(f"{counter} tiếp nhận hồ sơ của:"),
        Fields(f.applicant_rows() + f.about()),
        Paragraph("1. Thành phần hồ sơ nộp gồm:", bold=True),
    ]
    if documents:
        blocks.append(
            Table(
                ("STT", "Tên giấy tờ", "Hình thức", "Ghi chú"),
                tuple(
                    (
                        str(i),
                        doc.name,
                        "Bản điện tử" if doc.digitised or doc.url else "Bản giấy",
                        "Đã số hóa" if doc.digitised else "",
                    )
                    for i, doc in enumerate(documents, 1)
                ),
                (8, 62, 18, 12),
            )
        )
    else:
        blocks.append(Paragraph("(Không có giấy tờ nào được ghi nhận khi tiếp nhận.)", italic=True))
    blocks += [
        Fields(
            (
                ("2. Số lượng hồ sơ", f"01 (bộ); {len(documents)} giấy tờ"),
                ("3. Thời gian giải quyết hồ sơ theo quy định là", _duration(f.procedure)),
                ("4. Thời gian nhận hồ sơ", hour_and_date(received.at)),
                (
                    "5. Thời gian trả kết quả giải quyết hồ sơ",
                    hour_and_date(appointment) if appointment else "theo thông báo sau",
                ),
                ("6. Đăng ký nhận kết quả tại", f"{counter}; {_manner(d.channel)}"),
            ),
            bullet=False,
        ),
    ]
    if f.lookup_url or f.pin:
        caption = "Tra cứu tình trạng hồ sơ bằng mã hồ sơ"
        if f.pin:
            caption += f" và mã tra cứu (PIN): {f.pin}"
        url = f.lookup_url.format(code=d.code) if f.lookup_url else ""
        blocks.append(Qr(url, caption + (f"\n{url}" if url else "")))
    blocks.append(
        Signatures(
            (
                ("NGƯỜI NỘP HỒ SƠ", SIGN, d.applicant.name),
                ("NGƯỜI TIẾP NHẬN HỒ SƠ", SIGN, received.actor_name),
            )
        )
    )
    return f.issued(
        FormCode.RECEIPT,
        "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
        d.received_by.agency,
        received.at,
        blocks,
    )


def _documents(history: Sequence[HistoryEntry]) -> list[SubmittedDocument]:
    """The documents last recorded: the opening's, or a later `update_details`'s."""
    lists = [e.documents for e in history if e.documents is not None]
    return list(lists[-1]) if lists else []


def _duration(procedure: Procedure) -> str:
    limit = procedure.time_limit
    unit = "ngày làm việc" if limit.unit.value == "working_days" else "giờ làm việc"
    return f"{limit.amount:02d} {unit}"


def _manner(channel: Channel) -> str:
    return {
        Channel.IN_PERSON: "nhận trực tiếp",
        Channel.ONLINE: "nhận trực tuyến trên Cổng Dịch vụ công hoặc trực tiếp",
        Channel.POSTAL: "nhận qua dịch vụ bưu chính công ích",
    }[channel]


# -- Mẫu 02 ---------------------------------------------------------------------------------------
def supplement_request(f: DossierForms) -> Form:
    asked = f.entry(FormCode.SUPPLEMENT_REQUEST, Action.REQUEST_SUPPLEMENT)
    wanted = [line.strip(" -•") for line in asked.note.splitlines() if line.strip(" -•")]
    blocks: list[Block] = [
        Paragraph("Hồ sơ của:"),
        Fields(f.applicant_rows() + f.about()),
        Paragraph("Yêu cầu hoàn thiện hồ sơ gồm những nội dung sau:", bold=True),
        *(Paragraph(f"{i}. {text}") for i, text in enumerate(wanted or ["(không ghi)"], 1)),
    ]
    if asked.supplement_due_at:
        blocks.append(
            Paragraph(
                f"Thời hạn nộp bổ sung, hoàn thiện hồ sơ: {hour_and_date(asked.supplement_due_at)}"
                ". Quá thời hạn này, hồ sơ có thể bị dừng giải quyết.",
                bold=True,
            )
        )
    desk = f.place(asked.actor_agency, asked.actor_unit)
    blocks += [
        Paragraph(
            "Trong quá trình hoàn thiện hồ sơ nếu có vướng mắc, ông/bà liên hệ "
            f"{asked.actor_name} ({desk}) để được hướng dẫn."
        ),
        Signatures((("NGƯỜI HƯỚNG DẪN", SIGN, asked.actor_name),)),
    ]
    return f.issued(
        FormCode.SUPPLEMENT_REQUEST,
        "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ",
        asked.actor_agency,
        asked.at,
        blocks,
    )


# -- Mẫu 03 ---------------------------------------------------------------------------------------
def refusal(f: DossierForms) -> Form:
    refused = f.entry(FormCode.REFUSAL, Action.REFUSE)
    counter = f.place(refused.actor_agency, refused.actor_unit)
    blocks: list[Block] = [
        Paragraph(f"{counter} tiếp nhận hồ sơ của:"),
        Fields(f.applicant_rows() + f.about()),
        Paragraph(
            f"Qua xem xét, {counter} thông báo không tiếp nhận, giải quyết hồ sơ này với lý do "
            "cụ thể như sau:"
        ),
        Paragraph(refused.note, italic=True),
        Paragraph("Xin thông báo để ông/bà được biết và thực hiện."),
        Signatures((("NGƯỜI TIẾP NHẬN HỒ SƠ", SIGN, refused.actor_name),)),
    ]
    return f.issued(
        FormCode.REFUSAL,
        "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ",
        refused.actor_agency,
        refused.at,
        blocks,
    )


# -- Mẫu 04 and 05: letters to the applicant from the head of the agency ---------------------------
def _letter(
    f: DossierForms,
    entry: HistoryEntry,
    fields: tuple[tuple[str, str], ...],
    why: str,
    after: tuple[str, ...],
) -> list[Block]:
    """Addressee, when the agency received the dossier, `fields`, `why` over the entry's note
    (the reason, in italics), the paragraphs `after`, the head's signature."""
    d = f.dossier
    agency = f.agencies.name_of(entry.actor_agency)
    return [
        Paragraph(f"Kính gửi: {d.applicant.name}", bold=True, centered=True),
        Paragraph(
            f"Ngày {day(d.received_at or d.submitted_at)}, {agency} tiếp nhận giải quyết hồ sơ của "
            f"ông/bà đề nghị giải quyết thủ tục {f.procedure.name}."
        ),
        Fields((("Mã hồ sơ", d.code), *fields)),
        Paragraph(why),
        Paragraph(entry.note, italic=True),
        *(Paragraph(text) for text in after),
        Signatures(((HEAD, SIGN_AND_SEAL, entry.actor_name),)),
    ]


def apology(f: DossierForms) -> Form:
    extended = f.entry(FormCode.APOLOGY, Action.EXTEND_WITH_APOLOGY)
    agency = f.agencies.name_of(extended.actor_agency)
    old = extended.previous_due_at or extended.original_due_at
    new = hour_and_date(extended.due_at) if extended.due_at else ""
    blocks = _letter(
        f,
        extended,
        (("Thời hạn trả kết quả giải quyết hồ sơ", hour_and_date(old) if old else ""),),
        f"Tuy nhiên đến nay, {agency} chưa trả kết quả giải quyết hồ sơ của ông/bà đúng hạn ghi "
        "trên Giấy tiếp nhận hồ sơ và hẹn trả kết quả. Lý do:",
        (
            f"Sự chậm trễ này đã gây phiền hà cho ông/bà. {agency} xin lỗi ông/bà và đề nghị gia "
            f"hạn thời gian giải quyết, hẹn lại ngày trả kết quả vào: {new}.",
            "Xin trân trọng cảm ơn sự hợp tác của ông/bà.",
        ),
    )
    title = "VĂN BẢN XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT"
    return f.issued(FormCode.APOLOGY, title, extended.actor_agency, extended.at, blocks)


def stop_notice(f: DossierForms) -> Form:
    stopped = f.entry(FormCode.STOP_NOTICE, Action.STOP)
    agency = f.agencies.name_of(stopped.actor_agency)
    blocks = _letter(
        f,
        stopped,
        (),
        f"{agency} thông báo dừng giải quyết hồ sơ của ông/bà kể từ {hour_and_date(stopped.at)} "
        "với lý do:",
        ("Xin thông báo để ông/bà được biết.",),
    )
    title = "THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ"
    return f.issued(FormCode.STOP_NOTICE, title, stopped.actor_agency, stopped.at, blocks)


# -- Mẫu 06 ---------------------------------------------------------------------------------------
def control_slip(f: DossierForms) -> Form:
    d = f.dossier
    steps = facts.handovers(d, f.history, f.procedure, f.calendar)
    if not steps:
        raise FormUnavailable(FormCode.CONTROL_SLIP, f"hồ sơ {d.code} chưa được tiếp nhận")
    rows = []
    for i, h in enumerate(steps, 1):
        giver = f.place(h.giver.agency, h.giver.unit)
        taker = (
            f.place(h.receiver.agency, h.receiver.unit)
            if h.receiver
            else ("Cá nhân, tổ chức" if d.status is DossierStatus.RETURNED else "")
        )
        handed = (
            f"Giao: {giver}" + (f" ({h.given_by})" if h.given_by else "")
            + (f"\nNhận: {taker}" if taker else "")
        )  # fmt: skip
        times = f"Nhận: {short(h.received_at)}" + (
            f"\nGiao: {short(h.handed_at)}" if h.handed_at else ""
        )
        rows.append(
            (str(i), f"{h.step_name}\n{handed}", times, short(h.due_at), h.result.value, h.note)
        )
    blocks: list[Block] = [
        Fields(
            f.about()
            + (
                ("Người nộp hồ sơ", d.applicant.name),
                ("Cơ quan giải quyết", f.agencies.name_of(d.resolving_agency)),
                ("Thời gian nhận hồ sơ", short(d.received_at)),
                ("Thời gian hẹn trả kết quả", short(d.original_due_at or d.due_at)),
            )
            + ((("Hẹn lại (gia hạn)", short(d.due_at)),) if d.apologies else ())
        ),
        Table(
            (
                "STT",
                "Bước, giao và nhận hồ sơ",
                "Thời gian giao, nhận",
                "Hạn của bước",
                "Kết quả (trước hạn / đúng hạn / quá hạn)",
                "Ghi chú",
            ),
            tuple(rows),
            (6, 36, 17, 13, 12, 16),
        ),
        Paragraph(f"Kết quả giải quyết hồ sơ: {_overall(d)}.", bold=True),
    ]
    return f.issued(
        FormCode.CONTROL_SLIP,
        "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ",
        d.resolving_agency,
        f.printed_at,
        blocks,
    )


def _overall(d: Dossier) -> str:
    """Judged against the first appointment, as QĐ 766 judges (an extension is late)."""
    from chalicelib.domain.indicators import judged

    appointment = d.original_due_at or d.due_at
    resolved = d.status in (DossierStatus.RESOLVED, DossierStatus.RETURNED)
    if not resolved or d.ended_at is None or appointment is None:
        return d.status.label_vi
    verdict = judged(d.ended_at, appointment, d.supplement_requests, d.supplement_after_limit)
    if "late" in verdict:
        return facts.Timeliness.LATE.value
    return (facts.Timeliness.EARLY if "early" in verdict else facts.Timeliness.ON_TIME).value


# -- Mẫu 07 ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class BookLine:
    """One dossier's line in the tracking book."""

    record: DossierRecord
    procedure_name: str


TRACKING_HEADERS = (
    "STT", "Mã hồ sơ", "Tên thủ tục hành chính", "Số lượng hồ sơ (bộ)", "Tên cá nhân, tổ chức",
    "Số điện thoại", "Cơ quan chủ trì giải quyết", "Nhận hồ sơ", "Hẹn trả kết quả",
    "Chuyển hồ sơ đến cơ quan giải quyết", "Nhận kết quả từ cơ quan giải quyết",
    "Trả kết quả cho cá nhân, tổ chức", "Ghi chú",
)  # fmt: skip


def tracking_rows(
    lines: Sequence[BookLine], agencies: AgencyRegistry
) -> tuple[tuple[str, ...], ...]:
    """The book's lines, in the order the dossiers were received."""
    ordered = sorted(
        lines, key=lambda line: (line.record.dossier.submitted_at, line.record.dossier.code)
    )
    rows = []
    for i, line in enumerate(ordered, 1):
        d, history = line.record.dossier, sorted(line.record.history, key=lambda e: e.version)
        taken = facts.entry_of(history, Action.TAKE_UP)
        resolved = facts.entry_of(history, Action.RESOLVE, Action.RETURN_INELIGIBLE)
        returned = facts.entry_of(history, Action.RETURN_RESULT)
        rows.append((
            str(i), d.code, line.procedure_name, "01", d.applicant.name,
            shown_phone(d.applicant.phone),
            agencies.name_of(d.resolving_agency), short(d.received_at),
            short(d.original_due_at or d.due_at), short(taken.at if taken else None),
            short(resolved.at if resolved else None), short(returned.at if returned else None),
            _book_note(d),
        ))  # fmt: skip
    return tuple(rows)


def _book_note(d: Dossier) -> str:
    verdict = _overall(d)
    return verdict if verdict == d.status.label_vi else f"{d.status.label_vi}, {verdict.lower()}"


def tracking_book(
    agency: str,
    first: datetime,
    last: datetime,
    lines: Sequence[BookLine],
    agencies: AgencyRegistry,
    printed_at: datetime,
) -> Form:
    return Form(
        FormCode.TRACKING_BOOK,
        facts.letterhead(agencies, agency, printed_at),
        "SỔ THEO DÕI HỒ SƠ",
        f"Từ {long_date(first)} đến {long_date(last)}",
        (
            Table(
                TRACKING_HEADERS,
                tracking_rows(lines, agencies),
                (3, 16, 11, 4, 9, 8, 8, 6, 6, 6, 6, 6, 11),
            ),
        ),
        landscape=True,
        subject=agency,
    )


# The forms of one dossier (Mẫu 07 is a book of many).
DOSSIER_FORMS: dict[FormCode, Callable[[DossierForms], Form]] = {
    FormCode.RECEIPT: receipt,
    FormCode.SUPPLEMENT_REQUEST: supplement_request,
    FormCode.REFUSAL: refusal,
    FormCode.APOLOGY: apology,
    FormCode.STOP_NOTICE: stop_notice,
    FormCode.CONTROL_SLIP: control_slip,
}


def shown_phone(phone: str | None) -> str:
    """A phone as people write it: `84912345678` (how it is kept) → `0912345678`."""
    if not phone:
        return ""
    return "0" + phone[2:] if phone.startswith("84") and len(phone) >= 10 else phone
