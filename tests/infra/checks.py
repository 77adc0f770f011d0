"""Checks on a packaged (SAM) template. Each takes the template and answers its problems, one
string each, naming the resource: an empty list means the property holds.

The tests run each check on the template `make package` produces, and on copies with the
property removed, to show that the check would notice.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from chalicelib.services import form_files

FUNCTION = "AWS::Serverless::Function"
QUEUE = "AWS::SQS::Queue"
TABLE = "AWS::DynamoDB::Table"
BUCKET = "AWS::S3::Bucket"
BUCKET_POLICY = "AWS::S3::BucketPolicy"
ROLE = "AWS::IAM::Role"
ALARM = "AWS::CloudWatch::Alarm"
BATCH_ITEM_FAILURES = "ReportBatchItemFailures"
# Actions AWS cannot scope to a resource, the only ones allowed on Resource "*": SMS to a phone
# number has no ARN; X-Ray segments and custom metrics have no resource either.
UNSCOPED_ACTIONS = frozenset(
    {"sns:Publish", "xray:PutTraceSegments", "xray:PutTelemetryRecords", "cloudwatch:PutMetricData"}
)
VISIBILITY_FACTOR = 6
SUB_VARIABLE = re.compile(r"\$\{([^}!]+)\}")


def of_type(template: Mapping[str, Any], kind: str) -> dict[str, Any]:
    return {k: r for k, r in template["Resources"].items() if r.get("Type") == kind}


def events(template: Mapping[str, Any], kind: str) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(function id, event id, event properties) of every event of `kind` (SQS, DynamoDB …)."""
    for function_id, function in of_type(template, FUNCTION).items():
        for event_id, event in function["Properties"].get("Events", {}).items():
            if event.get("Type") == kind:
                yield function_id, event_id, event.get("Properties", {})


def target(value: Any) -> str | None:
    """The logical id one intrinsic refers to: `Ref`, `Fn::GetAtt`, or a `Fn::Sub` that is
    exactly `${X}` / `${X.Attr}`. None for a literal or anything else."""
    if not isinstance(value, dict) or len(value) != 1:
        return None
    ((function, argument),) = value.items()
    if function == "Ref" and isinstance(argument, str):
        return argument
    if function == "Fn::GetAtt":
        if isinstance(argument, str):
            return argument.split(".", 1)[0]
        return argument[0] if isinstance(argument, list) and argument else None
    if function == "Fn::Sub" and isinstance(argument, str):
        whole = re.fullmatch(r"\$\{([A-Za-z0-9]+)(\.[A-Za-z]+)?\}", argument)
        return whole.group(1) if whole else None
    return None


def _is_fifo(queue: Mapping[str, Any]) -> bool:
    return bool(queue.get("Properties", {}).get("FifoQueue"))


def on_failure(properties: Mapping[str, Any]) -> Any:
    """A stream event's on-failure destination (None if there is none)."""
    return properties.get("DestinationConfig", {}).get("OnFailure", {}).get("Destination")


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


# --- event sources ---------------------------------------------------------------------------


def batch_item_failures(template: Mapping[str, Any]) -> list[str]:
    """Every SQS and stream event source lets the function report failed records only."""
    problems = []
    for kind in ("SQS", "DynamoDB"):
        for function_id, event_id, properties in events(template, kind):
            if BATCH_ITEM_FAILURES not in properties.get("FunctionResponseTypes", []):
                problems.append(f"{function_id}.{event_id}: {kind} event, no {BATCH_ITEM_FAILURES}")
    return problems


def event_sources_are_template_resources(template: Mapping[str, Any]) -> list[str]:
    """Each SQS event reads a queue of this template, each stream event a table's stream, by a
    single intrinsic (merging `Fn::GetAtt` over Chalice's `Fn::Sub` would leave two)."""
    problems = []
    queues, tables = of_type(template, QUEUE), of_type(template, TABLE)
    for function_id, event_id, properties in events(template, "SQS"):
        if target(properties.get("Queue")) not in queues:
            problems.append(f"{function_id}.{event_id}: Queue {properties.get('Queue')!r}")
    for function_id, event_id, properties in events(template, "DynamoDB"):
        stream = properties.get("Stream")
        if target(stream) not in tables or stream != {"Fn::GetAtt": [target(stream), "StreamArn"]}:
            problems.append(f"{function_id}.{event_id}: Stream {stream!r}")
    return problems


