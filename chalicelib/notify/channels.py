"""Which providers carry each channel, from the settings (one place, built once per process)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

from chalicelib.notify.model import (
    FALLBACK_OUTCOMES,
    Channel,
    Outcome,
    OutgoingMessage,
    Provider,
    SendResult,
)
from chalicelib.settings import Settings

if TYPE_CHECKING:
    from chalicelib.notify.providers.local_outbox import LocalOutboxProvider


class CopiedToOutbox:
    """Sends through the real provider, and copies what it accepted to the local outbox file:
    the local stage sends SMS through SNS (moto) and ZNS to a fake Zalo, and lets a developer
    read what went out. A refusal that makes the notifier fall back to the next channel (ZNS:
    no Zalo account, quota) is copied too, marked refused, so the fallback can be seen."""

    def __init__(self, inner: Provider, outbox: LocalOutboxProvider) -> None:
        self.inner = inner
        self.outbox = outbox
        self.name = inner.name
        self.channel = inner.channel

    def send(self, message: OutgoingMessage) -> SendResult:
        result = self.inner.send(message)
        if result.outcome is Outcome.ACCEPTED:
            self.outbox.send(message)
        elif result.outcome in FALLBACK_OUTCOMES:
            self.outbox.send(message, refused=f"{result.outcome.value}: {result.error or ''}")
        return result


@dataclass(frozen=True)
class Channels:
    sms: Provider | None
    zns: Provider | None
    email: Provider | None
    zns_templates: dict[str, str]


class ChannelSettingsError(ValueError):
    """The settings name a provider that does not exist or lack what it needs."""


def _local(channel: Channel, settings: Settings) -> LocalOutboxProvider:
    from chalicelib.notify.providers.local_outbox import LocalOutboxProvider

    if not settings.local_outbox:
        raise ChannelSettingsError(f"{channel.value}: 'local' needs MOTCUA_LOCAL_OUTBOX")
    return LocalOutboxProvider(f"local-{channel.value}", channel, settings.local_outbox)


def _sms(settings: Settings) -> Provider | None:
    kind = settings.sms_provider
    if kind == "none":
        return None
    if kind == "local":
        return _local(Channel.SMS, settings)
    if kind == "sns":
        from chalicelib.notify.providers.sns_sms import SnsSmsProvider

        return SnsSmsProvider(settings.sms_sender_id or None)
    if kind == "http":
        from chalicelib.adapters.aws import client
        from chalicelib.notify.providers.http_sms import GatewayConfig, HttpSmsGateway

        if not settings.sms_gateway_parameter:
            raise ChannelSettingsError("sms: 'http' needs MOTCUA_SMS_GATEWAY_PARAMETER")
        raw = client("ssm").get_parameter(Name=settings.sms_gateway_parameter, WithDecryption=True)[
            "Parameter"
        ]["Value"]
        return HttpSmsGateway(GatewayConfig.model_validate(json.loads(raw)))
    raise ChannelSettingsError(f"sms: unknown provider {kind!r} (sns, http, local, none)")


def _zns(settings: Settings) -> Provider | None:
    kind = settings.zns_provider
    if kind == "none":
        return None
    if kind == "local":
        return _local(Channel.ZNS, settings)
    if kind == "zalo":
        from chalicelib.notify.providers.zns import (
            ZALO_OAUTH_URL,
            ZNS_BASE_URL,
            SsmZnsTokens,
            ZaloZnsProvider,
        )

        needed = (
            settings.zns_token_parameter,
            settings.zns_app_id,
            settings.zns_secret_key_parameter,
        )
        if not all(needed):
            raise ChannelSettingsError(
                "zns: 'zalo' needs MOTCUA_ZNS_TOKEN_PARAMETER, MOTCUA_ZNS_APP_ID and "
                "MOTCUA_ZNS_SECRET_KEY_PARAMETER"
            )
        tokens = SsmZnsTokens(
            settings.zns_token_parameter,
            settings.zns_oauth_url or ZALO_OAUTH_URL,
            settings.zns_app_id,
            settings.zns_secret_key_parameter,
        )
        return ZaloZnsProvider(tokens, settings.zns_api_url or ZNS_BASE_URL)
    raise ChannelSettingsError(f"zns: unknown provider {kind!r} (zalo, local, none)")


def _email(settings: Settings) -> Provider | None:
    kind = settings.email_provider
    if kind == "none":
        return None
    if kind == "local":
        return _local(Channel.EMAIL, settings)
    if kind == "ses":
        from chalicelib.notify.providers.ses_email import SesEmailProvider

        if not settings.email_sender:
            raise ChannelSettingsError("email: 'ses' needs MOTCUA_EMAIL_SENDER")
        return SesEmailProvider(settings.email_sender)
    raise ChannelSettingsError(f"email: unknown provider {kind!r} (ses, local, none)")


def build(settings: Settings) -> Channels:
    sms, zns, email = _sms(settings), _zns(settings), _email(settings)
    if settings.local_outbox and sms is not None and settings.sms_provider != "local":
        sms = CopiedToOutbox(sms, _local(Channel.SMS, settings))
    if settings.local_outbox and zns is not None and settings.zns_provider != "local":
        zns = CopiedToOutbox(zns, _local(Channel.ZNS, settings))
    try:
        templates = json.loads(settings.zns_templates or "{}")
    except json.JSONDecodeError as exc:
        raise ChannelSettingsError(f"MOTCUA_ZNS_TEMPLATES is not JSON: {exc}") from exc
    return Channels(sms=sms, zns=zns, email=email, zns_templates=dict(templates))
