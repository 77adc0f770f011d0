"""Semantic checks of intake values: pure functions, no I/O, no clock reads (`now` is passed).

Value checks (`normalise_phone`, `check_id_number`, `clean_text`, ...) return the normalised
value or raise `CheckFailed` with an English reason and a Vietnamese message; the schema models
call them from their validators, so that one pass reports every field at fault under the
caller's key names. `check_against_catalog` is the intake worker's second pass, against the
procedure catalog and the agency registry; it returns a list and raises nothing.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection
from datetime import date, datetime, timedelta
from typing import Final
from urllib.parse import urlsplit

from chalicelib.domain.agencies import Agency, AgencyLevel, AgencyRegistry, fold_name
from chalicelib.domain.calendar import LOCAL_TZ
from chalicelib.domain.codes import AGENCY_ID, parse_code
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.identifiers import (
    EXTERNAL_ID,
    MAX_EXTERNAL_ID,
    PROCEDURE_CODE_INPUT,
    UNIT_CODE,
)
from chalicelib.domain.procedures import Catalog, Level, Procedure
from chalicelib.domain.statuses import ApplicantKind
from chalicelib.domain.visible import first_hidden, visible_text
from chalicelib.intake.errors import CheckFailed, FieldIssue
from chalicelib.intake.model import IntakeRequest

CLOCK_SKEW: Final = timedelta(minutes=5)
EARLIEST: Final = datetime(2000, 1, 1, tzinfo=LOCAL_TZ)
LATEST: Final = datetime(2100, 1, 1, tzinfo=LOCAL_TZ)  # dossier codes write the year as yy
MAX_NAME: Final = 200
MAX_TEXT: Final = 500  # a document's or a fee's name
MAX_SUMMARY: Final = 2000
MAX_URL: Final = 2000

_PHONE_CHARS: Final = re.compile(r"\+?[0-9 .()-]{3,24}|\(\+[0-9]{1,3}\)[0-9 .()-]{3,24}")
_CCCD: Final = re.compile(r"[0-9]{12}")
_CMND: Final = re.compile(r"[0-9]{9}")
_PASSPORT: Final = re.compile(r"[A-Z][0-9]{7}")
_TAX_CODE: Final = re.compile(r"[0-9]{10}(?:-?[0-9]{3})?")
# A foreign passport's number (ICAO 9303: up to 9 letters and digits; 8 or 9 in practice) with
# at least one letter and one digit: all-digit numbers are read as Vietnamese ids (a mistyped
# CCCD is not taken as a passport), all-letter ones are words ("KHONGCO").
_FOREIGN_PASSPORT: Final = re.compile(r"(?=[A-Z0-9]*[A-Z])(?=[A-Z0-9]*[0-9])[A-Z0-9]{8,9}")
_EMAIL_LOCAL: Final = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._%+-]{0,63})")
_DOMAIN_LABEL: Final = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
_TOP_LEVEL: Final = re.compile(r"[A-Za-z]{2,63}|xn--[A-Za-z0-9-]{1,59}")
# Control, format (bidi overrides, zero-width), surrogate, private-use and unassigned
# characters, and the Unicode line/paragraph separators.
_REFUSED_CATEGORIES: Final = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
_FORMULA_LEADS: Final = "=+-@"
_FUNCTION_CALL: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*\s*\(")
_NAME_PUNCTUATION: Final = ".,-'’()&/"
VN_CALLING_CODE: Final = 84


def show(value: object, limit: int = 40) -> str:
    """A value quoted for a reason, cut short: reasons must not echo whole bodies."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- text --------------------------------------------------------------------------------------
