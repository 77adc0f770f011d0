"""The DVCQG corpus (tests/fixtures/dvcqg/): each portal item goes the webhook's way (the body
parsed, then checked against the sample catalog and registry with its alias table) and is
accepted or refused as its `expect` key says, refusals naming the field (docs/dvcqg-contract.md).
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from chalicelib.adapters.catalog_files import load_agencies, load_catalog
from chalicelib.domain.calendar import LOCAL_TZ
from chalicelib.intake.checks import check_against_catalog, resolve_agencies
from chalicelib.intake.errors import FieldIssue, IntakeInvalid
from chalicelib.intake.model import IntakeRequest
from chalicelib.intake.parse import parse_submission

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
