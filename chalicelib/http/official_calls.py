"""Two use cases an official reaches from the API and from the pages alike, wired once: asking
for an action on a dossier (the command path) and recording a read of personal data."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from chalicelib.domain.dossier import Actor

if TYPE_CHECKING:
    from chalicelib.bootstrap import Container
    from chalicelib.services.envelopes import TransitionEnvelope
    from chalicelib.services.transitions import ActionRequested


def queue_action(
    container: Container,
    code: str,
    body: ActionRequested,
    actor: Actor,
    *,
    command_id: str,
    on_checked: Callable[[], None] | None = None,
) -> TransitionEnvelope:
    """Checked, recorded and queued for the transition worker (POST /v1/dossiers/{code}/
    actions); a resolve's electronic result is the stored files' word."""
    from chalicelib.domain.files import electronic_result
    from chalicelib.services import transitions

    c = container
    return transitions.request_action(
        code,
        body,
        actor,
        store=c.store,
        agencies=c.agencies,
        publisher=c.publisher,
        queue_url=c.settings.transitions_queue_url,
        command_id=command_id,
        now=c.now(),
        on_checked=on_checked,
        result_stored=lambda dossier: electronic_result(c.file_records.files(dossier)),
    )


def audit_read(container: Container, request: Any, code: str, actor: Actor, route: str) -> None:
    """NĐ 13/2023: the read of a dossier's personal data recorded first, with where it came
    from (the caller's address and the request's id, from API Gateway's context)."""
    from chalicelib.services import read_audit

    context = (getattr(request, "context", None) or {}) if request is not None else {}
    read_audit.record_read(
        code,
        actor,
        route=route,
        source_ip=(context.get("identity") or {}).get("sourceIp"),
        request_id=context.get("requestId"),
        audit=container.read_audit,
        now=container.now(),
    )
