"""One Lambda batch: failures reported per record, dead letters carry their reason."""

import json

import pytest

from chalicelib.adapters.queues import InMemoryPublisher
from chalicelib.handlers.dead_letters import MemoryLetters
from chalicelib.handlers.sqs import process_batch
from chalicelib.services.failures import PermanentFailure
from chalicelib.settings import Settings


def record(message_id, body, receive_count=1, group=None):
    attributes = {"ApproximateReceiveCount": str(receive_count), "SentTimestamp": "1",
                  "SenderId": "x", "ApproximateFirstReceiveTimestamp": "1"}  # fmt: skip
    if group:
        attributes |= {"MessageGroupId": group, "MessageDeduplicationId": message_id,
                       "SequenceNumber": "1"}  # fmt: skip
    return {
        "messageId": message_id, "receiptHandle": f"rh-{message_id}",
        "body": body if isinstance(body, str) else json.dumps(body),
        "attributes": attributes, "messageAttributes": {}, "md5OfBody": "-",
        "eventSource": "aws:sqs", "awsRegion": "ap-southeast-1",
        "eventSourceARN": "arn:aws:sqs:ap-southeast-1:123456789012:q" + (".fifo" if group else ""),
    }  # fmt: skip


LAST_ATTEMPT = Settings().last_attempt  # what the workers are given by default


def run(records, handle, fifo=False, letters=None, on_dead_letter=None):
    publisher = InMemoryPublisher()
    result = process_batch({"Records": records}, None, handle, publisher=publisher,
                           dlq_url="dlq", source="test", fifo=fifo,
                           letters=letters or MemoryLetters(), last_attempt=LAST_ATTEMPT,
                           on_dead_letter=on_dead_letter)  # fmt: skip
    return result, publisher


def handler(seen):
    def handle(body):
        seen.append(body["n"])
        if body.get("fail") == "transient":
            raise ConnectionError("provider timed out")
        if body.get("fail") == "permanent":
            raise PermanentFailure("unknown dossier")

    return handle


def test_only_the_failed_record_is_reported():
    seen = []
    result, publisher = run([record("a", {"n": 1}), record("b", {"n": 2, "fail": "transient"}),
                             record("c", {"n": 3})], handler(seen))  # fmt: skip
    assert result == {"batchItemFailures": [{"itemIdentifier": "b"}]}
    assert seen == [1, 2, 3] and publisher.dead == []


def test_permanent_failures_and_broken_bodies_go_to_the_dlq_with_the_reason():
    seen = []
    result, publisher = run([record("a", {"n": 1, "fail": "permanent"}),
                             record("b", "{not json")], handler(seen))  # fmt: skip
    assert result == {"batchItemFailures": []}
    reasons = [(letter.attributes["message_id"], letter.reason) for _, letter in publisher.dead]
    assert reasons[0] == ("a", "unknown dossier")
    assert reasons[1][0] == "b" and reasons[1][1].startswith("body is not JSON")


def test_the_last_attempt_dead_letters_instead_of_failing():
    seen = []
    body = {"n": 1, "fail": "transient"}
    early, _ = run([record("a", body, receive_count=3)], handler(seen))
    assert early == {"batchItemFailures": [{"itemIdentifier": "a"}]}
    letters = MemoryLetters()
    last, publisher = run([record("a", body, receive_count=4)], handler(seen), letters=letters)
    assert last == {"batchItemFailures": []}
    [(dlq, letter)] = publisher.dead
    assert dlq == "dlq" and "failed 4 times" in letter.reason and "timed out" in letter.reason
    sealed = json.loads(letter.body)  # the DLQ's copy is masked; the original is parked
    assert sealed["masked"] == body and json.loads(letters.parked(sealed["parked"])) == body


def test_fifo_stops_the_group_after_a_failure_but_not_other_groups():
    seen = []
    records = [record("a1", {"n": 1, "fail": "transient"}, group="A"),
               record("a2", {"n": 2}, group="A"), record("b1", {"n": 3}, group="B")]  # fmt: skip
    result, _ = run(records, handler(seen), fifo=True)
    failed = {item["itemIdentifier"] for item in result["batchItemFailures"]}
    assert failed == {"a1", "a2"}
    assert 2 not in seen and 3 in seen  # a2 must not overtake a1


@pytest.mark.parametrize("fifo", [False, True])
def test_a_contract_violation_is_permanent(fifo):
    def handle(body):
        from chalicelib.services.envelopes import TransitionEnvelope

        TransitionEnvelope.model_validate(body)

    result, publisher = run([record("x", {"kind": "transition.v1"}, group="G" if fifo else None)],
                            handle, fifo=fifo)  # fmt: skip
    assert result == {"batchItemFailures": []}
    assert "does not match its contract" in publisher.dead[0][1].reason
    assert publisher.dead[0][1].attributes["receive_count"] == "1"


def test_a_retried_record_is_delayed_more_each_time():
    delays = []
    seen = []
    publisher = InMemoryPublisher()
    for attempt in (1, 2, 3):
        process_batch(
            {"Records": [record("a", {"n": 1, "fail": "transient"}, attempt)]},
            None,
            handler(seen),
            publisher=publisher,
            dlq_url="dlq",
            source="test",
            fifo=False,
            backoff=lambda r, s: delays.append((r.message_id, s)),
            letters=MemoryLetters(),
            last_attempt=LAST_ATTEMPT,
        )
    assert delays == [("a", 30), ("a", 60), ("a", 120)]


def test_the_worker_is_told_of_each_dead_letter_and_its_own_failure_loses_nothing():
    told = []
    body = {"n": 7, "fail": "permanent"}

    def tell(raw, reason):
        told.append((json.loads(raw), reason))

    _, publisher = run([record("a", body)], handler([]), on_dead_letter=tell)
    assert told == [(body, "unknown dossier")] and len(publisher.dead) == 1

    def broken(raw, reason):
        raise ConnectionError("table unavailable")

    result, publisher = run([record("b", body)], handler([]), on_dead_letter=broken)
    assert result == {"batchItemFailures": []} and len(publisher.dead) == 1
