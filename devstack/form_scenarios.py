"""The demo's dossiers, and three more that the demo's happy paths never make, so that every
form of Thông tư 03/2025 (Mẫu 01–07) has a dossier to print: a counter receipt with its
documents and PIN that is later extended with an apology (Mẫu 01, 04), a refusal at the
ward's counter (Mẫu 03) and a stop after a supplement request (Mẫu 02, 05).

Driven over HTTP like `devstack/demo.py`, against `make run` or a `LocalStack`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chalicelib.adapters.calendar_file import load_calendar
from chalicelib.adapters.catalog_files import DATA_DIR
from chalicelib.domain.calendar import LOCAL_TZ
from devstack import demo
from devstack.client import new_id

if TYPE_CHECKING:
    from chalicelib.services.forms import FormDeps


@dataclass
class Dossiers:
    """The codes of the scenarios' dossiers, by what happened to them."""

    birth: str
    land: str
    company: str
    apology: str
    refusal: str
    stopped: str
    pins: dict[str, str] = field(default_factory=dict)  # code -> the receipt's PIN

    def all(self) -> list[str]:
        return [self.birth, self.land, self.company, self.apology, self.refusal, self.stopped]


def run(base_url: str) -> Dossiers:
    cast = demo.Cast.local(base_url)
    birth, land, company = demo.run(base_url)
    apology, pin = counter_receipt_then_apology(cast)
    return Dossiers(birth, land, company, apology, refused_at_counter(cast),
                    stopped_after_supplement(cast), pins={apology: pin})  # fmt: skip


def counter_receipt_then_apology(cast: demo.Cast) -> tuple[str, str]:
    o = cast.officials
    receipt = o["finance_receiver"].receive({
        "external_id": f"quay-{new_id()}",
        "procedure_code": "2.002043",
        "channel": 1,
        "applicant": {"name": "Công ty Cổ phần Phước Long Xanh", "kind": 2,
                      "id_number": "3603987654", "phone": "02513811456",
                      "email": "lienhe@phuoclongxanh.example.vn"},
        "submitted_at": demo._moment(2).isoformat(),
        "awaiting_counter_check": False,
        "summary": "Đăng ký thành lập công ty TNHH một thành viên",
        "documents": [
            {"name": "Giấy đề nghị đăng ký doanh nghiệp"},
            {"name": "Điều lệ công ty"},
            {"name": "Bản sao giấy tờ pháp lý của chủ sở hữu", "digitised": True},
        ],
    })  # fmt: skip
    code = demo._accepted(receipt)
    demo._applied(o["finance_specialist"].act(code, "take_up"))
    due = datetime.fromisoformat(o["finance_leader"].dossier(code)["dossier"]["due_at"])
    demo._applied(o["finance_leader"].act(
        code, "extend_with_apology", new_due_at=_next_working_morning(due).isoformat(),
        note="Hồ sơ cần lấy ý kiến của cơ quan thuế về mã số doanh nghiệp"))  # fmt: skip
    return code, receipt["pin"]


def refused_at_counter(cast: demo.Cast) -> str:
    code = _ward_birth(cast, ("Lê Hoàng Phúc", "075091000456", "0934567890"), "Lê Minh Anh",
                       minutes_ago=3, awaiting_counter_check=True)  # fmt: skip
    demo._applied(cast.officials["ward_receiver"].act(
        code, "refuse", note="Trẻ đã được đăng ký khai sinh tại phường Long Bình; không thuộc "
        "thẩm quyền giải quyết"))  # fmt: skip
    return code


def stopped_after_supplement(cast: demo.Cast) -> str:
    o = cast.officials
    code = _ward_birth(cast, ("Phạm Thị Ngọc Ánh", "075195000789", "0978123456"), "Trần Gia Huy",
                       minutes_ago=4, documents=[{"name": "Tờ khai đăng ký khai sinh",
                                                  "digitised": True}])  # fmt: skip
    demo._applied(o["ward_specialist"].act(code, "take_up"))
    demo._applied(o["ward_specialist"].act(
        code, "request_supplement",
        note="Giấy chứng sinh bản chính\nVăn bản ủy quyền có chứng thực"))  # fmt: skip
    demo._applied(o["ward_leader"].act(
        code, "stop", note="Người yêu cầu đề nghị dừng để nộp hồ sơ tại nơi cư trú"))  # fmt: skip
    return code


def _ward_birth(
    cast: demo.Cast,
    applicant: tuple[str, str, str],
    child: str,
    *,
    minutes_ago: int,
    awaiting_counter_check: bool = False,
    documents: list[dict[str, Any]] | None = None,
) -> str:
    """A birth registration filed online at the demo's ward: (name, id number, phone)."""
    name, id_number, phone = applicant
    receipt = cast.portal.submit({
        "external_id": f"dvc-{new_id()}",
        "procedure_code": "1.001193",
        "channel": 2,
        "applicant": {"name": name, "kind": 1, "id_number": id_number, "phone": phone},
        "resolving_agency": demo.WARD,
        "received_by_agency": demo.WARD,
        "submitted_at": demo._moment(minutes_ago).isoformat(),
        "awaiting_counter_check": awaiting_counter_check,
        "summary": f"Đăng ký khai sinh cho con {child}",
        "documents": documents or [],
    })  # fmt: skip
    return demo._accepted(receipt)


def _next_working_morning(after: datetime) -> datetime:
    """09:00 of the first working day after `after`'s day: a valid new appointment."""
    calendar = load_calendar(DATA_DIR / "calendar.yaml")
    day = after.astimezone(LOCAL_TZ).date() + timedelta(days=1)
    while not calendar.is_working_day(day):
        day += timedelta(days=1)
    return datetime.combine(day, time(9), tzinfo=LOCAL_TZ)


LOOKUP_URL = "https://dichvucong.dongnai.example/tra-cuu?ma={code}"  # the demo's lookup page
BOOK_AGENCIES = (demo.WARD, demo.LAND_OFFICE, demo.FINANCE)


def render_all(dossiers: Dossiers, deps: FormDeps, now: datetime, out: Path) -> dict[str, Path]:
    """Every form the scenarios' dossiers have into `out` (`<code>-mau-<nn>.pdf`), and each
    agency's tracking book of the day as PDF and CSV; by file name."""
    from chalicelib.services import forms
    from chalicelib.services.errors import NotFound

    out.mkdir(parents=True, exist_ok=True)
    written = {}
    for code in dossiers.all():
        for form in ("01", "02", "03", "04", "05", "06"):
            try:
                data, name = forms.export(code, form, deps, now=now, pin=dossiers.pins.get(code))
            except NotFound as missing:
                if missing.kind != "form-not-issued":
                    raise
                continue
            written[name] = _write(out / name, data)
    today = now.astimezone(LOCAL_TZ).date()
    for agency in BOOK_AGENCIES:
        for spreadsheet in (False, True):
            data, name = forms.export(agency, "07", deps, now=now, first=today, last=today,
                                      spreadsheet=spreadsheet)  # fmt: skip
            written[name] = _write(out / name, data)
    return written


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path
