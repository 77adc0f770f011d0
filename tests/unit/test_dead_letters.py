"""Dead letters: a masked copy for people, the original parked, and the original back when the
letter is redriven."""

import json
from datetime import UTC, datetime

import pytest

from chalicelib.handlers.dead_letters import (
    LETTER_KIND,
    MemoryLetters,
    masked_copy,
    original_body,
    seal,
)
from chalicelib.services.failures import PermanentFailure

NOW = datetime(2026, 11, 20, 2, tzinfo=UTC)
BODY = json.dumps(
    {
        "kind": "intake.v1",
        "receipt_id": "r-1",
        "request": {
            "external_id": "dvc-1",
            "applicant": {
                "name": "Trần Thị Bình",
                "phone": "0987654321",
                "id_number": "079203004455",
            },
            "summary": "Đăng ký khai sinh cho con của Trần Thị Bình",
        },
    },
    ensure_ascii=False,
)


def _sealed(raw: str, letters: MemoryLetters, message_id: str = "m-1") -> dict:
    reason = "failed 4 times; last error: ValueError('0987654321')"
    sealed = seal(
        raw, source="intake", message_id=message_id, reason=reason, letters=letters, now=NOW
    )
    return json.loads(sealed)


def test_the_letter_shows_what_it_was_about_and_no_personal_data():
    letters = MemoryLetters()
    letter = _sealed(BODY, letters)
    text = json.dumps(letter, ensure_ascii=False)
    for secret in ("0987654321", "079203004455", "Trần Thị Bình", "Bình"):
        assert secret not in text
    assert letter["kind"] == LETTER_KIND and letter["parked"] == "intake#m-1"
    assert letter["masked"]["receipt_id"] == "r-1"
    assert letter["masked"]["request"]["external_id"] == "dvc-1"
    assert letter["masked"]["request"]["summary"] == "[text, 43 characters]"
    assert letter["reason"] == "failed 4 times; last error: ValueError('[phone]')"


def test_a_redriven_letter_is_its_original_and_anything_else_is_itself():
    letters = MemoryLetters()
    letter = json.dumps(_sealed(BODY, letters), ensure_ascii=False)
    assert original_body(letter, letters) == BODY
    assert original_body(BODY, letters) == BODY
    assert original_body("not json", letters) == "not json"


def test_a_letter_that_fails_again_keeps_its_park_and_its_mask():
    letters = MemoryLetters()
    first = _sealed(BODY, letters)
    again = _sealed(json.dumps(first, ensure_ascii=False), letters, message_id="m-2")
    assert again["parked"] == first["parked"] and again["masked"] == first["masked"]
    assert list(letters.bodies) == ["intake#m-1"]


def test_a_body_that_is_not_json_shows_only_its_length():
    assert masked_copy("Trần Thị Bình 0987654321") == "[not JSON, 24 characters]"


def test_a_letter_whose_original_expired_is_a_permanent_failure():
    letters = MemoryLetters()
    letter = json.dumps(_sealed(BODY, letters))
    letters.bodies.clear()
    with pytest.raises(PermanentFailure, match="no longer parked"):
        original_body(letter, letters)
