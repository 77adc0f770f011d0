"""Intake: a submission becomes a queued receipt (API), then one dossier (worker)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from chalicelib.domain import indicators
from chalicelib.domain.agencies import AgencyRegistry
from chalicelib.domain.amendment import update_details
from chalicelib.domain.calendar import LOCAL_TZ, WorkingCalendar
from chalicelib.domain.codes import make_code
from chalicelib.domain.dossier import Actor, Location, SubmittedDocument
from chalicelib.domain.procedures import Catalog
from chalicelib.domain.state_machine import open_dossier
from chalicelib.domain.statuses import Role
from chalicelib.intake import resend
from chalicelib.intake.checks import check_against_catalog
from chalicelib.intake.model import IntakeRequest
from chalicelib.ports.errors import DossierCodeTaken
from chalicelib.ports.queues import Publisher
from chalicelib.ports.records import (
    ApplyOutcome,
    Change,
    CreateOutcome,
    IntakeMark,
    IntakeUpdate,
    Opening,
    Receipt,
)
from chalicelib.ports.store import IntakeStore, ReceiptStore
from chalicelib.services.counters import NO_COUNTS, Counter
from chalicelib.services.envelopes import IntakeEnvelope
from chalicelib.services.errors import Conflict, FieldIssue
from chalicelib.services.failures import ChangedMeanwhile, PermanentFailure
from chalicelib.services.file_fetch import FetchQueue, requests_for
from chalicelib.services.outbox import Notices
from chalicelib.services.pins import DEV_PINS, ReceiptPins, shown

# Receipt ids derive from (client, external id): a portal that re-sends a dossier gets the same
# receipt back, and one dossier.
RECEIPT_NAMESPACE = uuid.UUID("6f1d3c0e-0b7a-4f43-9d7e-2a6c3e5b9a10")


def receipt_id_for(client_id: str, external_id: str) -> str:
    return str(uuid.uuid5(RECEIPT_NAMESPACE, f"{client_id}\n{external_id}"))


@dataclass(frozen=True)
class IntakeDeps:
    store: IntakeStore
    catalog: Catalog
    agencies: AgencyRegistry
    calendar: WorkingCalendar
    notices: Notices | None = None  # None: no notices (tests of other concerns)
    counter: Counter = NO_COUNTS
    pins: ReceiptPins = DEV_PINS  # the stage's key in a deployment (bootstrap)
    # Where the documents sent as URLs are queued to be fetched (services/file_fetch.py);
    # None: nothing is fetched (a stage without the queue, tests of other concerns).
    fetches: FetchQueue | None = None


def submit(
    envelope: IntakeEnvelope, *, store: ReceiptStore, publisher: Publisher, queue_url: str
) -> Receipt:
    """Queue a validated submission and answer with its receipt.

    The message is sent before the receipt is written: if the send fails nothing is recorded
    and the caller gets a 5xx to retry; if the receipt write fails, the worker writes it.
    Sent again under the same id: the same body gets the same receipt and queues nothing; a
    different one is queued as an update when the caller says so (`isUpdating`), and is a
    Conflict otherwise (a refused submission may be sent again corrected).
    """
    fingerprint = envelope.fingerprint
    known = store.get_receipt(envelope.receipt_id)
    if known is not None and known.status != "refused":
        if known.fingerprint in (None, fingerprint):
            return known  # the same submission again: nothing new to do
        if not envelope.updating:
            raise _conflict(envelope)
    publisher.send(queue_url, envelope.model_dump(mode="json"))
    queued = _receipt(
        envelope,
        "queued",
        envelope.accepted_at,
        code=known.code if known is not None else None,
        pin_sealed=known.pin_sealed if known is not None else None,
    )
    if known is not None:
        store.put_receipt(queued)  # an update, or a correction of a refused submission
        return queued
    store.put_receipt(queued, only_if_new=True)
    written = store.get_receipt(envelope.receipt_id) or queued
    if written.fingerprint not in (None, fingerprint) and not envelope.updating:
        # Another body under this id got there first; the worker will not open this one.
        raise _conflict(envelope)
    return written


def _conflict(envelope: IntakeEnvelope) -> Conflict:
    field = resend.id_field(envelope.request)
    external_id = envelope.request.external_id
    return Conflict(
        f"{field} {external_id} was sent before with different content",
        errors=[
            FieldIssue(
                field,
                f"{external_id} was sent before with different content; send the same content "
                "again, or mark it as an update (isUpdating) to correct it",
                f"Mã {external_id} đã được gửi với nội dung khác; gửi lại đúng nội dung cũ, "
                "hoặc gửi dưới dạng cập nhật",
            )
        ],
    )


def _receipt(envelope: IntakeEnvelope, status: str, at: datetime, **fields: object) -> Receipt:
    return Receipt(
        receipt_id=envelope.receipt_id,
        client_id=envelope.client_id,
        external_id=envelope.request.external_id,
        status=status,
        updated_at=at,
        fingerprint=envelope.fingerprint,
        **fields,  # type: ignore[arg-type]
    )


def create_dossier(envelope: IntakeEnvelope, deps: IntakeDeps, *, now: datetime) -> Receipt:
    """The intake worker's job: exactly one dossier per submission, however often delivered."""
    store = deps.store
    request = envelope.request
    existing = store.find_intake(envelope.intake_key)
    receipt = store.get_receipt(envelope.receipt_id)
    if existing is not None:
        if existing.fingerprint in (None, envelope.fingerprint):
            # A redelivery: the one before may have died between the dossier and its fetches.
            actor_id = _portal_actor(envelope, request.received_by_agency).id
            _queue_fetches(existing.code, request.documents, actor_id, deps)
            return _accepted_again(store, envelope, existing.code, now)
        return _sent_again(envelope, existing, receipt, deps, now=now)
    if not _owns(receipt, envelope):
        # Another body under this id holds the receipt: this one was answered 409, or an
        # update superseded it before it was opened. Opening it would lose the other.
        assert receipt is not None
        return receipt

    issues = check_against_catalog(request, deps.catalog, deps.agencies)
    if issues:
        refused = _receipt(envelope, "refused", now, errors=[issue.as_dict() for issue in issues])
        store.put_receipt(refused)
        return refused

    procedure = deps.catalog.current(request.procedure_code, request.submitted_at)
    assert procedure is not None  # checked above
    received_by = Location(agency=request.received_by_agency, unit=request.received_by_unit)
    # The counter receives when it acts; a portal's dossier was received when it says.
    received_at = envelope.accepted_at if envelope.actor else request.submitted_at
    code = request.code or make_code(
        received_by.agency,
        received_at,
        store.next_sequence(received_by.agency, received_at.astimezone(LOCAL_TZ).date()),
    )
    actor = _portal_actor(envelope, received_by.agency)
    opened = open_dossier(
        code=code,
        procedure=procedure,
        channel=request.channel,
        applicant=request.applicant,
        resolving_agency=request.resolving_agency or procedure.resolving_agency or "",
        received_by=received_by,
        actor=actor,
        at=received_at,
        calendar=deps.calendar,
        received=not request.awaiting_counter_check,
        note=request.summary,
        documents=request.documents,
    )
    pin, pin_hash = deps.pins.issue()  # the citizen's key to the public lookup
    dossier = opened.dossier.model_copy(
        update={
            "paid_online": request.paid_online,
            "digitised": request.digitised,
            "portal_due_at": request.portal_due_at,
            "pin_hash": pin_hash,
        }
    )
    accepted = _receipt(
        envelope,
        "accepted",
        now,
        code=code,
        due_at=dossier.due_at,
        dossier_status=int(dossier.status),
        pin_sealed=deps.pins.seal(pin, envelope.receipt_id),
    )
    try:
        outbox = (
            deps.notices.for_entry(dossier, opened.entry, procedure, pin=shown(pin))
            if deps.notices
            else []
        )
        result = store.create(
            Opening(
                dossier,
                opened.entry,
                intake_key=envelope.intake_key,
                receipt=accepted,
                fingerprint=envelope.fingerprint,
                request_json=request.model_dump_json(),
                outbox=outbox,
                counted=indicators.counted_change(None, dossier, received_at, deps.calendar),
            )
        )
    except DossierCodeTaken:
        refused = _receipt(
            envelope,
            "refused",
            now,
            errors=[
                {
                    "field": "code",
                    "reason": f"dossier code {code} is already used by another submission",
                    "message": "Mã hồ sơ đã được sử dụng cho hồ sơ khác",
                }
            ],
        )
        store.put_receipt(refused)
        return refused
    # Once the dossier is created; a redelivered intake queues them again (fetching is
    # idempotent, losing one is not).
    _queue_fetches(result.code, request.documents, actor.id, deps)
    if result.outcome is CreateOutcome.DUPLICATE:
        return _accepted_again(store, envelope, result.code, now)
    deps.counter.count("DossierReceived")
    return accepted


