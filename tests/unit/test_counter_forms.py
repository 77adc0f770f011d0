"""The counter's forms (chalicelib/web/counter_intake.py, counter_actions.py): what the receiver
types becomes the counter API's body, and each refusal of the API's own parsing lands beside
the input it is about; a decision becomes the API's action body or an error beside its note."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from chalicelib.domain.dossier import Action, Location
from chalicelib.domain.procedures import Level
from chalicelib.intake.errors import IntakeInvalid
from chalicelib.intake.parse import parse_counter_submission
from chalicelib.services.errors import FieldIssue
from chalicelib.web import counter_actions as ca
from chalicelib.web import counter_intake as ci

WARD = "000.00.41.H19"
NOW = datetime.fromisoformat("2026-03-02T09:00:00+07:00")


class _Component:
    def __init__(self, name: str) -> None:
        self.name = name


class _Procedure:
    level = Level.COMMUNE
    components = (_Component("Tờ khai"), _Component("Giấy chứng sinh"), _Component("CCCD"))


def _posted(**overrides: str) -> dict[str, str]:
    fields = {
        ci.PROCEDURE: "1.001193",
        ci.CHANNEL: "1",
        ci.KIND: "1",
        ci.NAME: "  Nguyễn Thị Lan ",
        ci.ID_NUMBER: "075190000123",
        ci.PHONE: "",
        ci.EMAIL: "",
        ci.SUMMARY: "",
        ci.REFERENCE: "quay-abc123",
        f"{ci.COMPONENT}0": "1",
        f"{ci.COMPONENT}2": "1",
        f"{ci.COMPONENT}x": "1",  # not a position: ignored
    }
    fields.update(overrides)
    return fields


def _api_issues(fields: dict[str, str]) -> list[FieldIssue]:
    """What the counter API's own parsing says of the form's document (empty: accepted)."""
    document = ci.submission(ci.read_form(fields), _Procedure(), agency=WARD, received_at=NOW)
    try:
        parse_counter_submission(json.dumps(document).encode(), province="H19", now=NOW,
                                 max_bytes=100_000,
                                 received_by=Location(agency=WARD, unit="MOT_CUA"))  # fmt: skip
    except IntakeInvalid as refused:
        return [FieldIssue(i.field, i.reason, i.message_vi) for i in refused.errors]
    return []


def test_a_filled_form_is_the_counter_apis_body():
    form = ci.read_form(_posted())
    assert form.components == {0, 2} and form.value(ci.NAME) == "Nguyễn Thị Lan"
    document = ci.submission(form, _Procedure(), agency=WARD, received_at=NOW)
    assert document == {
        "external_id": "quay-abc123",
        "procedure_code": "1.001193",
        "channel": 1,
        "applicant": {"name": "Nguyễn Thị Lan", "kind": 1, "id_number": "075190000123"},
        "submitted_at": NOW.isoformat(),
        "awaiting_counter_check": False,
        "resolving_agency": WARD,  # a commune's procedure: resolved by the receiving commune
        "documents": [{"name": "Tờ khai", "digitised": False},
                      {"name": "CCCD", "digitised": False}],
    }  # fmt: skip
    assert _api_issues(_posted()) == []


@pytest.mark.parametrize(
    ("overrides", "input_name"),
    [
        ({ci.NAME: ""}, ci.NAME),
        ({ci.ID_NUMBER: "12345"}, ci.ID_NUMBER),
        ({ci.PHONE: "không có"}, ci.PHONE),
        ({ci.EMAIL: "lan@"}, ci.EMAIL),
        ({ci.PROCEDURE: "khai sinh"}, ci.PROCEDURE),
        ({ci.CHANNEL: "2"}, ci.CHANNEL),  # online dossiers come from the portal, not the counter
        ({ci.SUMMARY: "a\x00b"}, ci.SUMMARY),
    ],
)
def test_each_refusal_of_the_api_is_shown_beside_its_input(overrides, input_name):
    issues = _api_issues(_posted(**overrides))
    assert issues, overrides
    errors = ci.errors_beside(issues)
    assert input_name in errors and errors[input_name] == issues[0].message


def test_api_fields_map_to_inputs_and_the_rest_to_the_form():
    assert ci.input_of("applicant.phone") == ci.PHONE
    assert ci.input_of("documents[3].name") == ci.COMPONENT
    assert ci.input_of("resolving_agency") == ci.PROCEDURE
    assert ci.input_of("submitted_at") == ci.GENERAL
    # A problem document's entries (`message`) and the intake's FieldIssues alike; first kept.
    errors = ci.errors_beside([{"field": "applicant.name", "reason": "r", "message": "Một"},
                               FieldIssue("applicant.name", "r", "Hai")])  # fmt: skip
    assert errors == {ci.NAME: "Một"}


def test_a_crafted_choice_is_told_in_the_pages_words():
    form = ci.read_form(_posted(**{ci.CHANNEL: "9", ci.KIND: "x", ci.PROCEDURE: ""}))
    assert ci.choice_errors(form) == {ci.CHANNEL: ci.CHOICE_WRONG, ci.KIND: ci.CHOICE_WRONG,
                                      ci.PROCEDURE: ci.PROCEDURE_MISSING}  # fmt: skip
    assert ci.choice_errors(ci.read_form(_posted())) == {}


def test_the_search_ignores_accents_and_case_and_takes_codes():
    from chalicelib.adapters.catalog_files import DATA_DIR, load_agencies, load_catalog

    catalog = load_catalog(DATA_DIR / "procedures.yaml", load_agencies())
    assert ci.folded("Đăng KÝ khai sinh") == "dang ky khai sinh"
    assert [p.code for p in ci.search(catalog, "dang ky KHAI sinh", NOW)] == ["1.001193"]
    assert [p.code for p in ci.search(catalog, "1.012766", NOW)] == ["1.012766"]  # in force
    assert ci.search(catalog, "không có thủ tục này", NOW) == []
    assert len(ci.search(catalog, "  ", NOW)) == len(catalog.codes())


def test_a_decision_is_the_apis_action_body():
    decision = ca.read_decision({ca.ACTION: "receive", ca.VERSION: "3", ca.KEY: "k1", ca.NOTE: ""})
    assert decision.errors == {}
    assert decision.body == {"action": "receive", "note": "", "expected_version": 3}


def test_a_refusal_or_a_supplement_needs_its_reason_and_other_actions_are_not_offered():
    for action in (Action.REFUSE, Action.REQUEST_SUPPLEMENT):
        decision = ca.read_decision({ca.ACTION: action.value, ca.VERSION: "1", ca.NOTE: " "})
        assert decision.errors == {ca.NOTE: ca.NOTE_MISSING}, action
    for action in ("resolve", "take_up", "nonsense"):
        decision = ca.read_decision({ca.ACTION: action, ca.VERSION: "1"})
        assert decision.errors == {ca.GENERAL: ca.NOT_OFFERED} and decision.action is None


def test_every_refusal_kind_has_vietnamese_words():
    for kind in ("stale_version", "illegal_transition", "not_permitted", "invalid_input", "failed"):
        assert ca.refusal_text(kind) != ca.REFUSAL_FALLBACK
    assert ca.refusal_text("unheard-of") == ca.REFUSAL_FALLBACK


@pytest.mark.parametrize(
    "receipt",
    [
        {"status": "queued", "code": None, "receipt_id": "r1", "errors": []},
        {"status": "refused", "code": None, "receipt_id": "r1",
         "errors": [{"field": "procedure_code", "reason": "gone", "message": "Thủ tục đã bỏ"}]},
    ],
)  # fmt: skip
def test_a_receipt_queued_polls_itself_and_a_refused_one_says_why(receipt):
    from chalicelib.web.site import Site
    from chalicelib.web.templates import render

    html = render("counter/receipt.html", site=Site(), csrf_token="t", official=None,
                  receipt=receipt, here="/quay/bien-nhan/r1", dossier_path="/quay/ho-so/",
                  components=None, reuse_error=False)  # fmt: skip
    if receipt["status"] == "queued":
        assert 'hx-trigger="every 1s"' in html and 'href="/quay/bien-nhan/r1"' in html
    else:
        assert "hx-trigger" not in html and "Thủ tục đã bỏ" in html and "in-mau-01" not in html
