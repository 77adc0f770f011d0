"""Sending to the queues: the fake publisher records what SQS (moto) would deliver."""

import json

import boto3
import pytest

from chalicelib.adapters.queues import InMemoryPublisher, SqsPublisher
from chalicelib.ports.queues import DeadLetter

FIFO = "MOTCUA_TRANSITIONS_QUEUE_URL"
FIFO_DLQ = "MOTCUA_TRANSITIONS_DLQ_URL"
STANDARD = "MOTCUA_NOTIFICATIONS_QUEUE_URL"
STANDARD_DLQ = "MOTCUA_NOTIFICATIONS_DLQ_URL"


class Sqs:
    """The real publisher, and what each queue then holds (body, group, attributes)."""

    def __init__(self, urls: dict[str, str]) -> None:
        self.publisher = SqsPublisher()
        self.urls = urls

    def delivered(self, url: str) -> list[tuple[str, str | None, dict[str, str]]]:
        answer = boto3.client("sqs").receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=10,
            AttributeNames=["MessageGroupId"],
            MessageAttributeNames=["All"],
        )
        return [
            (
                m["Body"],
                m.get("Attributes", {}).get("MessageGroupId"),
                {k: v["StringValue"] for k, v in m.get("MessageAttributes", {}).items()},
            )
            for m in answer.get("Messages", [])
        ]


class Fake:
    def __init__(self) -> None:
        self.publisher = InMemoryPublisher()
        self.urls = {name: f"https://sqs.fake/{name}" for name in (FIFO, FIFO_DLQ, STANDARD,
                                                                   STANDARD_DLQ)}  # fmt: skip

    def delivered(self, url: str) -> list[tuple[str, str | None, dict[str, str]]]:
        none: dict[str, str] = {}  # a plain send carries no attributes
        sent = [(json.dumps(body), group, none) for to, body, group in self.publisher.sent
                if to == url]  # fmt: skip
        dead = [(letter.body, None, {"reason": letter.reason, "source": letter.source,
                                     **letter.attributes})
                for to, letter in self.publisher.dead if to == url]  # fmt: skip
        return sent + dead


@pytest.fixture(params=["memory", "sqs"])
def queue(request):
    if request.param == "memory":
        return Fake()
    return Sqs(request.getfixturevalue("queues"))


def test_a_message_arrives_with_its_body_and_group(queue):
    body = {"code": "000.00.32.H19-260302-0001", "n": 1}
    queue.publisher.send(queue.urls[FIFO], body, group=body["code"], dedup_id="c1")
    queue.publisher.send(queue.urls[STANDARD], {"key": "j1"})
    [(text, group, _)] = queue.delivered(queue.urls[FIFO])
    assert (json.loads(text), group) == (body, body["code"])
    [(text, group, _)] = queue.delivered(queue.urls[STANDARD])
    assert (json.loads(text), group) == ({"key": "j1"}, None)


def test_a_dead_letter_keeps_its_body_and_says_why(queue):
    letter = DeadLetter(body='{"raw": true}', reason="không áp dụng được", source="transitions",
                        attributes={"code": "000.00.32.H19-260302-0001"})  # fmt: skip
    queue.publisher.dead_letter(queue.urls[FIFO_DLQ], letter, group="g", dedup_id="d1")
    queue.publisher.dead_letter(queue.urls[STANDARD_DLQ], DeadLetter("plain", "bad", "notify"))
    [(body, _, attributes)] = queue.delivered(queue.urls[FIFO_DLQ])
    assert body == letter.body
    assert attributes == {"reason": "không áp dụng được", "source": "transitions",
                          "code": "000.00.32.H19-260302-0001"}  # fmt: skip
    [(body, _, attributes)] = queue.delivered(queue.urls[STANDARD_DLQ])
    assert (body, attributes) == ("plain", {"reason": "bad", "source": "notify"})


def test_sqs_cuts_a_long_reason_and_drops_empty_attributes(queues):
    """What SQS needs of message attributes (at most 256 KiB, no empty value); the fake keeps
    the letter as given."""
    sqs = Sqs(queues)
    letter = DeadLetter("b", "x" * 1200, "notify", attributes={"code": "", "kind": "sms"})
    sqs.publisher.dead_letter(sqs.urls[STANDARD_DLQ], letter)
    [(_, _, attributes)] = sqs.delivered(sqs.urls[STANDARD_DLQ])
    assert attributes == {"reason": "x" * 1000, "source": "notify", "kind": "sms"}
