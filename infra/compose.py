"""The merge template of a stage, for `chalice package --merge-template`.

    python -m infra.compose --stage prod --out build/merge-prod.json

Chalice writes the functions, their roles (one per function, the policy of each in
`.chalice/policy-<function>.json`), the REST API and the schedules. `chalice package` then
deep-merges this template over its own: dictionaries merge key by key, anything else (a string,
a list) is replaced. The template composed here adds:

- every table, queue and bucket of `infra/resources.json` (the file the local runtime creates
  its resources from), with the stage in their names (a bucket's also carries the account and
  region: bucket names are global) and, in protected stages, deletion protection;
- per function: its name (`motcua-<stage>-<function>`, as `chalice deploy` would name it), the
  environment variables naming its resources (`Ref`/`Fn::GetAtt`, never a literal), its log
  group's name, and its event source's options Chalice does not emit:
  `FunctionResponseTypes: [ReportBatchItemFailures]`, the real queue or stream, and for the
  stream a bounded retry, batch bisection and an on-failure destination;
- the parameters chosen at deploy time (token issuer, notification channels, alarm e-mail);
- the alarms: each dead-letter queue's depth, each source queue's oldest message, each
  function's errors and throttles, the stream relay's iterator age, the application's counters
  of `APP_METRIC_ALARMS` (the portal still differing after the nightly reconciliation), all to
  one SNS topic;
- the X-Ray sampling rule of the stage's API (`xray: true` traces it and every function);
- an AWS WAF web ACL on the API stage: per client address, a rate-based rule on the public
  lookup (`/v1/public/`) and a looser one on the whole API.

Why the queue is overridden with `{"Fn::Sub": "${Queue.Arn}"}` and not `Fn::GetAtt`: for
`@app.on_sqs_message(queue=<name>)` Chalice emits `{"Fn::Sub": "arn:…:<name>"}`; merging a
`Fn::GetAtt` over it would keep both keys, an invalid intrinsic. A `Fn::Sub` replaces Chalice's
string, and a string (`queue_arn=`) would be replaced whole: both forms of the decorator work.
"""

from __future__ import annotations

import argparse
import copy
import importlib
import json
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

INFRA_DIR = Path(__file__).resolve().parent
PROJECT_DIR = INFRA_DIR.parent
RESOURCES_PATH = INFRA_DIR / "resources.json"
CHALICE_CONFIG_PATH = PROJECT_DIR / ".chalice" / "config.json"

APP_NAME = "motcua"
TABLE = "AWS::DynamoDB::Table"
QUEUE = "AWS::SQS::Queue"
BUCKET = "AWS::S3::Bucket"
BUCKET_POLICY = "AWS::S3::BucketPolicy"
# Stages where nothing holding data is deleted by CloudFormation (a stack deletion or a
# replacement retains the table, the queues and the log groups) and the table refuses
# DeleteTable. Other stages delete them with the stack.
PROTECTED_STAGES = frozenset({"prod"})

# AWS: a source queue's visibility timeout should be at least six times its consumer's timeout
# (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html).
VISIBILITY_FACTOR = 6

# The stream's mapping: a failing record is retried a bounded number of times (bisecting the
# batch to isolate it), then its position goes to the on-failure queue; it never blocks the
# shard for the stream's 24 h. TRIM_HORIZON: a re-created mapping replays instead of skipping
# (the notifier is idempotent per job, so a replay sends nothing twice).
STREAM_FAILURE_QUEUE = "OutboxDeadLetterQueue"
STREAM_EVENT_OPTIONS: dict[str, Any] = {
    "StartingPosition": "TRIM_HORIZON",
    "MaximumRetryAttempts": 5,
    "BisectBatchOnFunctionError": True,
    "MaximumRecordAgeInSeconds": 6 * 3600,
}
BATCH_ITEM_FAILURES = ["ReportBatchItemFailures"]

# SSM parameters the code reads (SecureString: CloudFormation cannot create them, operators
# do; see docs/deploying.md). Environment variable → name under /motcua/<stage>/.
SSM_PARAMETERS: dict[str, str] = {
    "MOTCUA_WEBHOOK_SECRETS_PREFIX": "webhook-clients/",
    "MOTCUA_ZNS_TOKEN_PARAMETER": "zns/token",
    "MOTCUA_ZNS_SECRET_KEY_PARAMETER": "zns/secret-key",
    "MOTCUA_SMS_GATEWAY_PARAMETER": "sms/gateway",
    "MOTCUA_PORTAL_PARAMETER": "national-portal",
    "MOTCUA_PAYGOV_KEYS_PARAMETER": "paygov-keys",
    "MOTCUA_PIN_KEY_PARAMETER": "receipt-pin-key",
    "MOTCUA_CURSOR_KEY_PARAMETER": "cursor-key",
}

