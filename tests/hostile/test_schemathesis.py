"""Issue 8: schemathesis against the app's own OpenAPI document (GET /v1/openapi.json).

In-process on moto (the `stack` fixture), through a WSGI face on Chalice's local gateway
(`gateway.py`). For each operation, valid and invalid requests (positive and negative modes),
anonymous and with valid credentials (officials of the seeded dossier's agency and of another;
signed webhooks of a portal, of the tax department's system and of the SMS gateway),
sometimes aimed at the seeded dossier so that reads answer 200. Every answer must be no 5xx,
a documented status, of a documented content type, and match the documented schema.

Deterministic (derandomized) and bounded: MOTCUA_FUZZ_EXAMPLES raises the examples per
operation and mode for a deeper run (random then: each run explores anew).
"""

from __future__ import annotations

import json
import os

import pytest
import schemathesis
import werkzeug.test
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app import app
from chalicelib.auth.signatures import CLIENT_HEADER, SIGNATURE_HEADER
from tests.hostile import harness
from tests.hostile.gateway import SIGN, Gateway

EXAMPLES = int(os.environ.get("MOTCUA_FUZZ_EXAMPLES", "0"))
MAX_EXAMPLES = EXAMPLES or 50
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]

SIGNERS = harness.SIGNERS  # on each route, the clients it answers come first
GATEWAY = Gateway(app, harness.SECRETS)
SCHEMA = schemathesis.openapi.from_wsgi("/v1/openapi.json", GATEWAY)
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]


def _bearer(**claims) -> dict[str, str]:
    return {"Authorization": f"Bearer {harness.token(**claims)}"}


def callers(operation) -> list[dict[str, str] | None]:
    """None: whatever schemathesis sends (no credentials, or made-up ones). Last: Hypothesis
    leans towards the first, and valid credentials reach further into the app."""
    security = operation.definition.raw.get("security")
    if not security:
        return [None]
    if "bearerAuth" in security[0]:
        return [
            _bearer(),
            _bearer(roles=["admin"], unit=None),
            _bearer(agency=harness.TAX, unit="PHONG_QLTK", roles=["specialist", "leader"]),
            None,
        ]
    row = operation.definition.raw["x-motcua-authorization"]
    heard = sorted(SIGNERS, key=lambda caller: row[caller] == "403")  # stable: ties keep order
    signed = [{CLIENT_HEADER: SIGNERS[c], SIGNATURE_HEADER: SIGN} for c in heard]
    return [*signed, None]


def aimed(case, stack) -> None:
    """Values that exist or pass, where made-up ones almost never do: the seeded dossier, its
    receipt PIN, a moment in the calendar's years."""
    if "code" in (case.path_parameters or {}):
        case.path_parameters["code"] = stack.code
    known = {"pin": stack.pin, "received_at": "2026-03-09T09:00:00+07:00"}
    for name, value in known.items():
        if name in (case.query or {}):
            case.query[name] = value
    if case.query and "received_at" in case.query:  # the due-date calculator: one time limit
        case.query.pop("procedure", None)  # a made-up code is not in the catalog
        if "working_days" in case.query or "working_hours" not in case.query:
            case.query.pop("working_hours", None)
            case.query.setdefault("working_days", 3)


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
@pytest.mark.parametrize("operation", OPERATIONS, ids=[op.label for op in OPERATIONS])
def test_the_app_keeps_its_openapi_description(stack, operation, mode):
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=not EXAMPLES,
        database=None,
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
    )
    @given(
        case=operation.as_strategy(generation_mode=mode),
        credentials=st.sampled_from(callers(operation)),
        aim=st.booleans(),
    )
    def run(case, credentials, aim):
        if aim:
            aimed(case, stack)
        case.call_and_validate(headers=credentials, checks=CHECKS)

    try:
        run()
    except Unsatisfiable:  # nothing negative to say of this operation
        assert mode is GenerationMode.NEGATIVE


# What the fuzzing found, kept as plain cases: each answered 500 (or off its schema) before.
FOUND = [
    # OverflowError converting to Hà Nội time: 500.
    ("GET", "/v1/calendar/due-date?received_at=9999-12-31T00:00:00%2B07:00&working_days=365",
     None, "received_at"),
    ("GET", "/v1/calendar/due-date?received_at=0001-01-01T00:00:00%2B14:00&working_days=1",
     None, "received_at"),
    # 200 with offsets such as +07:06:30 (the zone's local mean time): no RFC 3339 moment.
    ("GET", "/v1/calendar/due-date?received_at=0537-05-07T21:34:11-02:32&working_days=184",
     None, "received_at"),
    # OverflowError in the intake's date check: 500.
    ("POST", "/v1/dossiers", "counter", "submitted_at"),
    ("POST", "/v1/webhooks/dossiers", "dossier", "submitted_at"),
]  # fmt: skip


@pytest.mark.parametrize(("method", "path", "template", "field"), FOUND)
def test_what_the_fuzzing_found_is_refused_as_a_bad_request(stack, method, path, template, field):
    headers: dict[str, str] = {}
    body = b""
    if template is not None:
        document = {**harness.TEMPLATES[template], "submitted_at": "0001-01-01T00:00:01+01:00"}
        body = json.dumps(document, ensure_ascii=False).encode()
        headers["Content-Type"] = "application/json"
        if path == "/v1/dossiers":
            headers.update(_bearer())
        else:
            headers.update({CLIENT_HEADER: harness.PORTAL_CLIENT, SIGNATURE_HEADER: SIGN})
    answer = werkzeug.test.Client(GATEWAY).open(path, method=method, headers=headers, data=body)
    assert answer.status_code == 400, answer.get_data()
    assert field in [e["field"] for e in answer.json["errors"]]