def stream_failures_are_bounded(template: Mapping[str, Any]) -> list[str]:
    """A poison record cannot hold a shard for the stream's 24 h: bounded retries, bisection,
    and the failed batch's position sent to a standard SQS queue of this template."""
    problems = []
    queues = of_type(template, QUEUE)
    for function_id, event_id, properties in events(template, "DynamoDB"):
        where = f"{function_id}.{event_id}"
        retries = properties.get("MaximumRetryAttempts")
        if not isinstance(retries, int) or not 0 <= retries <= 10:
            problems.append(f"{where}: MaximumRetryAttempts {retries!r} (want 0-10)")
        if properties.get("BisectBatchOnFunctionError") is not True:
            problems.append(f"{where}: BisectBatchOnFunctionError is not true")
        destination = on_failure(properties)
        queue = target(destination)
        if queue not in queues or _is_fifo(queues[queue]):
            problems.append(
                f"{where}: on-failure destination {destination!r}, not a standard queue"
            )
    return problems


def visibility_covers_timeout(
    template: Mapping[str, Any], factor: int = VISIBILITY_FACTOR
) -> list[str]:
    """Each source queue keeps a message invisible at least `factor` × its consumer's timeout."""
    problems = []
    queues, functions = of_type(template, QUEUE), of_type(template, FUNCTION)
    for function_id, _, properties in events(template, "SQS"):
        queue_id = target(properties.get("Queue"))
        if queue_id not in queues:
            continue  # event_sources_are_template_resources reports it
        visibility = queues[queue_id]["Properties"].get("VisibilityTimeout", 30)
        timeout = functions[function_id]["Properties"].get("Timeout", 3)
        window = properties.get("MaximumBatchingWindowInSeconds", 0)
        if visibility < factor * timeout + window:
            problems.append(
                f"{queue_id}: visibility {visibility} s < {factor} × {function_id}'s timeout "
                f"{timeout} s + batching window {window} s"
            )
    return problems


# --- state -----------------------------------------------------------------------------------


def queues_have_dead_letter_queues(template: Mapping[str, Any]) -> list[str]:
    """Every queue is a dead-letter queue (a redrive target or a stream's on-failure
    destination) or redrives to one of this template, FIFO to FIFO."""
    problems = []
    queues = of_type(template, QUEUE)
    dead: set[str] = set()
    for queue in queues.values():
        redrive = queue["Properties"].get("RedrivePolicy") or {}
        dead.add(target(redrive.get("deadLetterTargetArn")) or "")
    for _, _, properties in events(template, "DynamoDB"):
        dead.add(target(on_failure(properties)) or "")
    for queue_id, queue in queues.items():
        if queue_id in dead:
            continue
        redrive = queue["Properties"].get("RedrivePolicy")
        if not redrive:
            problems.append(f"{queue_id}: no RedrivePolicy and not a dead-letter queue")
            continue
        dlq = target(redrive.get("deadLetterTargetArn"))
        if dlq not in queues:
            problems.append(f"{queue_id}: dead-letter target {dlq!r} is not a queue here")
        elif _is_fifo(queues[dlq]) != _is_fifo(queue):
            problems.append(f"{queue_id}: FIFO and its dead-letter queue {dlq} differ")
        if not isinstance(redrive.get("maxReceiveCount"), int) or redrive["maxReceiveCount"] < 1:
            problems.append(f"{queue_id}: maxReceiveCount {redrive.get('maxReceiveCount')!r}")
    return problems


def tables_have_point_in_time_recovery(template: Mapping[str, Any]) -> list[str]:
    problems = []
    for table_id, table in of_type(template, TABLE).items():
        pitr = table["Properties"].get("PointInTimeRecoverySpecification", {})
        if pitr.get("PointInTimeRecoveryEnabled") is not True:
            problems.append(f"{table_id}: point-in-time recovery is not enabled")
    return problems


def tables_are_protected(template: Mapping[str, Any]) -> list[str]:
    """A protected stage's tables refuse DeleteTable and survive the stack."""
    problems = []
    for table_id, table in of_type(template, TABLE).items():
        if table["Properties"].get("DeletionProtectionEnabled") is not True:
            problems.append(f"{table_id}: DeletionProtectionEnabled is not true")
        for policy in ("DeletionPolicy", "UpdateReplacePolicy"):
            if table.get(policy) != "Retain":
                problems.append(f"{table_id}: {policy} is {table.get(policy)!r}, not Retain")
    return problems


