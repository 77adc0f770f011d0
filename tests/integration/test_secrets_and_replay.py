"""SSM webhook secrets and the DynamoDB replay guard, inside moto's mock_aws."""

import json
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from chalicelib.adapters import aws
from chalicelib.adapters.replay_guard import DynamoReplayGuard
from chalicelib.adapters.secrets import (
    ClientConfigurationError,
    SsmWebhookSecrets,
    WebhookClient,
)

RESOURCES = Path(__file__).resolve().parents[2] / "infra" / "resources.json"
PREFIX = "/motcua/test/webhook-clients/"
REGION = "ap-southeast-1"

# Keys of AWS::DynamoDB::Table that CloudFormation knows and CreateTable does not.
CFN_ONLY_KEYS = {
    "TimeToLiveSpecification",
    "PointInTimeRecoverySpecification",
    "ContributorInsightsSpecification",
    "Tags",
    "ImportSourceSpecification",
    "KinesisStreamSpecification",
    "ResourcePolicy",
}


def create_table_kwargs(properties: dict) -> dict:
    """CloudFormation table properties → `create_table` keyword arguments."""
    kwargs = {k: v for k, v in properties.items() if k not in CFN_ONLY_KEYS}
    if "StreamSpecification" in kwargs:
        kwargs["StreamSpecification"] = {"StreamEnabled": True, **kwargs["StreamSpecification"]}
    return kwargs


def table_properties() -> dict:
    template = json.loads(RESOURCES.read_text(encoding="utf-8"))
    return template["Resources"]["MotcuaTable"]["Properties"]


