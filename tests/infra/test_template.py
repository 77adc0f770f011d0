"""The deployable template (`make package`): cfn-lint, and the properties the system relies on.

Each check of `checks.py` must hold on the packaged template, and must report the property
removed from a copy of it: a check that cannot fail proves nothing.
"""

from __future__ import annotations

import copy
import json
import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from chalicelib.settings import Settings
from infra.compose import PROJECT_DIR, SSM_PARAMETERS, WAF_PUBLIC_PATH, load_resources
from infra.package import LAMBDA_PYTHON, RUNTIME_LOCK, lint
from tests.infra import checks
from tests.infra.conftest import STAGE

LOCAL = load_resources()
# The operator's CLI, run from a shell: no function imports it, and the zip leaves it out.
CLI = PROJECT_DIR / "chalicelib" / "cli"
# The code that is deployed: the app and its package, less the CLI.
CODE = [
    PROJECT_DIR / "app.py",
    *sorted(p for p in (PROJECT_DIR / "chalicelib").rglob("*.py") if CLI not in p.parents),
]
# A variable names a resource: a table, a queue, a stream, a bucket, an SSM parameter or prefix.
NAMES_A_RESOURCE = re.compile(
    r"^MOTCUA_(TABLE|TABLE_STREAM_ARN|\w+_(QUEUE|DLQ)_URL|\w+_BUCKET|\w+_PARAMETER|\w+_PREFIX)$"
)


def resource_variables() -> set[str]:
    """The variables the code reads that name a resource: the settings are the one reader of
    the environment, each field's alias its variable."""
    read = {field.alias for field in Settings.model_fields.values() if field.alias}
    return {name for name in read if NAMES_A_RESOURCE.match(name)}


RESOURCE_VARIABLES = resource_variables()


# --- the template as packaged ----------------------------------------------------------------