# Settings every deployed function has: the agency registry from the table (reloaded without a
# deploy: docs/architecture.md, "Reference data").
DEPLOYED_SETTINGS: dict[str, str] = {"MOTCUA_REFERENCE_SOURCE": "table"}

# Settings chosen when deploying: CloudFormation parameter → (environment variable, definition).
SETTING_PARAMETERS: dict[str, tuple[str, dict[str, Any]]] = {
    "JwtIssuer": (
        "MOTCUA_JWT_ISSUER",
        {
            "Type": "String",
            "MinLength": 1,
            "Description": "The `iss` of officials' tokens (the province's OIDC issuer).",
        },
    ),
    "JwtJwksUrl": (
        "MOTCUA_JWT_JWKS_URL",
        {
            "Type": "String",
            "AllowedPattern": "^https://.+",
            "Description": "The issuer's JWKS URL; deployed stages verify RS256 tokens with it.",
        },
    ),
    "JwtAudience": (
        "MOTCUA_JWT_AUDIENCE",
        {"Type": "String", "Default": "motcua", "Description": "The `aud` of officials' tokens."},
    ),
    "OidcIssuer": (
        "MOTCUA_OIDC_ISSUER",
        {
            "Type": "String",
            "Default": "",
            "AllowedPattern": "^(https://.+)?$",
            "Description": "The province's OIDC issuer for officials' sign-in on the pages "
            "(empty: the pages answer that sign-in is not configured).",
        },
    ),
    "OidcClientId": (
        "MOTCUA_OIDC_CLIENT_ID",
        {"Type": "String", "Default": "", "Description": "The pages' client id at the issuer."},
    ),
    "OidcClientSecretParameter": (
        "MOTCUA_OIDC_CLIENT_SECRET_PARAMETER",
        {
            "Type": "String",
            "Default": "",
            # Under the stage's oidc/ path: the only SSM path the API may read it from.
            "AllowedPattern": "^(/motcua/[A-Za-z0-9_-]+/oidc/[A-Za-z0-9_/-]+)?$",
            "Description": "A confidential client's secret (SSM SecureString under "
            "/motcua/<stage>/oidc/); empty: a public client, PKCE only.",
        },
    ),
    "PaymentPlatform": (
        "MOTCUA_PAYMENT_PLATFORM",
        {
            "Type": "String",
            "Default": "none",
            "AllowedValues": ["none", "paygov"],
            "Description": "Fees paid online: paygov (the national payment platform, "
            "docs/payment-contract.md) or none (orders written, paid at the counter).",
        },
    ),
    "PayGovBaseUrl": (
        "MOTCUA_PAYGOV_BASE_URL",
        {
            "Type": "String",
            "Default": "",
            "AllowedPattern": "^(https://.+)?$",
            "Description": "PayGov's base URL (https), with PaymentPlatform paygov.",
        },
    ),
    "PayGovMerchantCode": (
        "MOTCUA_PAYGOV_MERCHANT_CODE",
        {
            "Type": "String",
            "Default": "",
            "AllowedPattern": "^[A-Za-z0-9_.-]{0,64}$",
            "Description": "The client id PayGov gave the province (its keys: SSM paygov-keys).",
        },
    ),
    "PublicBaseUrl": (
        "MOTCUA_PUBLIC_BASE_URL",
        {"Type": "String", "Default": "", "Description": "Public URL of the API (links)."},
    ),
    "SurveyUrl": (
        "MOTCUA_SURVEY_URL",
        {
            "Type": "String",
            "Default": "",
            "Description": "Satisfaction survey link sent after the result; {code} is the dossier.",
        },
    ),
    "LookupUrl": (
        "MOTCUA_LOOKUP_URL",
        {
            "Type": "String",
            "Default": "",
            "Description": "Public lookup link named in every notice; {code} is the dossier.",
        },
    ),
    "SupplementWaitDays": (
        "MOTCUA_SUPPLEMENT_WAIT_DAYS",
        {
            "Type": "Number",
            "Default": 15,
            "Description": "Days the applicant has to supplement (NĐ 118 art. 19(5)).",
        },
    ),
    "FileFetchHosts": (
        "MOTCUA_FILE_FETCH_HOSTS",
        {
            "Type": "String",
            "Default": "",
            "AllowedPattern": "^[A-Za-z0-9.,-]*$",
            "Description": "Hosts the portals' document URLs may name (comma-separated, exact).",
        },
    ),
    "SmsProvider": (
        "MOTCUA_SMS_PROVIDER",
        {"Type": "String", "Default": "sns", "AllowedValues": ["sns", "http", "none"]},
    ),
    "SmsSenderId": (
        "MOTCUA_SMS_SENDER_ID",
        {"Type": "String", "Default": "", "Description": "Registered brandname for SNS SMS."},
    ),
    "ZnsProvider": (
        "MOTCUA_ZNS_PROVIDER",
        {"Type": "String", "Default": "none", "AllowedValues": ["zalo", "none"]},
    ),
    "ZnsAppId": (
        "MOTCUA_ZNS_APP_ID",
        {"Type": "String", "Default": "", "Description": "Zalo app id (ZnsProvider=zalo)."},
    ),
    "ZnsTemplates": (
        "MOTCUA_ZNS_TEMPLATES",
        {
            "Type": "String",
            "Default": "{}",
            "Description": "JSON: milestone -> approved Zalo template id.",
        },
    ),
    "EmailProvider": (
        "MOTCUA_EMAIL_PROVIDER",
        {"Type": "String", "Default": "none", "AllowedValues": ["ses", "none"]},
    ),
    "EmailSender": (
        "MOTCUA_EMAIL_SENDER",
        {
            "Type": "String",
            "Default": "",
            "Description": "From address of notices and digests; an SES-verified identity.",
        },
    ),
}

