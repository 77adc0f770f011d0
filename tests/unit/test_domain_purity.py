"""The domain stays pure: no AWS SDK, no I/O, no clock reads. Checked on the source itself."""

import ast
from pathlib import Path

import pytest

DOMAIN = Path(__file__).resolve().parents[2] / "chalicelib" / "domain"
FORBIDDEN_MODULES = {
    "boto3", "botocore", "os", "pathlib", "io", "socket", "subprocess", "shutil", "urllib",
    "http", "requests", "yaml", "json", "logging", "time", "random", "sqlite3", "tempfile",
}  # fmt: skip
FORBIDDEN_CALLS = {"open", "print", "input", "now", "utcnow", "today", "monotonic"}


def domain_modules():
    return sorted(DOMAIN.glob("*.py"))


def test_there_is_a_domain_to_check():
    assert len(domain_modules()) >= 8


@pytest.mark.parametrize("path", domain_modules(), ids=lambda p: p.name)
def test_module_is_pure(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        else:
            names = []
        for name in names:
            assert name.split(".")[0] not in FORBIDDEN_MODULES, f"{path.name} imports {name}"
        if isinstance(node, ast.Call):
            func = node.func
            called = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            assert called not in FORBIDDEN_CALLS, f"{path.name}:{node.lineno} calls {called}()"
