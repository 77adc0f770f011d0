"""Reading an intake body: raw bytes → one IntakeRequest, or IntakeInvalid naming every field at
fault in the caller's key names.

Order of checks: size, UTF-8 (strict; a leading BOM is ignored), nesting depth (before parsing,
so that a hostile body cannot exhaust the parser's recursion), JSON (no NaN/Infinity, no
duplicate keys, no lone surrogates), shape, then every field at once.

Shapes (one dossier per webhook):
- our schema (`procedure_code` present): DossierSubmission;
- a DongBoHoSoMC item (`MaHoSo` or `MaTTHC` present): DongBoHoSoMC;
- the national portal's envelope `{"service": "DongBoHoSoMC", "data": [item], ...}`: its one
  item, with field paths prefixed `data[0].`; `isUpdating` "True" marks it as an update of a
  dossier sent before (`intake.resend`); other envelope keys (`session`, `madonvi`) are
  ignored. An envelope with several items is refused: each dossier is its own webhook, so that
  each is acknowledged, retried and de-duplicated on its own.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, Literal

from chalicelib.domain.dossier import Location
from chalicelib.intake.checks import show
from chalicelib.intake.dvcqg import SERVICE, DongBoHoSoMC
from chalicelib.intake.errors import FieldIssue, IntakeInvalid, path
from chalicelib.intake.model import IntakeContext, IntakeRequest
from chalicelib.intake.schema import DossierSubmission

MAX_DEPTH: Final = 20
ENVELOPE_KEY: Final = "data"
UPDATING_KEY: Final = "isUpdating"
OUR_KEYS: Final = frozenset(DossierSubmission.model_fields)
DVCQG_KEYS: Final = frozenset(DongBoHoSoMC.model_fields)
_BOM: Final = "\ufeff"
# A JSON string (its closing quote optional, so that an unterminated one is consumed once and
# the scan stays linear) or a bracket outside strings.
_TOKENS: Final = re.compile(r'"(?:[^"\\]|\\.)*"?|[\[\]{}]', re.DOTALL)

Shape = Literal["motcua", "dvcqg"]


class _Refused(Exception):
    def __init__(self, issue: FieldIssue) -> None:
        super().__init__(issue.reason)
        self.issue = issue


def _body_issue(reason: str, message_vi: str, field: str = "body") -> IntakeInvalid:
    return IntakeInvalid([FieldIssue(field, reason, message_vi)])


def parse_submission(raw: bytes, *, province: str, now: datetime, max_bytes: int) -> IntakeRequest:
    """A portal's webhook body (our schema or a DVCQG item) as an IntakeRequest.

    `province` is the one this engine serves (e.g. "H19"), `now` the moment of receipt (dates
    may be at most 5 minutes ahead of it), `max_bytes` the largest body accepted.
    Raises IntakeInvalid listing every field at fault.
    """
    return parse_webhook(raw, province=province, now=now, max_bytes=max_bytes).request


@dataclass(frozen=True)
class WebhookSubmission:
    request: IntakeRequest
    updating: bool  # the national portal's envelope said `isUpdating` "True"


def parse_webhook(raw: bytes, *, province: str, now: datetime, max_bytes: int) -> WebhookSubmission:
    """`parse_submission`, with whether the sender marks it as an update of one sent before."""
    IntakeContext(province=province, now=now, source="motcua")  # checks the arguments
    document = read_body(raw, max_bytes=max_bytes)
    shape, item, prefix = detect_shape(document)
    if shape == "motcua":
        submission = DossierSubmission.validate_submission(item, province=province, now=now)
        return WebhookSubmission(submission.to_intake(), updating=False)
    updating = _update_flag(document) if prefix else False
    try:
        request = DongBoHoSoMC.validate_item(item, province=province, now=now).to_intake()
    except IntakeInvalid as exc:
        if not prefix:
            raise
        raise IntakeInvalid(_prefixed(issue, prefix) for issue in exc.errors) from None
    return WebhookSubmission(request, updating=updating)


_TRUE: Final = ("True", "true", "1")
_FALSE: Final = ("False", "false", "0", "")


def _update_flag(envelope: dict[str, Any]) -> bool:
    """`isUpdating` as the portal sends it ("True"/"False", docs/dvcqg-contract.md §1.4), or
    a JSON boolean; absent is "False"."""
    value = envelope.get(UPDATING_KEY, False)
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value in _TRUE + _FALSE:
        return value in _TRUE
    raise IntakeInvalid(
        [
            FieldIssue(
                UPDATING_KEY,
                f'must be "True" or "False", not {show(value)}',
                'Chỉ nhận "True" hoặc "False"',
            )
        ]
    )


def parse_counter_submission(
    raw: bytes, *, province: str, now: datetime, max_bytes: int, received_by: Location
) -> IntakeRequest:
    """A body of the counter API (an authenticated official; our schema only, channel 1 or 3):
    the dossier is received at the official's `received_by` agency and unit."""
    IntakeContext(province=province, now=now, source="counter", received_by=received_by)
    document = read_body(raw, max_bytes=max_bytes)
    if not isinstance(document, dict):
        raise _body_issue(
            "must be a JSON object: one dossier", "Nội dung phải là một đối tượng JSON"
        )
    submission = DossierSubmission.validate_submission(
        document, province=province, now=now, source="counter", received_by=received_by
    )
    return submission.to_intake()


