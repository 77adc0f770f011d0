"""The public lookup reveals nothing without the phone's last four digits: a known code without
them answers byte for byte like an unknown code and does the same reads.

That it also takes the same time is measured, not asserted: `make bench` prints the median of
paired differences beside its bound (bench/timing_checks.py, docs/benchmarks.md)."""

from __future__ import annotations

import pytest

from chalicelib.adapters.aws import client
from chalicelib.services import reading
from tests.hostile import harness


@pytest.fixture
def lookups(stack, monkeypatch):
    monkeypatch.setattr(reading, "PUBLIC_LOOKUP_SECONDS", 0.01)  # short: this is not about time
    known = stack.code
    unknown = known[:-4] + ("9999" if not known.endswith("9999") else "9998")  # well formed
    return stack.client, known, unknown


def _get(http, path):
    answer = http.get(path)
    return answer.status_code, answer.body


def test_without_the_digits_a_known_code_answers_like_an_unknown_one(lookups):
    http, known, unknown = lookups
    right = harness.SEED_PHONE[-4:]
    wrong = "0000" if right != "0000" else "1111"
    cases = {
        "known, wrong digits": (known, f"?phone_last4={wrong}"),
        "known, no digits": (known, ""),
        "known, dashes": (known, "?phone_last4=----"),
        "known, five digits": (known, f"?phone_last4=9{right}"),
        "unknown, the digits": (unknown, f"?phone_last4={right}"),
        "unknown, wrong digits": (unknown, f"?phone_last4={wrong}"),
    }
    answers = {}
    for name, (code, query) in cases.items():
        status, body = _get(http.http, f"/v1/public/dossiers/{code}{query}")
        answers[name] = (status, body.replace(code.encode(), b"{code}"))
    assert {status for status, _ in answers.values()} == {404}
    assert len({body for _, body in answers.values()}) == 1, answers  # byte for byte
    status, body = _get(http.http, f"/v1/public/dossiers/{known}?phone_last4={right}")
    assert status == 200 and right.encode() not in body


def test_every_path_reads_the_store_once(lookups):
    """(A malformed code is refused by its form, before any read: that says nothing of which
    dossiers exist.)"""
    http, known, unknown = lookups
    calls: list[tuple[str, str]] = []

    def record(model, params, **_):
        calls.append((model.name, params.get("body", b"")))

    events = client("dynamodb").meta.events
    events.register("before-call.dynamodb", record)
    try:
        for path in (
            f"/v1/public/dossiers/{known}?phone_last4=0000",
            f"/v1/public/dossiers/{unknown}?phone_last4=0000",
            f"/v1/public/dossiers/{known}",
        ):
            calls.clear()
            _get(http.http, path)
            assert [name for name, _ in calls] == ["GetItem"], (path, calls)
    finally:
        events.unregister("before-call.dynamodb", record)
