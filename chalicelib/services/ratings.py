"""Ratings: what the invitation's link asks, and recording an answer (link, counter device,
national portal) as a change of the dossier with its QĐ 766 5.4 counters.

A rating is written through the store's change path (`Action.RATED`, domain/ratings.py): its
history entry, the dossier's latest answer and the counters in one transaction, applied once
per command id (a redelivered device rating changes nothing). A concurrent change of the
dossier (CONFLICT) is retried from a fresh read a few times.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from chalicelib.domain import indicators, ratings
from chalicelib.domain.calendar import WorkingCalendar
from chalicelib.domain.dossier import Actor
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.statuses import Role
from chalicelib.ports.records import ApplyOutcome, Change
from chalicelib.ports.store import ChangeWriter, DossierLoader
from chalicelib.ports.webhook_clients import WebhookClient
from chalicelib.services.errors import Conflict, FieldIssue, Forbidden, Invalid, NotFound
from chalicelib.services.lookup_limits import LookupGuard
from chalicelib.services.rating_links import RatingLinks, parse

ATTEMPTS = 4
NOT_FOUND_VI = "Không tìm thấy đường dẫn đánh giá"
GUARD_KEY = "rating-link"  # forged tokens count against the caller's address, never a dossier
_NAMESPACE = uuid.UUID("5d0f3a52-8f0e-4f57-9a3c-1c3e0d7c9b61")


class RatingStore(DossierLoader, ChangeWriter, Protocol):
    pass


@dataclass(frozen=True)
class RatingDeps:
    store: RatingStore
    calendar: WorkingCalendar
    links: RatingLinks
    days: int  # MOTCUA_RATING_DAYS: how long after the return a rating is taken


def _not_found(reason: str) -> NotFound:
    return NotFound(f"token: {reason}", errors=[FieldIssue("token", reason, NOT_FOUND_VI)])


def open_token(token: str, links: RatingLinks, guard: LookupGuard | None) -> str:
    """The dossier code a rating link names. A token this key did not make is 404 and counts
    as a wrong guess (429 once the address has none left); text not of a token's shape is 404
    without counting (it guesses no MAC; a refusal of malformed input writes nothing)."""
    if parse(token) is None:
        raise _not_found("not the shape of a link issued here")
    code = links.open(token)
    if code is None:
        if guard is not None:
            guard.check(GUARD_KEY)
            guard.failed(GUARD_KEY)
        raise _not_found("not a link issued here")
    return code


def page(code: str, deps: RatingDeps) -> dict[str, object]:
    """What the rating page asks about `code` (no personal data)."""
    record = deps.store.load(code)
    if record is None:
        raise _not_found("not a link issued here")
    returned = ratings.returned_at(record.history)
    return ratings.questions(record.dossier, returned, deps.days)


def link_actor(code: str) -> Actor:
    return Actor(id="citizen-link", name="Người nộp hồ sơ (qua đường dẫn đánh giá)",
                 agency=code.split("-", 1)[0], roles=frozenset({Role.APPLICANT}))  # fmt: skip


def client_actor(client: WebhookClient, code: str) -> Actor:
    """The applicant, rating through a signed client (the counter's device, the portal)."""
    return Actor(id=client.client_id, name=f"Người nộp hồ sơ, qua {client.client_id}",
                 agency=client.agency or code.split("-", 1)[0],
                 roles=frozenset({Role.APPLICANT}))  # fmt: skip


def check_client_agency(client: WebhookClient, code: str, deps: RatingDeps) -> None:
    """A device bound to an agency rates only dossiers that agency received or resolves; an
    unknown dossier is 404 (nothing is written either way)."""
    loaded = deps.store.load(code)
    if loaded is None:
        raise NotFound(
            f"no dossier {code}",
            errors=[FieldIssue("code", "no such dossier", "Không tìm thấy hồ sơ")],
        )
    dossier = loaded.dossier
    if client.agency and client.agency not in (dossier.received_by.agency,
                                               dossier.resolving_agency):  # fmt: skip
        raise Forbidden(
            f"client {client.client_id} speaks for {client.agency}, not part of {code}",
            errors=[FieldIssue("code", "another agency's dossier",
                               "Thiết bị không thuộc cơ quan tiếp nhận hồ sơ này")],
        )  # fmt: skip


def link_command(code: str, answer: ratings.RatingAnswer) -> str:
    """One command per answer sent by the link: the same answer at the same moment is one."""
    seed = f"{code}\n{answer.rated_at.isoformat()}\n{answer.satisfied}\n{answer.reasons}"
    return "rating-" + hashlib.sha256(seed.encode()).hexdigest()[:32]


def device_command(client_id: str, rating_id: str) -> str:
    """A device's or portal's rating id names one command: a redelivery applies nothing."""
    return "rating-" + str(uuid.uuid5(_NAMESPACE, f"{client_id}\n{rating_id}"))


def record(
    code: str,
    answer: ratings.RatingAnswer,
    *,
    actor: Actor,
    command_id: str,
    deps: RatingDeps,
) -> dict[str, object]:
    """Record `answer` for `code`: the latest within the period replaces the one before."""
    for _ in range(ATTEMPTS):
        loaded = deps.store.load(code)
        if loaded is None:
            raise NotFound(
                f"no dossier {code}",
                errors=[FieldIssue("code", "no such dossier", "Không tìm thấy hồ sơ")],
            )
        dossier = loaded.dossier
        returned = ratings.returned_at(loaded.history)
        try:
            transition = ratings.rate(
                dossier, answer, returned=returned, days=deps.days, actor=actor
            )
        except ratings.RatingClosed as exc:
            message = ratings.NOT_RETURNED_VI
            if returned is not None:
                message = ratings.CLOSED_VI.format(
                    days=deps.days, returned=returned.strftime("%d/%m/%Y")
                )
            field = exc.field or "rated_at"
            raise Conflict(exc.message, errors=[FieldIssue(field, exc.message, message)]) from exc
        except InvalidInput as exc:
            field = exc.field or "reasons"
            issue = FieldIssue(field, exc.message, "Nội dung đánh giá chưa hợp lệ")
            raise Invalid(exc.message, errors=[issue]) from exc
        if transition is None:  # a newer answer is kept
            return _answer(dossier.code, dossier.satisfied, dossier.rated_at, returned, deps,
                           replaced=False, kept=True)  # fmt: skip
        after = transition.dossier
        rated_at = after.rated_at or answer.rated_at
        outcome = deps.store.apply(
            Change(
                after,
                transition.entry,
                command_id=command_id,
                expected_revision=dossier.revision,
                counted=indicators.counted_change(dossier, after, rated_at, deps.calendar),
            )
        )
        if outcome is ApplyOutcome.APPLIED:
            return _answer(code, after.satisfied, after.rated_at, returned, deps,
                           replaced=dossier.rated_at is not None)  # fmt: skip
        if outcome is ApplyOutcome.DUPLICATE:
            return _answer(code, dossier.satisfied, dossier.rated_at, returned, deps,
                           replaced=False, kept=True)  # fmt: skip
    raise Conflict(
        f"dossier {code} kept changing while the rating was recorded: send it again",
        errors=[FieldIssue("code", "changed meanwhile", "Hồ sơ vừa thay đổi, vui lòng thử lại")],
    )


def _answer(
    code: str,
    satisfied: bool | None,
    rated_at: datetime | None,
    returned: datetime | None,
    deps: RatingDeps,
    *,
    replaced: bool,
    kept: bool = False,
) -> dict[str, object]:
    return {
        "code": code,
        "satisfied": satisfied,
        "rated_at": rated_at.isoformat() if rated_at else None,
        "replaced": replaced,
        # A newer rating was already kept: this one changed nothing.
        "kept_newer": kept,
        "open_until": ratings.closes_at(returned, deps.days).isoformat() if returned else None,
    }
