"""Naming the field at fault, the same way everywhere (catalog files, API errors)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def field_path(loc: Iterable[Any], default: str = "-") -> str:
    """`("steps", 2, "unit")` → `"steps[2].unit"`: a pydantic error location as one string."""
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
        else:
            parts.append(f".{item}" if parts else str(item))
    return "".join(parts) or default
