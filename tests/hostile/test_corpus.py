"""Issue 8: hostile input. Every case of `corpus/` is refused with a 4xx problem+json naming
the field at fault, and writes nothing to the table and queues nothing.

The corpus is data (`corpus/*.json`, one file a category; the format is in `harness.py`); the
tally by category is printed at the end of the run (`pytest_terminal_summary` in conftest.py).
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections import Counter

import pytest

from chalicelib import bootstrap
from chalicelib.auth import signatures
from chalicelib.ports.replay import ReplayGuard
from tests.hostile import harness
from tests.hostile.conftest import TALLY

REQUIRED_CATEGORIES = {
    "broken-json",
    "wrong-types",
    "missing-extra",
    "huge",
    "deep-nesting",
    "invalid-utf8",
    "injection",
    "dates",
    "phone-id",
    "procedures",
    "foreign-codes",
    "signatures",
    "query-strings",
    "invisible-text",
    "bounds",
    "sent-again",
    "documents",
}
ROUTES = {
    "POST /v1/webhooks/dossiers",
    "POST /v1/dossiers",
    "POST /v1/dossiers/{code}/actions",
    "POST /v1/webhooks/inter-agency/{code}/actions",
    "POST /v1/webhooks/delivery-receipts",
    "POST /v1/webhooks/opt-outs",
    "GET /v1/calendar/due-date",
    "GET /v1/worklist",
    "GET /v1/reports/766",
    "GET /v1/public/dossiers/{code}",
    "GET /v1/dossiers/{code}",
    "GET /v1/dossiers/{code}/commands/{command_id}",
    "GET /v1/intake/{receipt_id}",
    "GET /v1/webhooks/receipts/{receipt_id}",
    # the documents (issue 17)
    "POST /v1/dossiers/{code}/uploads",
    "POST /v1/dossiers/{code}/files",
    "GET /v1/dossiers/{code}/files",
    "GET /v1/dossiers/{code}/files/{file_id}",
    "GET /v1/dossiers/{code}/reusable-documents",
    "POST /v1/dossiers/{code}/reuses",
    "GET /v1/dossiers/{code}/forms/{form}",
    "GET /v1/agencies/{agency}/tracking-book",
    "GET /v1/public/dossiers/{code}/result",
    "GET /v1/public/files/{token}",
    # the citizen's voice (issue 19)
    "GET /v1/public/ratings/{token}",
    "POST /v1/public/ratings/{token}",
    "POST /v1/webhooks/ratings",
    "POST /v1/webhooks/feedback",
    "POST /v1/feedback",
    "POST /v1/feedback/{feedback_id}/actions",
    "GET /v1/feedback/{feedback_id}",
}


def _spend(guard: ReplayGuard, headers: dict[str, str]) -> None:
    """As if the same request had been accepted a moment ago."""
    parsed = signatures.parse(headers[harness.SIGNATURE_HEADER])
    signature = (parsed.v2 or parsed.v1)[0]
    assert guard.first_use(signature, int(time.time()) + 600)


def _post(stack, case: harness.Case, body: bytes) -> tuple[int, dict[str, str], bytes]:
    sent = dataclasses.replace(case, body=body)
    headers, _ = harness.request_headers(sent)
    answer = stack.client.http.post(case.path, body=body, headers=headers)
    return answer.status_code, dict(answer.headers), answer.body


def _send(stack, case: harness.Case) -> harness.Outcome:
    if case.first_body is not None:
        status, _, body = _post(stack, case, case.first_body)
        if not 200 <= status < 300:
            return harness.Outcome(case, False, f"its first request answered {status}: {body!r}")
    headers, replay = harness.request_headers(case)
    if replay:
        _spend(bootstrap.container().replay_guard, headers)
    before = stack.footprint()
    if case.method == "GET":
        answer = stack.client.http.get(case.path, headers=headers)
    else:
        answer = stack.client.http.post(case.path, body=case.body, headers=headers)
    outcome = harness.judge(case, answer.status_code, dict(answer.headers), answer.body)
    after = stack.footprint()
    if outcome.ok and after != before:
        items, messages = (a - b for a, b in zip(after, before, strict=True))
        outcome = harness.Outcome(case, False, f"wrote {items} item(s), queued {messages}")
    return outcome


def test_the_corpus_is_large_and_covers_every_category_and_route():
    raw = harness.load_corpus()
    ids = Counter(case["id"] for case in raw)
    assert [i for i, n in ids.items() if n > 1] == []
    assert len(raw) >= 200
    assert {case["category"] for case in raw} >= REQUIRED_CATEGORIES
    assert {case["route"] for case in raw} == ROUTES
    for case in raw:
        assert 400 <= case["status"] < 500 and case["field"], case["id"]


@pytest.mark.parametrize("name", sorted(harness.TEMPLATES))
def test_templates_are_accepted(stack, name):
    """The valid bodies the cases break are accepted as they are: a refusal is the case's."""
    route = {
        "dossier": "/v1/webhooks/dossiers",
        "dvcqg": "/v1/webhooks/dossiers",
        "envelope": "/v1/webhooks/dossiers",
        "counter": "/v1/dossiers",
        "action": f"/v1/dossiers/{stack.code}/actions",
        "system_action": f"/v1/webhooks/inter-agency/{stack.code}/actions",
        "delivery_receipt": "/v1/webhooks/delivery-receipts",
        "opt_out": "/v1/webhooks/opt-outs",
        "upload": f"/v1/dossiers/{stack.code}/uploads",
        "rating_form": "/v1/public/ratings/{token}",
        "device_rating": "/v1/webhooks/ratings",
        "feedback": "/v1/webhooks/feedback",
        "feedback_in": "/v1/feedback",
        "feedback_action": "/v1/feedback/PA-000000000000/actions",
    }[name]
    auth = {"counter": "jwt", "action": "jwt", "upload": "jwt", "feedback_in": "jwt",
            "feedback_action": "jwt", "rating_form": "none"}.get(name, "signed")  # fmt: skip
    case = harness.expand(
        {
            "id": f"template-{name}",
            "category": "templates",
            "route": f"POST {route}",
            "auth": auth,
            **({"client": harness.TAX_CLIENT} if name == "system_action" else {}),
            "template": name,
            "status": 202,
            "field": "-",
        },
        stack.code,
    )
    headers, _ = harness.request_headers(case)
    items, sent = stack.footprint()
    answer = stack.client.http.post(case.path, body=case.body, headers=headers)
    after = stack.footprint()
    if answer.status_code in (201, 202):  # the footprint sees what an accepted request leaves
        assert after != (items, sent)
    refused = {  # valid bodies the world refuses: about what does not exist or cannot be rated
        "device_rating": (404, "code"),  # a dossier that does not exist
        "rating_form": (409, "code"),  # the seeded dossier has no result returned yet
        "feedback_action": (404, "feedback_id"),  # no such PAKN
    }
    if name in refused:
        status, field = refused[name]
        assert answer.status_code == status, answer.body
        assert json.loads(answer.body)["errors"][0]["field"] == field
        return
    if name == "delivery_receipt":  # valid, about a message nobody sent
        assert answer.status_code == 404, answer.body
    elif name in ("upload", "feedback", "feedback_in"):  # kept: 201
        assert answer.status_code == 201, answer.body
    elif name == "system_action":  # valid, from an agency that takes no part in the dossier
        assert answer.status_code == 403, answer.body
        assert json.loads(answer.body)["errors"][0]["field"] == "agency"
    else:
        assert answer.status_code == 202, answer.body


def test_every_hostile_input_is_refused_naming_its_field_and_changes_nothing(stack, request):
    started = time.monotonic()
    queued = stack.queued()
    cases = [harness.expand(raw, stack.code) for raw in harness.load_corpus()]
    outcomes = [_send(stack, case) for case in cases]
    queued += sum(case.first_body is not None for case in cases)  # each first request's
    elapsed = time.monotonic() - started
    request.config.stash[TALLY] = (list(harness.tally(outcomes)), elapsed)
    failed = [f"{o.case.id}: {o.why}" for o in outcomes if not o.ok]
    assert not failed, f"{len(failed)} of {len(cases)} cases failed:\n" + "\n".join(failed)
    assert stack.queued() == queued  # whoever sent them, no message arrived anywhere
