"""`motcua stack-env`: the deployed stage's table and queues, from its stack's outputs."""

from __future__ import annotations

import json
import shlex

import boto3
import pytest
from moto import mock_aws

from chalicelib import bootstrap, cli, ops
from chalicelib.cli import stack_env
from chalicelib.settings import Settings
from infra import compose


@pytest.fixture(autouse=True)
def deployed(monkeypatch, tmp_path):
    for name in ("MOTCUA_TABLE", "MOTCUA_AWS_ENDPOINT_URL", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MOTCUA_STAGE", "staging")
    monkeypatch.setenv("AWS_REGION", "ap-southeast-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setattr(ops, "LOCAL_STATE", tmp_path / "no-stack-ran-here.json")
    previous = bootstrap.install(None)
    yield
    bootstrap.install(previous)


def wanted() -> dict[str, str]:
    return stack_env.variables_of_outputs(json.loads(stack_env.RESOURCES.read_text())["Resources"])


def test_every_variable_naming_a_resource_is_an_output_of_the_template_and_a_setting():
    outputs = compose.compose("staging")["Outputs"]
    found = wanted()
    assert set(found) <= set(outputs)
    settings = Settings.model_fields
    for variable in found.values():
        assert any(variable == f"MOTCUA_{name.upper()}" for name in settings) or variable in {
            "MOTCUA_TABLE"
        }, variable
    assert {"MOTCUA_TABLE", "MOTCUA_INTAKE_DLQ_URL", "MOTCUA_OUTBOX_DLQ_URL"} <= set(found.values())


@mock_aws
def test_the_stack_s_outputs_become_export_lines_to_eval(capsys):
    outputs = {key: f"value-of-{key}" for key in wanted()}
    template = {
        "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
        "Outputs": {key: {"Value": value} for key, value in outputs.items()},
    }
    boto3.client("cloudformation", region_name="ap-southeast-1").create_stack(
        StackName="motcua-staging", TemplateBody=json.dumps(template)
    )
    assert cli.main(["stack-env"]) == 0
    out, err = capsys.readouterr()
    assert err.startswith("target: ") and "staging" in err.splitlines()[0]
    exported = dict(shlex.split(line)[1].split("=", 1) for line in out.splitlines())
    assert exported["MOTCUA_STAGE"] == "staging"
    for key, variable in wanted().items():
        assert exported[variable] == f"value-of-{key}"


@mock_aws
def test_no_such_stack_is_one_line_naming_it(capsys):
    assert cli.main(["stack-env", "--stack", "motcua-nowhere"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    [line] = [x for x in err.splitlines() if x.startswith("error: ")]
    assert "no stack motcua-nowhere in region ap-southeast-1" in line
