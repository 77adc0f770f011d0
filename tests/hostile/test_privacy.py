"""Personal data stays out of dead letters and metrics (logs: tests/e2e/test_log_privacy.py).

Messages carrying a phone, an id number, an email and a name fail in each worker, for good or
on every try; in their DLQ they show none of it (a masked copy, the masked reason), the
original is parked in the table, and a letter redriven to its queue is handled as the original
was: an accepted message is never lost. The EMF metric lines and the log lines written
meanwhile hold none of it either. Real handlers, in-process (devstack/inprocess.py)."""

from __future__ import annotations

import contextlib
import io
import json
from datetime import datetime, timedelta

import boto3
import pytest

from chalicelib import bootstrap, cli
from chalicelib.domain.calendar import LOCAL_TZ
from chalicelib.handlers import dead_letters
from chalicelib.services import intake
from devstack.inprocess import in_process

PHONE, CCCD, EMAIL = "0987654321", "079203004455", "tran.thi.binh@example.vn"
NAME = "Trần Thị Bình"
PERSONAL = [PHONE, "84987654321", "987654321", "098 765 4321", CCCD, EMAIL, NAME, "Tran Thi Binh"]
WARD = "000.00.41.H19"


def _intake_envelope(external_id: str, **request: object) -> dict:
    submitted = datetime.now(LOCAL_TZ).replace(microsecond=0) - timedelta(hours=1)
    return {
        "kind": "intake.v1",
        "receipt_id": intake.receipt_id_for("portal-dev", external_id),
        "client_id": "portal-dev",
        "accepted_at": submitted.isoformat(),
        "request": {
            "external_id": external_id,
            "procedure_code": "1.001193",
            "channel": 2,
            "applicant": {"name": NAME, "kind": 1, "id_number": CCCD, "phone": "84987654321",
                          "email": EMAIL},
            "resolving_agency": WARD,
            "received_by_agency": WARD,
            "received_by_unit": "MOT_CUA",
            "submitted_at": submitted.isoformat(),
            "awaiting_counter_check": False,
            "source": "motcua",
            **request,
        },
    }  # fmt: skip


def _letters(sqs, url: str) -> list[dict]:
    """Every message of a DLQ, read once each, then left there (visible again)."""
    letters = []
    while batch := sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"], VisibilityTimeout=30
    ).get("Messages", []):
        letters += batch
    for message in letters:
        sqs.change_message_visibility(
            QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
        )
    return letters


def _leaks(text: str) -> list[str]:
    return [secret for secret in PERSONAL if secret in text]


@pytest.fixture(scope="module")
def dead(request):
    """Every poison message through its worker, its letters read, then redriven once; with
    stdout (logs and EMF metrics) captured all along."""
    out = io.StringIO()
    env = {
        "POWERTOOLS_METRICS_DISABLED": "false",
        "MOTCUA_SMS_PROVIDER": "none",  # no channel: a notice can only be dead-lettered
        "MOTCUA_EMAIL_PROVIDER": "none",
        "MOTCUA_ZNS_PROVIDER": "none",
    }
    with in_process(env, log_level="INFO") as system, contextlib.redirect_stdout(out):
        sqs = boto3.client("sqs")
        urls = system.resources
        valid = _intake_envelope("privacy-valid")
        poison = {
            "intake": [
                _intake_envelope("privacy-broken", procedure_code=None),  # breaks the contract
                valid,  # fails on every try while the catalog is "down"
                f"not json: {NAME} {CCCD} {PHONE} {EMAIL}",
            ],
            "transitions": [{
                "kind": "transition.v1", "command_id": "c-privacy", "code": f"{WARD}-260101-9999",
                "command": {"action": "take_up", "note": f"Gọi {PHONE}, CCCD {CCCD}, {EMAIL}"},
                "actor": {"id": "u1", "name": "Lê Văn Hùng", "agency": WARD, "unit": "VAN_PHONG",
                          "roles": ["specialist"]},
                "expected_version": 1, "requested_at": "2026-03-09T09:00:00+07:00",
            }],
            "notifications": [{
                "key": f"{WARD}-260101-9999:v1:received", "code": f"{WARD}-260101-9999",
                "kind": "received", "essential": True, "phone": "84987654321",
                "emails": [EMAIL], "subject": "Tiếp nhận hồ sơ",
                "text_vi": f"Kính gửi {NAME}, CCCD {CCCD}: hồ sơ đã được tiếp nhận",
                "sms_text": "Ho so da duoc tiep nhan",
            }],
        }  # fmt: skip
        for source, bodies in poison.items():
            for body in bodies:
                text = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)
                extra = {}
                if source == "transitions":
                    extra = {"MessageGroupId": body["code"], "MessageDeduplicationId": "c-privacy"}
                sqs.send_message(
                    QueueUrl=urls[f"MOTCUA_{source.upper()}_QUEUE_URL"], MessageBody=text, **extra
                )

        def catalog_down(*args, **kwargs):
            raise ConnectionError(f"catalog unreachable while checking {PHONE} / {CCCD}")

        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(intake, "check_against_catalog", catalog_down)
            system.pump.run()
        letters = {
            source: _letters(sqs, urls[f"MOTCUA_{source.upper()}_DLQ_URL"]) for source in poison
        }
        # The operator redrives the intake letters once the catalog is back.
        with contextlib.redirect_stdout(io.StringIO()) as answer:
            assert cli.main(["dlq", "redrive", "intake"]) == 0
        moved = int(answer.getvalue().split()[0])
        system.pump.run()
        again = _letters(sqs, urls["MOTCUA_INTAKE_DLQ_URL"])
        receipt = bootstrap.container().store.get_receipt(valid["receipt_id"])
        dossier = (
            bootstrap.container().store.get(receipt.code) if receipt and receipt.code else None
        )
        parked = {
            json.loads(m["Body"])["parked"]: bootstrap.container().letters.parked(
                json.loads(m["Body"])["parked"]
            )
            for group in letters.values()
            for m in group
        }
    yield {
        "poison": poison,
        "letters": letters,
        "moved": moved,
        "again": again,
        "dossier": dossier,
        "parked": parked,
        "stdout": out.getvalue(),
    }


