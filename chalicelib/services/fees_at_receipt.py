"""Fees paid up front (catalog `fees_due: at_receipt`; NĐ 118 art. 24(2), docs/law.md §16):
a dossier received online without proof of payment gets its fee request from the system right
after receipt, through the command path of every other change. The transition worker applies
it (status 6, the clock paused) and opens the payment order as for any fee request; the
applicant pays online or at the counter, and `fees_paid` resumes the dossier where it was.

Not asked: a dossier received at the counter (the fee is taken there, with the dossier), one
the portal says was paid online at submission (`paid_online`), one already asked, one not yet
received (status 1: asked by nobody until received; see docs/payments.md).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from chalicelib.domain.dossier import Action, Actor, Command
from chalicelib.domain.procedures import Catalog
from chalicelib.domain.statuses import Channel, DossierStatus, Role
from chalicelib.services import transitions
from chalicelib.services.payments import PaymentDeps

FEES_AT_RECEIPT_NAMESPACE = uuid.UUID("3b1d7c52-9e0f-4a8b-b6c4-5f2e1d0a9c87")
NOTE = "Phí, lệ phí nộp khi nộp hồ sơ (theo danh mục thủ tục)"


def command_id(code: str) -> str:
    """One dossier, one fee request at receipt, however often its intake is redelivered."""
    return str(uuid.uuid5(FEES_AT_RECEIPT_NAMESPACE, f"{code}\nfees_due_at_receipt"))


def system_actor(agency: str) -> Actor:
    """The system, at the receiving agency (the holder of a dossier just received)."""
    return Actor(
        id="system:fees-at-receipt",
        name="Hệ thống một cửa (phí, lệ phí nộp khi nộp hồ sơ)",
        agency=agency,
        roles=frozenset({Role.SYSTEM}),
    )


@dataclass(frozen=True)
class _RequestFees:
    """The request as transitions.request_action takes it: the catalog's fees (no amount)."""

    @property
    def expected_version(self) -> int | None:
        return 1  # the dossier as received: anything since and the request is refused

    def command(self) -> Command:
        return Command(action=Action.REQUEST_FEES, note=NOTE)


def may_be_due(procedure_code: str, catalog: Catalog) -> bool:
    """Whether a version of the procedure owes its fees at receipt: the intake asks nothing
    more (no read, no payments wiring) of every other dossier."""
    return any(p.fees_due == "at_receipt" for p in catalog.all() if p.code == procedure_code)


def ask_if_due(code: str, procedure_code: str, deps: PaymentDeps, now: datetime) -> str | None:
    """Queue the fee request of a dossier whose fees are due at receipt; its command id, or
    None when none is due."""
    if not may_be_due(procedure_code, deps.catalog):
        return None
    dossier = deps.store.get(code)
    if dossier is None:
        return None
    procedure = deps.catalog.get(dossier.procedure_code, dossier.procedure_version)
    if procedure is None or procedure.fees_due != "at_receipt":
        return None
    if dossier.status is not DossierStatus.RECEIVED or dossier.version != 1:
        return None
    if dossier.channel is Channel.IN_PERSON or dossier.paid_online:
        return None
    envelope = transitions.request_action(
        code,
        _RequestFees(),
        system_actor(dossier.holder.agency),
        store=deps.store,
        agencies=deps.agencies,
        publisher=deps.publisher,
        queue_url=deps.queue_url,
        command_id=command_id(code),
        now=now,
        key_field="code",
    )
    return envelope.command_id
