"""The DVCQG corpus (tests/fixtures/dvcqg/): each portal item goes the webhook's way (the body
parsed, then checked against the sample catalog and registry with its alias table) and is
accepted or refused as its `expect` key says, refusals naming the field (docs/dvcqg-contract.md).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from chalicelib.adapters.catalog_files import load_agencies, load_catalog
from chalicelib.adapters.memory_store import MemoryStore
from chalicelib.adapters.queues import InMemoryPublisher
from chalicelib.domain.calendar import LOCAL_TZ
from chalicelib.domain.dossier import Action
from chalicelib.intake.checks import check_against_catalog, resolve_agencies
from chalicelib.intake.errors import FieldIssue, IntakeInvalid
from chalicelib.intake.model import IntakeRequest
from chalicelib.intake.parse import parse_submission, parse_webhook
from chalicelib.services.envelopes import IntakeEnvelope
from chalicelib.services.errors import Conflict
from chalicelib.services.intake import IntakeDeps, create_dossier, receipt_id_for, submit

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "dvcqg"
NOW = datetime(2026, 3, 20, 12, 0, tzinfo=LOCAL_TZ)
PROVINCE = "H19"
MAX_BYTES = 256 * 1024
# The real-shape items (docs/dvcqg-contract.md §7) carry no `expect` key: they stay as written.
# Their shape is accepted; two name procedures the sample catalog does not hold.
REAL_SHAPE: dict[str, dict[str, Any]] = {
    "real-shape-land-in-person.json": {"refused": ["MaTTHC"]},  # 1.004227: not in the sample
    "real-shape-household-business-online.json": {"refused": ["MaTTHC"]},  # 2.000720: idem
    "real-shape-postal-no-lists.json": {"accepted": True},
    # Status 5 is progress of a known dossier; taking it as an update (isUpdating) is not built.
    "real-shape-supplement-requested.json": {"refused": ["TrangThaiHoSo"]},
}
FILES = sorted(p.name for p in CORPUS.glob("*.json"))


@pytest.fixture(scope="module")
def agencies():
    return load_agencies()


@pytest.fixture(scope="module")
def catalog(agencies):
    return load_catalog(None, agencies)


def item_and_expectation(name: str) -> tuple[dict[str, Any], dict[str, Any]]:
    document = json.loads((CORPUS / name).read_text(encoding="utf-8"))
    expectation = document.pop("expect", None) or REAL_SHAPE[name]
    return document, expectation


def through_the_webhook(document: dict[str, Any], catalog, agencies) -> IntakeRequest | list:
    """What the webhook does (http/requests.portal_envelope): parse, check, resolve."""
    raw = json.dumps(document, ensure_ascii=False).encode("utf-8")
    try:
        request = parse_submission(raw, province=PROVINCE, now=NOW, max_bytes=MAX_BYTES)
    except IntakeInvalid as refused:
        return refused.errors
    issues = check_against_catalog(request, catalog, agencies)
    return issues or resolve_agencies(request, catalog, agencies)


def test_the_corpus_is_large_and_says_what_to_expect():
    assert len(FILES) >= 30
    expectations = [item_and_expectation(name)[1] for name in FILES]
    assert sum(bool(e.get("accepted")) for e in expectations) >= 10
    assert sum(bool(e.get("refused")) for e in expectations) >= 10
    assert set(REAL_SHAPE) <= set(FILES)


@pytest.mark.parametrize("name", FILES)
def test_each_item_is_accepted_or_refused_as_it_says(name, catalog, agencies):
    document, expected = item_and_expectation(name)
    outcome = through_the_webhook(document, catalog, agencies)
    if expected.get("accepted"):
        assert isinstance(outcome, IntakeRequest), [
            (i.field, i.reason) for i in outcome if isinstance(i, FieldIssue)
        ]
        assert outcome.resolving_agency in agencies
        assert outcome.received_by_agency in agencies
        return
    assert isinstance(outcome, list), f"{name} was accepted"
    fields = [issue.field.removeprefix("data[0].") for issue in outcome]
    assert fields == expected["refused"], [(i.field, i.reason) for i in outcome]
    assert all(issue.reason and issue.message_vi for issue in outcome)


def test_the_portals_appointment_and_title_are_kept(catalog, agencies):
    document, _ = item_and_expectation("real-shape-postal-no-lists.json")
    request = through_the_webhook(document, catalog, agencies)
    assert isinstance(request, IntakeRequest)
    assert request.portal_due_at == datetime(2026, 3, 18, 16, 30, tzinfo=LOCAL_TZ)
    assert request.procedure_title == document["TenTTHC"]
    assert request.resolving_agency == agencies.resolve(document["DonViXuLy"])
    assert IntakeRequest.model_validate_json(request.model_dump_json()) == request  # the queue


# -- items sent again under the same MaHoSo (docs/dvcqg-contract.md §5) ----------------------------
RESENT = [name for name in FILES if "resent_of" in item_and_expectation(name)[1]]


def queued_envelope(document: dict[str, Any], catalog, agencies, at: datetime) -> IntakeEnvelope:
    raw = json.dumps(document, ensure_ascii=False).encode("utf-8")
    submission = parse_webhook(raw, province=PROVINCE, now=NOW, max_bytes=MAX_BYTES)
    request = resolve_agencies(submission.request, catalog, agencies)
    return IntakeEnvelope(receipt_id=receipt_id_for("dvcqg", request.external_id),
                          client_id="dvcqg", request=request, accepted_at=at,
                          updating=submission.updating)  # fmt: skip


def test_the_corpus_has_each_kind_of_resent_item():
    outcomes = {item_and_expectation(name)[1]["outcome"] for name in RESENT}
    assert outcomes == {"same_receipt", "updated", "conflict", "refused_update"}


@pytest.mark.parametrize("name", RESENT)
def test_an_item_sent_again_is_the_same_an_update_or_a_conflict(name, catalog, agencies, calendar):
    document, expected = item_and_expectation(name)
    original, _ = item_and_expectation(expected["resent_of"])
    store, publisher = MemoryStore(), InMemoryPublisher()
    deps = IntakeDeps(store=store, catalog=catalog, agencies=agencies, calendar=calendar)
    first = queued_envelope(original, catalog, agencies, NOW)
    submit(first, store=store, publisher=publisher, queue_url="q")
    accepted = create_dossier(first, deps, now=NOW)
    assert accepted.status == "accepted"
    before = store.load(accepted.code)
    again = queued_envelope(document, catalog, agencies, NOW + timedelta(hours=1))
    outcome = expected["outcome"]
    if outcome == "conflict":
        with pytest.raises(Conflict) as conflict:
            submit(again, store=store, publisher=publisher, queue_url="q")
        assert [issue.field for issue in conflict.value.errors] == [expected["field"]]
        assert len(publisher.sent) == 1 and store.get_receipt(first.receipt_id) == accepted
        # Delivered anyway (two bodies racing past the API): the worker opens nothing.
        assert create_dossier(again, deps, now=NOW) == accepted
        assert store.load(accepted.code) == before and len(store.dossiers) == 1
        return
    answer = submit(again, store=store, publisher=publisher, queue_url="q")
    if outcome == "same_receipt":
        assert answer == accepted and len(publisher.sent) == 1
        return
    assert answer.status == "queued" and answer.code == accepted.code
    assert len(publisher.sent) == 2
    final = create_dossier(again, deps, now=NOW + timedelta(hours=1))
    assert create_dossier(again, deps, now=NOW + timedelta(hours=2)) == final  # redelivered
    assert store.get_receipt(first.receipt_id) == final and final.code == accepted.code
    after = store.load(accepted.code)
    if outcome == "refused_update":
        assert final.status == "refused"
        assert [e["field"] for e in final.errors] == [expected["field"]]
        assert after == before
        return
    assert final.status == "accepted"
    [update] = after.history[len(before.history) :]
    assert update.action is Action.UPDATE_DETAILS and update.actor_id == "dvcqg"
    assert "thông tin chủ hồ sơ" in update.note and "trích yếu" in update.note
    assert update.to_status is before.dossier.status and update.due_at == before.dossier.due_at
    assert after.dossier.applicant.phone == "84903999888"
    assert update.summary == document["data"][0]["TrichYeuHoSo"]
