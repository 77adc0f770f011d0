"""Notices to applicants at each milestone of a dossier.

A template's text is Vietnamese with diacritics (what officials see and what e-mail or Zalo
carry); its SMS rendering is the same text unaccented, so it goes as GSM-7 and costs a third of
the parts. Every placeholder has a maximum length that bounds both renderings: free text is cut
with '...', and a value that must not be cut (a code, an amount, a link) is refused when too
long. So a template's worst-case SMS cost is known before anything is sent, and
validate_templates refuses one that could exceed its budget of parts.
"""

from __future__ import annotations

import math
import re
import string
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType
from typing import Annotated, Final

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from chalicelib.domain.calendar import as_local
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.sms import (
    GSM7_PER_PART,
    GSM7_SINGLE,
    fit_septets,
    septets,
    sms_parts,
    unaccent,
)

ELLIPSIS: Final = "..."
DEFAULT_MAX_PARTS: Final = 3
DATE_LENGTH: Final = len("dd/mm/yyyy HH:MM")  # room for the time, whether shown or not

_CODE_VALUE: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]*")
# RFC 3986 characters only: all are GSM-7, so a link survives unaccent unchanged.
_LINK_VALUE: Final = re.compile(r"https?://[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+")
_WHITESPACE: Final = re.compile(r"\s+")


class Milestone(StrEnum):
    RECEIVED = "received"  # Mẫu 01: receipt and appointment
    SUPPLEMENT_REQUESTED = "supplement_requested"  # Mẫu 02
    FEES_REQUESTED = "fees_requested"  # nghĩa vụ tài chính
    RESULT_READY = "result_ready"
    RESULT_RETURNED = "result_returned"
    REFUSED = "refused"  # Mẫu 03
    OVERDUE_APOLOGY = "overdue_apology"  # Mẫu 04: apology and a new appointment
    SURVEY_INVITATION = "survey_invitation"


class ValueKind(StrEnum):
    TEXT = "text"  # free text (reasons, names, places): cut to fit
    CODE = "code"  # an identifier such as a dossier code: never cut
    DATE = "date"  # aware datetime (or date) shown in local time as dd/mm/yyyy [HH:MM]
    AMOUNT = "amount"  # whole VND, shown as 1.500.000 đồng
    LINK = "link"  # an http(s) URL: never cut


