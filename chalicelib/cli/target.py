"""What a command acts on, said before it acts: the local stack at its endpoint, or an AWS
account, region and stage; a production stage only with `--yes-prod`.

Where the target comes from, first found wins: the container this process installed (a test
or a tool running the command in-process); a deployed stage named by the environment
(`MOTCUA_TABLE`, with `MOTCUA_STAGE`, `AWS_REGION` and the usual AWS credentials); the local
stack `make run` left in `.local-state/env.json`. Nothing found is an error that says so.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from chalicelib.cli.errors import CliError
from chalicelib.settings import Settings, SettingsError, operator_shell, use_aws_region

PRODUCTION_STAGES = frozenset({"prod", "production"})
# The kinds of target a command needs.
STACK = "stack"  # tables and queues: the local stack or a deployed stage
LOCAL = "local"  # the local stage's own files (the outbox)
OFFLINE = "offline"  # computed here from the settings (a token, a signature): no AWS call

NO_STACK = (
    "no stack to act on: start the local one with `make run` (in another shell), or name a "
    "deployed stage with MOTCUA_STAGE, MOTCUA_TABLE, AWS_REGION and AWS credentials"
)


@dataclass(frozen=True)
class Target:
    kind: str  # "local", "aws", "process" (a container this process installed) or "offline"
    stage: str
    region: str = ""
    endpoint: str = ""
    account: str = ""
    table: str = ""

    def describe(self) -> str:
        if self.kind == "local":
            return (
                f"local stack at {self.endpoint} (stage {self.stage}, region {self.region}, "
                f"table {self.table})"
            )
        if self.kind == "aws":
            return (
                f"AWS account {self.account}, region {self.region}, stage {self.stage} "
                f"(table {self.table})"
            )
        if self.kind == "process":
            where = f"endpoint {self.endpoint}" if self.endpoint else "this process's AWS"
            return f"the stack this process runs (stage {self.stage}, table {self.table}, {where})"
        return f"nothing remote: computed here for stage {self.stage}"

    def as_json(self) -> dict[str, str]:
        return {k: v for k, v in self.__dict__.items() if v}


def local_state() -> dict[str, str] | None:
    """The settings `make run` left for the CLI, if a local stack ran here."""
    from chalicelib import ops

    if not ops.LOCAL_STATE.exists():
        return None
    try:
        return json.loads(ops.LOCAL_STATE.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CliError(f"{ops.LOCAL_STATE} is unreadable ({exc}): start `make run` again") from exc


def stage_named() -> str:
    """The stage a command would act on, read before anything is built or called."""
    from chalicelib import bootstrap

    installed = bootstrap.installed()
    if installed is not None:
        return installed.settings.stage
    shell = operator_shell()
    if shell.stage:
        return shell.stage
    state = None if shell.table else local_state()
    return (state or {}).get("MOTCUA_STAGE") or Settings.model_fields["stage"].default


def guard_production(stage: str, *, allowed: bool) -> None:
    if stage in PRODUCTION_STAGES and not allowed:
        raise CliError(
            f"stage {stage!r} is production: add --yes-prod to act on it (or set MOTCUA_STAGE "
            "to another stage)"
        )


def settings_only() -> Settings:
    """The settings of an offline command (no stack needed)."""
    from chalicelib import bootstrap

    installed = bootstrap.installed()
    if installed is not None:
        return installed.settings
    # The stage a running `make run` left (its development keys), unless the environment names one.
    return _settings(None if operator_shell().table else local_state())


def resolve(kind: str, *, yes_prod: bool) -> tuple[Target, Any]:
    """The target of a command and what it acts through: the operator's container (STACK),
    the settings (OFFLINE, LOCAL)."""
    stage = stage_named()
    guard_production(stage, allowed=yes_prod)
    if kind == OFFLINE:
        settings = settings_only()
        return Target("offline", settings.stage), settings
    if kind == LOCAL:
        return _local_files()
    return _stack()


def _local_files() -> tuple[Target, Settings]:
    from chalicelib import bootstrap

    installed = bootstrap.installed()
    if installed is not None:
        settings = installed.settings
    elif operator_shell().table:
        settings = settings_only()
    else:
        state = local_state()
        if state is None:
            raise CliError(
                "no local stack: the outbox is written by `make run` (start it in another "
                "shell), or give --path FILE"
            )
        settings = _settings(state)
    if not settings.is_local_stage:
        raise CliError(
            f"stage {settings.stage!r} sends for real and keeps no outbox: "
            "see a dossier's attempts with `motcua deliveries CODE`"
        )
    return Target("local", settings.stage, settings.aws_region, settings.aws_endpoint_url or "",
                  table=settings.table_name), settings  # fmt: skip


def _settings(state: dict[str, str] | None) -> Settings:
    try:
        return Settings.from_environment(unless_table_named=state)
    except SettingsError as exc:
        raise CliError(str(exc)) from exc


def _stack() -> tuple[Target, Any]:
    from chalicelib import bootstrap

    installed = bootstrap.installed()
    if installed is not None:
        s = installed.settings
        return Target("process", s.stage, s.aws_region, s.aws_endpoint_url or "",
                      table=s.table_name), installed  # fmt: skip
    table_named = bool(operator_shell().table)
    state = None if table_named else local_state()
    if state is None and not table_named:
        raise CliError(NO_STACK)
    settings = _settings(state)
    if settings.aws_endpoint_url:
        target = _probe_local(settings, from_state=state is not None)
    else:
        target = _probe_aws(settings)
    built = bootstrap.Container(settings)
    bootstrap.install(built)
    return target, built


def _probe_client(service: str, **session: Any) -> Any:
    import boto3
    from botocore.config import Config

    config = Config(connect_timeout=2, read_timeout=5, retries={"total_max_attempts": 1})
    endpoint = session.pop("endpoint_url", None)
    return boto3.session.Session(**session).client(service, config=config, endpoint_url=endpoint)


def _probe_local(settings: Settings, *, from_state: bool) -> Target:
    from botocore.exceptions import BotoCoreError, ClientError

    from chalicelib.adapters.aws import LOCAL_CREDENTIALS

    endpoint = settings.aws_endpoint_url or ""
    where = " (left by an earlier `make run`)" if from_state else ""
    dynamodb = _probe_client(
        "dynamodb", endpoint_url=endpoint, region_name=settings.aws_region, **LOCAL_CREDENTIALS
    )
    try:
        dynamodb.describe_table(TableName=settings.table_name)
    except ClientError as exc:
        raise CliError(
            f"the stack at {endpoint} has no table {settings.table_name}: restart `make run`"
        ) from exc
    except (BotoCoreError, OSError) as exc:
        raise CliError(
            f"no local stack answers at {endpoint}{where}: start it with `make run`"
        ) from exc
    return Target("local", settings.stage, settings.aws_region, endpoint,
                  table=settings.table_name)  # fmt: skip


def _probe_aws(settings: Settings) -> Target:
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

    region = boto3.session.Session().region_name or operator_shell().aws_region
    if region:
        use_aws_region(region)
    if not region:
        raise CliError(
            f"no AWS region for stage {settings.stage!r}: set AWS_REGION (e.g. "
            "AWS_REGION=ap-southeast-1) or an AWS_PROFILE that has one"
        )
    try:
        account = _probe_client("sts", region_name=region).get_caller_identity()["Account"]
        _probe_client("dynamodb", region_name=region).describe_table(TableName=settings.table_name)
    except NoCredentialsError as exc:
        raise CliError(
            "no AWS credentials: set AWS_PROFILE (or the AWS_ACCESS_KEY_ID… variables)"
        ) from exc
    except ClientError as exc:
        error = exc.response.get("Error", {})
        raise CliError(
            f"AWS refused ({error.get('Code', '?')}: {error.get('Message', exc)}) in region "
            f"{region}: check the credentials, the region and MOTCUA_TABLE "
            f"({settings.table_name})"
        ) from exc
    except (BotoCoreError, OSError, RuntimeError) as exc:
        # RuntimeError: a sandbox that blocks sockets (the tests) says so this way.
        raise CliError(f"cannot reach AWS in region {region} ({exc}): check the network") from exc
    return Target("aws", settings.stage, region, account=account, table=settings.table_name)
