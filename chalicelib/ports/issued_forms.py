"""The forms issued as files (Mẫu 01–07): which object holds a form, and what it was made from.

A dossier's form is kept under the dossier's partition (`D#<code>` / `G#<form>`), an agency's
tracking book under the agency's (`BOOK#<agency>` / `G#07#<period>#<format>`). `source` says
what the file was rendered from (the dossier's revision; for a book, a hash of its lines): the
same source answers the same object, another one renders the form again.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from pydantic import BaseModel, ConfigDict


class IssuedForm(BaseModel):
    model_config = ConfigDict(frozen=True)

    form: str  # "01".."07"
    source: str  # what it was rendered from: a dossier's revision, a book's lines' hash
    key: str  # the object in the files bucket
    sha256: str
    size: int
    content_type: str
    filename: str  # the download's name
    at: datetime


class IssuedForms(Protocol):
    def get(self, partition: str, slot: str) -> IssuedForm | None: ...

    def put(self, partition: str, slot: str, issued: IssuedForm) -> None:
        """Keep `issued` in `slot`, replacing what was there (a form of an older source)."""
        ...