def read_body(raw: bytes, *, max_bytes: int) -> Any:
    """The JSON document in `raw`; raises IntakeInvalid on field `body` (or the path of a bad
    string) when it is too large, not UTF-8, nested deeper than MAX_DEPTH or not JSON."""
    if not isinstance(raw, bytes | bytearray):
        raise TypeError(f"raw must be bytes, not {type(raw).__name__}")
    if isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes < 1:
        raise ValueError("max_bytes must be a positive integer")
    if len(raw) > max_bytes:
        raise _body_issue(
            f"is {len(raw)} bytes, more than the limit of {max_bytes}",
            "Nội dung vượt quá kích thước cho phép",
        )
    try:
        text = bytes(raw).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _body_issue(
            f"is not valid UTF-8: byte 0x{raw[exc.start]:02x} at offset {exc.start} ({exc.reason})",
            "Nội dung không phải văn bản UTF-8",
        ) from None
    text = text.removeprefix(_BOM)
    if not text.strip():
        raise _body_issue("is empty: expected one JSON object", "Nội dung trống")
    if _too_deep(text):
        raise _body_issue(
            f"nests objects and arrays deeper than {MAX_DEPTH} levels",
            "Nội dung lồng nhau quá sâu",
        )
    try:
        document = json.loads(text, object_pairs_hook=_object, parse_constant=_no_constant)
    except _Refused as exc:
        raise IntakeInvalid([exc.issue]) from None
    except json.JSONDecodeError as exc:
        raise _body_issue(
            f"is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno} "
            f"(character {exc.pos})",
            f"Nội dung không phải JSON hợp lệ (dòng {exc.lineno}, cột {exc.colno})",
        ) from None
    except ValueError as exc:  # e.g. an integer beyond Python's digit limit
        raise _body_issue(
            f"is not acceptable JSON: {exc}", "Nội dung không phải JSON hợp lệ"
        ) from None
    for loc, value in _strings(document):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise IntakeInvalid(
                [
                    FieldIssue(
                        path(loc, "") if loc else "body",
                        "contains a lone UTF-16 surrogate (\\ud800-\\udfff escape): not text",
                        "Chứa ký tự không hợp lệ",
                    )
                ]
            ) from None
    return document