# Alarm when a source queue's oldest message is older than this (seconds). Intake and
# transitions retry every visibility timeout (180 s) and dead-letter after 5 receives; the
# notifier and the file fetch back off up to 15 min between their 8 tries, the portal sync
# between its 10.
OLDEST_MESSAGE_ALARM_SECONDS: dict[str, int] = {
    "NotificationsQueue": 3600,
    "PortalSyncQueue": 3600,
    "FileFetchQueue": 3600,
}
DEFAULT_OLDEST_MESSAGE_ALARM_SECONDS = 900
ITERATOR_AGE_ALARM_MS = 5 * 60 * 1000
# The application's own counters that alarm above 0 (EMF, chalicelib/observability/metrics.py):
# counter → (the function that counts it, what it means). Checked over the hour after the run.
APP_METRIC_ALARMS: dict[str, tuple[str, str]] = {
    "PortalDifferencesRemaining": (
        "portal_reconcile",
        "the national portal still shows dossiers otherwise than we do after the nightly "
        "reconciliation's repush (see the function's log: each dossier and what differs).",
    ),
    "PaymentDifferencesRemaining": (
        "payment_reconcile",
        "payments of yesterday's platform statement are parked for an official (unknown order, "
        "wrong amount or currency, late or double payment: see the function's log and GET "
        "/v1/payments/parked).",
    ),
    "PaymentStatementMissing": (
        "payment_reconcile",
        "the payment platform gave no statement for yesterday: nothing was reconciled.",
    ),
}
APP_METRIC_PERIOD = 3600

# X-Ray: the API stage samples its requests by this rule (a trace's downstream functions follow
# its decision through the message's trace header): 5% of requests, no per-second reservoir.
# At a province's few requests a second a 1/s reservoir would trace a quarter of them, most of
# the X-Ray bill (docs/benchmarks.md); 5% still gives thousands of traces a working day.
XRAY_RESERVOIR_PER_SECOND = 0
XRAY_FIXED_RATE = 0.05
# Functions that no traced request calls (the stream relay, the schedules) pass tracing
# through instead of starting traces of their own at Lambda's fixed 1/s + 5%: their log lines
# carry the correlation id, and their queues and iterator age are alarmed.
PASS_THROUGH_TRACING_KINDS = ("dynamodb", "schedule")
# Lambda's own START/END/REPORT lines (three log events an invocation) are dropped: duration,
# memory and errors are CloudWatch metrics already. The application's level is the stage's.
SYSTEM_LOG_LEVEL = "WARN"
ALC_LEVELS = {"WARNING": "WARN", "CRITICAL": "FATAL"}
XRAY_RULE_PRIORITY = 1000  # before X-Ray's Default rule (10000)

# AWS WAF, per client address and 5 minutes (requests, blocked with 429 for the rest of the
# window). The public lookup's own counters (chalicelib/services/lookup_limits.py) limit wrong
# guesses per code and address and hold the detail; this stops floods before they reach Lambda.
# A citizen looks a dossier up a few times; a one-stop centre behind one address, a few hundred.
WAF_WINDOW_SECONDS = 300
WAF_PUBLIC_PATH = "/v1/public/"
WAF_PUBLIC_LIMIT = 300
WAF_API_LIMIT = 3000  # officials' screens and portals' webhooks, a busy ward office's worth
WAF_TOO_MANY = {
    "type": "https://motcua.example.gov.vn/problems/too-many-requests",
    "title": "Quá nhiều yêu cầu",
    "status": 429,
    "detail": "Quá nhiều yêu cầu từ địa chỉ này. Vui lòng thử lại sau ít phút",
}


