"""What the source publishes (the development JWT key and webhook secret) works in the local
stage only: every other stage, a deployed dev stage included, refuses to start with it. And no
stage logs at DEBUG unless someone asks for it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chalicelib.auth.signatures import DEV_WEBHOOK_SECRET
from chalicelib.auth.tokens import DEV_JWT_KEY
from chalicelib.settings import Settings, SettingsError

CONFIG = Path(__file__).resolve().parents[2] / ".chalice" / "config.json"


@pytest.mark.parametrize("stage", ["dev", "uat", "prod"])
@pytest.mark.parametrize(
    ("variable", "published"),
    [("MOTCUA_JWT_DEV_KEY", DEV_JWT_KEY), ("MOTCUA_DEV_WEBHOOK_SECRET", DEV_WEBHOOK_SECRET)],
)
def test_a_stage_other_than_local_refuses_to_start_with_a_published_secret(
    stage, variable, published
):
    with pytest.raises(SettingsError, match=variable):
        Settings.from_environment({"MOTCUA_STAGE": stage, variable: published})


@pytest.mark.parametrize(
    ("variable", "published"),
    [("MOTCUA_JWT_DEV_KEY", DEV_JWT_KEY), ("MOTCUA_DEV_WEBHOOK_SECRET", DEV_WEBHOOK_SECRET)],
)
def test_the_local_stage_starts_with_them(variable, published):
    assert Settings.from_environment({"MOTCUA_STAGE": "local", variable: published}).stage


def test_a_deployed_dev_stage_starts_with_secrets_of_its_own():
    own = {
        "MOTCUA_STAGE": "dev",
        "MOTCUA_JWT_DEV_KEY": "a-dev-key-of-this-deployment-only-0123456789",
        "MOTCUA_DEV_WEBHOOK_SECRET": "a-dev-webhook-secret-of-this-deployment",
    }
    assert Settings.from_environment(own).is_dev_stage


@pytest.mark.parametrize("value", ["59", "86401", "forever"])
def test_the_token_lifetime_cap_is_bounded(value):
    with pytest.raises(SettingsError, match="MOTCUA_JWT_MAX_LIFETIME"):
        Settings.from_environment({"MOTCUA_JWT_MAX_LIFETIME": value})


def test_no_stage_logs_at_debug_by_default():
    stages = json.loads(CONFIG.read_text(encoding="utf-8"))["stages"]
    assert {"local", "dev", "prod"} <= set(stages)
    for name, stage in stages.items():
        variables = stage.get("environment_variables", {})
        assert variables.get("POWERTOOLS_LOG_LEVEL", "INFO") != "DEBUG", name
        assert variables.get("MOTCUA_STAGE") == name
