"""A form as a PDF file: A4, the administrative style (Times-compatible Tinos, the national
motto and the agency's letterhead side by side, the title in bold capitals), fonts embedded
and subset so that every Vietnamese letter prints and extracts as itself.

Imports fpdf2 (segno on the first QR code): imported only where a form is rendered
(`Container.form_deps`), never at a function's cold start.
"""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import Align, TableCellFillMode, XPos, YPos
from fpdf.fonts import FontFace

from chalicelib.adapters.catalog_files import DATA_DIR
from chalicelib.forms.model import Block, Fields, Form, Paragraph, Qr, Signatures, Table

FONTS_DIR = DATA_DIR / "fonts"
FAMILY = "Tinos"
FONT_FILES = {"": "Tinos-Regular.ttf", "B": "Tinos-Bold.ttf", "I": "Tinos-Italic.ttf"}
MOTTO = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO_2 = "Độc lập - Tự do - Hạnh phúc"
BODY = 12  # points: the body of administrative documents is 12-14 pt
LINE = 6.5  # mm between body lines
HEAD_LEFT = 0.42  # share of the text width the letterhead's left column takes


class _Sheet(FPDF):
    def footer(self) -> None:
        if self.pages_count > 1:
            self.set_y(-12)
            self.set_font(FAMILY, "I", 9)
            self.cell(0, 5, f"Trang {self.page_no()}/{{nb}}", align=Align.C)


def render(form: Form, *, created_at: datetime | None = None, fonts: Path = FONTS_DIR) -> bytes:
    """The form's PDF bytes. `created_at` fixes the file's creation date, so that the same
    form gives the same bytes (a stored form is regenerated only when its dossier changes)."""
    pdf = _Sheet(orientation="L" if form.landscape else "P", unit="mm", format="A4")
    pdf.set_margins(left=20 if form.landscape else 25, top=15, right=15)
    pdf.set_auto_page_break(auto=True, margin=18)
    for style, name in FONT_FILES.items():
        pdf.add_font(FAMILY, style, str(fonts / name))
    pdf.set_title(f"{form.number} - {form.title}")
    pdf.set_subject(form.subject)
    pdf.set_creator("motcua")
    pdf.set_lang("vi-VN")
    if created_at is not None:
        pdf.set_creation_date(created_at)
    pdf.add_page()
    _letterhead(pdf, form)
    _title(pdf, form)
    for block in form.blocks:
        _block(pdf, block)
    return bytes(pdf.output())


