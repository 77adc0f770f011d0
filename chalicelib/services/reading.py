"""What officials, citizens and portals read: dossier views, worklists, the public lookup."""

from __future__ import annotations

import hmac
import re
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from chalicelib.domain.dossier import Actor, Dossier, HistoryEntry
from chalicelib.domain.files import FileKind, StoredFile, latest_first
from chalicelib.domain.procedures import Catalog, Procedure
from chalicelib.domain.state_machine import step_location
from chalicelib.domain.statuses import DossierStatus
from chalicelib.ports.deliveries import DeliveryLog
from chalicelib.ports.errors import InvalidCursor
from chalicelib.ports.files import FileRecords, FileStore
from chalicelib.ports.records import ALARM_JSON, DossierRecord, Receipt
from chalicelib.ports.store import DossierLoader, DossierLookup, ReadingStore
from chalicelib.services.errors import FieldIssue, Invalid, NotFound
from chalicelib.services.lookup_limits import LookupGuard
from chalicelib.services.pins import ALPHABET, DEV_PINS, LENGTH, ReceiptPins, normalise, shown
from chalicelib.services.transitions import FAILED, require_visible

PHONE_LAST4 = re.compile(r"[0-9]{4}")
MAX_RECEIPT_ID = 64  # longer ids were never issued: answered without reading the store
NOT_FOUND_PUBLIC = "Không tìm thấy hồ sơ với mã và mã tra cứu đã nhập"
NO_RESULT_PUBLIC = "Hồ sơ chưa có kết quả điện tử"
# Where the citizen gets the electronic result (with the same PIN): app.py's route.
RESULT_ROUTE = "/v1/public/dossiers/{code}/result"
# Kept on the dossier, shown to nobody: the receipt PIN's hash.
NEVER_SHOWN = ("pin_hash",)
# The public lookup answers no sooner than this after it started, whatever it found: reading a
# dossier (a few KB to receive and parse) takes longer than reading nothing, and that must not
# show. Longer than the lookup's own work (one GetItem, single-digit milliseconds).
PUBLIC_LOOKUP_SECONDS = 0.05


def _iso(moment: Any) -> str | None:
    return moment.isoformat() if moment is not None else None


def steps_view(dossier: Dossier, history: list[HistoryEntry], procedure: Procedure | None) -> list:
    """Each step of the pinned process, with when it was entered and left and its deadline."""
    if procedure is None:
        return []
    entered: dict[int, str] = {}
    left: dict[int, str] = {}
    for entry in history:
        if entry.from_step is not None and entry.from_step != entry.to_step:
            left[entry.from_step] = entry.at.isoformat()
        if entry.from_step != entry.to_step:
            entered[entry.to_step] = entry.at.isoformat()
    view = []
    for index, step in enumerate(procedure.steps):
        place = step_location(dossier, procedure, index)
        current = index == dossier.step_index and not dossier.status.is_closed
        state = "current" if current else ("done" if index < dossier.step_index else "pending")
        if dossier.status is DossierStatus.RETURNED:
            state = "done"
        view.append(
            {
                "index": index,
                "name": step.name,
                "role": step.role.value,
                "agency": place.agency,
                "unit": place.unit,
                "inter_agency": step.agency is not None,
                "duration": step.duration.model_dump(mode="json"),
                "state": state,
                "entered_at": entered.get(index),
                "left_at": left.get(index) if not current else None,
                "due_at": _iso(dossier.step_due_at) if current else None,
            }
        )
    return view


def dossier_view(record: DossierRecord, catalog: Catalog) -> dict[str, Any]:
    dossier = record.dossier
    procedure = catalog.get(dossier.procedure_code, dossier.procedure_version)
    state = dossier.model_dump(mode="json", exclude=set(NEVER_SHOWN))
    state["status_label"] = dossier.status.label_vi
    state["procedure_name"] = procedure.name if procedure else None
    state["portal_due_differs"] = (
        dossier.portal_due_at is not None and dossier.portal_due_at != dossier.due_at
    )
    return {
        "dossier": state,
        "steps": steps_view(dossier, record.history, procedure),
        "history": [
            {**entry.model_dump(mode="json"), "action_label": entry.action.label_vi}
            for entry in record.history
        ],
        "refusals": [refusal.model_dump(mode="json") for refusal in record.refusals],
        "alarms": [ALARM_JSON.dump_python(alarm, mode="json") for alarm in record.alarms],
    }


