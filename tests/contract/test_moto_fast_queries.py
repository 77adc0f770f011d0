"""moto's `Query` with and without the fast path (`devstack.moto_speedups.partition_queries`)
answers the same pages, on the template's table and its GSIs (worklist, due).

The data moves while the fast path is on (items change GSI partition, lose their index
attributes, are deleted, come back) so that its partition map is tested as it is kept, not
only as first built; then each query is asked page by page with the fast path on, and again on
the same data with it off.
"""

import random
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from devstack.moto_speedups import partition_queries

AGENCIES = ("A1", "A2", "A3")


def _s(value: str) -> dict[str, str]:
    return {"S": value}


def _item(n: int, rng: random.Random) -> dict[str, Any]:
    item = {
        "PK": _s(f"D#{n % 40:03d}"),
        "SK": _s(rng.choice(["STATE", "H#", "C#", "R#"]) + f"{n:05d}"),
        "n": {"N": str(n)},
        "kind": _s(rng.choice(["x", "y"])),
    }
    if rng.random() < 0.6:
        item["WL_PK"] = _s(f"WL#{rng.choice(AGENCIES)}")
        item["WL_SK"] = _s(f"2026-03-{rng.randint(1, 28):02d}#{n:05d}")
    if rng.random() < 0.4:
        item["DUE_PK"] = _s(f"DUE#{rng.randint(0, 3):02d}")
        item["DUE_SK"] = _s(f"2026-03-{rng.randint(1, 28):02d}T{rng.randint(0, 23):02d}#{n:05d}")
    return item


