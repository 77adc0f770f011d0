"""The citizen's voice end to end on the local stack (issue 19, "Must show"):

- a dossier returned → the rating invitation sent once (with its signed link) → the rating
  recorded → QĐ 766 5.4 from it; a second rating within the period replaces the first; after
  the period it is refused with a clear error (an injected clock);
- a PAKN from each source (the national portal, the 1022 hotline, an official typing a call
  in) handled to its answer, with its due-soon and overdue alarms fired once each by the
  deadline timer on an injected clock, the reply delivered, the on-time share (5.2) counted.
"""

import json
import time
import uuid
from datetime import datetime, timedelta
from urllib.parse import urlparse

import pytest

from chalicelib import bootstrap
from chalicelib.clock import FixedClock
from chalicelib.domain.calendar import LOCAL_TZ
from chalicelib.notify.providers.local_outbox import read_outbox
from chalicelib.settings import DEV_WEBHOOK_SECRET
from devstack import demo
from devstack.client import Portal
from devstack.stack import DEVICE_CLIENT, HOTLINE_CLIENT, LocalStack

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def stack():
    with LocalStack(port=0, moto_port=0, prefix=f"v{uuid.uuid4().hex[:6]}-") as running:
        running.outbox_path.unlink(missing_ok=True)
        yield running


@pytest.fixture(scope="module")
def cast(stack):
    return demo.Cast.local(stack.base_url)


@pytest.fixture
def clock():
    """The stack's clock, fixed for the test and given back after."""
    container = bootstrap.container()
    kept = container.clock
    fixed = FixedClock(datetime.now(LOCAL_TZ).replace(microsecond=0))
    container.clock = fixed
    yield fixed
    container.clock = kept


def sent(stack, prefix):
    stack.drain()
    return [m for m in read_outbox(stack.outbox_path) if m["key"].startswith(prefix)]


def report(cast, month):
    answer = cast.officials["ward_leader"].get(
        f"/v1/reports/766?agency={demo.WARD}&from={month}&to={month}"
    )
    assert answer.status == 200, answer.body
    return answer.body


def test_a_returned_dossier_is_rated_once_replaced_then_closed(stack, cast, clock):
    code = demo.birth_registration(cast)
    invitations = [m for m in sent(stack, code) if "survey_invitation" in m["key"]]
    # one notice, by SMS and by email, each exactly once
    assert sorted(m["channel"] for m in invitations) == ["email", "sms"], invitations
    # The link opens the rating page (tests/browser/test_rating.py); the API takes its token.
    link = next(w for w in invitations[0]["text"].split() if "/danh-gia/" in w)
    path = "/v1/public/ratings/" + urlparse(link).path.rsplit("/", 1)[1]
    page = cast.api.expect(cast.api.call("GET", path), 200)
    assert page["code"] == code and page["current"] is None and page["returned_at"]

    def rate(body, *statuses):
        raw = json.dumps(body).encode()
        answer = cast.api.call("POST", path, body=raw,
                               headers={"Content-Type": "application/json"})  # fmt: skip
        return cast.api.expect(answer, *statuses)

    month = datetime.fromisoformat(page["returned_at"]).strftime("%Y-%m")
    first = rate({"satisfied": False, "reasons": ["official"], "comment": "Chờ lâu"}, 200)
    assert first["replaced"] is False
    counted = report(cast, month)
    assert (counted["counts"]["rated"], counted["counts"]["unsatisfied"]) == (1, 1)
    five_four = counted["indicators"]["5.4"]
    assert (five_four["numerator"], five_four["denominator"]) == (0, 1)  # on time, disliked

    clock.set(clock.now() + timedelta(days=2))
    second = rate({"satisfied": True}, 200)
    assert second["replaced"] is True and second["satisfied"] is True
    counted = report(cast, month)
    assert (counted["counts"]["rated"], counted["counts"]["unsatisfied"]) == (1, 0)
    assert counted["indicators"]["5.4"]["value"] == 100.0

    returned = datetime.fromisoformat(page["returned_at"])
    clock.set(returned + timedelta(days=31))
    refused = rate({"satisfied": False, "reasons": ["result"]}, 409)
    assert refused["errors"][0]["field"] == "rated_at"
    assert "Đã hết thời hạn đánh giá" in refused["errors"][0]["message"]
    device = Portal(cast.api, DEVICE_CLIENT, DEV_WEBHOOK_SECRET)
    late = device.post("/v1/webhooks/ratings", {
        "rating_id": "kiosk-late", "code": code, "satisfied": False, "reasons": ["access"],
        "rated_at": clock.now().isoformat()})  # fmt: skip
    assert late.status == 409 and late.body["errors"][0]["field"] == "rated_at"
    assert report(cast, month)["counts"]["rated"] == 1  # nothing more counted
    view = cast.officials["ward_leader"].dossier(code)
    assert [e["action"] for e in view["history"]].count("rated") == 2
    assert len([m for m in sent(stack, code) if "survey_invitation" in m["key"]]) == 2


