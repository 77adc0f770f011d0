"""The whole system in this process, on moto's in-process mock (`mock_aws`), driven by the caller.

    with in_process() as system:
        system.client.http.post("/v1/webhooks/dossiers", body=..., headers=...)
        system.pump.run()

The same app object as `LocalStack`, its real Chalice routes (through `chalice.test.Client`),
its real workers invoked by the local pollers with Lambda's event shapes and batch semantics,
the real store adapters and queues (moto's SQS with the redrive policies of
`infra/resources.json`, its DynamoDB with the stream); but no HTTP hop, no moto server thread
and no poller threads: `Pump` runs the pollers in the caller's thread, so a soak test of
thousands of dossiers (`bench/fault_injection.py`) costs only what the emulator and the app do.
moto's own emulation costs are taken away (`moto_speedups.fast_moto`), and the SDK's for requests
that only moto reads (`moto_speedups.fast_sdk`: no signature, routing kept per URL).

The national portal sync is switched off (its worker would call a portal over HTTP): the
relay sends nothing to its queue.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3

from chalicelib import bootstrap, observability
from chalicelib.settings import PREFIX as SETTINGS_PREFIX
from chalicelib.settings import Settings
from devstack.moto_speedups import fast_moto, fast_sdk
from devstack.pollers import Pollers
from devstack.resources import create_resources
from devstack.stack import dev_jwt_key, dev_webhook_clients

PROJECT_DIR = Path(__file__).resolve().parents[1]
REGION = "ap-southeast-1"
# The SDK's environment for moto's in-process mock (the app's own settings are not read from
# the environment: `in_process` installs a container built from them).
ENVIRONMENT: dict[str, str | None] = {
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_ENDPOINT_URL": None,
    "AWS_PROFILE": None,
    "POWERTOOLS_METRICS_DISABLED": "true",
}


def _set(values: Mapping[str, str | None]) -> None:
    for name, value in values.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@contextlib.contextmanager
def environment(values: Mapping[str, str | None]) -> Iterator[None]:
    """Set (None: remove) these variables, and put them back as they were afterwards."""
    saved = {name: os.environ.get(name) for name in values}
    try:
        _set(values)
        yield
    finally:
        _set(saved)


class Pump:
    """Runs the pollers of the app's workers in this thread, as Lambda's event source mappings
    would, until the watched queues and the stream are quiet. A queue that answered nothing is
    asked again every few rounds only (empty receives are most of the calls otherwise)."""

    WORKERS = ("intake_worker", "transition_worker", "notifier")

    def __init__(self, pollers: Pollers) -> None:
        self.queues = [p for p in pollers.queues if p.name in self.WORKERS]
        self.streams = pollers.streams

    def run(self, watch: set[str] | None = None, timeout: float = 300) -> None:
        """`watch`: the workers whose queues must be empty (default all); the stream always."""
        deadline = time.monotonic() + timeout
        watched = [p for p in self.queues if watch is None or p.name in watch]
        idle: Counter[str] = Counter()  # rounds in a row a queue answered nothing
        while True:
            handed = 0
            for poller in self.queues:
                if idle[poller.name] % 4:
                    idle[poller.name] += 1
                    continue
                got = poller.poll_once(wait_time_seconds=0)
                idle[poller.name] = 0 if got else idle[poller.name] + 1
                handed += got
            handed += sum(stream.poll_once() for stream in self.streams)
            if handed:
                continue
            if not any(p.pending() for p in watched) and not any(s.pending() for s in self.streams):
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"not quiet after {timeout} s")
            idle.clear()
            time.sleep(0.02)


@dataclass
class InProcess:
    app_module: ModuleType
    resources: dict[str, str]
    pollers: Pollers
    pump: Pump
    client: Any  # chalice.test.Client

    @property
    def app(self) -> Any:
        return self.app_module.app

    def poller(self, name: str) -> Any:
        return next(p for p in self.pollers.queues if p.name == name)


@contextlib.contextmanager
def in_process(
    env: Mapping[str, str | None] | None = None,
    *,
    log_level: str | None = "ERROR",
    parts: Mapping[str, Any] | None = None,
) -> Iterator[InProcess]:
    """The system on a fresh in-process moto. `env`: more settings for the app, as the
    environment variables that would carry them (None: unset); `parts`: the container's parts
    to use instead of building them (`bootstrap.Container`). Failed
    intakes and transitions are retried at once, notices after 1 s (the queue's own
    visibility timeout otherwise); `log_level`: the app logger's while it runs (None: as is)."""
    from chalice.test import Client
    from moto import mock_aws

    logger = observability.get_logger()
    level = logger.log_level
    # The app's settings (MOTCUA_*) go into its container; the others (POWERTOOLS_*) are the
    # runtime's own environment, as Lambda would give it.
    runtime = {k: v for k, v in (env or {}).items() if not k.startswith(SETTINGS_PREFIX)}
    with environment({**ENVIRONMENT, **runtime}), mock_aws(), fast_moto(), fast_sdk():
        resources = create_resources(boto3.client("dynamodb"), boto3.client("sqs"))
        values = {
            "MOTCUA_STAGE": "local",
            "MOTCUA_JWT_DEV_KEY": dev_jwt_key(),
            **resources,
            "MOTCUA_PORTAL_SYNC_QUEUE_URL": "",
            **{k: v for k, v in (env or {}).items() if k.startswith(SETTINGS_PREFIX)},
        }
        settings = Settings.from_environment({k: v for k, v in values.items() if v is not None})
        previous = bootstrap.install(bootstrap.Container(settings, **(parts or {})))
        ssm = boto3.client("ssm")
        for client_id, value in dev_webhook_clients().items():
            name = settings.webhook_secrets_prefix + client_id
            ssm.put_parameter(Name=name, Value=value, Type="SecureString")
        try:
            app_module = importlib.import_module("app")
            pollers = Pollers(
                app_module.app,
                boto3.client("sqs"),
                app_module=app_module,
                region=REGION,
                wait_time_seconds=0,
                retry_visibility_timeout=0,
                # moto in-process answers the classic endpoint, not the account-based one
                streams_client=boto3.client(
                    "dynamodbstreams",
                    endpoint_url=f"https://streams.dynamodb.{REGION}.amazonaws.com",
                ),
                stream_retry_delay=0.05,
                stream_table=settings.table_name,
            )
            for poller in pollers.queues:
                if poller.name == "notifier":  # a provider outage needs time between tries
                    poller.retry_visibility_timeout = 1
            if log_level:
                logger.setLevel(log_level)
            try:
                with Client(app_module.app, stage_name="dev", project_dir=str(PROJECT_DIR)) as c:
                    yield InProcess(app_module, resources, pollers, Pump(pollers), c)
            finally:
                logger.setLevel(level)
        finally:
            bootstrap.install(previous)
