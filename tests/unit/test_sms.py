import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.sms import (
    GSM7_ALPHABET,
    GSM7_BASIC,
    GSM7_BASIC_TABLE,
    GSM7_EXTENSION,
    SmsParts,
    encoding_of,
    fit_septets,
    septets,
    sms_parts,
    split_parts,
    unaccent,
)

VIETNAMESE = "Hồ sơ đã được tiếp nhận. Ngày hẹn trả: 24/02/2026"


# -- alphabet -------------------------------------------------------------------------------


def test_basic_table_has_128_positions_and_127_characters():
    assert len(GSM7_BASIC_TABLE) == 128
    assert GSM7_BASIC_TABLE[0x1B] == "\x1b"  # escape, not a character
    assert len(GSM7_BASIC) == 127
    assert GSM7_BASIC_TABLE[0x00] == "@"
    assert GSM7_BASIC_TABLE[0x02] == "$"
    assert GSM7_BASIC_TABLE[0x11] == "_"
    assert GSM7_BASIC_TABLE[0x24] == "¤"
    assert GSM7_BASIC_TABLE[0x40] == "¡"
    assert GSM7_BASIC_TABLE[0x60] == "¿"
    assert GSM7_BASIC_TABLE[0x7F] == "à"


def test_extension_table_is_exact():
    assert frozenset("\f^{}\\[~]|€") == GSM7_EXTENSION
    assert not GSM7_BASIC & GSM7_EXTENSION


@pytest.mark.parametrize("char", ["`", "ç", "á", "đ", "ơ", "ư", "\t", "’", "–", "…", "\u00a0"])
def test_characters_outside_gsm7(char):
    assert char not in GSM7_ALPHABET
    assert encoding_of(f"abc{char}") == "UCS-2"


def test_extension_characters_cost_two_septets():
    assert septets("[a]") == 5
    assert septets("€") == 2
    assert sms_parts("{}").units == 4


# -- unaccent -------------------------------------------------------------------------------


def test_unaccent_vietnamese_sentence():
    assert unaccent(VIETNAMESE) == "Ho so da duoc tiep nhan. Ngay hen tra: 24/02/2026"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Đồng Nai", "Dong Nai"),
        ("ĐĂNG KÝ QUYỀN SỬ DỤNG ĐẤT", "DANG KY QUYEN SU DUNG DAT"),
        ("ươ ƯƠ ăâê ôơư", "uo UO aae oou"),
        ("ả ã ạ ằ ẳ ẵ ặ ỳ ỷ ỹ ỵ", "a a a a a a a y y y y"),
        ("“quá hạn” ‘x’", "\"qua han\" 'x'"),
        ("a – b — c", "a - b - c"),
        ("chờ…", "cho..."),
        ("1\u00a0500\u202f000", "1 500 000"),
        ("`lệnh`", "'lenh'"),
        ("a\tb", "a b"),
        ("so\u200bft\u00adhy", "softhy"),
        ("ﬁ ＡＢ ½", "fi AB 1/2"),
        ("giá 5₫", "gia 5d"),
        ("Ĳ → 😀 中", "IJ ? ? ?"),
        ("[x] {y} €5 a|b ~ ^ \\", "[x] {y} €5 a|b ~ ^ \\"),
        ("Ç é Ñ Å", "C e N A"),
        ("line1\nline2\r\n", "line1\nline2\r\n"),
    ],
)
def test_unaccent_examples(text, expected):
    assert unaccent(text) == expected


def test_unaccent_composed_and_decomposed_input_agree():
    import unicodedata

    nfd = unicodedata.normalize("NFD", VIETNAMESE)
    assert nfd != VIETNAMESE
    assert unaccent(nfd) == unaccent(VIETNAMESE)


def test_vietnamese_forces_ucs2_but_unaccented_is_gsm7():
    assert encoding_of(VIETNAMESE) == "UCS-2"
    assert sms_parts(VIETNAMESE) == SmsParts("UCS-2", len(VIETNAMESE), 1)
    plain = unaccent(VIETNAMESE)
    assert encoding_of(plain) == "GSM-7"
    assert sms_parts(plain) == SmsParts("GSM-7", len(plain), 1)


def test_one_accent_triples_the_parts_of_a_long_text():
    text = "Ho so da duoc tiep nhan " * 6  # 144 characters
    assert sms_parts(text).parts == 1
    assert sms_parts(text + "đ") == SmsParts("UCS-2", 145, 3)


@given(st.text())
def test_unaccent_is_idempotent_and_gsm7(text):
    once = unaccent(text)
    assert unaccent(once) == once
    assert encoding_of(once) == "GSM-7"


