"""What an applicant did on a portal becomes the command an official would send for it.

The portal speaks for the applicant (role applicant) at the counter that received the dossier:
the state machine lets that role take `supplement_received`, `fees_paid` and `withdraw` there,
and nothing else. The command goes the officials' way (`transitions.request_action`): queued,
then applied, or refused and recorded, by the transition worker.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from chalicelib.domain.agencies import AgencyRegistry
from chalicelib.domain.dossier import Actor, Dossier
from chalicelib.domain.statuses import Role
from chalicelib.ports.queues import Publisher
from chalicelib.ports.webhook_clients import WebhookClient
from chalicelib.services import transitions
from chalicelib.services.envelopes import TransitionEnvelope
from chalicelib.services.errors import FieldIssue, NotFound
from chalicelib.services.transitions import ActionRequested, ActionStore

EVENT_NAMESPACE = uuid.UUID("5d0b8f7e-2c4a-4e7b-9a61-3f2e8c1d7b90")


class PortalEventRequest(ActionRequested, Protocol):
    """What request_event needs of an event (chalicelib/http/portal_events.py)."""

    @property
    def event_id(self) -> str: ...

    @property
    def code(self) -> str: ...


def command_id(client_id: str, code: str, event_id: str) -> str:
    """The same event from the same portal names the same command, so it applies once."""
    return str(uuid.uuid5(EVENT_NAMESPACE, f"{client_id}\n{code}\n{event_id}"))


def applicant_actor(client: WebhookClient, dossier: Dossier) -> Actor:
    """The applicant of `dossier`, acting through `client`, at the counter that received it."""
    desk = dossier.received_by
    return Actor(
        id=client.client_id,
        name=f"Người nộp hồ sơ, qua {client.client_id}",
        agency=desk.agency,
        unit=desk.unit,
        roles=frozenset({Role.APPLICANT}),
    )


@dataclass(frozen=True)
class _Read:
    """The dossier already read, for request_action's own look-up: one read, not two."""

    dossier: Dossier
    store: ActionStore

    def get(self, code: str) -> Dossier | None:
        return self.dossier if code == self.dossier.code else None

    def record_request(
        self, code: str, command_id: str, fingerprint: str, at: datetime
    ) -> str | None:
        return self.store.record_request(code, command_id, fingerprint, at)

    def requested(self, code: str, command_id: str) -> bool:
        return self.store.requested(code, command_id)


def request_event(
    event: PortalEventRequest,
    client: WebhookClient,
    *,
    store: ActionStore,
    agencies: AgencyRegistry,
    publisher: Publisher,
    queue_url: str,
    now: datetime,
    on_checked: Callable[[], None] | None = None,
) -> TransitionEnvelope:
    """Queue the event's command, or 404 naming `MaHoSo` when no dossier has that code."""
    dossier = store.get(event.code)
    if dossier is None:
        raise NotFound(
            f"dossier {event.code} does not exist",
            errors=[FieldIssue("MaHoSo", "no such dossier", "Không tìm thấy hồ sơ")],
        )
    return transitions.request_action(
        event.code,
        event,
        applicant_actor(client, dossier),
        store=_Read(dossier, store),
        agencies=agencies,
        publisher=publisher,
        queue_url=queue_url,
        command_id=command_id(client.client_id, event.code, event.event_id),
        now=now,
        on_checked=on_checked,
        key_field="event_id",
    )
