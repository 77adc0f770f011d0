"""The public lookup reveals nothing without the receipt PIN: a known code without it answers
byte for byte like an unknown code and does the same reads and writes (its counters of wrong
guesses); past the limits it answers 429 with Retry-After, the same for any code.

That it also takes the same time is measured, not asserted: `make bench` prints the median of
paired differences beside its bound (bench/timing_checks.py, docs/benchmarks.md). The limits'
arithmetic (10,000 guesses, 50 addresses, the window) is tests/unit/test_lookup_limits.py."""

from __future__ import annotations

import json

import pytest

from chalicelib import bootstrap
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


def _wrong(pin: str) -> str:
    return pin[:-1] + ("2" if pin[-1] != "2" else "3")


def test_without_the_pin_a_known_code_answers_like_an_unknown_one(lookups, stack):
    http, known, unknown = lookups
    right, digits = stack.pin, harness.SEED_PHONE[-4:]
    cases = {
        "known, wrong pin": (known, f"?pin={_wrong(right)}"),
        "known, no pin": (known, ""),
        "known, empty pin": (known, "?pin="),
        "known, the phone's digits": (known, f"?phone_last4={digits}"),  # it has a PIN
        "known, dashes": (known, "?phone_last4=----"),
        "unknown, the pin": (unknown, f"?pin={right}"),
        "unknown, the digits": (unknown, f"?phone_last4={digits}"),
    }
    answers = {}
    for name, (code, query) in cases.items():
        status, body = _get(http.http, f"/v1/public/dossiers/{code}{query}")
        answers[name] = (status, body.replace(code.encode(), b"{code}"))
    assert {status for status, _ in answers.values()} == {404}
    assert len({body for _, body in answers.values()}) == 1, answers  # byte for byte
    for typed in (right, right.lower(), right.replace("-", ""), right.replace("-", " ")):
        status, body = _get(http.http, f"/v1/public/dossiers/{known}?pin={typed}")
        assert status == 200 and right.encode() not in body and digits.encode() not in body


def test_a_pin_of_another_form_is_refused_naming_it_and_writes_nothing(lookups, stack):
    http, known, unknown = lookups
    before = stack.footprint()
    for code in (known, unknown):
        for typed in ("0000-0000", "IIII-LLLL", "ABC", "A" * 17):
            answer = http.http.get(f"/v1/public/dossiers/{code}?pin={typed}")
            assert answer.status_code == 400, typed
            assert answer.headers["Content-Type"] == "application/problem+json"
            assert json.loads(answer.body)["errors"][0]["field"] == "pin"
    assert stack.footprint() == before


def test_every_failing_path_reads_and_writes_alike(lookups, stack):
    """The same calls whether the code exists or not: the counters read, the state read, the
    counters of wrong guesses written. (A malformed code is refused by its form, before any
    read: that says nothing of which dossiers exist.)"""
    http, known, unknown = lookups
    calls: list[str] = []

    def record(model, params, **_):
        calls.append(model.name)

    events = client("dynamodb").meta.events
    events.register("before-call.dynamodb", record)
    seen = {}
    try:
        for path in (
            f"/v1/public/dossiers/{known}?pin={_wrong(stack.pin)}",
            f"/v1/public/dossiers/{unknown}?pin={_wrong(stack.pin)}",
            f"/v1/public/dossiers/{known}",
            f"/v1/public/dossiers/{known}?phone_last4=0000",
        ):
            calls.clear()
            _get(http.http, path)
            seen[path] = list(calls)
    finally:
        events.unregister("before-call.dynamodb", record)
    expected = ["GetItem", "GetItem", "GetItem", "UpdateItem", "UpdateItem"]
    assert all(found == expected for found in seen.values()), seen


def test_past_the_limit_a_code_answers_429_with_retry_after_whatever_it_is(
    lookups, stack, monkeypatch
):
    http, known, unknown = lookups
    deps = bootstrap.container()
    tight = deps.settings.model_copy(
        update={"lookup_failures_per_code": 3, "lookup_failures_per_address": 1000}
    )
    monkeypatch.setattr(deps, "settings", tight)
    another = known[:-4] + ("9998" if not known.endswith("9998") else "9997")
    answers = {}
    for code in (another, unknown):
        statuses = [_get(http.http, f"/v1/public/dossiers/{code}?pin=22222222")[0]
                    for _ in range(5)]  # fmt: skip
        answer = http.http.get(f"/v1/public/dossiers/{code}?pin=22222222")
        assert statuses[-2:] == [429, 429] and answer.status_code == 429, statuses
        assert answer.headers["Content-Type"] == "application/problem+json"
        window = tight.lookup_window_seconds
        assert 1 <= int(answer.headers["Retry-After"]) <= window
        answers[code] = answer.body.replace(code.encode(), b"{code}")
    assert len(set(answers.values())) == 1  # unknown and (well formed) other codes alike
    problem = json.loads(answers[unknown])
    assert problem["status"] == 429 and problem["type"].endswith("/too-many-requests")
    # A known code guessed wrong as often is locked alike: its right PIN too, till the window
    # ends (tests/unit/test_lookup_limits.py turns the clock).
    for _ in range(3):
        _get(http.http, f"/v1/public/dossiers/{known}?pin=22222222")
    status, body = _get(http.http, f"/v1/public/dossiers/{known}?pin={stack.pin}")
    assert (status, body.replace(known.encode(), b"{code}")) == (429, answers[unknown])
