"""GET /v1/calendar/due-date and GET /v1/health through the Chalice test client."""

import json

import pytest
from chalice.test import Client

from app import app


@pytest.fixture(scope="module")
def client():
    with Client(app) as client:
        yield client


def due(client, query):
    return client.http.get(f"/v1/calendar/due-date?{query}")


def test_health(client):
    response = client.http.get("/v1/health")
    assert response.status_code == 200
    assert response.json_body["status"] == "ok"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # A make-up Saturday is a working day.
        ("received_at=2025-04-25T09:00:00%2B07:00&working_days=1", "2025-04-26T09:00:00+07:00"),
        ("received_at=2025-04-29T09:00:00%2B07:00&working_days=1", "2025-05-05T09:00:00+07:00"),
        ("received_at=2026-02-13T16:00:00%2B07:00&working_days=1", "2026-02-23T16:00:00+07:00"),
        ("received_at=2026-01-09T09:00:00%2B07:00&working_days=1", "2026-01-10T09:00:00+07:00"),
        ("received_at=2026-08-28T09:00:00%2B07:00&working_days=1", "2026-09-03T09:00:00+07:00"),
        # UTC input; 02:00Z is 09:00 in Hà Nội.
        ("received_at=2026-04-24T03:00:00Z&working_days=1", "2026-04-28T10:00:00+07:00"),
        # No offset: local time.
        ("received_at=2026-03-09T16:00:00&working_hours=4", "2026-03-10T10:00:00+07:00"),
        ("received_at=2026-03-09T12:00:00%2B07:00&working_hours=4", "2026-03-10T07:30:00+07:00"),
    ],
)
def test_due_date_answers_the_calendar(client, query, expected):
    response = due(client, query)
    assert response.status_code == 200, response.body
    assert response.json_body["due_at"] == expected


def test_a_procedure_applies_its_cutoff_and_its_limit(client):
    from chalicelib import bootstrap

    procedure = next(p for p in bootstrap.container().catalog.all() if p.cutoff is not None)
    late = f"{procedure.cutoff.hour + 1:02d}:00:00"
    with_cutoff = due(client, f"procedure={procedure.code}&received_at=2026-03-09T{late}"
                              "&working_days=1")  # fmt: skip
    body = with_cutoff.json_body
    assert with_cutoff.status_code == 200, with_cutoff.body
    assert body["counted_from"] == "2026-03-10T07:00:00+07:00"
    assert body["due_at"] == "2026-03-10T17:00:00+07:00"
    own_limit = due(client, f"procedure={procedure.code}&received_at=2026-03-09T09:00:00")
    assert own_limit.json_body["time_limit"] == procedure.time_limit.model_dump(mode="json")


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("working_days=1", "received_at"),
        ("received_at=yesterday&working_days=1", "received_at"),
        ("received_at=2026-02-30T09:00:00&working_days=1", "received_at"),
        ("received_at=2026-03-09T09:00:00&working_days=0", "working_days"),
        ("received_at=2026-03-09T09:00:00&working_days=-3", "working_days"),
        ("received_at=2026-03-09T09:00:00&working_days=1.5", "working_days"),
        ("received_at=2026-03-09T09:00:00&working_days=100000", "working_days"),
        ("received_at=2026-03-09T09:00:00&working_hours=abc", "working_hours"),
        ("received_at=2026-03-09T09:00:00", "working_days"),
        ("received_at=2026-03-09T09:00:00&working_days=1&working_hours=8", "working_hours"),
        ("received_at=2026-03-09T09:00:00&working_days=1&colour=red", "colour"),
        ("received_at=2026-03-09T09:00:00&procedure=9.999999", "procedure"),
        ("received_at=2026-03-09T09:00:00&procedure=abc", "procedure"),
    ],
)
def test_bad_parameters_get_a_problem_naming_the_field(client, query, field):
    response = due(client, query)
    assert response.status_code == 400
    assert response.headers["Content-Type"] == "application/problem+json"
    problem = json.loads(response.body)
    assert problem["status"] == 400
    assert problem["title"] == "Yêu cầu không hợp lệ"
    assert field in [error["field"] for error in problem["errors"]], problem
    assert all(error["reason"] and error["message"] for error in problem["errors"])
