"""Issue 16, item 9: officials' reads of personal data are audited (NĐ 13/2023).

Every answer that shows an official a dossier's applicant is recorded first (who, which
dossier, when, which route, from where); if it cannot be recorded the data is not shown (503);
a refused read records nothing; only an administrator reads the audit."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from urllib.parse import urlencode

import pytest

from chalicelib.domain.calendar import LOCAL_TZ
from tests.hostile.conftest import audit_down
from tests.hostile.test_authorization_matrix import TOKENS, call

ROUTE = "GET /v1/dossiers/{code}"
SPECIALIST: str = TOKENS["specialist"]["sub"]  # type: ignore[index]
LEADER: str = TOKENS["leader"]["sub"]  # type: ignore[index]


def _window() -> dict[str, str]:
    now = datetime.now(LOCAL_TZ)
    return {
        "from": (now - timedelta(hours=1)).isoformat(),
        "to": (now + timedelta(hours=1)).isoformat(),
    }


def _audit(stack, caller: str = "admin", **query: str):
    return call(stack, caller, "GET", "/v1/audit/reads?" + urlencode({**_window(), **query}))


def _reads_of(stack, **query: str) -> list[dict]:
    answer = _audit(stack, **query)
    assert answer.status_code == 200, answer.body
    return json.loads(answer.body)["items"]


def test_an_officials_read_is_recorded_with_who_what_when_and_how(stack):
    before = len(_reads_of(stack, code=stack.code))
    answer = call(stack, "specialist", "GET", f"/v1/dossiers/{stack.code}")
    assert answer.status_code == 200
    reads = _reads_of(stack, code=stack.code)
    assert len(reads) == before + 1
    last = reads[-1]
    assert last["actor_id"] == SPECIALIST
    assert (last["agency"], last["unit"], last["roles"]) == (
        "000.00.41.H19",
        "VAN_PHONG",
        ["specialist"],
    )
    assert (last["code"], last["route"]) == (stack.code, ROUTE)
    at = datetime.fromisoformat(last["at"])
    assert abs(at - datetime.now(LOCAL_TZ)) < timedelta(minutes=5)
    assert last in _reads_of(stack, actor=SPECIALIST)
    assert last not in _reads_of(stack, actor=LEADER)


def test_a_refused_read_records_nothing(stack):
    before = _reads_of(stack, code=stack.code)
    assert call(stack, "other_agency", "GET", f"/v1/dossiers/{stack.code}").status_code == 403
    assert _reads_of(stack, code=stack.code) == before


def test_without_the_audit_no_personal_data_is_shown(stack):
    with audit_down():
        answer = call(stack, "receiver", "GET", f"/v1/dossiers/{stack.code}")
    assert answer.status_code == 503
    assert answer.headers["Content-Type"].startswith("application/problem+json")
    problem = json.loads(answer.body)
    assert problem["errors"][0]["field"] == "audit"
    assert "applicant" not in answer.body.decode() and "Nguyễn" not in answer.body.decode()


@pytest.mark.parametrize("caller", ["receiver", "specialist", "leader", "other_agency"])
def test_only_an_administrator_reads_the_audit(stack, caller):
    assert _audit(stack, caller, code=stack.code).status_code == 403


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"from": "2026-01-31T00:00:00+07:00", "to": "2026-01-01T00:00:00+07:00"}, "to"),
        ({"from": "2026-01-01T00:00:00+07:00", "to": "2026-03-01T00:00:00+07:00"}, "to"),
        ({"code": "not-a-code"}, "code"),
        ({"limit": "0"}, "limit"),
        ({"actor": "x" * 300}, "actor"),
    ],
)
def test_a_bad_audit_query_is_refused_naming_the_parameter(stack, query, field):
    answer = _audit(stack, **query)
    assert answer.status_code == 400, answer.body
    assert field in {issue["field"] for issue in json.loads(answer.body)["errors"]}


def test_the_api_function_may_not_change_or_delete_audit_items():
    """IAM holds what the code promises: UpdateItem and DeleteItem on AUDIT# keys are denied, and
    the only items it may delete are parked payments' list entries."""
    from pathlib import Path

    policy = json.loads(
        (Path(__file__).resolve().parents[2] / ".chalice" / "policy-api-handler.json").read_text()
    )
    denials = [s for s in policy["Statement"] if s["Effect"] == "Deny"]
    assert any(
        {"dynamodb:UpdateItem", "dynamodb:DeleteItem"} <= set(s["Action"])
        and s["Condition"]["ForAnyValue:StringLike"]["dynamodb:LeadingKeys"] == ["AUDIT#*"]
        for s in denials
    )
    # The one delete it may make: a settled payment leaves its agency's parked list.
    deleting = [
        s
        for s in policy["Statement"]
        if s["Effect"] == "Allow" and "dynamodb:DeleteItem" in s["Action"]
    ]
    assert [
        s["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"] for s in deleting
    ] == [["PARKED#*"]]
