"""The counter's intake form (`/quay/tiep-nhan`): what the receiver types, as the body the API's
`POST /v1/dossiers` takes, and the API's refusals back beside the inputs they are about.

The form is turned into the counter API's JSON document and parsed by the same function
(`http.requests.counter_envelope`: the schema's checks, then the catalog's), so the page can
accept nothing the API would refuse, and every refusal names a field of that document
(`applicant.phone`, `documents[0].name` …), which `INPUT_OF` maps to the input that holds it.
Nothing here writes: the route queues the envelope (services/intake.submit) once it is valid.
"""

from __future__ import annotations

import unicodedata
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from chalicelib.domain.procedures import Catalog, Level, Procedure
from chalicelib.domain.statuses import ApplicantKind, Channel

# The form's inputs (the page's names, short and Vietnamese like the lookup's `ma`, `pin`).
PROCEDURE = "thu_tuc"
SEARCH = "tim"
CHANNEL = "kenh"
NAME = "ho_ten"
KIND = "loai"
ID_NUMBER = "so_giay_to"
PHONE = "dien_thoai"
EMAIL = "email"
SUMMARY = "trich_yeu"
COMPONENT = "tp_"  # tp_0, tp_1 …: one checkbox a component of the procedure, by position
REFERENCE = "ma_tham_chieu"  # the dossier's external id at this counter: one per form shown
RECEIVED_AT = "luc"  # the moment of receipt, fixed when the form is checked
STEP = "buoc"
CHECK, CONFIRM, EDIT = "kiem-tra", "xac-nhan", "sua"
GENERAL = "_"  # an error about the form as a whole, shown above it

# The API document's fields (FieldIssue.field, as the schema and the catalog checks name
# them), by the input that holds each.
INPUT_OF: dict[str, str] = {
    "procedure_code": PROCEDURE,
    "resolving_agency": PROCEDURE,  # a commune procedure at a counter that is not a commune's
    "channel": CHANNEL,
    "applicant": NAME,
    "applicant.name": NAME,
    "applicant.kind": KIND,
    "applicant.id_number": ID_NUMBER,
    "applicant.phone": PHONE,
    "applicant.email": EMAIL,
    "summary": SUMMARY,
    "documents": COMPONENT,
}
KINDS = {
    ApplicantKind.CITIZEN: "Công dân",
    ApplicantKind.BUSINESS: "Doanh nghiệp",
    ApplicantKind.STATE_AGENCY: "Cơ quan nhà nước",
    ApplicantKind.OTHER_ORGANISATION: "Tổ chức khác",
}
CHANNELS = {Channel.IN_PERSON: "Nộp trực tiếp tại quầy", Channel.POSTAL: "Qua dịch vụ bưu chính"}
PROCEDURE_MISSING = "Vui lòng chọn thủ tục hành chính"
UNKNOWN_PROCEDURE = "Thủ tục hành chính không có trong danh mục của tỉnh"
CHOICE_WRONG = "Vui lòng chọn một giá trị trong danh sách"
MAX_INPUT = 2000  # longer than any field the schema takes: the rest is not echoed back
MAX_MATCHES = 20


def input_of(api_field: str) -> str:
    """The form input that holds the API document's `api_field` (GENERAL if none does)."""
    if api_field in INPUT_OF:
        return INPUT_OF[api_field]
    if api_field.startswith("documents["):
        return COMPONENT
    return GENERAL


def errors_beside(issues: Iterable[Any]) -> dict[str, str]:
    """FieldIssues (the API's `errors`: `field` and `message`, or `message_vi`) by input; the
    first message of each input is kept."""
    errors: dict[str, str] = {}
    for issue in issues:
        field_name = issue["field"] if isinstance(issue, Mapping) else issue.field
        message = (
            issue.get("message") if isinstance(issue, Mapping) else getattr(issue, "message", None)
        ) or getattr(issue, "message_vi", None)
        errors.setdefault(input_of(str(field_name)), str(message or "Giá trị không hợp lệ"))
    return errors


def new_reference() -> str:
    """A fresh external id for one form: confirming twice is the same receipt, not two."""
    return f"quay-{uuid.uuid4().hex}"