@given(st.text(), st.text())
def test_unaccent_works_per_character(a, b):
    assert unaccent(a + b) == unaccent(a) + unaccent(b)


@given(st.text(alphabet=st.sampled_from(sorted(GSM7_ALPHABET - set("éèùìòÇÉÄÖÑÜäöñüàÅå")))))
def test_unaccent_keeps_plain_gsm7(text):
    assert unaccent(text) == text


# -- parts: GSM-7 ---------------------------------------------------------------------------


def test_empty_text_is_one_part():
    assert sms_parts("") == SmsParts("GSM-7", 0, 1)
    assert split_parts("") == [""]


@pytest.mark.parametrize(
    ("length", "parts"),
    [(1, 1), (160, 1), (161, 2), (306, 2), (307, 3), (459, 3), (460, 4)],
)
def test_gsm7_boundaries(length, parts):
    assert sms_parts("a" * length) == SmsParts("GSM-7", length, parts)


def test_gsm7_multipart_segments_hold_153_septets():
    segments = split_parts("a" * 400)
    assert [len(s) for s in segments] == [153, 153, 94]


def test_gsm7_extension_counts_double_at_the_single_part_limit():
    assert sms_parts("a" * 158 + "€") == SmsParts("GSM-7", 160, 1)
    assert sms_parts("a" * 159 + "€") == SmsParts("GSM-7", 161, 2)


def test_escape_sequence_is_never_split_across_parts():
    # 306 septets divide into exactly 2 parts, but '€' cannot straddle septets 153 and 154.
    text = "a" * 152 + "€" + "a" * 152
    assert septets(text) == 306
    segments = split_parts(text)
    assert [septets(s) for s in segments] == [152, 153, 1]
    assert segments[1].startswith("€")
    assert sms_parts(text) == SmsParts("GSM-7", 306, 3)


def test_escape_sequence_that_fits_exactly_at_the_end_of_a_part():
    text = "a" * 151 + "€" + "a" * 153
    assert [septets(s) for s in split_parts(text)] == [153, 153]


# -- parts: UCS-2 ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("length", "parts"),
    [(70, 1), (71, 2), (134, 2), (135, 3), (201, 3), (202, 4)],
)
def test_ucs2_boundaries(length, parts):
    assert sms_parts("ơ" * length) == SmsParts("UCS-2", length, parts)


def test_ucs2_multipart_segments_hold_67_units():
    assert [len(s) for s in split_parts("ư" * 150)] == [67, 67, 16]


def test_surrogate_pair_counts_two_units_and_is_never_split():
    assert sms_parts("😀") == SmsParts("UCS-2", 2, 1)
    assert sms_parts("a" * 68 + "😀") == SmsParts("UCS-2", 70, 1)
    assert sms_parts("a" * 69 + "😀").parts == 2
    # 134 units divide into exactly 2 parts, but the pair cannot straddle units 67 and 68.
    text = "a" * 66 + "😀" + "a" * 66
    assert sms_parts(text).units == 134
    segments = split_parts(text)
    assert [len(s.encode("utf-16-le")) // 2 for s in segments] == [66, 67, 1]
    assert segments[1].startswith("😀")


# -- properties -----------------------------------------------------------------------------


@given(st.text())
def test_segments_rebuild_the_text_within_limits(text):
    segments = split_parts(text)
    assert "".join(segments) == text
    assert len(segments) == sms_parts(text).parts
    if len(segments) > 1:
        if encoding_of(text) == "GSM-7":
            assert all(septets(s) <= 153 for s in segments)
        else:
            assert all(len(s.encode("utf-16-le")) <= 134 for s in segments)


@given(st.text(), st.text(max_size=5))
def test_parts_are_monotonic_in_length(text, more):
    # Appending never saves a part, whatever the encoding becomes.
    assert sms_parts(text + more).parts >= sms_parts(text).parts


@given(st.text(alphabet=st.sampled_from(sorted(GSM7_ALPHABET)), max_size=600))
def test_gsm7_parts_are_monotonic_when_appending_gsm7(text):
    for extra in ("a", "€"):
        assert sms_parts(text + extra).parts >= sms_parts(text).parts


# -- fit_septets ----------------------------------------------------------------------------


def test_fit_septets_leaves_short_text_and_cuts_long_text():
    assert fit_septets("abc", 3) == "abc"
    assert fit_septets("abcdef", 5) == "ab..."
    assert fit_septets("a" * 10 + "€" * 5, 12) == "a" * 9 + "..."
    assert septets(fit_septets("€" * 10, 8)) <= 8


@given(st.text(alphabet=st.sampled_from(sorted(GSM7_ALPHABET))), st.integers(3, 200))
def test_fit_septets_bound(text, limit):
    assert septets(fit_septets(text, limit)) <= limit