def test_cfn_lint_finds_nothing(template_path):
    result = lint(template_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_code_reads_the_resource_variables_we_expect():
    # The scan of the code must keep finding them, or the environment check below checks little.
    assert {
        "MOTCUA_TABLE",
        "MOTCUA_TABLE_STREAM_ARN",
        "MOTCUA_INTAKE_QUEUE_URL",
        "MOTCUA_INTAKE_DLQ_URL",
        "MOTCUA_TRANSITIONS_QUEUE_URL",
        "MOTCUA_TRANSITIONS_DLQ_URL",
        "MOTCUA_NOTIFICATIONS_QUEUE_URL",
        "MOTCUA_NOTIFICATIONS_DLQ_URL",
        "MOTCUA_WEBHOOK_SECRETS_PREFIX",
        "MOTCUA_ZNS_TOKEN_PARAMETER",
        "MOTCUA_FILES_BUCKET",
        "MOTCUA_FILE_FETCH_QUEUE_URL",
        "MOTCUA_FILE_FETCH_DLQ_URL",
    } <= RESOURCE_VARIABLES


def test_every_function_of_the_app_is_packaged(packaged):
    functions = checks.of_type(packaged, checks.FUNCTION)
    assert set(functions) == {
        "APIHandler",
        "IntakeWorker",
        "TransitionWorker",
        "OutboxRelay",
        "Notifier",
        "PortalSync",
        "FileFetch",
        "DeadlineTimer",
        "DailyDigest",
        "PortalReconcile",
        "PaymentReconcile",
    }
    for function_id, function in functions.items():
        assert function["Properties"]["FunctionName"].startswith(f"motcua-{STAGE}-"), function_id


def test_the_schedules_come_from_the_app(packaged):
    schedules = {f: p["Schedule"] for f, _, p in checks.events(packaged, "Schedule")}
    assert schedules == {
        "DeadlineTimer": "rate(5 minutes)",
        "DailyDigest": "cron(30 0 ? * MON-SAT *)",
        "PortalReconcile": "cron(0 18 * * ? *)",
        "PaymentReconcile": "cron(0 19 * * ? *)",
    }


@pytest.mark.parametrize(
    "metric",
    ["PortalDifferencesRemaining", "PaymentDifferencesRemaining", "PaymentStatementMissing"],
)
def test_the_portal_differing_after_the_nightly_repush_raises_an_alarm(packaged, metric):
    """So do payments still parked after the nightly payment reconciliation, and a platform
    that gave no statement."""
    from chalicelib.observability.metrics import NAMESPACE

    alarms = checks.of_type(packaged, checks.ALARM)
    properties = alarms[f"{metric}Alarm"]["Properties"]
    assert (properties["Namespace"], properties["MetricName"]) == (NAMESPACE, metric)
    assert properties["Threshold"] == 0
    assert properties["ComparisonOperator"] == "GreaterThanThreshold"
    assert properties["AlarmActions"] == [{"Ref": "AlarmTopic"}]


def test_the_per_dossier_queues_are_fifo_and_the_others_need_no_order(packaged):
    queues = checks.of_type(packaged, checks.QUEUE)
    sources = {f: checks.target(p["Queue"]) for f, _, p in checks.events(packaged, "SQS")}
    assert sources == {
        "IntakeWorker": "IntakeQueue",
        "TransitionWorker": "TransitionsQueue",
        "Notifier": "NotificationsQueue",
        "PortalSync": "PortalSyncQueue",
        "FileFetch": "FileFetchQueue",
    }
    # One dossier's transitions apply in order; one dossier is pushed by one worker at a time.
    for fifo in ("TransitionsQueue", "PortalSyncQueue"):
        assert queues[fifo]["Properties"]["FifoQueue"] is True
        assert queues[fifo]["Properties"]["QueueName"].endswith(".fifo")
    for plain in ("IntakeQueue", "NotificationsQueue", "FileFetchQueue"):
        assert "FifoQueue" not in queues[plain]["Properties"]


def test_no_development_setting_reaches_the_deployed_stage(packaged):
    for function_id, function in checks.of_type(packaged, checks.FUNCTION).items():
        variables = function["Properties"]["Environment"]["Variables"]
        for name in ("MOTCUA_JWT_DEV_KEY", "MOTCUA_LOCAL_OUTBOX", "MOTCUA_NOW"):
            assert name not in variables, (function_id, name)
        assert variables["MOTCUA_STAGE"] == STAGE


def test_each_worker_dead_letters_on_the_try_before_its_redrive(packaged):
    queues = checks.of_type(packaged, checks.QUEUE)
    functions = checks.of_type(packaged, checks.FUNCTION)
    for function_id, _, properties in checks.events(packaged, "SQS"):
        redrive = queues[checks.target(properties["Queue"])]["Properties"]["RedrivePolicy"]
        variables = functions[function_id]["Properties"]["Environment"]["Variables"]
        assert variables["MOTCUA_LAST_ATTEMPT"] == str(redrive["maxReceiveCount"] - 1)


def test_the_relay_is_invoked_only_for_records_it_needs(packaged):
    from chalicelib.adapters.table_stream import RELAY_FILTERS

    criteria = _event(packaged, "OutboxRelay", "DynamoDB")["FilterCriteria"]
    assert [json.loads(f["Pattern"]) for f in criteria["Filters"]] == RELAY_FILTERS


def test_the_lambda_zip_carries_the_data_files(package_dir: Path):
    with zipfile.ZipFile(package_dir / "deployment.zip") as archive:
        names = set(archive.namelist())
    assert {"app.py", "data/calendar.yaml", "data/agencies.yaml", "data/procedures.yaml"} <= names
    assert any(name.startswith("chalicelib/") for name in names)


def _distribution(name: str) -> str:
    """PEP 503's normal form, which a lock's `name==` and a `name-1.0.dist-info` both reduce to."""
    return re.sub(r"[-_.]+", "-", name).lower()


def test_the_lambda_zip_holds_the_app_its_data_and_the_locked_dependencies_only(package_dir):
    """Not the dev runtime (devstack/), not tests or tools, not the operator's CLI
    (chalicelib/cli/, which nothing app.py can import needs): app.py, the rest of chalicelib/,
    data/, and each runtime dependency of requirements.lock (every other file listed in one's
    RECORD) and Chalice's own runtime module."""
    from tests.unit.test_cli_packaging import reachable_from

    with zipfile.ZipFile(package_dir / "deployment.zip") as archive:
        names = set(archive.namelist())
        records = [archive.read(n).decode() for n in names if n.endswith(".dist-info/RECORD")]
    assert not {n for n in names if n.startswith(("devstack/", "chalicelib/local/", "tests/"))}
    assert not {n for n in names if n.startswith("chalicelib/cli/")}
    reached = reachable_from(PROJECT_DIR / "app.py")  # every import, at top level or inside
    assert "chalicelib.handlers.workers" in reached
    assert not {m for m in reached if m == "chalicelib.cli" or m.startswith("chalicelib.cli.")}
    ours = {n for n in names if n == "app.py" or n.startswith(("chalicelib/", "data/"))}
    code = {p.relative_to(PROJECT_DIR).as_posix() for p in CODE if "__pycache__" not in p.parts}
    assert {n for n in ours if n.endswith(".py")} == code
    dist_infos = {n.split("/")[0] for n in names if n.split("/")[0].endswith(".dist-info")}
    locked = re.findall(r"^([A-Za-z0-9][\w.-]*)==", RUNTIME_LOCK.read_text("utf-8"), re.M)
    packaged = {_distribution(d.removesuffix(".dist-info").rsplit("-", 1)[0]) for d in dist_infos}
    assert packaged == {_distribution(name) for name in locked}
    recorded = {line.split(",")[0] for record in records for line in record.splitlines()}
    recorded |= {n for n in names if n.startswith("chalice/")}  # Chalice's runtime, always added
    # The bytecode packaging adds (infra/package.py), each beside the module it was made of.
    tag = f".cpython-{LAMBDA_PYTHON[0]}{LAMBDA_PYTHON[1]}.pyc"
    bytecode = {
        n
        for n in names
        if n.endswith(tag)
        and n.replace("__pycache__/", "").removesuffix(tag).lstrip("/") + ".py" in names
    }
    assert sorted(names - ours - recorded - bytecode - {n for n in names if n.endswith("/")}) == []


def test_every_function_runs_on_the_lambda_python_the_package_was_made_for(packaged):
    runtime = "python{}.{}".format(*LAMBDA_PYTHON)
    functions = {
        name: resource["Properties"].get("Runtime")
        or packaged.get("Globals", {}).get("Function", {}).get("Runtime")
        for name, resource in packaged["Resources"].items()
        if resource["Type"] == "AWS::Serverless::Function"
    }
    assert functions and set(functions.values()) == {runtime}, functions


def test_the_ssm_parameters_are_documented():
    text = (PROJECT_DIR / "docs" / "deploying.md").read_text("utf-8")
    for suffix in SSM_PARAMETERS.values():
        assert f"/motcua/<stage>/{suffix}" in text


# --- each check holds, and notices what it is about ------------------------------------------

Check = Callable[[dict[str, Any]], list[str]]
CHECKS: dict[str, Check] = {
    "batch item failures": checks.batch_item_failures,
    "event sources": checks.event_sources_are_template_resources,
    "stream failures": checks.stream_failures_are_bounded,
    "visibility": checks.visibility_covers_timeout,
    "dead-letter queues": checks.queues_have_dead_letter_queues,
    "point-in-time recovery": checks.tables_have_point_in_time_recovery,
    "table protection": checks.tables_are_protected,
    "local = deployed": lambda t: checks.local_matches_deployed(t, LOCAL, STAGE),
    "wildcard actions": checks.no_wildcard_actions,
    "scoped resources": checks.resources_are_scoped,
    "one role per function": lambda t: checks.roles_are_per_function(t, STAGE),
    "ssm readable": lambda t: checks.ssm_parameters_are_readable(t, set(SSM_PARAMETERS)),
    "environment": lambda t: checks.resource_environment_from_template(t, RESOURCE_VARIABLES),
    "alarms": checks.alarms_cover_everything,
    "waf": lambda t: checks.public_lookup_is_rate_limited(t, WAF_PUBLIC_PATH),
    "gateway answers": checks.gateway_answers_problems,
    "files bucket": checks.buckets_are_private_and_kept,
}


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_the_packaged_template_passes(packaged, name):
    assert CHECKS[name](packaged) == []


def _resources(t):
    return t["Resources"]


def _props(t, logical_id):
    return t["Resources"][logical_id]["Properties"]


def _event(t, function_id, kind):
    (event,) = [
        e["Properties"] for e in _props(t, function_id)["Events"].values() if e["Type"] == kind
    ]
    return event


def _statements(t, role):
    return _props(t, role)["Policies"][0]["PolicyDocument"]["Statement"]


def _env(t, function_id):
    return _props(t, function_id)["Environment"]["Variables"]


def _drop_alarm(t, dimension_target, metric):
    for alarm_id, alarm in list(checks.of_type(t, checks.ALARM).items()):
        properties = alarm["Properties"]
        dims = [checks.target(d["Value"]) for d in properties.get("Dimensions", [])]
        if dimension_target in dims and properties["MetricName"] == metric:
            del t["Resources"][alarm_id]


def _bucket_rules(t):
    return _props(t, "FilesBucket")["LifecycleConfiguration"]["Rules"]


def _drop_rules_with(t, key):
    _props(t, "FilesBucket")["LifecycleConfiguration"]["Rules"] = [
        r for r in _bucket_rules(t) if key not in r
    ]


def _tls_statement(t):
    return _props(t, "FilesBucketPolicy")["PolicyDocument"]["Statement"][0]


def _extra_queue(t):
    t["Resources"]["StrayQueue"] = {
        "Type": "AWS::SQS::Queue",
        "Properties": {"QueueName": "motcua-prod-stray"},
    }


def _share_role(t):
    _props(t, "DailyDigest")["Role"] = _props(t, "DeadlineTimer")["Role"]


# (check, what is removed or broken, the change, a word the report must contain)
MUTATIONS: list[tuple[str, str, Callable[[dict[str, Any]], Any], str]] = [
    (
        "batch item failures",
        "SQS FunctionResponseTypes",
        lambda t: _event(t, "IntakeWorker", "SQS").pop("FunctionResponseTypes"),
        "IntakeWorker",
    ),
    (
        "batch item failures",
        "stream FunctionResponseTypes",
        lambda t: _event(t, "OutboxRelay", "DynamoDB").pop("FunctionResponseTypes"),
        "OutboxRelay",
    ),
    (
        "event sources",
        "GetAtt merged over Chalice's Fn::Sub",
        lambda t: _event(t, "Notifier", "SQS").update(
            Queue={
                "Fn::Sub": "arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:x",
                "Fn::GetAtt": ["NotificationsQueue", "Arn"],
            }
        ),
        "Notifier",
    ),
    (
        "event sources",
        "the placeholder stream ARN",
        lambda t: _event(t, "OutboxRelay", "DynamoDB").update(
            Stream="arn:aws:dynamodb:ap-southeast-1:000000000000:table/motcua/stream/local"
        ),
        "OutboxRelay",
    ),
    (
        "stream failures",
        "MaximumRetryAttempts",
        lambda t: _event(t, "OutboxRelay", "DynamoDB").pop("MaximumRetryAttempts"),
        "MaximumRetryAttempts",
    ),
    (
        "stream failures",
        "BisectBatchOnFunctionError",
        lambda t: _event(t, "OutboxRelay", "DynamoDB").pop("BisectBatchOnFunctionError"),
        "BisectBatchOnFunctionError",
    ),
    (
        "stream failures",
        "the on-failure destination",
        lambda t: _event(t, "OutboxRelay", "DynamoDB").pop("DestinationConfig"),
        "on-failure",
    ),
    (
        "visibility",
        "a long enough visibility timeout",
        lambda t: _props(t, "IntakeQueue").update(VisibilityTimeout=60),
        "IntakeQueue",
    ),
    (
        "visibility",
        "a short enough function timeout",
        lambda t: _props(t, "Notifier").update(Timeout=900),
        "NotificationsQueue",
    ),
    (
        "dead-letter queues",
        "a redrive policy",
        lambda t: _props(t, "NotificationsQueue").pop("RedrivePolicy"),
        "NotificationsQueue",
    ),
    (
        "dead-letter queues",
        "a FIFO dead-letter queue",
        lambda t: _props(t, "TransitionsDeadLetterQueue").pop("FifoQueue"),
        "TransitionsQueue",
    ),
    (
        "point-in-time recovery",
        "PointInTimeRecoverySpecification",
        lambda t: _props(t, "MotcuaTable").pop("PointInTimeRecoverySpecification"),
        "MotcuaTable",
    ),
    (
        "table protection",
        "DeletionProtectionEnabled",
        lambda t: _props(t, "MotcuaTable").pop("DeletionProtectionEnabled"),
        "DeletionProtectionEnabled",
    ),
    (
        "table protection",
        "DeletionPolicy",
        lambda t: _resources(t)["MotcuaTable"].pop("DeletionPolicy"),
        "DeletionPolicy",
    ),
    (
        "local = deployed",
        "the local maxReceiveCount",
        lambda t: _props(t, "IntakeQueue")["RedrivePolicy"].update(maxReceiveCount=3),
        "IntakeQueue.RedrivePolicy",
    ),
    (
        "local = deployed",
        "a global secondary index",
        lambda t: _props(t, "MotcuaTable")["GlobalSecondaryIndexes"].pop(),
        "MotcuaTable.GlobalSecondaryIndexes",
    ),
    (
        "local = deployed",
        "the stream",
        lambda t: _props(t, "MotcuaTable").pop("StreamSpecification"),
        "MotcuaTable.StreamSpecification",
    ),
    ("local = deployed", "no stray queue", _extra_queue, "StrayQueue"),
    (
        "local = deployed",
        "a queue of resources.json",
        lambda t: _resources(t).pop("OutboxDeadLetterQueue"),
        "OutboxDeadLetterQueue",
    ),
    (
        "wildcard actions",
        "service-level wildcard",
        lambda t: _statements(t, "IntakeWorkerRole")[2]["Action"].append("dynamodb:*"),
        "dynamodb:*",
    ),
    (
        "wildcard actions",
        "bare wildcard",
        lambda t: _statements(t, "ApiHandlerRole").append(
            {"Effect": "Allow", "Action": "*", "Resource": "*"}
        ),
        "'*'",
    ),
    (
        "scoped resources",
        "a scoped table resource",
        lambda t: _statements(t, "NotifierRole")[2].update(Resource="*"),
        "dynamodb:GetItem",
    ),
    ("one role per function", "a role of its own", _share_role, "shared"),
    (
        "one role per function",
        "logs scoped to the function",
        lambda t: _props(t, "Notifier").update(FunctionName="motcua-prod-other"),
        "Notifier",
    ),
    (
        "ssm readable",
        "the policy's parameter path",
        lambda t: _env(t, "Notifier").update(
            MOTCUA_ZNS_TOKEN_PARAMETER={"Fn::Sub": "/motcua/${Stage}/zalo/token"}
        ),
        "MOTCUA_ZNS_TOKEN_PARAMETER",
    ),
    (
        "environment",
        "a Ref for the table",
        lambda t: _env(t, "IntakeWorker").update(MOTCUA_TABLE="motcua-prod"),
        "MOTCUA_TABLE",
    ),
    (
        "environment",
        "a queue URL",
        lambda t: _env(t, "APIHandler").pop("MOTCUA_INTAKE_QUEUE_URL"),
        "MOTCUA_INTAKE_QUEUE_URL",
    ),
    (
        "environment",
        "a reference to something that exists",
        lambda t: _env(t, "Notifier").update(MOTCUA_NOTIFICATIONS_DLQ_URL={"Ref": "Elsewhere"}),
        "MOTCUA_NOTIFICATIONS_DLQ_URL",
    ),
    (
        "alarms",
        "a dead-letter queue's alarm",
        lambda t: _drop_alarm(t, "OutboxDeadLetterQueue", "ApproximateNumberOfMessagesVisible"),
        "OutboxDeadLetterQueue",
    ),
    (
        "alarms",
        "a source queue's age alarm",
        lambda t: _drop_alarm(t, "TransitionsQueue", "ApproximateAgeOfOldestMessage"),
        "TransitionsQueue",
    ),
    (
        "alarms",
        "a function's error alarm",
        lambda t: _drop_alarm(t, "DailyDigest", "Errors"),
        "DailyDigest: no Errors",
    ),
    (
        "alarms",
        "a function's throttle alarm",
        lambda t: _drop_alarm(t, "APIHandler", "Throttles"),
        "APIHandler: no Throttles",
    ),
    ("waf", "the web ACL", lambda t: _resources(t).pop("ApiWebAcl"), "no AWS::WAFv2::WebACL"),
    (
        "waf",
        "the association with the stage",
        lambda t: _resources(t).pop("ApiWebAclAssociation"),
        "not associated",
    ),
    (
        "waf",
        "the rule on the public lookup",
        lambda t: _props(t, "ApiWebAcl")["Rules"].pop(0),
        "no rate-based rule per address on /v1/public/",
    ),
    (
        "waf",
        "the tighter limit",
        lambda t: _props(t, "ApiWebAcl")["Rules"][0]["Statement"]["RateBasedStatement"].update(
            Limit=10**6
        ),
        "not the tighter one",
    ),
    (
        "gateway answers",
        "the unknown route's answer",
        lambda t: _resources(t).pop("GatewayResponseMissingAuthenticationToken"),
        "no GatewayResponse MISSING_AUTHENTICATION_TOKEN",
    ),
    (
        "gateway answers",
        "the problem content type",
        lambda t: _props(t, "GatewayResponseThrottled")["ResponseParameters"].clear(),
        "THROTTLED: Content-Type",
    ),
    (
        "gateway answers",
        "404 for an unknown route",
        lambda t: _props(t, "GatewayResponseMissingAuthenticationToken").pop("StatusCode"),
        "not answered 404",
    ),
    (
        "files bucket",
        "encryption at rest",
        lambda t: _props(t, "FilesBucket").pop("BucketEncryption"),
        "FilesBucket: no encryption at rest",
    ),
    (
        "files bucket",
        "versioning",
        lambda t: _props(t, "FilesBucket")["VersioningConfiguration"].update(Status="Suspended"),
        "versioning is not enabled",
    ),
    (
        "files bucket",
        "one public access flag",
        lambda t: _props(t, "FilesBucket")["PublicAccessBlockConfiguration"].update(
            RestrictPublicBuckets=False
        ),
        "RestrictPublicBuckets",
    ),
    (
        "files bucket",
        "the public access block",
        lambda t: _props(t, "FilesBucket").pop("PublicAccessBlockConfiguration"),
        "BlockPublicAcls",
    ),
    (
        "files bucket",
        "aborting incomplete multipart uploads",
        lambda t: _drop_rules_with(t, "AbortIncompleteMultipartUpload"),
        "multipart",
    ),
    (
        "files bucket",
        "expiring noncurrent versions",
        lambda t: _drop_rules_with(t, "NoncurrentVersionExpiration"),
        "noncurrent versions never expire",
    ),
    (
        "files bucket",
        "expiring unrecorded uploads",
        lambda t: _drop_rules_with(t, "ExpirationInDays"),
        "unrecorded uploads",
    ),
    (
        "files bucket",
        "the TLS-only bucket policy",
        lambda t: _resources(t).pop("FilesBucketPolicy"),
        "without TLS",
    ),
    (
        "files bucket",
        "TLS-only on the objects too",
        lambda t: _tls_statement(t)["Resource"].pop(),
        "without TLS",
    ),
    (
        "local = deployed",
        "the bucket's lifecycle",
        lambda t: _bucket_rules(t).pop(),
        "FilesBucket.LifecycleConfiguration",
    ),
    (
        "files bucket",
        "the expiry of forms printed with a receipt PIN",
        lambda t: _bucket_rules(t).remove(
            next(r for r in _bucket_rules(t) if r.get("Prefix") == "forms-pin/")
        ),
        "forms under forms-pin/",
    ),
    (
        "wildcard actions",
        "a wide Allow on the bucket",
        lambda t: _statements(t, "ApiHandlerRole").append(
            {"Effect": "Allow", "Action": "s3:*", "Resource": {"Fn::Sub": "${FilesBucket.Arn}/*"}}
        ),
        "s3:*",
    ),
    (
        "waf",
        "429",
        lambda t: _props(t, "ApiWebAcl")["Rules"][1]["Action"].update(Block={}),
        "does not answer 429",
    ),
]


@pytest.mark.parametrize(
    ("name", "removed", "mutate", "reported"),
    MUTATIONS,
    ids=[f"{name}: {removed}" for name, removed, _, _ in MUTATIONS],
)
def test_each_check_reports_its_property_removed(packaged, name, removed, mutate, reported):
    broken = copy.deepcopy(packaged)
    mutate(broken)
    problems = CHECKS[name](broken)
    assert any(reported in problem for problem in problems), problems


def test_every_check_has_a_mutation():
    assert {name for name, *_ in MUTATIONS} == set(CHECKS)


def test_cfn_lint_reports_the_merge_trap(packaged, tmp_path):
    """`Fn::GetAtt` merged over Chalice's `Fn::Sub` (the `queue=` form): invalid, and cfn-lint
    says so: the lint step would stop such a template before deployment."""
    broken = copy.deepcopy(packaged)
    _event(broken, "IntakeWorker", "SQS")["Queue"] = {
        "Fn::Sub": "arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:motcua-intake",
        "Fn::GetAtt": ["IntakeQueue", "Arn"],
    }
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(broken))
    assert lint(path).returncode != 0


