"""Every form of Thông tư 03/2025 (Mẫu 01–07) printed for the demo's dossiers into
build/forms/, each PDF opened again and its text read back (pypdf), in Vietnamese as written."""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import io
import re
import unicodedata
import uuid
from datetime import datetime
from pathlib import Path

import pytest
from pypdf import PdfReader

from chalicelib import cli, ops
from chalicelib.domain.calendar import LOCAL_TZ
from chalicelib.domain.dossier import Action
from chalicelib.services import forms
from chalicelib.services.errors import Invalid, NotFound
from devstack import demo, form_scenarios
from devstack.stack import LocalStack

OUT = Path(__file__).resolve().parents[2] / "build" / "forms"
MOTTO = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")


@pytest.fixture(scope="module")
def printed():
    """The demo and the scenarios run once; every form they have written into build/forms."""
    for old in [*OUT.glob("*-mau-*.pdf"), *OUT.glob("*-mau-*.csv")]:  # an earlier run's codes
        old.unlink()
    with LocalStack(port=0, moto_port=0, prefix=f"fm{uuid.uuid4().hex[:6]}-") as stack:
        with contextlib.redirect_stdout(io.StringIO()):
            dossiers = form_scenarios.run(stack.base_url)
        container = ops.operator_container()
        deps = dataclasses.replace(container.form_deps(), lookup_url=form_scenarios.LOOKUP_URL)
        now = container.now()
        files = form_scenarios.render_all(dossiers, deps, now, OUT)
        records = {code: container.store.load(code) for code in dossiers.all()}
        yield dossiers, files, records, deps, now


def text_of(path: Path) -> str:
    """The PDF's text, NFC, with runs of white space made one space (lines wrap anywhere)."""
    raw = "\n".join(page.extract_text() for page in PdfReader(path).pages)
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", raw))


def pdf(files, code, form):
    return files[f"{code}-mau-{form}.pdf"]


def day(moment: datetime) -> str:
    return f"{moment.astimezone(LOCAL_TZ):%d/%m/%Y}"


def test_every_form_is_printed_for_the_demo_and_its_extra_dossiers(printed):
    _, files, _, _, _ = printed
    forms_made = {name.split("-mau-")[1][:2] for name in files}
    assert forms_made == {"01", "02", "03", "04", "05", "06", "07"}
    for path in files.values():
        assert path.is_file() and path.parent == OUT
    for path in (p for p in files.values() if p.suffix == ".pdf"):
        text = text_of(path)
        assert all(line in text for line in MOTTO), path.name
        assert "Mẫu số" in text


def test_the_receipt_carries_code_applicant_documents_appointment_pin_and_lookup(printed):
    dossiers, files, records, _, _ = printed
    code = dossiers.apology
    record = records[code]
    received = next(e for e in record.history if e.action is Action.RECEIVE)
    text = text_of(pdf(files, code, "01"))
    assert "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in text
    assert code in text
    assert "Công ty Cổ phần Phước Long Xanh" in text
    assert "SỞ TÀI CHÍNH TỈNH ĐỒNG NAI" in text and "ỦY BAN NHÂN DÂN TỈNH ĐỒNG NAI" in text
    for document in ("Giấy đề nghị đăng ký doanh nghiệp", "Điều lệ công ty",
                     "Bản sao giấy tờ pháp lý của chủ sở hữu"):  # fmt: skip
        assert document in text
    # The appointment as given at receipt (the later apology does not rewrite the receipt).
    assert f"ngày {day(received.due_at)}" in text
    assert f"{received.due_at.astimezone(LOCAL_TZ):%H} giờ" in text
    assert dossiers.pins[code] in text  # ABCD-EFGH, as the receipt gave it
    assert form_scenarios.LOOKUP_URL.format(code=code) in text
    assert "Hoàng Thị Thu" in text  # the official who received it signs
    assert PdfReader(pdf(files, code, "01")).pages[0].images, "the QR code is an image"


def test_each_demo_dossier_received_has_its_receipt(printed):
    dossiers, files, records, _, _ = printed
    for code in (dossiers.birth, dossiers.land, dossiers.company, dossiers.stopped):
        text = text_of(pdf(files, code, "01"))
        assert code in text and records[code].dossier.applicant.name in text
    assert "Giấy chứng sinh" in text_of(pdf(files, dossiers.birth, "01"))
    assert "Hợp đồng chuyển nhượng" in text_of(pdf(files, dossiers.land, "01"))
    assert f"{dossiers.refusal}-mau-01.pdf" not in files  # refused: never received


def test_the_supplement_request_lists_what_is_missing_and_by_when(printed):
    dossiers, files, records, _, _ = printed
    text = text_of(pdf(files, dossiers.stopped, "02"))
    assert "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ" in text
    assert "1. Giấy chứng sinh bản chính" in text
    assert "2. Văn bản ủy quyền có chứng thực" in text
    asked = next(e for e in records[dossiers.stopped].history
                 if e.action is Action.REQUEST_SUPPLEMENT)  # fmt: skip
    assert day(asked.supplement_due_at) in text
    assert "Bổ sung bản sao trích đo địa chính" in text_of(pdf(files, dossiers.land, "02"))


