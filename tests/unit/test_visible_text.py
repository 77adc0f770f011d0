"""Issue 16, item 6: names and reasons that print as nothing are refused, by Unicode properties
(`chalicelib/domain/visible.py`), wherever intake and officials' commands read text."""

from __future__ import annotations

import unicodedata

import pytest
import regex
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain import visible
from chalicelib.domain.agencies import Agency
from chalicelib.intake import checks
from chalicelib.intake.errors import CheckFailed

FILLERS = ["\u3164", "\u115f", "\u1160", "\uffa0", "\u2800"]
# Invisible by each part of the rule: format, joiners, bidi, variation selectors, tags, the
# Khmer inherent vowels, the grapheme joiner, wide spaces, Mongolian, musical format, blanks.
MORE_INVISIBLE = [
    "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u202e", "\u2066", "\u061c",
    "\u034f", "\u17b4", "\u17b5", "\u180b", "\u180e", "\ufe0f", "\U000e0041", "\U000e0100",
    "\U0001d173", "\U0001d159", "\u00a0", "\u2003", "\u3000", "\u1680", "\u202f", "\u205f",
    "\u2028", "\u2029", "\t", "\x00", "\x85", "\ue000", "\U000f0000", "\u0378",
]  # fmt: skip
LONE_MARKS = ["\u0301", "\u0323\u0303", "\u20dd", "\u0489"]
NAMES = ["Nguyễn Văn An", "Trần Thị Ngọc Ánh", "Lê Đức Thọ", "Công ty TNHH Đồng Nai", "Ông Ba"]


def _refused(check, value: str) -> CheckFailed:
    with pytest.raises(CheckFailed) as caught:
        check(value)
    return caught.value


def _default_ignorable_ranges() -> list[tuple[int, int]]:
    """Default_Ignorable_Code_Point from the `regex` package's Unicode data: the source of
    `visible.DEFAULT_IGNORABLE`."""
    prop = regex.compile(r"\p{Default_Ignorable_Code_Point}")
    ranges: list[tuple[int, int]] = []
    for code in range(0x110000):
        if prop.match(chr(code)) is None:
            continue
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1] = (ranges[-1][0], code)
        else:
            ranges.append((code, code))
    return ranges


def test_the_default_ignorable_table_is_unicodes():
    fresh = _default_ignorable_ranges()
    table = "\n".join(f"    (0x{a:04X}, 0x{b:04X})," for a, b in fresh)
    assert list(visible.DEFAULT_IGNORABLE) == fresh, f"regenerate the table:\n{table}"


@given(st.characters())
def test_default_ignorable_agrees_with_the_property_for_any_character(char):
    expected = regex.match(r"\p{Default_Ignorable_Code_Point}", char) is not None
    assert visible.default_ignorable(char) is expected


@pytest.mark.parametrize("char", FILLERS + MORE_INVISIBLE, ids=lambda c: f"U+{ord(c):04X}")
def test_invisible_characters_show_nothing(char):
    assert visible.invisible(char)
    assert not visible.visible_text(char)
    assert not visible.visible_text(f" {char} {char}\n")


@pytest.mark.parametrize("marks", LONE_MARKS, ids=ascii)
def test_marks_without_a_base_show_nothing(marks):
    assert not visible.visible_text(marks)
    assert visible.visible_text("a" + marks)


@given(st.text(st.characters(categories=["L", "N", "P", "Sm", "Sc"]), min_size=1))
def test_letters_digits_and_punctuation_show(text):
    # U+3164 and its kin are letters (Lo) by category: the property decides, not the category.
    if all(visible.default_ignorable(char) for char in text):
        assert not visible.visible_text(text)
    else:
        assert visible.visible_text(text)


@given(
    st.lists(st.sampled_from(FILLERS + MORE_INVISIBLE + LONE_MARKS + [" ", "\n"]), min_size=1).map(
        "".join
    )
)
def test_any_mix_of_invisible_characters_is_refused_as_a_name_and_as_text(text):
    failure = _refused(checks.check_name, text)
    assert failure.message_vi in ("Tên không được chỉ gồm ký tự vô hình", "Không được để trống")
    if text.strip():
        with pytest.raises(CheckFailed):
            checks.clean_text(text, max_length=500, min_length=0, multiline=True)


@pytest.mark.parametrize("filler", FILLERS, ids=lambda c: f"U+{ord(c):04X}")
def test_a_name_of_fillers_is_refused_with_a_vietnamese_reason(filler):
    for value in (filler, filler * 3, f" {filler} ", f"{filler} {filler}"):
        failure = _refused(checks.check_name, value)
        assert failure.message_vi == "Tên không được chỉ gồm ký tự vô hình"
        assert "no visible character" in failure.reason


@pytest.mark.parametrize("filler", [*FILLERS, "\ufe0f", "\u034f", "\u17b4"], ids=ascii)
def test_a_filler_inside_a_name_is_refused(filler):
    failure = _refused(checks.check_name, f"Nguyễn{filler}Văn An")
    assert failure.message_vi in ("Tên không được chứa ký tự vô hình", _letters_only_message())


def _letters_only_message() -> str:
    return _refused(checks.check_name, "Nguyễn Văn An ☺").message_vi


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("form", ["NFC", "NFD"])
def test_real_vietnamese_names_are_accepted_in_both_forms(name, form):
    value = unicodedata.normalize(form, name)
    assert visible.visible_text(value)
    assert visible.first_hidden(value) is None
    assert checks.check_name(value) == unicodedata.normalize("NFC", name)


def test_emoji_show_but_a_name_is_letters_only():
    """Emoji are visible text (a note may hold one, with its variation selector); a name holds
    letters, digits and the punctuation of names, so an emoji name is refused."""
    assert visible.visible_text("😀") and visible.visible_text("❤\ufe0f")
    assert checks.clean_text("Cảm ơn ❤\ufe0f", max_length=100) == "Cảm ơn ❤\ufe0f"
    failure = _refused(checks.check_name, "😀")
    assert "letter" in failure.reason


@pytest.mark.parametrize("text", ["\u3164", "\u2800 \u2800", "\u0301"])
def test_notes_of_invisible_characters_are_refused_even_where_a_note_is_optional(text):
    failure = _refused(
        lambda v: checks.clean_text(v, max_length=2000, min_length=0, multiline=True), text
    )
    assert failure.message_vi == "Không được chỉ gồm ký tự vô hình"


def test_catalog_and_registry_names_must_show():
    unit = {"code": "MOT_CUA", "name": "Bộ phận Một cửa"}
    agency = {"code": "000.00.41.H19", "name": "UBND xã", "level": "commune", "units": [unit]}
    assert Agency.model_validate(agency).name == "UBND xã"
    with pytest.raises(ValueError, match="visible"):
        Agency.model_validate({**agency, "name": "\u3164 \u2800"})