def test_the_api_may_put_under_every_prefix_it_writes():
    """A prefix the code writes that the API's policy misses is a 403 in production only."""
    from chalicelib.services import form_files

    policy = json.loads((PROJECT_DIR / ".chalice" / "policy-api-handler.json").read_text())
    writable = {
        resource["Fn::Sub"]
        for statement in policy["Statement"]
        if "s3:PutObject" in statement["Action"]
        for resource in _listed(statement["Resource"])
    }
    for prefix in ("uploads/", "files/", form_files.FORMS_PREFIX, form_files.PIN_FORMS_PREFIX):
        assert f"${{FilesBucket.Arn}}/{prefix}*" in writable, prefix


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


# Lambda's Python 3.11 runs on Amazon Linux 2: glibc 2.26. A wheel for a newer glibc, or one
# built here from source (`linux_x86_64`: this machine's libraries), may not load there.
LAMBDA_GLIBC = (2, 26)


def _loads_on_lambda(tag: str) -> bool:
    platform = tag.rsplit("-", 1)[-1]
    if platform == "any":
        return True
    glibc = re.fullmatch(r"manylinux_(\d+)_(\d+)_x86_64", platform)
    if glibc:
        return (int(glibc[1]), int(glibc[2])) <= LAMBDA_GLIBC
    return platform in ("manylinux2014_x86_64", "manylinux2010_x86_64", "manylinux1_x86_64")


