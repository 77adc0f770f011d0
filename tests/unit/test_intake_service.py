"""The intake worker against the in-memory store: one dossier per submission, refusals kept."""

import json
from dataclasses import replace

import pytest

from chalicelib.adapters.catalog_files import load_agencies, load_catalog
from chalicelib.adapters.memory_store import MemoryStore
from chalicelib.adapters.queues import InMemoryPublisher
from chalicelib.domain.dossier import Location
from chalicelib.domain.statuses import DossierStatus as S
from chalicelib.domain.statuses import Role
from chalicelib.intake.parse import parse_counter_submission, parse_submission
from chalicelib.services.counters import RecordedCounts
from chalicelib.services.envelopes import IntakeEnvelope
from chalicelib.services.intake import IntakeDeps, create_dossier, receipt_id_for, submit
from tests.unit.builders import at, official

NOW = at(2026, 3, 9, 10)
COMMUNE = "000.00.41.H19"
OTHER_COMMUNE = "000.00.42.H19"


def body(**overrides):
    data = {
        "external_id": "portal-0001",
        "procedure_code": "1.001193",
        "channel": 2,
        "applicant": {"name": "Nguyễn Thị Lan", "kind": 1, "id_number": "075190000123",
                      "phone": "0912 345 678", "email": "lan@example.vn"},
        "resolving_agency": COMMUNE,
        "received_by_agency": COMMUNE,
        "submitted_at": "2026-03-09T09:00:00+07:00",
        "awaiting_counter_check": False,
        "summary": "Đăng ký khai sinh cho con",
    }  # fmt: skip
    data.update(overrides)
    return json.dumps(data).encode()


def envelope(raw, client="portal-dev"):
    request = parse_submission(raw, province="H19", now=NOW, max_bytes=65536)
    return IntakeEnvelope(receipt_id=receipt_id_for(client, request.external_id),
                          client_id=client, request=request, accepted_at=NOW)  # fmt: skip


@pytest.fixture
def deps(calendar):
    agencies = load_agencies()
    return IntakeDeps(store=MemoryStore(), catalog=load_catalog(None, agencies),
                      agencies=agencies, calendar=calendar)  # fmt: skip


def test_a_submission_becomes_one_dossier_however_often_delivered(deps):
    message = envelope(body())
    receipts = [create_dossier(message, deps, now=NOW) for _ in range(3)]
    assert {r.status for r in receipts} == {"accepted"}
    assert len({r.code for r in receipts}) == 1
    [code] = deps.store.dossiers
    assert code == "000.00.41.H19-260309-0001"
    dossier = deps.store.get(code)
    assert dossier.status is S.RECEIVED
    assert dossier.applicant.phone == "84912345678"
    # 1 working day from Monday 09:00 (before the 15:00 cut-off).
    assert dossier.due_at == at(2026, 3, 10, 9)
    assert len(deps.store.history[code]) == 1
    assert receipts[0].due_at == dossier.due_at


def test_codes_follow_the_daily_sequence_and_portal_codes_are_kept(deps):
    create_dossier(envelope(body(external_id="a")), deps, now=NOW)
    second = create_dossier(envelope(body(external_id="b")), deps, now=NOW)
    assert second.code.endswith("-260309-0002")
    given = "000.00.41.H19-260309-0777"
    kept = create_dossier(envelope(body(external_id="c", code=given)), deps, now=NOW)
    assert kept.code == given


def test_a_counter_check_leaves_the_dossier_at_status_1(deps):
    receipt = create_dossier(envelope(body(awaiting_counter_check=True)), deps, now=NOW)
    dossier = deps.store.get(receipt.code)
    assert dossier.status is S.SUBMITTED and dossier.due_at is None


def test_catalog_problems_refuse_the_receipt_and_create_nothing(deps):
    receipt = create_dossier(envelope(body(procedure_code="9.999999")), deps, now=NOW)
    assert receipt.status == "refused"
    assert [e["field"] for e in receipt.errors] == ["procedure_code"]
    assert deps.store.dossiers == {} and deps.store.get_receipt(receipt.receipt_id) == receipt


def counter_envelope(raw, agency):
    """What the counter API queues: received now, at the official's agency and counter."""
    officer = official(Role.RECEIVER, "MOT_CUA", agency)
    counter = Location(agency=agency, unit="MOT_CUA")
    request = parse_counter_submission(raw, province="H19", now=NOW, max_bytes=65536,
                                       received_by=counter)  # fmt: skip
    client = f"counter:{agency}"
    return IntakeEnvelope(receipt_id=receipt_id_for(client, request.external_id),
                          client_id=client, request=request, accepted_at=NOW,
                          actor=officer)  # fmt: skip


def test_another_communes_counter_is_refused_a_procedure_not_listed_cross_boundary(deps):
    birth = body(channel=1, received_by_agency=None)
    receipt = create_dossier(counter_envelope(birth, OTHER_COMMUNE), deps, now=NOW)
    assert receipt.status == "refused"
    [error] = receipt.errors
    assert error["field"] == "received_by_agency"
    assert error["message"].startswith(
        "Thủ tục 1.001193 không thuộc danh mục tiếp nhận không phụ thuộc địa giới hành chính"
    )
    assert deps.store.dossiers == {}


