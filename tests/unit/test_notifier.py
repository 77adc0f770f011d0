"""The notifier: each route once, ZNS then SMS, retries until sent, never a double."""

import random
from datetime import timedelta

import pytest

from chalicelib.adapters.delivery_log import MemoryDeliveryLog, RouteState
from chalicelib.domain.notifications import NotificationJob
from chalicelib.notify.model import Channel, Outcome, SendResult
from chalicelib.notify.providers import FlakyProvider, InMemoryProvider
from chalicelib.services.counters import RecordedCounts
from chalicelib.services.failures import PermanentFailure
from chalicelib.services.notifier import STALE_CLAIM, NotifierDeps, RetryLater, deliver
from tests.unit.builders import at

NOW = at(2026, 3, 2, 9)


def job(n=1, *, essential=True, emails=(), kind="received"):
    return NotificationJob(
        key=f"000.00.41.H19-260302-{n:04d}:v1:{kind}",
        code=f"000.00.41.H19-260302-{n:04d}",
        kind=kind,
        essential=essential,
        phone="84912345678",
        emails=emails,
        subject="Hồ sơ",
        text_vi="Hồ sơ đã được tiếp nhận",
        sms_text="Ho so da duoc tiep nhan",
        sms_parts=1,
        zns_template=kind,
        zns_data={"code": "x"},
    )


def deps(zns=None, sms=None, email=None, log=None, counter=None):
    return NotifierDeps(
        log=log or MemoryDeliveryLog(),
        sms=sms or InMemoryProvider("sns", Channel.SMS),
        email=email,
        zns=zns,
        zns_templates={"received": "1001", "result_ready": "1002"},
        counter=counter or RecordedCounts(),
    )


def test_a_job_delivered_three_times_is_sent_once():
    d = deps(zns=InMemoryProvider("zalo", Channel.ZNS))
    for _ in range(3):
        deliver(job(), d, NOW)
    assert len(d.zns.sent) == 1 and d.sms.sent == []
    assert d.zns.sent[0].template_id == "1001" and d.zns.sent[0].key == job().key


def test_no_zalo_account_falls_back_to_sms_once():
    d = deps(zns=InMemoryProvider("zalo", Channel.ZNS, script=[Outcome.NO_ACCOUNT] * 5))
    for _ in range(3):
        deliver(job(), d, NOW)
    assert len(d.zns.sent) == 1 and len(d.sms.sent) == 1
    assert d.sms.sent[0].text == "Ho so da duoc tiep nhan"
    outcomes = [(a.channel, a.outcome) for a in d.log.log]
    assert outcomes == [("zns", "no_account"), ("sms", "accepted")]


def test_transient_errors_retry_and_permanent_ones_dead_letter():
    flaky = InMemoryProvider("sns", Channel.SMS, script=[Outcome.TRANSIENT, Outcome.ACCEPTED])
    d = deps(sms=flaky)
    with pytest.raises(RetryLater):
        deliver(job(), d, NOW)
    deliver(job(), d, NOW + timedelta(seconds=30))
    assert [r.to for r in flaky.sent] == ["84912345678"] * 2
    broken = deps(sms=InMemoryProvider("sns", Channel.SMS, script=[Outcome.PERMANENT]))
    with pytest.raises(PermanentFailure, match="no channel took it"):
        deliver(job(), broken, NOW)


def test_with_30_percent_failures_every_notice_is_sent_exactly_once():
    inner = InMemoryProvider("sns", Channel.SMS)
    d = deps(sms=FlakyProvider(inner, failure_rate=0.3, seed=7))
    queue = [job(n) for n in range(200)] * 2  # every job also delivered twice
    random.Random(3).shuffle(queue)
    rounds = 0
    while queue and rounds < 50:
        rounds += 1
        retry = []
        for item in queue:
            try:
                deliver(item, d, NOW + timedelta(minutes=rounds))
            except RetryLater:
                retry.append(item)
        queue = retry
    assert queue == []
    sent = [m.key for m in inner.sent]
    assert len(sent) == 200 and len(set(sent)) == 200


