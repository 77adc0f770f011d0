"""Notices to applicants at each milestone of a dossier.

A template's text is Vietnamese with diacritics (what officials see and what e-mail or Zalo
carry); its SMS rendering is the same text unaccented, so it goes as GSM-7 and costs a third of
the parts. Every placeholder has a maximum length that bounds both renderings: free text is cut
with '...', and a value that must not be cut (a code, an amount, a link) is refused when too
long. So a template's worst-case SMS cost is known before anything is sent, and
validate_templates refuses one that could exceed its budget of parts.

A placeholder may be optional, with the words around it in a `segment` ("Hạn nộp: {}. "): with
no value the whole segment is left out, so a notice says a deadline or a lookup link only when
there is one, and the worst case counts the segment's words too.
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
    STOPPED = "stopped"  # Mẫu 05: processing stopped
    INELIGIBLE = "ineligible"  # NĐ 118 art. 19(3): returned as not eligible, with reasons
    WITHDRAWN = "withdrawn"  # the applicant withdrew the dossier
    # Resumed with a new appointment date (the pause moved it).
    SUPPLEMENT_RECEIVED = "supplement_received"
    FEES_PAID = "fees_paid"
    SUPPLEMENT_REMINDER = "supplement_reminder"  # the supplement's deadline is near


class ValueKind(StrEnum):
    TEXT = "text"  # free text (reasons, names, places): cut to fit
    CODE = "code"  # an identifier such as a dossier code: never cut
    DATE = "date"  # aware datetime (or date) shown in local time as dd/mm/yyyy [HH:MM]
    AMOUNT = "amount"  # whole VND, shown as 1.500.000 đồng
    LINK = "link"  # an http(s) URL: never cut


SEGMENT_SLOT: Final = "{}"


class Placeholder(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    kind: ValueKind
    max_length: Annotated[int, Field(ge=1, le=1000)]  # characters in Vietnamese, septets in SMS
    # Optional: the value with its words around it, `{}` where it goes; left out without one.
    segment: Annotated[str, StringConstraints(min_length=2, max_length=200)] | None = None

    @model_validator(mode="after")
    def _one_slot(self) -> Placeholder:
        if self.segment is not None and (
            self.segment.count(SEGMENT_SLOT) != 1
            or self.segment.replace(SEGMENT_SLOT, "").count("{")
            or "}" in self.segment.replace(SEGMENT_SLOT, "")
        ):
            raise ValueError("a segment holds '{}' once and no other brace")
        return self

    @property
    def optional(self) -> bool:
        return self.segment is not None

    def words(self) -> tuple[str, str]:
        """The segment's words before and after the value ('' for a required placeholder)."""
        if self.segment is None:
            return "", ""
        before, after = self.segment.split(SEGMENT_SLOT)
        return before, after


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
    shown: dict[str, tuple[str, str]] = {}  # with a segment's words, as the text shows it
    for name, spec in template.placeholders.items():
        raw = values.get(name)
        if raw is None:
            if not spec.optional:
                raise InvalidInput(f"template {template.id} needs {name}", field=name)
            shown[name] = ("", "")  # left out, and absent from params
            continue
        params[name] = _format(name, spec, raw, show_time)
        before, after = spec.words()
        vi, sms = params[name]
        shown[name] = (
            f"{before}{vi}{after}",
            f"{unaccent(before)}{sms}{unaccent(after)}",
        )
    text_vi: list[str] = []
    sms_text: list[str] = []
    # The static text is unaccented piece by piece: unaccent is per character, so this equals
    # unaccent(text_vi) except where a value had to be cut to fit in septets.
    for literal, placeholder, _, _ in string.Formatter().parse(template.text_vi):
        text_vi.append(literal)
        sms_text.append(unaccent(literal))
        if placeholder is not None:
            text_vi.append(shown[placeholder][0])
            sms_text.append(shown[placeholder][1])
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
    static += "".join("".join(p.words()) for p in template.placeholders.values())
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


def _p(kind: ValueKind, max_length: int, segment: str | None = None) -> Placeholder:
    return Placeholder(kind=kind, max_length=max_length, segment=segment)


_CODE_P = _p(ValueKind.CODE, 40)
_DATE_P = _p(ValueKind.DATE, DATE_LENGTH)
# The public lookup link, when the province has one (the code is in every notice anyway).
_LOOKUP_P = _p(ValueKind.LINK, 90, segment=" Tra cứu: {}")
_WHERE_P = _p(ValueKind.TEXT, 95)  # a sentence built by `submit_where` / `result_where`
_MISSING_P = _p(ValueKind.TEXT, 150)
_SUPPLEMENT_BY_P = _p(ValueKind.DATE, DATE_LENGTH, segment="Hạn nộp bổ sung: {}. ")

