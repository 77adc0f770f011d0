"""GET /v1/openapi.json: every route of app.py is described, and the document is valid OpenAPI.

A route added without its description fails here, and so does a description left behind by a
route that is gone.
"""

import json
import subprocess
import sys
from pathlib import Path

from chalice.test import Client
from openapi_spec_validator import validate

from app import app
from chalicelib.http import openapi

DOCS = Path(__file__).resolve().parents[2] / "docs" / "authorization.md"


def routes():
    return {(method, path) for path, methods in app.routes.items() for method in methods}


def described(document):
    return {(method.upper(), path) for path, item in document["paths"].items() for method in item}


def test_every_route_of_the_app_is_described_and_nothing_else():
    document = openapi.document()
    assert routes() - described(document) == set(), "routes without a description"
    assert described(document) - routes() == set(), "descriptions without a route"
    assert set(openapi.AUTHORIZATION) == routes() == set(openapi.RULES)


def test_the_document_is_valid_openapi_3_1():
    document = openapi.document()
    assert document["openapi"].startswith("3.1")
    validate(document)


def test_every_operation_names_its_security_and_its_refusals():
    for path, item in openapi.document()["paths"].items():
        for method, operation in item.items():
            row = operation["x-motcua-authorization"]
            codes = set(operation["responses"])
            if row["anonymous"] == "401":
                assert operation["security"], (method, path)
                assert "401" in codes, (method, path)
            else:
                assert operation["security"] == [], (method, path)
            if "403" in row.values():
                assert "403" in codes, (method, path)
            if "requestBody" in operation:
                assert {"400", "413", "415"} <= codes, (method, path)
            assert all(status in codes for status in row.values()), (method, path)


def test_request_bodies_come_from_the_models_the_handlers_parse():
    document = openapi.document()
    schemas = document["components"]["schemas"]
    action = document["paths"]["/v1/dossiers/{code}/actions"]["post"]
    assert action["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ActionRequest"
    }
    assert schemas["ActionRequest"]["additionalProperties"] is False
    assert set(schemas["ActionRequest"]["required"]) == {"action", "expected_version"}
    due = document["paths"]["/v1/calendar/due-date"]["get"]["parameters"]
    assert {p["name"]: p["required"] for p in due} == {
        "received_at": True,
        "working_days": False,
        "working_hours": False,
        "procedure": False,
    }
    report = document["paths"]["/v1/reports/766"]["get"]["parameters"]
    assert {p["name"] for p in report} == {"agency", "from", "to", "format"}


def test_the_route_serves_the_cached_document_without_credentials():
    with Client(app) as client:
        answer = client.http.get("/v1/openapi.json")
    assert answer.status_code == 200
    assert json.loads(answer.body) == json.loads(json.dumps(openapi.document()))
    assert openapi.document() is openapi.document()


def test_the_docs_hold_the_same_authorization_table():
    assert openapi.authorization_table() in DOCS.read_text(encoding="utf-8")


def test_importing_the_app_does_not_build_or_import_the_document():
    code = (
        "import sys, app; "
        "print(any(m in sys.modules for m in ('chalicelib.intake.dvcqg', "
        "'chalicelib.intake.schema')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert out.stdout.strip() == "False"
