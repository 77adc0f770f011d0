"""The national portal sync end to end: the demo's dossiers pushed to a fake portal on loopback
that fails 20% of pushes (half of those after recording them) and loses 20% more after
acknowledging them. The queue's retries and dead letters leave it behind on some dossiers, which
our log of acknowledgements cannot see; the nightly reconciliation against the portal's own view
(`portal_reconcile`, run by the stack's scheduler) leaves it holding every dossier's latest
status, dates and steps, and reports 0 differences."""

import uuid

import pytest

from chalicelib import bootstrap, ops
from chalicelib.domain.calendar import LOCAL_TZ
from chalicelib.services import portal_sync
from devstack import demo
from devstack.stack import LocalStack

pytestmark = pytest.mark.e2e

ROUNDS = 2  # the demo's three dossiers, twice over


@pytest.fixture(scope="module")
def stack():
    # A failed push is retried at once (not after 1 s): the portal fails at random, not for a
    # while, so the retries and the way to the DLQ are the same, without the waits.
    with LocalStack(port=0, moto_port=0, prefix=f"ps{uuid.uuid4().hex[:6]}-",
                    portal_fail_rate=0.2, retry_visibility_timeout=0) as running:  # fmt: skip
        running.portal.lose_rate = 0.2
        yield running


def reconcile(*, repush: bool) -> dict:
    """The operator's `cli portal reconcile [--repush]` on the running stack."""
    deps = bootstrap.container()
    return ops.reconcile_portal(deps, repush=repush, now=deps.now())


def ours(code: str) -> tuple[dict, list[dict]]:
    """The dossier item and steps we would push now."""
    deps = bootstrap.container().portal_sync_deps()
    return portal_sync.portal_items(deps.store.load(code), deps)


def dead_letters(stack):
    sqs = stack.aws_client("sqs")
    url = stack.resources["MOTCUA_PORTAL_SYNC_DLQ_URL"]
    letters = []
    while True:
        batch = sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]
        ).get("Messages", [])
        if not batch:
            return letters
        letters += batch
        for message in batch:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def test_a_lossy_portal_ends_the_night_holding_every_dossier_as_we_do(stack, capsys):
    codes = [code for _ in range(ROUNDS) for code in demo.run(stack.base_url)]
    stack.drain(180)
    letters = dead_letters(stack)
    assert all(m["MessageAttributes"]["reason"]["StringValue"] for m in letters)

    nightly = stack.run_schedule("portal_reconcile")

    store = bootstrap.container().store
    for code in codes:
        record = store.load(code)
        on_portal = stack.portal.dossiers[code]
        snapshot, steps = ours(code)
        assert on_portal == snapshot, code  # status, dates and everything else
        assert on_portal["TrangThaiHoSo"] == str(int(record.dossier.status)), code
        local_due = record.dossier.due_at.astimezone(LOCAL_TZ)
        assert on_portal["NgayHenTra"] == local_due.strftime("%Y%m%d%H%M%S")
        # The same fees at the portal as here (the push once sent `MucPhi`, which the portal
        # and our own intake read as no fee at all).
        procedure = bootstrap.container().catalog.get(
            record.dossier.procedure_code, record.dossier.procedure_version
        )
        fees = [(f["TenPhiLePhi"], int(f["Gia"])) for f in on_portal["DanhSachLePhi"]]
        assert fees == [(f.name, f.amount_vnd) for f in procedure.fees], code
        held_steps = stack.portal.steps_of(code)
        assert all(step in held_steps for step in steps), code
        assert sorted(int(s["TrangThai"]) for s in held_steps) == sorted(
            int(e.to_status) for e in record.history
        ), code  # each step once
    assert nightly["checked"] == len(set(codes)) and nightly["not_checked"] == 0, nightly
    assert nightly["differing"] == 0, nightly
    assert reconcile(repush=False)["found"] == 0  # the operator's look finds nothing either
    charged = [int(f["Gia"]) for c in codes for f in stack.portal.dossiers[c]["DanhSachLePhi"]]
    assert any(amount > 0 for amount in charged)  # the land dossier's fees, at least

    counts = stack.portal.counts
    assert counts["failed"] + counts["recorded_then_failed"] > 0  # the portal did fail
    with capsys.disabled():
        print(
            f"\nportal sync, 20% failing and 20% lost: {len(codes)} dossiers, {counts['pushes']} "
            f"pushes, {counts['failed']} failed before recording, "
            f"{counts['recorded_then_failed']} after, {counts['lost']} lost after acknowledging; "
            f"{len(letters)} sync message(s) dead-lettered; the nightly reconciliation found "
            f"{nightly['found']} differing, repushed in {nightly['rounds']} round(s), "
            f"{nightly['differing']} left"
        )


def test_reconcile_repush_through_the_cli_reaches_a_portal_that_was_down(stack):
    stack.portal.fail_rate, stack.portal.lose_rate = 1.0, 0.0
    [code, *_] = demo.run(stack.base_url)
    stack.drain(180)
    found = reconcile(repush=False)
    [differing] = [d for d in found["dossiers"] if d["code"] == code]
    # Every push failed (half after the portal recorded it): the steps, at least, are missing.
    assert "QuaTrinhXuLy" in [d["field"] for d in differing["differences"]]
    dead_letters(stack)  # the operator has read them: the portal was down

    stack.portal.fail_rate = 0.0
    repushed = reconcile(repush=True)
    assert repushed["repushed"] == found["found"] and repushed["differing"] == 0
    assert reconcile(repush=False)["found"] == 0
    assert stack.portal.status_of(code) == int(bootstrap.container().store.get(code).status)