def clean_text(value: str, *, max_length: int, min_length: int = 1, multiline: bool = False) -> str:
    """Free text as officials will see and export it: NFC, stripped, within its length, and
    free of control characters, markup and spreadsheet formulas. `multiline` admits line
    breaks and tabs (summaries); "\\r\\n" becomes "\\n"."""
    text = unicodedata.normalize("NFC", value)
    if multiline:
        text = text.replace("\r\n", "\n")
    text = text.strip()
    if len(text) < min_length:
        raise CheckFailed("must not be empty or blank", "Không được để trống")
    if len(text) > max_length:
        raise CheckFailed(
            f"is {len(text)} characters long, more than {max_length}",
            f"Không được dài quá {max_length} ký tự",
        )
    if text and not visible_text(text):
        raise CheckFailed(
            "has no visible character: only spaces, fillers (such as U+3164) or lone marks",
            "Không được chỉ gồm ký tự vô hình",
        )
    for char in text:
        if multiline and char in "\n\t":
            continue
        if unicodedata.category(char) in _REFUSED_CATEGORIES:
            raise CheckFailed(
                f"contains the control or invisible character U+{ord(char):04X}; such characters "
                "hide or reorder what officials read",
                "Chứa ký tự điều khiển hoặc ký tự ẩn",
            )
    if "<" in text or ">" in text:
        raise CheckFailed(
            "contains '<' or '>': refused because the value is shown in web pages and printed "
            "documents, where it could inject markup or script",
            "Không được chứa ký tự '<' hoặc '>'",
        )
    if text and is_formula_like(text):
        raise CheckFailed(
            f"starts with {text[0]!r} followed by formula-like content: refused because "
            "spreadsheets run it as a formula when officials export dossiers to Excel "
            "(formula injection)",
            "Không được bắt đầu bằng ký tự =, +, -, @ kèm nội dung dạng công thức",
        )
    return text


def is_formula_like(text: str) -> bool:
    """`=…` and `@…` always. `+…` and `-…` when what follows is not plain words: a number,
    an operator, a quote or parenthesis, a function call (`-HYPERLINK(`), a DDE pipe (`|`) or
    an `=`. A bullet such as "- Tờ khai đăng ký (theo mẫu)" is not formula-like."""
    lead, rest = text[0], text[1:].lstrip()
    if lead not in _FORMULA_LEADS or not rest:
        return False
    if lead in "=@":
        return True
    return not rest[0].isalpha() or bool(_FUNCTION_CALL.match(rest)) or "|" in rest or "=" in rest


def check_name(value: str) -> str:
    """A person's or an organisation's name: 1–200 characters of safe text, made of letters
    (Vietnamese and any other script), digits, spaces and the punctuation of names and firm
    names (`. , - ' ’ ( ) & /`), starting with a letter or a digit. So a name cannot start a
    formula (`=`, `+`, `-`, `@`) nor hold markup, pipes, braces or emoji, wherever it is shown
    or exported. Nor can it be, or hold, characters that print as nothing (`domain.visible`):
    a name of Hangul fillers shows blank, and a filler inside a name makes two look-alikes."""
    if value.strip() and not visible_text(value):
        raise CheckFailed(
            "has no visible character: only spaces, fillers (such as U+3164) or lone marks",
            "Tên không được chỉ gồm ký tự vô hình",
        )
    text = clean_text(value, max_length=MAX_NAME)
    hidden = first_hidden(text)
    if hidden is not None:
        raise CheckFailed(
            f"contains U+{ord(hidden):04X}, a character that prints as nothing",
            "Tên không được chứa ký tự vô hình",
        )
    if not text[0].isalnum():
        raise CheckFailed(
            f"starts with {text[0]!r}: a name starts with a letter or a digit",
            "Tên phải bắt đầu bằng chữ cái hoặc chữ số",
        )
    for char in text:
        # Combining marks (category M) too: NFC leaves some accents of other scripts apart.
        if char.isalnum() or char.isspace() or char in _NAME_PUNCTUATION:
            continue
        if not unicodedata.category(char).startswith("M"):
            raise CheckFailed(
                f"contains {char!r} (U+{ord(char):04X}): a name holds letters, digits, "
                f"spaces and {' '.join(_NAME_PUNCTUATION)} only",
                "Tên chỉ được gồm chữ cái, chữ số, khoảng trắng và các dấu "
                + " ".join(_NAME_PUNCTUATION),
            )
    return text


