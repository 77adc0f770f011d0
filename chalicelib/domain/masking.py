"""Personal data out of what is written down: log lines, dead letters, error reasons.

`mask(text)` masks free text (phone numbers in any usual form, identity numbers, emails, the
values of personal keys written as `key: value`); `redact(document)` copies a document (dicts,
lists, pydantic models) with personal data masked by key and, in every other string, by `mask`.
Pure: no I/O, no logging; the log wiring (chalicelib/observability) applies them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

PHONE_MASK = "[phone]"
ID_MASK = "[id]"
EMAIL_MASK = "[email]"
NAME_MASK = "[name]"
VALUE_MASK = "[masked]"

# Keys whose values are personal data wherever they appear (compared in lower case).
SENSITIVE_KEYS = frozenset(
    {
        "phone",
        "phones",
        "phone_number",
        "id_number",
        "email",
        "emails",
        "passport",
        "tax_code",
        "sodienthoai",
        "sogiaytochuhoso",
        "masothue",
        "to",  # an outgoing message's recipient
        "pin",  # the receipt PIN, and how it is kept (chalicelib/services/pins.py)
        "pin_hash",
        "pin_sealed",
    }
)
# Keys whose values are an applicant's name wherever they appear. `name` is one only inside
# an `applicant` object: officials' names (actor names) are not masked.
NAME_KEYS = frozenset({"chuhoso", "applicant_name"})
# A payment platform's transaction reference (`PG0123456789`: letters, then digits) names a
# payment, not a person; operators match it against the platform's statement. Kept as it is
# only in that shape: anything else under the key is masked as usual.
REFERENCE_KEYS = frozenset({"transaction_id"})
_REFERENCE = re.compile(r"[A-Z]{2,6}[0-9]{6,24}")

_QUOTED = r"'(?:[^'\\\n]|\\.)*'|\"(?:[^\"\\\n]|\\.)*\""
# `phone: 0912…`, `'id_number': '…'`, `"SoDienThoai":"…"`, `email=…` in free text.
_KEY_VALUE = re.compile(
    r"(?<![\w\-./])(?P<key>['\"]?(?:phone|phones|phone_number|id_number|emails?|passport|tax_code"
    r"|SoDienThoai|SoGiayToChuHoSo|MaSoThue)['\"]?)(?P<sep>\s*[:=]\s*)"
    rf"(?P<value>{_QUOTED}|[^\s,;}}\])'\"]+)",
    re.IGNORECASE,
)
# `ChuHoSo: Trần Văn Bình`, `'ChuHoSo': '…'`: a name runs to the next delimiter.
_NAME_VALUE = re.compile(
    r"(?<![\w\-./])(?P<key>['\"]?(?:ChuHoSo|applicant_name)['\"]?)(?P<sep>\s*[:=]\s*)"
    rf"(?P<value>{_QUOTED}|[^,;}}\])\n'\"]+)",
    re.IGNORECASE,
)
# The `name` of an applicant: `{'applicant': {'kind': 1, 'name': '…'}`,
# `applicant=Applicant(name='…')`, `"applicant":{"name":"…"}`: `name` before the object closes.
_APPLICANT_NAME = re.compile(
    r"(?P<key>\bapplicant(?:in)?\b['\"]?\s*(?:[:=]\s*)?(?:\w*\(|\{)[^{}()\[\]\n]{0,300}?"
    r"\bname['\"]?)(?P<sep>\s*[:=]\s*)"
    rf"(?P<value>{_QUOTED}|[^,;}}\])\n]+)",
    re.IGNORECASE,
)
# A pydantic ValidationError shows the input it refused: `[type=…, input_value=…, input_type=…]`.
_INPUT_VALUE = re.compile(
    r"(?P<key>input_value)(?P<sep>=)(?P<value>.*(?=, input_type=)|.*?(?=\]|$))", re.MULTILINE
)
# The receipt PIN as a notice or a query shows it: `Mã tra cứu: ABCD-EFGH`, `pin=abcdefgh`.
_PIN_VALUE = re.compile(
    r"(?P<key>\b(?:M[ãa] tra c[ứu]u|pin))(?P<sep>['\"]?\s*[:=]\s*['\"]?)"
    r"(?P<value>[A-Za-z0-9]{4}[- ]?[A-Za-z0-9]{4})(?![A-Za-z0-9])",
    re.IGNORECASE,
)
_EMAIL = re.compile(r"[\w.%+\-]+@[\w\-]+(?:\.[\w\-]+)+")
# A Vietnamese passport: one letter and seven digits (B1234567, b1234567), standing alone.
_PASSPORT = re.compile(r"(?<![\w\-])[A-Za-z][0-9]{7}(?![\w\-])")
# Runs of digits joined by separators (`0912 345 678`, `+84-912-345-678`, `+84  912 345 678`,
# `(0251) 3822 123`, `075.090.001.234`, non-breaking spaces); each chain is then searched for
# phone numbers and identity numbers. A separator is up to three spaces (not a line break), or
# one `.`, `-`, `(` or `)` with spaces around it. UUIDs (message, command, request ids) are
# skipped whole: their last group can be 12 digits.
_SPACE = r"[^\S\n]"
_SEPARATOR = rf"(?:{_SPACE}{{1,3}}|{_SPACE}{{0,3}}[.\-()]{_SPACE}{{0,3}})"
_DIGIT_CHAIN = re.compile(
    r"(?P<uuid>(?<![0-9a-fA-F])[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
    r"[0-9a-fA-F]{12}(?![0-9a-fA-F]))"
    rf"|(?<![0-9])(\+?)([0-9]+(?:{_SEPARATOR}[0-9]+)*)(?![0-9])"
)
# The country code as written before a subscriber number (`+84 912345678`, `+84 (0) 912…`).
_COUNTRY_PREFIXES = ("84", "840")
# Identity numbers written in groups (`075 090 001 234`, `0750 9000 1234`): CCCD and CMND.
_GROUPED_ID_LENGTHS = (9, 12)
_DIGITS = re.compile(r"[0-9]+")
# An AWS account id is 12 digits too; it is not personal data: `arn:aws:sqs:region:<id>:…`
# and a queue URL's first path segment (`https://sqs…amazonaws.com/<id>/queue`) stay.
_ARN_BEFORE = re.compile(r"arn:[\w\-]+:[\w\-]*:[\w\-]*:$")
_URL_BEFORE = re.compile(r"https?://[^\s/]+/$")


def _phone_shaped(digits: str) -> bool:
    """A Vietnamese number: 0 + 9 or 10 digits, or 84 + 9 or 10 digits."""
    if digits.startswith("84"):
        return len(digits) in (11, 12)
    return digits.startswith("0") and len(digits) in (10, 11)


def _number_mask(digits: str) -> str:
    return PHONE_MASK if _phone_shaped(digits) else ID_MASK


def _is_account_id(text: str, start: int, end: int) -> bool:
    if end - start != 12:
        return False
    before = text[max(0, start - 80) : start]
    if _ARN_BEFORE.search(before):
        return True
    return bool(_URL_BEFORE.search(before)) and text[end : end + 1] == "/"


def _mask_chain(match: re.Match[str]) -> str:
    """Phone numbers and identity numbers in one chain of digit groups.

    A group of 9 to 13 digits is an identity number or an unformatted phone (CCCD 12, CMND 9,
    tax code 10 or 10-3, 0912345678, 84912345678). Several groups of 1 to 4 digits that read
    as a Vietnamese number are a formatted phone. Longer groups inside a dotted chain (the
    procedure code 1.012766.000.00.00.H19) and short ones (the dossier code's 261121-0001,
    dates) are left alone.
    """
    if match.group("uuid"):
        return match.group(0)
    text = match.string
    plus, chain = match.group(2), match.group(3)
    if _is_account_id(text, match.start(3), match.end(3)) and not plus:
        return match.group(0)
    groups = [(g.start(), g.end()) for g in _DIGITS.finditer(chain)]
    out: list[str] = [plus]
    position = 0  # in `chain`
    i = 0
    while i < len(groups):
        start, end = groups[i]
        first = chain[start:end]
        cut: tuple[int, str] | None = None  # (index of the last group masked, mask)
        if 9 <= len(first) <= 13:
            last = i
            # a branch's tax code: 10 digits, '-', 3 digits
            if (
                len(first) == 10
                and i + 1 < len(groups)
                and chain[end : groups[i + 1][0]] == "-"
                and groups[i + 1][1] - groups[i + 1][0] == 3
            ):
                last = i + 1
            cut = (last, _number_mask(first))
        elif len(first) <= 4 or (i == 0 and plus and first.startswith("84")):
            # `+84912 345 678`: the country code glued to the first group
            cut = _grouped_number(chain, groups, i)
        if cut is None:
            i += 1
            continue
        last, replacement = cut
        out.append(chain[position:start])
        out.append(replacement)
        position = groups[last][1]
        i = last + 1
    if position == 0:
        return match.group(0)
    out.append(chain[position:])
    if out[0] and out[1] == "" and out[2] in (PHONE_MASK, ID_MASK):
        out[0] = ""  # "+84912345678" → "[phone]", not "+[phone]"
    return "".join(out)


def _grouped_number(
    chain: str, groups: list[tuple[int, int]], first: int
) -> tuple[int, str] | None:
    """Groups from `first` on that read as one number: a phone (`0912 345 678`, `+84 91 234
    56 78`, `84 912345678`, `+84 (0) 912 345 678`), else a CCCD or CMND in groups of 3 or 4
    (`075 090 001 234`). The longest reading wins; a phone before an identity number."""
    digits = chain[groups[first][0] : groups[first][1]]
    phone: tuple[int, str] | None = None
    grouped_id: tuple[int, str] | None = None
    id_groups = 3 <= len(digits) <= 4
    for j in range(first + 1, len(groups)):
        group = chain[groups[j][0] : groups[j][1]]
        after_country = digits in _COUNTRY_PREFIXES
        if 5 <= len(group) <= 10:
            # A long group ends a phone (`+84 912345678`, `0251 3822123`) or the chain.
            if _phone_shaped(digits + group):
                phone = (j, PHONE_MASK)
            break
        if not (2 <= len(group) <= 4 or (after_country and group == "0")):
            break
        digits += group
        if len(digits) > 12:
            break
        id_groups = id_groups and 3 <= len(group) <= 4
        if _phone_shaped(digits):
            phone = (j, PHONE_MASK)
        elif id_groups and len(digits) in _GROUPED_ID_LENGTHS:
            grouped_id = (j, ID_MASK)
    return phone or grouped_id


def _keep_key(mask_text: str) -> Callable[[re.Match[str]], str]:
    def replace(match: re.Match[str]) -> str:
        value = match.group("value")
        quote = value[0] if value[:1] in ("'", '"') else ""
        return f"{match.group('key')}{match.group('sep')}{quote}{mask_text}{quote}"

    return replace


def mask(text: str) -> str:
    """`text` without the personal data in it: emails, phone numbers in any usual form
    (0912345678, 0912 345 678, 84912345678, +84 912 345 678, +84 912345678, 02513822123),
    identity numbers (CCCD, CMND, whole or in groups: 075 090 001 234; passports in either
    case: B1234567, b1234567; tax codes), the values of personal keys written as `key: value` or
    `'key': 'value'` (phone, id_number, email, SoDienThoai, SoGiayToChuHoSo, ChuHoSo, an
    applicant's name), and the input a pydantic error quotes (`input_value=…`).

    Dossier codes (000.00.41.H19-261121-0001), agency ids and procedure codes (1.001193,
    1.012766.000.00.00.H19) are kept: operators need them, and they identify nobody.
    """
    if not text:
        return text
    text = _INPUT_VALUE.sub(_keep_key(VALUE_MASK), text)
    text = _APPLICANT_NAME.sub(_keep_key(NAME_MASK), text)
    text = _NAME_VALUE.sub(_keep_key(NAME_MASK), text)
    text = _KEY_VALUE.sub(_keep_key(VALUE_MASK), text)
    text = _PIN_VALUE.sub(_keep_key(VALUE_MASK), text)
    text = _EMAIL.sub(EMAIL_MASK, text)
    text = _PASSPORT.sub(ID_MASK, text)
    return _DIGIT_CHAIN.sub(_mask_chain, text)


def redact(value: Any, *, key: str | None = None, in_applicant: bool = False) -> Any:
    """A copy of a log document (dicts, lists, models, strings) with personal data masked:
    by key (phone, id_number, email, ChuHoSo, an applicant's name, pydantic's `input`) and, in
    every other string, by `mask`."""
    lowered = key.lower() if isinstance(key, str) else None
    if value is None or isinstance(value, bool):
        return value
    if lowered is not None:
        if lowered in NAME_KEYS or (in_applicant and lowered == "name"):
            return NAME_MASK
        if lowered in SENSITIVE_KEYS:
            return VALUE_MASK if not isinstance(value, list | tuple | set) else [VALUE_MASK]
        if lowered in REFERENCE_KEYS and isinstance(value, str) and _REFERENCE.fullmatch(value):
            return value
        if lowered == "applicant" and not isinstance(value, dict):
            dumped = _dump(value)
            return NAME_MASK if dumped is None else redact(dumped, key="applicant")
    if isinstance(value, dict):
        child_applicant = lowered == "applicant"
        errors_entry = "loc" in value and "type" in value  # pydantic's errors(): has `input`
        return {
            (mask(k) if isinstance(k, str) else k): (
                VALUE_MASK
                if errors_entry and k == "input"
                else redact(v, key=k if isinstance(k, str) else None, in_applicant=child_applicant)
            )
            for k, v in value.items()
        }
    if isinstance(value, list | tuple | set | frozenset):
        return [redact(v) for v in value]
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, int | float):
        text = str(value)
        return value if mask(text) == text else ID_MASK
    dumped = _dump(value)
    if dumped is not None:
        if type(value).__name__.lower().startswith("applicant"):  # Applicant, ApplicantIn
            return redact(dumped, key="applicant")
        return redact(dumped, key=key, in_applicant=in_applicant)
    return mask(str(value))


def _dump(value: Any) -> Any:
    dump = getattr(value, "model_dump", None)  # a pydantic model: mask it field by field
    if callable(dump):
        try:
            return dump(mode="json")
        except Exception:
            return None
    return None
