"""The one place that turns `infra/resources.json` into real resources (moto or AWS).

The CloudFormation template is the source of truth: the local stack and the tests build the
same tables and queues from it, so what runs locally cannot drift from what is deployed.

Each resource's `Metadata` says which environment variable carries it:
`motcua:env` is the variable's name, `motcua:env-value` is `name` (a table's or a bucket's
name) or `url` (a queue's URL). `create_resources` returns that mapping, ready for
`os.environ.update`.

Only what the template uses is supported: `Fn::GetAtt [X, Arn]` inside properties. Anything
else raises, rather than creating a resource that silently differs from production. One
exception, said where it is made: a bucket policy is deployed but not emulated.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

TEMPLATE_PATH = Path(__file__).resolve().parents[1] / "infra" / "resources.json"

TABLE = "AWS::DynamoDB::Table"
QUEUE = "AWS::SQS::Queue"
BUCKET = "AWS::S3::Bucket"
BUCKET_POLICY = "AWS::S3::BucketPolicy"

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
    s3_client: Any = None,
    prefix: str = "",
    template: Mapping[str, Any] | None = None,
) -> dict[str, str]:
    """Create every table, queue and bucket of the template; answer their environment
    variables. `s3_client`: by default one beside `sqs_client` (its region and endpoint).

    Resources are created in dependency order (a dead-letter queue before the queues that
    redrive to it). Idempotent: a table or queue that already exists is reused as it is; a
    bucket's settings are put again.
    """
    resources = (template if template is not None else load_template())["Resources"]
    env: dict[str, str] = {}
    arns: dict[str, str] = {}
    names: dict[str, str] = {}
    for logical_id in creation_order(resources):
        resource = resources[logical_id]
        kind = resource["Type"]
        properties = resource.get("Properties", {})
        if kind == BUCKET and s3_client is None:
            s3_client = _client_beside(sqs_client, "s3")
        if kind == BUCKET:
            name = _ensure_bucket(s3_client, properties, prefix)
            names[logical_id], arns[logical_id] = name, f"arn:aws:s3:::{name}"
            value = {"name": name}
        elif kind == BUCKET_POLICY:
            # Deployed, not emulated: moto applies a bucket policy's statements without their
            # conditions, so the deny of plain HTTP (`aws:SecureTransport` false) would deny
            # every request; and the local stack speaks plain HTTP to moto anyway. The packaged
            # template's check "files bucket" (tests/infra) holds the policy instead.
            _bucket_of_policy(properties, names)
            continue
        elif kind == TABLE:
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


def _client_beside(client: Any, service: str) -> Any:
    """A client of `service` in `client`'s region, at its endpoint unless that is AWS's own
    (moto's server answers every service at one address); credentials from the environment.
    The local stack passes its own client (its credentials are not the environment's)."""
    import boto3

    endpoint = client.meta.endpoint_url
    custom = {} if endpoint.endswith(".amazonaws.com") else {"endpoint_url": endpoint}
    return boto3.client(service, region_name=client.meta.region_name, **custom)


def bucket_name(properties: Mapping[str, Any], prefix: str = "") -> str:
    return prefix + properties["BucketName"]


def _ensure_bucket(client: Any, properties: Mapping[str, Any], prefix: str) -> str:
    """The bucket with the template's encryption, versioning, public access block and
    lifecycle (moto keeps them, so tests can read them back)."""
    name = bucket_name(properties, prefix)
    region = client.meta.region_name
    try:
        client.head_bucket(Bucket=name)
    except client.exceptions.ClientError:
        location = (
            {}
            if region == "us-east-1"
            else {"CreateBucketConfiguration": {"LocationConstraint": region}}
        )
        client.create_bucket(Bucket=name, **location)
    if "BucketEncryption" in properties:
        client.put_bucket_encryption(
            Bucket=name,
            ServerSideEncryptionConfiguration={
                "Rules": [
                    _encryption_rule(rule)
                    for rule in properties["BucketEncryption"]["ServerSideEncryptionConfiguration"]
                ]
            },
        )
    if "VersioningConfiguration" in properties:
        client.put_bucket_versioning(
            Bucket=name,
            VersioningConfiguration={"Status": properties["VersioningConfiguration"]["Status"]},
        )
    if "PublicAccessBlockConfiguration" in properties:
        client.put_public_access_block(
            Bucket=name,
            PublicAccessBlockConfiguration=properties["PublicAccessBlockConfiguration"],
        )
    if "OwnershipControls" in properties:
        client.put_bucket_ownership_controls(
            Bucket=name, OwnershipControls=properties["OwnershipControls"]
        )
    if "LifecycleConfiguration" in properties:
        client.put_bucket_lifecycle_configuration(
            Bucket=name,
            LifecycleConfiguration={
                "Rules": [_lifecycle_rule(r) for r in properties["LifecycleConfiguration"]["Rules"]]
            },
        )
    return name


def _encryption_rule(rule: Mapping[str, Any]) -> dict[str, Any]:
    """CloudFormation's `ServerSideEncryptionByDefault` is the API's `Apply…`."""
    out = {key: value for key, value in rule.items() if key != "ServerSideEncryptionByDefault"}
    if "ServerSideEncryptionByDefault" in rule:
        out["ApplyServerSideEncryptionByDefault"] = rule["ServerSideEncryptionByDefault"]
    return out


def _lifecycle_rule(rule: Mapping[str, Any]) -> dict[str, Any]:
    """A CloudFormation lifecycle rule as the S3 API takes it (other names, other shapes)."""
    out: dict[str, Any] = {"ID": rule["Id"], "Status": rule["Status"]}
    out["Filter"] = {"Prefix": rule.get("Prefix", "")}
    if "ExpirationInDays" in rule:
        out["Expiration"] = {"Days": rule["ExpirationInDays"]}
    if "NoncurrentVersionExpiration" in rule:
        days = rule["NoncurrentVersionExpiration"]["NoncurrentDays"]
        out["NoncurrentVersionExpiration"] = {"NoncurrentDays": days}
    if "AbortIncompleteMultipartUpload" in rule:
        days = rule["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"]
        out["AbortIncompleteMultipartUpload"] = {"DaysAfterInitiation": days}
    if "ExpiredObjectDeleteMarker" in rule:
        out.setdefault("Expiration", {})["ExpiredObjectDeleteMarker"] = rule[
            "ExpiredObjectDeleteMarker"
        ]
    return out


def _bucket_of_policy(properties: Mapping[str, Any], names: Mapping[str, str]) -> str:
    bucket = properties["Bucket"]
    if not (isinstance(bucket, dict) and bucket.get("Ref") in names):
        raise ValueError(f"a bucket policy's Bucket must be a Ref to a bucket: {bucket!r}")
    return names[bucket["Ref"]]