def _letterhead(pdf: FPDF, form: Form) -> None:
    width = pdf.epw
    left_w, right_w = width * HEAD_LEFT, width * (1 - HEAD_LEFT)
    x0, y0 = pdf.l_margin, pdf.get_y()
    pdf.set_font(FAMILY, "I", 10)
    pdf.set_xy(x0, y0)
    pdf.cell(width, 4, form.number, align=Align.R, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    top = pdf.get_y() + 1
    # Left: the governing body (regular) over the issuer (bold), centred, a short rule below.
    pdf.set_xy(x0, top)
    if form.letterhead.parent:
        pdf.set_font(FAMILY, "", 11)
        pdf.multi_cell(left_w, 5, form.letterhead.parent, align=Align.C,
                       new_x=XPos.LEFT, new_y=YPos.NEXT)  # fmt: skip
    pdf.set_font(FAMILY, "B", 11)
    pdf.multi_cell(left_w, 5, form.letterhead.issuer, align=Align.C,
                   new_x=XPos.LEFT, new_y=YPos.NEXT)  # fmt: skip
    _rule(pdf, x0 + left_w / 2, pdf.get_y() + 1.5, 22)
    left_bottom = pdf.get_y() + 2
    # Right: the national motto, its second line underlined, then the place and date.
    pdf.set_xy(x0 + left_w, top)
    pdf.set_font(FAMILY, "B", 11.5)
    pdf.cell(right_w, 5, MOTTO, align=Align.C, new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_font(FAMILY, "B", 12.5)
    pdf.cell(right_w, 5.5, MOTTO_2, align=Align.C, new_x=XPos.LEFT, new_y=YPos.NEXT)
    _rule(pdf, x0 + left_w + right_w / 2, pdf.get_y() + 0.5, pdf.get_string_width(MOTTO_2))
    pdf.set_xy(x0 + left_w, pdf.get_y() + 3)
    pdf.set_font(FAMILY, "I", BODY)
    pdf.cell(right_w, 6, form.letterhead.place_and_date, align=Align.C)
    pdf.set_xy(x0, max(left_bottom, pdf.get_y() + 6) + 4)


def _rule(pdf: FPDF, centre: float, y: float, length: float) -> None:
    pdf.set_line_width(0.3)
    pdf.line(centre - length / 2, y, centre + length / 2, y)


def _title(pdf: FPDF, form: Form) -> None:
    pdf.set_font(FAMILY, "B", 14)
    pdf.multi_cell(0, 7, form.title, align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if form.subtitle:
        pdf.set_font(FAMILY, "I", BODY)
        pdf.multi_cell(0, LINE, form.subtitle, align=Align.C, new_x=XPos.LMARGIN,
                       new_y=YPos.NEXT)  # fmt: skip
    pdf.ln(3)


def _block(pdf: FPDF, block: Block) -> None:
    if isinstance(block, Paragraph):
        style = ("B" if block.bold else "") + ("I" if block.italic else "")
        pdf.set_font(FAMILY, style, BODY)
        pdf.multi_cell(0, LINE, block.text, align=Align.C if block.centered else Align.J,
                       new_x=XPos.LMARGIN, new_y=YPos.NEXT)  # fmt: skip
        pdf.ln(0.5)
    elif isinstance(block, Fields):
        for label, value in block.rows:
            pdf.set_x(pdf.l_margin)
            pdf.set_font(FAMILY, "", BODY)
            pdf.write(LINE, f"{'- ' if block.bullet else ''}{label}: ")
            pdf.set_font(FAMILY, "B", BODY)
            pdf.write(LINE, value)
            pdf.ln(LINE)
        pdf.ln(0.5)
    elif isinstance(block, Table):
        _table(pdf, block)
    elif isinstance(block, Signatures):
        _signatures(pdf, block)
    elif isinstance(block, Qr):
        _qr(pdf, block)


def _table(pdf: FPDF, block: Table) -> None:
    size = 8.5 if len(block.headers) > 8 else 10.5
    pdf.set_font(FAMILY, "", size)
    pdf.ln(1)
    with pdf.table(
        col_widths=block.widths,
        line_height=size * 0.5,
        text_align="LEFT",
        headings_style=FontFace(emphasis="BOLD", fill_color=(235, 235, 235)),
        cell_fill_mode=TableCellFillMode.NONE,
        padding=1,
        align=Align.L,  # from the left margin, as the text: not centred on the page
    ) as table:
        heading = table.row()
        for text in block.headers:
            heading.cell(text, align=Align.C)
        for values in block.rows:
            row = table.row()
            for text in values:
                row.cell(text)
    pdf.ln(3)


def _signatures(pdf: FPDF, block: Signatures) -> None:
    count = len(block.boxes)
    width = pdf.epw / max(count, 2)
    if pdf.will_page_break(40):
        pdf.add_page()
    pdf.ln(4)
    top = pdf.get_y()
    for i, (title, hint, name) in enumerate(block.boxes):
        # One box stands on the right, where a signer signs; two share the line.
        x = pdf.l_margin + width * (i + (1 if count == 1 else 0))
        pdf.set_xy(x, top)
        pdf.set_font(FAMILY, "B", BODY)
        pdf.cell(width, LINE, title, align=Align.C, new_x=XPos.LEFT, new_y=YPos.NEXT)
        pdf.set_font(FAMILY, "I", BODY - 1)
        pdf.cell(width, LINE, hint, align=Align.C, new_x=XPos.LEFT, new_y=YPos.NEXT)
        pdf.set_y(pdf.get_y() + 20)
        pdf.set_x(x)
        pdf.set_font(FAMILY, "B", BODY)
        pdf.cell(width, LINE, name, align=Align.C)
    pdf.set_xy(pdf.l_margin, top + 2 * LINE + 20 + LINE + 2)


def _qr(pdf: FPDF, block: Qr) -> None:
    import segno

    size = 28
    if pdf.will_page_break(size + 2):
        pdf.add_page()
    top = pdf.get_y() + 1
    if block.url:
        picture = io.BytesIO()
        segno.make(block.url, error="m").save(picture, kind="png", scale=6, border=1)
        picture.seek(0)
        pdf.image(picture, x=pdf.l_margin, y=top, w=size, h=size)
    pdf.set_xy(pdf.l_margin + (size + 4 if block.url else 0), top + (size / 2 - LINE))
    pdf.set_font(FAMILY, "I", BODY - 1)
    pdf.multi_cell(0, LINE - 1, block.caption, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_y(top + (size if block.url else LINE * 2) + 2)