def local_matches_deployed(
    template: Mapping[str, Any], local: Mapping[str, Any], stage: str, app: str = "motcua"
) -> list[str]:
    """The tables and queues deployed are those the local runtime creates (`local`: the
    resources of infra/resources.json): same properties, the stage put in their names, and
    only deletion protection added."""
    problems = []
    deployed = {
        **of_type(template, TABLE),
        **of_type(template, QUEUE),
        **of_type(template, BUCKET),
        **of_type(template, BUCKET_POLICY),
    }
    for extra in sorted(set(deployed) - set(local)):
        problems.append(f"{extra}: deployed, but not in resources.json")
    for logical_id, resource in local.items():
        if logical_id not in deployed:
            problems.append(f"{logical_id}: in resources.json, but not deployed")
            continue
        if deployed[logical_id]["Type"] != resource["Type"]:
            problems.append(f"{logical_id}: type {deployed[logical_id]['Type']}")
            continue
        expected = dict(resource["Properties"])
        actual = dict(deployed[logical_id]["Properties"])
        actual.pop("DeletionProtectionEnabled", None)
        name_key = {TABLE: "TableName", QUEUE: "QueueName", BUCKET: "BucketName"}.get(
            resource["Type"]
        )
        if name_key is not None:
            local_name = expected[name_key]
            expected[name_key] = f"{app}-{stage}{local_name.removeprefix(app)}"
        if resource["Type"] == BUCKET:  # global names: the account and region in them
            suffix = "-${AWS::AccountId}-${AWS::Region}"
            expected[name_key] = {"Fn::Sub": expected[name_key] + suffix}
        for key in sorted(set(expected) | set(actual)):
            if expected.get(key) != actual.get(key):
                problems.append(
                    f"{logical_id}.{key}: deployed {actual.get(key)!r}, local {expected.get(key)!r}"
                )
    return problems


# --- permissions ------------------------------------------------------------------------------