@dataclass(frozen=True)
class Function:
    """One Lambda function of the app, as `chalice package` names it."""

    name: str  # Chalice's function name: api_handler, intake_worker, …
    logical_id: str  # its AWS::Serverless::Function in the packaged template
    kind: str  # "api", "sqs", "dynamodb" or "schedule"
    event_id: str | None = None  # its event, under the function's Events
    source: str | None = None  # the logical id of the queue or table it reads


def cfn_name(name: str) -> str:
    """Chalice's logical ids (`chalice.utils.to_cfn_resource_name`)."""
    from chalice.utils import to_cfn_resource_name

    return to_cfn_resource_name(name)


def stage_resource_name(name: str, stage: str) -> str:
    """`motcua…` → `motcua-<stage>…`: each stage's table and queues apart in one account."""
    if not name.startswith(APP_NAME):
        raise ValueError(f"resource name {name!r} does not start with {APP_NAME!r}")
    return f"{APP_NAME}-{stage}{name[len(APP_NAME) :]}"


def function_name(stage: str, function: str) -> str:
    return f"{APP_NAME}-{stage}-{function}"


def load_resources(path: str | Path = RESOURCES_PATH) -> dict[str, Any]:
    with Path(path).open(encoding="utf-8") as stream:
        return json.load(stream)["Resources"]


def load_app_module() -> Any:
    """The module `app`, imported as `chalice package` imports it."""
    if str(PROJECT_DIR) not in sys.path:
        sys.path.insert(0, str(PROJECT_DIR))
    return importlib.import_module("app")


def load_app() -> Any:
    """The Chalice app object."""
    return load_app_module().app


def chalice_config(stage: str, function: str | None = None) -> Any:
    from chalice.config import Config

    with CHALICE_CONFIG_PATH.open(encoding="utf-8") as stream:
        config_from_disk = json.load(stream)
    config = Config(
        chalice_stage=stage,
        config_from_disk=config_from_disk,
        default_params={"project_dir": str(PROJECT_DIR)},
    )
    return config.scope(chalice_stage=stage, function_name=function) if function else config


def app_functions(app: Any, resources: Mapping[str, Any]) -> list[Function]:
    """Every function `chalice package` makes of `app`, with the resource each one reads."""
    from chalice.app import DynamoDBEventConfig, ScheduledEventConfig, SQSEventConfig

    queues = {r["Properties"]["QueueName"]: k for k, r in resources.items() if r["Type"] == QUEUE}
    tables = {r["Properties"]["TableName"]: k for k, r in resources.items() if r["Type"] == TABLE}
    found: list[Function] = []
    if app.routes:
        found.append(Function("api_handler", "APIHandler", "api"))
    for source in app.event_sources:
        logical_id = cfn_name(source.name)
        if isinstance(source, SQSEventConfig):
            queue = source.queue or (source.queue_arn or "").rsplit(":", 1)[-1]
            if queue not in queues:
                raise LookupError(f"{source.name} reads queue {queue!r}, not in resources.json")
            event_id = cfn_name(f"{source.name}-sqs-event-source")
            found.append(Function(source.name, logical_id, "sqs", event_id, queues[queue]))
        elif isinstance(source, DynamoDBEventConfig):
            table = _stream_table(source.stream_arn, tables, resources)
            event_id = cfn_name(f"{source.name}-dynamodb-event-source")
            found.append(Function(source.name, logical_id, "dynamodb", event_id, table))
        elif isinstance(source, ScheduledEventConfig):
            found.append(
                Function(source.name, logical_id, "schedule", cfn_name(f"{source.name}-event"))
            )
        else:
            raise NotImplementedError(f"{source.name}: {type(source).__name__} is not composed")
    return found


def _stream_table(stream_arn: str, tables: Mapping[str, str], resources: Mapping[str, Any]) -> str:
    """The table whose stream the placeholder ARN names (`…:table/<name>/stream/…`), else the
    only table with a stream."""
    parts = stream_arn.split(":", 5)[-1].split("/")
    if len(parts) >= 3 and parts[0] == "table" and parts[1] in tables:
        return tables[parts[1]]
    streaming = [
        k for k, r in resources.items() if "StreamSpecification" in r.get("Properties", {})
    ]
    if len(streaming) != 1:
        raise LookupError(f"cannot tell which table's stream {stream_arn!r} is")
    return streaming[0]


