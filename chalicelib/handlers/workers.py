"""The queue workers: one batch in, each record through its service, partial failures out."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from chalicelib import observability

if TYPE_CHECKING:
    from chalicelib.bootstrap import Container

# Cold start: each worker is its own Lambda function, and imports only its own service (the
# warm-up imports it at INIT: chalicelib/handlers/warmup.py). The batch loop
# (`chalicelib.handlers.sqs`) is imported by the workers that take a batch: the timer and the
# digest need none.


def _code_of(body: dict[str, Any]) -> object:
    """The dossier code a queued message names, if any (transitions and notices do; an intake
    does when its portal numbered it)."""
    request = body.get("request")
    return body.get("code") or (request.get("code") if isinstance(request, dict) else None)


def run_intake_batch(event: dict[str, Any], context: Any, deps: Container) -> dict[str, Any]:
    from chalicelib.handlers.sqs import process_batch
    from chalicelib.services import intake
    from chalicelib.services.envelopes import IntakeEnvelope

    intake_deps = deps.intake_deps()

    def handle(body: dict[str, Any]) -> None:
        observability.bind_dossier(_code_of(body))
        envelope = IntakeEnvelope.model_validate(body)
        receipt = intake.create_dossier(envelope, intake_deps, now=deps.now())
        observability.bind_dossier(receipt.code)
        if receipt.status == "accepted" and receipt.code:
            _ask_fees_due_at_receipt(receipt.code, envelope.request.procedure_code, deps)
        observability.get_logger().info(
            f"intake {receipt.status}",
            receipt_id=receipt.receipt_id,
            client_id=envelope.client_id,
            procedure=envelope.request.procedure_code,
            refused_fields=[e.get("field") for e in receipt.errors or []] or None,
        )

    return process_batch(
        event,
        context,
        handle,
        publisher=deps.publisher,
        letters=deps.letters,
        last_attempt=deps.settings.last_attempt,
        dlq_url=deps.settings.intake_dlq_url,
        source="intake",
        fifo=False,
    )


def run_transition_batch(event: dict[str, Any], context: Any, deps: Container) -> dict[str, Any]:
    from chalicelib.handlers.sqs import process_batch
    from chalicelib.services import transitions
    from chalicelib.services.envelopes import TransitionEnvelope

    transition_deps = deps.transition_deps()

    def handle(body: dict[str, Any]) -> None:
        observability.bind_dossier(_code_of(body))
        envelope = TransitionEnvelope.model_validate(body)
        outcome = transitions.apply_envelope(envelope, transition_deps)
        _open_payment_order(envelope, outcome, deps)
        action = envelope.command.action.value
        if outcome.result is transitions.Result.APPLIED:
            observability.count("TransitionApplied", action=action)
        elif outcome.result is transitions.Result.REFUSED:
            observability.count("TransitionRefused", action=action)
        observability.get_logger().info(
            f"transition {action} {outcome.result.value}",
            command_id=envelope.command_id,
            action=action,
            actor_id=envelope.actor.id,
            version=outcome.version,
            refusal=outcome.refusal.kind if outcome.refusal else None,
        )

    return process_batch(
        event,
        context,
        handle,
        publisher=deps.publisher,
        letters=deps.letters,
        last_attempt=deps.settings.last_attempt,
        dlq_url=deps.settings.transitions_dlq_url,
        source="transitions",
        fifo=True,
        on_dead_letter=lambda raw, reason: _show_failed_command(raw, reason, deps),
    )


def _open_payment_order(envelope: Any, outcome: Any, deps: Container) -> None:
    """Fees requested: the payment order follows the applied change. A redelivery finds the
    command applied (duplicate) and opens it again: the order code is its natural key."""
    from chalicelib.services import payments, transitions

    if envelope.command.action not in payments.ORDER_ACTIONS:
        return
    if outcome.result in (transitions.Result.APPLIED, transitions.Result.DUPLICATE):
        order = payments.open_order_for(envelope.code, deps.payment_deps())
        if order is not None:
            observability.get_logger().info("payment order open", order_code=order.order_code)


def _ask_fees_due_at_receipt(code: str, procedure_code: str, deps: Container) -> None:
    """Fees paid up front (catalog `fees_due: at_receipt`): the system asks for them now. A
    redelivered intake asks again with the same command id: applied once."""
    from chalicelib.services import fees_at_receipt

    if not fees_at_receipt.may_be_due(procedure_code, deps.catalog):
        return
    queued = fees_at_receipt.ask_if_due(code, procedure_code, deps.payment_deps(), deps.now())
    if queued is not None:
        observability.get_logger().info("fees due at receipt asked", command_id=queued)


def _show_failed_command(raw: str, reason: str, deps: Container) -> None:
    from chalicelib.services import transitions
    from chalicelib.services.envelopes import TransitionEnvelope

    try:
        envelope = TransitionEnvelope.model_validate_json(raw)
    except ValueError:  # not a command at all: nobody to tell
        return
    transitions.record_failure(envelope, reason, deps.store)


def run_timer(deps: Container, now: datetime | None = None) -> dict[str, Any]:
    from chalicelib.services import timers

    report = timers.run(now or deps.now(), deps.timer_deps())
    log = observability.get_logger()
    for alarm in report.fired:
        observability.count("AlarmFired", kind=alarm.kind.value)
        with observability.bind_dossier(alarm.code):
            log.info(f"alarm {alarm.kind.value} fired", alarm_key=alarm.key)
    summary = report.summary()
    log.info("deadline timer: %s", summary)
    return summary


def run_digest(deps: Container) -> dict[str, Any]:
    from chalicelib.services import digests

    written = digests.run(deps.now(), deps.digest_deps())
    summary = {"digests": [{"agency": d.agency, "text": d.text_vi()} for d in written]}
    observability.get_logger().info("daily digest: %s", summary)
    return summary


# The nightly reconciliation starts no new look-up with less than this left before its timeout
# (one dossier's look-up, repush and look-up again at the portal's 10 s time-out each), or
# half its time when it was given less (the local stack gives every function 60 s).
RECONCILE_MARGIN_MS = 60_000


def run_portal_reconcile(deps: Container, context: Any = None) -> dict[str, Any]:
    """The nightly reconciliation against the portal's own view, with repush; what still
    differs after it is counted (`PortalDifferencesRemaining`, alarmed) and logged."""
    from chalicelib.services import portal_reconcile

    settings = deps.settings

    margin = min(RECONCILE_MARGIN_MS, context.get_remaining_time_in_millis() // 2) if context else 0

    def may_go_on() -> bool:
        return context is None or context.get_remaining_time_in_millis() > margin

    result = portal_reconcile.reconcile(
        deps.portal_reconcile_deps(may_go_on),
        deps.now(),
        repush=True,
        rounds=settings.portal_reconcile_rounds,
        recent_days=settings.portal_reconcile_days,
    )
    observability.count("PortalDifferencesRemaining", result.differing)
    observability.count("PortalNotChecked", len(result.not_checked))
    log = observability.get_logger()
    for report in result.dossiers:
        if report.differs:
            with observability.bind_dossier(report.code):
                log.warning("portal still differs", report=report.as_json())
    summary = result.summary()
    log.info(
        "portal reconciliation: %s",
        {k: v for k, v in summary.items() if k not in ("dossiers", "not_checked_codes")},
    )
    return summary


def run_payment_reconcile(deps: Container) -> dict[str, Any]:
    """Yesterday's statement of the payment platform against our orders and payments; the
    payments still parked among its lines are counted (`PaymentDifferencesRemaining`,
    alarmed) and logged, as is a platform that could not answer (`PaymentStatementMissing`)."""
    from chalicelib.services import payment_reconcile

    now = deps.now()
    day = payment_reconcile.yesterday(now)
    result = payment_reconcile.reconcile(day, deps.payment_deps(), now)
    observability.count("PaymentDifferencesRemaining", result.differences)
    observability.count("PaymentStatementMissing", int(result.unavailable is not None))
    observability.count("PaymentCallbackMissed", len(result.applied))
    log = observability.get_logger()
    for parked in result.parked:
        with observability.bind_dossier(parked.code):
            log.warning("payment parked", payment=parked.model_dump(mode="json"))
    summary = result.summary()
    log.info("payment reconciliation: %s", summary)
    return summary


def run_outbox_relay(event: dict[str, Any], context: Any, deps: Container) -> dict[str, Any]:
    """The table's stream → the notifications queue (the jobs written with each change) and the
    national portal's sync queue (every new or changed dossier state)."""
    from chalicelib.adapters import table_stream
    from chalicelib.handlers.sqs import partial_response
    from chalicelib.services import outbox, portal_sync

    publisher, settings = deps.publisher, deps.settings

    def relay(record: dict[str, Any]) -> None:
        for change in table_stream.changes_in(record):
            if isinstance(change, table_stream.OutboxWritten):
                outbox.relay(change, publisher, settings.notifications_queue_url)
            elif settings.portal_sync_queue_url:
                sync = portal_sync.request_for_state(change)
                portal_sync.enqueue(sync, publisher, settings.portal_sync_queue_url)

    records = event.get("Records", [])
    answer = partial_response(
        records, relay, identifier=lambda record: record["dynamodb"]["SequenceNumber"]
    )
    if records and len(answer["batchItemFailures"]) == len(records):
        # Every record failed: an invocation error, as before (the mapping retries and bisects).
        raise RuntimeError(f"outbox relay: all {len(records)} records of the batch failed")
    return answer


