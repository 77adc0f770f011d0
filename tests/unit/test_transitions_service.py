"""The transition worker against the in-memory store: once, in order, refusals recorded."""

from datetime import timedelta

import pytest

from chalicelib.adapters.memory_store import MemoryStore
from chalicelib.adapters.queues import InMemoryPublisher
from chalicelib.domain.agencies import Agency, AgencyRegistry
from chalicelib.domain.dossier import Action, Command
from chalicelib.domain.procedures import Catalog
from chalicelib.domain.statuses import DossierStatus as S
from chalicelib.domain.statuses import Role
from chalicelib.http.problems import problem_for
from chalicelib.http.request_models import ActionRequest
from chalicelib.ports.records import Opening, Receipt
from chalicelib.services.envelopes import TransitionEnvelope
from chalicelib.services.errors import Forbidden, Invalid, NotFound
from chalicelib.services.failures import PermanentFailure
from chalicelib.services.transitions import (
    Result,
    TransitionDeps,
    apply_envelope,
    request_action,
)
from tests.unit.builders import (
    HOME,
    OTHER,
    RECEIVER,
    SPECIALIST,
    TAX,
    at,
    land_procedure,
    new_dossier,
    official,
)

PROCEDURE = land_procedure()
CODE = "000.00.32.H19-260302-0001"


def _agency(code, name, level, *units):
    return Agency(code=code, name=name, level=level,
                  units=[{"code": unit, "name": unit} for unit in units])  # fmt: skip


AGENCIES = AgencyRegistry([
    _agency(HOME, "Văn phòng Đăng ký đất đai", "province", "MOT_CUA", "PHONG_DD", "LANH_DAO"),
    _agency(TAX, "Thuế tỉnh", "central", "THUE", "LANH_DAO"),
])  # fmt: skip


@pytest.fixture
def deps(calendar):
    store = MemoryStore()
    opened = new_dossier(PROCEDURE, calendar, at(2026, 3, 2, 9), code=CODE)
    store.create(Opening(opened.dossier, opened.entry, intake_key="portal#1", receipt=_receipt()))
    return TransitionDeps(
        store=store, catalog=Catalog([PROCEDURE]), calendar=calendar, agencies=AGENCIES
    )


def _receipt():
    return Receipt(receipt_id="r1", client_id="portal", external_id="1", status="accepted",
                   updated_at=at(2026, 3, 2, 9))  # fmt: skip


def envelope(command_id, action, actor, version, when, **fields):
    return TransitionEnvelope(
        command_id=command_id,
        code=CODE,
        command=Command(action=action, **fields),
        actor=actor,
        expected_version=version,
        requested_at=when,
    )


def test_a_command_applies_once_however_often_it_is_delivered(deps):
    take_up = envelope("c1", Action.TAKE_UP, SPECIALIST, 1, at(2026, 3, 2, 10))
    results = [apply_envelope(take_up, deps).result for _ in range(3)]
    assert results == [Result.APPLIED, Result.DUPLICATE, Result.DUPLICATE]
    record = deps.store.load(CODE)
    assert [e.version for e in record.history] == [1, 2]
    assert record.dossier.status is S.PROCESSING and record.refusals == []


def test_two_officials_at_the_same_version_one_applies_one_is_stale(deps):
    first = envelope("a", Action.TAKE_UP, SPECIALIST, 1, at(2026, 3, 2, 10))
    second = envelope("b", Action.REQUEST_SUPPLEMENT, RECEIVER, 1, at(2026, 3, 2, 10),
                      note="Thiếu giấy tờ")  # fmt: skip
    assert apply_envelope(first, deps).result is Result.APPLIED
    refused = apply_envelope(second, deps)
    assert refused.result is Result.REFUSED
    assert refused.refusal.kind == "stale_version" and refused.refusal.field == "expected_version"
    # Redelivered, the refusal is recorded once, not twice.
    apply_envelope(second, deps)
    record = deps.store.load(CODE)
    assert len(record.history) == 2 and [r.command_id for r in record.refusals] == ["b"]