def dead_letter_queues(resources: Mapping[str, Any]) -> dict[str, str]:
    """Source queue → its dead-letter queue (from each redrive policy)."""
    found = {}
    for logical_id, resource in resources.items():
        redrive = resource.get("Properties", {}).get("RedrivePolicy")
        if resource["Type"] == QUEUE and redrive:
            found[logical_id] = redrive["deadLetterTargetArn"]["Fn::GetAtt"][0]
    return found


def compose(
    stage: str, *, app: Any = None, resources: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The merge template of `stage`."""
    local = dict(resources if resources is not None else load_resources())
    functions = app_functions(app if app is not None else load_app(), local)
    template: dict[str, Any] = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": f"motcua ({stage}): the one-stop shop engine. Packaged by `make package`.",
        "Parameters": _parameters(stage),
        "Conditions": {"HasAlarmEmail": {"Fn::Not": [{"Fn::Equals": [{"Ref": "AlarmEmail"}, ""]}]}},
        "Resources": {},
        "Outputs": {},
    }
    out = template["Resources"]
    out.update(_state_resources(local, stage))
    environment = _environment(local, functions)
    for function in functions:
        out.update(_function_overrides(function, stage, local, environment))
    out.update(_alarms(stage, local, functions))
    out["ApiSamplingRule"] = _sampling_rule(stage)
    out.update(_web_acl(stage))
    out.update(_gateway_responses())
    template["Outputs"] = _outputs(local)
    return template


def _parameters(stage: str) -> dict[str, Any]:
    parameters: dict[str, Any] = {
        "Stage": {
            "Type": "String",
            "Default": stage,
            "AllowedValues": [stage],
            "Description": "The Chalice stage this template was packaged for.",
        },
        "AlarmEmail": {
            "Type": "String",
            "Default": "",
            "Description": "Address subscribed to the alarm topic (empty: subscribe later).",
        },
    }
    parameters.update({name: spec for name, (_, spec) in SETTING_PARAMETERS.items()})
    return parameters


def _state_resources(local: Mapping[str, Any], stage: str) -> dict[str, Any]:
    out = {}
    for logical_id, resource in local.items():
        deployed = {**copy.deepcopy(resource), **_deletion_policy(stage)}
        properties = deployed["Properties"]
        if resource["Type"] == TABLE:
            properties["TableName"] = stage_resource_name(properties["TableName"], stage)
            if stage in PROTECTED_STAGES:
                properties["DeletionProtectionEnabled"] = True
        elif resource["Type"] == QUEUE:
            properties["QueueName"] = stage_resource_name(properties["QueueName"], stage)
        elif resource["Type"] == BUCKET:
            properties["BucketName"] = deployed_bucket_name(properties["BucketName"], stage)
        elif resource["Type"] == BUCKET_POLICY:
            out[logical_id] = copy.deepcopy(resource)  # goes with its bucket
            continue
        else:
            raise ValueError(f"{logical_id}: {resource['Type']} is not deployable from here")
        out[logical_id] = deployed
    return out


def deployed_bucket_name(name: str, stage: str) -> dict[str, str]:
    """Bucket names are global: the stage's name, then the account and region it lives in."""
    return {"Fn::Sub": stage_resource_name(name, stage) + "-${AWS::AccountId}-${AWS::Region}"}


def _deletion_policy(stage: str) -> dict[str, str]:
    policy = "Retain" if stage in PROTECTED_STAGES else "Delete"
    return {"DeletionPolicy": policy, "UpdateReplacePolicy": policy}


def _environment(local: Mapping[str, Any], functions: list[Function]) -> dict[str, Any]:
    """The variables naming resources, the same for every function."""
    env: dict[str, Any] = {}
    for logical_id, resource in local.items():
        name = resource.get("Metadata", {}).get("motcua:env")
        if name:  # Ref: a table's name, a queue's URL
            env[name] = {"Ref": logical_id}
    for function in functions:
        if function.kind == "dynamodb":
            env["MOTCUA_TABLE_STREAM_ARN"] = {"Fn::GetAtt": [function.source, "StreamArn"]}
    for name, suffix in SSM_PARAMETERS.items():
        env[name] = {"Fn::Sub": f"/{APP_NAME}/${{Stage}}/{suffix}"}
    for parameter, (name, _) in SETTING_PARAMETERS.items():
        env[name] = {"Ref": parameter}
    env.update(DEPLOYED_SETTINGS)
    return env


def _function_overrides(
    function: Function, stage: str, local: Mapping[str, Any], environment: Mapping[str, Any]
) -> dict[str, Any]:
    config = chalice_config(stage, function.name)
    name = function_name(stage, function.name)
    env = dict(environment)
    properties: dict[str, Any] = {
        "FunctionName": name,
        "Environment": {"Variables": env},
        "LoggingConfig": _logging_config(config),
    }
    if function.kind in PASS_THROUGH_TRACING_KINDS:
        properties["Tracing"] = "PassThrough"
    out: dict[str, Any] = {function.logical_id: {"Properties": properties}}
    if config.log_retention_in_days:
        # Chalice names the group after `${<function>}`, which is wrong for the API handler
        # (renamed APIHandler); the literal name also lets the group exist before the function.
        log_group = cfn_name(f"{function.name}-log-group")
        out[log_group] = {
            "Properties": {"LogGroupName": f"/aws/lambda/{name}"},
            **_deletion_policy(stage),
        }
        out[function.logical_id]["DependsOn"] = [log_group]
    if function.kind == "sqs":
        queue = local[function.source]["Properties"]
        visibility = int(queue.get("VisibilityTimeout", 30))
        if visibility < VISIBILITY_FACTOR * config.lambda_timeout:
            raise ValueError(
                f"{function.source}: visibility timeout {visibility} s < {VISIBILITY_FACTOR} × "
                f"{function.name}'s timeout ({config.lambda_timeout} s)"
            )
        # The worker dead-letters with a reason on the try before the redrive would.
        env["MOTCUA_LAST_ATTEMPT"] = str(int(queue["RedrivePolicy"]["maxReceiveCount"]) - 1)
        event = {
            "Queue": {"Fn::Sub": f"${{{function.source}.Arn}}"},
            "FunctionResponseTypes": BATCH_ITEM_FAILURES,
        }
        properties["Events"] = {function.event_id: {"Properties": event}}
    elif function.kind == "dynamodb":
        event = {
            "Stream": {"Fn::GetAtt": [function.source, "StreamArn"]},
            "FunctionResponseTypes": BATCH_ITEM_FAILURES,
            **STREAM_EVENT_OPTIONS,
            **_filter_criteria(function),
            "DestinationConfig": {
                "OnFailure": {"Destination": {"Fn::GetAtt": [STREAM_FAILURE_QUEUE, "Arn"]}}
            },
        }
        properties["Events"] = {function.event_id: {"Properties": event}}
    return out


def _logging_config(config: Any) -> dict[str, str]:
    """Lambda's advanced logging controls: JSON (Powertools writes JSON lines anyway), the
    application's level in step with POWERTOOLS_LOG_LEVEL (Lambda's takes precedence in
    Powertools), and no platform lines below WARN."""
    level = str(config.environment_variables.get("POWERTOOLS_LOG_LEVEL", "INFO")).upper()
    return {
        "LogFormat": "JSON",
        "ApplicationLogLevel": ALC_LEVELS.get(level, level),
        "SystemLogLevel": SYSTEM_LOG_LEVEL,
    }


def _filter_criteria(function: Function) -> dict[str, Any]:
    """The function's event filters (`app.EVENT_FILTERS`), as the event source mapping takes
    them: records that match none never invoke it, and cost nothing."""
    patterns = getattr(load_app_module(), "EVENT_FILTERS", {}).get(function.name)
    if not patterns:
        return {}
    return {"FilterCriteria": {"Filters": [{"Pattern": json.dumps(p)} for p in patterns]}}


def _alarm(description: str, metric: dict[str, Any], **settings: Any) -> dict[str, Any]:
    properties = {
        "AlarmDescription": description,
        "ComparisonOperator": "GreaterThanThreshold",
        "EvaluationPeriods": 1,
        "Period": 300,
        "Threshold": 0,
        "TreatMissingData": "notBreaching",
        "AlarmActions": [{"Ref": "AlarmTopic"}],
        "OKActions": [{"Ref": "AlarmTopic"}],
        **metric,
        **settings,
    }
    return {"Type": "AWS::CloudWatch::Alarm", "Properties": properties}


def _queue_metric(queue: str, metric: str) -> dict[str, Any]:
    return {
        "Namespace": "AWS/SQS",
        "MetricName": metric,
        "Dimensions": [{"Name": "QueueName", "Value": {"Fn::GetAtt": [queue, "QueueName"]}}],
        "Statistic": "Maximum",
    }


def _function_metric(function: Function, metric: str, statistic: str = "Sum") -> dict[str, Any]:
    return {
        "Namespace": "AWS/Lambda",
        "MetricName": metric,
        "Dimensions": [{"Name": "FunctionName", "Value": {"Ref": function.logical_id}}],
        "Statistic": statistic,
    }


def _alarms(stage: str, local: Mapping[str, Any], functions: list[Function]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "AlarmTopic": {
            "Type": "AWS::SNS::Topic",
            "Properties": {"TopicName": f"{APP_NAME}-{stage}-alarms"},
        },
        "AlarmEmailSubscription": {
            "Type": "AWS::SNS::Subscription",
            "Condition": "HasAlarmEmail",
            "Properties": {
                "TopicArn": {"Ref": "AlarmTopic"},
                "Protocol": "email",
                "Endpoint": {"Ref": "AlarmEmail"},
            },
        },
    }
    redrives = dead_letter_queues(local)
    for dlq in sorted({*redrives.values(), STREAM_FAILURE_QUEUE}):
        out[f"{dlq}DepthAlarm"] = _alarm(
            f"{dlq} holds messages: a worker gave up on them (see each message's reason).",
            _queue_metric(dlq, "ApproximateNumberOfMessagesVisible"),
            Period=60,
        )
    for queue in sorted(redrives):
        limit = OLDEST_MESSAGE_ALARM_SECONDS.get(queue, DEFAULT_OLDEST_MESSAGE_ALARM_SECONDS)
        out[f"{queue}OldestMessageAlarm"] = _alarm(
            f"{queue}: a message has waited more than {limit} s (consumer stuck or too slow).",
            _queue_metric(queue, "ApproximateAgeOfOldestMessage"),
            Period=60,
            EvaluationPeriods=5,
            Threshold=limit,
        )
    for function in functions:
        out[f"{function.logical_id}ErrorsAlarm"] = _alarm(
            f"{function.name}: invocations failed (crash or timeout).",
            _function_metric(function, "Errors"),
        )
        out[f"{function.logical_id}ThrottlesAlarm"] = _alarm(
            f"{function.name}: invocations throttled.",
            _function_metric(function, "Throttles"),
        )
        if function.kind == "dynamodb":
            out[f"{function.logical_id}IteratorAgeAlarm"] = _alarm(
                f"{function.name}: stream records wait more than {ITERATOR_AGE_ALARM_MS} ms.",
                _function_metric(function, "IteratorAge", "Maximum"),
                Period=60,
                EvaluationPeriods=5,
                Threshold=ITERATOR_AGE_ALARM_MS,
            )
    names = {function.name for function in functions}
    for metric, (function_name_, description) in APP_METRIC_ALARMS.items():
        if function_name_ in names:
            out[f"{metric}Alarm"] = _alarm(
                f"{function_name_}: {description}", _app_metric(metric), Period=APP_METRIC_PERIOD
            )
    return out


def _app_metric(metric: str) -> dict[str, Any]:
    from chalicelib.observability.logs import SERVICE
    from chalicelib.observability.metrics import NAMESPACE

    return {
        "Namespace": NAMESPACE,
        "MetricName": metric,
        "Dimensions": [{"Name": "service", "Value": SERVICE}],
        "Statistic": "Maximum",
    }


def _sampling_rule(stage: str) -> dict[str, Any]:
    """The API stage's X-Ray sampling rule, matched by the stage's ARN (Chalice's `RestAPI`)."""
    api_stage = chalice_config(stage).api_gateway_stage
    return {
        "Type": "AWS::XRay::SamplingRule",
        "Properties": {
            "SamplingRule": {
                "RuleName": f"{APP_NAME}-{stage}-api",
                "Priority": XRAY_RULE_PRIORITY,
                "ReservoirSize": XRAY_RESERVOIR_PER_SECOND,
                "FixedRate": XRAY_FIXED_RATE,
                "ResourceARN": {
                    "Fn::Sub": "arn:${AWS::Partition}:apigateway:${AWS::Region}::/restapis/"
                    f"${{RestAPI}}/stages/{api_stage}"
                },
                "ServiceName": "*",
                "ServiceType": "*",
                "Host": "*",
                "HTTPMethod": "*",
                "URLPath": "*",
                "Version": 1,
            }
        },
    }


def _rate_rule(name: str, priority: int, limit: int, path: str | None) -> dict[str, Any]:
    statement: dict[str, Any] = {
        "Limit": limit,
        "EvaluationWindowSec": WAF_WINDOW_SECONDS,
        "AggregateKeyType": "IP",
    }
    if path is not None:  # the stage's own URL has /api in front, a custom domain does not
        statement["ScopeDownStatement"] = {
            "ByteMatchStatement": {
                "FieldToMatch": {"UriPath": {}},
                "PositionalConstraint": "CONTAINS",
                "SearchString": path,
                "TextTransformations": [
                    {"Priority": 0, "Type": "URL_DECODE"},
                    {"Priority": 1, "Type": "LOWERCASE"},
                ],
            }
        }
    return {
        "Name": name,
        "Priority": priority,
        "Statement": {"RateBasedStatement": statement},
        # WAF names added headers x-amzn-waf-…: no Retry-After; the body says to wait.
        "Action": {
            "Block": {"CustomResponse": {"ResponseCode": 429, "CustomResponseBodyKey": "too-many"}}
        },
        "VisibilityConfig": {
            "SampledRequestsEnabled": True,
            "CloudWatchMetricsEnabled": True,
            "MetricName": name,
        },
    }


def _gateway_responses() -> dict[str, Any]:
    """API Gateway's own answers (chalicelib/http/gateway_problems.py) as problem+json."""
    from chalicelib.http.gateway_problems import GATEWAY_ANSWERS, template_body
    from chalicelib.http.problems import PROBLEM_JSON

    out: dict[str, Any] = {}
    for response_type, answer in GATEWAY_ANSWERS.items():
        properties: dict[str, Any] = {
            "RestApiId": {"Ref": "RestAPI"},
            "ResponseType": response_type,
            "ResponseParameters": {"gatewayresponse.header.Content-Type": f"'{PROBLEM_JSON}'"},
            "ResponseTemplates": {"application/json": template_body(answer)},
        }
        if answer.status is not None:
            properties["StatusCode"] = str(answer.status)
        logical_id = "GatewayResponse" + "".join(p.title() for p in response_type.split("_"))
        out[logical_id] = {"Type": "AWS::ApiGateway::GatewayResponse", "Properties": properties}
    return out


def _web_acl(stage: str) -> dict[str, Any]:
    """The API stage's AWS WAF web ACL and its association with the stage."""
    api_stage = chalice_config(stage).api_gateway_stage
    name = f"{APP_NAME}-{stage}-api"
    return {
        "ApiWebAcl": {
            "Type": "AWS::WAFv2::WebACL",
            "Properties": {
                "Name": name,
                "Scope": "REGIONAL",
                "DefaultAction": {"Allow": {}},
                "CustomResponseBodies": {
                    "too-many": {
                        "ContentType": "APPLICATION_JSON",
                        "Content": json.dumps(WAF_TOO_MANY, ensure_ascii=False),
                    }
                },
                "Rules": [
                    _rate_rule(f"{name}-public-lookup", 0, WAF_PUBLIC_LIMIT, WAF_PUBLIC_PATH),
                    _rate_rule(f"{name}-all", 1, WAF_API_LIMIT, None),
                ],
                "VisibilityConfig": {
                    "SampledRequestsEnabled": True,
                    "CloudWatchMetricsEnabled": True,
                    "MetricName": name,
                },
            },
        },
        "ApiWebAclAssociation": {
            "Type": "AWS::WAFv2::WebACLAssociation",
            # SAM's stage of Chalice's RestAPI: the association needs the stage to exist.
            "DependsOn": f"RestAPI{api_stage}Stage",
            "Properties": {
                "ResourceArn": {
                    "Fn::Sub": "arn:${AWS::Partition}:apigateway:${AWS::Region}::/restapis/"
                    f"${{RestAPI}}/stages/{api_stage}"
                },
                "WebACLArn": {"Fn::GetAtt": ["ApiWebAcl", "Arn"]},
            },
        },
    }


def _outputs(local: Mapping[str, Any]) -> dict[str, Any]:
    outputs: dict[str, Any] = {}
    for logical_id, resource in local.items():
        if resource["Type"] == BUCKET_POLICY:
            continue
        kind = "Url" if resource["Type"] == QUEUE else "Name"
        outputs[f"{logical_id}{kind}"] = {"Value": {"Ref": logical_id}}
    outputs["AlarmTopicArn"] = {"Value": {"Ref": "AlarmTopic"}}
    for name, suffix in SSM_PARAMETERS.items():
        key = "".join(part.capitalize() for part in name.removeprefix("MOTCUA_").split("_"))
        outputs[f"Ssm{key}"] = {
            "Description": "SecureString parameter(s) to create; see docs/deploying.md",
            "Value": {"Fn::Sub": f"/{APP_NAME}/${{Stage}}/{suffix}"},
        }
    return outputs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stage", required=True)
    parser.add_argument("--out", required=True, type=Path)
    args = parser.parse_args(argv)
    template = compose(args.stage)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(template, indent=2, ensure_ascii=False) + "\n", "utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