def test_another_communes_counter_receives_a_cross_boundary_procedure(deps):
    copy = body(channel=1, received_by_agency=None, procedure_code="2.000815",
                summary="Chứng thực bản sao giấy khai sinh")  # fmt: skip
    receipt = create_dossier(counter_envelope(copy, OTHER_COMMUNE), deps, now=NOW)
    assert receipt.status == "accepted", receipt.errors
    dossier = deps.store.get(receipt.code)
    assert dossier.received_by == Location(agency=OTHER_COMMUNE, unit="MOT_CUA")
    assert dossier.resolving_agency == COMMUNE
    assert receipt.code.startswith(OTHER_COMMUNE)  # numbered by the counter that received it


def test_a_reused_portal_code_is_refused(deps):
    code = "000.00.41.H19-260309-0777"
    create_dossier(envelope(body(external_id="a", code=code)), deps, now=NOW)
    refused = create_dossier(envelope(body(external_id="b", code=code)), deps, now=NOW)
    assert refused.status == "refused" and refused.errors[0]["field"] == "code"
    assert len(deps.store.dossiers) == 1


def test_submit_queues_then_answers_queued_and_never_overwrites_an_answer(deps):
    publisher = InMemoryPublisher()
    message = envelope(body())
    first = submit(message, store=deps.store, publisher=publisher, queue_url="q")
    assert first.status == "queued" and len(publisher.sent) == 1
    create_dossier(message, deps, now=NOW)
    again = submit(message, store=deps.store, publisher=publisher, queue_url="q")
    assert again.status == "accepted" and len(publisher.sent) == 1  # nothing new to do


def test_a_failed_send_records_nothing(deps):
    publisher = InMemoryPublisher(fail_next=1)
    with pytest.raises(ConnectionError):
        submit(envelope(body()), store=deps.store, publisher=publisher, queue_url="q")
    assert deps.store.receipts == {} and deps.store.dossiers == {}


def test_a_new_dossier_is_counted_once_and_a_redelivery_or_refusal_not_at_all(deps):
    counts = RecordedCounts()
    counted = replace(deps, counter=counts)
    message = envelope(body())
    for _ in range(2):
        create_dossier(message, counted, now=NOW)
    create_dossier(envelope(body(external_id="x", procedure_code="9.999999")), counted, now=NOW)
    assert counts.counted == [("DossierReceived", 1, {})]


def test_the_portals_appointment_is_kept_beside_ours_and_a_difference_shown(deps):
    from pathlib import Path

    from chalicelib.intake.checks import resolve_agencies
    from chalicelib.services.reading import dossier_view

    item = Path(__file__).parents[1] / "fixtures" / "dvcqg" / "real-shape-postal-no-lists.json"
    request = parse_submission(item.read_bytes(), province="H19", now=at(2026, 3, 20, 12),
                               max_bytes=65536)  # fmt: skip
    request = resolve_agencies(request, deps.catalog, deps.agencies)
    message = IntakeEnvelope(receipt_id=receipt_id_for("portal-dev", request.external_id),
                             client_id="portal-dev", request=request,
                             accepted_at=at(2026, 3, 18, 10, 5))  # fmt: skip
    receipt = create_dossier(message, deps, now=at(2026, 3, 18, 10, 5))
    assert receipt.status == "accepted"
    dossier = deps.store.get(receipt.code)
    assert dossier.portal_due_at == at(2026, 3, 18, 16, 30)  # the item's NgayHenTra
    view = dossier_view(deps.store.load(receipt.code), deps.catalog)["dossier"]
    assert view["portal_due_at"] == at(2026, 3, 18, 16, 30).isoformat()
    # Ours counts the procedure's limit from the receipt (10:02:44), the portal said 16:30.
    assert dossier.due_at != dossier.portal_due_at and view["portal_due_differs"] is True
    assert view["due_at"] == dossier.due_at.isoformat()


def test_a_redelivered_intake_queues_its_fetches_again_in_case_the_first_died_before(deps):
    """Creating the dossier and queueing its fetches are two writes: a redelivery of an intake
    that died between them must not lose the fetches (the fetch itself is idempotent)."""
    from chalicelib.services.file_fetch import FetchQueue

    publisher = InMemoryPublisher()
    fetching = replace(deps, fetches=FetchQueue(publisher, "fetch-queue"))
    documents = [{"name": "Tờ khai", "url": "https://files.example/to-khai.pdf", "component": "1"},
                 {"name": "Giấy chứng sinh", "url": "https://files.example/gcs.pdf"}]  # fmt: skip
    message = envelope(body(documents=documents))
    first = create_dossier(message, fetching, now=NOW)
    again = create_dossier(message, fetching, now=NOW)
    assert again.code == first.code and len(deps.store.dossiers) == 1
    sent = [(queue, m["code"], m["url"], m["fetch_id"]) for queue, m, _ in publisher.sent]
    one = ("fetch-queue", first.code, "https://files.example/to-khai.pdf", sent[0][3])
    assert sent == [one, one]  # the same request (one id): the uncoded document not at all