def run_notifications_batch(event: dict[str, Any], context: Any, deps: Container) -> dict[str, Any]:
    from chalicelib.domain.notifications import NotificationJob
    from chalicelib.handlers.sqs import process_batch, visibility_backoff
    from chalicelib.services import notifier

    notifier_deps = deps.notifier_deps()

    def handle(body: dict[str, Any]) -> None:
        observability.bind_dossier(_code_of(body))
        job = NotificationJob.model_validate(body)
        attempts = notifier.deliver(job, notifier_deps, deps.now())
        if attempts:
            observability.get_logger().info(
                f"notice {job.kind} delivered",
                job_key=job.key,
                attempts=[f"{a.channel}/{a.provider}: {a.outcome}" for a in attempts],
            )

    settings = deps.settings
    return process_batch(
        event,
        context,
        handle,
        publisher=deps.publisher,
        letters=deps.letters,
        last_attempt=deps.settings.last_attempt,
        dlq_url=settings.notifications_dlq_url,
        source="notifications",
        fifo=False,
        backoff=visibility_backoff(settings.notifications_queue_url),
    )


def run_portal_sync_batch(event: dict[str, Any], context: Any, deps: Container) -> dict[str, Any]:
    from chalicelib.handlers.sqs import process_batch, visibility_backoff
    from chalicelib.services import portal_sync

    settings = deps.settings

    def handle(body: dict[str, Any]) -> None:
        observability.bind_dossier(_code_of(body))
        request = portal_sync.SyncRequest.model_validate(body)
        # Per record, not per batch: the parts are kept once built, and a portal not configured
        # yet fails each record (retried, then dead-lettered with the reason), not the invocation.
        result = portal_sync.sync(request.code, deps.portal_sync_deps(), deps.now())
        observability.count("PortalSync", result=result.value)
        observability.get_logger().info(
            f"portal sync {result.value}", requested_revision=request.revision
        )

    return process_batch(
        event,
        context,
        handle,
        publisher=deps.publisher,
        letters=deps.letters,
        last_attempt=deps.settings.last_attempt,
        dlq_url=settings.portal_sync_dlq_url,
        source="portal-sync",
        fifo=True,
        backoff=visibility_backoff(settings.portal_sync_queue_url),
    )


