"""The sample officials of the local stage (data/sample_officials.yaml): the demo acts under
them and the development sign-in page lists them. Read on use (YAML is no cold start's cost)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from chalicelib.adapters.catalog_files import DATA_DIR
from chalicelib.domain.dossier import Actor
from chalicelib.domain.statuses import Role

SAMPLE_OFFICIALS_FILE = "sample_officials.yaml"


@dataclass(frozen=True)
class SampleOfficial:
    key: str  # their `sub`
    agency: str
    unit: str
    role: str
    name: str

    def actor(self) -> Actor:
        """As the system sees them once signed in (a token's claims)."""
        return Actor(id=self.key, name=self.name, agency=self.agency, unit=self.unit,
                     roles=frozenset({Role(self.role)}))  # fmt: skip


@cache
def sample_officials(data_dir: Path = DATA_DIR) -> dict[str, SampleOfficial]:
    """The sample officials by key, in the file's order."""
    import yaml

    document = yaml.safe_load((data_dir / SAMPLE_OFFICIALS_FILE).read_text(encoding="utf-8"))
    fields = ("agency", "unit", "role", "name")
    return {
        key: SampleOfficial(key, *(str(v[name]) for name in fields))
        for key, v in document["officials"].items()
    }
