"""infra/resources.json becomes real tables and queues (moto's mock_aws)."""

from __future__ import annotations

import json

import boto3
import pytest
from moto import mock_aws

from devstack.resources import (
    create_resources,
    creation_order,
    load_template,
    queue_attributes,
    table_kwargs,
)

REGION = "ap-southeast-1"
TEMPLATE = load_template()
RESOURCES = TEMPLATE["Resources"]
TABLES = {k: r for k, r in RESOURCES.items() if r["Type"] == "AWS::DynamoDB::Table"}
QUEUES = {k: r for k, r in RESOURCES.items() if r["Type"] == "AWS::SQS::Queue"}
# What chalicelib.settings reads: the template must provide each of them.
SETTINGS_ENV = {
    "MOTCUA_TABLE",
    "MOTCUA_INTAKE_QUEUE_URL",
    "MOTCUA_INTAKE_DLQ_URL",
    "MOTCUA_TRANSITIONS_QUEUE_URL",
    "MOTCUA_TRANSITIONS_DLQ_URL",
}


@pytest.fixture
def aws(monkeypatch):
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.setenv(name, "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    with mock_aws():
        yield boto3.client("dynamodb", region_name=REGION), boto3.client("sqs", region_name=REGION)


def test_the_template_has_tables_and_queues_with_their_dead_letter_queues():
    assert TABLES
    assert QUEUES
    redriven = [q for q in QUEUES.values() if "RedrivePolicy" in q["Properties"]]
    assert redriven, "no queue redrives to a DLQ"


@pytest.mark.parametrize("logical_id", sorted(TABLES))
def test_each_table_is_created_as_declared(aws, logical_id):
    dynamodb, sqs = aws
    env = create_resources(dynamodb, sqs)
    declared = TABLES[logical_id]["Properties"]
    table = dynamodb.describe_table(TableName=declared["TableName"])["Table"]

    assert env[TABLES[logical_id]["Metadata"]["motcua:env"]] == declared["TableName"]
    assert table["KeySchema"] == declared["KeySchema"]
    assert sorted(table["AttributeDefinitions"], key=str) == sorted(
        declared["AttributeDefinitions"], key=str
    )
    assert table["BillingModeSummary"]["BillingMode"] == declared["BillingMode"]
    indexes = {i["IndexName"]: i for i in table.get("GlobalSecondaryIndexes", [])}
    assert set(indexes) == {i["IndexName"] for i in declared.get("GlobalSecondaryIndexes", [])}
    for index in declared.get("GlobalSecondaryIndexes", []):
        assert indexes[index["IndexName"]]["KeySchema"] == index["KeySchema"]
        assert indexes[index["IndexName"]]["Projection"] == index["Projection"]
    if "StreamSpecification" in declared:
        assert table["StreamSpecification"] == {
            "StreamEnabled": True,
            "StreamViewType": declared["StreamSpecification"]["StreamViewType"],
        }
        assert table["LatestStreamArn"]
    if "TimeToLiveSpecification" in declared:
        ttl = dynamodb.describe_time_to_live(TableName=declared["TableName"])
        assert ttl["TimeToLiveDescription"] == {
            "TimeToLiveStatus": "ENABLED",
            "AttributeName": declared["TimeToLiveSpecification"]["AttributeName"],
        }
    if declared.get("PointInTimeRecoverySpecification", {}).get("PointInTimeRecoveryEnabled"):
        backups = dynamodb.describe_continuous_backups(TableName=declared["TableName"])
        pitr = backups["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]
        assert pitr["PointInTimeRecoveryStatus"] == "ENABLED"


@pytest.mark.parametrize("logical_id", sorted(QUEUES))
def test_each_queue_is_created_as_declared(aws, logical_id):
    dynamodb, sqs = aws
    env = create_resources(dynamodb, sqs)
    declared = QUEUES[logical_id]["Properties"]
    url = sqs.get_queue_url(QueueName=declared["QueueName"])["QueueUrl"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]

    assert env[QUEUES[logical_id]["Metadata"]["motcua:env"]] == url
    assert attributes.get("FifoQueue", "false") == str(declared.get("FifoQueue", False)).lower()
    if "ContentBasedDeduplication" in declared:
        expected = str(declared["ContentBasedDeduplication"]).lower()
        assert attributes["ContentBasedDeduplication"] == expected
    for key in ("VisibilityTimeout", "MessageRetentionPeriod"):
        if key in declared:
            assert attributes[key] == str(declared[key])
    redrive = declared.get("RedrivePolicy")
    if redrive is None:
        assert "RedrivePolicy" not in attributes
        return
    dlq_id = redrive["deadLetterTargetArn"]["Fn::GetAtt"][0]
    dlq_url = sqs.get_queue_url(QueueName=RESOURCES[dlq_id]["Properties"]["QueueName"])
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url["QueueUrl"], AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    assert json.loads(attributes["RedrivePolicy"]) == {
        "deadLetterTargetArn": dlq_arn,
        "maxReceiveCount": redrive["maxReceiveCount"],
    }


def test_the_environment_names_every_resource_and_every_setting(aws):
    dynamodb, sqs = aws
    env = create_resources(dynamodb, sqs)
    declared = {r["Metadata"]["motcua:env"] for r in RESOURCES.values() if "Metadata" in r}
    assert set(env) == declared
    assert declared >= SETTINGS_ENV
    assert all(value for value in env.values())


def test_a_second_call_reuses_everything(aws):
    dynamodb, sqs = aws
    first = create_resources(dynamodb, sqs)
    second = create_resources(dynamodb, sqs)
    assert second == first
    assert len(sqs.list_queues()["QueueUrls"]) == len(QUEUES)
    assert len(dynamodb.list_tables()["TableNames"]) == len(TABLES)


def test_a_prefix_isolates_names_and_redrives_to_its_own_dead_letter_queue(aws):
    dynamodb, sqs = aws
    plain = create_resources(dynamodb, sqs)
    prefixed = create_resources(dynamodb, sqs, prefix="t1-")
    assert set(prefixed) == set(plain)
    assert prefixed["MOTCUA_TABLE"] == "t1-" + plain["MOTCUA_TABLE"]
    assert all(value != plain[name] for name, value in prefixed.items())
    attributes = sqs.get_queue_attributes(
        QueueUrl=prefixed["MOTCUA_INTAKE_QUEUE_URL"], AttributeNames=["RedrivePolicy"]
    )["Attributes"]
    dlq_arn = sqs.get_queue_attributes(
        QueueUrl=prefixed["MOTCUA_INTAKE_DLQ_URL"], AttributeNames=["QueueArn"]
    )["Attributes"]["QueueArn"]
    assert json.loads(attributes["RedrivePolicy"])["deadLetterTargetArn"] == dlq_arn
    assert ":t1-" in dlq_arn


def test_dead_letter_queues_come_first_whatever_the_template_order():
    reversed_resources = dict(reversed(list(RESOURCES.items())))
    order = creation_order(reversed_resources)
    for logical_id, resource in QUEUES.items():
        redrive = resource["Properties"].get("RedrivePolicy")
        if redrive:
            dlq_id = redrive["deadLetterTargetArn"]["Fn::GetAtt"][0]
            assert order.index(dlq_id) < order.index(logical_id)


def test_table_kwargs_drop_what_create_table_does_not_take():
    properties = next(iter(TABLES.values()))["Properties"]
    kwargs = table_kwargs(properties, prefix="x-")
    assert kwargs["TableName"] == "x-" + properties["TableName"]
    assert "TimeToLiveSpecification" not in kwargs
    assert "PointInTimeRecoverySpecification" not in kwargs
    assert kwargs["StreamSpecification"]["StreamEnabled"] is True


def test_queue_attributes_are_strings_with_the_dead_letter_arn_resolved():
    properties = {
        "QueueName": "q.fifo",
        "FifoQueue": True,
        "ContentBasedDeduplication": False,
        "VisibilityTimeout": 30,
        "RedrivePolicy": {
            "deadLetterTargetArn": {"Fn::GetAtt": ["Dlq", "Arn"]},
            "maxReceiveCount": 3,
        },
    }
    attributes = queue_attributes(properties, {"Dlq": "arn:aws:sqs:r:1:dlq.fifo"})
    assert attributes == {
        "FifoQueue": "true",
        "ContentBasedDeduplication": "false",
        "VisibilityTimeout": "30",
        "RedrivePolicy": json.dumps(
            {"deadLetterTargetArn": "arn:aws:sqs:r:1:dlq.fifo", "maxReceiveCount": 3}
        ),
    }
    with pytest.raises(ValueError, match="Dlq"):
        queue_attributes(properties, {})
