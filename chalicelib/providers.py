"""Lazily built, process-wide dependencies of the handlers.

Built on first use, not at import: cold starts stay short, and the Chalice test client and the
local stack can set environment variables before anything reads them. `reset()` forgets all.
"""

from __future__ import annotations

import json
from functools import cache
from typing import TYPE_CHECKING

from chalicelib import settings as settings_module
from chalicelib.adapters import aws
from chalicelib.adapters.calendar_file import load_calendar
from chalicelib.adapters.catalog_files import data_dir, load_agencies, load_catalog
from chalicelib.adapters.delivery_log import DynamoDeliveryLog
from chalicelib.adapters.dynamo_store import DynamoStore
from chalicelib.adapters.queues import SqsPublisher
from chalicelib.adapters.replay_guard import DynamoReplayGuard
from chalicelib.adapters.secrets import SsmWebhookSecrets
from chalicelib.domain.agencies import AgencyRegistry
from chalicelib.domain.calendar import WorkingCalendar
from chalicelib.domain.procedures import Catalog
from chalicelib.notify.channels import Channels
from chalicelib.notify.channels import build as build_channels
from chalicelib.services.outbox import Notices
from chalicelib.settings import Settings

if TYPE_CHECKING:
    from chalicelib.adapters.national_portal import HttpNationalPortal
    from chalicelib.adapters.portal_sync_log import DynamoPortalSyncLog
    from chalicelib.auth.tokens import TokenVerifier


def settings() -> Settings:
    return settings_module.settings()


@cache
def calendar() -> WorkingCalendar:
    return load_calendar(data_dir() / "calendar.yaml")


@cache
def agencies() -> AgencyRegistry:
    return load_agencies(data_dir() / "agencies.yaml")


@cache
def catalog() -> Catalog:
    return load_catalog(data_dir() / "procedures.yaml", agencies())


@cache
def notices() -> Notices:
    return Notices(agencies(), survey_url=settings().survey_url)


@cache
def delivery_log() -> DynamoDeliveryLog:
    return DynamoDeliveryLog(settings().table_name)


@cache
def channels() -> Channels:
    return build_channels(settings())


@cache
def store() -> DynamoStore:
    return DynamoStore(settings().table_name)


@cache
def publisher() -> SqsPublisher:
    return SqsPublisher()


@cache
def webhook_secrets() -> SsmWebhookSecrets:
    return SsmWebhookSecrets(settings().webhook_secrets_prefix)


@cache
def replay_guard() -> DynamoReplayGuard:
    return DynamoReplayGuard(settings().table_name)


@cache
def token_verifier() -> TokenVerifier:
    # lazy: cold start (PyJWT and cryptography, for the officials' routes only)
    from chalicelib.auth.tokens import TokenVerifier

    return TokenVerifier.from_settings(settings())


@cache
def portal_sync_log() -> DynamoPortalSyncLog:
    from chalicelib.adapters.portal_sync_log import DynamoPortalSyncLog  # lazy: one worker

    return DynamoPortalSyncLog(settings().table_name)


@cache
def national_portal() -> HttpNationalPortal:
    """The portal client of this process: one login session shared by its invocations."""
    from chalicelib.adapters.national_portal import HttpNationalPortal, PortalConfig

    name = settings().portal_parameter
    if not name:
        raise RuntimeError("the national portal sync needs MOTCUA_PORTAL_PARAMETER")
    raw = aws.client("ssm").get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"]
    return HttpNationalPortal(PortalConfig.model_validate(json.loads(raw)))


_PROVIDERS = (
    portal_sync_log,
    national_portal,
    notices,
    delivery_log,
    channels,
    calendar,
    agencies,
    catalog,
    store,
    publisher,
    webhook_secrets,
    replay_guard,
    token_verifier,
)


def reset() -> None:
    """Forget everything built (tests and the local stack call this after changing the env)."""
    for provider in _PROVIDERS:
        provider.cache_clear()
    settings_module.reset()
    aws.reset()
