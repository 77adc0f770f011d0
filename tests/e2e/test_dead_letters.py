"""`motcua dlq list|show|redrive|purge` on the local stack: a poison message in each worker's
queue is dead-lettered by its worker, listed and shown masked, redriven (it fails again and
comes back with both reasons) and purged, every count printed being what was done."""

import json
import os
import subprocess
import sys
import uuid

import pytest

from chalicelib import bootstrap, cli
from chalicelib.handlers.dead_letter_queues import QUEUE_NAMES
from devstack.stack import LocalStack

pytestmark = pytest.mark.e2e

CODE = "000.00.06.H19-261205-9001"
PHONE = "0987654321"
NAME = "Trần Văn Bình"
# A body each worker refuses for good (it does not match the queue's contract), with personal
# data in it that no command may show.
POISON = {
    "intake": {"kind": "intake.v1", "request": {"code": CODE, "applicant": {"phone": PHONE}}},
    "transitions": {"code": CODE, "command": {"action": "nonsense"}, "note": NAME},
    "notifications": {"code": CODE, "phone": PHONE, "text_vi": f"Kính gửi {NAME}"},
    "portal-sync": {"code": CODE, "revision": "latest", "phone": PHONE},
    "file-fetch": {"code": CODE, "url": f"https://x.example/{PHONE}.pdf"},
}


@pytest.fixture(scope="module")
def stack():
    with LocalStack(port=0, moto_port=0, prefix=f"dl{uuid.uuid4().hex[:6]}-") as running:
        sqs = running.aws_client("sqs")
        for name, body in POISON.items():
            url = running.env[f"MOTCUA_{name.upper().replace('-', '_')}_QUEUE_URL"]
            extra = {}
            if url.endswith(".fifo"):
                extra = {"MessageGroupId": CODE, "MessageDeduplicationId": uuid.uuid4().hex}
            sqs.send_message(
                QueueUrl=url, MessageBody=json.dumps(body, ensure_ascii=False), **extra
            )
        running.drain(60)
        yield running


def motcua(capsys, *argv: str, code: int = 0) -> str:
    assert cli.main([*argv]) == code, capsys.readouterr()
    captured = capsys.readouterr()
    assert captured.err.startswith("target: "), captured.err
    # The stack's workers log to stdout meanwhile, from their own threads: not the answer.
    return "\n".join(line for line in captured.out.splitlines() if not line.startswith('{"level"'))


def listed(capsys) -> dict:
    return json.loads(motcua(capsys, "dlq", "list", "--json"))["answer"]


def test_each_poison_message_is_listed_once_masked_with_its_reason_and_dossier(stack, capsys):
    answer = listed(capsys)
    assert answer["total"] == len(QUEUE_NAMES)
    for name in QUEUE_NAMES:
        queue = answer["queues"][name]
        assert (queue["listed"], queue["visible"]) == (1, 1), (name, queue)
        [letter] = queue["letters"]
        assert letter["code"] == CODE and letter["reason"] and letter["dead_lettered"] == 1
        assert letter["age_seconds"] >= 0
    text = motcua(capsys, "dlq", "list")
    assert "total: 5 dead letters" in text and "intake: 1 letter " in text
    for shown in (text, json.dumps(answer, ensure_ascii=False)):
        assert PHONE not in shown and NAME not in shown


def test_show_gives_one_letter_whole_and_masked(stack, capsys):
    letters = listed(capsys)["queues"]
    for name in QUEUE_NAMES:
        [letter] = letters[name]["letters"]
        out = motcua(capsys, "dlq", "show", letter["id"])
        assert f"queue         {name}" in out and CODE in out and letter["reason"] in out
        assert PHONE not in out and NAME not in out
    motcua(capsys, "dlq", "show", "no-such-letter", code=2)