@pytest.fixture
def aws_env(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_SSM", "AWS_ENDPOINT_URL_DYNAMODB"):
        monkeypatch.delenv(name, raising=False)
    aws.reset()
    with mock_aws():
        yield
    aws.reset()


@pytest.fixture
def ssm(aws_env):
    return boto3.client("ssm", region_name=REGION)


@pytest.fixture
def table(aws_env):
    properties = table_properties()
    client = boto3.client("dynamodb", region_name=REGION)
    client.create_table(**create_table_kwargs(properties))
    ttl = properties["TimeToLiveSpecification"]
    client.update_time_to_live(
        TableName=properties["TableName"],
        TimeToLiveSpecification={"AttributeName": ttl["AttributeName"], "Enabled": True},
    )
    return properties["TableName"]


def put_secret(ssm, client_id: str, value: str) -> None:
    ssm.put_parameter(Name=PREFIX + client_id, Value=value, Type="SecureString", Overwrite=True)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_helper_drops_cloudformation_only_keys():
    kwargs = create_table_kwargs(table_properties())
    assert "TimeToLiveSpecification" not in kwargs
    assert "PointInTimeRecoverySpecification" not in kwargs
    assert kwargs["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"}
    assert kwargs["KeySchema"][0] == {"AttributeName": "PK", "KeyType": "HASH"}


def test_securestring_bare_secret(ssm):
    put_secret(ssm, "portal-dev", "s3cret-ñ")
    secrets = SsmWebhookSecrets(PREFIX)
    assert secrets.secret_for("portal-dev") == "s3cret-ñ".encode()
    assert secrets.client_info("portal-dev") == WebhookClient("portal-dev", "s3cret-ñ".encode())


def test_json_client_info(ssm):
    put_secret(ssm, "tax-h19", json.dumps({"secret": "tax-secret", "agency": "000.00.90.H19"}))
    info = SsmWebhookSecrets(PREFIX).client_info("tax-h19")
    assert info == WebhookClient("tax-h19", b"tax-secret", "000.00.90.H19")
    assert "tax-secret" not in repr(info)
    assert info.may("inter-agency") and not info.may("dossiers")


def test_json_client_with_scopes(ssm):
    value = {"secret": "gw-secret", "scopes": ["delivery-receipts", "opt-outs"]}
    put_secret(ssm, "sms-gateway", json.dumps(value))
    info = SsmWebhookSecrets(PREFIX).client_info("sms-gateway")
    assert info == WebhookClient(
        "sms-gateway", b"gw-secret", scopes=frozenset({"delivery-receipts", "opt-outs"})
    )


@pytest.mark.parametrize(
    "value",
    [
        '{"agency": "000.00.90.H19"}',
        '{"secret": "x", "agency": "thue"}',
        '{"secret": ""}',
        "{not json",
        '{"secret": "x", "scopes": ["sms"]}',
        '{"secret": "x", "scopes": []}',
    ],
)
def test_broken_client_parameter_is_an_operator_error(ssm, value):
    put_secret(ssm, "tax-h19", value)
    with pytest.raises(ClientConfigurationError):
        SsmWebhookSecrets(PREFIX).client_info("tax-h19")


def test_unknown_client(ssm):
    assert SsmWebhookSecrets(PREFIX).client_info("portal-unknown") is None
    assert SsmWebhookSecrets(PREFIX).secret_for("portal-unknown") is None


def test_malformed_client_id_never_reaches_aws(aws_env, monkeypatch):
    def boom(self, service, **kwargs):
        raise AssertionError(f"called {service}")

    aws.reset()
    monkeypatch.setattr(boto3.session.Session, "client", boom)
    secrets = SsmWebhookSecrets(PREFIX)
    for client_id in ["", "A", "../x", "portal/dev", "x" * 65, "-portal"]:
        assert secrets.client_info(client_id) is None


def test_value_is_cached_for_five_minutes(ssm):
    put_secret(ssm, "portal-dev", "first")
    clock = Clock()
    secrets = SsmWebhookSecrets(PREFIX, clock=clock)
    assert secrets.secret_for("portal-dev") == b"first"
    put_secret(ssm, "portal-dev", "rotated")
    clock.now += 299
    assert secrets.secret_for("portal-dev") == b"first"
    clock.now += 2
    assert secrets.secret_for("portal-dev") == b"rotated"


def test_unknown_client_is_remembered_at_most_thirty_seconds(ssm):
    clock = Clock()
    secrets = SsmWebhookSecrets(PREFIX, clock=clock, unknown_cache_seconds=3600)
    assert secrets.client_info("portal-new") is None
    put_secret(ssm, "portal-new", "welcome")
    clock.now += 29
    assert secrets.client_info("portal-new") is None
    clock.now += 2
    assert secrets.secret_for("portal-new") == b"welcome"


# First use then reuse: tests/contract/test_side_stores_contract.py (the fake and this adapter).
def test_replay_item_shape(table):
    DynamoReplayGuard(table).first_use("ef" * 32, 1_767_226_200)
    item = boto3.client("dynamodb", region_name=REGION).get_item(
        TableName=table, Key={"PK": {"S": "SIG#" + "ef" * 32}, "SK": {"S": "SIG"}}
    )["Item"]
    assert item["expires_at"] == {"N": "1767226200"}


def test_replay_guard_other_errors_propagate(aws_env):
    from botocore.exceptions import ClientError

    with pytest.raises(ClientError):
        DynamoReplayGuard("no-such-table").first_use("ab" * 32, 1)


def test_a_client_with_the_published_secret_is_an_operator_error_outside_local(ssm):
    from chalicelib.auth.signatures import DEV_WEBHOOK_SECRET

    put_secret(ssm, "portal-x", json.dumps({"secret": DEV_WEBHOOK_SECRET}))
    deployed = SsmWebhookSecrets(PREFIX, refused_secrets=frozenset({DEV_WEBHOOK_SECRET.encode()}))
    with pytest.raises(ClientConfigurationError, match="published"):
        deployed.client_info("portal-x")
    assert SsmWebhookSecrets(PREFIX).client_info("portal-x") is not None  # the local stage


def test_the_container_refuses_the_published_secret_in_every_stage_but_local(ssm):
    from chalicelib.auth.signatures import DEV_WEBHOOK_SECRET
    from chalicelib.bootstrap import Container
    from chalicelib.settings import Settings

    for stage, refused in (("dev", True), ("prod", True), ("local", False)):
        prefix = f"/motcua/{stage}/webhook-clients/"
        ssm.put_parameter(Name=prefix + "portal-x", Value=DEV_WEBHOOK_SECRET, Type="SecureString")
        secrets = Container(Settings(stage=stage)).webhook_secrets
        if refused:
            with pytest.raises(ClientConfigurationError):
                secrets.client_info("portal-x")
        else:
            assert secrets.client_info("portal-x") is not None


def test_the_v1_migration_flag_is_read_from_the_parameter(ssm):
    put_secret(ssm, "portal-old", json.dumps({"secret": "s", "accepts_v1_signatures": True}))
    put_secret(ssm, "portal-new", json.dumps({"secret": "s"}))
    secrets = SsmWebhookSecrets(PREFIX)
    assert secrets.client_info("portal-old").accepts_v1_signatures
    assert not secrets.client_info("portal-new").accepts_v1_signatures