# -- contact ------------------------------------------------------------------------------------
def normalise_phone(value: str) -> str:
    """A Vietnamese mobile or fixed-line number, as E.164 without '+': `84912345678`.

    Accepts the national form (`0912 345 678`), the international one (`+84 912 345 678`) and
    the normalised one (`84912345678`); only digits, spaces and `+ - . ( )` are allowed, so
    that letters (vanity numbers), extensions and non-ASCII digits are refused, not guessed.
    """
    # lazy: cold start (25 ms; the transition, relay, timer and digest functions never parse one)
    import phonenumbers
    from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType

    phone_types = {
        PhoneNumberType.MOBILE,
        PhoneNumberType.FIXED_LINE,
        PhoneNumberType.FIXED_LINE_OR_MOBILE,
    }
    text = value.strip()
    if not _PHONE_CHARS.fullmatch(text):
        raise CheckFailed(
            "a phone number holds only ASCII digits, spaces and + - . ( ), 3 to 24 characters",
            "Số điện thoại chỉ gồm chữ số và các ký tự + - . ( )",
        )
    try:
        number = phonenumbers.parse(text, "VN")
    except NumberParseException:
        raise CheckFailed("is not a phone number", "Số điện thoại không hợp lệ") from None
    if number.country_code != VN_CALLING_CODE:
        raise CheckFailed(
            f"is a +{number.country_code} number; only Vietnamese (+84) numbers receive "
            "SMS and Zalo notices",
            "Phải là số điện thoại Việt Nam",
        )
    if not phonenumbers.is_valid_number(number):
        raise CheckFailed(
            "is not a valid Vietnamese phone number (wrong length or an unassigned prefix)",
            "Số điện thoại không hợp lệ",
        )
    if phonenumbers.number_type(number) not in phone_types:
        raise CheckFailed(
            "is neither a mobile nor a fixed-line number (e.g. toll-free or premium-rate)",
            "Phải là số di động hoặc số cố định",
        )
    return phonenumbers.format_number(number, PhoneNumberFormat.E164).removeprefix("+")


def check_email(value: str) -> str:
    """A plausible address: one '@', a local part of common characters starting with a
    letter or digit, a domain of at least two DNS labels ending in an alphabetic top level."""
    text = value.strip()
    failure = CheckFailed(
        "is not an email address of the form name@domain.vn", "Địa chỉ email không hợp lệ"
    )
    if len(text) > 254 or text.count("@") != 1:
        raise failure
    local, domain = text.split("@")
    if not _EMAIL_LOCAL.fullmatch(local) or ".." in local or local.endswith("."):
        raise failure
    labels = domain.split(".")
    if len(labels) < 2 or not all(_DOMAIN_LABEL.fullmatch(label) for label in labels):
        raise failure
    if not _TOP_LEVEL.fullmatch(labels[-1]):
        raise failure
    return text


# -- identity -----------------------------------------------------------------------------------
def _citizen_id(text: str) -> str | None:
    """The citizen document `text` is, or None; raises when it is close but wrong."""
    if _CCCD.fullmatch(text):
        if not 1 <= int(text[:3]) <= 96:
            raise CheckFailed(
                f"a 12-digit CCCD starts with a province code 001–096, not {text[:3]}",
                "Số căn cước công dân không hợp lệ (mã tỉnh)",
            )
        return text
    if _CMND.fullmatch(text) or _PASSPORT.fullmatch(text) or _FOREIGN_PASSPORT.fullmatch(text):
        return text
    return None


def _tax_code(text: str) -> str:
    """A branch's 13-digit code written with its dash: 3602345678001 → 3602345678-001."""
    return f"{text[:10]}-{text[10:]}" if len(text) == 13 else text


