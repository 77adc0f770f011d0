"""What `make run` and `cli outbox` show people: Vietnam time, the ZNS → SMS fallback, the
fake Zalo's rules as `--zns-errors` gives them."""

import logging

import pytest

from chalicelib.services.outbox import outbox_listing, vietnam_time
from devstack.__main__ import VietnamTimeFormatter, arguments, zns_rules_of
from devstack.fake_zns import DEMO_RULES

SENT = [
    {"at": "2026-12-05T09:40:01+00:00", "channel": "zns", "to": "84987654321",
     "key": "000.00.41.H19-261205-0001:v1:received", "text": "Ho so da tiep nhan",
     "refused": "no_account: -118: Zalo account not existed"},
    {"at": "2026-12-05T09:40:01+00:00", "channel": "sms", "to": "84987654321",
     "key": "000.00.41.H19-261205-0001:v1:received", "text": "Ho so da tiep nhan", "parts": 1},
    {"at": "2026-12-05T20:00:00+00:00", "channel": "email", "to": "a@example.vn",
     "key": "000.00.41.H19-261205-0002:v1:received:a@example.vn", "subject": "Hồ sơ", "text": ""},
]  # fmt: skip


def test_the_outbox_is_listed_in_vietnam_time_with_the_fallback_said():
    zns, sms, email = outbox_listing(SENT)
    assert zns.startswith("05/12/2026 16:40:01  zns ") and "-118" in zns and "falls back" in zns
    assert sms.startswith("05/12/2026 16:40:01  sms ") and "(1 SMS)" in sms
    assert email.startswith("06/12/2026 03:00:00  email")  # the next day here
    assert outbox_listing(SENT, code="261205-0002") == [email]


def test_a_time_without_its_offset_is_shown_as_it_is():
    assert vietnam_time("2026-12-05T09:40:01") == "2026-12-05T09:40:01"
    assert vietnam_time("not a time") == "not a time"


def test_make_runs_log_lines_are_in_vietnam_time():
    record = logging.LogRecord("devstack", logging.INFO, __file__, 1, "started", None, None)
    record.created, record.msecs = 1796463601.0, 0  # 2026-12-05T09:40:01Z
    assert VietnamTimeFormatter("%(asctime)s %(message)s").format(record) == (
        "05/12/2026 16:40:01,000 started"
    )


def test_the_fake_zalos_errors_come_from_the_option():
    assert zns_rules_of(None) == DEMO_RULES
    assert zns_rules_of("none") == {}
    assert zns_rules_of("0912345678=-118, *=-144") == {"0912345678": -118, "*": -144}
    with pytest.raises(ValueError):
        zns_rules_of("0912345678")


def test_every_port_is_an_option():
    args = arguments().parse_args(
        ["--port", "8791", "--moto-port", "5791", "--portal-port", "5792", "--zns-port", "5793",
         "--paygov-port", "5794"]
    )  # fmt: skip
    ports = (args.port, args.moto_port, args.portal_port, args.zns_port, args.paygov_port)
    assert ports == (8791, 5791, 5792, 5793, 5794)