# Where a supplement or a payment is made: the portal for an online dossier, else the counter.
PORTAL_VI: Final = "Cổng Dịch vụ công"


def submit_where(online: bool, counter: str) -> str:
    """How the applicant hands in a supplement: online on the portal, or at the counter."""
    return f"trực tuyến trên {PORTAL_VI}" if online else f"tại {counter}"


def result_where(electronic: bool, counter: str) -> str:
    """Where the result is: the counter, and the portal when an electronic result exists."""
    if electronic:
        return f"Kết quả điện tử đã có trên {PORTAL_VI}; bản giấy (nếu có) nhận tại {counter}."
    return f"Mời ông/bà nhận kết quả tại {counter}."


DEFAULT_TEMPLATES: Final[Mapping[Milestone, MessageTemplate]] = MappingProxyType(
    validate_templates(
        [
            MessageTemplate(
                id="received.v4",
                milestone=Milestone.RECEIVED,
                # Matches the production SMS word for word once unaccented (without a link and
                # when the portal promised the same day).
                text_vi=(
                    "Hồ sơ {code} đã được tiếp nhận. Ngày hẹn trả: {appointment}"
                    "{portal_appointment}{pin}{lookup}"
                ),
                placeholders={
                    "code": _CODE_P,
                    "appointment": _DATE_P,
                    # Ours is later than the portal's: the notice says it replaces that one.
                    "portal_appointment": _p(
                        ValueKind.DATE,
                        DATE_LENGTH,
                        segment=f" (thay ngày hẹn {{}} trên {PORTAL_VI})",
                    ),
                    # The receipt PIN (ABCD-EFGH) that opens the public lookup.
                    "pin": _p(ValueKind.CODE, 9, segment=". Mã tra cứu: {}"),
                    "lookup": _p(ValueKind.LINK, 90, segment=". Tra cứu: {}"),
                },
            ),
            MessageTemplate(
                id="supplement_requested.v2",
                milestone=Milestone.SUPPLEMENT_REQUESTED,
                text_vi=(
                    "Hồ sơ {code} cần bổ sung: {missing}. {supplement_by}Nộp bổ sung {where}."
                    "{lookup}"
                ),
                placeholders={
                    "code": _CODE_P,
                    "missing": _MISSING_P,
                    "supplement_by": _SUPPLEMENT_BY_P,
                    "where": _WHERE_P,
                    "lookup": _LOOKUP_P,
                },
            ),
            MessageTemplate(
                id="supplement_reminder.v1",
                milestone=Milestone.SUPPLEMENT_REMINDER,
                text_vi=(
                    "Nhắc: hồ sơ {code} đang chờ ông/bà bổ sung{missing}. {supplement_by}"
                    "Nộp bổ sung {where}. Quá hạn, hồ sơ có thể bị dừng xử lý.{lookup}"
                ),
                placeholders={
                    "code": _CODE_P,
                    "missing": _p(ValueKind.TEXT, 95, segment=": {}"),
                    "supplement_by": _SUPPLEMENT_BY_P,
                    "where": _WHERE_P,
                    "lookup": _LOOKUP_P,
                },
            ),
            MessageTemplate(
                id="supplement_received.v1",
                milestone=Milestone.SUPPLEMENT_RECEIVED,
                text_vi=(
                    "Hồ sơ {code} đã nhận hồ sơ bổ sung và tiếp tục được giải quyết. "
                    "Ngày hẹn trả mới: {appointment}{lookup}"
                ),
                placeholders={
                    "code": _CODE_P,
                    "appointment": _DATE_P,
                    "lookup": _p(ValueKind.LINK, 90, segment=". Tra cứu: {}"),
                },
            ),
            MessageTemplate(
                id="fees_requested.v3",
                milestone=Milestone.FEES_REQUESTED,
                # The payment order's code (issue 20), when one is made: the platform and the
                # bank transfer name it; the lookup page shows the link and the VietQR code.
                text_vi=(
                    "Hồ sơ {code} cần thực hiện nghĩa vụ tài chính: {amount}.{order} Ông/bà "
                    f"nộp trực tuyến trên {PORTAL_VI} hoặc tại {{place}}. Kết quả được trả sau "
                    "khi hoàn thành nghĩa vụ tài chính.{lookup}"
                ),
                placeholders={
                    "code": _CODE_P,
                    "amount": _p(ValueKind.AMOUNT, 26),
                    "order": _p(ValueKind.CODE, 20, segment=" Mã thanh toán: {}."),
                    "place": _p(ValueKind.TEXT, 90),
                    "lookup": _LOOKUP_P,
                },
            ),
            MessageTemplate(
                id="fees_paid.v1",
                milestone=Milestone.FEES_PAID,
                text_vi=(
                    "Hồ sơ {code} đã hoàn thành nghĩa vụ tài chính và tiếp tục được giải quyết. "
                    "Ngày hẹn trả mới: {appointment}{lookup}"
                ),
                placeholders={
                    "code": _CODE_P,
                    "appointment": _DATE_P,
                    "lookup": _p(ValueKind.LINK, 90, segment=". Tra cứu: {}"),
                },
            ),
            MessageTemplate(
                id="result_ready.v2",
                milestone=Milestone.RESULT_READY,
                text_vi="Hồ sơ {code} đã có kết quả. {where}{lookup}",
                placeholders={
                    "code": _CODE_P,
                    "where": _p(ValueKind.TEXT, 160),
                    "lookup": _LOOKUP_P,
                },
            ),
            MessageTemplate(
                id="result_returned.v2",
                milestone=Milestone.RESULT_RETURNED,
                text_vi=(
                    "Hồ sơ {code} đã được trả kết quả ngày {returned_at}. "
                    "Cảm ơn ông/bà đã sử dụng dịch vụ công.{lookup}"
                ),
                placeholders={"code": _CODE_P, "returned_at": _DATE_P, "lookup": _LOOKUP_P},
            ),
            MessageTemplate(
                id="refused.v2",
                milestone=Milestone.REFUSED,
                text_vi="Hồ sơ {code} không được tiếp nhận. Lý do: {reason}{lookup}",
                placeholders={
                    "code": _CODE_P,
                    "reason": _p(ValueKind.TEXT, 270),
                    "lookup": _p(ValueKind.LINK, 90, segment=". Tra cứu: {}"),
                },
            ),
            MessageTemplate(
                id="stopped.v1",
                milestone=Milestone.STOPPED,
                text_vi=("{agency} thông báo dừng xử lý hồ sơ {code}. Lý do: {reason}{lookup}"),
                placeholders={
                    "agency": _p(ValueKind.TEXT, 80),
                    "code": _CODE_P,
                    "reason": _p(ValueKind.TEXT, 190),
                    "lookup": _p(ValueKind.LINK, 90, segment=". Tra cứu: {}"),
                },
            ),
            MessageTemplate(
                id="ineligible.v1",
                milestone=Milestone.INELIGIBLE,
                text_vi=(
                    "Hồ sơ {code} không đủ điều kiện giải quyết. Lý do: {reason}. Mời ông/bà "
                    "nhận thông báo và hồ sơ tại {place}{lookup}"
                ),
                placeholders={
                    "code": _CODE_P,
                    "reason": _p(ValueKind.TEXT, 140),
                    "place": _p(ValueKind.TEXT, 80),
                    "lookup": _p(ValueKind.LINK, 90, segment=". Tra cứu: {}"),
                },
            ),
            MessageTemplate(
                id="withdrawn.v1",
                milestone=Milestone.WITHDRAWN,
                text_vi=(
                    "Hồ sơ {code} đã được rút theo đề nghị của ông/bà ngày {withdrawn_at}.{lookup}"
                ),
                placeholders={"code": _CODE_P, "withdrawn_at": _DATE_P, "lookup": _LOOKUP_P},
            ),
            MessageTemplate(
                id="overdue_apology.v2",
                milestone=Milestone.OVERDUE_APOLOGY,
                text_vi=(
                    "{agency} xin lỗi ông/bà vì hồ sơ {code} chưa trả kết quả đúng hẹn "
                    "ngày {old_appointment}. Lý do: {reason}. Ngày hẹn trả mới: "
                    "{new_appointment}{lookup}"
                ),
                placeholders={
                    "agency": _p(ValueKind.TEXT, 80),
                    "code": _CODE_P,
                    "old_appointment": _DATE_P,
                    "reason": _p(ValueKind.TEXT, 110),
                    "new_appointment": _DATE_P,
                    "lookup": _p(ValueKind.LINK, 90, segment=". Tra cứu: {}"),
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
