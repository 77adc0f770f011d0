"""Each contract runs against the in-memory fake and against the DynamoDB adapter on moto.

The DynamoDB side is built directly on a moto table (no env-based wiring): `moto_table` creates
the template's tables only, and answers the main table's name.
"""

from collections.abc import Iterator
from contextlib import contextmanager

import boto3
import pytest
from moto import mock_aws

from chalicelib.adapters import aws
from devstack.resources import TABLE, create_resources, load_template

REGION = "ap-southeast-1"
AWS_ENV = {
    "AWS_DEFAULT_REGION": REGION,
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
}


@contextmanager
def moto_table(patch: pytest.MonkeyPatch) -> Iterator[str]:
    """moto in-process with the template's DynamoDB tables; yields the main table's name."""
    for name, value in AWS_ENV.items():
        patch.setenv(name, value)
    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_PROFILE"):
        patch.delenv(name, raising=False)
    template = load_template()
    tables = {k: r for k, r in template["Resources"].items() if r["Type"] == TABLE}
    aws.reset()
    try:
        with mock_aws():
            env = create_resources(
                boto3.client("dynamodb"), boto3.client("sqs"), template={"Resources": tables}
            )
            yield env["MOTCUA_TABLE"]
    finally:
        aws.reset()


@pytest.fixture
def table(monkeypatch) -> Iterator[str]:
    with moto_table(monkeypatch) as name:
        yield name
