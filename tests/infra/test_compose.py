"""The merge template's composition refuses what would deploy wrongly (no packaging needed)."""

from __future__ import annotations

import copy
import json
import zipfile

import pytest

from infra import compose
from infra.package import add_data

LOCAL = compose.load_resources()


def test_names_carry_the_stage_and_keep_the_fifo_suffix():
    assert compose.stage_resource_name("motcua", "prod") == "motcua-prod"
    assert compose.stage_resource_name("motcua-intake", "prod") == "motcua-prod-intake"
    assert (
        compose.stage_resource_name("motcua-transitions.fifo", "prod")
        == "motcua-prod-transitions.fifo"
    )
    with pytest.raises(ValueError, match="does not start with"):
        compose.stage_resource_name("other-queue", "prod")


def test_the_functions_are_found_in_the_app_with_what_they_read():
    functions = {f.name: f for f in compose.app_functions(compose.load_app(), LOCAL)}
    assert functions["intake_worker"].source == "IntakeQueue"
    assert functions["transition_worker"].source == "TransitionsQueue"
    assert functions["notifier"].source == "NotificationsQueue"
    assert functions["outbox_relay"].source == "MotcuaTable"
    assert functions["outbox_relay"].event_id == "OutboxRelayDynamodbEventSource"
    assert functions["api_handler"].logical_id == "APIHandler"
    assert {f.kind for f in functions.values()} == {"api", "sqs", "dynamodb", "schedule"}


def test_a_visibility_timeout_too_short_for_its_consumer_is_refused():
    resources = copy.deepcopy(LOCAL)
    resources["IntakeQueue"]["Properties"]["VisibilityTimeout"] = 60
    with pytest.raises(ValueError, match="IntakeQueue: visibility timeout 60 s"):
        compose.compose("prod", resources=resources)


def test_a_worker_on_a_queue_missing_from_resources_json_is_refused():
    resources = {k: v for k, v in LOCAL.items() if k != "NotificationsQueue"}
    with pytest.raises(LookupError, match="motcua-notifications"):
        compose.compose("prod", resources=resources)


def test_only_protected_stages_retain_their_state():
    prod = compose.compose("prod")["Resources"]
    dev = compose.compose("dev")["Resources"]
    assert prod["MotcuaTable"]["DeletionPolicy"] == "Retain"
    assert prod["MotcuaTable"]["Properties"]["DeletionProtectionEnabled"] is True
    assert dev["MotcuaTable"]["DeletionPolicy"] == "Delete"
    assert "DeletionProtectionEnabled" not in dev["MotcuaTable"]["Properties"]


def test_data_files_are_added_to_the_zip_once(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "calendar.yaml").write_text("x: 1\n")
    archive = tmp_path / "deployment.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("app.py", "")
    assert add_data(archive, data) == ["data/calendar.yaml", "data/calendar.yaml.prebuilt.json"]
    with zipfile.ZipFile(archive) as z:
        assert z.read("data/calendar.yaml") == b"x: 1\n"
    with pytest.raises(FileExistsError):
        add_data(archive, data)


def test_the_merge_template_is_json():
    json.dumps(compose.compose("prod"))


def test_the_api_stage_is_sampled_by_the_stages_own_rule():
    """bench.cost prices X-Ray from this rule: it must be in the template, per stage, and match
    the stage's API only (X-Ray's rules are account-wide)."""
    for stage in ("dev", "prod"):
        rules = [
            r["Properties"]["SamplingRule"]
            for r in compose.compose(stage)["Resources"].values()
            if r.get("Type") == "AWS::XRay::SamplingRule"
        ]
        assert len(rules) == 1
        rule = rules[0]
        assert rule["RuleName"] == f"motcua-{stage}-api" and len(rule["RuleName"]) <= 32
        assert (rule["ReservoirSize"], rule["FixedRate"]) == (
            compose.XRAY_RESERVOIR_PER_SECOND,
            compose.XRAY_FIXED_RATE,
        )
        assert "${RestAPI}/stages/api" in rule["ResourceARN"]["Fn::Sub"]
        assert rule["Priority"] < 10000  # before X-Ray's Default rule