def _queue_fetches(
    code: str, documents: Sequence[SubmittedDocument], client_id: str, deps: IntakeDeps
) -> None:
    if deps.fetches is not None:
        deps.fetches.enqueue(requests_for(code, documents, client_id))


def _accepted_again(
    store: ReceiptStore, envelope: IntakeEnvelope, code: str, now: datetime
) -> Receipt:
    """A redelivery: the receipt was written with the dossier, in the same transaction."""
    written = store.get_receipt(envelope.receipt_id)
    if (
        written is not None
        and written.status == "accepted"
        and written.fingerprint in (None, envelope.fingerprint)
    ):
        return written
    repaired = _receipt(envelope, "accepted", now, code=code)
    store.put_receipt(repaired)
    return repaired


def _owns(receipt: Receipt | None, envelope: IntakeEnvelope) -> bool:
    """Whether the receipt is this submission's to write: none yet, its own, or a refusal
    (a refused submission may be sent again corrected)."""
    return (
        receipt is None
        or receipt.status == "refused"
        or receipt.fingerprint in (None, envelope.fingerprint)
    )


def _sent_again(
    envelope: IntakeEnvelope,
    mark: IntakeMark,
    receipt: Receipt | None,
    deps: IntakeDeps,
    *,
    now: datetime,
) -> Receipt:
    """A submission with the id of one that opened a dossier, and other content."""
    store = deps.store
    if receipt is not None and not _owns(receipt, envelope):
        return receipt  # answered 409, or a later update superseded this one
    if not envelope.updating:
        conflict = _conflict(envelope).errors[0]
        return _refuse_again(store, envelope, mark.code, now, [conflict])
    request = envelope.request
    before = IntakeRequest.model_validate_json(mark.request_json) if mark.request_json else None
    found = resend.changes(before, request) if before is not None else []
    if locked := [change for change in found if change.locked]:
        return _refuse_again(store, envelope, mark.code, now, [
            FieldIssue(
                change.shown_as,
                f"{change.shown_as} cannot change once the dossier was received: send a new "
                "dossier",
                f"Không thể cập nhật {change.label_vi} của hồ sơ đã tiếp nhận",
            )
            for change in locked
        ])  # fmt: skip
    dossier = store.get(mark.code)
    if dossier is None:
        raise PermanentFailure(f"dossier {mark.code} of intake {envelope.intake_key} is missing")
    accepted = _receipt(envelope, "accepted", now, code=mark.code, due_at=dossier.due_at,
                        dossier_status=int(dossier.status),
                        pin_sealed=receipt.pin_sealed if receipt else None)  # fmt: skip
    update = IntakeUpdate(
        envelope.intake_key,
        IntakeMark(mark.code, envelope.fingerprint, request.model_dump_json()),
        accepted,
    )
    summary_changed = before is None or before.summary != request.summary
    transition = update_details(
        dossier,
        applicant=request.applicant,
        portal_due_at=request.portal_due_at,
        paid_online=request.paid_online,
        digitised=request.digitised,
        summary=request.summary if summary_changed else None,
        documents=request.documents
        if before is None or before.documents != request.documents
        else None,
        changed_vi=resend.described_vi(found) if before is not None else "hồ sơ",
        actor=_portal_actor(envelope, request.received_by_agency),
        at=now,
    )
    outcome = store.apply(
        Change(
            transition.dossier,
            transition.entry,
            expected_revision=dossier.revision,
            # One update per content: a redelivery finds its command marker.
            command_id=f"update-{envelope.fingerprint[:32]}",
            intake=update,
        )
    )
    if outcome is ApplyOutcome.CONFLICT:
        raise ChangedMeanwhile(f"dossier {mark.code} changed while applying an update")
    if outcome is ApplyOutcome.DUPLICATE:
        return _accepted_again(store, envelope, mark.code, now)
    deps.counter.count("DossierUpdated")
    if deps.fetches is not None:
        # Only the documents the update adds or points elsewhere: the others were queued.
        deps.fetches.enqueue(
            requests_for(mark.code, request.documents, transition.entry.actor_id,
                         already=before.documents if before is not None else ())
        )  # fmt: skip
    return accepted


def _refuse_again(
    store: ReceiptStore,
    envelope: IntakeEnvelope,
    code: str,
    now: datetime,
    issues: list[FieldIssue],
) -> Receipt:
    """Refused, naming the dossier that stands unchanged (its code); once per submission."""
    written = store.get_receipt(envelope.receipt_id)
    if (
        written is not None
        and written.status == "refused"
        and (written.fingerprint == envelope.fingerprint)
    ):
        return written
    errors = [{"field": i.field, "reason": i.reason, "message": i.message} for i in issues]
    refused = _receipt(envelope, "refused", now, code=code, errors=errors)
    store.put_receipt(refused)
    return refused


def _portal_actor(envelope: IntakeEnvelope, agency: str) -> Actor:
    return envelope.actor or Actor(
        id=envelope.client_id,
        name=envelope.client_id,
        agency=agency,
        roles=frozenset({Role.SYSTEM}),
    )
