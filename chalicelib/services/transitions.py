"""Step transitions: an official's request is queued (API), then applied once (worker)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Protocol

from chalicelib.domain import indicators, refusals
from chalicelib.domain.agencies import AgencyRegistry
from chalicelib.domain.calendar import WorkingCalendar
from chalicelib.domain.dossier import Action, Actor, Command, Dossier
from chalicelib.domain.errors import DomainError, InvalidInput
from chalicelib.domain.legal import DEFAULT_TERMS, LegalTerms
from chalicelib.domain.procedures import Catalog
from chalicelib.domain.refusals import RefusalReason as Why
from chalicelib.domain.refusals import message_vi
from chalicelib.domain.state_machine import apply
from chalicelib.ports.queues import Publisher
from chalicelib.ports.records import ApplyOutcome, Change, Refusal
from chalicelib.ports.store import CommandRequests, DossierLookup, TransitionStore
from chalicelib.services.envelopes import TransitionEnvelope
from chalicelib.services.errors import FieldIssue, Forbidden, Invalid, NotFound, Unprocessable
from chalicelib.services.failures import PermanentFailure
from chalicelib.services.outbox import Notices


class ActionRequested(Protocol):
    """What request_action needs of a request to act (chalicelib/http/request_models.py)."""

    @property
    def expected_version(self) -> int | None: ...

    def command(self) -> Command: ...


def can_see(actor: Actor, dossier: Dossier) -> bool:
    """Officials of the agencies involved: resolving, receiving, any step's, any transfer's."""
    return actor.agency in dossier.involved_agencies or actor.agency == dossier.holder.agency


def require_visible(code: str, dossier: Dossier | None, actor: Actor) -> Dossier:
    """The dossier, if it exists and the actor's agency takes part in it; else 404 / 403."""
    if dossier is None:
        raise NotFound(
            f"dossier {code} does not exist",
            errors=[FieldIssue("code", "no such dossier", "Không tìm thấy hồ sơ")],
        )
    if not can_see(actor, dossier):
        raise Forbidden(
            f"agency {actor.agency} is not involved in dossier {code}",
            errors=[
                FieldIssue(
                    "agency",
                    "not involved in this dossier",
                    "Cơ quan không tham gia xử lý hồ sơ này",
                )
            ],
        )
    return dossier


def transfer_target_issue(command: Command, agencies: AgencyRegistry) -> FieldIssue | None:
    """What is wrong with where a transfer sends the dossier; None when nothing is (or the
    command is no transfer). The target is an agency of the province's registry (another
    province's code is not in it) and a unit of that agency. The registry does not say which
    roles each unit has, so a unit that exists is taken as one that can act."""
    if command.action is not Action.TRANSFER:
        return None
    if not command.target_agency:
        return FieldIssue(
            "target_agency",
            "a transfer names the agency the dossier is sent to",
            "Chưa chọn cơ quan nhận hồ sơ chuyển đến",
        )
    agency = agencies.get(command.target_agency)
    if agency is None:
        return FieldIssue(
            "target_agency",
            f"agency {command.target_agency} is not in the province's agency registry: a "
            "dossier is transferred only to an agency of the registry",
            f"Cơ quan {command.target_agency} không có trong danh mục cơ quan của tỉnh",
        )
    if not command.target_unit:
        return FieldIssue(
            "target_unit",
            f"a transfer names the unit of {agency.code} that takes the dossier",
            f"Chưa chọn bộ phận của {agency.name} nhận hồ sơ",
        )
    if not agency.has_unit(command.target_unit):
        units = ", ".join(unit.code for unit in agency.units)
        return FieldIssue(
            "target_unit",
            f"unit {command.target_unit} does not exist at agency {agency.code} "
            f"({agency.name}); its units are {units}",
            f"Bộ phận {command.target_unit} không có tại {agency.name}",
        )
    return None


class ActionStore(DossierLookup, CommandRequests, Protocol):
    """What the API reads and writes to queue a command."""


