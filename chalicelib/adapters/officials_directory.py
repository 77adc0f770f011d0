"""The officials' directory (ports/officials.py): a data file, or in memory (the fake).

The file is YAML, `officials: {<id>: {name, agency, unit, role, email?, zns_phone?, leader?}}`
(data/sample_officials.yaml is one: the local stage reads it). It is read on first use, not at
import, from its prebuilt JSON form when the package has one (adapters/prebuilt.py); only the
timer and digest workers ask.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from pathlib import Path

from pydantic import ValidationError

from chalicelib.adapters import prebuilt
from chalicelib.domain.officials import Official

OFFICIALS_FILE = "officials.yaml"  # in the data folder, when MOTCUA_OFFICIALS_FILE names none


class OfficialsFileError(ValueError):
    """The directory file is not what it should be; names the official and the field."""


class MemoryOfficials:
    """The fake, and the empty directory of a stage that has none (every alert then goes to
    the agencies' mailboxes)."""

    def __init__(self, officials: Iterable[Official] = ()) -> None:
        self._by_id = {o.id: o for o in officials}

    def get(self, official_id: str) -> Official | None:
        return self._by_id.get(official_id)

    def of_agency(self, agency: str) -> list[Official]:
        return [o for o in self._by_id.values() if o.agency == agency]


def parse_officials(document: object, origin: str) -> list[Official]:
    if not isinstance(document, dict) or not isinstance(document.get("officials"), dict):
        raise OfficialsFileError(f"{origin}: expected a mapping 'officials: {{<id>: ...}}'")
    found = []
    for key, fields in document["officials"].items():
        if not isinstance(fields, dict):
            raise OfficialsFileError(f"{origin}: officials.{key}: expected a mapping")
        try:
            found.append(Official.model_validate({"id": str(key), **fields}))
        except ValidationError as exc:
            error = exc.errors()[0]
            where = ".".join(str(p) for p in error["loc"])
            raise OfficialsFileError(f"{origin}: officials.{key}.{where}: {error['msg']}") from exc
    known = {o.id for o in found}
    for official in found:
        if official.leader is not None and official.leader not in known:
            raise OfficialsFileError(
                f"{origin}: officials.{official.id}.leader: no official {official.leader!r}"
            )
    return found


class FileOfficials:
    """The directory read from one YAML file, once, on first use."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._loaded: MemoryOfficials | None = None
        self._lock = threading.Lock()

    def _directory(self) -> MemoryOfficials:
        if self._loaded is None:
            with self._lock:
                if self._loaded is None:
                    raw = self.path.read_bytes()
                    found, document = prebuilt.document_for(self.path, raw)  # packaged: JSON
                    if not found:
                        import yaml

                        document = yaml.safe_load(raw.decode("utf-8"))
                    self._loaded = MemoryOfficials(parse_officials(document, str(self.path)))
        return self._loaded

    def get(self, official_id: str) -> Official | None:
        return self._directory().get(official_id)

    def of_agency(self, agency: str) -> list[Official]:
        return self._directory().of_agency(agency)
