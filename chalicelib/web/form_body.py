"""A page form's body: application/x-www-form-urlencoded, UTF-8, bounded; one value a field."""

from __future__ import annotations

from urllib.parse import parse_qs

from chalicelib.web.errors import PageRefused

FORM_TYPE = "application/x-www-form-urlencoded"


def form_fields(
    content_type: str | None, raw: bytes | str | None, max_bytes: int
) -> dict[str, str]:
    """The fields of a posted form (the first value of each); a body that is not a form, too
    large, or not UTF-8 is refused with a 400 page."""
    media = (content_type or "").split(";", 1)[0].strip().lower()
    body = raw.encode() if isinstance(raw, str) else (raw or b"")
    if media != FORM_TYPE or len(body) > max_bytes:
        raise PageRefused(400)
    try:
        text = body.decode("utf-8")
        parsed = parse_qs(text, keep_blank_values=True, strict_parsing=False, errors="strict")
    except (UnicodeDecodeError, ValueError):
        raise PageRefused(400) from None
    return {name: values[0] for name, values in parsed.items()}
