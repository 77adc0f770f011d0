"""The one-stop forms of Thông tư 03/2025/TT-VPCP, Phụ lục I (Mẫu 01–07), as printable files.

- `model`: what a form says, as blocks (paragraphs, fields, tables, signatures, a QR code);
- `facts`: what the forms read off a dossier (letterhead, dates, each step's handover);
- `content`: one builder per form, from a `DossierRecord`, the catalog procedure, the agency
  registry and the calendar: pure, no I/O;
- `render`: a form as PDF bytes (fpdf2, the bundled Tinos fonts): an adapter, handed to the
  service by `Container.form_deps()` only when a form is rendered, so that fpdf2 stays out of
  every other function's cold start;
- `spreadsheet`: the tracking book (Mẫu 07) as CSV.
"""
