"""The packaged template, made once per test session.

`build/package` is reused when it holds the prod package and is newer than every input
(`make package` made it); otherwise the session packages into a temporary directory, as
`make package` does (`python -m infra.package`, in its own process: it downloads the Lambda
wheels from PyPI, which this process's socket guard would refuse). The dependencies built for
Lambda and the modules' bytecode are kept in `build/` between sessions (`infra/package.py`), so
only the first session after a lock change pays for them; the code is packaged afresh each time.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from infra.compose import PROJECT_DIR
from infra.package import PACKAGING_REGION, is_fresh

STAGE = "prod"
BUILD_DIR = PROJECT_DIR / "build" / "package"


@pytest.fixture(scope="session")
def package_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if is_fresh(BUILD_DIR, STAGE):
        return BUILD_DIR
    out = tmp_path_factory.mktemp("infra") / "package"
    # Nothing of a test's local stack may leak into packaging (it reads the environment).
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("AWS_", "MOTCUA_"))
    }
    env["AWS_DEFAULT_REGION"] = PACKAGING_REGION
    command = [sys.executable, "-m", "infra.package", "--stage", STAGE, "--out", str(out)]
    result = subprocess.run(
        command, cwd=PROJECT_DIR, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode:
        pytest.fail(
            f"packaging failed ({' '.join(command)}):\n{result.stdout}\n{result.stderr}",
            pytrace=False,
        )
    return out


@pytest.fixture(scope="session")
def template_path(package_dir: Path) -> Path:
    return package_dir / "sam.json"


@pytest.fixture(scope="session")
def packaged(template_path: Path) -> dict:
    """The packaged template. Session-wide: tests must not change it (copy it first)."""
    return json.loads(template_path.read_text(encoding="utf-8"))
