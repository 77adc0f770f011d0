"""The two implementations of the dossier store, each with a way to see what its stream would
relay (the outbox jobs written so far), which the port itself does not expose."""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import boto3

from chalicelib.adapters.dynamo_store import DynamoStore, unpack_outbox
from chalicelib.adapters.memory_store import MemoryStore
from chalicelib.domain.notifications import NotificationJob
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
        return [job for i in items for job in unpack_outbox(i)]

    return Backend(DynamoStore(table), outbox)


def _conforms() -> None:
    """Never called: mypy checks here that each fake and adapter implements its port."""
    from chalicelib.adapters.attempt_counter import DynamoAttemptCounter, InMemoryAttemptCounter
    from chalicelib.adapters.delivery_log import DynamoDeliveryLog, MemoryDeliveryLog
    from chalicelib.adapters.national_portal import HttpNationalPortal, MemoryNationalPortal
    from chalicelib.adapters.payment_records import DynamoPaymentRecords, MemoryPaymentRecords
    from chalicelib.adapters.portal_sync_log import DynamoPortalSyncLog, MemoryPortalSyncLog
    from chalicelib.adapters.queues import InMemoryPublisher, SqsPublisher
    from chalicelib.adapters.receipt_records import DynamoReceiptRecords, MemoryReceiptRecords
    from chalicelib.adapters.reference_data import FileReference, MemoryReference, TableReference
    from chalicelib.adapters.replay_guard import DynamoReplayGuard, InMemoryReplayGuard
    from chalicelib.ports.attempts import AttemptCounter
    from chalicelib.ports.deliveries import DeliveryLog
    from chalicelib.ports.payments import PaymentRecords
    from chalicelib.ports.portal import NationalPortal, PortalSyncLog
    from chalicelib.ports.queues import Publisher
    from chalicelib.ports.receipts import ReceiptRecords
    from chalicelib.ports.reference import ReferenceSource
    from chalicelib.ports.replay import ReplayGuard

    stores: list[DossierStore] = [MemoryStore(), DynamoStore("t")]
    logs: list[DeliveryLog] = [MemoryDeliveryLog(), DynamoDeliveryLog("t")]
    marks: list[PortalSyncLog] = [MemoryPortalSyncLog(), DynamoPortalSyncLog("t")]
    portals: list[type[NationalPortal]] = [MemoryNationalPortal, HttpNationalPortal]
    publishers: list[Publisher] = [InMemoryPublisher(), SqsPublisher()]
    guards: list[ReplayGuard] = [InMemoryReplayGuard(), DynamoReplayGuard("t")]
    files = FileReference(Path("data"))
    sources: list[ReferenceSource] = [MemoryReference(b""), files, TableReference("t", files)]
    counters: list[AttemptCounter] = [InMemoryAttemptCounter(), DynamoAttemptCounter("t")]
    assert stores and logs and marks and portals and publishers and guards and sources
    payments: list[PaymentRecords] = [MemoryPaymentRecords(), DynamoPaymentRecords("t")]
    receipts: list[ReceiptRecords] = [MemoryReceiptRecords(), DynamoReceiptRecords("t")]
    assert counters and payments and receipts