def read_dossier(
    code: str,
    actor: Actor,
    store: DossierLoader,
    catalog: Catalog,
    deliveries: DeliveryLog | None = None,
) -> dict:
    record = store.load(code)
    require_visible(code, record.dossier if record else None, actor)
    assert record is not None
    view = dossier_view(record, catalog)
    if deliveries is not None:
        view["deliveries"] = [a.model_dump(mode="json") for a in deliveries.attempts(code)]
    return view


def public_view(dossier: Dossier, catalog: Catalog) -> dict[str, Any]:
    procedure = catalog.get(dossier.procedure_code, dossier.procedure_version)
    step_name = None
    if procedure is not None and not dossier.status.is_closed:
        step_name = procedure.steps[dossier.step_index].name
    return {
        "code": dossier.code,
        "procedure": procedure.name if procedure else dossier.procedure_code,
        "status": int(dossier.status),
        "status_label": dossier.status.label_vi,
        "current_step": step_name,
        "received_at": _iso(dossier.received_at),
        "due_at": _iso(dossier.due_at),
        # What the citizen is owed and asked (issue 18's lookup page): the appointment given
        # at receipt once an apology moved it to `due_at`, the overdue flag, and by when a
        # supplement asked of them is due.
        # (Every dossier keeps the appointment QĐ 766 judges from receipt on; the citizen is
        # shown it only beside an apology's new date.)
        "original_due_at": _iso(dossier.original_due_at) if dossier.apologies else None,
        "overdue": dossier.overdue,
        "supplement_due_at": _iso(dossier.supplement_due_at)
        if dossier.status is DossierStatus.SUPPLEMENT_REQUESTED
        else None,
    }


def _phone_matches(dossier: Dossier | None, phone_last4: str | None) -> bool:
    """The old second factor, for dossiers opened before receipt PINs (constant time)."""
    phone = (dossier.applicant.phone or "") if dossier is not None else ""
    expected = phone[-4:] if len(phone) >= 4 else "----"  # "-" never matches digits …
    given = phone_last4 or ""
    matches = hmac.compare_digest(expected.encode(), given.encode())
    # … so the answer must be digits: "----" would match every dossier without a phone.
    return matches and PHONE_LAST4.fullmatch(given) is not None


def public_lookup(
    code: str,
    pin: str | None,
    store: DossierLookup,
    catalog: Catalog,
    *,
    phone_last4: str | None = None,
    pins: ReceiptPins = DEV_PINS,
    guard: LookupGuard | None = None,
    files: FileRecords | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
):
    """The citizen's lookup, opened by the receipt PIN; a dossier opened before PINs existed
    by its phone's last four digits instead (and by nothing else).

    A wrong or missing secret answers exactly like an unknown code, byte for byte, so the
    answer cannot be used to find valid codes; and in the same time: every path reads the store
    once (an over-long code reads a key that never exists), checks a PIN (a decoy when there is
    none to check), and answers no sooner than PUBLIC_LOOKUP_SECONDS after it started.
    `guard` counts the wrong guesses and refuses (429) a code or an address that has none left
    (chalicelib/services/lookup_limits.py), whether the code exists or not. With `files`, the
    answer says whether an electronic result can be downloaded (`public_result`)."""

    def view(dossier: Dossier) -> dict[str, Any]:
        found = public_view(dossier, catalog)
        if files is not None:
            ready = bool(_result_files(dossier.code, files))
            found["electronic_result"] = ready
            found["result_url"] = RESULT_ROUTE.format(code=dossier.code) if ready else None
        return found

    return _opened(code, pin, store, view, phone_last4=phone_last4, pins=pins, guard=guard,
                   clock=clock, sleep=sleep)  # fmt: skip


