"""Amounts of đồng in figures and in Vietnamese words, as a receipt prints them."""

from __future__ import annotations

import pytest

from chalicelib.forms.receipt_words import amount_in_words_vi, format_vnd


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        (0, "Không đồng"),
        (1, "Một đồng"),
        (10, "Mười đồng"),
        (14, "Mười bốn đồng"),
        (15, "Mười lăm đồng"),
        (21, "Hai mươi mốt đồng"),
        (24, "Hai mươi tư đồng"),
        (25, "Hai mươi lăm đồng"),
        (101, "Một trăm linh một đồng"),
        (105, "Một trăm linh năm đồng"),
        (110, "Một trăm mười đồng"),
        (1_005, "Một nghìn không trăm linh năm đồng"),
        (50_000, "Năm mươi nghìn đồng chẵn"),
        (105_000, "Một trăm linh năm nghìn đồng chẵn"),
        (1_005_000, "Một triệu không trăm linh năm nghìn đồng chẵn"),
        (2_000_001, "Hai triệu không trăm linh một đồng"),
        (1_234_567, "Một triệu hai trăm ba mươi tư nghìn năm trăm sáu mươi bảy đồng"),
        (21_000_000, "Hai mươi mốt triệu đồng chẵn"),
        (1_000_000_000, "Một tỷ đồng chẵn"),
        (1_000_000_005, "Một tỷ không trăm linh năm đồng"),
        (15_000_000_000, "Mười lăm tỷ đồng chẵn"),
        (1_000_000_000_000, "Một nghìn tỷ đồng chẵn"),
    ],
)
def test_amounts_in_words(amount, words):
    assert amount_in_words_vi(amount) == words


@pytest.mark.parametrize(
    ("amount", "figures"),
    [(0, "0 đồng"), (50_000, "50.000 đồng"), (1_005_000, "1.005.000 đồng"),
     (1_000_000_000, "1.000.000.000 đồng")],
)  # fmt: skip
def test_amounts_in_figures(amount, figures):
    assert format_vnd(amount) == figures


@pytest.mark.parametrize("amount", [-1, 1.5, True, "50000"])
def test_only_whole_non_negative_dong(amount):
    with pytest.raises((TypeError, ValueError)):
        amount_in_words_vi(amount)