def request_action(
    code: str,
    request: ActionRequested,
    actor: Actor,
    *,
    store: ActionStore,
    agencies: AgencyRegistry,
    publisher: Publisher,
    queue_url: str,
    command_id: str,
    now: datetime,
    on_checked: Callable[[], None] | None = None,
    key_field: str = "Idempotency-Key",
    result_stored: Callable[[str], bool] | None = None,
) -> TransitionEnvelope:
    """Check what the API can check cheaply, record the request, then queue the command.

    Roles, units and the state machine are checked by the worker against the state it holds
    when it applies the command: checking them here would be checking a stale copy. The
    target of a transfer is checked against the registry here (answered at once) and again
    by the worker. `result_stored(code)` says whether a result file of the dossier is kept
    (its signature accepted when recorded): a resolve's `electronic_result` (QĐ 766 4.1) is
    taken from it, never from the caller (`electronic_from_files`). `on_checked` runs once the
    checks passed, before queueing (a webhook
    spends its signature there, so that a refused call writes nothing).

    `command_id` derives from the caller's key (`key_field`: the Idempotency-Key, a portal's
    event id) and the dossier: the same key with the same request is a retry and is queued
    again (the queue and the command marker make it apply once: the first send may have
    failed); with another request it is refused (Unprocessable), nothing queued.
    """
    require_visible(code, store.get(code), actor)
    asked = request.command()
    command = asked
    if result_stored is not None and asked.action is Action.RESOLVE:
        command = electronic_from_files(asked, result_stored(code))
    issue = transfer_target_issue(command, agencies)
    if issue is not None:
        raise Invalid(f"{issue.field}: {issue.reason}", errors=[issue])
    envelope = TransitionEnvelope(
        command_id=command_id,
        code=code,
        command=command,
        actor=actor,
        expected_version=request.expected_version,
        requested_at=now,
    )
    # What the caller asked makes the fingerprint: a retry is the same request even when a
    # result file was stored in between.
    fingerprint = request_fingerprint(envelope.model_copy(update={"command": asked}))
    known = store.record_request(code, command_id, fingerprint, now)
    if known is not None and known != fingerprint:
        raise Unprocessable(
            f"{key_field} was used before for another request on {code}",
            errors=[
                FieldIssue(
                    key_field,
                    "used before for another request on this dossier; use a new key",
                    "Khóa này đã dùng cho một yêu cầu khác; hãy dùng khóa mới",
                )
            ],
        )
    if on_checked is not None:
        on_checked()
    publisher.send(queue_url, envelope.model_dump(mode="json"), group=code, dedup_id=command_id)
    return envelope


def electronic_from_files(command: Command, stored: bool) -> Command:
    """A resolve's `electronic_result` is whether a result file is stored: said true without
    one, refused (400 naming the field); with one, set whatever the caller said."""
    if command.action is not Action.RESOLVE:
        return command
    if command.electronic_result and not stored:
        raise Invalid(
            "electronic_result: no result file is stored for this dossier; record it first",
            errors=[FieldIssue("electronic_result", "no result file stored",
                               "Chưa có tệp kết quả điện tử")],
        )  # fmt: skip
    return command.model_copy(update={"electronic_result": stored})


def request_fingerprint(envelope: TransitionEnvelope) -> str:
    """What makes two requests the same: the command, the version it expects, and who."""
    same = envelope.model_dump_json(include={"code", "command", "expected_version", "actor"})
    return hashlib.sha256(same.encode()).hexdigest()


class Result(Enum):
    APPLIED = "applied"
    DUPLICATE = "duplicate"
    REFUSED = "refused"


@dataclass(frozen=True)
class ApplyResult:
    result: Result
    version: int | None = None
    refusal: Refusal | None = None


class Conflict(Exception):
    """The dossier changed between read and write: let the queue redeliver and try again."""


@dataclass(frozen=True)
class TransitionDeps:
    store: TransitionStore
    catalog: Catalog
    calendar: WorkingCalendar
    agencies: AgencyRegistry  # where a transfer may send a dossier
    notices: Notices | None = None  # None: no notices (tests of other concerns)
    terms: LegalTerms = DEFAULT_TERMS  # the law's limits, as the province set them


