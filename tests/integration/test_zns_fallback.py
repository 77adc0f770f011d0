"""Zalo answers -118 (no Zalo account): the same notice goes by SMS through SNS, once."""

import json

import pytest
from moto.core import DEFAULT_ACCOUNT_ID
from moto.sns.models import sns_backends

from chalicelib.adapters.delivery_log import MemoryDeliveryLog
from chalicelib.domain.notifications import NotificationJob
from chalicelib.notify.providers.sns_sms import SnsSmsProvider
from chalicelib.notify.providers.zns import StaticZnsTokens, ZaloZnsProvider
from chalicelib.services.notifier import NotifierDeps, deliver
from tests.unit.builders import at
from tests.unit.test_providers import StubServer

CODE = "000.00.41.H19-261120-0001"
JOB = NotificationJob(
    key=f"{CODE}:v1:received",
    code=CODE,
    kind="received",
    essential=True,
    phone="84912345678",
    text_vi="Hồ sơ đã được tiếp nhận",
    sms_text=f"Ho so {CODE} da duoc tiep nhan",
    sms_parts=1,
    zns_template="received",
    zns_data={"code": CODE, "appointment": "23/11/2026"},
)


@pytest.fixture
def zalo():
    server = StubServer.start()
    yield server
    server.stop()


def test_no_zalo_account_sends_the_sms_once(aws, zalo):
    for _ in range(3):
        zalo.reply({"error": -118, "message": "Zalo account not existed"})
    deps = NotifierDeps(
        log=MemoryDeliveryLog(),
        sms=SnsSmsProvider("MOTCUA"),
        zns=ZaloZnsProvider(StaticZnsTokens("token-1"), base_url=zalo.url),
        zns_templates={"received": "312345"},
    )
    for _ in range(3):  # the queue delivers the job three times
        deliver(JOB, deps, at(2026, 11, 20, 9))
    [asked] = zalo.seen
    assert asked.json()["tracking_id"] == JOB.key and asked.json()["template_id"] == "312345"
    sent = sns_backends[DEFAULT_ACCOUNT_ID]["ap-southeast-1"].sms_messages
    texts = [message for message in sent.values() if JOB.sms_text in json.dumps(message)]
    assert len(texts) == 1
    assert [(a.channel, a.outcome) for a in deps.log.log] == [
        ("zns", "no_account"),
        ("sms", "accepted"),
    ]
