"""Every refusal of a command tells the official why in Vietnamese, beside the English reason:
each reason has its message, every place that refuses names one, and the record, the API's
command view and the pages carry it."""

import ast
import string
from pathlib import Path

import pytest

from chalicelib.domain import refusals, state_machine
from chalicelib.domain.dossier import Action, Command
from chalicelib.domain.refusals import MESSAGES_VI, RefusalReason
from chalicelib.domain.statuses import Role
from chalicelib.services import transitions
from chalicelib.services.envelopes import TransitionEnvelope
from tests.unit.builders import OTHER, RECEIVER, SPECIALIST, at, official
from tests.unit.test_transitions_service import CODE, deps  # noqa: F401 - the fixture

VIETNAMESE = set("ăâđêôơưáàảãạấầẩẫậắằẳẵặéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ")
REFUSING = {"InvalidInput", "IllegalTransition", "NotPermitted"}


def _sample(template: str) -> dict[str, str]:
    return {name: "X" for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("reason", list(RefusalReason))
def test_every_reason_has_a_vietnamese_message_that_renders(reason):
    template = MESSAGES_VI[reason]
    rendered = refusals.message_vi(reason, **_sample(template))
    assert VIETNAMESE & set(rendered.lower()), reason
    assert "{" not in rendered and rendered.endswith("."), reason


@pytest.mark.parametrize("kind", ["stale_version", "illegal_transition", "not_permitted",
                                  "invalid_input", "failed"])  # fmt: skip
def test_every_refusal_kind_has_a_message_of_its_own(kind):
    assert refusals.for_kind(kind) != refusals.FALLBACK_VI
    assert VIETNAMESE & set(refusals.for_kind(kind).lower())


def _reasons_named(path: Path) -> tuple[set[str], list[int]]:
    """The RefusalReason members a module names, and the lines of refusals naming none."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    named = {n.attr for n in ast.walk(tree)
             if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name)
             and n.value.id == "Why"}  # fmt: skip
    bare = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)):
            continue
        call, func = node.exc, node.exc.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
        if name in REFUSING and not any(k.arg == "message_vi" for k in call.keywords):
            bare.append(node.lineno)
        if name == "refuse" and len(call.args) < 2:
            bare.append(node.lineno)
    return named, bare


def test_every_place_that_refuses_a_command_names_its_reason_and_every_reason_is_used():
    machine = Path(state_machine.__file__)
    worker = Path(transitions.__file__)
    named, bare = _reasons_named(machine)
    assert bare == [], f"{machine.name}: refusals with no Vietnamese message at lines {bare}"
    also, bare = _reasons_named(worker)
    assert bare == [], f"{worker.name}: refusals with no Vietnamese message at lines {bare}"
    assert named | also == {r.name for r in RefusalReason}


def _envelope(command_id, action, actor, version, **fields):
    command = Command(action=action, **fields)
    return TransitionEnvelope(
        command_id=command_id,
        code=CODE,
        command=command,
        actor=actor,
        expected_version=version,
        requested_at=at(2026, 3, 2, 10),
    )


def test_the_refusal_record_carries_the_message_beside_the_reason(deps):  # noqa: F811
    from chalicelib.http.views import CommandRefused
    from chalicelib.services import reading

    stale = transitions.apply_envelope(_envelope("s", Action.TAKE_UP, SPECIALIST, 7), deps)
    assert stale.refusal.message == (
        "Hồ sơ đã thay đổi sau khi bạn mở trang (nay là phiên bản 1, bạn thao tác trên phiên "
        "bản 7). Vui lòng xem lại hồ sơ rồi quyết định lại."
    )
    illegal = transitions.apply_envelope(_envelope("r", Action.RESOLVE, SPECIALIST, 1), deps)
    assert illegal.refusal.reason.startswith("cannot resolve a dossier in status 2")
    assert illegal.refusal.message.startswith(
        "Không thể thực hiện 'Hoàn thành xử lý' khi hồ sơ đang ở trạng thái"
    )
    stranger = official(Role.SPECIALIST, "PHONG_DD", OTHER)
    outsider = transitions.apply_envelope(_envelope("o", Action.TAKE_UP, stranger, 1), deps)
    assert outsider.refusal.kind == "not_permitted"
    assert "tài khoản của bạn thuộc 000.00.40.H19/PHONG_DD" in outsider.refusal.message
    no_note = transitions.apply_envelope(_envelope("n", Action.REFUSE, RECEIVER, 1), deps)
    assert no_note.refusal.kind in ("invalid_input", "illegal_transition")
    assert no_note.refusal.message and VIETNAMESE & set(no_note.refusal.message)
    # the API's command record: the reason in English and the message beside it
    leader = official(Role.LEADER, "LANH_DAO")
    shown = reading.command_status(CODE, "s", leader, deps.store)
    view = CommandRefused.model_validate(shown)
    assert view.message == stale.refusal.message and view.reason == stale.refusal.reason


def test_a_dead_lettered_command_is_told_in_vietnamese_too(deps):  # noqa: F811
    dead = _envelope("d", Action.TAKE_UP, SPECIALIST, 1)
    assert transitions.record_failure(dead, "boom", deps.store)
    refusal = deps.store.refusal(CODE, "d")
    assert refusal.kind == "failed" and refusal.message == MESSAGES_VI[RefusalReason.FAILED]
