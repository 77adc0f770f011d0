"""Settings: the one place that reads the process environment.

`Settings.from_environment()` reads and validates every MOTCUA_* variable once; a bad value fails
at start with one message naming the variable (`SettingsError`). Everything else receives a
`Settings` (through `chalicelib.bootstrap`), never the environment: tests and the local stack
build one with `Settings(table_name=…, …)` or `Settings.from_environment(mapping)`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from chalicelib.domain.calendar import LOCAL_TZ

# Stages where development conveniences (an HS256 key of its own, a fixed clock, moto) are
# allowed. Only the local stage (the embedded stack on a developer's machine, `make run`, the
# tests) may use the published development key and webhook secret: "dev" is deployed too.
DEV_STAGES = frozenset({"dev", "local"})
LOCAL_STAGE = "local"
PREFIX = "MOTCUA_"

# Published on purpose (they are in the source): they let the local stage run with no setup.
# Every other stage refuses to start with either (`Settings._no_published_secrets`).
DEV_JWT_KEY = "motcua-local-development-key-not-for-production"
DEV_WEBHOOK_SECRET = "motcua-local-webhook-secret"


class SettingsError(ValueError):
    """A setting has a bad value; the message names the environment variable."""


def _env(name: str, **constraints: Any) -> Any:
    """A field carried by the variable MOTCUA_<name>."""
    return Field(alias=PREFIX + name, **constraints)


class Settings(BaseModel):
    """What this deployment is configured with. Field aliases are the environment variables."""

    model_config = ConfigDict(frozen=True, populate_by_name=True, extra="ignore")

    stage: Annotated[str, _env("STAGE", pattern=r"^[a-z][a-z0-9-]{0,31}$")] = "dev"
    province: Annotated[str, _env("PROVINCE", pattern=r"^H[0-9]{2}$")] = "H19"
    table_name: Annotated[str, _env("TABLE", min_length=3)] = "motcua"
    intake_queue_url: Annotated[str, _env("INTAKE_QUEUE_URL")] = ""
    intake_dlq_url: Annotated[str, _env("INTAKE_DLQ_URL")] = ""
    transitions_queue_url: Annotated[str, _env("TRANSITIONS_QUEUE_URL")] = ""
    transitions_dlq_url: Annotated[str, _env("TRANSITIONS_DLQ_URL")] = ""
    notifications_queue_url: Annotated[str, _env("NOTIFICATIONS_QUEUE_URL")] = ""
    notifications_dlq_url: Annotated[str, _env("NOTIFICATIONS_DLQ_URL")] = ""
    # The stream relay's on-failure queue: descriptions of stream batches it gave up on.
    outbox_dlq_url: Annotated[str, _env("OUTBOX_DLQ_URL")] = ""
    # SSM Parameter Store prefix of the portal clients' webhook secrets (SecureString);
    # default /motcua/<stage>/webhook-clients/.
    webhook_secrets_prefix: Annotated[str, _env("WEBHOOK_SECRETS_PREFIX")] = ""
    # Officials' tokens: an HS256 development key (dev stages; the published one in the local
    # stage only) or an OIDC issuer's JWKS.
    jwt_issuer: Annotated[str, _env("JWT_ISSUER")] = ""  # default motcua-<stage>
    jwt_audience: Annotated[str, _env("JWT_AUDIENCE")] = "motcua"
    jwt_dev_key: Annotated[str | None, _env("JWT_DEV_KEY")] = None
    jwt_jwks_url: Annotated[str | None, _env("JWT_JWKS_URL")] = None
    # The longest life a token may have (exp - iat, seconds): a longer one is refused, whoever
    # issued it. An official's working day and some.
    jwt_max_lifetime: Annotated[int, _env("JWT_MAX_LIFETIME", ge=60, le=24 * 3600)] = 12 * 3600
    # The SSM SecureString holding the key that seals worklist cursors (HMAC); default
    # /motcua/<stage>/cursor-key. A dev stage's process outside Lambda uses a development key.
    cursor_key_parameter: Annotated[str, _env("CURSOR_KEY_PARAMETER")] = ""
    max_body_bytes: Annotated[int, _env("MAX_BODY_BYTES", ge=1024)] = 256 * 1024
    public_base_url: Annotated[str, _env("PUBLIC_BASE_URL")] = ""
    # The satisfaction survey sent after the result is returned; {code} is the dossier's.
    survey_url: Annotated[str, _env("SURVEY_URL")] = ""
    # How long after the result is handed over the applicant may rate it (and change the
    # rating): calendar days (docs/law.md §14a). The invitation's link is the API's own
    # rating route under `public_base_url`; `survey_url` replaces it when set.
    rating_days: Annotated[int, _env("RATING_DAYS", ge=1, le=365)] = 30
    # The working days a PAKN must be answered within, from its receipt (docs/law.md §14b).
    feedback_answer_days: Annotated[int, _env("FEEDBACK_ANSWER_DAYS", ge=1, le=60)] = 10
    # The public lookup page named in every notice to the applicant; {code} is the dossier's.
    lookup_url: Annotated[str, _env("LOOKUP_URL")] = ""
    # How long a payment order may be paid online (services/payments.py): calendar days from
    # the fee request. A payment after it is parked for an official, never applied.
    payment_order_days: Annotated[int, _env("PAYMENT_ORDER_DAYS", ge=1, le=90)] = 7
    # The public lookup's limits (chalicelib/services/lookup_limits.py): wrong guesses per
    # dossier code and per client address within one fixed window, then 429 until it ends.
    lookup_window_seconds: Annotated[int, _env("LOOKUP_WINDOW_SECONDS", ge=60, le=86400)] = 900
    lookup_failures_per_code: Annotated[int, _env("LOOKUP_FAILURES_PER_CODE", ge=1, le=100)] = 10
    lookup_failures_per_address: Annotated[
        int, _env("LOOKUP_FAILURES_PER_ADDRESS", ge=1, le=10000)
    ] = 30
    # SSM SecureString holding the key receipt PINs are kept under (chalicelib/services/pins.py);
    # empty in dev stages only, which use a published development key.
    pin_key_parameter: Annotated[str, _env("PIN_KEY_PARAMETER")] = ""
    # Channels: "sns" or "http" (a telco gateway configured by SSM JSON) for SMS; "zalo" or
    # "none" for ZNS; "ses", "local" or "none" for email. A local outbox file, when set,
    # receives a copy of every message sent (the local stage lists it with the CLI).
    sms_provider: Annotated[str, _env("SMS_PROVIDER")] = "sns"
    sms_sender_id: Annotated[str, _env("SMS_SENDER_ID")] = ""
    sms_gateway_parameter: Annotated[str, _env("SMS_GATEWAY_PARAMETER")] = ""
    zns_provider: Annotated[str, _env("ZNS_PROVIDER")] = "none"
    zns_token_parameter: Annotated[str, _env("ZNS_TOKEN_PARAMETER")] = ""
    zns_app_id: Annotated[str, _env("ZNS_APP_ID")] = ""
    zns_secret_key_parameter: Annotated[str, _env("ZNS_SECRET_KEY_PARAMETER")] = ""
    zns_templates: Annotated[str, _env("ZNS_TEMPLATES")] = "{}"  # milestone → Zalo template id
    # Zalo's addresses; empty: the real ones. The local stage points them at its fake ZNS
    # server (devstack/fake_zns.py).
    zns_api_url: Annotated[str, _env("ZNS_API_URL")] = ""
    zns_oauth_url: Annotated[str, _env("ZNS_OAUTH_URL")] = ""
    email_provider: Annotated[str, _env("EMAIL_PROVIDER")] = "none"
    email_sender: Annotated[str, _env("EMAIL_SENDER")] = ""
    local_outbox: Annotated[str, _env("LOCAL_OUTBOX")] = ""
    # The national portal (DVCQG) sync: its queue, and the SSM SecureString JSON holding the
    # portal's URL and the province's integration account (chalicelib/adapters/national_portal).
    portal_sync_queue_url: Annotated[str, _env("PORTAL_SYNC_QUEUE_URL")] = ""
    portal_sync_dlq_url: Annotated[str, _env("PORTAL_SYNC_DLQ_URL")] = ""
    portal_parameter: Annotated[str, _env("PORTAL_PARAMETER")] = ""
    # Reconciliation against the portal's own view (services/portal_reconcile): look-ups a
    # second at most (0: no pause); the nightly run's repush rounds, and how many days an
    # ended dossier is still looked at after its last acknowledged push.
    portal_lookups_per_second: Annotated[float, _env("PORTAL_LOOKUPS_PER_SECOND", ge=0)] = 5
    portal_reconcile_rounds: Annotated[int, _env("PORTAL_RECONCILE_ROUNDS", ge=1, le=20)] = 10
    portal_reconcile_days: Annotated[float, _env("PORTAL_RECONCILE_DAYS", gt=0, le=366)] = 7
    # Fees paid online (issue 20): the payment platform, "none" (orders are written, the
    # applicant pays at the counter; what a deployed stage left at "memory" gets too),
    # "memory" (dev stages only: its key is in the source) or "paygov"
    # (chalicelib/adapters/paygov.py, docs/payment-contract.md):
    # its base URL (https, or http on loopback for devstack.fake_paygov), the merchant code it
    # gave the province, and the SSM SecureString JSON holding the two keys
    # (`{"hash_key_1", "hash_key_2"}`); default /motcua/<stage>/paygov-keys.
    payment_platform: Annotated[Literal["none", "memory", "paygov"], _env("PAYMENT_PLATFORM")] = (
        "memory"
    )
    paygov_base_url: Annotated[str, _env("PAYGOV_BASE_URL")] = ""
    paygov_merchant_code: Annotated[
        str, _env("PAYGOV_MERCHANT_CODE", pattern=r"^[A-Za-z0-9_.-]{0,64}$")
    ] = ""
    paygov_keys_parameter: Annotated[str, _env("PAYGOV_KEYS_PARAMETER")] = ""
    # The law's limits at the edges of a dossier's life (chalicelib/domain/legal.py cites
    # each; a province may set them, and the catalog a procedure's own supplement limit).
    supplement_request_within_days: Annotated[
        float, _env("SUPPLEMENT_REQUEST_WITHIN_DAYS", gt=0, le=60)
    ] = 3
    supplement_restarts_clock: Annotated[bool, _env("SUPPLEMENT_RESTARTS_CLOCK")] = True
    supplement_wait_days: Annotated[int, _env("SUPPLEMENT_WAIT_DAYS", ge=1, le=365)] = 15
    supplement_reminder_days: Annotated[int, _env("SUPPLEMENT_REMINDER_DAYS", ge=0, le=30)] = 3
    apology_ahead_days: Annotated[float, _env("APOLOGY_AHEAD_DAYS", ge=0, le=10)] = 1
    apologies_allowed: Annotated[int, _env("APOLOGIES_ALLOWED", ge=0, le=5)] = 1
    extension_at_most: Annotated[float, _env("EXTENSION_AT_MOST", gt=0, le=5)] = 1.0
    # The file store (docs/architecture.md, "Files"): the bucket, the types accepted (checked
    # from the bytes), the limits a file must keep, and how long a presigned link lives.
    files_bucket: Annotated[str, _env("FILES_BUCKET")] = ""
    file_types: Annotated[str, _env("FILE_TYPES", pattern=r"^[a-z/,+.-]+$")] = (
        "application/pdf,image/jpeg,image/png"
    )
    file_max_bytes: Annotated[int, _env("FILE_MAX_BYTES", ge=1024, le=100 * 1024 * 1024)] = (
        20 * 1024 * 1024
    )
    file_max_pages: Annotated[int, _env("FILE_MAX_PAGES", ge=1, le=5000)] = 200
    file_max_pixels: Annotated[int, _env("FILE_MAX_PIXELS", ge=1, le=10**9)] = 50_000_000
    # Components a portal sends as URLs (`TaiLieuNop[].DuongDanTaiTepTin`) are fetched by the
    # file_fetch worker (services/file_fetch.py) from these hosts only (comma-separated exact
    # names; none: nothing is fetched and each such document is dead-lettered "host not
    # allowed"), over HTTPS, within this many seconds to connect and to read it all.
    file_fetch_queue_url: Annotated[str, _env("FILE_FETCH_QUEUE_URL")] = ""
    file_fetch_dlq_url: Annotated[str, _env("FILE_FETCH_DLQ_URL")] = ""
    file_fetch_hosts: Annotated[str, _env("FILE_FETCH_HOSTS", pattern=r"^[A-Za-z0-9.,-]*$")] = ""
    file_fetch_seconds: Annotated[float, _env("FILE_FETCH_SECONDS", gt=0, le=60)] = 20
    upload_link_seconds: Annotated[int, _env("UPLOAD_LINK_SECONDS", ge=60, le=3600)] = 600
    download_link_seconds: Annotated[int, _env("DOWNLOAD_LINK_SECONDS", ge=30, le=3600)] = 300
    # How long an official stays signed in on the pages: a working day and a little.
    web_session_hours: Annotated[int, _env("WEB_SESSION_HOURS", ge=1, le=24)] = 10
    # Officials sign in on the pages with the province's OpenID Connect issuer
    # (chalicelib/auth/oidc.py): the authorization-code flow with PKCE. The issuer's URL (its
    # /.well-known/openid-configuration is read from there; https, or http on loopback for a
    # local identity provider), the client id registered there, the SSM SecureString holding
    # the client secret when the client is confidential (none: a public client, PKCE only),
    # and the scopes asked for. The redirect URI is <public_base_url>/dang-nhap/xong. No
    # issuer: the local stage offers its development sign-in, a deployed stage none.
    oidc_issuer: Annotated[str, _env("OIDC_ISSUER")] = ""
    oidc_client_id: Annotated[str, _env("OIDC_CLIENT_ID")] = ""
    oidc_client_secret_parameter: Annotated[str, _env("OIDC_CLIENT_SECRET_PARAMETER")] = ""
    oidc_scopes: Annotated[str, _env("OIDC_SCOPES", pattern=r"^[A-Za-z0-9_:. -]*$")] = (
        "openid profile"
    )
    # Where the calendar, agencies and catalog files are (default: the package's data/).
    data_dir: Annotated[Path | None, _env("DATA_DIR")] = None
    # The officials' directory (YAML, adapters/officials_directory.py): where each official's
    # alerts go and who their leader is. Unset: the data folder's officials.yaml if there is
    # one; else the local stage reads the sample officials, and another stage has none (every
    # alert goes to the agencies' shared mailboxes).
    officials_file: Annotated[Path | None, _env("OFFICIALS_FILE")] = None
    # The agency registry and aliases: the data folder's files, or the table's REF#agencies
    # item (pushed by the CLI; the files while there is none). Either is looked at again at
    # most once per refresh interval, and reloaded when it changed (adapters/reference_data.py).
    reference_source: Annotated[Literal["files", "table"], _env("REFERENCE_SOURCE")] = "files"
    reference_refresh_seconds: Annotated[
        float, _env("REFERENCE_REFRESH_SECONDS", ge=0, le=86400)
    ] = 300
    # Result signatures (chalicelib/services/result_signatures.py): the PEM bundle of the CA
    # roots a signer's chain must reach (default: the data folder's trust/vn-gov-roots.pem;
    # empty, every signature is "untrusted"), and whether certificates' revocation is looked
    # up (CRL/OCSP over the network; off: nothing is fetched and revocation is not checked).
    signature_trust_roots: Annotated[Path | None, _env("SIGNATURE_TRUST_ROOTS")] = None
    signature_check_revocation: Annotated[bool, _env("SIGNATURE_CHECK_REVOCATION")] = False
    # A fixed "now" for tests and the local stage, to watch deadlines pass; refused in prod.
    now: Annotated[datetime | None, _env("NOW")] = None
    # The queue workers dead-letter with a reason on this try: one less than the redrive
    # policy's maxReceiveCount (infra/resources.json), which stays as the net for crashes.
    last_attempt: Annotated[int, _env("LAST_ATTEMPT", ge=1, le=100)] = 4
    # Read when the app is packaged: the table's stream and how often the deadline timer runs.
    table_stream_arn: Annotated[str, _env("TABLE_STREAM_ARN")] = (
        "arn:aws:dynamodb:ap-southeast-1:000000000000:table/motcua/stream/local"
    )
    timer_minutes: Annotated[int, _env("TIMER_MINUTES", ge=1, le=60)] = 5
    # The development CLI signs webhook bodies with this secret (never the published one outside
    # the local stage).
    dev_webhook_secret: Annotated[str, _env("DEV_WEBHOOK_SECRET")] = ""
    # The local stage only: every AWS client talks to this endpoint (moto) in this region.
    aws_endpoint_url: Annotated[str | None, _env("AWS_ENDPOINT_URL")] = None
    aws_region: Annotated[str, _env("AWS_REGION")] = "ap-southeast-1"
    # Whether this process is a deployed Lambda function (set from the runtime's variables).
    in_lambda: bool = False

    @field_validator("now")
    @classmethod
    def _local_time(cls, value: datetime | None) -> datetime | None:
        if value is None:
            return None
        return (value if value.tzinfo else value.replace(tzinfo=LOCAL_TZ)).astimezone(LOCAL_TZ)

    @field_validator(
        "data_dir",
        "officials_file",
        "jwt_dev_key",
        "jwt_jwks_url",
        "now",
        "aws_endpoint_url",
        "signature_trust_roots",
        mode="before",
    )
    @classmethod
    def _empty_is_unset(cls, value: Any) -> Any:
        return None if value == "" else value

    @model_validator(mode="after")
    def _stage_defaults(self) -> Settings:
        if self.now is not None and self.stage == "prod":
            raise ValueError("MOTCUA_NOW: a fixed clock is refused in prod")
        if self.aws_endpoint_url is not None and not self.is_dev_stage:
            raise ValueError(f"MOTCUA_AWS_ENDPOINT_URL: only dev stages {sorted(DEV_STAGES)}")
        self._no_published_secrets()
        self._oidc_issuer_is_usable()
        self._paygov_is_usable()
        defaults = {
            "webhook_secrets_prefix": f"/motcua/{self.stage}/webhook-clients/",
            "cursor_key_parameter": f"/motcua/{self.stage}/cursor-key",
            "jwt_issuer": f"motcua-{self.stage}",
            "paygov_keys_parameter": f"/motcua/{self.stage}/paygov-keys",
        }
        for name, default in defaults.items():
            if not getattr(self, name):
                object.__setattr__(self, name, default)
        return self

    def _no_published_secrets(self) -> None:
        """Anyone can sign with what the source publishes: no stage but the local one starts
        with it (a deployed dev stage included)."""
        if self.is_local_stage:
            return
        if self.jwt_dev_key == DEV_JWT_KEY:
            raise ValueError(
                f"MOTCUA_JWT_DEV_KEY: the published development key is refused in stage "
                f"{self.stage!r} (only {LOCAL_STAGE!r} accepts it)"
            )
        if self.dev_webhook_secret == DEV_WEBHOOK_SECRET:
            raise ValueError(
                f"MOTCUA_DEV_WEBHOOK_SECRET: the published development webhook secret is refused "
                f"in stage {self.stage!r} (only {LOCAL_STAGE!r} accepts it)"
            )

    def _oidc_issuer_is_usable(self) -> None:
        if not self.oidc_issuer:
            return
        parts = urlsplit(self.oidc_issuer)
        loopback = parts.hostname in ("127.0.0.1", "localhost", "::1")
        if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
            raise ValueError("MOTCUA_OIDC_ISSUER: an https URL (http only on loopback)")
        if parts.query or parts.fragment:
            raise ValueError("MOTCUA_OIDC_ISSUER: the issuer's URL has no query or fragment")
        if not self.oidc_client_id:
            raise ValueError("MOTCUA_OIDC_CLIENT_ID: needed with MOTCUA_OIDC_ISSUER")
        if "openid" not in self.oidc_scopes.split():
            raise ValueError("MOTCUA_OIDC_SCOPES: must include openid")

    def _paygov_is_usable(self) -> None:
        if self.payment_platform != "paygov":
            return
        parts = urlsplit(self.paygov_base_url)
        loopback = parts.hostname in ("127.0.0.1", "localhost", "::1")
        if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
            raise ValueError("MOTCUA_PAYGOV_BASE_URL: an https URL (http only on loopback)")
        if parts.query or parts.fragment:
            raise ValueError("MOTCUA_PAYGOV_BASE_URL: the base URL has no query or fragment")
        if not self.paygov_merchant_code:
            raise ValueError(
                "MOTCUA_PAYGOV_MERCHANT_CODE: needed with MOTCUA_PAYMENT_PLATFORM=paygov"
            )

    @property
    def oidc_redirect_uri(self) -> str:
        """The sign-in's callback, to register with the province's identity provider."""
        return self.public_base_url.rstrip("/") + "/dang-nhap/xong"

    @property
    def is_dev_stage(self) -> bool:
        return self.stage in DEV_STAGES

    @property
    def is_local_stage(self) -> bool:
        return self.stage == LOCAL_STAGE

    @property
    def file_fetch_host_names(self) -> frozenset[str]:
        return frozenset(h.lower() for h in self.file_fetch_hosts.split(",") if h)

    @classmethod
    def from_environment(
        cls,
        environ: Mapping[str, str] | None = None,
        *,
        unless_table_named: Mapping[str, str] | None = None,
    ) -> Settings:
        """Settings from `environ` (default: this process's); `SettingsError` names a bad one.
        `unless_table_named`: variables used only if `environ` names no table (the CLI finds
        the running local stack this way, and never mixes it with a configured one)."""
        source = os.environ if environ is None else environ
        values: dict[str, Any] = {k: v for k, v in source.items() if k.startswith(PREFIX)}
        if unless_table_named and not values.get("MOTCUA_TABLE"):
            values = {**unless_table_named, **values}
        values["in_lambda"] = runtime_facts(source).in_lambda
        try:
            return cls.model_validate(values)
        except ValidationError as error:
            raise SettingsError(_describe(error)) from None


def _describe(error: ValidationError) -> str:
    aliases = {name: field.alias or name for name, field in Settings.model_fields.items()}
    lines = []
    for issue in error.errors(include_url=False):
        loc = issue["loc"]
        variable = aliases.get(str(loc[0]), str(loc[0])) if loc else "settings"
        lines.append(f"{variable}: {issue['msg']}")
    return "invalid settings: " + "; ".join(lines)


@dataclass(frozen=True)
class RuntimeFacts:
    """What the Lambda runtime and Powertools say about this process, from their variables."""

    in_lambda: bool  # a deployed function, not `sam local` nor chalice's CLI
    traced: bool  # Powertools' rule: in Lambda only, unless POWERTOOLS_TRACE_DISABLED
    metrics_namespace_from_env: bool  # POWERTOOLS_METRICS_NAMESPACE names it
    function_name: str = ""  # the deployed function's name (AWS_LAMBDA_FUNCTION_NAME)


def runtime_facts(environ: Mapping[str, str] | None = None) -> RuntimeFacts:
    """From `environ` (default: this process's, read now: the runtime sets them, not us)."""
    environ = os.environ if environ is None else environ
    emulated = bool(environ.get("AWS_SAM_LOCAL") or environ.get("AWS_CHALICE_CLI_MODE"))
    trace_off = environ.get("POWERTOOLS_TRACE_DISABLED", "false").lower() in (
        "1",
        "true",
        "yes",
        "on",
    )
    return RuntimeFacts(
        in_lambda=bool(environ.get("AWS_LAMBDA_FUNCTION_NAME")) and not emulated,
        traced=bool(environ.get("LAMBDA_TASK_ROOT")) and not emulated and not trace_off,
        metrics_namespace_from_env=bool(environ.get("POWERTOOLS_METRICS_NAMESPACE")),
        function_name=environ.get("AWS_LAMBDA_FUNCTION_NAME", "") if not emulated else "",
    )


@dataclass(frozen=True)
class OperatorShell:
    """What the operator's shell names, for the CLI's questions before any settings are built
    (which stage, whether a deployed table is named, the AWS region, a traceback wanted)."""

    stage: str  # MOTCUA_STAGE as set ("" when not said: never the default stage)
    table: str  # MOTCUA_TABLE as set
    aws_region: str  # AWS_REGION, else AWS_DEFAULT_REGION
    aws_default_region: str  # AWS_DEFAULT_REGION as set (what boto3 itself reads)
    debug: bool  # MOTCUA_CLI_DEBUG=1


def operator_shell(environ: Mapping[str, str] | None = None) -> OperatorShell:
    """From `environ` (default: this process's, read now: the CLI's tests set it per test)."""
    environ = os.environ if environ is None else environ
    return OperatorShell(
        stage=environ.get("MOTCUA_STAGE", ""),
        table=environ.get("MOTCUA_TABLE", ""),
        aws_region=environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION", ""),
        aws_default_region=environ.get("AWS_DEFAULT_REGION", ""),
        debug=environ.get("MOTCUA_CLI_DEBUG") == "1",
    )


def use_aws_region(region: str) -> None:
    """boto3 reads AWS_DEFAULT_REGION (or a profile's), not AWS_REGION: the CLI sets it once it
    knows the region, so the app's clients it builds afterwards find it too."""
    os.environ.setdefault("AWS_DEFAULT_REGION", region)
