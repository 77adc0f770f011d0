"""`infra/package.py` without packaging: the Lambda Python, and the project chalice is given."""

from __future__ import annotations

from pathlib import Path

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
    # The operator's CLI is left out (no function imports it); the rest of chalicelib/ is not.
    assert (staged / "chalicelib" / "http").is_dir()
    assert not (staged / "chalicelib" / "cli").exists()
    # Staged again (the directory is kept for chalice's cache), a removed module is gone.
    (staged / "chalicelib" / "removed.py").write_text("")
    assert not (stage_project(staged) / "chalicelib" / "removed.py").exists()


def test_the_lambda_dependencies_are_built_once_per_requirements_and_abi(tmp_path):
    from infra.chalice_cli import cached_build_site_packages

    builds = []

    def build(self, abi, requirements, target):
        builds.append(abi)
        (Path(target) / "pkg").mkdir(parents=True)
        (Path(target) / "pkg" / "__init__.py").write_text(f"ABI = {abi!r}\n")

    cached = cached_build_site_packages(build, "1.0", tmp_path / "cache")
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("pkg==1.0 --hash=sha256:00\n")
    for n, abi in enumerate(["cp311", "cp311", "cp312"]):
        cached(None, abi, str(requirements), str(tmp_path / f"site-{n}"))
    assert builds == ["cp311", "cp312"]  # the second cp311 came from the cache
    assert (tmp_path / "site-1" / "pkg" / "__init__.py").read_text() == "ABI = 'cp311'\n"
    requirements.write_text("pkg==2.0 --hash=sha256:01\n")  # another lock: built again
    cached(None, "cp311", str(requirements), str(tmp_path / "site-3"))
    assert builds == ["cp311", "cp312", "cp311"]
    assert len(list((tmp_path / "cache").iterdir())) == 1  # only the latest build is kept


def test_a_failed_dependency_build_is_not_kept(tmp_path):
    from infra.chalice_cli import cached_build_site_packages

    def build(self, abi, requirements, target):
        (Path(target) / "half").mkdir(parents=True)
        raise RuntimeError("no wheel for Lambda")

    cached = cached_build_site_packages(build, "1.0", tmp_path / "cache")
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("pkg==1.0\n")
    with pytest.raises(RuntimeError):
        cached(None, "cp311", str(requirements), str(tmp_path / "site"))
    assert not (tmp_path / "cache").exists() or not list((tmp_path / "cache").iterdir())
