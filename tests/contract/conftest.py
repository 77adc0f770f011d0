"""Each contract runs against the in-memory fake and against the DynamoDB adapter on moto.

The AWS side is built directly on moto (no env-based wiring): `moto_resources` creates the
template's tables (and its queues, when asked), and answers their names and URLs.
"""

from collections.abc import Iterator
from contextlib import contextmanager

import boto3
import pytest
from moto import mock_aws

from chalicelib.adapters import aws
from devstack.resources import BUCKET, BUCKET_POLICY, TABLE, create_resources, load_template

REGION = "ap-southeast-1"
SERVICES = ("DYNAMODB", "SQS")
AWS_ENV = {
    "AWS_DEFAULT_REGION": REGION,
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
}


@contextmanager
def moto_resources(patch: pytest.MonkeyPatch, *, queues: bool) -> Iterator[dict[str, str]]:
    """moto in-process with the template's tables (and queues); yields their env variables."""
    for name, value in AWS_ENV.items():
        patch.setenv(name, value)
    for name in (
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_DYNAMODB",
        "AWS_ENDPOINT_URL_SQS",
        "AWS_PROFILE",
    ):
        patch.delenv(name, raising=False)
    resources = load_template()["Resources"]
    if not queues:
        kept = (TABLE, BUCKET, BUCKET_POLICY)
        resources = {k: r for k, r in resources.items() if r["Type"] in kept}
    aws.reset()
    try:
        with mock_aws():
            yield create_resources(
                boto3.client("dynamodb"),
                boto3.client("sqs"),
                s3_client=boto3.client("s3"),
                template={"Resources": resources},
            )
    finally:
        aws.reset()


@pytest.fixture
def table(monkeypatch) -> Iterator[str]:
    """The main table's name, on moto."""
    with moto_resources(monkeypatch, queues=False) as env:
        yield env["MOTCUA_TABLE"]


@pytest.fixture
def files_bucket(monkeypatch) -> Iterator[str]:
    """The file store's bucket (and the main table), on moto."""
    with moto_resources(monkeypatch, queues=False) as env:
        yield env["MOTCUA_FILES_BUCKET"]


@pytest.fixture
def queues(monkeypatch) -> Iterator[dict[str, str]]:
    """Every table and queue of the template on moto: their env variables."""
    with moto_resources(monkeypatch, queues=True) as env:
        yield env
