"""Reads the agency registry and the procedure catalog from YAML or JSON files.

The only module that reads these files; the domain validates what it is given. File format:
docs/catalog-format.md.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from chalicelib.adapters import prebuilt
from chalicelib.domain.agencies import AgencyRegistry, parse_agencies, parse_agency_aliases
from chalicelib.domain.errors import CatalogError
from chalicelib.domain.procedures import Catalog, parse_catalog

# The repository's data/ folder, which packaging adds to the zip beside chalicelib/; deployments
# that ship the files elsewhere set MOTCUA_DATA_DIR (chalicelib/settings.py).
DATA_DIR = Path(__file__).resolve().parents[2] / "data"
AGENCIES_FILE = "agencies.yaml"
AGENCY_ALIASES_FILE = "agency_aliases.yaml"  # optional, beside the registry
CATALOG_FILE = "procedures.yaml"
SUFFIXES = (".yaml", ".yml", ".json")

PathLike = str | os.PathLike[str]
T = TypeVar("T")


def load_agencies(path: PathLike | None = None) -> AgencyRegistry:
    """The agency registry in `path` (default: the packaged `data/agencies.yaml`), with the
    alias table `agency_aliases.yaml` of the same folder when there is one (names and former
    codes of its agencies: editing that file needs no code change)."""
    source = Path(path) if path is not None else DATA_DIR / AGENCIES_FILE
    registry = _parse_file(source, parse_agencies)
    aliases = source.with_name(AGENCY_ALIASES_FILE)
    if not aliases.exists():
        return registry
    return _parse_file(aliases, lambda document: parse_agency_aliases(document, registry))


def agencies_from(agencies: bytes, aliases: bytes | None, origin: str) -> AgencyRegistry:
    """The registry and alias table from their stored bytes (YAML or JSON), as `load_agencies`
    reads them from files; errors name `origin`."""
    source = Path(origin) / AGENCIES_FILE
    registry = _parse(source, parse_document(source, agencies), parse_agencies)
    if aliases is None:
        return registry
    named = Path(origin) / AGENCY_ALIASES_FILE
    return _parse(
        named,
        parse_document(named, aliases),
        lambda document: parse_agency_aliases(document, registry),
    )


def load_catalog(path: PathLike | None, agencies: AgencyRegistry) -> Catalog:
    """The catalog in `path` (default: the packaged `data/procedures.yaml`), checked against
    `agencies`: every agency and unit a procedure names must exist there."""
    source = Path(path) if path is not None else DATA_DIR / CATALOG_FILE
    return _parse_file(source, lambda document: parse_catalog(document, agencies))


def read_document(path: PathLike) -> Any:
    """The parsed content of a `.yaml`, `.yml` or `.json` file; any failure names the file."""
    source = Path(path)
    _check_suffix(source)
    try:
        raw = source.read_bytes()
    except OSError as exc:
        raise _file_error(source, f"cannot be read ({exc.strerror or exc})") from exc
    return parse_document(source, raw)


def _check_suffix(source: Path) -> str:
    suffix = source.suffix.lower()
    if suffix not in SUFFIXES:
        raise _file_error(source, f"unsupported file type '{suffix}'; use {', '.join(SUFFIXES)}")
    return suffix


def parse_document(source: Path, raw: bytes) -> Any:
    """`raw`, the content of a file named `source`, parsed by its suffix; errors name it."""
    suffix = _check_suffix(source)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _file_error(source, "not UTF-8 text") from exc
    if suffix == ".json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            where = f"line {exc.lineno}, column {exc.colno}"
            raise _file_error(source, f"not valid JSON ({where}): {exc.msg}") from exc
    found, document = prebuilt.document_for(source, raw)  # made by `make package`
    return document if found else parse_yaml(source, text)


def parse_yaml(source: Path, text: str) -> Any:
    """`text` parsed as YAML (libyaml's safe loader when PyYAML has it); errors name `source`."""
    import yaml  # only when no prebuilt form is there: its import is a cold start's cost

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return yaml.load(text, Loader=loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise _file_error(source, f"not valid YAML{where}: {problem}") from exc


def _file_error(path: Path, reason: str) -> CatalogError:
    return CatalogError(f"{path}: {reason}", procedure=None, field=None)


def _parse_file(path: Path, parse: Callable[[Any], T]) -> T:
    return _parse(path, read_document(path), parse)


def _parse(path: Path, document: Any, parse: Callable[[Any], T]) -> T:
    # Validation errors name the procedure and field; the note adds which file they came from.
    try:
        return parse(document)
    except CatalogError as exc:
        exc.add_note(f"in {path}")
        raise