def check_id_number(value: str, kind: ApplicantKind) -> str:
    """The applicant's identity document, by kind of applicant:

    - citizen: CCCD (12 digits, starting with a province code 001–096), old CMND (9 digits),
      Vietnamese passport (one letter and 7 digits) or a foreign passport (8 or 9 letters and
      digits, at least one a letter); letters are upper-cased;
    - business: tax/enterprise code, 10 digits or 13 for a branch (with or without the dash
      after the tenth; kept with it), or the owner's CCCD for a household business (hộ kinh
      doanh, identified by its owner's personal id since 1/7/2025);
    - state agency: tax code or QCVN 102 agency identifier;
    - other organisation: tax code, or its representative's citizen document.
    """
    text = value.strip().upper()
    is_tax_code = _TAX_CODE.fullmatch(text) is not None
    if kind is ApplicantKind.BUSINESS:
        if is_tax_code:
            return _tax_code(text)
        if _CCCD.fullmatch(text):
            return _citizen_id(text) or text  # a household business: its owner's CCCD
        raise CheckFailed(
            "a business is identified by its tax/enterprise code (10 digits, or 13 for a "
            "branch: 10 digits, '-' and 3 digits, the dash optional), a household business by "
            "its owner's 12-digit CCCD",
            "Mã số doanh nghiệp/mã số thuế phải gồm 10 hoặc 13 chữ số; hộ kinh doanh dùng số "
            "căn cước công dân 12 chữ số",
        )
    if kind is ApplicantKind.STATE_AGENCY:
        if is_tax_code:
            return _tax_code(text)
        if AGENCY_ID.fullmatch(text):
            return text
        raise CheckFailed(
            "a state agency is identified by its tax code or QCVN 102 identifier (000.00.00.H00)",
            "Mã định danh cơ quan không hợp lệ",
        )
    if kind is ApplicantKind.OTHER_ORGANISATION and is_tax_code:
        return _tax_code(text)
    known = _citizen_id(text)
    if known is not None:
        return known
    if text.isascii() and text.isdigit():
        reason = f"has {len(text)} digits: a CCCD has 12, an old CMND 9"
    else:
        reason = (
            "is neither a CCCD (12 digits), an old CMND (9 digits) nor a passport (A1234567, "
            "or a foreign one of 8 or 9 letters and digits)"
        )
    raise CheckFailed(reason, "Số giấy tờ tùy thân không hợp lệ")


