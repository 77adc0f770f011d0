"""Issue 16: strict types and bounds in what callers send, and the worklist's sealed cursor."""

from datetime import timedelta

import pytest
from pydantic import ValidationError

from chalicelib.domain.dossier import Action, Command
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.legal import APPOINTMENT_HORIZON, LegalTerms
from chalicelib.domain.state_machine import apply
from chalicelib.http import cursors
from chalicelib.http.problems import Problem
from chalicelib.http.request_models import (
    ActionRequest,
    DeliveryReceipt,
    OptOut,
    SystemActionRequest,
)
from tests.unit.builders import LEADER, SPECIALIST, at, land_procedure, new_dossier

NOW = at(2026, 3, 9, 9)
CONTEXT = {"now": NOW}
RECEIPT = {"provider": "sns", "message_id": "msg-1", "status": "delivered"}


def fields(error: ValidationError) -> set[str]:
    return {str(issue["loc"][0]) for issue in error.errors()}


@pytest.mark.parametrize("version", [True, False, "1", 1.0, 0, -1, 10**12, None])
def test_expected_version_is_a_json_integer_from_1(version):
    with pytest.raises(ValidationError) as refused:
        ActionRequest.model_validate({"action": "take_up", "expected_version": version})
    assert fields(refused.value) == {"expected_version"}


def test_a_system_may_leave_the_version_out_but_not_send_it_as_text():
    assert SystemActionRequest.model_validate({"action": "forward"}).expected_version is None
    assert SystemActionRequest.model_validate({"action": "forward", "expected_version": 3})
    with pytest.raises(ValidationError) as refused:
        SystemActionRequest.model_validate({"action": "forward", "expected_version": "3"})
    assert fields(refused.value) == {"expected_version"}


def test_null_for_an_optional_field_means_its_default():
    action = ActionRequest.model_validate(
        {
            "action": "take_up",
            "expected_version": 1,
            "note": None,
            "electronic_result": None,
            "new_due_at": None,
            "target_agency": None,
        }
    )
    assert (action.note, action.electronic_result, action.new_due_at) == ("", False, None)
    opt_out = OptOut.model_validate({"phone": "0912345678", "opted_out": None, "source": None})
    assert (opt_out.opted_out, opt_out.source) == (True, "sms reply")
    receipt = DeliveryReceipt.model_validate({**RECEIPT, "at": None, "error": None})
    assert (receipt.at, receipt.error) == (None, None)


@pytest.mark.parametrize(
    ("moment", "accepted"),
    [
        (NOW + timedelta(days=10), True),
        (NOW + APPOINTMENT_HORIZON, True),
        (NOW + APPOINTMENT_HORIZON + timedelta(minutes=1), False),
        (at(2099, 1, 5, 9), False),  # the review's extension
        (NOW, False),
        (at(2001, 3, 5, 9), False),
    ],
)
def test_a_new_appointment_is_after_now_and_within_the_horizon(moment, accepted):
    body = {
        "action": "extend_with_apology",
        "expected_version": 2,
        "note": "Chờ",
        "new_due_at": moment.isoformat(),
    }
    if accepted:
        assert ActionRequest.model_validate(body, context=CONTEXT).new_due_at == moment
        return
    with pytest.raises(ValidationError) as refused:
        ActionRequest.model_validate(body, context=CONTEXT)
    assert fields(refused.value) == {"new_due_at"}


def test_without_the_requests_clock_a_new_appointment_is_bounded_to_the_years_2000_2099():
    body = {"action": "extend_with_apology", "expected_version": 2, "note": "Chờ"}
    assert ActionRequest.model_validate({**body, "new_due_at": "2099-01-05T09:00:00+07:00"})
    with pytest.raises(ValidationError):
        ActionRequest.model_validate({**body, "new_due_at": "2100-01-05T09:00:00+07:00"})


def test_the_domain_refuses_an_appointment_beyond_the_horizon_whatever_the_procedure_allows(
    calendar,
):
    # 300 working days, extended up to 5 times that: the relative bound alone would allow years.
    procedure = land_procedure(time_limit={"amount": 300, "unit": "working_days"})
    terms = LegalTerms(extension_at_most=5)
    d = new_dossier(procedure, calendar, at(2026, 3, 2, 9)).dossier
    d = apply(d, Command(action=Action.TAKE_UP), SPECIALIST, procedure, calendar,
              at(2026, 3, 2, 10)).dossier  # fmt: skip
    now = at(2026, 3, 3, 9)
    far = at(2029, 3, 5, 9)  # a Monday: a working moment, within 5 × 300 working days
    assert far > now + APPOINTMENT_HORIZON

    def extend(new_due_at):
        command = Command(action=Action.EXTEND_WITH_APOLOGY, note="Chờ", new_due_at=new_due_at)
        return apply(d, command, LEADER, procedure, calendar, now, terms=terms)

    with pytest.raises(InvalidInput) as refused:
        extend(far)
    assert refused.value.field == "new_due_at" and "730 days" in str(refused.value)
    assert extend(at(2027, 6, 1, 9)).dossier.due_at == at(2027, 6, 1, 9)  # after 14/5/2027


