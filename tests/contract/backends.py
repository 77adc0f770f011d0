"""The two implementations of the dossier store, each with a way to see what its stream would
relay (the outbox jobs written so far), which the port itself does not expose."""

from collections.abc import Callable
from dataclasses import dataclass

import boto3

from chalicelib.adapters.dynamo_store import DynamoStore
from chalicelib.adapters.memory_store import MemoryStore
from chalicelib.domain.notifications import NotificationJob
from chalicelib.ports.records import JOBS_JSON
from chalicelib.ports.store import DossierStore


@dataclass(frozen=True)
class Backend:
    store: DossierStore
    outbox: Callable[[], list[NotificationJob]]


def memory_backend() -> Backend:
    store = MemoryStore()
    return Backend(store, lambda: list(store.outbox))


def dynamo_backend(table: str) -> Backend:
    def outbox() -> list[NotificationJob]:
        pages = boto3.client("dynamodb").get_paginator("scan").paginate(TableName=table)
        items = sorted((i for p in pages for i in p["Items"] if "outbox" in i),
                       key=lambda i: (i["PK"]["S"], i["SK"]["S"]))  # fmt: skip
        return [job for i in items for job in JOBS_JSON.validate_json(i["outbox"]["S"])]

    return Backend(DynamoStore(table), outbox)