def test_the_refusal_gives_its_reason(printed):
    dossiers, files, _, _, _ = printed
    text = text_of(pdf(files, dossiers.refusal, "03"))
    assert "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ" in text
    assert "Lê Hoàng Phúc" in text and dossiers.refusal in text
    assert "Trẻ đã được đăng ký khai sinh tại phường Long Bình" in text
    assert "ỦY BAN NHÂN DÂN PHƯỜNG TRẤN BIÊN" in text


def test_the_apology_gives_the_old_and_the_new_appointment(printed):
    dossiers, files, records, _, _ = printed
    record = records[dossiers.apology]
    extended = next(e for e in record.history if e.action is Action.EXTEND_WITH_APOLOGY)
    text = text_of(pdf(files, dossiers.apology, "04"))
    assert "VĂN BẢN XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT" in text
    assert f"Kính gửi: {record.dossier.applicant.name}" in text
    assert day(extended.previous_due_at) in text and day(extended.due_at) in text
    assert "cần lấy ý kiến của cơ quan thuế" in text
    assert "Lý Quang Vinh" in text  # the leader who signed the extension


def test_the_stop_notice_gives_its_reason(printed):
    dossiers, files, _, _, _ = printed
    text = text_of(pdf(files, dossiers.stopped, "05"))
    assert "THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ" in text
    assert "Người yêu cầu đề nghị dừng để nộp hồ sơ tại nơi cư trú" in text
    assert "Phạm Quốc Bảo" in text


def test_the_control_slip_marks_every_handover(printed):
    dossiers, files, records, deps, _ = printed
    from chalicelib.forms.facts import handovers

    record = records[dossiers.land]
    procedure = deps.catalog.get(record.dossier.procedure_code, record.dossier.procedure_version)
    steps = handovers(record.dossier, record.history, procedure, deps.calendar)
    text = text_of(pdf(files, dossiers.land, "06"))
    assert "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ" in text
    # Received, examined, taxed at another agency, approved, returned: each handed on once.
    assert [h.step for h in steps] == list(range(len(procedure.steps)))
    assert all(h.handed_at is not None and h.due_at is not None for h in steps)
    verdicts = re.findall(r"Trước hạn|Đúng hạn|Quá hạn", text)
    assert len(verdicts) >= len(steps) + 1  # each step, and the dossier as a whole
    assert "Thuế tỉnh Đồng Nai" in text and "Cá nhân, tổ chức" in text
    assert "Kết quả giải quyết hồ sơ: Trước hạn" in text  # resolved the day it came


def test_the_tracking_book_lists_the_agencys_dossiers_as_pdf_and_csv(printed):
    dossiers, files, _, _, now = printed
    today = f"{now.astimezone(LOCAL_TZ):%Y%m%d}"
    book = files[f"{demo.FINANCE}-mau-07-{today}-{today}.pdf"]
    text = text_of(book)
    assert "SỔ THEO DÕI HỒ SƠ" in text
    assert dossiers.company in text and dossiers.apology in text
    assert dossiers.land not in text  # another agency's
    sheet = files[f"{demo.FINANCE}-mau-07-{today}-{today}.csv"].read_bytes()
    assert sheet.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM: Excel reads it as such
    rows = list(csv.reader(io.StringIO(sheet.decode("utf-8-sig"))))
    assert rows[0][:3] == ["STT", "Mã hồ sơ", "Tên thủ tục hành chính"]
    assert {row[1] for row in rows[1:]} == {dossiers.company, dossiers.apology}
    assert "Công ty TNHH Sao Mai Đồng Nai" in {row[4] for row in rows[1:]}


def test_a_form_the_dossier_never_had_is_not_found_and_a_bad_form_is_invalid(printed):
    dossiers, _, _, deps, now = printed
    with pytest.raises(NotFound) as missing:
        forms.render_form(dossiers.birth, "03", deps, now=now)
    assert missing.value.kind == "form-not-issued"
    with pytest.raises(NotFound):
        forms.render_form("000.00.41.H19-991231-0001", "01", deps, now=now)
    for bad in ("08", "x", "07"):
        with pytest.raises(Invalid):
            forms.render_form(dossiers.birth, bad, deps, now=now)
    with pytest.raises(Invalid) as not_a_pin:  # 0, O, 1, I are not in the PIN's alphabet
        forms.render_form(dossiers.apology, "01", deps, now=now, pin="0O1I-0O1I")
    assert not_a_pin.value.errors[0].field == "pin"


def test_the_cli_writes_one_form(printed, tmp_path, capsys):
    dossiers, _, _, _, _ = printed
    out = tmp_path / "receipt.pdf"
    code = dossiers.apology
    assert cli.main(["forms", code, "01", "--out", str(out), "--pin", dossiers.pins[code]]) == 0
    assert str(out) in capsys.readouterr().out
    text = text_of(out)
    assert code in text and dossiers.pins[code] in text
    assert cli.main(["forms", code, "03", "--out", str(tmp_path / "none.pdf")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert not (tmp_path / "none.pdf").exists()
