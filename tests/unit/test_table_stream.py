"""chalicelib/adapters/table_stream.py: stream records as the relay receives them, read into
the jobs to send and the dossier states to sync."""

import base64

from chalicelib.adapters import table_stream
from chalicelib.adapters.packing import pack
from chalicelib.adapters.queues import InMemoryPublisher
from chalicelib.domain.notifications import NotificationJob
from chalicelib.ports.records import JOBS_JSON
from chalicelib.services import outbox

CODE = "000.00.41.H19-261121-0001"
JOB = NotificationJob(
    key=f"{CODE}:v1:received", code=CODE, kind="received", essential=True,
    phone="84912345678", subject="Hồ sơ", text_vi="Hồ sơ đã được tiếp nhận",
    sms_text="Ho so da duoc tiep nhan", sms_parts=1,
)  # fmt: skip
PLAIN_OUTBOX = {"S": JOBS_JSON.dump_json([JOB]).decode()}
# A stream event carries a binary attribute as base64 text.
OUTBOX = {"B": base64.b64encode(pack(JOBS_JSON.dump_json([JOB]))["B"]).decode()}


def record(event, **image):
    return {"eventName": event, "dynamodb": {"Keys": {}, "NewImage": {"PK": {"S": f"D#{CODE}"},
                                                                      **image}}}  # fmt: skip


def test_a_new_item_with_an_outbox_carries_its_jobs_once():
    inserted = record("INSERT", SK={"S": "H#000001"}, outbox=OUTBOX)
    assert table_stream.changes_in(inserted) == [table_stream.OutboxWritten((JOB,))]
    modified = record("MODIFY", SK={"S": "H#000001"}, outbox=OUTBOX)
    assert table_stream.changes_in(modified) == []  # jobs are sent when new only
    assert table_stream.changes_in(record("INSERT", SK={"S": "H#2"}, outbox={"S": "[]"})) == []
    before_packing = record("INSERT", SK={"S": "H#000001"}, outbox=PLAIN_OUTBOX)
    assert table_stream.changes_in(before_packing) == [table_stream.OutboxWritten((JOB,))]


def test_a_new_dossier_with_notices_is_both_jobs_then_a_state():
    inserted = record("INSERT", SK={"S": "STATE"}, revision={"N": "1"}, outbox=OUTBOX)
    assert table_stream.changes_in(inserted) == [
        table_stream.OutboxWritten((JOB,)),
        table_stream.StateWritten(code=CODE, revision=1),
    ]


def test_the_outbox_service_relays_each_job_as_json():
    publisher = InMemoryPublisher()
    [written] = table_stream.changes_in(record("INSERT", SK={"S": "H#1"}, outbox=OUTBOX))
    outbox.relay(written, publisher, "notifications")
    assert publisher.sent == [("notifications", JOB.model_dump(mode="json"), None)]
