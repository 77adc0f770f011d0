"""What a store raises that its callers handle: every implementation raises the same ones."""

from __future__ import annotations


class DossierCodeTaken(Exception):
    """Another submission already holds this dossier code."""

    def __init__(self, code: str) -> None:
        super().__init__(f"dossier code {code} is already taken")
        self.code = code


class InvalidCursor(ValueError):
    """A pagination cursor that this store did not issue."""
