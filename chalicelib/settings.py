"""Settings from the environment, read when first needed (never at import).

The Chalice test client and the local stack set stage variables just before a call, so a
setting read at import time would be wrong; `settings()` is cached and `reset()` forgets it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache


@dataclass(frozen=True)
class Settings:
    stage: str
    province: str  # Hxx code of the province this deployment serves
    table_name: str
    intake_queue_url: str
    intake_dlq_url: str
    transitions_queue_url: str
    transitions_dlq_url: str
    notifications_queue_url: str
    notifications_dlq_url: str
    # SSM Parameter Store prefix of the portal clients' webhook secrets (SecureString).
    webhook_secrets_prefix: str
    # Officials' tokens: a shared development key (local stage) or an OIDC issuer's JWKS.
    jwt_issuer: str
    jwt_audience: str
    jwt_dev_key: str | None
    jwt_jwks_url: str | None
    max_body_bytes: int
    public_base_url: str
    # The satisfaction survey sent after the result is returned; {code} is the dossier's.
    survey_url: str = ""
    # Channels: "sns" or "http" (a telco gateway configured by SSM JSON) for SMS; "zalo" or
    # "none" for ZNS; "ses" or "none" for email. A local outbox file, when set, receives a copy
    # of every message sent (the local stage lists it with the CLI).
    sms_provider: str = "sns"
    sms_sender_id: str = ""
    sms_gateway_parameter: str = ""
    zns_provider: str = "none"
    zns_token_parameter: str = ""
    zns_app_id: str = ""
    zns_secret_key_parameter: str = ""
    zns_templates: str = "{}"  # JSON: milestone → approved Zalo template id
    email_provider: str = "none"
    email_sender: str = ""
    local_outbox: str = ""
    # The national portal (DVCQG) sync: its queue, and the SSM SecureString JSON holding the
    # portal's URL and the province's integration account (chalicelib/adapters/national_portal).
    portal_sync_queue_url: str = ""
    portal_sync_dlq_url: str = ""
    portal_parameter: str = ""


def _env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


@cache
def settings() -> Settings:
    stage = _env("MOTCUA_STAGE", "dev")
    return Settings(
        stage=stage,
        province=_env("MOTCUA_PROVINCE", "H19"),
        table_name=_env("MOTCUA_TABLE", "motcua"),
        intake_queue_url=_env("MOTCUA_INTAKE_QUEUE_URL"),
        intake_dlq_url=_env("MOTCUA_INTAKE_DLQ_URL"),
        transitions_queue_url=_env("MOTCUA_TRANSITIONS_QUEUE_URL"),
        transitions_dlq_url=_env("MOTCUA_TRANSITIONS_DLQ_URL"),
        notifications_queue_url=_env("MOTCUA_NOTIFICATIONS_QUEUE_URL"),
        notifications_dlq_url=_env("MOTCUA_NOTIFICATIONS_DLQ_URL"),
        webhook_secrets_prefix=_env(
            "MOTCUA_WEBHOOK_SECRETS_PREFIX", f"/motcua/{stage}/webhook-clients/"
        ),
        jwt_issuer=_env("MOTCUA_JWT_ISSUER", f"motcua-{stage}"),
        jwt_audience=_env("MOTCUA_JWT_AUDIENCE", "motcua"),
        jwt_dev_key=_env("MOTCUA_JWT_DEV_KEY") or None,
        jwt_jwks_url=_env("MOTCUA_JWT_JWKS_URL") or None,
        max_body_bytes=int(_env("MOTCUA_MAX_BODY_BYTES", str(256 * 1024))),
        public_base_url=_env("MOTCUA_PUBLIC_BASE_URL", ""),
        survey_url=_env("MOTCUA_SURVEY_URL", ""),
        sms_provider=_env("MOTCUA_SMS_PROVIDER", "sns"),
        sms_sender_id=_env("MOTCUA_SMS_SENDER_ID", ""),
        sms_gateway_parameter=_env("MOTCUA_SMS_GATEWAY_PARAMETER", ""),
        zns_provider=_env("MOTCUA_ZNS_PROVIDER", "none"),
        zns_token_parameter=_env("MOTCUA_ZNS_TOKEN_PARAMETER", ""),
        zns_app_id=_env("MOTCUA_ZNS_APP_ID", ""),
        zns_secret_key_parameter=_env("MOTCUA_ZNS_SECRET_KEY_PARAMETER", ""),
        zns_templates=_env("MOTCUA_ZNS_TEMPLATES", "{}"),
        email_provider=_env("MOTCUA_EMAIL_PROVIDER", "none"),
        email_sender=_env("MOTCUA_EMAIL_SENDER", ""),
        local_outbox=_env("MOTCUA_LOCAL_OUTBOX", ""),
        portal_sync_queue_url=_env("MOTCUA_PORTAL_SYNC_QUEUE_URL"),
        portal_sync_dlq_url=_env("MOTCUA_PORTAL_SYNC_DLQ_URL"),
        portal_parameter=_env("MOTCUA_PORTAL_PARAMETER"),
    )


def reset() -> None:
    settings.cache_clear()
