"""The SDK on moto in-process with and without `devstack.moto_speedups.fast_sdk` (no signature
computed, the User-Agent built once per client, moto's routing kept per URL): the same calls
get the same answers and the same errors, from DynamoDB, its stream, SQS, S3 and SSM; the
Authorization header still names the access key and region moto reads; presigned URLs keep
botocore's real signature."""

from __future__ import annotations

import contextlib
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from moto import mock_aws

from devstack.moto_speedups import UNSIGNED, fast_sdk
from tests.contract.conftest import AWS_ENV, REGION

# Parts of an answer that differ between two runs whatever the SDK does.
VOLATILE = re.compile(
    r"(ResponseMetadata|RequestId|ReceiptHandle|MessageId|MD5Of\w+|ETag|LastModified|"
    r"\w+Date(Time)?|\w+Timestamp|SentTimestamp|ApproximateFirstReceiveTimestamp|"
    r"StreamLabel|StreamArn|LatestStreamArn|LatestStreamLabel|SequenceNumber|ShardId|"
    r"ShardIterator|NextShardIterator|eventID|ApproximateCreationDateTime|Version|SizeBytes)$"
)


def _stable(answer: Any) -> Any:
    if isinstance(answer, dict):
        return {k: _stable(v) for k, v in answer.items() if not VOLATILE.match(k)}
    if isinstance(answer, list):
        return [_stable(v) for v in answer]
    if hasattr(answer, "read"):
        return answer.read()
    return answer


def _call(client: Any, operation: str, **params: Any) -> Any:
    try:
        return _stable(getattr(client, operation)(**params))
    except ClientError as error:
        return ("error", error.response["Error"]["Code"], _stable(error.response.get("Error")))


def _script() -> list[Any]:
    """Every kind of call the app makes, each answer kept (errors included)."""
    db, sqs = boto3.client("dynamodb"), boto3.client("sqs")
    s3, ssm = boto3.client("s3"), boto3.client("ssm")
    streams = boto3.client(
        "dynamodbstreams", endpoint_url=f"https://streams.dynamodb.{REGION}.amazonaws.com"
    )
    key = [{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}]
    attributes = [
        {"AttributeName": "PK", "AttributeType": "S"},
        {"AttributeName": "SK", "AttributeType": "S"},
    ]
    answers = [
        _call(db, "create_table", TableName="t", KeySchema=key, AttributeDefinitions=attributes,
              BillingMode="PAY_PER_REQUEST",
              StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"}),
        _call(db, "put_item", TableName="t", Item={"PK": {"S": "D#1"}, "SK": {"S": "STATE"},
              "n": {"N": "1"}}),
        _call(db, "put_item", TableName="t", Item={"PK": {"S": "D#1"}, "SK": {"S": "STATE"}},
              ConditionExpression="attribute_not_exists(PK)"),
        _call(db, "transact_write_items",
              TransactItems=[
                  {"Put": {"TableName": "t", "Item": {"PK": {"S": "D#2"}, "SK": {"S": "X"}}}},
                  {"Update": {"TableName": "t", "Key": {"PK": {"S": "D#1"}, "SK": {"S": "STATE"}},
                              "UpdateExpression": "ADD n :one",
                              "ConditionExpression": "n = :two",
                              "ExpressionAttributeValues": {":one": {"N": "1"},
                                                            ":two": {"N": "2"}}}},
              ]),
        _call(db, "get_item", TableName="t", Key={"PK": {"S": "D#1"}, "SK": {"S": "STATE"}}),
        _call(db, "query", TableName="t", KeyConditionExpression="PK = :pk",
              ExpressionAttributeValues={":pk": {"S": "D#1"}}),
        _call(db, "get_item", TableName="missing", Key={"PK": {"S": "D#1"}, "SK": {"S": "X"}}),
    ]  # fmt: skip
    stream = db.describe_table(TableName="t")["Table"]["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=stream)["StreamDescription"]["Shards"][0]
    iterator = streams.get_shard_iterator(
        StreamArn=stream, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    answers.append(_call(streams, "get_records", ShardIterator=iterator))
    url = sqs.create_queue(QueueName="q.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    answers += [
        _call(sqs, "send_message", QueueUrl=url, MessageBody="một", MessageGroupId="D#1",
              MessageDeduplicationId="1", MessageAttributes={"reason": {"DataType": "String",
              "StringValue": "lý do"}}),
        _call(sqs, "receive_message", QueueUrl=url, MaxNumberOfMessages=10,
              MessageAttributeNames=["All"], AttributeNames=["ApproximateReceiveCount"]),
        _call(sqs, "get_queue_attributes", QueueUrl=url, AttributeNames=["All"]),
        _call(sqs, "get_queue_url", QueueName="missing"),
    ]  # fmt: skip
    s3.create_bucket(Bucket="ho-so", CreateBucketConfiguration={"LocationConstraint": REGION})
    answers += [
        _call(s3, "put_object", Bucket="ho-so", Key="hồ sơ/1.pdf", Body=b"%PDF-1.7"),
        _call(s3, "get_object", Bucket="ho-so", Key="hồ sơ/1.pdf"),
        _call(s3, "get_object", Bucket="ho-so", Key="missing"),
        _call(ssm, "put_parameter", Name="/motcua/x", Value="bí mật", Type="SecureString"),
        _call(ssm, "get_parameter", Name="/motcua/x", WithDecryption=True),
        _call(ssm, "get_parameter", Name="/motcua/missing"),
    ]
    return answers


@pytest.fixture
def aws_env(monkeypatch):
    for name, value in AWS_ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)


@pytest.mark.parametrize("fast", [False, True])
def test_the_same_calls_get_the_same_answers(aws_env, fast):
    with mock_aws():
        plain = _script()
    with mock_aws(), fast_sdk() if fast else contextlib.nullcontext():
        again = _script()
    assert again == plain
    assert any(isinstance(a, tuple) and a[0] == "error" for a in plain)  # errors compared too


def _authorization(fast: bool) -> str:
    seen: list[Any] = []
    with mock_aws(), fast_sdk() if fast else contextlib.nullcontext():
        sqs = boto3.client("sqs")
        sqs.meta.events.register_first(
            "before-send.sqs", lambda request, **_: seen.append(request.headers["Authorization"])
        )
        sqs.create_queue(QueueName="q")
    [header] = seen
    return header.decode() if isinstance(header, bytes) else header


def test_the_authorization_header_names_the_key_and_region_without_a_signature(aws_env):
    signed, unsigned = _authorization(fast=False), _authorization(fast=True)
    assert re.match(
        rf"AWS4-HMAC-SHA256 Credential=\w+/\d{{8}}/{REGION}/sqs/aws4_request, ", unsigned
    )
    assert unsigned.endswith(f", Signature={UNSIGNED}")
    assert signed.rsplit("Signature=", 1)[0] == unsigned.rsplit("Signature=", 1)[0]
    assert signed.rsplit("Signature=", 1)[1] != UNSIGNED


def test_presigned_urls_and_posts_keep_their_real_signature(aws_env):
    with mock_aws(), fast_sdk():
        s3 = boto3.client("s3", config=Config(signature_version="s3v4"))
        url = s3.generate_presigned_url("get_object", Params={"Bucket": "ho-so", "Key": "k"})
        post = s3.generate_presigned_post("ho-so", "k")
    [signature] = parse_qs(urlsplit(url).query)["X-Amz-Signature"]
    assert re.fullmatch(r"[0-9a-f]{64}", signature) and signature != UNSIGNED
    assert re.fullmatch(r"[0-9a-f]{64}", post["fields"]["x-amz-signature"])