@dataclass
class IntakeForm:
    """What the receiver typed (echoed back into the form), and the errors beside it."""

    values: dict[str, str] = field(default_factory=dict)
    components: set[int] = field(default_factory=set)  # the positions checked
    errors: dict[str, str] = field(default_factory=dict)

    def value(self, name: str) -> str:
        return self.values.get(name, "")


def read_form(fields: Mapping[str, str]) -> IntakeForm:
    """The posted inputs, trimmed and bounded (nothing is judged here but their length)."""
    names = (PROCEDURE, CHANNEL, NAME, KIND, ID_NUMBER, PHONE, EMAIL, SUMMARY, REFERENCE,
             RECEIVED_AT)  # fmt: skip
    values = {name: fields.get(name, "").strip()[:MAX_INPUT] for name in names}
    checked = {
        int(name[len(COMPONENT) :])
        for name, value in fields.items()
        if name.startswith(COMPONENT) and name[len(COMPONENT) :].isdigit() and value
    }
    return IntakeForm(values=values, components={i for i in checked if i < 1000})


def _choice(value: str, allowed: Iterable[int]) -> int | None:
    return int(value) if value.isdigit() and int(value) in set(allowed) else None


def submission(
    form: IntakeForm, procedure: Procedure | None, *, agency: str, received_at: datetime
) -> dict[str, Any]:
    """The counter API's document for `form`: what `POST /v1/dossiers` would be sent. The
    choices the page offers (channel, kind, components) are read here; the rest is the
    schema's to judge, every empty optional input left out (the API refuses "")."""
    values = form.values
    document: dict[str, Any] = {
        "external_id": values.get(REFERENCE) or new_reference(),
        "procedure_code": values.get(PROCEDURE, ""),
        "channel": _choice(values.get(CHANNEL, ""), CHANNELS) or values.get(CHANNEL, ""),
        "applicant": {"name": values.get(NAME, ""),
                      "kind": _choice(values.get(KIND, ""), KINDS) or values.get(KIND, "")},
        "submitted_at": values.get(RECEIVED_AT) or received_at.isoformat(),
        "awaiting_counter_check": False,  # the receiver checked it: it is received now
    }  # fmt: skip
    for name, key in ((ID_NUMBER, "id_number"), (PHONE, "phone"), (EMAIL, "email")):
        if values.get(name):
            document["applicant"][key] = values[name]
    if values.get(SUMMARY):
        document["summary"] = values[SUMMARY]
    if procedure is not None:
        if procedure.level is Level.COMMUNE:
            # A commune's procedure is resolved by the commune whose counter receives it; a
            # counter elsewhere hears the catalog check's refusal beside the procedure.
            document["resolving_agency"] = agency
        document["documents"] = [
            {"name": component.name, "digitised": False}
            for position, component in enumerate(procedure.components)
            if position in form.components
        ]
    return document


def choice_errors(form: IntakeForm) -> dict[str, str]:
    """The inputs the page offers as lists, when what came is none of their values (a
    crafted post): said in the page's words rather than the schema's "must be an integer"."""
    errors = {}
    if not form.value(PROCEDURE):
        errors[PROCEDURE] = PROCEDURE_MISSING
    if _choice(form.value(CHANNEL), CHANNELS) is None:
        errors[CHANNEL] = CHOICE_WRONG
    if _choice(form.value(KIND), KINDS) is None:
        errors[KIND] = CHOICE_WRONG
    return errors


# -- the procedure's search -------------------------------------------------------------------
def folded(text: str) -> str:
    """Lower case without diacritics (đ as d): "Đăng ký khai sinh" matches "dang ky khai sinh"."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn").casefold()


def in_force(catalog: Catalog, now: datetime) -> list[Procedure]:
    """Each procedure's version in force now, by code."""
    found = (catalog.current(code, now) for code in catalog.codes())
    return [p for p in found if p is not None]


def search(catalog: Catalog, words: str, now: datetime) -> list[Procedure]:
    """The procedures in force whose code starts with `words` or whose name (or an alias)
    holds every word of it, accents and case ignored; all of them for no words."""
    procedures = in_force(catalog, now)
    wanted = folded(words).split()
    if not wanted:
        return procedures[:MAX_MATCHES]
    found = []
    for procedure in procedures:
        names = " ".join([procedure.name, *procedure.aliases])
        haystack = folded(names)
        if procedure.code.startswith(words.strip()) or all(w in haystack for w in wanted):
            found.append(procedure)
    return found[:MAX_MATCHES]