def test_an_illegal_move_is_recorded_with_its_reason(deps):
    resolve = envelope("x", Action.RESOLVE, SPECIALIST, 1, at(2026, 3, 2, 10))
    result = apply_envelope(resolve, deps)
    assert result.result is Result.REFUSED
    assert result.refusal.kind == "illegal_transition"
    assert "cannot resolve a dossier in status 2" in result.refusal.reason
    stranger = official(Role.SPECIALIST, "PHONG_DD", OTHER)
    outsider = envelope("y", Action.TAKE_UP, stranger, 1, at(2026, 3, 2, 10))
    assert apply_envelope(outsider, deps).refusal.kind == "not_permitted"
    assert deps.store.get(CODE).version == 1


def test_a_system_without_version_is_not_applied_twice(deps):
    take_up = envelope("t", Action.TAKE_UP, SPECIALIST, 1, at(2026, 3, 2, 10))
    apply_envelope(take_up, deps)
    forward = envelope("f", Action.FORWARD, SPECIALIST, None, at(2026, 3, 2, 11))
    assert apply_envelope(forward, deps).result is Result.APPLIED
    # Redelivered: the state allows another forward, but the command was applied already.
    assert apply_envelope(forward, deps).result is Result.DUPLICATE
    assert deps.store.get(CODE).step_index == 2


def test_unknown_dossier_is_a_permanent_failure(deps):
    stray = envelope("s", Action.TAKE_UP, SPECIALIST, 1, at(2026, 3, 2, 10))
    stray = stray.model_copy(update={"code": "000.00.32.H19-260302-9999"})
    with pytest.raises(PermanentFailure):
        apply_envelope(stray, deps)


def test_request_action_checks_existence_and_involvement(deps):
    publisher = InMemoryPublisher()
    body = ActionRequest(action=Action.TAKE_UP, expected_version=1)
    common = {"store": deps.store, "agencies": AGENCIES, "publisher": publisher,
              "queue_url": "q", "now": at(2026, 3, 2)}  # fmt: skip
    with pytest.raises(NotFound) as missing:
        request_action("000.00.32.H19-260302-9999", body, SPECIALIST, command_id="1", **common)
    assert getattr(problem_for(missing.value), "status", None) == 404
    outsider = official(Role.SPECIALIST, "PHONG_DD", OTHER)
    with pytest.raises(Forbidden) as forbidden:
        request_action(CODE, body, outsider, command_id="2", **common)
    assert getattr(problem_for(forbidden.value), "status", None) == 403
    assert publisher.sent == []
    request_action(CODE, body, SPECIALIST, command_id="3", **common)
    [(queue, message, group)] = publisher.sent
    assert (queue, group, message["command_id"]) == ("q", CODE, "3")
    assert TransitionEnvelope.model_validate(message).expected_version == 1


def test_pause_then_resume_through_the_worker(deps):
    steps = [
        envelope("1", Action.TAKE_UP, SPECIALIST, 1, at(2026, 3, 2, 10)),
        envelope("2", Action.REQUEST_SUPPLEMENT, SPECIALIST, 2, at(2026, 3, 3, 9), note="Thiếu"),
        envelope("3", Action.SUPPLEMENT_RECEIVED, RECEIVER, 3, at(2026, 3, 6, 9)),
    ]
    due_before = deps.store.get(CODE).due_at
    for step in steps:
        assert apply_envelope(step, deps).result is Result.APPLIED
    after = deps.store.get(CODE)
    assert deps.calendar.between(due_before, after.original_due_at) == timedelta(hours=24)


def test_a_dead_lettered_command_shows_as_failed_until_it_applies(deps):
    from chalicelib.services.transitions import FAILED, record_failure

    take_up = envelope("c9", Action.TAKE_UP, SPECIALIST, 1, at(2026, 3, 2, 10))
    assert record_failure(take_up, "failed 4 times; last error: throttled", deps.store)
    shown = deps.store.refusal(CODE, "c9")
    assert shown.kind == FAILED and "throttled" in shown.reason
    assert apply_envelope(take_up, deps).result is Result.APPLIED  # redriven by an operator
    assert deps.store.command(CODE, "c9").version == 2  # the marker wins when read
    elsewhere = take_up.model_copy(update={"code": "000.00.32.H19-260302-9999"})
    assert not record_failure(elsewhere, "unknown dossier", deps.store)


