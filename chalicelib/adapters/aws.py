"""AWS clients, created once per process on first use, from one boto3 Session.

In AWS the SDK finds its region and credentials as usual. The local stage points every client
at moto with `use_endpoint` (the composition root calls it with the settings' endpoint), with
moto's throwaway credentials. Timeouts are short and retries bounded: a Lambda must fail fast
and let the queue redeliver.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from botocore.config import Config

CLIENT_CONFIG = Config(
    connect_timeout=3,
    read_timeout=10,
    retries={"total_max_attempts": 4, "mode": "standard"},  # 4 calls at most, first included
)


# The local stage's endpoint (moto), and the credentials moto accepts; None in AWS.
_endpoint: tuple[str, str] | None = None
LOCAL_CREDENTIALS = {
    "aws_access_key_id": "testing",
    "aws_secret_access_key": "testing",
    "aws_session_token": "testing",
}


@cache
def _session() -> boto3.session.Session:
    if _endpoint is None:
        return boto3.session.Session()
    return boto3.session.Session(region_name=_endpoint[1], **LOCAL_CREDENTIALS)


@cache
def client(service: str) -> Any:
    return new_client(service, CLIENT_CONFIG)


def new_client(service: str, config: Config) -> Any:
    """A client of its own (another config), on the process's session and endpoint."""
    endpoint = {"endpoint_url": _endpoint[0]} if _endpoint else {}
    return _session().client(service, config=config, **endpoint)


def use_endpoint(url: str | None, region: str) -> None:
    """Send every client to `url` (None: to AWS); clients made before are dropped if it moved."""
    global _endpoint
    wanted = (url, region) if url else None
    if wanted != _endpoint:
        _endpoint = wanted
        reset()


def reset() -> None:
    client.cache_clear()
    _session.cache_clear()