def _shuffle_data(db: Any, table: str, rng: random.Random, count: int) -> None:
    """Writes that move items between partitions, through every write call the app uses."""
    for n in range(count):
        db.put_item(TableName=table, Item=_item(n, rng))
    for n in rng.sample(range(count), count // 3):
        moved = _item(n, rng)
        key = {"PK": moved["PK"], "SK": moved["SK"]}
        choice = rng.random()
        if choice < 0.3:  # another worklist partition, in place
            db.update_item(
                TableName=table, Key=key,
                UpdateExpression="SET WL_PK = :pk, WL_SK = :sk",
                ExpressionAttributeValues={":pk": _s(f"WL#{rng.choice(AGENCIES)}"),
                                           ":sk": _s(f"2026-04-01#{n:05d}")},
            )  # fmt: skip
        elif choice < 0.5:  # off the worklist and the due index
            db.update_item(
                TableName=table, Key=key, UpdateExpression="REMOVE WL_PK, WL_SK, DUE_PK, DUE_SK"
            )
        elif choice < 0.7:
            db.delete_item(TableName=table, Key=key)
        elif choice < 0.85:
            db.transact_write_items(TransactItems=[{"Update": {
                "TableName": table, "Key": key,
                "UpdateExpression": "SET DUE_PK = :pk, DUE_SK = :sk",
                "ExpressionAttributeValues": {":pk": _s("DUE#01"),
                                              ":sk": _s(f"2026-03-15T09#{n:05d}")},
            }}])  # fmt: skip
        else:
            db.transact_write_items(TransactItems=[{"Put": {"TableName": table, "Item": moved}}])


QUERIES: list[dict[str, Any]] = [
    {"KeyConditionExpression": "PK = :pk", "ExpressionAttributeValues": {":pk": _s("D#007")}},
    {"KeyConditionExpression": "PK = :pk", "ExpressionAttributeValues": {":pk": _s("D#999")}},
    {"KeyConditionExpression": "PK = :pk AND begins_with(SK, :p)",
     "ExpressionAttributeValues": {":pk": _s("D#003"), ":p": _s("H#")}},
    {"KeyConditionExpression": "PK = :pk AND SK BETWEEN :a AND :b", "ScanIndexForward": False,
     "ExpressionAttributeValues": {":pk": _s("D#011"), ":a": _s("C#"), ":b": _s("R#")}},
    {"KeyConditionExpression": "PK = :pk AND SK > :a", "Limit": 2, "ConsistentRead": True,
     "ExpressionAttributeValues": {":pk": _s("D#012"), ":a": _s("C#")}},
    {"KeyConditionExpression": "PK = :pk", "FilterExpression": "kind = :k", "Limit": 3,
     "ExpressionAttributeValues": {":pk": _s("D#020"), ":k": _s("x")}},
    {"KeyConditionExpression": "PK = :pk", "ProjectionExpression": "PK, SK, n",
     "ExpressionAttributeValues": {":pk": _s("D#021")}},
    {"KeyConditionExpression": "PK = :pk", "Select": "COUNT",
     "ExpressionAttributeValues": {":pk": _s("D#022")}},
    {"IndexName": "worklist", "KeyConditionExpression": "WL_PK = :pk",
     "ExpressionAttributeValues": {":pk": _s("WL#A1")}},
    {"IndexName": "worklist", "KeyConditionExpression": "WL_PK = :pk", "Limit": 7,
     "ExpressionAttributeValues": {":pk": _s("WL#A2")}},
    {"IndexName": "worklist", "KeyConditionExpression": "WL_PK = :pk AND WL_SK <= :u",
     "Limit": 5, "ScanIndexForward": False,
     "ExpressionAttributeValues": {":pk": _s("WL#A3"), ":u": _s("2026-03-15")}},
    {"IndexName": "worklist", "KeyConditionExpression": "WL_PK = :pk AND begins_with(WL_SK, :d)",
     "ExpressionAttributeValues": {":pk": _s("WL#A1"), ":d": _s("2026-04")}},
    {"IndexName": "worklist", "KeyConditionExpression": "WL_PK = :pk", "Limit": 4,
     "FilterExpression": "kind = :k",
     "ExpressionAttributeValues": {":pk": _s("WL#A2"), ":k": _s("y")}},
    {"IndexName": "worklist", "KeyConditionExpression": "WL_PK = :pk",
     "ExpressionAttributeValues": {":pk": _s("WL#nobody")}},
    {"IndexName": "due", "KeyConditionExpression": "DUE_PK = :pk AND DUE_SK <= :u", "Limit": 6,
     "ExpressionAttributeValues": {":pk": _s("DUE#01"), ":u": _s("2026-03-20")}},
    {"IndexName": "due", "KeyConditionExpression": "DUE_PK = :pk",
     "ExpressionAttributeValues": {":pk": _s("DUE#02")}},
]  # fmt: skip


def _pages(db: Any, table: str, query: dict[str, Any]) -> list[dict[str, Any]]:
    """Every page of a query, as the client saw it (no request metadata)."""
    pages: list[dict[str, Any]] = []
    arguments = {"TableName": table, **query}
    while len(pages) < 200:
        page = db.query(**arguments)
        page.pop("ResponseMetadata", None)
        pages.append(page)
        if "LastEvaluatedKey" not in page:
            return pages
        arguments["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    raise AssertionError("the query never ended")


def test_the_fast_path_answers_every_page_as_moto_does(table):
    db = boto3.client("dynamodb")
    rng = random.Random(13)
    with partition_queries():
        for n in range(0, 400, 7):  # a first query builds the GSI map on part of the data
            db.put_item(TableName=table, Item=_item(n, rng))
        _pages(db, table, QUERIES[8])
        _pages(db, table, QUERIES[-1])
        _shuffle_data(db, table, rng, 400)
        fast = [_pages(db, table, query) for query in QUERIES]
    plain = [_pages(db, table, query) for query in QUERIES]
    assert fast == plain
    # The data is varied enough that the comparison means something.
    assert any(len(pages) > 1 for pages in plain)
    assert sum(page["Count"] for pages in plain[8:] for page in pages) > 100


def test_the_fast_path_refuses_what_moto_refuses(table):
    db = boto3.client("dynamodb")
    query = {"TableName": table, "IndexName": "worklist", "ConsistentRead": True,
             "KeyConditionExpression": "WL_PK = :pk",
             "ExpressionAttributeValues": {":pk": _s("WL#A1")}}  # fmt: skip
    with pytest.raises(ClientError) as plain:
        db.query(**query)
    with partition_queries(), pytest.raises(ClientError) as fast:
        db.query(**query)
    assert fast.value.response["Error"] == plain.value.response["Error"]
