"""What `make run` keeps across restarts (devstack/persistence.py): items, files and waiting
messages saved from one stack's resources and put back into another's, on one moto server."""

import uuid

import pytest

from devstack.persistence import Keeper, Names
from devstack.resources import create_resources
from tests.integration.conftest import AWS_ENV, moto_client

REGION = AWS_ENV["AWS_DEFAULT_REGION"]


@pytest.fixture
def stacks(moto_url, monkeypatch):
    for name, value in AWS_ENV.items():
        monkeypatch.setenv(name, value)

    def client(service):
        return moto_client(service, moto_url)

    def resources(prefix):
        return create_resources(
            client("dynamodb"), client("sqs"), s3_client=client("s3"), prefix=prefix
        )

    first, second = f"ka{uuid.uuid4().hex[:6]}-", f"kb{uuid.uuid4().hex[:6]}-"
    return client, (first, resources(first)), (second, resources(second))


def test_items_files_and_waiting_messages_outlive_the_stack(stacks, tmp_path):
    client, (first, before), (second, after) = stacks
    dynamodb, sqs, s3 = client("dynamodb"), client("sqs"), client("s3")
    item = {"PK": {"S": "DOSSIER#X"}, "SK": {"S": "META"}, "blob": {"B": b"\x00\xff"},
            "tags": {"SS": ["a", "b"]}, "n": {"N": "7"}}  # fmt: skip
    dynamodb.put_item(TableName=before["MOTCUA_TABLE"], Item=item)
    s3.put_object(Bucket=before["MOTCUA_FILES_BUCKET"], Key="dossiers/X/a b.pdf", Body=b"%PDF",
                  ContentType="application/pdf", Metadata={"sha": "1"})  # fmt: skip
    sqs.send_message(
        QueueUrl=before["MOTCUA_NOTIFICATIONS_DLQ_URL"],
        MessageBody='{"key": "X:v1:received"}',
        MessageAttributes={"reason": {"DataType": "String", "StringValue": "no channel"}},
    )
    sqs.send_message(QueueUrl=before["MOTCUA_TRANSITIONS_QUEUE_URL"], MessageBody="{}",
                     MessageGroupId="X", MessageDeduplicationId="X-1")  # fmt: skip
    # One in flight (received, not deleted) when the stack stops: it is kept too.
    sqs.receive_message(QueueUrl=before["MOTCUA_TRANSITIONS_QUEUE_URL"], VisibilityTimeout=300)

    saved = Keeper(tmp_path, client, Names.of_template(first), REGION).save()
    assert (saved.items, saved.files, saved.messages) == (1, 1, 2)

    restored = Keeper(tmp_path, client, Names.of_template(second), REGION).restore()
    assert restored is not None and (restored.items, restored.files, restored.messages) == (1, 1, 2)
    assert dynamodb.scan(TableName=after["MOTCUA_TABLE"])["Items"] == [item]
    got = s3.get_object(Bucket=after["MOTCUA_FILES_BUCKET"], Key="dossiers/X/a b.pdf")
    assert got["Body"].read() == b"%PDF" and got["ContentType"] == "application/pdf"
    assert got["Metadata"] == {"sha": "1"}
    [letter] = sqs.receive_message(
        QueueUrl=after["MOTCUA_NOTIFICATIONS_DLQ_URL"], MessageAttributeNames=["All"]
    )["Messages"]
    assert letter["MessageAttributes"]["reason"]["StringValue"] == "no channel"
    [waiting] = sqs.receive_message(
        QueueUrl=after["MOTCUA_TRANSITIONS_QUEUE_URL"], AttributeNames=["MessageGroupId"]
    )["Messages"]
    assert waiting["Attributes"]["MessageGroupId"] == "X"


def test_nothing_saved_is_nothing_restored(stacks, tmp_path):
    client, (first, _), _ = stacks
    assert Keeper(tmp_path / "none", client, Names.of_template(first), REGION).restore() is None
