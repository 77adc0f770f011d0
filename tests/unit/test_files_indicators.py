"""QĐ 766 4.1, 4.2 and 4.3 from the stored files, over the fakes: recording files raises the
dossier's flags through the change path and counts them once; a resolve takes its electronic
result from the stored result file; a citizen's stored document is taken by their later
dossier, and by no one else's."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from types import SimpleNamespace

import pytest

from chalicelib.adapters.file_records import MemoryFileRecords
from chalicelib.adapters.file_store import MemoryFileStore
from chalicelib.adapters.memory_store import MemoryStore
from chalicelib.domain import indicators
from chalicelib.domain.dossier import Action, Applicant, Command
from chalicelib.domain.files import electronic_result
from chalicelib.domain.state_machine import apply, open_dossier
from chalicelib.domain.statuses import Channel, DossierStatus
from chalicelib.http.request_models import ActionRequest
from chalicelib.ports.records import Change, Opening, Receipt
from chalicelib.services import files, reports, reuse, transitions
from chalicelib.services.errors import Invalid, NotFound
from tests.unit import bad_files
from tests.unit.builders import DESK, HOME, LEADER, RECEIVER, SPECIALIST, TAX_SYSTEM, at
from tests.unit.test_files_service import CODE, NOW, PROCEDURE, World, deps_over, verifying

LATER = "000.00.32.H19-260105-0002"  # the same citizen's next dossier
STRANGER = "000.00.32.H19-260105-0003"  # another citizen's
CITIZEN = "079090001234"
MONTH = "2026-01"


def _open(store, calendar, code, id_number, when):
    opened = open_dossier(code=code, procedure=PROCEDURE, channel=Channel.ONLINE,
                          applicant=Applicant(name="Nguyễn Văn A", phone="84912345678",
                                              id_number=id_number),
                          resolving_agency=HOME, received_by=DESK, actor=RECEIVER, at=when,
                          calendar=calendar, received=True)  # fmt: skip
    receipt = Receipt(receipt_id=f"r-{code}", client_id="portal", external_id=code,
                      status="accepted", updated_at=when)  # fmt: skip
    store.create(Opening(opened.dossier, opened.entry, intake_key=f"portal#{code}",
                         receipt=receipt,
                         counted=indicators.counted_change(None, opened.dossier, when,
                                                           calendar)))  # fmt: skip


@pytest.fixture
def counted(calendar) -> World:
    """test_files_service's world, whose dossiers belong to citizens and whose files move
    the counters."""
    blobs = MemoryFileStore()
    world = World(deps_over(calendar, blobs, MemoryFileRecords()), blobs.receive, None,
                  blobs.fetch)  # fmt: skip
    store = MemoryStore()
    _open(store, calendar, CODE, CITIZEN, at(2026, 1, 5, 9))
    _open(store, calendar, LATER, CITIZEN, at(2026, 1, 5, 9, 30))
    _open(store, calendar, STRANGER, "079090009999", at(2026, 1, 5, 9, 45))
    deps = dataclasses.replace(world.deps, dossiers=store, changes=store, calendar=calendar)
    return dataclasses.replace(world, deps=deps)


def _counts(world: World) -> dict[str, int]:
    return world.deps.dossiers.stats(HOME, MONTH).get(PROCEDURE.code, {})


def _advance(world: World, calendar, *moves) -> None:
    store = world.deps.dossiers
    for action, actor, when, fields in moves:
        before = store.get(CODE)
        moved = apply(before, Command(action=action, **fields), actor, PROCEDURE, calendar, when)
        store.apply(Change(moved.dossier, moved.entry, command_id=f"{action}-{when}",
                           expected_revision=before.revision,
                           counted=indicators.counted_change(before, moved.dossier, when,
                                                             calendar)))  # fmt: skip


def _to_last_step(world, calendar):
    _advance(world, calendar,
             (Action.TAKE_UP, SPECIALIST, at(2026, 1, 5, 11), {}),
             (Action.FORWARD, SPECIALIST, at(2026, 1, 6, 10), {}),
             (Action.FORWARD, TAX_SYSTEM, at(2026, 1, 7, 10), {}))  # fmt: skip


def _resolve(world, calendar, **fields):
    _advance(world, calendar, (Action.RESOLVE, LEADER, at(2026, 1, 8, 10), fields))


def _signed_result(world: World):
    from tests.fixtures import signing

    signed = signing.sign_pdf(signing.plain_pdf(), signing.shared_identity())
    ticket = world.upload(signed, kind="result", component=None, name="Kết quả.pdf")
    return world.record(ticket["upload_id"])


def test_the_last_required_component_makes_the_dossier_digitised_counted_once(counted):
    assert _counts(counted).get("digitised", 0) == 0  # received without files
    optional = counted.upload(bad_files.pdf(1), component="2", name="Ủy quyền.pdf")
    counted.record(optional["upload_id"])
    assert counted.deps.dossiers.get(CODE).digitised is False
    required = counted.upload(bad_files.pdf(2))
    counted.record(required["upload_id"])
    dossier = counted.deps.dossiers.get(CODE)
    assert dossier.digitised is True
    assert _counts(counted)["digitised"] == 1
    history = counted.deps.dossiers.history[CODE]
    assert history[-1].action is Action.FILES_RECORDED and history[-1].digitised is True
    assert history[-1].actor_id == RECEIVER.id
    # recorded again, the same bytes uploaded again, another file: counted once in all
    counted.record(required["upload_id"])
    counted.record(counted.upload(bad_files.pdf(2))["upload_id"])
    counted.record(counted.upload(bad_files.pdf(3))["upload_id"])
    assert _counts(counted)["digitised"] == 1
    assert counted.deps.dossiers.get(CODE).version == dossier.version  # nothing more changed


def test_a_change_lost_after_the_record_is_made_by_the_retry(counted):
    down = dataclasses.replace(counted.deps, changes=None)  # the change path failed
    ticket = counted.upload(bad_files.pdf(2))
    files.record_upload(CODE, ticket["upload_id"], RECEIVER, down, now=NOW)
    assert counted.deps.dossiers.get(CODE).digitised is False
    counted.record(ticket["upload_id"])  # the official's retry
    assert counted.deps.dossiers.get(CODE).digitised is True
    assert _counts(counted)["digitised"] == 1


def test_a_signed_result_makes_the_resolve_electronic(counted, calendar):
    world = verifying(counted)
    _to_last_step(world, calendar)
    _signed_result(world)
    assert world.deps.dossiers.get(CODE).electronic_result is True
    assert _counts(world).get("electronic_result", 0) == 0  # counted by the resolve
    asked = transitions.electronic_from_files(Command(action=Action.RESOLVE), True)
    assert asked.electronic_result is True  # set from the file, not said by the caller
    _resolve(world, calendar)  # even a command that does not say it
    resolved = world.deps.dossiers.get(CODE)
    assert resolved.status is DossierStatus.RESOLVED and resolved.electronic_result is True
    assert world.deps.dossiers.history[CODE][-1].electronic_result is True
    assert _counts(world)["electronic_result"] == 1


def test_a_result_stored_after_the_resolve_is_counted_then_once(counted, calendar):
    world = verifying(counted)
    _to_last_step(world, calendar)
    _resolve(world, calendar)
    assert _counts(world).get("electronic_result", 0) == 0 and _counts(world)["resolved"] == 1
    _signed_result(world)
    assert _counts(world)["electronic_result"] == 1
    _signed_result(world)
    assert _counts(world)["electronic_result"] == 1
    rebuilt = reports.rebuild_and_compare(HOME, MONTH, MONTH, world.deps.dossiers, calendar)
    assert rebuilt["match"] is True, rebuilt["differences"]


class _Requests:
    def __init__(self, store):
        self.store = store
        self.sent: list[dict] = []

    def get(self, code):
        return self.store.get(code)

    def record_request(self, code, command_id, fingerprint, now):
        return None

    def send(self, queue_url, body, *, group, dedup_id):
        self.sent.append(body)


def _request_resolve(world, **said):
    fake = _Requests(world.deps.dossiers)
    body = ActionRequest.model_validate({"action": "resolve", "expected_version": 4, **said})
    transitions.request_action(
        CODE, body, LEADER, store=fake, agencies=SimpleNamespace(), publisher=fake,
        queue_url="q", command_id="c1", now=NOW,
        result_stored=lambda c: electronic_result(world.deps.records.files(c)),
    )  # fmt: skip
    return fake.sent[0]["command"]["electronic_result"]


def test_resolve_saying_electronic_without_a_result_file_is_refused(counted, calendar):
    world = verifying(counted)
    _to_last_step(world, calendar)
    with pytest.raises(Invalid) as refused:
        _request_resolve(world, electronic_result=True)
    [issue] = refused.value.errors
    assert (issue.field, issue.message) == ("electronic_result", "Chưa có tệp kết quả điện tử")
    assert _request_resolve(world) is False
    _signed_result(world)
    assert _request_resolve(world) is True  # set from the stored file


def test_a_citizens_document_is_reused_by_their_next_dossier_counted_once(counted):
    stored, _ = counted.record(counted.upload(bad_files.pdf(2))["upload_id"])
    listed = reuse.reusable_documents(LATER, RECEIVER, counted.deps)
    assert [(d["document"], d["code"], d["file_id"]) for d in listed["items"]] == [
        ("DON", CODE, stored.file_id)
    ]
    assert "id_number" not in listed["items"][0]
    taken, created = reuse.reuse_document(LATER, "DON", stored.file_id, RECEIVER, counted.deps,
                                          now=NOW)  # fmt: skip
    assert created and taken.code == LATER and taken.sha256 == stored.sha256
    assert taken.reused_from is not None and taken.reused_from.file_id == stored.file_id
    link = files.download_link(LATER, taken.file_id, RECEIVER, counted.deps,
                               on_release=lambda _: None)  # fmt: skip
    assert counted.fetch(link["url"]) == bad_files.pdf(2)
    later = counted.deps.dossiers.get(LATER)
    assert later.reused_components == 1 and later.digitised is True
    again = reuse.reuse_document(LATER, "DON", stored.file_id, RECEIVER, counted.deps, now=NOW)
    assert again == (taken, False)
    counts = _counts(counted)
    assert (counts["reused_components"], counts["reused_dossiers"], counts["digitised"]) == (
        1, 1, 2)  # fmt: skip


def test_another_citizens_document_cannot_be_reused(counted):
    stored, _ = counted.record(counted.upload(bad_files.pdf(2))["upload_id"])
    assert reuse.reusable_documents(STRANGER, RECEIVER, counted.deps) == {"items": []}
    with pytest.raises(NotFound) as missing:
        reuse.reuse_document(STRANGER, "DON", stored.file_id, RECEIVER, counted.deps, now=NOW)
    assert missing.value.errors[0].field == "source_file_id"
    assert counted.deps.records.files(STRANGER) == []
    assert _counts(counted).get("reused_components", 0) == 0


@dataclass(frozen=True)
class _Asked:
    agency: str = HOME
    from_: str = MONTH
    to: str = MONTH
    format: str = "json"


def test_the_report_computes_4_1_4_2_4_3_from_the_files(counted, calendar):
    world = verifying(counted)
    stored, _ = world.record(world.upload(bad_files.pdf(2))["upload_id"])
    reuse.reuse_document(LATER, "DON", stored.file_id, RECEIVER, world.deps, now=NOW)
    _to_last_step(world, calendar)
    _signed_result(world)
    _resolve(world, calendar)
    report = reports.report_766(_Asked(), LEADER, world.deps.dossiers)
    shown = {code: (i["numerator"], i["denominator"]) for code, i in report["indicators"].items()}
    assert shown["4.1"] == (1, 1)  # CODE resolved with its signed result
    assert shown["4.2"] == (2, 3)  # CODE and LATER of three received
    assert shown["4.3"] == (1, 3)  # LATER took a stored document
    assert "stored files" in report["sources"]["4.3"]
    rebuilt = reports.rebuild_and_compare(HOME, MONTH, MONTH, world.deps.dossiers, calendar)
    assert rebuilt["match"] is True, rebuilt["differences"]
