"""The operator's CLI is installed as `motcua`, and what only it uses never reaches a Lambda:
no module app.py can import (at top level or inside a function) imports the CLI or its
progress library, and the Lambda's lock does not carry that library."""

from __future__ import annotations

import ast
import importlib
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CLI_ONLY = ("rich", "tqdm", "chalicelib.cli")


def module_file(name: str) -> Path | None:
    base = ROOT.joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.exists():
            return candidate
    return None


def imported_by(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def reachable_from(start: Path) -> set[str]:
    """Every module name a file can import, following the project's own modules."""
    seen: set[str] = set()
    todo = [start]
    done: set[Path] = set()
    while todo:
        path = todo.pop()
        if path in done:
            continue
        done.add(path)
        for name in imported_by(path):
            seen.add(name)
            # a package's __init__ runs before its module: follow every prefix
            parts = name.split(".")
            for n in range(1, len(parts) + 1):
                found = module_file(".".join(parts[:n]))
                if found is not None and found not in done:
                    todo.append(found)
    return seen


def test_no_lambda_module_imports_the_cli_or_its_progress_library():
    reached = reachable_from(ROOT / "app.py")
    assert "chalicelib.handlers.workers" in reached  # the walk does follow the workers
    leaks = sorted(
        name
        for name in reached
        for banned in CLI_ONLY
        if name == banned or name.startswith(banned + ".")
    )
    assert leaks == []


def test_the_lambda_lock_does_not_carry_the_progress_library():
    lock = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    assert not re.search(r"^(rich|tqdm)==", lock, re.MULTILINE)
    dev = (ROOT / "requirements-dev.txt").read_text(encoding="utf-8")
    assert re.search(r"^rich==", dev, re.MULTILINE)


def test_the_project_installs_the_motcua_command():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    module, _, function = project["project"]["scripts"]["motcua"].partition(":")
    assert callable(getattr(importlib.import_module(module), function))
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "pip install --quiet --no-deps --no-build-isolation -e ." in makefile
