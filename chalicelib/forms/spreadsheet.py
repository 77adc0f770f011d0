"""The tracking book (Mẫu 07) as a spreadsheet: CSV in UTF-8 with a byte-order mark, which
Excel and LibreOffice open with the Vietnamese letters intact (no XLSX writer is bundled)."""

from __future__ import annotations

import csv
import io

from chalicelib.forms.model import Form, Table

BOM = "\ufeff"
# A cell starting with one of these is a formula to a spreadsheet: an applicant's name must
# never run as one (CSV injection), so it is written as text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def table_csv(form: Form) -> bytes:
    """The form's first table as CSV: its headers, then its rows."""
    table = next(b for b in form.blocks if isinstance(b, Table))
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(table.headers)
    writer.writerows([_as_text(cell) for cell in row] for row in table.rows)
    return out.getvalue().encode("utf-8")


def _as_text(cell: str) -> str:
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell
