"""GET /v1/openapi.json: made from app.py's routes and their @route_doc, valid OpenAPI.

A route added without its @route_doc fails here, and so does a row of the authorization matrix
left behind by a route that is gone; docs/authorization.md must hold the tables the matrix
prints.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from chalice.test import Client
from openapi_spec_validator import validate

from app import app
from chalicelib.http import authorization, openapi, route_docs

ROOT = Path(__file__).resolve().parents[2]


def routes():
    """The API's routes (the pages outside /v1: tests/unit/test_web_pages.py)."""
    return {
        (method, path)
        for path, methods in app.routes.items()
        if route_docs.is_api(path)
        for method in methods
    }


def described(document):
    return {(method.upper(), path) for path, item in document["paths"].items() for method in item}


def test_every_route_has_its_route_doc_and_every_route_doc_its_route():
    documented = route_docs.routes(app)
    assert [route for route, doc in documented.items() if doc is None] == []
    routed = {entry.view_name for methods in app.routes.values() for entry in methods.values()}
    assert set(route_docs.REGISTRY) - routed == set(), "route docs of no route"


def test_a_route_without_its_route_doc_fails_the_document(monkeypatch):
    monkeypatch.delitem(route_docs.REGISTRY, "get_worklist")
    with pytest.raises(LookupError, match="/v1/worklist"):
        openapi.documented_routes()


def test_every_route_is_described_and_has_its_row_of_the_matrix():
    document = openapi.document()
    assert described(document) == routes()
    assert set(authorization.AUTHORIZATION) == routes() == set(authorization.RULES)


def test_the_document_is_valid_openapi_3_1():
    document = openapi.document()
    assert document["openapi"].startswith("3.1")
    validate(document)


def test_every_operation_names_its_security_and_its_refusals():
    for path, item in openapi.document()["paths"].items():
        for method, operation in item.items():
            row = operation["x-motcua-authorization"]
            assert row == authorization.AUTHORIZATION[(method.upper(), path)]
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


def test_every_status_a_route_doc_names_is_a_documented_answer():
    """A success named without its model, or a refusal the document has no answer for, fails."""
    for route, doc in openapi.documented_routes().items():
        refusals = openapi.statuses(route, doc) - set(doc.answers)
        # A success, or a redirect (a public file link: 302 to the store) with its own model.
        assert all(200 <= status < 400 for status in doc.answers), route
        assert refusals <= set(openapi._ERRORS), route
        assert not set(doc.refusals) & set(doc.answers), route
        for answer in doc.answers.values():
            route_docs.resolve(answer.model)  # names a model that exists


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


def test_answers_are_described_by_their_view_models():
    document = openapi.document()
    schemas = document["components"]["schemas"]
    read = document["paths"]["/v1/dossiers/{code}"]["get"]["responses"]["200"]
    assert read["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/DossierView"
    }
    assert "is_inter_agency" in schemas["ProcedureView"]["required"]
    assert "from" in schemas["Report766"]["required"]


def test_the_route_serves_the_cached_document_without_credentials():
    with Client(app) as client:
        answer = client.http.get("/v1/openapi.json")
    assert answer.status_code == 200
    assert json.loads(answer.body) == json.loads(json.dumps(openapi.document()))
    assert openapi.document() is openapi.document()


def test_the_docs_hold_the_tables_the_matrix_prints():
    page = authorization.DOC.read_text(encoding="utf-8")
    assert authorization.markdown(page) == page, (
        "run python -m chalicelib.http.authorization --write"
    )
    assert authorization.matrix_table() in page
    assert authorization.callers_table() in page


def test_the_docs_page_is_printed_from_the_matrix():
    out = subprocess.run(
        [sys.executable, "-m", "chalicelib.http.authorization"],
        capture_output=True, text=True, check=True, cwd=ROOT,
    )  # fmt: skip
    assert out.stdout == authorization.DOC.read_text(encoding="utf-8")


def test_importing_the_app_does_not_build_or_import_the_document():
    code = (
        "import sys, app; "
        "print(any(m in sys.modules for m in ('chalicelib.intake.dvcqg', "
        "'chalicelib.intake.schema', 'chalicelib.http.views')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert out.stdout.strip() == "False"
