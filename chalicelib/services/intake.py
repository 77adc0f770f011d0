"""Intake: a submission becomes a queued receipt (API), then one dossier (worker)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from chalicelib.domain import indicators
from chalicelib.domain.agencies import AgencyRegistry
from chalicelib.domain.calendar import LOCAL_TZ, WorkingCalendar
from chalicelib.domain.codes import make_code
from chalicelib.domain.dossier import Actor, Location
from chalicelib.domain.procedures import Catalog
from chalicelib.domain.state_machine import open_dossier
from chalicelib.domain.statuses import Role
from chalicelib.intake.checks import check_against_catalog
from chalicelib.ports.errors import DossierCodeTaken
from chalicelib.ports.queues import Publisher
from chalicelib.ports.records import CreateOutcome, Opening, Receipt
from chalicelib.ports.store import IntakeStore, ReceiptStore
from chalicelib.services.counters import NO_COUNTS, Counter
from chalicelib.services.envelopes import IntakeEnvelope
from chalicelib.services.outbox import Notices

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


def submit(
    envelope: IntakeEnvelope, *, store: ReceiptStore, publisher: Publisher, queue_url: str
) -> Receipt:
    """Queue a validated submission and answer with its receipt.

    The message is sent before the receipt is written: if the send fails nothing is recorded
    and the caller gets a 5xx to retry; if the receipt write fails, the worker writes it.
    """
    known = store.get_receipt(envelope.receipt_id)
    if known is not None and known.status == "accepted":
        return known  # the same dossier again: nothing new to do
    publisher.send(queue_url, envelope.model_dump(mode="json"))
    queued = Receipt(
        receipt_id=envelope.receipt_id,
        client_id=envelope.client_id,
        external_id=envelope.request.external_id,
        status="queued",
        updated_at=envelope.accepted_at,
    )
    store.put_receipt(queued, only_if_new=True)
    return store.get_receipt(envelope.receipt_id) or queued


def _receipt(envelope: IntakeEnvelope, status: str, at: datetime, **fields: object) -> Receipt:
    return Receipt(
        receipt_id=envelope.receipt_id,
        client_id=envelope.client_id,
        external_id=envelope.request.external_id,
        status=status,
        updated_at=at,
        **fields,  # type: ignore[arg-type]
    )


def create_dossier(envelope: IntakeEnvelope, deps: IntakeDeps, *, now: datetime) -> Receipt:
    """The intake worker's job: exactly one dossier per submission, however often delivered."""
    store = deps.store
    request = envelope.request
    existing = store.find_intake(envelope.intake_key)
    if existing is not None:
        return _accepted_again(store, envelope, existing, now)

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
    actor = envelope.actor or Actor(
        id=envelope.client_id,
        name=envelope.client_id,
        agency=received_by.agency,
        roles=frozenset({Role.SYSTEM}),
    )
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
    )
    dossier = opened.dossier.model_copy(
        update={
            "paid_online": request.paid_online,
            "digitised": request.digitised,
            "portal_due_at": request.portal_due_at,
        }
    )
    accepted = _receipt(
        envelope,
        "accepted",
        now,
        code=code,
        due_at=dossier.due_at,
        dossier_status=int(dossier.status),
    )
    try:
        outbox = deps.notices.for_entry(dossier, opened.entry, procedure) if deps.notices else []
        result = store.create(
            Opening(
                dossier,
                opened.entry,
                intake_key=envelope.intake_key,
                receipt=accepted,
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
    if result.outcome is CreateOutcome.DUPLICATE:
        return _accepted_again(store, envelope, result.code, now)
    deps.counter.count("DossierReceived")
    return accepted


def _accepted_again(
    store: ReceiptStore, envelope: IntakeEnvelope, code: str, now: datetime
) -> Receipt:
    """A redelivery: the receipt was written with the dossier, in the same transaction."""
    written = store.get_receipt(envelope.receipt_id)
    if written is not None and written.status == "accepted":
        return written
    repaired = _receipt(envelope, "accepted", now, code=code)
    store.put_receipt(repaired)
    return repaired
