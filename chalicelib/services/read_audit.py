"""Officials' reads of personal data: recorded before the data leaves, read by admins.

NĐ 13/2023 (personal data protection) asks a controller to record its processing of personal
data (docs/law.md, "Reads of personal data"). The stricter reading is followed: a read that
cannot be recorded is not answered (503), so no official sees an applicant's data unrecorded.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib.domain.dossier import Actor
from chalicelib.domain.read_audit import PersonalDataRead
from chalicelib.domain.statuses import Role
from chalicelib.ports.read_audit import AuditUnavailable, ReadAudit
from chalicelib.services.errors import FieldIssue, Forbidden, Unavailable


def record_read(
    code: str,
    actor: Actor,
    *,
    route: str,
    source_ip: str | None,
    request_id: str | None,
    audit: ReadAudit,
    now: datetime,
) -> None:
    """Append who read `code`'s personal data; 503 when the audit cannot take it."""
    read = PersonalDataRead(
        at=now,
        code=code,
        actor_id=actor.id,
        actor_name=actor.name,
        agency=actor.agency,
        unit=actor.unit,
        roles=tuple(sorted(role.value for role in actor.roles)),
        route=route,
        source_ip=source_ip,
        request_id=request_id,
    )
    try:
        audit.record(read)
    except AuditUnavailable:
        raise Unavailable(
            "the read of personal data could not be recorded; nothing is shown unrecorded",
            errors=[
                FieldIssue(
                    "audit",
                    "the read audit is unavailable; try again",
                    "Không ghi được nhật ký truy cập dữ liệu cá nhân; vui lòng thử lại",
                )
            ],
        ) from None


def require_admin(actor: Actor) -> None:
    """Only an administrator reads the audit (before the query is even looked at)."""
    if Role.ADMIN not in actor.roles:
        raise Forbidden(
            "only an administrator reads the audit of personal data reads",
            errors=[
                FieldIssue(
                    "roles",
                    "role admin required",
                    "Chỉ quản trị viên được xem nhật ký truy cập dữ liệu cá nhân",
                )
            ],
        )


def reads(query: Any, actor: Actor, audit: ReadAudit) -> dict[str, Any]:
    """The recorded reads a `ReadsQuery` asks for: admins only."""
    require_admin(actor)
    found = audit.reads(
        query.from_, query.to, code=query.code, actor=query.actor, limit=query.limit + 1
    )
    items = [read.model_dump(mode="json") for read in found[: query.limit]]
    return {"items": items, "complete": len(found) <= query.limit}