class Placeholder(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    kind: ValueKind
    max_length: Annotated[int, Field(ge=1, le=1000)]  # characters in Vietnamese, septets in SMS


class MessageTemplate(BaseModel):
    """`text_vi` uses `{name}` placeholders (str.format syntax, no format specs); `placeholders`
    declares each one, its kind and its maximum length."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    id: Annotated[str, StringConstraints(pattern=r"^[a-z0-9_.-]{1,64}$")]
    milestone: Milestone
    text_vi: Annotated[str, StringConstraints(min_length=1, max_length=1000)]
    placeholders: dict[str, Placeholder]

    @model_validator(mode="after")
    def _placeholders_match_text(self) -> MessageTemplate:
        used = _fields(self.text_vi)
        declared = set(self.placeholders)
        if set(used) != declared:
            raise ValueError(
                f"template {self.id}: placeholders in the text {sorted(set(used))} "
                f"differ from those declared {sorted(declared)}"
            )
        for name, spec in self.placeholders.items():
            if spec.kind is ValueKind.TEXT and spec.max_length <= len(ELLIPSIS):
                raise ValueError(f"template {self.id}: {name} has no room beside '...'")
            if spec.kind is ValueKind.DATE and spec.max_length < DATE_LENGTH:
                raise ValueError(f"template {self.id}: {name} needs {DATE_LENGTH} characters")
        return self


def _fields(text: str) -> list[str]:
    """Placeholder names in order; refuses what str.format would do beyond plain substitution."""
    names: list[str] = []
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as error:
        raise ValueError(f"malformed braces: {error}") from None
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        if not name.isidentifier() or spec or conversion:
            raise ValueError(f"placeholder {{{name}}} must be a plain name")
        names.append(name)
    return names


@dataclass(frozen=True)
class RenderedMessage:
    template_id: str
    milestone: Milestone
    text_vi: str
    sms_text: str  # unaccented, GSM-7
    sms_parts: int
    params: Mapping[str, str]  # formatted Vietnamese values, e.g. a Zalo ZNS template_data


def _text(name: str, raw: object, limit: int) -> str:
    if not isinstance(raw, str):
        raise InvalidInput(f"{name} must be text", field=name)
    # NFC so a Vietnamese letter is one character whether typed composed or not; one line.
    value = _WHITESPACE.sub(" ", unicodedata.normalize("NFC", raw)).strip()
    value = "".join(c for c in value if unicodedata.category(c) != "Cc")
    if not value:
        raise InvalidInput(f"{name} must not be empty", field=name)
    if len(value) > limit:
        kept = value[: limit - len(ELLIPSIS)]
        # Cut at a word when one ends in the second half: "nguồn gốc đ..." misleads.
        space = kept.rfind(" ")
        if value[len(kept)] != " " and space >= len(kept) // 2:
            kept = kept[:space]
        value = kept.rstrip(" ,.;:-") + ELLIPSIS
    return value


def _date(name: str, raw: object, show_time: bool) -> str:
    if isinstance(raw, datetime):
        local = as_local(raw, name)
        return f"{local:%d/%m/%Y %H:%M}" if show_time else f"{local:%d/%m/%Y}"
    if isinstance(raw, date) and not show_time:
        return f"{raw:%d/%m/%Y}"
    raise InvalidInput(f"{name} must be a datetime with its UTC offset", field=name)


def format_vnd(amount: int) -> str:
    """1500000 -> '1.500.000 đồng' (Vietnamese groups thousands with dots)."""
    return f"{amount:,}".replace(",", ".") + " đồng"


def _amount(name: str, raw: object) -> str:
    if isinstance(raw, Decimal) and raw.is_finite() and raw == raw.to_integral_value():
        raw = int(raw)
    # VND has no minor unit; floats are refused rather than rounded.
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise InvalidInput(f"{name} must be a whole number of đồng", field=name)
    if raw < 0:
        raise InvalidInput(f"{name} must not be negative", field=name)
    return format_vnd(raw)


def _format(name: str, spec: Placeholder, raw: object, show_time: bool) -> tuple[str, str]:
    """The value as Vietnamese text and as SMS text, each within spec.max_length."""
    if spec.kind is ValueKind.TEXT:
        value = _text(name, raw, spec.max_length)
        return value, fit_septets(unaccent(value), spec.max_length, ELLIPSIS)
    if spec.kind is ValueKind.DATE:
        value = _date(name, raw, show_time)
    elif spec.kind is ValueKind.AMOUNT:
        value = _amount(name, raw)
    elif spec.kind is ValueKind.CODE:
        if not isinstance(raw, str) or not _CODE_VALUE.fullmatch(raw):
            raise InvalidInput(f"{name} must be a code of letters, digits and . _ / -", field=name)
        value = raw
    else:
        if not isinstance(raw, str) or not _LINK_VALUE.fullmatch(raw):
            raise InvalidInput(f"{name} must be an http(s) link", field=name)
        value = raw
    sms = unaccent(value)
    if len(value) > spec.max_length or septets(sms) > spec.max_length:
        raise InvalidInput(f"{name} is longer than {spec.max_length} characters", field=name)
    return value, sms


def render_template(
    template: MessageTemplate, values: Mapping[str, object], *, show_time: bool = False
) -> RenderedMessage:
    """`show_time` adds HH:MM to dates, for procedures whose limit is in working hours."""
    for name in values:
        if name not in template.placeholders:
            raise InvalidInput(f"template {template.id} has no placeholder {name}", field=name)
    params: dict[str, tuple[str, str]] = {}
    for name, spec in template.placeholders.items():
        raw = values.get(name)
        if raw is None:
            raise InvalidInput(f"template {template.id} needs {name}", field=name)
        params[name] = _format(name, spec, raw, show_time)
    text_vi: list[str] = []
    sms_text: list[str] = []
    # The static text is unaccented piece by piece: unaccent is per character, so this equals
    # unaccent(text_vi) except where a value had to be cut to fit in septets.
    for literal, placeholder, _, _ in string.Formatter().parse(template.text_vi):
        text_vi.append(literal)
        sms_text.append(unaccent(literal))
        if placeholder is not None:
            text_vi.append(params[placeholder][0])
            sms_text.append(params[placeholder][1])
    sms = "".join(sms_text)
    return RenderedMessage(
        template_id=template.id,
        milestone=template.milestone,
        text_vi="".join(text_vi),
        sms_text=sms,
        sms_parts=sms_parts(sms).parts,
        params={name: pair[0] for name, pair in params.items()},
    )


def worst_case_septets(template: MessageTemplate) -> int:
    static = "".join(literal for literal, *_ in string.Formatter().parse(template.text_vi))
    return septets(unaccent(static)) + sum(p.max_length for p in template.placeholders.values())


def worst_case_sms_parts(template: MessageTemplate) -> int:
    """An upper bound of the SMS parts, every value at its maximum in septets. Beyond one part
    each part is counted at 152 septets: greedy splitting wastes at most one septet per part,
    when an extension character (2 septets) does not fit in the last one."""
    total = worst_case_septets(template)
    return 1 if total <= GSM7_SINGLE else math.ceil(total / (GSM7_PER_PART - 1))


def validate_templates(
    templates: Iterable[MessageTemplate] | Mapping[Milestone, MessageTemplate],
    max_parts: int = DEFAULT_MAX_PARTS,
) -> dict[Milestone, MessageTemplate]:
    """Templates by milestone, after refusing any that could cost more than `max_parts` SMS
    parts, and duplicate ids or milestones."""
    if isinstance(templates, Mapping):
        for key, template in templates.items():
            if key != template.milestone:
                raise InvalidInput(
                    f"template {template.id} is filed under {key}, not {template.milestone}",
                    field=template.id,
                )
        templates = templates.values()
    by_milestone: dict[Milestone, MessageTemplate] = {}
    ids: set[str] = set()
    for template in templates:
        if template.id in ids:
            raise InvalidInput(f"template id {template.id} is used twice", field=template.id)
        if template.milestone in by_milestone:
            raise InvalidInput(
                f"template {template.id}: milestone {template.milestone} already has "
                f"template {by_milestone[template.milestone].id}",
                field=template.id,
            )
        parts = worst_case_sms_parts(template)
        if parts > max_parts:
            raise InvalidInput(
                f"template {template.id} could need {parts} SMS parts "
                f"({worst_case_septets(template)} septets); at most {max_parts} allowed",
                field=template.id,
            )
        ids.add(template.id)
        by_milestone[template.milestone] = template
    return by_milestone


def _p(kind: ValueKind, max_length: int) -> Placeholder:
    return Placeholder(kind=kind, max_length=max_length)


_CODE_P = _p(ValueKind.CODE, 40)
_DATE_P = _p(ValueKind.DATE, DATE_LENGTH)

DEFAULT_TEMPLATES: Final[Mapping[Milestone, MessageTemplate]] = MappingProxyType(
    validate_templates(
        [
            MessageTemplate(
                id="received.v1",
                milestone=Milestone.RECEIVED,
                # Matches the production SMS word for word once unaccented.
                text_vi="Hồ sơ {code} đã được tiếp nhận. Ngày hẹn trả: {appointment}",
                placeholders={"code": _CODE_P, "appointment": _DATE_P},
            ),
            MessageTemplate(
                id="supplement_requested.v1",
                milestone=Milestone.SUPPLEMENT_REQUESTED,
                text_vi=(
                    "Hồ sơ {code} cần bổ sung, hoàn thiện: {missing}. Thời hạn giải quyết "
                    "tạm dừng đến khi nhận đủ hồ sơ bổ sung."
                ),
                placeholders={"code": _CODE_P, "missing": _p(ValueKind.TEXT, 300)},
            ),
            MessageTemplate(
                id="fees_requested.v1",
                milestone=Milestone.FEES_REQUESTED,
                text_vi=(
                    "Hồ sơ {code} cần thực hiện nghĩa vụ tài chính: {amount}. Kết quả được "
                    "trả sau khi ông/bà hoàn thành nghĩa vụ tài chính."
                ),
                placeholders={"code": _CODE_P, "amount": _p(ValueKind.AMOUNT, 26)},
            ),
            MessageTemplate(
                id="result_ready.v1",
                milestone=Milestone.RESULT_READY,
                text_vi="Hồ sơ {code} đã có kết quả. Mời ông/bà nhận kết quả tại {place}.",
                placeholders={"code": _CODE_P, "place": _p(ValueKind.TEXT, 150)},
            ),
            MessageTemplate(
                id="result_returned.v1",
                milestone=Milestone.RESULT_RETURNED,
                text_vi=(
                    "Hồ sơ {code} đã được trả kết quả ngày {returned_at}. "
                    "Cảm ơn ông/bà đã sử dụng dịch vụ công."
                ),
                placeholders={"code": _CODE_P, "returned_at": _DATE_P},
            ),
            MessageTemplate(
                id="refused.v1",
                milestone=Milestone.REFUSED,
                text_vi="Hồ sơ {code} không được tiếp nhận. Lý do: {reason}",
                placeholders={"code": _CODE_P, "reason": _p(ValueKind.TEXT, 300)},
            ),
            MessageTemplate(
                id="overdue_apology.v1",
                milestone=Milestone.OVERDUE_APOLOGY,
                text_vi=(
                    "{agency} xin lỗi ông/bà vì hồ sơ {code} chưa trả kết quả đúng hẹn "
                    "ngày {old_appointment}. Lý do: {reason}. Ngày hẹn trả mới: {new_appointment}"
                ),
                placeholders={
                    "agency": _p(ValueKind.TEXT, 80),
                    "code": _CODE_P,
                    "old_appointment": _DATE_P,
                    "reason": _p(ValueKind.TEXT, 160),
                    "new_appointment": _DATE_P,
                },
            ),
            MessageTemplate(
                id="survey_invitation.v1",
                milestone=Milestone.SURVEY_INVITATION,
                text_vi=(
                    "Mời ông/bà đánh giá mức độ hài lòng về việc giải quyết hồ sơ {code} tại {link}"
                ),
                placeholders={"code": _CODE_P, "link": _p(ValueKind.LINK, 100)},
            ),
        ]
    )
)


def render(
    milestone: Milestone | str,
    values: Mapping[str, object],
    *,
    templates: Mapping[Milestone, MessageTemplate] = DEFAULT_TEMPLATES,
    show_time: bool = False,
) -> RenderedMessage:
    """The notice for `milestone` with `values` (aware datetimes for dates, whole đồng for
    amounts). Missing or unknown values raise InvalidInput naming the field."""
    try:
        key = Milestone(milestone)
    except ValueError:
        raise InvalidInput(f"unknown milestone {milestone!r}", field="milestone") from None
    template = templates.get(key)
    if template is None:
        raise InvalidInput(f"no template for milestone {key}", field="milestone")
    return render_template(template, values, show_time=show_time)