def test_redrive_sends_back_exactly_one_and_the_reasons_add_up(stack, capsys):
    before = listed(capsys)["queues"]
    for name in QUEUE_NAMES:
        [letter] = before[name]["letters"]
        out = motcua(capsys, "dlq", "redrive", letter["id"])
        assert out.strip() == f"1 letter sent back ({name} 1)"
    stack.drain(60)
    after = listed(capsys)["queues"]
    for name in QUEUE_NAMES:  # handled as its original, refused again: back, with both reasons
        [letter] = after[name]["letters"]
        [first] = before[name]["letters"]
        assert letter["id"] == first["id"] and letter["dead_lettered"] == 2, (name, letter)
        assert letter["reasons"][0] == first["reason"] and letter["first_at"] == first["first_at"]


def test_redrive_all_of_one_queue_counts_what_it_moved(stack, capsys):
    out = motcua(capsys, "dlq", "redrive", "--all", "--queue", "notifications")
    assert out.strip() == "1 letter sent back (notifications 1)"
    stack.drain(60)
    assert listed(capsys)["queues"]["notifications"]["listed"] == 1


def test_purge_asks_then_deletes_the_letter_and_its_parked_original(stack, capsys):
    letters = listed(capsys)["queues"]
    [intake] = letters["intake"]["letters"]
    # No terminal to ask at, no --yes: refused, nothing deleted.
    motcua(capsys, "dlq", "purge", intake["id"], code=2)
    assert listed(capsys)["queues"]["intake"]["listed"] == 1
    parked = f"intake#{intake['id']}"
    assert bootstrap.container().letters.parked(parked) is not None
    out = motcua(capsys, "dlq", "purge", intake["id"], "--yes")
    assert out.strip() == "1 letter deleted (intake 1)"
    assert bootstrap.container().letters.parked(parked) is None
    out = motcua(capsys, "dlq", "purge", "--all", "--yes")
    assert (
        out.strip()
        == f"{len(QUEUE_NAMES) - 1} letters deleted ("
        + ", ".join(f"{name} 1" for name in QUEUE_NAMES if name != "intake")
        + ")"
    )
    assert listed(capsys)["total"] == 0
    assert motcua(capsys, "dlq", "purge", "--all", "--yes").strip() == "0 letters deleted (none)"


def test_the_installed_command_names_the_local_stack_it_acts_on(stack):
    """As an operator runs it, in its own process: the stack named by the environment (what
    `.local-state/env.json` says after `make run`), probed, then said before the answer."""
    env = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/tmp"),
           **{k: v for k, v in stack.env.items() if k.startswith("MOTCUA_")}}  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-m", "chalicelib.cli", "dlq", "list", "--queue", "intake", "--json"],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    [target] = [line for line in done.stderr.splitlines() if line.startswith("target: ")]
    assert target == (
        f"target: local stack at {stack.endpoint_url} (stage local, region {stack.region}, "
        f"table {stack.env['MOTCUA_TABLE']})"
    )
    answer = json.loads(done.stdout)
    assert answer["target"]["endpoint"] == stack.endpoint_url
    assert set(answer["answer"]["queues"]) == {"intake"}


@pytest.mark.parametrize(
    "argv",
    [
        ["timers", "run", "--now", "2026-12-31T09:00:00+07:00"],
        ["calendar", "recompute", "--reason", "Nghỉ bù", "--dry-run"],
        ["portal", "reconcile", "--days", "1"],
        ["report-rebuild", "--agency", "000.00.06.H19", "--from", "2026-01", "--to", "2026-12"],
        ["deliveries", CODE],
        ["outbox", "--code", CODE],
        ["reference", "push"],
    ],
    ids=lambda argv: " ".join(argv[:2]),
)
def test_every_other_command_answers_json_on_the_local_stack(stack, capsys, argv):
    answer = json.loads(motcua(capsys, *argv, "--json"))
    assert answer["target"]["stage"] == "local" and "answer" in answer


def test_a_form_of_a_dossier_that_does_not_exist_is_one_line(stack, capsys):
    assert cli.main(["forms", CODE, "01"]) == 2
    error = capsys.readouterr().err.splitlines()[-1]
    assert error.startswith("error: ") and CODE in error
