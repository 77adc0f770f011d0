"""A dead letter keeps its story across redrives: the original, redriven under a new message id
and refused again, finds its park, keeps its id and first time, and adds its reason."""

import json
from datetime import UTC, datetime, timedelta

from chalicelib.handlers.dead_letters import MemoryLetters, original_body, seal

FIRST = datetime(2026, 12, 5, 2, tzinfo=UTC)
BODY = json.dumps({"code": "000.00.06.H19-261205-0001", "phone": "0987654321"})


def sealed(raw, letters, message_id, reason, now):
    return json.loads(seal(raw, source="notifications", message_id=message_id, reason=reason,
                           letters=letters, now=now))  # fmt: skip


def test_a_redriven_original_refused_again_keeps_its_park_and_adds_its_reason():
    letters = MemoryLetters()
    first = sealed(BODY, letters, "m-1", "provider down 0987654321", FIRST)
    assert first["code"] == "000.00.06.H19-261205-0001"
    assert first["reasons"] == ["provider down [phone]"] and first["first_at"] == FIRST.isoformat()
    # Redriven: the worker swaps the letter for its original, which fails under a new id.
    raw = original_body(json.dumps(first), letters)
    again = sealed(raw, letters, "m-2", "quota exceeded", FIRST + timedelta(days=1))
    assert again["parked"] == first["parked"] == "notifications#m-1"
    assert again["reasons"] == ["provider down [phone]", "quota exceeded"]
    assert again["first_at"] == FIRST.isoformat() and list(letters.bodies) == ["notifications#m-1"]


def test_a_purged_letter_forgets_its_park_and_its_link():
    letters = MemoryLetters()
    first = sealed(BODY, letters, "m-1", "no", FIRST)
    letters.forget(first["parked"], source="notifications")
    assert letters.parked(first["parked"]) is None
    assert sealed(BODY, letters, "m-3", "again", FIRST)["parked"] == "notifications#m-3"
