"""The notifier: one job in, each of its routes sent once.

Routes: the applicant's phone (Zalo ZNS first, SMS when ZNS has no account for the number, is
over quota or refuses the template), and each email address. A route is claimed in the
delivery log before any provider is called, and settled after:
- accepted: done; a redelivered job skips it;
- a transient error (timeout, 5xx): the claim is released and the job retried later;
- a claim still "sending" from a notifier that died mid-call: the provider may have taken it,
  so it is not sent again (it would be a double); it is marked unknown and dead-lettered with
  that reason for someone to look at.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from chalicelib.domain.notifications import NotificationJob
from chalicelib.notify.model import FALLBACK_OUTCOMES, Channel, Outcome, OutgoingMessage, Provider
from chalicelib.ports.deliveries import Attempt, DeliveryLog, RouteState
from chalicelib.services.counters import NO_COUNTS, Counter
from chalicelib.services.failures import PermanentFailure

# Longer than any provider call (timeouts are 5 s) plus a Lambda's own timeout: a claim older
# than this belongs to a notifier that died.
STALE_CLAIM = timedelta(minutes=15)


class RetryLater(Exception):
    """A transient failure: the queue redelivers the job after its visibility timeout."""


@dataclass(frozen=True)
class NotifierDeps:
    log: DeliveryLog
    sms: Provider | None
    email: Provider | None = None
    zns: Provider | None = None
    # Milestone → Zalo template id: ZNS templates are approved in advance, one per milestone.
    zns_templates: Mapping[str, str] = field(default_factory=dict)
    counter: Counter = NO_COUNTS


def deliver(job: NotificationJob, deps: NotifierDeps, now: datetime) -> list[Attempt]:
    """Send what this job still owes; raise RetryLater or PermanentFailure otherwise."""
    attempts: list[Attempt] = []
    if job.phone and _by_phone(job):
        if not job.essential and deps.log.opted_out(job.phone):
            attempts.append(_skipped(job, "phone", "opted_out", now))
            deps.log.record(job, attempts[-1])
        else:
            attempts += _route(job, "phone", _phone_channels(job, deps), deps, now)
    for address in job.emails:
        if deps.email is not None:
            message = OutgoingMessage(
                key=f"{job.key}:{address}",
                channel=Channel.EMAIL,
                to=address,
                subject=job.subject,
                text=job.text_vi,
            )
            attempts += _route(job, f"email:{address}", [(deps.email, message)], deps, now)
    return attempts


def _by_phone(job: NotificationJob) -> bool:
    """A phone route: SMS text to send, or a ZNS-only message (an official's alert: no SMS
    fallback, their e-mail carries it too); never to a fixed line."""
    return not job.landline and bool(job.sms_text or job.zns_template)


def _phone_channels(
    job: NotificationJob, deps: NotifierDeps
) -> list[tuple[Provider, OutgoingMessage]]:
    assert job.phone
    channels = []
    template = deps.zns_templates.get(job.zns_template or "")
    if deps.zns is not None and template:
        channels.append(
            (
                deps.zns,
                OutgoingMessage(
                    key=job.key,
                    channel=Channel.ZNS,
                    to=job.phone,
                    text=job.sms_text or job.text_vi,
                    template_id=template,
                    template_data=job.zns_data,
                ),
            )
        )
    if deps.sms is not None and job.sms_text:
        channels.append(
            (
                deps.sms,
                OutgoingMessage(key=job.key, channel=Channel.SMS, to=job.phone, text=job.sms_text),
            )
        )
    return channels


def _route(
    job: NotificationJob,
    route: str,
    channels: list[tuple[Provider, OutgoingMessage]],
    deps: NotifierDeps,
    now: datetime,
) -> list[Attempt]:
    claim = deps.log.claim(job, route, now)
    if claim.state in (RouteState.ACCEPTED, RouteState.UNKNOWN):
        return []  # sent before (or perhaps sent): never twice
    if claim.state is RouteState.SENDING:
        if claim.since is not None and now - claim.since < STALE_CLAIM:
            raise RetryLater(f"{job.key} {route}: another delivery is sending it now")
        deps.log.settle(job, route, RouteState.UNKNOWN)
        raise PermanentFailure(
            f"{job.key} {route}: a send was under way when a notifier stopped at "
            f"{claim.since}; the provider may have taken it, so it is not sent again"
        )
    attempts: list[Attempt] = []
    errors: list[str] = []
    for provider, message in channels:
        result = provider.send(message)
        attempt = Attempt(
            job_key=job.key,
            code=job.code,
            kind=job.kind,
            route=route,
            channel=message.channel.value,
            provider=result.provider,
            outcome=result.outcome.value,
            provider_message_id=result.provider_message_id,
            error=result.error,
            parts=result.parts,
            at=now,
        )
        deps.log.record(job, attempt)
        attempts.append(attempt)
        deps.counter.count(
            "NotificationSent" if result.outcome is Outcome.ACCEPTED else "NotificationFailed",
            channel=message.channel.value,
        )
        if result.outcome is Outcome.ACCEPTED:
            deps.log.settle(job, route, RouteState.ACCEPTED)
            return attempts
        if result.outcome is Outcome.TRANSIENT:
            deps.log.settle(job, route, RouteState.FAILED)
            raise RetryLater(f"{job.key} {route} via {result.provider}: {result.error}")
        errors.append(
            f"{message.channel.value}/{result.provider}: {result.outcome.value} "
            f"{result.error or ''}".strip()
        )
        if result.outcome not in FALLBACK_OUTCOMES and result.outcome is not Outcome.PERMANENT:
            break
    deps.log.settle(job, route, RouteState.FAILED)
    raise PermanentFailure(
        f"{job.key} {route}: no channel took it ({'; '.join(errors) or 'none configured'})"
    )


def _skipped(job: NotificationJob, route: str, reason: str, now: datetime) -> Attempt:
    return Attempt(
        job_key=job.key,
        code=job.code,
        kind=job.kind,
        route=route,
        channel="-",
        provider="-",
        outcome=reason,
        at=now,
    )
