"""Whether text shows anything: the rule against names and reasons made of invisible characters.

A name of U+3164 HANGUL FILLER alone is a letter (Lo) by its category, yet prints as nothing;
so is a note of BRAILLE PATTERN BLANK (So) or of combining accents with no letter to sit on.
The rule reads Unicode properties, not a list of tricks:

- invisible: White_Space, Default_Ignorable_Code_Point (DerivedCoreProperties.txt: format
  characters, variation selectors, the Hangul fillers, the joiners, the reserved ranges kept for
  more of them), and the general categories Cc, Cf, Cs, Co, Cn, Zs, Zl, Zp;
- blank graphic characters: the few characters that Unicode gives a visible category but an
  empty reference glyph; no property names them, so they are listed (BLANK_GLYPHS);
- a combining mark (Mn, Me) shows only on a base character: marks alone show nothing.

Python's `unicodedata` has no Default_Ignorable_Code_Point; the ranges below are generated from
the `regex` package's `\\p{Default_Ignorable_Code_Point}`, and tests/unit/test_visible_text.py
holds the table to it (and prints a fresh table when the Unicode data moves).
"""

from __future__ import annotations

import unicodedata
from bisect import bisect_right
from typing import Final

# Default_Ignorable_Code_Point, as inclusive ranges of code points (Unicode 16/17).
DEFAULT_IGNORABLE: Final[tuple[tuple[int, int], ...]] = (
    (0x00AD, 0x00AD),
    (0x034F, 0x034F),
    (0x061C, 0x061C),
    (0x115F, 0x1160),
    (0x17B4, 0x17B5),
    (0x180B, 0x180F),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x206F),
    (0x3164, 0x3164),
    (0xFE00, 0xFE0F),
    (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0),
    (0xFFF0, 0xFFF8),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0000, 0xE0FFF),
)
_STARTS: Final = tuple(start for start, _ in DEFAULT_IGNORABLE)

# Graphic by category, blank by glyph: BRAILLE PATTERN BLANK (So, the cell with no dot raised)
# and MUSICAL SYMBOL NULL NOTEHEAD (So).
BLANK_GLYPHS: Final = frozenset({"\u2800", "\U0001d159"})

INVISIBLE_CATEGORIES: Final = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zs", "Zl", "Zp"})
MARK_CATEGORIES: Final = frozenset({"Mn", "Me"})


def default_ignorable(char: str) -> bool:
    """Unicode's Default_Ignorable_Code_Point: rendered as nothing when not supported."""
    code = ord(char)
    index = bisect_right(_STARTS, code) - 1
    return index >= 0 and code <= DEFAULT_IGNORABLE[index][1]


def invisible(char: str) -> bool:
    """`char` prints as nothing, or as blank space, wherever it stands."""
    return (
        char.isspace()
        or unicodedata.category(char) in INVISIBLE_CATEGORIES
        or default_ignorable(char)
        or char in BLANK_GLYPHS
    )


def shows(char: str) -> bool:
    """`char` prints something of its own: not invisible, and not a mark that needs a base."""
    return not invisible(char) and unicodedata.category(char) not in MARK_CATEGORIES


def visible_text(value: str) -> bool:
    """Something is left to read once invisible characters and lone marks are set aside."""
    return any(shows(char) for char in value)


def first_hidden(value: str) -> str | None:
    """The first character of `value` that is invisible but not an ordinary space (U+0020):
    such a character inside a name makes two names that look the same differ."""
    for char in value:
        if char != " " and (default_ignorable(char) or char in BLANK_GLYPHS):
            return char
    return None