def test_yaml_data_files_get_their_prebuilt_json_form_in_the_zip(tmp_path):
    from chalicelib.adapters import prebuilt

    data = tmp_path / "data"
    data.mkdir()
    (data / "calendar.yaml").write_text("culture_day_off: true\n")
    archive = tmp_path / "deployment.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("app.py", "")
    assert add_data(archive, data) == [
        "data/calendar.yaml",
        "data/calendar.yaml" + prebuilt.SUFFIX,
    ]
    assert not (data / ("calendar.yaml" + prebuilt.SUFFIX)).exists()  # made in the zip only


def test_every_module_of_the_zip_gets_its_bytecode(tmp_path):
    import importlib.util
    import sys

    from infra.package import add_bytecode

    archive = tmp_path / "deployment.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("app.py", "ANSWER = 42\n")
        z.writestr("pkg/mod.py", "def f():\n    return 1\n")
        z.writestr("pkg/broken.py", "def (:\n")
    tag = sys.implementation.cache_tag
    assert add_bytecode(archive) == [f"__pycache__/app.{tag}.pyc", f"pkg/__pycache__/mod.{tag}.pyc"]
    with zipfile.ZipFile(archive) as z:
        code = z.read(f"__pycache__/app.{tag}.pyc")
    assert code[:4] == importlib.util.MAGIC_NUMBER
    assert add_bytecode(archive) == []  # once


def _functions(stage: str) -> dict[str, dict]:
    prefix = f"motcua-{stage}-"
    return {
        r["Properties"]["FunctionName"].removeprefix(prefix): r["Properties"]
        for r in compose.compose(stage)["Resources"].values()
        if "FunctionName" in r.get("Properties", {})
    }


def test_functions_no_traced_request_calls_pass_tracing_through():
    """The stream relay and the schedules would start traces at Lambda's fixed 1/s + 5%
    (bench.cost prices each function's mode from here); the rest stay as Chalice sets them."""
    functions = _functions("prod")
    passing = {name for name, p in functions.items() if p.get("Tracing") == "PassThrough"}
    assert passing == {
        "outbox_relay", "deadline_timer", "daily_digest", "portal_reconcile", "payment_reconcile"
    }  # fmt: skip


def test_every_function_logs_json_without_platform_lines_at_its_stages_level():
    for stage, level in (("prod", "INFO"), ("dev", "INFO")):  # DEBUG only when asked for
        functions = _functions(stage)
        assert len(functions) == 11
        for name, properties in functions.items():
            assert properties["LoggingConfig"] == {
                "LogFormat": "JSON", "ApplicationLogLevel": level, "SystemLogLevel": "WARN"
            }, name  # fmt: skip


def test_the_api_stage_has_a_web_acl_limiting_the_public_lookup_per_address():
    from tests.infra import checks

    for stage in ("dev", "prod"):
        template = compose.compose(stage)
        assert checks.public_lookup_is_rate_limited(template, compose.WAF_PUBLIC_PATH) == []
        association = template["Resources"]["ApiWebAclAssociation"]
        assert association["Properties"]["ResourceArn"]["Fn::Sub"].endswith("${RestAPI}/stages/api")
        assert association["DependsOn"] == "RestAPIapiStage"  # SAM's stage of Chalice's API
        body = json.loads(
            template["Resources"]["ApiWebAcl"]["Properties"]["CustomResponseBodies"]["too-many"][
                "Content"
            ]
        )
        assert body["status"] == 429 and body["type"].endswith("/too-many-requests")


def test_bytecode_kept_between_packagings_is_what_compiling_gives(tmp_path):
    import sys

    from infra.package import add_bytecode

    tag = sys.implementation.cache_tag
    archives = []
    for run in ("compiled", "kept"):
        archive = tmp_path / f"{run}.zip"
        with zipfile.ZipFile(archive, "w") as z:
            z.writestr("pkg/mod.py", "def f():\n    return 1\n")
            z.writestr("pkg/broken.py", "def (:\n")
        assert add_bytecode(archive, tmp_path / "cache") == [f"pkg/__pycache__/mod.{tag}.pyc"]
        archives.append(archive)
    assert len(list((tmp_path / "cache").iterdir())) == 1  # the module, not the failure
    uncached = tmp_path / "uncached.zip"
    with zipfile.ZipFile(uncached, "w") as z:
        z.writestr("pkg/mod.py", "def f():\n    return 1\n")
    add_bytecode(uncached)
    codes = set()
    for archive in [*archives, uncached]:
        with zipfile.ZipFile(archive) as z:
            codes.add(z.read(f"pkg/__pycache__/mod.{tag}.pyc"))
    assert len(codes) == 1
