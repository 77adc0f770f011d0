"""The one place that turns `infra/resources.json` into real resources (moto or AWS).

The CloudFormation template is the source of truth: the local stack and the tests build the
same tables and queues from it, so what runs locally cannot drift from what is deployed.

Each resource's `Metadata` says which environment variable carries it:
`motcua:env` is the variable's name, `motcua:env-value` is `name` (a table's name) or `url`
(a queue's URL). `create_resources` returns that mapping, ready for `os.environ.update`.

Only what the template uses is supported: `Fn::GetAtt [X, Arn]` inside properties. Anything
else raises, rather than creating a resource that silently differs from production.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

TEMPLATE_PATH = Path(__file__).resolve().parents[1] / "infra" / "resources.json"

TABLE = "AWS::DynamoDB::Table"
QUEUE = "AWS::SQS::Queue"

# CreateTable arguments that a CloudFormation table's properties carry as they are.
_TABLE_KEYS = (
    "TableName",
    "AttributeDefinitions",
    "KeySchema",
    "GlobalSecondaryIndexes",
    "LocalSecondaryIndexes",
    "BillingMode",
    "ProvisionedThroughput",
    "SSESpecification",
    "TableClass",
    "DeletionProtectionEnabled",
    "Tags",
)
# SQS attributes a CloudFormation queue's properties carry (RedrivePolicy is handled apart).
_QUEUE_ATTRIBUTES = (
    "FifoQueue",
    "ContentBasedDeduplication",
    "DeduplicationScope",
    "FifoThroughputLimit",
    "VisibilityTimeout",
    "MessageRetentionPeriod",
    "DelaySeconds",
    "MaximumMessageSize",
    "ReceiveMessageWaitTimeSeconds",
    "KmsMasterKeyId",
    "KmsDataKeyReusePeriodSeconds",
    "SqsManagedSseEnabled",
)


def load_template(path: str | Path = TEMPLATE_PATH) -> dict[str, Any]:
    with Path(path).open(encoding="utf-8") as stream:
        return json.load(stream)


def table_kwargs(properties: Mapping[str, Any], *, prefix: str = "") -> dict[str, Any]:
    """`create_table` keyword arguments from an `AWS::DynamoDB::Table`'s properties.

    CloudFormation-only keys are dropped: `TimeToLiveSpecification` needs
    `update_time_to_live` after creation, `PointInTimeRecoverySpecification` needs
    `update_continuous_backups`; `StreamSpecification` gains the `StreamEnabled` flag the API
    wants. `prefix` is put in front of the table name (tests isolate themselves with it).
    """
    kwargs = {key: properties[key] for key in _TABLE_KEYS if key in properties}
    kwargs["TableName"] = prefix + properties["TableName"]
    stream = properties.get("StreamSpecification")
    if stream:
        kwargs["StreamSpecification"] = {
            "StreamEnabled": True,
            "StreamViewType": stream["StreamViewType"],
        }
    return kwargs


def queue_attributes(
    properties: Mapping[str, Any], resolved_arns: Mapping[str, str]
) -> dict[str, str]:
    """SQS `Attributes` (all strings, as the API wants) of an `AWS::SQS::Queue`.

    `resolved_arns` maps logical ids to real ARNs, to resolve the redrive policy's
    `{"Fn::GetAtt": [<dead-letter queue>, "Arn"]}`.
    """
    attributes = {
        key: _attribute_string(properties[key]) for key in _QUEUE_ATTRIBUTES if key in properties
    }
    redrive = properties.get("RedrivePolicy")
    if redrive:
        attributes["RedrivePolicy"] = json.dumps(
            {
                "deadLetterTargetArn": _resolve(redrive["deadLetterTargetArn"], resolved_arns),
                "maxReceiveCount": int(redrive["maxReceiveCount"]),
            }
        )
    return attributes


def queue_kwargs(
    properties: Mapping[str, Any], resolved_arns: Mapping[str, str], *, prefix: str = ""
) -> dict[str, Any]:
    """`create_queue` keyword arguments: `QueueName` (with `prefix`) and `Attributes`."""
    return {
        "QueueName": prefix + properties["QueueName"],
        "Attributes": queue_attributes(properties, resolved_arns),
    }


def create_resources(
    dynamodb_client: Any,
    sqs_client: Any,
    *,
    prefix: str = "",
    template: Mapping[str, Any] | None = None,
) -> dict[str, str]:
    """Create every table and queue of the template; answer their environment variables.

    Resources are created in dependency order (a dead-letter queue before the queues that
    redrive to it). Idempotent: a table or queue that already exists is reused as it is.
    """
    resources = (template if template is not None else load_template())["Resources"]
    env: dict[str, str] = {}
    arns: dict[str, str] = {}
    for logical_id in creation_order(resources):
        resource = resources[logical_id]
        kind = resource["Type"]
        properties = resource.get("Properties", {})
        if kind == TABLE:
            name = _ensure_table(dynamodb_client, properties, prefix)
            arns[logical_id] = _table_arn(dynamodb_client, name)
            value = {"name": name}
        elif kind == QUEUE:
            url = _ensure_queue(sqs_client, queue_kwargs(properties, arns, prefix=prefix))
            arns[logical_id] = sqs_client.get_queue_attributes(
                QueueUrl=url, AttributeNames=["QueueArn"]
            )["Attributes"]["QueueArn"]
            value = {"name": prefix + properties["QueueName"], "url": url}
        else:
            raise ValueError(f"{logical_id}: resource type {kind} is not created locally")
        metadata = resource.get("Metadata", {})
        if "motcua:env" in metadata:
            env[metadata["motcua:env"]] = value[metadata.get("motcua:env-value", "name")]
    return env


def creation_order(resources: Mapping[str, Any]) -> list[str]:
    """Logical ids, each after every resource it references (`Fn::GetAtt`, `Ref`)."""
    order: list[str] = []
    visiting: set[str] = set()

    def visit(logical_id: str) -> None:
        if logical_id in order:
            return
        if logical_id in visiting:
            raise ValueError(f"circular reference through {logical_id}")
        visiting.add(logical_id)
        for dependency in sorted(_references(resources[logical_id].get("Properties", {}))):
            if dependency not in resources:
                raise ValueError(f"{logical_id} references unknown resource {dependency}")
            visit(dependency)
        visiting.discard(logical_id)
        order.append(logical_id)

    for logical_id in resources:
        visit(logical_id)
    return order


def _references(value: Any) -> set[str]:
    if isinstance(value, dict):
        if "Fn::GetAtt" in value:
            return {_get_att(value["Fn::GetAtt"])[0]}
        if "Ref" in value:
            return {value["Ref"]}
        return set().union(*(_references(item) for item in value.values()))
    if isinstance(value, list):
        return set().union(*(_references(item) for item in value))
    return set()


def _get_att(argument: Any) -> tuple[str, str]:
    if isinstance(argument, str):
        logical_id, _, attribute = argument.partition(".")
        return logical_id, attribute
    return argument[0], argument[1]


def _resolve(value: Any, resolved_arns: Mapping[str, str]) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        logical_id, attribute = _get_att(value["Fn::GetAtt"])
        if attribute == "Arn" and logical_id in resolved_arns:
            return resolved_arns[logical_id]
        raise ValueError(f"cannot resolve Fn::GetAtt {logical_id}.{attribute}")
    raise ValueError(f"unsupported intrinsic function {value!r}")


def _attribute_string(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _ensure_table(client: Any, properties: Mapping[str, Any], prefix: str) -> str:
    kwargs = table_kwargs(properties, prefix=prefix)
    name = kwargs["TableName"]
    try:
        client.describe_table(TableName=name)
        return name
    except client.exceptions.ResourceNotFoundException:
        pass
    try:
        client.create_table(**kwargs)
    except client.exceptions.ResourceInUseException:
        return name  # created meanwhile by someone else: reuse it
    client.get_waiter("table_exists").wait(
        TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 60}
    )
    ttl = properties.get("TimeToLiveSpecification")
    if ttl:
        client.update_time_to_live(
            TableName=name,
            TimeToLiveSpecification={
                "AttributeName": ttl["AttributeName"],
                "Enabled": bool(ttl.get("Enabled", True)),
            },
        )
    pitr = properties.get("PointInTimeRecoverySpecification")
    if pitr:
        client.update_continuous_backups(
            TableName=name,
            PointInTimeRecoverySpecification={
                "PointInTimeRecoveryEnabled": bool(pitr.get("PointInTimeRecoveryEnabled"))
            },
        )
    return name


def _table_arn(client: Any, name: str) -> str:
    return client.describe_table(TableName=name)["Table"]["TableArn"]


def _ensure_queue(client: Any, kwargs: Mapping[str, Any]) -> str:
    try:
        return client.get_queue_url(QueueName=kwargs["QueueName"])["QueueUrl"]
    except client.exceptions.QueueDoesNotExist:
        return client.create_queue(**kwargs)["QueueUrl"]
