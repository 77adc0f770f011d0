"""The local stack as `make run` runs it (issue 21): notices go ZNS first to the fake Zalo, a
phone not on Zalo falls back to SMS and the outbox shows both; the data outlives a restart."""

import json
import uuid

import pytest

from chalicelib.notify.providers.local_outbox import read_outbox
from chalicelib.services.outbox import outbox_listing
from devstack import demo
from devstack.fake_zns import NOT_ON_ZALO
from devstack.stack import LocalStack

pytestmark = pytest.mark.e2e

NOT_ON_ZALO_PHONE = "0908777666"


def submit(cast, phone):
    receipt = cast.portal.submit(
        {
            "external_id": f"zns-{uuid.uuid4().hex[:8]}",
            "procedure_code": "1.000656",
            "channel": 2,
            "applicant": {"name": "Trịnh Văn Long", "kind": 1, "phone": phone},
            "resolving_agency": demo.WARD,
            "received_by_agency": demo.WARD,
            "submitted_at": "2026-11-20T09:00:00+07:00",
            "awaiting_counter_check": False,
        }
    )
    assert receipt.get("code"), receipt
    return receipt["code"]


def sent_for(stack, code):
    return [m for m in read_outbox(stack.outbox_path) if m["key"].startswith(code)]


def stream_records(stack):
    table = stack.aws_client("dynamodb").describe_table(TableName=stack.env["MOTCUA_TABLE"])
    arn = table["Table"]["LatestStreamArn"]
    streams = stack.aws_client("dynamodbstreams")
    records = []
    for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
        iterator = streams.get_shard_iterator(
            StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        records += streams.get_records(ShardIterator=iterator, Limit=1000)["Records"]
    return records


def test_zns_first_the_sms_fallback_and_the_data_kept_across_a_restart(tmp_path):
    saved = tmp_path / "data"
    first = LocalStack(
        port=0,
        moto_port=0,
        prefix=f"lp{uuid.uuid4().hex[:6]}-",
        zns_rules={NOT_ON_ZALO_PHONE: NOT_ON_ZALO},
        keep_state=saved,
        save_every=0,
    )
    with first:
        assert "Data: kept in" in first.describe() and "nothing saved before" in first.describe()
        cast = demo.Cast.local(first.base_url)
        on_zalo = submit(cast, "0912000111")
        not_on_zalo = submit(cast, NOT_ON_ZALO_PHONE)
        first.drain()

        zns = sent_for(first, on_zalo)
        assert [(m["channel"], m.get("refused")) for m in zns] == [("zns", None)]
        assert zns[0]["to"] == "84912000111" and zns[0]["template_id"]

        fallback = sent_for(first, not_on_zalo)
        assert [m["channel"] for m in fallback] == ["zns", "sms"]
        assert fallback[0]["refused"].startswith(f"no_account: {NOT_ON_ZALO}")
        listing = "\n".join(outbox_listing(fallback))
        assert "falls back" in listing and "+07" not in listing

        taken = {(m["phone"], m["error"]) for m in first.zns.messages}
        assert taken == {("84912000111", 0), ("84908777666", NOT_ON_ZALO)}
        official = cast.officials["ward_leader"]
        before = official.dossier(not_on_zalo)

    # Another stack (another prefix: moto's memory is shared in one process, so its tables
    # start empty) takes the saved data.
    second = LocalStack(
        port=0, moto_port=0, prefix=f"lq{uuid.uuid4().hex[:6]}-", keep_state=saved, save_every=0
    )
    with second:
        assert second.restored is not None and second.restored.items > 0
        assert "restored" in second.describe_state()
        # Restoring wrote no stream records: the stream handlers do not run again for them.
        assert not_on_zalo not in json.dumps(stream_records(second), default=str)
        official = demo.Cast.local(second.base_url).officials["ward_leader"]
        after = official.dossier(not_on_zalo)
        assert after["dossier"]["code"] == not_on_zalo
        assert after["dossier"] == before["dossier"]
        # The delivery log is in the table too.
        assert after["deliveries"] == before["deliveries"] and after["deliveries"]
        second.drain()
        assert read_outbox(second.outbox_path) == []
