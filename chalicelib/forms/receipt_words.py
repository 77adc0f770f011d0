"""Amounts of Vietnamese đồng as a receipt writes them: in figures ("1.005.000 đồng") and in
words ("Một triệu không trăm linh năm nghìn đồng chẵn"). Pure.

How the words are read (the usage of invoices and receipts; no regulation fixes the wording):
- groups of three digits, from the left: tỷ, triệu, nghìn, then the units; above a thousand
  tỷ the count of tỷ is itself read ("một nghìn tỷ");
- a group of zeros is not read; a group after the first is read whole, its hundreds included
  ("không trăm"), and a zero ten before a unit is "linh" (105: "một trăm linh năm");
- 1 after a ten of 20 or more is "mốt", 5 after a ten is "lăm", 4 after a ten of 20 or more
  is "tư", 10 is "mười";
- "chẵn" closes a round amount (whole thousands), as receipts do to stop a figure from being
  appended; 0 is "Không đồng".
"""

from __future__ import annotations

DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
# Each group's name, from the units up; a count of tỷ of its own is read again with these.
GROUP_NAMES = ("", "nghìn", "triệu")
BILLION = 1_000_000_000
CURRENCY = "đồng"
ROUND = "chẵn"


def format_vnd(amount: int) -> str:
    """ "1.005.000 đồng": a dot between thousands, as Vietnamese documents write figures."""
    _check(amount)
    return f"{amount:,}".replace(",", ".") + f" {CURRENCY}"


def amount_in_words_vi(amount: int) -> str:
    """The amount in Vietnamese words, capitalised, with its currency (module docstring)."""
    _check(amount)
    if amount == 0:
        return f"{DIGITS[0].capitalize()} {CURRENCY}"
    words = f"{_number(amount)} {CURRENCY}"
    if amount % 1000 == 0:
        words += f" {ROUND}"
    return words[0].upper() + words[1:]


def _check(amount: int) -> None:
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise TypeError(f"an amount of đồng is an int, not {type(amount).__name__}")
    if amount < 0:
        raise ValueError(f"an amount of đồng is not negative: {amount}")


def _number(n: int, *, leading: bool = True) -> str:
    """n > 0 in words. `leading`: nothing is read before it (its hundreds may be left out)."""
    if n >= BILLION:
        billions, rest = divmod(n, BILLION)
        head = f"{_number(billions, leading=leading)} tỷ"
        return f"{head} {_number(rest, leading=False)}" if rest else head
    groups: list[str] = []
    for position in range(len(GROUP_NAMES) - 1, -1, -1):
        value = n // 1000**position % 1000
        if value == 0:
            continue
        first = leading and not groups
        words = _group(value, whole=not first)
        groups.append(f"{words} {GROUP_NAMES[position]}".strip())
    return " ".join(groups)


def _group(value: int, *, whole: bool) -> str:
    """0 < value < 1000. `whole`: read its hundreds even when they are 0 ("không trăm")."""
    hundreds, tens, units = value // 100, value // 10 % 10, value % 10
    words: list[str] = []
    if hundreds or whole:
        words.append(f"{DIGITS[hundreds]} trăm")
    if tens == 0:
        if units and words:
            words.append("linh")
    elif tens == 1:
        words.append("mười")
    else:
        words.append(f"{DIGITS[tens]} mươi")
    if units:
        words.append(_unit(units, tens))
    return " ".join(words)


def _unit(units: int, tens: int) -> str:
    if units == 1 and tens >= 2:
        return "mốt"
    if units == 5 and tens >= 1:
        return "lăm"
    if units == 4 and tens >= 2:
        return "tư"
    return DIGITS[units]