def test_a_crash_after_the_provider_took_it_is_never_resent():
    class DiesAfterSending(InMemoryProvider):
        def send(self, message):
            super().send(message)
            raise SystemExit("the notifier died")

    log = MemoryDeliveryLog()
    with pytest.raises(SystemExit):
        deliver(job(), deps(sms=DiesAfterSending("sns", Channel.SMS), log=log), NOW)
    survivor = deps(log=log)
    with pytest.raises(RetryLater):  # too soon to tell a crash from a slow send
        deliver(job(), survivor, NOW + timedelta(minutes=1))
    with pytest.raises(PermanentFailure, match="not sent again"):
        deliver(job(), survivor, NOW + STALE_CLAIM + timedelta(minutes=1))
    assert survivor.sms.sent == []
    assert log.routes[(job().key, "phone")][0] is RouteState.UNKNOWN
    deliver(job(), survivor, NOW + STALE_CLAIM * 2)  # and stays quiet afterwards
    assert survivor.sms.sent == []


def test_opt_out_stops_the_survey_but_never_the_result():
    d = deps()
    d.log.set_opt_out("84912345678", True, "STOP reply", NOW)
    deliver(job(kind="survey_invitation", essential=False), d, NOW)
    deliver(job(2, kind="result_ready"), d, NOW)
    assert [m.key for m in d.sms.sent] == [job(2, kind="result_ready").key]
    assert any(a.outcome == "opted_out" for a in d.log.log)


def test_email_goes_separately_and_once():
    email = InMemoryProvider("ses", Channel.EMAIL, script=[Outcome.TRANSIENT, Outcome.ACCEPTED])
    d = deps(email=email)
    item = job(kind="result_ready", emails=("lan@example.vn",))
    with pytest.raises(RetryLater):
        deliver(item, d, NOW)
    deliver(item, d, NOW + timedelta(minutes=1))
    deliver(item, d, NOW + timedelta(minutes=2))
    assert len(d.sms.sent) == 1 and len(email.sent) == 2  # the failed try and the one sent
    assert [a.outcome for a in d.log.log if a.channel == "email"] == ["transient", "accepted"]


def test_delivery_receipts_are_recorded():
    d = deps(
        sms=InMemoryProvider(
            "sns", Channel.SMS, script=lambda m: SendResult(Outcome.ACCEPTED, "sns", "m-1")
        )
    )
    deliver(job(), d, NOW)
    assert d.log.receipt("sns", "m-1", "delivered", NOW + timedelta(seconds=5))
    assert not d.log.receipt("sns", "m-unknown", "delivered", NOW)
    [attempt] = d.log.attempts(job().code)
    assert attempt.delivery == "delivered"


def test_each_send_is_counted_by_channel_and_outcome():
    counts = RecordedCounts()
    d = deps(zns=InMemoryProvider("zalo", Channel.ZNS, script=[Outcome.NO_ACCOUNT]), counter=counts)
    deliver(job(), d, NOW)
    deliver(job(), d, NOW)  # sent already: nothing sent, nothing counted
    assert counts.counted == [
        ("NotificationFailed", 1, {"channel": "zns"}),
        ("NotificationSent", 1, {"channel": "sms"}),
    ]


def test_a_landline_job_sends_no_sms_only_its_email():
    email = InMemoryProvider("ses", Channel.EMAIL)
    d = deps(zns=InMemoryProvider("zalo", Channel.ZNS), email=email)
    landline = job(emails=("lan@example.vn",)).model_copy(
        update={"phone": "842513822222", "landline": True, "sms_text": None, "sms_parts": None}
    )
    attempts = deliver(landline, d, NOW)
    assert d.sms.sent == [] and d.zns.sent == []
    assert [a.channel for a in attempts] == ["email"] and len(email.sent) == 1


def test_an_officials_zns_alert_goes_by_zns_alone_never_by_sms():
    alert = job(kind="official_alert").model_copy(update={"sms_text": None, "sms_parts": None})
    d = deps(zns=InMemoryProvider("zalo", Channel.ZNS))
    d = NotifierDeps(log=d.log, sms=d.sms, zns=d.zns, zns_templates={"official_alert": "2001"})
    deliver(alert, d, NOW)
    assert [m.template_id for m in d.zns.sent] == ["2001"] and d.sms.sent == []
    refused = NotifierDeps(log=MemoryDeliveryLog(), sms=InMemoryProvider("sns", Channel.SMS),
                           zns=InMemoryProvider("zalo", Channel.ZNS, script=[Outcome.NO_ACCOUNT]),
                           zns_templates={"official_alert": "2001"})  # fmt: skip
    with pytest.raises(PermanentFailure):
        deliver(alert, refused, NOW)
    assert refused.sms.sent == []  # an official's alert has no SMS fallback (the e-mail has it)
