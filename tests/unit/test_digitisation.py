"""The pure rules of QĐ 766 4.1–4.3 from files: which flags the files raise
(domain/digitisation.py), and what a raise counts (indicators.files_delta)."""

from __future__ import annotations

from chalicelib.domain.digitisation import files_recorded, with_file_flags
from chalicelib.domain.dossier import Action
from chalicelib.domain.files import FileKind, StoredFile, document_kind
from chalicelib.domain.indicators import files_delta
from chalicelib.domain.statuses import DossierStatus
from tests.unit.builders import RECEIVER, at, land_procedure, new_dossier

PROCEDURE = land_procedure(components=[
    {"code": "DON", "name": "Đơn đăng ký"},
    {"name": "Giấy ủy quyền", "required": False},
])  # fmt: skip
CODE = "000.00.32.H19-260105-0001"
WHEN = at(2026, 1, 5, 10)


def kept(kind: FileKind, component: str | None, sha: str) -> StoredFile:
    return StoredFile(code=CODE, file_id=sha[:32], kind=kind, component=component, name="x.pdf",
                      sha256=sha, size=1, content_type="application/pdf", uploaded_by="u",
                      at=WHEN)  # fmt: skip


DON = kept(FileKind.COMPONENT, "DON", "1" * 64)
OPTIONAL = kept(FileKind.COMPONENT, "2", "2" * 64)
RESULT = kept(FileKind.RESULT, None, "3" * 64)


def test_flags_rise_with_the_files_and_nothing_changes_without_news(calendar):
    d = new_dossier(PROCEDURE, calendar, at(2026, 1, 5, 9)).dossier
    assert with_file_flags(d, [OPTIONAL], PROCEDURE) is None
    digitised = with_file_flags(d, [OPTIONAL, DON], PROCEDURE)
    assert digitised is not None and (digitised.digitised, digitised.electronic_result) == (
        True, False)  # fmt: skip
    assert (digitised.version, digitised.revision) == (d.version + 1, d.revision + 1)
    assert with_file_flags(digitised, [OPTIONAL, DON], PROCEDURE) is None
    both = with_file_flags(digitised, [DON, RESULT], PROCEDURE)
    assert both is not None and both.electronic_result is True
    reused = with_file_flags(both, [DON, RESULT], PROCEDURE, reused=1)
    assert reused is not None and reused.reused_components == 1


def test_flags_are_never_lowered(calendar):
    d = new_dossier(PROCEDURE, calendar, at(2026, 1, 5, 9)).dossier
    said = d.model_copy(update={"digitised": True})  # the portal's flag at intake
    assert with_file_flags(said, [], PROCEDURE) is None
    resolved = d.model_copy(update={"status": DossierStatus.RESOLVED})
    assert with_file_flags(resolved, [DON], PROCEDURE) is None  # the result is missing


def test_the_history_entry_says_what_the_files_raised(calendar):
    d = new_dossier(PROCEDURE, calendar, at(2026, 1, 5, 9)).dossier
    assert files_recorded(d, [OPTIONAL], PROCEDURE, actor=RECEIVER, at=WHEN) is None
    t = files_recorded(d, [DON, RESULT], PROCEDURE, actor=RECEIVER, at=WHEN, reused=1)
    assert t is not None
    e = t.entry
    assert (e.action, e.action.label_vi) == (Action.FILES_RECORDED, "Cập nhật thành phần số hóa")
    assert (e.digitised, e.electronic_result, e.reused) == (True, True, 1)
    assert (e.from_status, e.to_status, e.version) == (d.status, d.status, d.version + 1)
    assert "số hóa" in e.note and "kết quả điện tử" in e.note


def test_a_raise_counts_after_receipt_or_resolution_only(calendar):
    received = new_dossier(PROCEDURE, calendar, at(2026, 1, 5, 9)).dossier
    submitted = new_dossier(PROCEDURE, calendar, at(2026, 1, 5, 9), received=False).dossier
    raise_ = {"digitised": True, "electronic_result": True}
    # received: 4.2 counts now; not resolved: 4.1 waits for the resolve
    assert files_delta(received, received.model_copy(update=raise_)) == {"digitised": 1}
    # not received yet: the receipt counts it
    assert files_delta(submitted, submitted.model_copy(update=raise_)) == {}
    resolved = received.model_copy(
        update={"status": DossierStatus.RESOLVED, "ended_at": at(2026, 1, 8, 10)}
    )
    assert files_delta(resolved, resolved.model_copy(update=raise_)) == {
        "digitised": 1, "electronic_result": 1}  # fmt: skip
    stopped = received.model_copy(
        update={"status": DossierStatus.STOPPED, "ended_at": at(2026, 1, 8, 10)}
    )
    assert "electronic_result" not in files_delta(stopped, stopped.model_copy(update=raise_))


def test_reused_components_count_and_the_dossier_once(calendar):
    d = new_dossier(PROCEDURE, calendar, at(2026, 1, 5, 9)).dossier
    one = d.model_copy(update={"reused_components": 1})
    assert files_delta(d, one) == {"reused_components": 1, "reused_dossiers": 1}
    two = d.model_copy(update={"reused_components": 2})
    assert files_delta(one, two) == {"reused_components": 1}


def test_the_reuse_index_names_a_component_or_the_procedures_result():
    assert document_kind(DON, PROCEDURE.code) == "DON"
    assert document_kind(RESULT, PROCEDURE.code) == f"result:{PROCEDURE.code}"
