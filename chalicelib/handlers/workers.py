"""The queue workers: one batch in, each record through its service, partial failures out."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from chalicelib import clock, providers
from chalicelib.handlers.sqs import process_batch
from chalicelib.services import digests, intake, timers, transitions
from chalicelib.services.envelopes import IntakeEnvelope, TransitionEnvelope

log = logging.getLogger(__name__)


def run_intake_batch(event: dict[str, Any], context: Any) -> dict[str, Any]:
    deps = intake.IntakeDeps(
        store=providers.store(),
        catalog=providers.catalog(),
        agencies=providers.agencies(),
        calendar=providers.calendar(),
        notices=providers.notices(),
    )

    def handle(body: dict[str, Any]) -> None:
        intake.create_dossier(IntakeEnvelope.model_validate(body), deps, now=clock.now())

    return process_batch(
        event,
        context,
        handle,
        publisher=providers.publisher(),
        dlq_url=providers.settings().intake_dlq_url,
        source="intake",
        fifo=False,
    )


def run_transition_batch(event: dict[str, Any], context: Any) -> dict[str, Any]:
    deps = transitions.TransitionDeps(
        store=providers.store(),
        catalog=providers.catalog(),
        calendar=providers.calendar(),
        notices=providers.notices(),
    )

    def handle(body: dict[str, Any]) -> None:
        transitions.apply_envelope(TransitionEnvelope.model_validate(body), deps)

    return process_batch(
        event,
        context,
        handle,
        publisher=providers.publisher(),
        dlq_url=providers.settings().transitions_dlq_url,
        source="transitions",
        fifo=True,
    )


def run_timer(now: datetime | None = None) -> dict[str, Any]:
    report = timers.run(
        now or clock.now(),
        timers.TimerDeps(
            store=providers.store(),
            catalog=providers.catalog(),
            calendar=providers.calendar(),
            notices=providers.notices(),
        ),
    )
    summary = report.summary()
    log.info("deadline timer: %s", summary)
    return summary


def run_digest() -> dict[str, Any]:
    written = digests.run(
        clock.now(),
        digests.DigestDeps(
            store=providers.store(),
            agencies=providers.agencies(),
            calendar=providers.calendar(),
            notices=providers.notices(),
        ),
    )
    summary = {"digests": [{"agency": d.agency, "text": d.text_vi()} for d in written]}
    log.info("daily digest: %s", summary)
    return summary