def detect_shape(document: Any) -> tuple[Shape, dict[str, Any], str]:
    """Which schema `document` is in, the item to validate, and the path prefix of its fields."""
    if not isinstance(document, dict):
        raise _body_issue(
            "must be a JSON object: one dossier", "Nội dung phải là một đối tượng JSON"
        )
    keys = document.keys()
    if "procedure_code" in keys:
        return "motcua", document, ""
    if "MaHoSo" in keys or "MaTTHC" in keys:
        return "dvcqg", document, ""
    if ENVELOPE_KEY in keys:
        return _envelope(document)
    ours, theirs = len(keys & OUR_KEYS), len(keys & DVCQG_KEYS)
    if ours and ours >= theirs:
        return "motcua", document, ""
    if theirs:
        return "dvcqg", document, ""
    raise _body_issue(
        "is neither our schema (with procedure_code) nor a DongBoHoSoMC item (with MaHoSo and "
        "MaTTHC)",
        "Không nhận ra cấu trúc hồ sơ",
    )


def _envelope(document: dict[str, Any]) -> tuple[Shape, dict[str, Any], str]:
    issues = []
    service = document.get("service")
    if service is not None and service != SERVICE:
        issues.append(
            FieldIssue(
                "service",
                f"this endpoint takes {SERVICE} (new dossiers), not {show(service)}",
                f"Chỉ tiếp nhận dịch vụ {SERVICE}",
            )
        )
    data = document[ENVELOPE_KEY]
    item: Any = None
    prefix = ENVELOPE_KEY
    if isinstance(data, dict):
        item = data
    elif not isinstance(data, list):
        issues.append(
            FieldIssue(
                ENVELOPE_KEY, "must be a list holding one item", "Phải là danh sách một hồ sơ"
            )
        )
    elif len(data) != 1:
        issues.append(
            FieldIssue(
                ENVELOPE_KEY,
                f"holds {len(data)} items: one dossier per webhook, so that each is "
                "acknowledged, retried and de-duplicated on its own; send each item in its own "
                "request",
                "Mỗi lần gửi chỉ một hồ sơ",
            )
        )
    elif not isinstance(data[0], dict):
        issues.append(
            FieldIssue(
                f"{ENVELOPE_KEY}[0]",
                "must be a JSON object",
                "Phải là một đối tượng JSON",
            )
        )
    else:
        item, prefix = data[0], f"{ENVELOPE_KEY}[0]"
    if issues:
        raise IntakeInvalid(issues)
    return "dvcqg", item, prefix


def _prefixed(issue: FieldIssue, prefix: str) -> FieldIssue:
    if issue.field == "body":
        field = prefix
    elif issue.field.startswith("["):
        field = prefix + issue.field
    else:
        field = f"{prefix}.{issue.field}"
    return FieldIssue(field, issue.reason, issue.message_vi)


def _too_deep(text: str) -> bool:
    """Whether objects and arrays nest deeper than MAX_DEPTH, counted outside strings."""
    depth = 0
    for match in _TOKENS.finditer(text):
        token = match.group()
        if token in ("[", "{"):
            depth += 1
            if depth > MAX_DEPTH:
                return True
        elif token in ("]", "}"):
            depth -= 1
    return False


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document: dict[str, Any] = {}
    for key, value in pairs:
        if key in document:
            raise _Refused(
                FieldIssue(
                    "body",
                    f"names the key {show(key)} twice in one object: parsers disagree on "
                    "which value wins",
                    "Một trường xuất hiện hai lần",
                )
            )
        document[key] = value
    return document


def _no_constant(name: str) -> Any:
    raise _Refused(
        FieldIssue("body", f"contains {name}, which is not JSON", "Nội dung không phải JSON hợp lệ")
    )


def _strings(document: Any) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """Every key and string value with its location; iterative (depth is bounded anyway)."""
    stack: list[tuple[tuple[str | int, ...], Any]] = [((), document)]
    while stack:
        loc, value = stack.pop()
        if isinstance(value, str):
            yield loc, value
        elif isinstance(value, dict):
            for key, item in value.items():
                yield (*loc, key), key
                stack.append(((*loc, key), item))
        elif isinstance(value, list):
            stack.extend(((*loc, index), item) for index, item in enumerate(value))
