"""Prebuilt JSON forms of the YAML data files, made by `make package` (infra/package.py).

Parsing YAML costs a cold start the import of PyYAML and ~6 ms with libyaml (~50 ms without);
JSON costs a fraction of a millisecond. `<name>.yaml` gets a sibling `<name>.yaml.prebuilt.json`
holding the parsed document and the SHA-256 of the YAML it came from: a prebuilt form whose
source changed since is ignored, so an edited YAML file is never shadowed by a stale one. The
document is validated by the same models either way (catalog_files.py, calendar_file.py).
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

SUFFIX = ".prebuilt.json"
SOURCES = ("*.yaml", "*.yml")


def prebuilt_path(source: Path) -> Path:
    return source.with_name(source.name + SUFFIX)


def digest(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def document_for(source: Path, raw: bytes) -> tuple[bool, Any]:
    """(True, the document) when `source`'s prebuilt form exists and was made from `raw`."""
    try:
        text = prebuilt_path(source).read_text(encoding="utf-8")
    except FileNotFoundError:
        return False, None
    built = json.loads(text)
    if built.get("source_sha256") != digest(raw):
        return False, None
    return True, built["document"]


def build(source: Path) -> Path:
    """Write `source`'s prebuilt form; answer its path."""
    import yaml

    raw = source.read_bytes()
    document = yaml.load(raw.decode("utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    target = prebuilt_path(source)
    built = {"source_sha256": digest(raw), "document": document}
    target.write_text(json.dumps(built, ensure_ascii=False, default=_json_value), "utf-8")
    return target


def build_all(data_dir: Path) -> list[Path]:
    """The prebuilt form of every YAML file in `data_dir`."""
    sources = sorted(p for pattern in SOURCES for p in data_dir.rglob(pattern))
    return [build(source) for source in sources]


def _json_value(value: Any) -> Any:
    if isinstance(value, date | datetime):  # YAML's dates: the models read ISO strings alike
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} has no JSON form")


if __name__ == "__main__":
    import sys

    for path in build_all(Path(sys.argv[1])):
        print(f"wrote {path}")
