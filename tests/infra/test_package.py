"""`infra/package.py` without packaging: the Lambda Python, and the project chalice is given."""

from __future__ import annotations

import pytest

from infra.compose import PROJECT_DIR
from infra.package import LAMBDA_PYTHON, RUNTIME_LOCK, check_python, stage_project


def test_packaging_refuses_any_python_but_the_lambda_runtimes():
    check_python(LAMBDA_PYTHON)
    for other in [(3, 12), (3, 10), (4, 11)]:
        with pytest.raises(SystemExit, match=r"needs python3\.11"):
            check_python(other)


def test_chalice_is_given_the_runtime_lock_as_requirements_and_no_dev_runtime(tmp_path):
    staged = stage_project(tmp_path / "project")
    assert (staged / "requirements.txt").read_bytes() == RUNTIME_LOCK.read_bytes()
    assert "--hash=sha256:" in (staged / "requirements.txt").read_text("utf-8")
    assert (staged / "app.py").read_bytes() == (PROJECT_DIR / "app.py").read_bytes()
    assert (staged / ".chalice" / "config.json").is_file()
    assert sorted(p.name for p in staged.iterdir()) == [
        ".chalice",
        "app.py",
        "chalicelib",
        "requirements.txt",
    ]
    assert not list(staged.rglob("__pycache__"))
    # Staged again (the directory is kept for chalice's cache), a removed module is gone.
    (staged / "chalicelib" / "removed.py").write_text("")
    assert not (stage_project(staged) / "chalicelib" / "removed.py").exists()
