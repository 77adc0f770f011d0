"""Fixtures for tests against moto: the resources come from infra/resources.json."""

from collections.abc import Iterator
from contextlib import contextmanager

import boto3
import pytest
from moto import mock_aws
from moto.server import ThreadedMotoServer

from chalicelib import bootstrap
from chalicelib.settings import Settings
from devstack.resources import create_resources

AWS_ENV = {
    "AWS_DEFAULT_REGION": "ap-southeast-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
}


@pytest.fixture(scope="module")
def moto_url():
    """moto in server mode on loopback, for the local runtime's pollers."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def moto_client(service, endpoint):
    return boto3.session.Session().client(
        service,
        endpoint_url=endpoint,
        region_name=AWS_ENV["AWS_DEFAULT_REGION"],
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


@contextmanager
def aws_resources(patch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """moto in-process, with every table and queue of the template, and the app's container
    over them installed; yields the settings' variables (a queue's URL, the table's name)."""
    for name, value in AWS_ENV.items():  # the SDK's environment, for moto's mock
        patch.setenv(name, value)
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
        patch.delenv(name, raising=False)
    with mock_aws():
        env = create_resources(boto3.client("dynamodb"), boto3.client("sqs"))
        settings = Settings.from_environment({"MOTCUA_STAGE": "local", **env})
        previous = bootstrap.install(bootstrap.Container(settings))
        try:
            yield env
        finally:
            bootstrap.install(previous)


@pytest.fixture
def aws(monkeypatch):
    with aws_resources(monkeypatch) as env:
        yield env
