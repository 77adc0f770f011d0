"""POST /v1/dossiers/{code}/actions on moto: a resolve's `electronic_result` is the stored
files' word (QĐ 766 4.1). Said true without a stored result file: 400 naming it, nothing
queued; a result file stored: the queued command says it, whatever the caller did."""

from __future__ import annotations

import json

import boto3
from chalice.test import Client

from app import app
from chalicelib import bootstrap
from chalicelib.auth.tokens import DEV_JWT_KEY, mint_dev_token
from chalicelib.domain.files import FileKind, StoredFile
from tests.unit.builders import HOME, at, land_procedure, stored_dossier

CODE = "000.00.32.H19-260309-0001"


def _leader_headers() -> dict[str, str]:
    token = mint_dev_token(DEV_JWT_KEY, sub="ld", name="Lãnh đạo", agency=HOME,
                           unit="LANH_DAO", roles=["leader"], issuer="motcua-local",
                           audience="motcua")  # fmt: skip
    return {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}


def _result_file() -> StoredFile:
    """A result file kept for the dossier (its signature accepted when it was recorded)."""
    return StoredFile(
        code=CODE,
        file_id="a" * 32,
        kind=FileKind.RESULT,
        name="Kết quả.pdf",
        sha256="b" * 64,
        size=10,
        content_type="application/pdf",
        uploaded_by="ld",
        at=at(2026, 3, 10, 9),
    )


def _queued_commands(env) -> list[dict]:
    sqs = boto3.client("sqs")
    found = sqs.receive_message(QueueUrl=env["MOTCUA_TRANSITIONS_QUEUE_URL"],
                                MaxNumberOfMessages=10).get("Messages", [])  # fmt: skip
    return [json.loads(m["Body"])["command"] for m in found]


def test_resolve_takes_electronic_result_from_the_stored_files(aws):
    deps = bootstrap.container()
    stored_dossier(deps.store, land_procedure(), deps.calendar, at(2026, 3, 9, 9), code=CODE)
    said = json.dumps({"action": "resolve", "expected_version": 1, "electronic_result": True})
    with Client(app) as client:
        refused = client.http.post(f"/v1/dossiers/{CODE}/actions", body=said,
                                   headers=_leader_headers())  # fmt: skip
        assert refused.status_code == 400, refused.body
        [issue] = json.loads(refused.body)["errors"]
        assert (issue["field"], issue["message"]) == (
            "electronic_result", "Chưa có tệp kết quả điện tử")  # fmt: skip
        assert _queued_commands(aws) == []
        deps.file_records.put_file(_result_file())
        quiet = json.dumps({"action": "resolve", "expected_version": 1})
        queued = client.http.post(f"/v1/dossiers/{CODE}/actions", body=quiet,
                                  headers=_leader_headers())  # fmt: skip
        assert queued.status_code == 202, queued.body
    [command] = _queued_commands(aws)
    assert command["action"] == "resolve" and command["electronic_result"] is True