def apply_envelope(envelope: TransitionEnvelope, deps: TransitionDeps) -> ApplyResult:
    """The transition worker's job: apply once, or record why not. Two requests when applied:
    one read of the state, one transaction (state, history entry, command marker)."""
    store = deps.store
    dossier = store.get(envelope.code)
    if dossier is None:
        raise PermanentFailure(f"dossier {envelope.code} does not exist")
    expected = envelope.expected_version
    if expected is not None and dossier.version != expected:
        if store.command(envelope.code, envelope.command_id) is not None:
            return ApplyResult(Result.DUPLICATE)
        return _refuse(
            deps,
            envelope,
            "stale_version",
            "expected_version",
            f"the dossier is at version {dossier.version}, not {expected}: it changed "
            "since you read it; reload and decide again",
            message_vi(Why.STALE_VERSION, version=dossier.version, expected=expected),
        )
    procedure = deps.catalog.get(dossier.procedure_code, dossier.procedure_version)
    if procedure is None:
        raise PermanentFailure(
            f"procedure {dossier.procedure_code} v{dossier.procedure_version} pinned by "
            f"{dossier.code} is missing from the catalog"
        )
    try:
        # Checked again here: the registry may have changed since the API queued the command.
        if issue := transfer_target_issue(envelope.command, deps.agencies):
            raise InvalidInput(issue.reason, field=issue.field, message_vi=issue.message)
        transition = apply(
            dossier,
            envelope.command,
            envelope.actor,
            procedure,
            deps.calendar,
            envelope.requested_at,
            terms=deps.terms,
        )
    except DomainError as error:
        if store.command(envelope.code, envelope.command_id) is not None:
            return ApplyResult(Result.DUPLICATE)  # applied before; the state has moved on
        return _refuse(
            deps,
            envelope,
            error.code,
            error.field,
            error.message,
            error.message_vi or refusals.for_kind(error.code),
        )
    outbox = (
        deps.notices.for_entry(transition.dossier, transition.entry, procedure)
        if deps.notices
        else []
    )
    outcome = store.apply(
        Change(
            transition.dossier,
            transition.entry,
            expected_revision=dossier.revision,
            command_id=envelope.command_id,
            outbox=outbox,
            counted=indicators.counted_change(
                dossier, transition.dossier, envelope.requested_at, deps.calendar
            ),
        )
    )
    if outcome is ApplyOutcome.DUPLICATE:
        return ApplyResult(Result.DUPLICATE)
    if outcome is ApplyOutcome.CONFLICT:
        raise Conflict(f"dossier {envelope.code} changed while applying {envelope.command_id}")
    return ApplyResult(Result.APPLIED, version=transition.dossier.version)


def _refuse(
    deps: TransitionDeps,
    envelope: TransitionEnvelope,
    kind: str,
    field: str | None,
    reason: str,
    message: str,
) -> ApplyResult:
    refusal = Refusal(
        command_id=envelope.command_id,
        action=envelope.command.action.value,
        actor_id=envelope.actor.id,
        actor_agency=envelope.actor.agency,
        expected_version=envelope.expected_version,
        reason=reason,
        kind=kind,
        field=field,
        at=envelope.requested_at,
        message=message,
    )
    deps.store.record_refusal(envelope.code, refusal)
    return ApplyResult(Result.REFUSED, refusal=refusal)


FAILED = "failed"  # a refusal kind: not applied after every try; the command is dead-lettered


def record_failure(envelope: TransitionEnvelope, reason: str, store: TransitionStore) -> bool:
    """A dead-lettered command shows as failed, not queued forever, to whoever sent it. If an
    operator redrives it and it applies, its command marker wins (GET …/commands/{id})."""
    if store.get(envelope.code) is None:
        return False  # nothing to show it on
    store.record_refusal(
        envelope.code,
        Refusal(
            command_id=envelope.command_id,
            action=envelope.command.action.value,
            actor_id=envelope.actor.id,
            actor_agency=envelope.actor.agency,
            expected_version=envelope.expected_version,
            reason=f"not applied after every try, kept for the operators: {reason}",
            kind=FAILED,
            at=envelope.requested_at,
            message=message_vi(Why.FAILED),
        ),
    )
    return True
