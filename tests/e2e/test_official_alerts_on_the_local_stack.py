"""Officials' own alerts on the local stack as `make run` configures it (issue 21): an overdue
dossier's alarm reaches the official who holds it and their leader by e-mail, and by Zalo ZNS
through the fake Zalo as both gave a ZNS number (data/sample_officials.yaml); the outbox shows
every one."""

import json
import uuid
from datetime import datetime, timedelta

import pytest

from chalicelib import cli
from chalicelib.adapters.catalog_files import DATA_DIR
from chalicelib.adapters.officials_directory import FileOfficials
from chalicelib.adapters.sample_officials import SAMPLE_OFFICIALS_FILE
from chalicelib.domain.calendar import LOCAL_TZ
from chalicelib.notify.providers.local_outbox import read_outbox
from devstack import demo
from devstack.fake_zns import DEMO_RULES
from devstack.stack import LocalStack

pytestmark = pytest.mark.e2e

HOLDER, LEADER = "ward_specialist", "ward_leader"  # both with a zns_phone in the samples


def test_an_overdue_alarm_reaches_holder_and_leader_by_email_and_zns(capsys):
    directory = FileOfficials(DATA_DIR / SAMPLE_OFFICIALS_FILE)  # the local stage's
    holder, leader = directory.get(HOLDER), directory.get(LEADER)
    assert holder and holder.zns_phone and holder.email
    assert leader and leader.zns_phone and leader.email
    # As `make run` starts it: the fake Zalo on, with the demo's errors on demand.
    with LocalStack(port=0, moto_port=0, prefix=f"oa{uuid.uuid4().hex[:6]}-",
                    zns_rules=DEMO_RULES, save_every=0) as stack:  # fmt: skip
        cast = demo.Cast.local(stack.base_url)
        submitted = datetime.now(LOCAL_TZ).replace(microsecond=0) - timedelta(minutes=5)
        receipt = cast.portal.submit(
            {
                "external_id": f"oa-{uuid.uuid4().hex[:8]}",
                "procedure_code": "1.000656",  # one working day
                "channel": 2,
                "applicant": {"name": "Trịnh Văn Long", "kind": 1, "phone": "0912000111"},
                "resolving_agency": demo.WARD,
                "received_by_agency": demo.WARD,
                "submitted_at": submitted.isoformat(),
                "awaiting_counter_check": False,
            }
        )
        code = receipt["code"]
        cast.officials[HOLDER].act(code, "take_up")
        stack.drain()
        before = len(read_outbox(stack.outbox_path))

        # The timer, as an operator fires it, a month on: only the overdue alarm is still true.
        later = (submitted + timedelta(days=30)).isoformat()
        assert cli.main(["timers", "run", "--now", later]) == 0
        assert f"{code} overdue" in capsys.readouterr().out
        stack.drain()

        alerts = [m for m in read_outbox(stack.outbox_path)[before:] if m["key"].startswith(code)]
        by_channel = {(m["channel"], m["to"]) for m in alerts}
        assert by_channel == {
            ("email", holder.email),
            ("email", leader.email),
            ("zns", holder.zns_phone),
            ("zns", leader.zns_phone),
        }, alerts
        assert len(alerts) == 4  # one message per dossier per catch-up, on each channel
        template = json.loads(stack.settings.zns_templates)["official_alert"]
        for zns in (m for m in alerts if m["channel"] == "zns"):
            assert zns["template_id"] == template and zns["template_data"]["code"] == code
            assert "refused" not in zns  # the fake Zalo took it (no SMS fallback for officials)
        taken = {m["phone"]: m["error"] for m in stack.zns.messages}
        assert taken[holder.zns_phone] == 0 and taken[leader.zns_phone] == 0