def test_the_transition_worker_shows_its_dead_letters_on_the_dossier(deps):
    from chalicelib.bootstrap import Container
    from chalicelib.handlers import workers
    from chalicelib.settings import Settings

    container = Container(Settings(), store=deps.store)
    take_up = envelope("c10", Action.TAKE_UP, SPECIALIST, 1, at(2026, 3, 2, 10))
    workers._show_failed_command(take_up.model_dump_json(), "failed 4 times", container)
    assert deps.store.refusal(CODE, "c10").kind == "failed"
    workers._show_failed_command(
        '{"not": "a command"}', "body does not match its contract", container
    )


UNKNOWN_TARGETS = [
    # (target agency, target unit, field named)
    ("000.00.77.H19", "THUE", "target_agency"),  # not in the registry
    ("000.00.90.H26", "THUE", "target_agency"),  # another province's agency
    (TAX, "PHONG_X", "target_unit"),  # no such unit at the tax branch
    (TAX, "PHONG_DD", "target_unit"),  # a unit of the sending agency, not of the target
    (None, "THUE", "target_agency"),
    (TAX, None, "target_unit"),
]


@pytest.mark.parametrize(("agency", "unit", "field"), UNKNOWN_TARGETS)
def test_the_api_refuses_a_transfer_to_an_unknown_target_and_queues_nothing(
    deps, agency, unit, field
):
    publisher = InMemoryPublisher()
    body = ActionRequest(action=Action.TRANSFER, target_agency=agency, target_unit=unit,
                         expected_version=2)  # fmt: skip
    spent = []
    with pytest.raises(Invalid) as refused:
        request_action(CODE, body, SPECIALIST, store=deps.store, agencies=AGENCIES,
                       publisher=publisher, queue_url="q", command_id="t", now=at(2026, 3, 2),
                       on_checked=lambda: spent.append(1))  # fmt: skip
    problem = problem_for(refused.value)
    assert problem is not None and problem.status == 400
    [issue] = problem.errors
    assert issue.field == field and issue.message != "Giá trị không hợp lệ"
    assert publisher.sent == [] and spent == []


@pytest.mark.parametrize(("agency", "unit", "field"), UNKNOWN_TARGETS)
def test_the_worker_refuses_a_transfer_to_an_unknown_target(deps, agency, unit, field):
    assert apply_envelope(envelope("u", Action.TAKE_UP, SPECIALIST, 1, at(2026, 3, 2, 10)),
                          deps).result is Result.APPLIED  # fmt: skip
    transfer = envelope("t", Action.TRANSFER, SPECIALIST, 2, at(2026, 3, 2, 11),
                        target_agency=agency, target_unit=unit)  # fmt: skip
    result = apply_envelope(transfer, deps)
    assert result.result is Result.REFUSED
    assert (result.refusal.kind, result.refusal.field) == ("invalid_input", field)
    dossier = deps.store.get(CODE)
    assert dossier.version == 2 and dossier.holder.agency == HOME


def test_a_transfer_to_a_unit_of_an_agency_in_the_registry_applies(deps):
    publisher = InMemoryPublisher()
    body = ActionRequest(action=Action.TRANSFER, target_agency=TAX, target_unit="THUE",
                         expected_version=2)  # fmt: skip
    request_action(CODE, body, SPECIALIST, store=deps.store, agencies=AGENCIES,
                   publisher=publisher, queue_url="q", command_id="t",
                   now=at(2026, 3, 2))  # fmt: skip
    [(_, message, _)] = publisher.sent
    apply_envelope(envelope("u", Action.TAKE_UP, SPECIALIST, 1, at(2026, 3, 2, 10)), deps)
    queued = TransitionEnvelope.model_validate(message)
    applied = apply_envelope(queued.model_copy(update={"requested_at": at(2026, 3, 2, 11)}), deps)
    assert applied.result is Result.APPLIED
    dossier = deps.store.get(CODE)
    assert (dossier.holder.agency, dossier.holder.unit) == (TAX, "THUE")
