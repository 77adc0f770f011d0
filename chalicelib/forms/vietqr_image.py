"""A VietQR payload drawn as an SVG a page can inline (the lookup page, the notice).

segno is imported inside the function: the API's cold start does not pay for it."""

from __future__ import annotations

import io


def vietqr_svg(payload: str, *, scale: int = 4, title: str = "VietQR") -> str:
    """The QR code of `payload` as an SVG document (no XML declaration), error correction M
    and the standard's quiet zone of four modules, so every bank app can read it."""
    import segno

    if not payload:
        raise ValueError("payload: empty")
    code = segno.make(payload, error="m", micro=False, boost_error=False)
    out = io.BytesIO()
    code.save(out, kind="svg", scale=scale, border=4, xmldecl=False, svgns=True, title=title)
    return out.getvalue().decode("utf-8")
