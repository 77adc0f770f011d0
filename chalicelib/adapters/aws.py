"""AWS clients, created once per process on first use.

boto3 itself honours AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE>, so the local stack and
the tests point every client at moto without a line of code here. Timeouts are short and
retries bounded: a Lambda must fail fast and let the queue redeliver.
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


@cache
def client(service: str) -> Any:
    return boto3.session.Session().client(service, config=CLIENT_CONFIG)


def reset() -> None:
    client.cache_clear()
