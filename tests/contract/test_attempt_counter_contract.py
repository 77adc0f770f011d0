"""The failed-attempt counter of the public lookup, held to the same promises in memory and on
DynamoDB (moto): counts per key, atomic increments answered, an expiry on every item."""

import boto3

from chalicelib.adapters.attempt_counter import DynamoAttemptCounter, InMemoryAttemptCounter
from tests.contract.test_side_stores_contract import on_both

counter = on_both(InMemoryAttemptCounter, DynamoAttemptCounter)
KEYS = ["code#000.00.41.H19-260309-0001#1970041", "ip#203.0.113.7#1970041"]


def test_a_key_never_counted_counts_zero(counter):
    assert counter.counts(KEYS) == [0, 0]


def test_each_attempt_adds_one_to_each_key_and_answers_the_new_counts(counter):
    assert counter.add(KEYS, expires_at=1_773_037_800) == [1, 1]
    assert counter.add(KEYS[:1], expires_at=1_773_037_800) == [2]
    assert counter.counts(KEYS) == [2, 1]
    assert counter.counts(["code#another#1970041"]) == [0]


def test_attempts_from_several_instances_are_all_counted(table):
    """Lambda instances count on one item (the adapter writes DynamoDB's ADD and keeps no count
    of its own): interleaved adds from separate adapters all count. Not threads: moto does not
    lock its items between threads (a thread test failed 36 of 40 there), which would test
    moto, not the adapter; real DynamoDB's ADD is atomic."""
    instances = [DynamoAttemptCounter(table) for _ in range(4)]
    for _ in range(10):
        for instance in instances:
            instance.add(KEYS[:1], expires_at=1_773_037_800)
    assert instances[0].counts(KEYS[:1]) == [40]


def test_every_item_expires_with_the_tables_ttl(table):
    DynamoAttemptCounter(table).add(KEYS, expires_at=1_773_037_800)
    dynamodb = boto3.client("dynamodb")
    ttl = dynamodb.describe_time_to_live(TableName=table)["TimeToLiveDescription"]
    items = dynamodb.scan(TableName=table)["Items"]
    assert {item["PK"]["S"] for item in items} == {f"RL#{key}" for key in KEYS}
    assert ttl.get("AttributeName") == "expires_at"
    assert {item["expires_at"]["N"] for item in items} == {"1773037800"}
