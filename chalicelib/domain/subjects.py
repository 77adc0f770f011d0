"""E-mail subjects that fit, and never cut a date: a name is shortened, a date never is.

A mail client shows a subject's first 60 to 120 characters; a subject cut in the middle of a
date ("… (16:00 20/0") misleads the official who reads only that. So a subject is built from
parts: the head (what and which dossier) and the tail (the date) are kept whole, and only the
name between them (a step's or a procedure's name, which may be long) gives way, at a word,
with an ellipsis.
"""

from __future__ import annotations

import re
from typing import Final

SUBJECT_MAX: Final = 120
ELLIPSIS: Final = "…"
# A time and date as officials read them (14:30 20/03/2026), or a date alone.
DATE_TEXT: Final = re.compile(r"(?:\d{1,2}:\d{2} )?\d{1,2}/\d{1,2}/\d{4}")


def shorten(text: str, room: int) -> str:
    """`text` in at most `room` characters: whole if it fits, else cut after a whole word with
    an ellipsis (empty when not even one word fits); a date in it stays whole or goes whole."""
    text = " ".join(text.split())
    if len(text) <= room:
        return text
    limit = room - len(ELLIPSIS)
    if limit <= 0:
        return ""
    if text[limit] != " ":
        limit = text.rfind(" ", 0, limit + 1)  # back to the end of the last whole word
    for date in DATE_TEXT.finditer(text):
        if date.start() < limit < date.end():
            limit = date.start()  # the whole date goes, never a piece of it
    cut = text[: max(limit, 0)].rstrip(" ,;:-('\"")
    return f"{cut}{ELLIPSIS}" if cut else ""


def email_subject(head: str, name: str = "", tail: str = "", limit: int = SUBJECT_MAX) -> str:
    """`head name tail` in `limit` characters: the head and the tail whole (they carry the
    dossier's code and the date), the name shortened to what room is left."""
    fixed = " ".join(part for part in (head, tail) if part)
    room = limit - len(fixed) - (2 if head and tail else 1)
    short = shorten(name, room) if name else ""
    return " ".join(part for part in (head, short, tail) if part)


def fit(text: str, limit: int = SUBJECT_MAX) -> str:
    """A free text as a subject (when it has no parts): shortened at a word, the dates in it
    kept whole or left out whole."""
    return shorten(text, limit)