def policy_statements(value: Any, path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every statement of every policy document anywhere in `value`, with where it is."""
    if isinstance(value, dict):
        if "Statement" in value:
            for statement in _as_list(value["Statement"]):
                yield path, statement
        for key, item in value.items():
            yield from policy_statements(item, f"{path}/{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from policy_statements(item, f"{path}/{index}")


def no_wildcard_actions(template: Mapping[str, Any]) -> list[str]:
    """No `*`, `service:*` or `service:Get*` action allowed, and no NotAction, in any policy
    (a Deny may be wide: the bucket's refusal of plain HTTP covers every action)."""
    problems = []
    for path, statement in policy_statements(template["Resources"]):
        if statement.get("Effect") == "Deny" and "NotAction" not in statement:
            continue
        if "NotAction" in statement:
            problems.append(f"{path}: NotAction {statement['NotAction']!r}")
        for action in _as_list(statement.get("Action", [])):
            if not isinstance(action, str) or "*" in action:
                problems.append(f"{path}: wildcard action {action!r}")
    return problems


def resources_are_scoped(template: Mapping[str, Any]) -> list[str]:
    """`Resource: "*"` only for actions AWS cannot scope; no NotResource."""
    problems = []
    for path, statement in policy_statements(template["Resources"]):
        if "NotResource" in statement:
            problems.append(f"{path}: NotResource {statement['NotResource']!r}")
        if "*" in _as_list(statement.get("Resource", [])):
            loose = sorted(set(_as_list(statement.get("Action", []))) - UNSCOPED_ACTIONS)
            if loose:
                problems.append(f"{path}: Resource '*' for {loose}")
    return problems


def roles_are_per_function(template: Mapping[str, Any], stage: str) -> list[str]:
    """Each function has a role of its own, which writes to that function's log group only."""
    problems = []
    owners: dict[str, list[str]] = {}
    roles = of_type(template, ROLE)
    for function_id, function in of_type(template, FUNCTION).items():
        role = target(function["Properties"].get("Role"))
        if role not in roles:
            problems.append(f"{function_id}: role {function['Properties'].get('Role')!r}")
            continue
        owners.setdefault(role, []).append(function_id)
        name = function["Properties"].get("FunctionName")
        wanted = f":log-group:/aws/lambda/{name}:*"
        log_resources = [
            _sub(resource)
            for _, statement in policy_statements(roles[role])
            if any(str(a).startswith("logs:") for a in _as_list(statement.get("Action", [])))
            for resource in _as_list(statement.get("Resource", []))
        ]
        if not log_resources or not all(
            r.replace("${Stage}", stage).endswith(wanted) for r in log_resources
        ):
            problems.append(f"{function_id}: log permissions {log_resources} (want …{wanted})")
    for role, functions in owners.items():
        if len(functions) > 1:
            problems.append(f"{role}: shared by {sorted(functions)}")
    return problems


def _sub(resource: Any) -> str:
    if isinstance(resource, dict) and isinstance(resource.get("Fn::Sub"), str):
        return resource["Fn::Sub"]
    return str(resource)


def ssm_parameters_are_readable(template: Mapping[str, Any], names: set[str]) -> list[str]:
    """Every SSM name (or prefix) the functions are told (`names`: environment variables) is
    readable by some function's role: the policies and the environment agree."""
    problems = []
    readable = [
        _sub(resource)
        for role in of_type(template, ROLE).values()
        for _, statement in policy_statements(role)
        if "ssm:GetParameter" in _as_list(statement.get("Action", []))
        for resource in _as_list(statement.get("Resource", []))
    ]
    for function_id, function in of_type(template, FUNCTION).items():
        variables = function["Properties"].get("Environment", {}).get("Variables", {})
        for name in sorted(names & set(variables)):
            path = _sub(variables[name])
            wanted = f":parameter{path}*" if path.endswith("/") else f":parameter{path}"
            if not any(resource.endswith(wanted) for resource in readable):
                problems.append(f"{function_id}.{name}: no role may read {path!r}")
    return problems


# --- configuration ---------------------------------------------------------------------------


def resource_environment_from_template(template: Mapping[str, Any], names: set[str]) -> list[str]:
    """Each function gets every variable of `names` (those naming a resource) from the
    template: a `Ref`, `Fn::GetAtt` or `Fn::Sub` over its resources and parameters, never a
    literal."""
    problems = []
    known = set(template["Resources"]) | set(template.get("Parameters", {}))
    for function_id, function in of_type(template, FUNCTION).items():
        variables = function["Properties"].get("Environment", {}).get("Variables", {})
        for name in sorted(names):
            if name not in variables:
                problems.append(f"{function_id}: {name} is not set")
                continue
            value = variables[name]
            referenced = _references(value)
            if not referenced or not referenced <= known:
                problems.append(f"{function_id}: {name} = {value!r} is not from the template")
    return problems


def _references(value: Any) -> set[str]:
    single = target(value)
    if single:
        return {single}
    if isinstance(value, dict) and isinstance(value.get("Fn::Sub"), str) and len(value) == 1:
        variables = {v.split(".", 1)[0] for v in SUB_VARIABLE.findall(value["Fn::Sub"])}
        return {v for v in variables if not v.startswith("AWS::")}
    return set()


def alarms_cover_everything(template: Mapping[str, Any]) -> list[str]:
    """Dead-letter queues alarm on any message, source queues on their oldest message's age,
    every function on errors and throttles; all alarms notify someone."""
    problems = []
    watched: set[tuple[str, str]] = set()
    for alarm_id, alarm in of_type(template, ALARM).items():
        properties = alarm["Properties"]
        if not properties.get("AlarmActions"):
            problems.append(f"{alarm_id}: no AlarmActions")
        for dimension in properties.get("Dimensions", []):
            watched.add((target(dimension.get("Value")) or "", properties.get("MetricName", "")))
        if properties.get("MetricName") == "ApproximateNumberOfMessagesVisible" and (
            properties.get("Threshold") != 0
            or properties.get("ComparisonOperator") != "GreaterThanThreshold"
        ):
            problems.append(f"{alarm_id}: a dead-letter queue alarm must fire above 0")
    queues = of_type(template, QUEUE)
    dead = [
        target(q["Properties"]["RedrivePolicy"]["deadLetterTargetArn"])
        for q in queues.values()
        if "RedrivePolicy" in q["Properties"]
    ]
    for _, _, properties in events(template, "DynamoDB"):
        dead.append(target(on_failure(properties)))
    for dlq in sorted({d for d in dead if d}):
        if (dlq, "ApproximateNumberOfMessagesVisible") not in watched:
            problems.append(f"{dlq}: no alarm on its depth")
    for _, _, properties in events(template, "SQS"):
        source = target(properties.get("Queue")) or ""
        if (source, "ApproximateAgeOfOldestMessage") not in watched:
            problems.append(f"{source}: no alarm on its oldest message")
    for function_id in of_type(template, FUNCTION):
        for metric in ("Errors", "Throttles"):
            if (function_id, metric) not in watched:
                problems.append(f"{function_id}: no {metric} alarm")
    return problems


WEB_ACL = "AWS::WAFv2::WebACL"
WEB_ACL_ASSOCIATION = "AWS::WAFv2::WebACLAssociation"


def _rate_rules(acl: Mapping[str, Any]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(rule, its rate-based statement) of each rate-based rule that blocks."""
    found = []
    for rule in acl.get("Properties", {}).get("Rules", []):
        statement = rule.get("Statement", {}).get("RateBasedStatement")
        if statement and "Block" in rule.get("Action", {}):
            found.append((rule, statement))
    return found


def _scoped_to(statement: Mapping[str, Any]) -> str | None:
    match = statement.get("ScopeDownStatement", {}).get("ByteMatchStatement", {})
    return match.get("SearchString") if "UriPath" in match.get("FieldToMatch", {}) else None


def public_lookup_is_rate_limited(template: Mapping[str, Any], public_path: str) -> list[str]:
    """A WAF web ACL, associated with the API's stage, blocks per client address: a rate-based
    rule scoped to the public lookup, tighter than the one on the whole API."""
    problems: list[str] = []
    acls = of_type(template, WEB_ACL)
    associations = of_type(template, WEB_ACL_ASSOCIATION)
    if not acls:
        return ["no AWS::WAFv2::WebACL"]
    for acl_id, acl in acls.items():
        guarding = [
            a
            for a in associations.values()
            if target(a.get("Properties", {}).get("WebACLArn")) == acl_id
            and "${RestAPI}/stages/" in str(a.get("Properties", {}).get("ResourceArn"))
        ]
        if not guarding:
            problems.append(f"{acl_id}: not associated with the API's stage")
        rules = _rate_rules(acl)
        by_ip = [(r, s) for r, s in rules if s.get("AggregateKeyType") == "IP"]
        public = [s["Limit"] for _, s in by_ip if _scoped_to(s) == public_path]
        whole = [s["Limit"] for _, s in by_ip if _scoped_to(s) is None]
        if not public:
            problems.append(f"{acl_id}: no rate-based rule per address on {public_path}")
        if not whole:
            problems.append(f"{acl_id}: no rate-based rule per address on the whole API")
        if public and whole and min(public) >= min(whole):
            problems.append(f"{acl_id}: the public lookup's limit is not the tighter one")
        for rule, _ in rules:
            response = rule["Action"]["Block"].get("CustomResponse", {})
            if response.get("ResponseCode") != 429:
                problems.append(f"{acl_id}: {rule.get('Name')} does not answer 429")
    return problems


GATEWAY_RESPONSE = "AWS::ApiGateway::GatewayResponse"
# What a caller meets outside our routes: each must answer problem+json.
GATEWAY_TYPES_REQUIRED = (
    "DEFAULT_4XX",
    "DEFAULT_5XX",
    "MISSING_AUTHENTICATION_TOKEN",
    "THROTTLED",
    "REQUEST_TOO_LARGE",
    "UNAUTHORIZED",
)


def gateway_answers_problems(template: Mapping[str, Any]) -> list[str]:
    """API Gateway's own answers (unknown route or method, missing auth, throttling, a body
    too large, and the 4XX/5XX defaults) are customised to problem+json on the API."""
    found: dict[str, Mapping[str, Any]] = {}
    problems: list[str] = []
    for logical_id, resource in of_type(template, GATEWAY_RESPONSE).items():
        properties = resource.get("Properties", {})
        if target(properties.get("RestApiId")) != "RestAPI":
            problems.append(f"{logical_id}: not on the API (RestAPI)")
        found[properties.get("ResponseType", "")] = properties
    for kind in GATEWAY_TYPES_REQUIRED:
        properties = found.get(kind)
        if properties is None:
            problems.append(f"no GatewayResponse {kind}")
            continue
        header = properties.get("ResponseParameters", {}).get("gatewayresponse.header.Content-Type")
        if header != "'application/problem+json'":
            problems.append(f"{kind}: Content-Type is not application/problem+json")
        body = properties.get("ResponseTemplates", {}).get("application/json", "")
        if '"type"' not in body or '"title"' not in body:
            problems.append(f"{kind}: the body is not a problem document")
    unknown = found.get("MISSING_AUTHENTICATION_TOKEN", {})
    if unknown and unknown.get("StatusCode") != "404":
        problems.append("MISSING_AUTHENTICATION_TOKEN: an unknown route is not answered 404")
    return problems


# --- the file store -----------------------------------------------------------------------------
PUBLIC_ACCESS_FLAGS = ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls",
                       "RestrictPublicBuckets")  # fmt: skip
UPLOADS_PREFIX = "uploads/"
# The forms' service links a kept form only while the lifecycle keeps it.
KEPT_FORMS = {
    form_files.FORMS_PREFIX: form_files.FORM_KEPT_DAYS,
    form_files.PIN_FORMS_PREFIX: form_files.PIN_FORM_KEPT_DAYS,
}


def _lifecycle(bucket: Mapping[str, Any]) -> list[dict[str, Any]]:
    rules = bucket["Properties"].get("LifecycleConfiguration", {}).get("Rules", [])
    return [r for r in rules if r.get("Status") == "Enabled"]


def _denies_plain_http(template: Mapping[str, Any], bucket_id: str) -> bool:
    """A bucket policy of `bucket_id` denies every principal every action on the bucket and its
    objects when the request is not over TLS."""
    for policy in of_type(template, BUCKET_POLICY).values():
        properties = policy.get("Properties", {})
        if target(properties.get("Bucket")) != bucket_id:
            continue
        for statement in _as_list(properties.get("PolicyDocument", {}).get("Statement", [])):
            condition = statement.get("Condition", {}).get("Bool", {})
            resources = [_sub(r) if "Fn::Sub" in str(r) else r
                         for r in _as_list(statement.get("Resource", []))]  # fmt: skip
            if (
                statement.get("Effect") == "Deny"
                and statement.get("Principal") in ("*", {"AWS": "*"})
                and "s3:*" in _as_list(statement.get("Action", []))
                and str(condition.get("aws:SecureTransport")).lower() == "false"
                and {"Fn::GetAtt": [bucket_id, "Arn"]} in resources
                and f"${{{bucket_id}.Arn}}/*" in resources
            ):
                return True
    return False


def buckets_are_private_and_kept(template: Mapping[str, Any]) -> list[str]:
    """Each bucket: encrypted at rest, versioned, every public access blocked, refused over
    plain HTTP, and tidied by lifecycle rules (incomplete multipart uploads aborted, old
    versions expired, unrecorded uploads expired)."""
    problems: list[str] = []
    buckets = of_type(template, BUCKET)
    if not buckets:
        return ["no AWS::S3::Bucket"]
    for bucket_id, bucket in buckets.items():
        properties = bucket["Properties"]
        rules = properties.get("BucketEncryption", {}).get("ServerSideEncryptionConfiguration", [])
        algorithms = {r.get("ServerSideEncryptionByDefault", {}).get("SSEAlgorithm") for r in rules}
        if not algorithms & {"AES256", "aws:kms", "aws:kms:dsse"}:
            problems.append(f"{bucket_id}: no encryption at rest")
        if properties.get("VersioningConfiguration", {}).get("Status") != "Enabled":
            problems.append(f"{bucket_id}: versioning is not enabled")
        block = properties.get("PublicAccessBlockConfiguration", {})
        for flag in PUBLIC_ACCESS_FLAGS:
            if block.get(flag) is not True:
                problems.append(f"{bucket_id}: public access block {flag} is not true")
        lifecycle = _lifecycle(bucket)
        if not any("AbortIncompleteMultipartUpload" in r for r in lifecycle):
            problems.append(f"{bucket_id}: incomplete multipart uploads are never aborted")
        if not any("NoncurrentVersionExpiration" in r for r in lifecycle):
            problems.append(f"{bucket_id}: noncurrent versions never expire")
        if not any(
            r.get("Prefix") == UPLOADS_PREFIX and "ExpirationInDays" in r for r in lifecycle
        ):
            problems.append(f"{bucket_id}: unrecorded uploads ({UPLOADS_PREFIX}) never expire")
        for prefix, days in KEPT_FORMS.items():
            if not any(r.get("Prefix") == prefix and r.get("ExpirationInDays") == days
                       for r in lifecycle):  # fmt: skip
                problems.append(f"{bucket_id}: forms under {prefix} are not expired after "
                                f"{days} day(s), as services/form_files.py expects")  # fmt: skip
        if not _denies_plain_http(template, bucket_id):
            problems.append(f"{bucket_id}: no bucket policy denying requests without TLS")
    return problems