def test_every_poison_message_is_in_its_dlq_with_its_reason(dead):
    counts = {source: len(group) for source, group in dead["letters"].items()}
    assert counts == {"intake": 3, "transitions": 1, "notifications": 1}
    for group in dead["letters"].values():
        for message in group:
            letter = json.loads(message["Body"])
            assert letter["kind"] == dead_letters.LETTER_KIND and letter["reason"]
            assert message["MessageAttributes"]["reason"]["StringValue"]


def test_dead_letters_show_no_phone_id_number_email_or_name(dead):
    for group in [*dead["letters"].values(), dead["again"]]:
        for message in group:
            attributes = json.dumps(message.get("MessageAttributes", {}), ensure_ascii=False)
            assert _leaks(message["Body"]) == [] and _leaks(attributes) == [], message
    reasons = [json.loads(m["Body"])["reason"] for m in dead["letters"]["intake"]]
    assert any("failed 4 times" in r and "[phone]" in r and "[id]" in r for r in reasons)
    # What a person needs is still there: what the message was about.
    [transition] = dead["letters"]["transitions"]
    masked = json.loads(transition["Body"])["masked"]
    assert masked["code"] == f"{WARD}-260101-9999" and masked["command"]["action"] == "take_up"
    [notice] = dead["letters"]["notifications"]
    assert json.loads(notice["Body"])["masked"]["key"].endswith(":v1:received")


def test_the_originals_are_parked_as_they_were_sent(dead):
    sent = {
        json.dumps(body, ensure_ascii=False) if not isinstance(body, str) else body
        for bodies in dead["poison"].values()
        for body in bodies
    }
    assert set(dead["parked"].values()) == sent


def test_a_redriven_letter_is_handled_as_its_original(dead):
    assert dead["moved"] == 3
    dossier = dead["dossier"]  # the valid intake, its catalog back: the dossier exists
    assert dossier is not None
    assert dossier.applicant.phone == "84987654321" and dossier.applicant.id_number == CCCD
    assert len(dead["again"]) == 2  # the two poison ones are back in the DLQ, masked again
    assert all(json.loads(m["Body"])["kind"] == dead_letters.LETTER_KIND for m in dead["again"])


def test_metrics_and_logs_written_meanwhile_show_none_of_it(dead):
    lines = [json.loads(line) for line in dead["stdout"].splitlines() if line.startswith("{")]
    metrics = [line for line in lines if "_aws" in line]
    names = {m["Name"] for line in metrics for m in line["_aws"]["CloudWatchMetrics"][0]["Metrics"]}
    assert {"MessageDeadLettered", "DossierReceived"} <= names
    assert _leaks(dead["stdout"]) == []
