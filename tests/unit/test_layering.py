"""The layering contract: entry -> services -> ports and domain; adapters -> ports and domain.
Nothing below imports upward. Read from the source (every import statement, including those
inside functions and under TYPE_CHECKING), like the domain purity test."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Each layer, and the layers it may import (itself included). `kernel` is the settings and the
# clock: values every layer but the domain is handed.
LAYERS: dict[str, tuple[str, ...]] = {
    "domain": ("domain",),
    "kernel": ("kernel", "domain"),
    "ports": ("ports", "domain"),
    "services": ("services", "ports", "domain", "kernel"),
    "adapters": ("adapters", "ports", "domain", "kernel"),
    "entry": ("entry", "services", "adapters", "ports", "domain", "kernel"),
}
# Module prefixes and their layer, most specific first.
PLACES: tuple[tuple[str, str], ...] = (
    ("chalicelib.domain", "domain"),
    ("chalicelib.ports", "ports"),
    ("chalicelib.settings", "kernel"),
    ("chalicelib.clock", "kernel"),
    ("chalicelib.services", "services"),
    ("chalicelib.forms.render", "adapters"),  # the form as a PDF file (fpdf2)
    ("chalicelib.forms", "ports"),  # what a form says: values built from records, pure
    ("chalicelib.auth", "services"),  # who calls: verified with ports (secrets, replay guard)
    ("chalicelib.intake", "services"),  # what a submission says, checked against the catalog
    ("chalicelib.notify.model", "ports"),  # a message and its outcome: the providers' vocabulary
    ("chalicelib.notify", "adapters"),
    ("chalicelib.adapters", "adapters"),
    ("chalicelib.http", "entry"),
    ("chalicelib.web", "entry"),  # pages for people: HTML over the same services as the API
    ("chalicelib.handlers", "entry"),
    ("chalicelib.observability", "entry"),
    ("chalicelib.bootstrap", "entry"),
    ("chalicelib.cli", "entry"),
    ("chalicelib.ops", "entry"),
    ("app", "entry"),
)


def layer_of(module: str) -> str | None:
    for prefix, layer in PLACES:
        if module == prefix or module.startswith(prefix + "."):
            return layer
    return None


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "chalicelib":  # `from chalicelib import bootstrap`: each a module
                found += [(node.lineno, f"chalicelib.{alias.name}") for alias in node.names]
            else:
                found.append((node.lineno, node.module))
    return found


def violations(paths: list[Path]) -> list[str]:
    found = []
    for path in paths:
        own = layer_of(module_name(path))
        assert own is not None, f"{path}: no layer; add it to PLACES"
        for line, target in imports(path):
            theirs = layer_of(target)
            if theirs is not None and theirs not in LAYERS[own]:
                found.append(f"{path.relative_to(ROOT)}:{line}: {own} imports {target} ({theirs})")
    return found


PACKAGE_MARKER = ROOT / "chalicelib" / "__init__.py"
SOURCES = sorted([ROOT / "app.py", *(ROOT / "chalicelib").rglob("*.py")])
SOURCES.remove(PACKAGE_MARKER)


def test_nothing_imports_upward():
    assert violations(SOURCES) == []


def test_every_module_has_a_layer():
    assert all(layer_of(module_name(path)) for path in SOURCES)


@pytest.mark.parametrize(
    ("layer_module", "upward"),
    [
        ("chalicelib/services/scratch_upward.py", "from chalicelib.http import problems"),
        ("chalicelib/services/scratch_upward.py", "from chalicelib.adapters import aws"),
        ("chalicelib/domain/scratch_upward.py", "from chalicelib.services import errors"),
        ("chalicelib/adapters/scratch_upward.py", "from chalicelib import bootstrap"),
        ("chalicelib/ports/scratch_upward.py", "import chalicelib.adapters.dynamo_store"),
    ],
)
def test_an_upward_import_is_caught(monkeypatch, layer_module, upward):
    """The check itself can fail: a scratch module with an upward import is reported."""
    scratch = ROOT / layer_module
    monkeypatch.setattr(Path, "read_text", _reading({scratch: f"{upward}\n"}))
    assert len(violations([scratch])) == 1


def _reading(fakes: dict[Path, str]):
    real = Path.read_text

    def read_text(self: Path, *args, **kwargs) -> str:
        return fakes[self] if self in fakes else real(self, *args, **kwargs)

    return read_text