def run_file_fetch_batch(event: dict[str, Any], context: Any, deps: Container) -> dict[str, Any]:
    """The components portals sent as URLs, fetched and kept (services/file_fetch.py); a
    network failure, a 5xx or a 429 is retried with the notifier's backoff, what can never
    succeed is dead-lettered at once with its reason."""
    from chalicelib.handlers.sqs import process_batch, visibility_backoff
    from chalicelib.services import file_fetch

    settings = deps.settings
    fetch_deps = deps.file_fetch_deps()

    def handle(body: dict[str, Any]) -> None:
        observability.bind_dossier(_code_of(body))
        request = file_fetch.FetchRequest.model_validate(body)
        stored, created = file_fetch.fetch_component(request, fetch_deps, now=deps.now())
        observability.count("FileFetched", created=str(created).lower())
        observability.get_logger().info(
            "file fetched" if created else "file fetched again: kept before",
            fetch_id=request.fetch_id,
            position=request.position,
            file_id=stored.file_id,
            sha256=stored.sha256,
            size=stored.size,
        )

    return process_batch(
        event,
        context,
        handle,
        publisher=deps.publisher,
        letters=deps.letters,
        last_attempt=settings.last_attempt,
        dlq_url=settings.file_fetch_dlq_url,
        source="file-fetch",
        fifo=False,
        backoff=visibility_backoff(settings.file_fetch_queue_url),
    )