def public_result(
    code: str,
    pin: str | None,
    store: DossierLookup,
    files: FileRecords,
    blobs: FileStore,
    *,
    link_seconds: int,
    phone_last4: str | None = None,
    pins: ReceiptPins = DEV_PINS,
    guard: LookupGuard | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, Any]:
    """The electronic result, for the citizen who opened the lookup: a short-lived link to each
    stored result file (each was accepted, its signature checked, when it was recorded). Opened
    as the lookup is (the same PIN, limits, answer to a wrong one and time); a dossier with no
    result file answers 404 too, in Vietnamese."""

    def links(dossier: Dossier) -> dict[str, Any]:
        results = _result_files(dossier.code, files)
        if not results:
            raise NotFound(f"{dossier.code} has no electronic result",
                           errors=[FieldIssue("code", "no electronic result yet",
                                              NO_RESULT_PUBLIC)])  # fmt: skip
        return {
            "code": dossier.code,
            "expires_in": link_seconds,
            "items": [_result_link(f, blobs, link_seconds) for f in results],
        }

    return _opened(code, pin, store, links, phone_last4=phone_last4, pins=pins, guard=guard,
                   clock=clock, sleep=sleep)  # fmt: skip


def public_answer(
    code: str,
    pin: str | None,
    store: DossierLookup,
    answer: Callable[[Dossier], Answer],
    *,
    phone_last4: str | None = None,
    pins: ReceiptPins = DEV_PINS,
    guard: LookupGuard | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Answer:
    """`answer` for dossier `code`, opened as the lookup is (the same PIN, limits, answer to a
    wrong one and time): for the other public reads of one's dossier (its receipts)."""
    return _opened(code, pin, store, answer, phone_last4=phone_last4, pins=pins, guard=guard,
                   clock=clock, sleep=sleep)  # fmt: skip


def _result_files(code: str, files: FileRecords) -> list[StoredFile]:
    return latest_first(f for f in files.files(code) if f.kind is FileKind.RESULT)


def _result_link(stored: StoredFile, blobs: FileStore, seconds: int) -> dict[str, Any]:
    url = blobs.download_url(stored.key, expires_in=seconds, filename=stored.name,
                             content_type=stored.content_type)  # fmt: skip
    signature = stored.signature.status.value if stored.signature is not None else None
    return {
        "file_id": stored.file_id,
        "name": stored.name,
        "content_type": stored.content_type,
        "size": stored.size,
        "signature": signature,
        "url": url,
    }


Answer = TypeVar("Answer")


def _opened(
    code: str,
    pin: str | None,
    store: DossierLookup,
    answer: Callable[[Dossier], Answer],
    *,
    phone_last4: str | None,
    pins: ReceiptPins,
    guard: LookupGuard | None,
    clock: Callable[[], float],
    sleep: Callable[[float], None],
) -> Answer:
    """`answer` for the dossier `code` once its secret opened it (public_lookup's docstring)."""
    if pin and normalise(pin) is None:  # its form, whatever the code: says nothing of it
        raise Invalid(
            "pin is not a receipt PIN",
            errors=[
                FieldIssue(
                    "pin",
                    f"{LENGTH} characters of {ALPHABET} (case, spaces and dashes ignored)",
                    f"Mã tra cứu gồm {LENGTH} ký tự in trên giấy tiếp nhận hồ sơ",
                )
            ],
        )
    started = clock()
    key = code if len(code) <= 64 else "-"
    try:
        if guard is not None:
            guard.check(key)
        dossier = store.get(key)
        kept = dossier.pin_hash if dossier is not None else None
        pin_matches = pins.verify(pin, kept)
        opened = pin_matches if kept is not None else _phone_matches(dossier, phone_last4)
        if dossier is None or not opened:
            if guard is not None:
                guard.failed(key)
            raise NotFound(NOT_FOUND_PUBLIC)
        return answer(dossier)
    finally:
        sleep(max(0.0, PUBLIC_LOOKUP_SECONDS - (clock() - started)))


def worklist(
    agency: str,
    *,
    status,
    step,
    limit: int,
    cursor: str | None,
    store: ReadingStore,
    catalog: Catalog,
) -> dict[str, Any]:
    try:
        page = store.worklist(agency, status=status, step=step, limit=limit, cursor=cursor)
    except InvalidCursor:
        raise Invalid(
            "invalid cursor",
            errors=[
                FieldIssue(
                    "cursor", "not a cursor issued by this API", "Con trỏ phân trang không hợp lệ"
                )
            ],
        ) from None
    items = []
    for dossier in page.items:
        procedure = catalog.get(dossier.procedure_code, dossier.procedure_version)
        items.append(
            {
                "code": dossier.code,
                "procedure_code": dossier.procedure_code,
                "procedure_name": procedure.name if procedure else None,
                "status": int(dossier.status),
                "status_label": dossier.status.label_vi,
                "step_index": dossier.step_index,
                "step_name": procedure.steps[dossier.step_index].name if procedure else None,
                "holder": dossier.holder.model_dump(),
                "handled_by": dossier.handled_by.model_dump() if dossier.handled_by else None,
                "due_at": _iso(dossier.due_at),
                "step_due_at": _iso(dossier.step_due_at),
                "version": dossier.version,
            }
        )
    return {"items": items, "next_cursor": page.cursor}


def receipt_view(receipt: Receipt, pins: ReceiptPins | None = None) -> dict[str, Any]:
    """The receipt as its client reads it; with `pins`, the dossier's receipt PIN opened (the
    counter prints it on Mẫu 01, a portal shows it to the applicant)."""
    body = receipt.model_dump(mode="json", exclude={"pin_sealed"})
    if receipt.code:
        body["dossier_url"] = f"/v1/dossiers/{receipt.code}"
    pin = pins.unseal(receipt.pin_sealed, receipt.receipt_id) if pins is not None else None
    if pin is not None:
        body["pin"] = shown(pin)
    return body


def procedure_view(procedure: Procedure) -> dict[str, Any]:
    body = procedure.model_dump(mode="json")
    body["is_inter_agency"] = procedure.is_inter_agency
    return body


def procedure_versions(code: str, catalog: Catalog, now: datetime) -> dict[str, Any]:
    """Every version of a procedure in the catalog, and the one in force `now`."""
    versions = [p for p in catalog.all() if p.code == code]
    if not versions:
        raise NotFound(f"procedure {code} is not in the catalog")
    current = catalog.current(code, now)
    return {
        "current": procedure_view(current) if current else None,
        "versions": [procedure_view(p) for p in versions],
    }


def receipt_for(
    receipt_id: str, client_id: str, store: ReadingStore, pins: ReceiptPins | None = None
) -> dict[str, Any]:
    """A receipt, to the client it was issued to; to anyone else it does not exist."""
    receipt = store.get_receipt(receipt_id) if len(receipt_id) <= MAX_RECEIPT_ID else None
    if receipt is None or receipt.client_id != client_id:
        raise NotFound(f"receipt {receipt_id} does not exist")
    return receipt_view(receipt, pins)


def command_status(code: str, command_id: str, actor: Actor, store: ReadingStore) -> dict[str, Any]:
    """What became of a queued command: applied (at which version), refused or failed (why),
    or still queued."""
    require_visible(code, store.get(code), actor)
    applied = store.command(code, command_id)
    if applied is not None:
        return {"command_id": command_id, "status": "applied", "version": applied.version}
    refused = store.refusal(code, command_id)
    if refused is not None:
        status = "failed" if refused.kind == FAILED else "refused"
        return {"command_id": command_id, "status": status, **refused.model_dump(mode="json")}
    if store.requested(code, command_id):
        return {"command_id": command_id, "status": "queued"}
    raise NotFound(
        f"no command {command_id} was sent for {code}",
        errors=[FieldIssue("command_id", "never sent for this dossier", "Không có lệnh này")],
    )