@pytest.mark.parametrize(
    ("at_", "accepted"),
    [
        (NOW.isoformat(), True),
        ((NOW + timedelta(minutes=4)).isoformat(), True),  # clock skew
        ((NOW + timedelta(minutes=6)).isoformat(), False),
        ("1999-12-31T23:00:00+07:00", False),
        ("2026-03-09T09:00:00", False),  # no offset
    ],
)
def test_a_delivery_receipts_moment_is_from_2000_to_now(at_, accepted):
    body = {**RECEIPT, "at": at_}
    if accepted:
        assert DeliveryReceipt.model_validate(body, context=CONTEXT).at is not None
        return
    with pytest.raises(ValidationError) as refused:
        DeliveryReceipt.model_validate(body, context=CONTEXT)
    assert fields(refused.value) == {"at"}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"provider": "SNS gateway"}, "provider"),
        ({"provider": "x" * 41}, "provider"),
        ({"message_id": "a b"}, "message_id"),
        ({"message_id": "m" * 201}, "message_id"),
        ({"message_id": "tin-nhắn"}, "message_id"),
        ({"error": "bad\x07"}, "error"),
        ({"error": "=1+1"}, "error"),
    ],
)
def test_delivery_receipt_fields_are_bounded_and_safe(change, field):
    with pytest.raises(ValidationError) as refused:
        DeliveryReceipt.model_validate({**RECEIPT, **change})
    assert fields(refused.value) == {field}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"source": "a\nb"}, "source"),
        ({"source": "\u200b"}, "source"),
        ({"source": "<b>"}, "source"),
        ({"source": "s" * 201}, "source"),
        ({"opted_out": "false"}, "opted_out"),
        ({"opted_out": 0}, "opted_out"),
        ({"phone": "0" * 41}, "phone"),
    ],
)
def test_opt_out_fields_are_bounded_and_safe(change, field):
    with pytest.raises(ValidationError) as refused:
        OptOut.model_validate({"phone": "0912345678", **change})
    assert fields(refused.value) == {field}


# -- the worklist's cursor ----------------------------------------------------------------------
KEY = b"k" * 32
SCOPE = ("000.00.41.H19", None, None)


def refused_cursor(cursor, scope=SCOPE, key=KEY):
    with pytest.raises(Problem) as refused:
        cursors.unseal(cursor, scope, key)
    assert refused.value.status == 400
    assert [issue.field for issue in refused.value.errors] == ["cursor"]


def test_a_sealed_cursor_continues_its_own_query():
    sealed = cursors.seal("2026-03-20T02:00:00Z#000.00.41.H19-260309-0001", SCOPE, KEY)
    assert sealed is not None
    assert cursors.unseal(sealed, SCOPE, KEY) == "2026-03-20T02:00:00Z#000.00.41.H19-260309-0001"
    assert cursors.seal(None, SCOPE, KEY) is None and cursors.unseal(None, SCOPE, KEY) is None


@pytest.mark.parametrize(
    "scope",
    [("000.00.42.H19", None, None), ("000.00.41.H19", 2, None), ("000.00.41.H19", None, 0)],
)
def test_a_cursor_carried_to_another_agency_or_filter_is_refused(scope):
    refused_cursor(cursors.seal("store-cursor", SCOPE, KEY), scope)


def test_a_forged_or_altered_cursor_is_refused():
    sealed = cursors.seal("store-cursor", SCOPE, KEY)
    assert sealed is not None
    payload, mac = sealed.split(".")
    other = cursors.seal("another-key", SCOPE, KEY)
    assert other is not None
    for forged in [
        payload,  # no MAC
        f"{other.split('.')[0]}.{mac}",  # another store cursor under this MAC
        f"{payload}.{mac[:-2]}",  # truncated MAC
        f"{payload}x.{mac}",
        "!!!.!!!",
        "é.é",
        "",
    ]:
        refused_cursor(forged)
    refused_cursor(sealed, key=b"another key of thirty-two bytes!")