def test_every_packaged_wheel_loads_on_lambdas_linux(package_dir):
    """Pillow 13 has no manylinux2014 wheel: `chalice package` compiled it from source here, a
    binary for this machine, not for Lambda (requirements.txt pins 12.2)."""
    with zipfile.ZipFile(package_dir / "deployment.zip") as archive:
        wheels = {n: archive.read(n).decode() for n in archive.namelist()
                  if n.endswith(".dist-info/WHEEL")}  # fmt: skip
    assert wheels
    tags = {name.split("/")[0]: re.findall(r"^Tag: (\S+)$", text, re.M)
            for name, text in wheels.items()}  # fmt: skip
    unfit = {wheel: found for wheel, found in tags.items()
             if not any(_loads_on_lambda(t) for t in found)}  # fmt: skip
    assert unfit == {}


@pytest.mark.parametrize(
    ("tag", "loads"),
    [
        ("py3-none-any", True),
        ("cp311-cp311-manylinux_2_17_x86_64", True),
        ("cp311-cp311-manylinux2014_x86_64", True),
        ("cp311-cp311-manylinux_2_28_x86_64", False),
        ("cp311-cp311-linux_x86_64", False),
    ],
)
def test_what_loads_on_lambdas_linux(tag, loads):
    assert _loads_on_lambda(tag) is loads