# -- moments ------------------------------------------------------------------------------------
def check_moment(value: datetime, *, now: datetime | None) -> datetime:
    """A moment in local time, from 2000 to 2099; when `now` is given, a past one: not later
    than `now` plus 5 minutes of clock skew between the sender and us."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise CheckFailed(
            "must carry its UTC offset, e.g. 2026-01-05T08:30:00+07:00",
            "Thời điểm phải kèm múi giờ",
        )
    # Compared before converting: year 1 at +01:00 (or 9999 at -10:00) has no local time.
    if value < EARLIEST:
        raise CheckFailed(f"{value.date().isoformat()} is before 2000", "Thời điểm trước năm 2000")
    if value >= LATEST:
        raise CheckFailed(f"{value.date().isoformat()} is after 2099", "Thời điểm sau năm 2099")
    local = value.astimezone(LOCAL_TZ)
    if now is not None and local > now + CLOCK_SKEW:
        raise CheckFailed(
            f"{local.isoformat()} is in the future (more than {_minutes(CLOCK_SKEW)} minutes "
            "after the moment of receipt)",
            "Thời điểm ở tương lai",
        )
    return local


def _minutes(delta: timedelta) -> int:
    return int(delta.total_seconds() // 60)


# -- codes --------------------------------------------------------------------------------------
def normalise_procedure_code(value: str) -> str:
    """`1.001612`, or the full national code `1.001612.000.00.00.H19` cut to `1.001612`."""
    match = PROCEDURE_CODE_INPUT.fullmatch(value)
    if match is None:
        raise CheckFailed(
            f"procedure code {show(value)} is not of the form 1.001612 "
            "(or the full 1.001612.000.00.00.H19)",
            "Mã thủ tục hành chính không đúng định dạng",
        )
    return match.group("code")


def check_dossier_code(value: str, *, province: str) -> str:
    """A dossier code `{agency}-{yyMMdd}-{NNNN}` of an agency in `province`."""
    try:
        parsed = parse_code(value)
    except InvalidInput as exc:
        raise CheckFailed(exc.message, "Mã hồ sơ không đúng định dạng") from None
    if parsed.province != province:
        raise CheckFailed(
            f"dossier code {show(value)} belongs to province {parsed.province}, not {province}",
            "Mã hồ sơ thuộc tỉnh, thành phố khác",
        )
    return value


def check_agency_code(value: str, *, province: str) -> str:
    """A QCVN 102:2016 agency identifier (`000.00.41.H19`) of an agency in `province`."""
    if not AGENCY_ID.fullmatch(value):
        raise CheckFailed(
            f"agency identifier {show(value)} is not of the form 000.00.00.H00 (QCVN 102:2016)",
            "Mã định danh cơ quan không đúng định dạng",
        )
    if not value.endswith("." + province):
        raise CheckFailed(
            f"agency {value} is not in province {province}",
            "Cơ quan thuộc tỉnh, thành phố khác",
        )
    return value


def check_unit_code(value: str) -> str:
    if not UNIT_CODE.fullmatch(value):
        raise CheckFailed(
            f"unit code {show(value)} is not 1–40 of A-Z, 0-9 and _ (e.g. MOT_CUA)",
            "Mã bộ phận không đúng định dạng",
        )
    return value


def check_external_id(value: str) -> str:
    if len(value) > MAX_EXTERNAL_ID or not EXTERNAL_ID.fullmatch(value):
        raise CheckFailed(
            f"must be 1–{MAX_EXTERNAL_ID} of A-Z, a-z, 0-9 and . _ : -, starting with a letter "
            "or digit",
            "Mã tham chiếu không đúng định dạng",
        )
    return value


def check_url(value: str, *, schemes: Collection[str] = ("https",)) -> str:
    """A link to a file: an absolute URL with one of `schemes`, a host and no credentials."""
    allowed = " or ".join(schemes)
    failure = CheckFailed(
        f"must be an absolute {allowed} URL to the file, without spaces or credentials",
        "Đường dẫn tệp không hợp lệ",
    )
    if not value or len(value) > MAX_URL or not value.isascii():
        raise failure
    if any(char.isspace() or not char.isprintable() or char in '<>"' for char in value):
        raise failure
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError:
        raise failure from None
    if parts.scheme.lower() not in schemes or not host or "@" in parts.netloc:
        raise failure
    return value


# -- agencies of a portal item -----------------------------------------------------------------
def resolve_agencies(
    request: IntakeRequest, catalog: Catalog, agencies: AgencyRegistry
) -> IntakeRequest:
    """A DVCQG item's agencies as current registry codes (other requests are returned as they
    are). Received by: the agency that gave `MaHoSo` (its prefix), through the alias table when
    that code is a former one. Resolved by, the first that names one:
    1. `MaHoSo`'s prefix, when that agency may resolve the procedure (a commune for a commune
       procedure, the catalog's agency otherwise);
    2. the procedure's catalog entry (province and internal procedures name their agency);
    3. `DonViXuLy`, a code (current or former) or a name (the registry's or an alias).
    None of them: `resolving_agency` stays None and `check_against_catalog` refuses it,
    naming `DonViXuLy`. An unknown procedure resolves nothing (MaTTHC is refused)."""
    if request.source != "dvcqg":
        return request
    prefix = agencies.current_code(request.received_by_agency)
    procedure = catalog.current(request.procedure_code, _local_day(request))
    resolving: str | None = None
    if procedure is not None and procedure.level is Level.COMMUNE:
        home = agencies.get(prefix or "")
        if home is not None and home.level is AgencyLevel.COMMUNE:
            resolving = home.code
        elif request.resolving_agency_named is not None:
            resolving = agencies.resolve(request.resolving_agency_named)
    elif procedure is not None:
        resolving = procedure.resolving_agency
    return request.model_copy(
        update={
            "received_by_agency": prefix or request.received_by_agency,
            "resolving_agency": resolving,
        }
    )


def _local_day(request: IntakeRequest) -> date:
    return request.submitted_at.astimezone(LOCAL_TZ).date()


def _titles_agree(title: str, procedure: Procedure) -> bool:
    """Whether the portal's TenTTHC names `procedure`: its catalog name or one of its aliases,
    compared folded (case, accents and spacing aside)."""
    folded = fold_name(title)
    return any(folded == fold_name(name) for name in (procedure.name, *procedure.aliases))


# -- against the catalog ------------------------------------------------------------------------
# How the national portal's items name the fields that catalog issues are about.
_DVCQG_FIELDS: Final = {
    "code": "MaHoSo",
    "procedure_code": "MaTTHC",
    "resolving_agency": "DonViXuLy",
    # The dossier code's prefix is the receiving agency; NoiNopHoSo is no agency (contract §2).
    "received_by_agency": "MaHoSo",
    "received_by_unit": "MaHoSo",
    "applicant.kind": "LoaiDoiTuong",
}
_RECEIVING_LEVELS: Final = frozenset({AgencyLevel.PROVINCE, AgencyLevel.COMMUNE})


def check_against_catalog(
    request: IntakeRequest, catalog: Catalog, agencies: AgencyRegistry
) -> list[FieldIssue]:
    """Every way `request` disagrees with the catalog and the registry; empty when none.

    Checked: a portal-given dossier code comes from an agency of the registry; the procedure
    exists and has a version in effect on the local day of submission;
    a commune procedure names a commune-level resolving agency that exists; a province or
    internal procedure names no other resolving agency than the catalog's; an internal
    procedure (TTHC nội bộ) comes from a state agency; the receiving agency exists, is a
    province or commune agency and has the receiving unit; and it lies within the procedure's
    administrative boundary, unless the catalog lists the procedure as received regardless of
    boundary (phi địa giới, `Procedure.cross_boundary`). For a DVCQG item, also: its agencies
    are resolved first (`resolve_agencies`), and its `TenTTHC` names the procedure `MaTTHC`
    is. Fields carry the caller's names (`MaTTHC`, `MaHoSo`, `DonViXuLy` for a DVCQG item).
    """
    issues: list[FieldIssue] = []
    request = resolve_agencies(request, catalog, agencies)

    def issue(field: str, reason: str, message_vi: str) -> None:
        if request.source == "dvcqg":
            field = _DVCQG_FIELDS.get(field, field)
        issues.append(FieldIssue(field, reason, message_vi))

    given_by = parse_code(request.code).agency if request.code is not None else None
    code_refused = given_by is not None and agencies.current_code(given_by) is None
    if code_refused:
        issue(
            "code",
            f"dossier code {request.code} was given by agency {given_by}, which is not in the "
            "province's registry: a code comes from one of its agencies",
            "Mã hồ sơ không do cơ quan nào của tỉnh cấp",
        )

    code = request.procedure_code
    day = _local_day(request)
    procedure = catalog.current(code, day)
    if code not in catalog:
        issue(
            "procedure_code",
            f"unknown procedure {code}: it is not in the province's catalog",
            "Thủ tục hành chính không có trong danh mục của tỉnh",
        )
    elif procedure is None:
        issue(
            "procedure_code",
            f"procedure {code} has no version in effect on {day.isoformat()}",
            "Thủ tục hành chính chưa có hiệu lực vào ngày nộp hồ sơ",
        )
    elif request.procedure_title is not None and not _titles_agree(
        request.procedure_title, procedure
    ):
        issue(
            "procedure_code",
            f"MaTTHC {code} is {procedure.name!r} in the catalog, but TenTTHC is "
            f"{show(request.procedure_title, 120)}: the code and the title name different "
            "procedures (a title the portal uses for this code is listed in the catalog's "
            "aliases)",
            f"Mã thủ tục (MaTTHC) {code} là thủ tục “{procedure.name}”, không khớp với tên thủ "
            "tục (TenTTHC) đã gửi",
        )

    resolving = request.resolving_agency
    if procedure is not None and procedure.level is Level.COMMUNE:
        if resolving is None and request.source == "dvcqg":
            named = request.resolving_agency_named
            issue(
                "resolving_agency",
                f"procedure {code} is a commune procedure and no commune resolves it: "
                f"MaHoSo's agency {request.received_by_agency} is not a commune, and "
                + (
                    f"DonViXuLy {show(named, 120)} is neither the code nor the name of an "
                    "agency in the registry or its alias table"
                    if named is not None
                    else "DonViXuLy is blank"
                ),
                "Không xác định được xã, phường giải quyết: Đơn vị xử lý (DonViXuLy) không có "
                "trong danh mục cơ quan",
            )
        elif resolving is None:
            issue(
                "resolving_agency",
                f"procedure {code} is a commune procedure: name the commune that resolves it",
                "Thủ tục cấp xã: phải chọn xã, phường giải quyết",
            )
        elif (agency := agencies.get(resolving)) is None:
            issue(
                "resolving_agency",
                f"unknown agency {resolving}",
                "Cơ quan giải quyết không có trong danh mục",
            )
        elif agency.level is not AgencyLevel.COMMUNE:
            issue(
                "resolving_agency",
                f"agency {resolving} is a {agency.level.value}-level agency; commune procedure "
                f"{code} is resolved by a commune",
                "Thủ tục cấp xã phải do Ủy ban nhân dân cấp xã giải quyết",
            )
    elif procedure is not None and resolving is not None:
        if resolving not in agencies:
            issue(
                "resolving_agency",
                f"unknown agency {resolving}",
                "Cơ quan giải quyết không có trong danh mục",
            )
        elif resolving != procedure.resolving_agency:
            issue(
                "resolving_agency",
                f"the catalog names {procedure.resolving_agency} as the agency that resolves "
                f"procedure {code}, not {resolving}",
                "Cơ quan giải quyết không đúng với danh mục thủ tục",
            )
    elif resolving is not None and resolving not in agencies:
        issue(
            "resolving_agency",
            f"unknown agency {resolving}",
            "Cơ quan giải quyết không có trong danh mục",
        )

    if (
        procedure is not None
        and procedure.level is Level.INTERNAL
        and request.applicant.kind is not ApplicantKind.STATE_AGENCY
    ):
        issue(
            "applicant.kind",
            f"procedure {code} is an internal procedure between state agencies; the applicant "
            "must be a state agency (3)",
            "Thủ tục nội bộ chỉ dành cho cơ quan nhà nước",
        )

    receiving = agencies.get(request.received_by_agency)
    if receiving is None and code_refused and given_by == request.received_by_agency:
        pass  # the same agency, already refused as the dossier code's
    elif receiving is None:
        issue(
            "received_by_agency",
            f"unknown agency {request.received_by_agency}",
            "Cơ quan tiếp nhận không có trong danh mục",
        )
    elif receiving.level not in _RECEIVING_LEVELS:
        issue(
            "received_by_agency",
            f"agency {receiving.code} is a {receiving.level.value} agency's branch, not a "
            "one-stop counter of the province or a commune",
            "Cơ quan tiếp nhận không phải bộ phận một cửa của tỉnh hoặc xã",
        )
    elif not receiving.has_unit(request.received_by_unit):
        issue(
            "received_by_unit",
            f"unit {request.received_by_unit} does not exist at agency {receiving.code}",
            "Bộ phận tiếp nhận không có tại cơ quan",
        )
    elif (
        procedure is not None
        and (home := _resolving_agency(request, procedure, agencies))
        and not _within_boundary(receiving, home, procedure)
    ):
        issue(
            "received_by_agency",
            f"procedure {code} is not on the province's list of procedures received regardless "
            f"of administrative boundary (cross_boundary): agency {receiving.code} may not "
            f"receive it for {home}; it is filed at {home}",
            f"Thủ tục {code} không thuộc danh mục tiếp nhận không phụ thuộc địa giới hành chính; "
            f"hồ sơ phải nộp tại {agencies.name_of(home)}",
        )
    return issues


def _resolving_agency(
    request: IntakeRequest, procedure: Procedure, agencies: AgencyRegistry
) -> str | None:
    """The agency that will resolve the dossier, once the checks above found it valid."""
    if procedure.level is Level.COMMUNE:
        commune = agencies.get(request.resolving_agency or "")
        return commune.code if commune and commune.level is AgencyLevel.COMMUNE else None
    return procedure.resolving_agency


def _within_boundary(receiving: Agency, home: str, procedure: Procedure) -> bool:
    """Whether `receiving` may take in a dossier of `procedure` resolved by `home` without
    the procedure being on the cross-boundary list (phi địa giới).

    Within the boundary: the resolving agency's own counter; an agency that runs one of the
    procedure's steps; and, for a province-level or internal procedure, any province-level
    counter (the provincial service centre hosts the departments' counters: the
    administrative boundary of a province procedure is the province). A commune procedure's
    boundary is its commune."""
    if procedure.cross_boundary or receiving.code == home:
        return True
    if receiving.code in procedure.agencies_at_work(home):
        return True
    return procedure.level is not Level.COMMUNE and receiving.level is AgencyLevel.PROVINCE
