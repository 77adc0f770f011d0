"""The use cases an official reaches from the API and from the pages alike, wired once: the
worklist, reading a dossier, asking for an action on it (the command path) and recording a read
of personal data."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from chalicelib.domain.dossier import Actor

if TYPE_CHECKING:
    from chalicelib.bootstrap import Container
    from chalicelib.ports.store import DossierLoader
    from chalicelib.services.envelopes import TransitionEnvelope
    from chalicelib.services.transitions import ActionRequested


def worklist(
    container: Container,
    agency: str,
    *,
    status: int | None,
    step: str | None,
    limit: int,
    cursor: str | None,
) -> dict[str, Any]:
    """One page of the agency's open dossiers by due date (GET /v1/worklist). The cursors in and
    out are sealed to this agency and these filters: a cursor continues this worklist, no other."""
    from chalicelib.domain.statuses import DossierStatus
    from chalicelib.http import cursors
    from chalicelib.services import reading

    c = container
    scope = (agency, status, step)
    page = reading.worklist(
        agency,
        status=DossierStatus(status) if status else None,
        step=step,
        limit=limit,
        cursor=cursors.unseal(cursor, scope, c.cursor_key),
        store=c.store,
        catalog=c.catalog,
    )
    return {**page, "next_cursor": cursors.seal(page["next_cursor"], scope, c.cursor_key)}


def read_dossier(
    container: Container,
    request: Any,
    code: str,
    actor: Actor,
    *,
    route: str,
    loader: DossierLoader | None = None,
    with_payments: bool = False,
) -> dict[str, Any]:
    """A dossier's view with its deliveries (GET /v1/dossiers/{code}), and its payment orders
    and receipts when asked; shown only once the read is recorded (NĐ 13/2023). `loader` is
    the store by default (the pages pass one that keeps the record it loaded)."""
    from chalicelib.services import reading

    c = container
    view = reading.read_dossier(code, actor, loader or c.store, c.catalog, c.delivery_log)
    if with_payments:
        from chalicelib.http import payment_calls

        view["payments"] = payment_calls.dossier_payments(c, code)
    audit_read(c, request, code, actor, route)
    return view


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
