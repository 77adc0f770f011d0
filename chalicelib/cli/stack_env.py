"""`motcua stack-env`: the variables that point `motcua` at a deployed stage (its table, its
queues and dead-letter queues), read from the outputs of its CloudFormation stack, printed as
`export` lines to `eval`. The operator then runs every other command against that stage."""

from __future__ import annotations

import argparse
import json
import shlex
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from chalicelib.cli.base import Answer, Context, add_command
from chalicelib.cli.errors import CliError, UsageError
from chalicelib.cli.target import OFFLINE
from chalicelib.settings import operator_shell

RESOURCES = Path(__file__).resolve().parents[2] / "infra" / "resources.json"
QUEUE = "AWS::SQS::Queue"


def variables_of_outputs(resources: Mapping[str, Any]) -> dict[str, str]:
    """Output key → the variable it fills: the template names each resource's output
    `<logical id>Url` (a queue) or `<logical id>Name` (infra/compose._outputs), and the
    resource's `motcua:env` metadata names the variable the functions read it from."""
    found = {}
    for logical_id, resource in resources.items():
        variable = resource.get("Metadata", {}).get("motcua:env")
        if variable:
            kind = "Url" if resource["Type"] == QUEUE else "Name"
            found[f"{logical_id}{kind}"] = variable
    return found


def exports(stage: str, outputs: Mapping[str, str], wanted: Mapping[str, str]) -> dict[str, str]:
    missing = sorted(key for key in wanted if key not in outputs)
    if missing:
        raise CliError(
            f"the stack of stage {stage!r} has no output {', '.join(missing)}: deploy this "
            "version first (`make deploy STAGE=…`)"
        )
    return {"MOTCUA_STAGE": stage, **{wanted[key]: outputs[key] for key in sorted(wanted)}}


def stack_outputs(stack: str, region: str | None) -> dict[str, str]:
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

    if not region:
        raise CliError("no AWS region: set AWS_REGION (e.g. AWS_REGION=ap-southeast-1)")
    try:
        client = boto3.session.Session().client("cloudformation", region_name=region)
        [described] = client.describe_stacks(StackName=stack)["Stacks"]
    except NoCredentialsError as exc:
        raise CliError("no AWS credentials: set AWS_PROFILE (or AWS_ACCESS_KEY_ID…)") from exc
    except ClientError as exc:
        error = exc.response.get("Error", {})
        raise CliError(
            f"no stack {stack} in region {region} ({error.get('Code', '?')}: "
            f"{error.get('Message', exc)}): check the stage, the region and the credentials"
        ) from exc
    except (BotoCoreError, OSError, RuntimeError) as exc:
        raise CliError(f"cannot reach AWS in region {region} ({exc}): check the network") from exc
    return {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}


def stack_env_command(args: argparse.Namespace, ctx: Context) -> Answer:
    settings = ctx.deps
    if settings.is_local_stage:
        raise CliError(
            "stage local has no CloudFormation stack: motcua finds a running `make run` by "
            "itself; set MOTCUA_STAGE to a deployed stage"
        )
    try:
        resources = json.loads(RESOURCES.read_text(encoding="utf-8"))["Resources"]
    except (OSError, ValueError, KeyError) as exc:
        raise CliError(f"cannot read {RESOURCES} ({exc}): run motcua from a checkout") from exc
    region = operator_shell().aws_region
    stack = args.stack or f"motcua-{settings.stage}"
    found = exports(settings.stage, stack_outputs(stack, region), variables_of_outputs(resources))
    text = "\n".join(f"export {name}={shlex.quote(value)}" for name, value in found.items())
    return Answer(text, found)


def stage_named(args: argparse.Namespace) -> None:
    """Before anything is printed or called: the stage is said, never the default one."""
    if not operator_shell().stage:
        raise UsageError(
            "motcua stack-env: name the deployed stage, e.g. MOTCUA_STAGE=staging motcua "
            "stack-env (a local stack needs none: start `make run`, motcua finds it; see "
            "`motcua stack-env --help`)"
        )


def add(commands: Any) -> None:
    parser = add_command(
        commands,
        "stack-env",
        summary="print the variables pointing motcua at a deployed stage (eval them)",
        description="Reads the outputs of the stage's CloudFormation stack (motcua-<stage>) and "
        "prints `export` lines: MOTCUA_STAGE, MOTCUA_TABLE and every queue's and dead-letter "
        "queue's URL, so `motcua dlq list` and the other commands act on that stage.",
        examples=[
            "motcua stack-env   # with MOTCUA_STAGE=staging and AWS_REGION=ap-southeast-1 set",
            'eval "$(MOTCUA_STAGE=staging AWS_REGION=ap-southeast-1 motcua stack-env)"',
            'eval "$(MOTCUA_STAGE=prod motcua stack-env --yes-prod)" && motcua dlq list --yes-prod',
        ],
        run=stack_env_command,
        needs=OFFLINE,
    )
    parser.set_defaults(check=stage_named)
    parser.add_argument(
        "--stack", help="the stack's name when it is not motcua-<stage>, e.g. --stack motcua-prod-b"
    )
