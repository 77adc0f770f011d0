"""Notices end to end: the change's outbox → the table's stream → the relay → the notifier →
SNS (moto) and the local outbox file. One message per applicant, milestone and channel."""

import json
import uuid
from collections import Counter

import pytest

from chalicelib.adapters.queues import SqsPublisher
from chalicelib.notify.providers.local_outbox import read_outbox
from devstack import demo
from devstack.stack import LocalStack

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def stack():
    with LocalStack(port=0, moto_port=0, prefix=f"n{uuid.uuid4().hex[:6]}-") as running:
        running.outbox_path.unlink(missing_ok=True)
        yield running
        running.outbox_path.unlink(missing_ok=True)


@pytest.fixture(scope="module")
def cast(stack):
    return demo.Cast.local(stack.base_url)


def sent_for(stack, code):
    stack.drain()
    return [m for m in read_outbox(stack.outbox_path) if m["key"].startswith(code)]


def test_each_milestone_sends_one_message_per_channel(stack, cast):
    code = demo.birth_registration(cast)
    messages = sent_for(stack, code)
    kinds = Counter((m["key"].split(":")[-1].split("@")[0], m["channel"]) for m in messages)
    assert kinds == Counter(
        {
            ("received", "sms"): 1,
            ("result_ready", "sms"): 1,
            ("lan.nguyen", "email"): 2,  # the result ready, and the rating invitation
            ("result_returned", "sms"): 1,
            # the rating invitation with its signed link (issue 19): not essential, once
            ("survey_invitation", "sms"): 1,
        }
    )
    received = next(m for m in messages if m["key"].endswith(":received"))
    assert received["to"] == "84912345678"
    assert received["text"].startswith(f"Ho so {code} da duoc tiep nhan. Ngay hen tra: ")
    assert received["text"].isascii() and received["parts"] == 1
    email = next(m for m in messages if m["channel"] == "email")
    assert email["to"] == "lan.nguyen@example.vn" and "Bộ phận Một cửa" in email["text"]
    view = cast.officials["ward_leader"].dossier(code)
    deliveries = {(d["kind"], d["channel"], d["outcome"]) for d in view["deliveries"]}
    assert ("received", "sms", "accepted") in deliveries
    assert all(d["provider_message_id"] for d in view["deliveries"])


def test_a_relay_that_crashes_loses_no_notice(stack, cast, monkeypatch):
    """The change is written; the relay then fails twice before it can enqueue: the stream
    hands the same records again, and the notice still goes out, once."""
    real_send = SqsPublisher.send
    failures = {"left": 2}

    def crashing(self, queue_url, body, **kwargs):
        if "notifications" in queue_url and failures["left"]:
            failures["left"] -= 1
            raise ConnectionError("injected: the relay died before enqueuing")
        return real_send(self, queue_url, body, **kwargs)

    monkeypatch.setattr(SqsPublisher, "send", crashing)
    receipt = cast.portal.submit(
        {
            "external_id": f"crash-{uuid.uuid4().hex[:8]}",
            "procedure_code": "1.000656",
            "channel": 2,
            "applicant": {"name": "Trịnh Văn Long", "kind": 1, "phone": "0908777666"},
            "resolving_agency": demo.WARD,
            "received_by_agency": demo.WARD,
            "submitted_at": "2026-11-20T09:00:00+07:00",
            "awaiting_counter_check": False,
        }
    )
    messages = sent_for(stack, receipt["code"])
    assert failures["left"] == 0
    assert [(m["channel"], m["key"].split(":")[-1]) for m in messages] == [("sms", "received")]


def test_the_dlq_stays_empty_when_all_is_well(stack):

    sqs = stack.aws_client("sqs")
    attributes = sqs.get_queue_attributes(
        QueueUrl=stack.env["MOTCUA_NOTIFICATIONS_DLQ_URL"],
        AttributeNames=["ApproximateNumberOfMessages"],
    )
    assert attributes["Attributes"]["ApproximateNumberOfMessages"] == "0"
    assert json.dumps(read_outbox(stack.outbox_path), ensure_ascii=False)


def test_delivery_receipts_and_opt_outs_arrive_by_signed_webhook(stack, cast):
    code = demo.birth_registration(cast)
    stack.drain()
    leader = cast.officials["ward_leader"]
    sms = next(d for d in leader.dossier(code)["deliveries"] if d["channel"] == "sms")
    receipt = {
        "provider": sms["provider"],
        "message_id": sms["provider_message_id"],
        "status": "delivered",
        "at": "2026-11-20T09:00:05+07:00",
    }
    # Only the gateway's client may report on messages: a portal is refused (403).
    refused = cast.portal.post("/v1/webhooks/delivery-receipts", receipt)
    assert refused.status == 403 and refused.body["errors"][0]["field"] == "X-Motcua-Client"
    answer = cast.gateway.post("/v1/webhooks/delivery-receipts", receipt)
    assert answer.status == 202, answer.body
    again = next(
        d
        for d in leader.dossier(code)["deliveries"]
        if d["provider_message_id"] == sms["provider_message_id"]
    )
    assert again["delivery"] == "delivered"
    unknown = cast.gateway.post(
        "/v1/webhooks/delivery-receipts", {**receipt, "message_id": "no-such-message"}
    )
    assert unknown.status == 404
    opted = cast.gateway.post(
        "/v1/webhooks/opt-outs", {"phone": "0912 345 678", "source": "trả lời TU CHOI"}
    )
    assert opted.status == 202 and opted.body == {"phone": "84912345678", "opted_out": True}
    bad = cast.gateway.post("/v1/webhooks/opt-outs", {"phone": "12"})
    assert bad.status == 400 and bad.body["errors"][0]["field"] == "phone"
