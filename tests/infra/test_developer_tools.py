"""What a developer and a province's pipeline lean on: `make help` lists every target with its
one line, the CI examples in docs/ci/ run the targets that exist (browser, test, package) for
the staging and prod stages, and every stage deployed from .chalice/config.json composes a
template and is documented."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from chalicelib.settings import DEV_STAGES
from infra import compose
from infra.compose import PROJECT_DIR, PROTECTED_STAGES

MAKEFILE = PROJECT_DIR / "Makefile"
CI_DIR = PROJECT_DIR / "docs" / "ci"
CI_EXAMPLES = sorted(CI_DIR.glob("*.yml"))
PIPELINES = [p for p in CI_EXAMPLES if "deploy" not in p.stem]
RULE = re.compile(r"^([a-z][a-z-]*):(?!=)", re.MULTILINE)
DESCRIBED = re.compile(r"^## ([a-z][a-z-]*): (\S.*)$", re.MULTILINE)
MAKE_CALL = re.compile(r"\bmake ([a-z][a-z-]*)")


def targets() -> list[str]:
    return RULE.findall(MAKEFILE.read_text(encoding="utf-8"))


def deployed_stages() -> list[str]:
    config = json.loads(compose.CHALICE_CONFIG_PATH.read_text(encoding="utf-8"))
    return [stage for stage in config["stages"] if stage != "local"]


def test_every_target_has_a_one_line_description():
    described = dict(DESCRIBED.findall(MAKEFILE.read_text(encoding="utf-8")))
    assert targets(), "no target found: the check checks nothing"
    assert sorted(set(targets()) - set(described)) == []
    assert sorted(set(described) - set(targets())) == []  # no description of a gone target


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_help_prints_every_target_with_its_line():
    out = subprocess.run(["make", "-s", "help"], cwd=PROJECT_DIR, capture_output=True,
                         text=True, check=True).stdout  # fmt: skip
    described = dict(DESCRIBED.findall(MAKEFILE.read_text(encoding="utf-8")))
    printed = dict(line.split(None, 1) for line in out.splitlines() if line.strip())
    assert printed == described


@pytest.mark.parametrize("pipeline", PIPELINES, ids=lambda p: p.name)
def test_each_ci_example_runs_browser_test_and_package_for_staging_and_prod(pipeline: Path):
    text = pipeline.read_text(encoding="utf-8")
    yaml.safe_load(text)  # it parses
    called = set(MAKE_CALL.findall(text))
    assert {"browser", "test", "package"} <= called
    assert "staging" in text and "prod" in text


@pytest.mark.parametrize("example", CI_EXAMPLES, ids=lambda p: p.name)
def test_the_ci_examples_call_only_targets_that_exist(example: Path):
    called = set(MAKE_CALL.findall(example.read_text(encoding="utf-8")))
    assert called and called <= set(targets())


def test_staging_is_deployed_like_prod_but_not_protected():
    assert "staging" in deployed_stages()
    assert "staging" not in DEV_STAGES  # the published development keys are refused there
    assert "staging" not in PROTECTED_STAGES  # deleted with its stack


@pytest.mark.parametrize("stage", deployed_stages())
def test_every_deployed_stage_composes_and_is_documented(stage: str):
    template = compose.compose(stage)
    assert template["Parameters"]["Stage"]["AllowedValues"] == [stage]
    assert template["Resources"]["MotcuaTable"]["Properties"]["TableName"] == f"motcua-{stage}"
    deploying = (PROJECT_DIR / "docs" / "deploying.md").read_text(encoding="utf-8")
    assert f"`{stage}`" in deploying
