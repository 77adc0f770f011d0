"""SMS text rules: unaccented Vietnamese, GSM 03.38 alphabets, and how many parts a text costs.

Any Vietnamese diacritic forces UCS-2 (70 characters, 67 per part) and every part is billed, so
notices are sent unaccented in GSM-7 (160 septets, 153 per part). Parts are counted by greedy
segmentation, as handsets and SMS centres split, because a plain division is wrong at the edges:
an escape sequence (extension character) or a UTF-16 surrogate pair is never split across parts.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Final, Literal

Encoding = Literal["GSM-7", "UCS-2"]
GSM7: Final = "GSM-7"
UCS2: Final = "UCS-2"

# GSM 03.38 basic character set in table order (0x00-0x7F); 0x1B (escape) is not a character.
GSM7_BASIC_TABLE: Final = (
    "@£$¥èéùìòÇ\nØø\rÅå"
    "Δ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ"
    " !\"#¤%&'()*+,-./"
    "0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNO"
    "PQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmno"
    "pqrstuvwxyzäöñüà"
)
GSM7_BASIC: Final = frozenset(GSM7_BASIC_TABLE) - {"\x1b"}
# Extension table: each costs two septets (escape + code). The backtick is in neither table.
GSM7_EXTENSION: Final = frozenset("\f^{}\\[~]|€")
GSM7_ALPHABET: Final = GSM7_BASIC | GSM7_EXTENSION

GSM7_SINGLE: Final = 160
GSM7_PER_PART: Final = 153  # 7 septets go to the concatenation header
UCS2_SINGLE: Final = 70
UCS2_PER_PART: Final = 67

# Applied after NFKD (which already turns NBSP and most odd spaces into ' ', '…' into '...',
# fullwidth forms into ASCII). Keys must not be GSM-7 characters, or unaccent stops being
# idempotent.
_ASCII_FOR: Final = str.maketrans(
    {
        "đ": "d",
        "Đ": "D",
        "ð": "d",
        "Ð": "D",
        "₫": "d",  # dong sign
        "‘": "'",
        "’": "'",
        "‚": "'",
        "‛": "'",
        "′": "'",
        "`": "'",
        "´": "'",
        "“": '"',
        "”": '"',
        "„": '"',
        "‟": '"',
        "″": '"',
        "«": '"',
        "»": '"',
        "‹": "<",
        "›": ">",
        "‐": "-",
        "‑": "-",
        "‒": "-",
        "–": "-",
        "—": "-",
        "―": "-",
        "−": "-",
        "•": "-",
        "·": ".",
        "×": "x",
        "÷": "/",
        "⁄": "/",  # fraction slash, from NFKD of '½'
        "≤": "<=",
        "≥": ">=",
        "\t": " ",
        "\u00a0": " ",
        "\u2028": "\n",
        "\u2029": "\n",
        # Invisible characters carry nothing worth a '?' in an SMS.
        "\u00ad": None,  # soft hyphen
        "\u200b": None,  # zero-width space
        "\u200c": None,
        "\u200d": None,
        "\u2060": None,
        "\ufeff": None,  # byte-order mark
    }
)


def unaccent(text: str) -> str:
    """Vietnamese (or any) text as GSM-7 characters: diacritics stripped, đ→d, typographic
    punctuation made ASCII, anything else outside GSM-7 replaced by '?'.

    Works character by character, so unaccent(a + b) == unaccent(a) + unaccent(b), and it is
    idempotent: its output holds only GSM-7 characters that NFKD leaves unchanged.
    """
    # NFKD rather than plain NFD: it also decomposes compatibility forms (ligatures,
    # fullwidth letters, '…') into characters that survive instead of becoming '?'.
    decomposed = unicodedata.normalize("NFKD", text).translate(_ASCII_FOR)
    out: list[str] = []
    for char in decomposed:
        if unicodedata.category(char).startswith("M"):
            continue  # combining marks: tones, horn, breve, circumflex
        out.append(char if char in GSM7_ALPHABET else "?")
    return "".join(out)


def is_gsm7(text: str) -> bool:
    return all(char in GSM7_ALPHABET for char in text)


def encoding_of(text: str) -> Encoding:
    return GSM7 if is_gsm7(text) else UCS2


def _gsm7_cost(char: str) -> int:
    return 2 if char in GSM7_EXTENSION else 1


def _ucs2_cost(char: str) -> int:
    return 2 if ord(char) > 0xFFFF else 1


def septets(text: str) -> int:
    """GSM-7 length: extension characters cost two. The text must be GSM-7."""
    return sum(_gsm7_cost(char) for char in text)


def utf16_units(text: str) -> int:
    return sum(_ucs2_cost(char) for char in text)


@dataclass(frozen=True, slots=True)
class SmsParts:
    encoding: Encoding
    units: int  # septets for GSM-7, UTF-16 code units for UCS-2
    parts: int


def split_parts(text: str) -> list[str]:
    """The text as the segments it is sent in. A Python character is a code point, so a
    surrogate pair (cost 2) or an escape sequence (cost 2) always stays within one segment."""
    if encoding_of(text) == GSM7:
        cost, single, per_part = _gsm7_cost, GSM7_SINGLE, GSM7_PER_PART
    else:
        cost, single, per_part = _ucs2_cost, UCS2_SINGLE, UCS2_PER_PART
    if sum(cost(char) for char in text) <= single:
        return [text]
    segments: list[str] = []
    start = used = 0
    for index, char in enumerate(text):
        step = cost(char)
        if used + step > per_part:
            segments.append(text[start:index])
            start, used = index, 0
        used += step
    segments.append(text[start:])
    return segments


def sms_parts(text: str) -> SmsParts:
    """Encoding, length in its units, and billed parts. An empty text still costs one part."""
    encoding = encoding_of(text)
    units = septets(text) if encoding == GSM7 else utf16_units(text)
    return SmsParts(encoding=encoding, units=units, parts=len(split_parts(text)))


def fit_septets(text: str, limit: int, ellipsis: str = "...") -> str:
    """A GSM-7 text cut to at most `limit` septets, ending with `ellipsis` when cut."""
    if septets(text) <= limit:
        return text
    room = limit - septets(ellipsis)
    if room < 0:
        raise ValueError("limit shorter than the ellipsis")
    kept: list[str] = []
    used = 0
    for char in text:
        used += _gsm7_cost(char)
        if used > room:
            break
        kept.append(char)
    return "".join(kept).rstrip() + ellipsis


def is_landline(phone: str) -> bool:
    """A Vietnamese fixed-line number, which cannot receive an SMS.

    Since the area-code change of 2017 (Bộ TT&TT, Quyết định 2036/QĐ-BTTTT of 21/11/2016,
    under the numbering plan of Thông tư 22/2014/TT-BTTTT; done by 31/08/2017) every fixed
    number is 0 + an area code starting with 2 (2X for Hà Nội and TP HCM, 2XX elsewhere) + the
    subscriber number: 11 digits nationally, 10 after the 0, `842…` normalised. No mobile
    number starts with 2, so the first digit after the country code decides. Accepts the
    normalised form (`84…`), the international one (`+84…`) and the national one (`0…`).
    """
    digits = "".join(c for c in phone if c.isdigit())
    if phone.lstrip().startswith("+") or (digits.startswith("84") and len(digits) >= 11):
        national = digits.removeprefix("84")
    else:
        national = digits.removeprefix("0")
    return national.startswith("2") and 9 <= len(national) <= 10