def test_a_pakn_from_each_source_is_handled_to_its_answer(stack, cast, clock):
    about = demo.birth_registration(cast)  # the portal's PAKN is about this dossier
    monday = datetime(2026, 12, 7, 9, 0, tzinfo=LOCAL_TZ)
    clock.set(monday)
    o = cast.officials
    person = {"name": "Trần Thị Bình", "phone": "0912345678", "email": "binh@example.vn"}
    body = {"kind": "complaint", "agency": demo.WARD, "title": "Chậm trả kết quả",
            "content": "Hồ sơ quá hẹn.", "person": person,
            "received_at": monday.isoformat()}  # fmt: skip
    ids = {}
    sources = (("national_portal", "portal-dev", about), ("hotline_1022", HOTLINE_CLIENT, None))
    for source, client, dossier in sources:
        sender = Portal(cast.api, client, DEV_WEBHOOK_SECRET)
        sent_body = {**body, "channel": source, "external_id": f"{source}-1",
                     "dossier_code": dossier}  # fmt: skip
        answer = sender.post("/v1/webhooks/feedback", sent_body)
        assert answer.status == 201, answer.body
        time.sleep(1.1)  # a re-send is a new request: another second, another signature
        assert sender.post("/v1/webhooks/feedback", sent_body).status == 200
        ids[source] = answer.body["id"]
    typed = o["ward_receiver"].post(
        "/v1/feedback",
        {
            "channel": "phone",
            "title": "Góp ý",
            "content": "Đề nghị mở cửa thứ Bảy.",
            "kind": "suggestion",
            "person": {"name": "Lê Văn Cường", "phone": "0903123456"},
        },
    )
    assert typed.status == 201, typed.body
    ids["phone"] = typed.body["id"]
    assert typed.body["due_at"].startswith("2026-12-21T09:00")  # 10 working days

    def act(who, feedback_id, action, **fields):
        current = cast.api.expect(o["ward_leader"].get(f"/v1/feedback/{feedback_id}"), 200)
        answer = o[who].post(f"/v1/feedback/{feedback_id}/actions",
                             {"action": action, "expected_revision": current["revision"],
                              **fields})  # fmt: skip
        return cast.api.expect(answer, 200)

    handler = {"id": "ward_specialist", "name": "Lê Văn Hùng", "unit": "VAN_PHONG"}
    for feedback_id in ids.values():
        act("ward_leader", feedback_id, "assign", assignee=handler)
        act("ward_specialist", feedback_id, "start")
    on_time = act("ward_specialist", ids["phone"], "answer", answer="Sẽ xem xét, cảm ơn ông.")
    assert on_time["on_time"] is True

    def fired_at(moment):
        clock.set(moment)
        summary = stack.run_schedule("deadline_timer")
        return sorted(a for a in summary["alarms_fired"] if a.startswith("PA-"))

    soon = fired_at(datetime(2026, 12, 18, 10, 0, tzinfo=LOCAL_TZ))
    assert soon == sorted(
        f"{i} feedback_due_soon" for i in (ids["national_portal"], ids["hotline_1022"])
    )
    assert fired_at(datetime(2026, 12, 18, 11, 0, tzinfo=LOCAL_TZ)) == []  # once
    late = fired_at(datetime(2026, 12, 21, 9, 30, tzinfo=LOCAL_TZ))
    assert late == sorted(
        f"{i} feedback_overdue" for i in (ids["national_portal"], ids["hotline_1022"])
    )
    assert fired_at(datetime(2026, 12, 22, 9, 0, tzinfo=LOCAL_TZ)) == []  # once
    for source in ("national_portal", "hotline_1022"):
        answered = act("ward_specialist", ids[source], "answer", answer="Đã trả kết quả.")
        assert answered["on_time"] is False
    act("ward_leader", ids["national_portal"], "publish")

    stack.drain()
    replies = [m for m in read_outbox(stack.outbox_path) if "feedback_answered" in m["key"]]
    assert sorted({m["key"].split(":")[0] for m in replies}) == sorted(ids.values())
    assert {m["to"] for m in replies if m["channel"] == "sms"} == {"84912345678", "84903123456"}
    alerts = [m for m in read_outbox(stack.outbox_path) if ":alarm:feedback_" in m["key"]]
    # two PAKN × (due soon, overdue), once each (one line per mailbox of the ward)
    assert len({":".join(m["key"].split(":")[:3]) for m in alerts}) == 4
    counted = report(cast, "2026-12")
    counts = counted["counts"]
    assert (counts["feedback_in_scope"], counts["feedback_on_time"],
            counts["feedback_late"]) == (3, 1, 2)  # fmt: skip
    assert counted["indicators"]["5.2"]["value"] == 33.33
    assert counts["complained"] == 1  # the dossier the portal's PAKN named: 5.4's term
    history = o["ward_leader"].dossier(about)["history"]
    told = [(e["action"], e["feedback_id"]) for e in history if e["action"].startswith("feedback")]
    assert told == [("feedback_received", ids["national_portal"]),
                    ("feedback_answered", ids["national_portal"])]  # fmt: skip
    assert "Trần Thị Bình" not in str(history)  # the person stays with the PAKN
