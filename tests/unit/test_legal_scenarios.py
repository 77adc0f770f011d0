"""The lifecycle as the law has it (docs/law.md), one row per rule: each life runs through the
real transitions and timer services over the in-memory store, and the row states the status,
the appointment dates (current and original), the notices sent and the QĐ 766 counts.

Dates: land_procedure (10 working days) received Monday 2/3/2026 09:00, due Monday 16/3 09:00.
Steps: counter 4 h, examination (PHONG_DD) 6 days, tax (another agency) 1 day, approval by
the leader 2 days, return 4 h.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pytest

from chalicelib.adapters.catalog_files import load_agencies
from chalicelib.adapters.memory_store import MemoryStore
from chalicelib.domain import indicators
from chalicelib.domain.dossier import Action, Applicant, Command, PaymentChannel
from chalicelib.domain.procedures import Catalog
from chalicelib.domain.statuses import DossierStatus as S
from chalicelib.domain.statuses import Role
from chalicelib.ports.records import Opening, Receipt
from chalicelib.services import timers
from chalicelib.services.envelopes import TransitionEnvelope
from chalicelib.services.outbox import Notices
from chalicelib.services.transitions import TransitionDeps, apply_envelope
from tests.unit.builders import (
    HOME,
    LEADER,
    RECEIVER,
    SPECIALIST,
    TAX_SYSTEM,
    at,
    land_procedure,
    new_dossier,
    official,
)

PROCEDURE = land_procedure(fees=[{"name": "Lệ phí", "amount_vnd": 50000}])
FREE = land_procedure(code="1.000002")  # no fees
FULLY_ONLINE = land_procedure(code="1.000003", fully_online=True)
CODE = "000.00.32.H19-260302-0001"
RECEIVED = at(2026, 3, 2, 9)
DUE = at(2026, 3, 16, 9)
MONTH = "2026-03"
TIMER = "timer"
OTHER_LEADER = official(Role.LEADER, "LANH_DAO", "000.00.40.H19")

# Take up, forward to tax, back to the leader: ready to resolve.
TO_LEADER = [
    (Action.TAKE_UP, SPECIALIST, at(2026, 3, 2, 10), {}),
    (Action.FORWARD, SPECIALIST, at(2026, 3, 3, 10), {}),
    (Action.FORWARD, TAX_SYSTEM, at(2026, 3, 4, 10), {}),
]


@dataclass(frozen=True)
class Row:
    name: str  # the rule, and where the law says it (docs/law.md)
    steps: list[tuple[Any, ...]]
    status: S
    due_at: datetime | None = None
    original_due_at: datetime | None = None
    notices: tuple[str, ...] = ()  # the kinds of the jobs the life wrote, after its opening
    alarms: tuple[str, ...] = ()  # the kinds of the alarms that fired (officials alerted)
    counts: dict[str, int] = field(default_factory=dict)  # QĐ 766 counters that must be so
    refused: tuple[str, str | None] | None = None  # the last step's refusal: (kind, field)
    received: bool = True
    procedure: Any = PROCEDURE


def _timer(when: datetime) -> tuple[Any, ...]:
    return (TIMER, None, when, {})


# The examination step taken up on 2/3 10:00 is due soon on 9/3 10:00, overdue on 10/3 10:00.
STEP_TIMERS = [_timer(at(2026, 3, 9, 10)), _timer(at(2026, 3, 10, 10))]


ROWS = [
    Row("receipt starts the clock: 10 working days (art. 17(3))", [], S.RECEIVED, DUE, DUE,
        counts={"received_ch2": 1, "fees_owed": 1}),
    Row("before receipt the counter asks a supplement, no clock (17(2), Mẫu 02)",
        [(Action.REQUEST_SUPPLEMENT, RECEIVER, at(2026, 3, 2, 10), {"note": "Thiếu CCCD"})],
        S.SUPPLEMENT_REQUESTED, None, None, ("supplement_requested",),
        counts={"supplement_requests": 0, "received_ch2": 0}, received=False),
    Row("before receipt a specialist may not ask it: the counter's check",
        [(Action.REQUEST_SUPPLEMENT, SPECIALIST, at(2026, 3, 2, 10), {"note": "Thiếu"})],
        S.SUBMITTED, refused=("not_permitted", "agency"), received=False),
    Row("the supplement brought before receipt: back to the counter, still no clock",
        [(Action.REQUEST_SUPPLEMENT, RECEIVER, at(2026, 3, 2, 10), {"note": "Thiếu CCCD"}),
         (Action.SUPPLEMENT_RECEIVED, RECEIVER, at(2026, 3, 4, 10), {})],
        S.SUBMITTED, None, None, ("supplement_requested",), received=False),
    Row("an online dossier not received within 8 working hours: the counter and its leader "
        "are alerted (17(2))",
        [_timer(at(2026, 3, 3, 8, 59)), _timer(at(2026, 3, 3, 9))],
        S.SUBMITTED, None, None, alarms=("counter_check_due",), received=False),
    Row("received in time: no such alarm",
        [(Action.RECEIVE, RECEIVER, at(2026, 3, 2, 16), {}), _timer(at(2026, 3, 3, 9))],
        S.RECEIVED, at(2026, 3, 16, 16), at(2026, 3, 16, 16), ("received",),
        alarms=("step_due_soon",),  # the counter's own step, not the 8-hour check
        counts={"received_ch2": 1}, received=False),
    Row("refusal (Mẫu 03) ends a dossier not received, neither on time nor late (8(1)(b))",
        [(Action.REFUSE, RECEIVER, at(2026, 3, 2, 10), {"note": "Không thuộc thẩm quyền"})],
        S.REFUSED, None, None, ("refused",),
        counts={"refused": 1, "on_time": 0, "late": 0}, received=False),
    Row("a received dossier is not refused",
        [(Action.REFUSE, RECEIVER, at(2026, 3, 2, 10), {"note": "Sai"})],
        S.RECEIVED, DUE, DUE, refused=("illegal_transition", "action")),
    Row("a supplement after receipt, within 3 working days, once (19(5))",
        [*TO_LEADER[:1], (Action.REQUEST_SUPPLEMENT, SPECIALIST, at(2026, 3, 3, 9),
                          {"note": "Thiếu bản vẽ"})],
        S.SUPPLEMENT_REQUESTED, DUE, DUE, ("supplement_requested",),
        counts={"supplement_requests": 1, "supplement_dossiers": 1}),
    Row("a supplement after 3 working days needs a leader",
        [*TO_LEADER[:1], (Action.REQUEST_SUPPLEMENT, SPECIALIST, at(2026, 3, 6, 9),
                          {"note": "Thiếu"})],
        S.PROCESSING, DUE, DUE, refused=("not_permitted", "roles")),
    Row("a second supplement needs a leader (11(2)(c): once)",
        [*TO_LEADER[:1],
         (Action.REQUEST_SUPPLEMENT, SPECIALIST, at(2026, 3, 3, 9), {"note": "Thiếu bản vẽ"}),
         (Action.SUPPLEMENT_RECEIVED, RECEIVER, at(2026, 3, 4, 9), {}),
         (Action.REQUEST_SUPPLEMENT, SPECIALIST, at(2026, 3, 5, 9), {"note": "Thiếu nữa"})],
        S.PROCESSING, notices=("supplement_requested", "supplement_received"),
        refused=("not_permitted", "roles")),
    Row("a second supplement by a leader is recorded, and the dossier is late whatever its "
        "end (QĐ 766)",
        [*TO_LEADER[:1],
         (Action.REQUEST_SUPPLEMENT, SPECIALIST, at(2026, 3, 3, 9), {"note": "Thiếu bản vẽ"}),
         (Action.SUPPLEMENT_RECEIVED, RECEIVER, at(2026, 3, 4, 9), {}),
         (Action.REQUEST_SUPPLEMENT, LEADER, at(2026, 3, 4, 10), {"note": "Thiếu nữa"}),
         (Action.SUPPLEMENT_RECEIVED, RECEIVER, at(2026, 3, 5, 9), {}),
         *TO_LEADER[1:2], (Action.FORWARD, TAX_SYSTEM, at(2026, 3, 6, 10), {}),
         (Action.RESOLVE, LEADER, at(2026, 3, 9, 10), {})],
        S.RESOLVED, notices=("supplement_requested", "supplement_received",
                             "supplement_requested", "supplement_received", "result_ready"),
        counts={"supplement_requests": 2, "supplement_repeat_dossiers": 1, "late": 1,
                "on_time": 0}),
    Row("a timely supplement restarts the appointment; QĐ 766's moves by the wait (19(5))",
        [*TO_LEADER[:1],
         (Action.REQUEST_SUPPLEMENT, SPECIALIST, at(2026, 3, 3, 9), {"note": "Thiếu bản vẽ"}),
         (Action.SUPPLEMENT_RECEIVED, RECEIVER, at(2026, 3, 6, 9), {})],
        S.PROCESSING, at(2026, 3, 20, 9), at(2026, 3, 19, 9),
        ("supplement_requested", "supplement_received")),
    Row("the applicant is reminded 3 days before the 15-day deadline, with what is missing",
        [*TO_LEADER[:1],
         (Action.REQUEST_SUPPLEMENT, SPECIALIST, at(2026, 3, 3, 9), {"note": "Thiếu bản vẽ"}),
         _timer(at(2026, 3, 15, 10))],
        S.SUPPLEMENT_REQUESTED, DUE, DUE, ("supplement_requested", "supplement_reminder"),
        alarms=("supplement_reminder",)),
    Row("at lapse the officials are told; the counter closes the dossier (19(5), Mẫu 05)",
        [*TO_LEADER[:1],
         (Action.REQUEST_SUPPLEMENT, SPECIALIST, at(2026, 3, 3, 9), {"note": "Thiếu bản vẽ"}),
         _timer(at(2026, 3, 15, 10)), _timer(at(2026, 3, 18, 10)),
         (Action.STOP, RECEIVER, at(2026, 3, 18, 11), {"note": "Quá hạn bổ sung"})],
        S.STOPPED, notices=("supplement_requested", "supplement_reminder", "stopped"),
        alarms=("supplement_reminder", "supplement_lapsed"), counts={"stopped": 1, "ended": 1}),
    Row("a timer back after the deadline does not remind the applicant of it, only tells the "
        "officials",
        [*TO_LEADER[:1],
         (Action.REQUEST_SUPPLEMENT, SPECIALIST, at(2026, 3, 3, 9), {"note": "Thiếu bản vẽ"}),
         _timer(at(2026, 3, 18, 10))],
        S.SUPPLEMENT_REQUESTED, DUE, DUE, notices=("supplement_requested",),
        alarms=("supplement_lapsed",)),
    Row("the counter may not close it before the deadline",
        [*TO_LEADER[:1],
         (Action.REQUEST_SUPPLEMENT, SPECIALIST, at(2026, 3, 3, 9), {"note": "Thiếu bản vẽ"}),
         (Action.STOP, RECEIVER, at(2026, 3, 10, 11), {"note": "Dừng"})],
        S.SUPPLEMENT_REQUESTED, notices=("supplement_requested",),
        refused=("not_permitted", "roles")),
    Row("a leader stops a dossier (Mẫu 05); the applicant is told (21)",
        [*TO_LEADER[:1], (Action.STOP, LEADER, at(2026, 3, 5, 9), {"note": "Theo đề nghị"})],
        S.STOPPED, notices=("stopped",), counts={"stopped": 1, "on_time": 1}),
    Row("withdrawn after receipt: told, and judged on time or late (QĐ 766)",
        [*TO_LEADER[:1], (Action.WITHDRAW, RECEIVER, at(2026, 3, 5, 9), {"note": "Rút"})],
        S.WITHDRAWN, notices=("withdrawn",), counts={"withdrawn": 1, "on_time": 1}),
    Row("withdrawn before receipt: not judged",
        [(Action.WITHDRAW, RECEIVER, at(2026, 3, 2, 10), {"note": "Rút"})],
        S.WITHDRAWN, notices=("withdrawn",), counts={"withdrawn": 1, "on_time": 0, "late": 0},
        received=False),
    Row("the apology (Mẫu 04) is signed by a leader, not a specialist",
        [*TO_LEADER[:1], (Action.EXTEND_WITH_APOLOGY, SPECIALIST, at(2026, 3, 12, 9),
                          {"note": "Chờ xác minh", "new_due_at": at(2026, 3, 20, 17)})],
        S.PROCESSING, DUE, DUE, refused=("not_permitted", "roles")),
    Row("nor by a leader of an agency that neither holds nor resolves the dossier",
        [*TO_LEADER[:1], (Action.EXTEND_WITH_APOLOGY, OTHER_LEADER, at(2026, 3, 12, 9),
                          {"note": "Chờ xác minh", "new_due_at": at(2026, 3, 20, 17)})],
        S.PROCESSING, DUE, DUE, refused=("not_permitted", "agency")),
    Row("an extension keeps the original appointment and tells the new one (19(6))",
        [*TO_LEADER[:1], (Action.EXTEND_WITH_APOLOGY, LEADER, at(2026, 3, 12, 9),
                          {"note": "Chờ xác minh", "new_due_at": at(2026, 3, 20, 17)})],
        S.PROCESSING, at(2026, 3, 20, 17), DUE, ("overdue_apology",), counts={"extended": 1}),
    Row("at most once (19(6): 'không quá một lần')",
        [*TO_LEADER[:1],
         (Action.EXTEND_WITH_APOLOGY, LEADER, at(2026, 3, 12, 9),
          {"note": "Chờ xác minh", "new_due_at": at(2026, 3, 20, 17)}),
         (Action.EXTEND_WITH_APOLOGY, LEADER, at(2026, 3, 19, 9),
          {"note": "Lần 2", "new_due_at": at(2026, 3, 27, 17)})],
        S.PROCESSING, at(2026, 3, 20, 17), DUE, ("overdue_apology",),
        refused=("illegal_transition", "action")),
    Row("the new appointment is a working moment",
        [*TO_LEADER[:1], (Action.EXTEND_WITH_APOLOGY, LEADER, at(2026, 3, 12, 9),
                          {"note": "Chờ", "new_due_at": at(2026, 3, 21, 9)})],  # a Saturday
        S.PROCESSING, DUE, DUE, refused=("invalid_input", "new_due_at")),
    Row("and at most the procedure's own limit after the current one",
        [*TO_LEADER[:1], (Action.EXTEND_WITH_APOLOGY, LEADER, at(2026, 3, 12, 9),
                          {"note": "Chờ", "new_due_at": at(2026, 4, 30, 9)})],
        S.PROCESSING, DUE, DUE, refused=("invalid_input", "new_due_at")),
    Row("extended and resolved by the new date: late against the original (QĐ 766)",
        [*TO_LEADER,
         (Action.EXTEND_WITH_APOLOGY, LEADER, at(2026, 3, 12, 9),
          {"note": "Chờ xác minh", "new_due_at": at(2026, 3, 20, 17)}),
         (Action.RESOLVE, LEADER, at(2026, 3, 18, 9), {})],
        S.RESOLVED, at(2026, 3, 20, 17), DUE, ("overdue_apology", "result_ready"),
        counts={"late": 1, "on_time": 0, "extended": 1}),
    # The timer runs every few minutes: each threshold fires when it comes. Due soon and the
    # apology's proposal come at the same moment: one alarm says both (under the graver).
    Row("the apology is due one working day before the appointment: the leader is alerted",
        [*TO_LEADER[:1], *STEP_TIMERS, _timer(at(2026, 3, 13, 9))],
        S.PROCESSING, DUE, DUE,
        alarms=("step_due_soon", "step_overdue", "apology_due")),
    Row("at breach without the apology the leaders are told it is missing",
        [*TO_LEADER[:1], *STEP_TIMERS, _timer(at(2026, 3, 13, 9)), _timer(at(2026, 3, 16, 9, 5))],
        S.PROCESSING, DUE, DUE,
        alarms=("step_due_soon", "step_overdue", "apology_due", "overdue")),
    Row("a timer back after the breach tells the overdue alone (it carries the apology's "
        "proposal), not what it supersedes",
        [*TO_LEADER[:1], _timer(at(2026, 3, 16, 9, 5))],
        S.PROCESSING, DUE, DUE, alarms=("overdue",)),
    Row("returned as not eligible, with reasons, by a leader: resolved (19(3))",
        [*TO_LEADER, (Action.RETURN_INELIGIBLE, LEADER, at(2026, 3, 5, 9),
                      {"note": "Thửa đất đang có tranh chấp"})],
        S.RESOLVED, DUE, DUE, ("ineligible",),
        counts={"resolved": 1, "ineligible": 1, "on_time": 1, "early": 1}),
    Row("a specialist may not return it as not eligible",
        [*TO_LEADER[:1], (Action.RETURN_INELIGIBLE, SPECIALIST, at(2026, 3, 5, 9),
                          {"note": "Không đủ điều kiện"})],
        S.PROCESSING, DUE, DUE, refused=("not_permitted", "roles")),
    Row("resolved days before the appointment: early and on time",
        [*TO_LEADER, (Action.RESOLVE, LEADER, at(2026, 3, 5, 9), {})],
        S.RESOLVED, DUE, DUE, ("result_ready",), counts={"on_time": 1, "early": 1}),
    Row("resolved after it: late",
        [*TO_LEADER, (Action.RESOLVE, LEADER, at(2026, 3, 17, 9), {})],
        S.RESOLVED, DUE, DUE, ("result_ready",), counts={"late": 1, "on_time": 0}),
    Row("fees asked of a dossier without fees make it owe them; paid online, counted for 3.6",
        [*TO_LEADER[:2],
         (Action.REQUEST_FEES, TAX_SYSTEM, at(2026, 3, 4, 9), {"amount_vnd": 1_500_000}),
         (Action.FEES_PAID, TAX_SYSTEM, at(2026, 3, 5, 9),
          {"payment_channel": PaymentChannel.ONLINE})],
        S.PROCESSING, notices=("fees_requested", "fees_paid"),
        counts={"fees_owed": 1, "fees_paid_online": 1}, procedure=FREE),
    Row("paid at the counter: owed, not online",
        [*TO_LEADER[:2],
         (Action.REQUEST_FEES, TAX_SYSTEM, at(2026, 3, 4, 9), {"amount_vnd": 1_500_000}),
         (Action.FEES_PAID, TAX_SYSTEM, at(2026, 3, 5, 9),
          {"payment_channel": PaymentChannel.COUNTER})],
        S.PROCESSING, counts={"fees_owed": 1, "fees_paid_online": 0}, procedure=FREE,
        notices=("fees_requested", "fees_paid")),
    Row("a transfer goes only to an agency in the registry (art. 18, 20(2))",
        [*TO_LEADER[:1], (Action.TRANSFER, SPECIALIST, at(2026, 3, 3, 9),
                          {"target_agency": "000.00.01.H26", "target_unit": "MOT_CUA"})],
        S.PROCESSING, DUE, DUE, refused=("invalid_input", "target_agency")),
    Row("and to a unit that agency has",
        [*TO_LEADER[:1], (Action.TRANSFER, SPECIALIST, at(2026, 3, 3, 9),
                          {"target_agency": "000.00.90.H19", "target_unit": "KHONG_CO"})],
        S.PROCESSING, DUE, DUE, refused=("invalid_input", "target_unit")),
    Row("received online for a procedure offered fully online: counted apart (QĐ 766)",
        [], S.RECEIVED, DUE, DUE, counts={"fully_online": 1, "received_ch2": 1},
        procedure=FULLY_ONLINE),
    Row("the payment channel is said with fees_paid only",
        [(Action.TAKE_UP, SPECIALIST, at(2026, 3, 2, 10),
          {"payment_channel": PaymentChannel.ONLINE})],
        S.RECEIVED, DUE, DUE, refused=("invalid_input", "payment_channel")),
]  # fmt: skip


class Life:
    def __init__(self, calendar, row: Row) -> None:
        self.calendar = calendar
        self.store = MemoryStore()
        self.notices = Notices(load_agencies(), survey_url="")
        self.procedure = row.procedure
        opened = new_dossier(self.procedure, calendar, RECEIVED, code=CODE,
                             received=row.received)  # fmt: skip
        dossier = opened.dossier.model_copy(update={
            "channel": 2,
            "applicant": Applicant(name="Nguyễn Thị Lan", phone="84912345678",
                                   email="lan@example.vn"),
        })  # fmt: skip
        receipt = Receipt(receipt_id="r", client_id="p", external_id="1", status="accepted",
                          updated_at=RECEIVED)  # fmt: skip
        self.store.create(Opening(
            dossier, opened.entry, intake_key="p#1", receipt=receipt,
            outbox=self.notices.for_entry(dossier, opened.entry, self.procedure),
            counted=indicators.counted_change(None, dossier, RECEIVED, calendar),
        ))  # fmt: skip
        self.opening_jobs = len(self.store.outbox)
        catalog = Catalog([self.procedure])
        self.deps = TransitionDeps(store=self.store, catalog=catalog, calendar=calendar,
                                   agencies=load_agencies(), notices=self.notices)  # fmt: skip
        self.timer_deps = timers.TimerDeps(store=self.store, catalog=catalog, calendar=calendar,
                                           notices=self.notices)  # fmt: skip
        self.last = None

    def step(self, n: int, action: Any, actor: Any, when: datetime, fields: dict) -> None:
        if action == TIMER:
            timers.run(when, self.timer_deps)
            return
        envelope = TransitionEnvelope(
            command_id=str(n), code=CODE, actor=actor, command=Command(action=action, **fields),
            expected_version=self.store.get(CODE).version, requested_at=when,
        )  # fmt: skip
        self.last = apply_envelope(envelope, self.deps)

    def counts(self) -> dict[str, int]:
        return self.store.stats(HOME, MONTH).get(self.procedure.code, {})


@pytest.mark.parametrize("row", ROWS, ids=[r.name for r in ROWS])
def test_a_legal_scenario(calendar, row):
    life = Life(calendar, row)
    for n, (action, actor, when, fields) in enumerate(row.steps):
        life.step(n, action, actor, when, fields)
        if action == TIMER:
            continue
        if n == len(row.steps) - 1 and row.refused:
            assert life.last.refusal is not None, row.name
            assert (life.last.refusal.kind, life.last.refusal.field) == row.refused
        else:
            assert life.last.result.value == "applied", (n, life.last.refusal)
    dossier = life.store.get(CODE)
    assert dossier.status is row.status
    if row.due_at is not None or row.original_due_at is not None or not row.received:
        assert (dossier.due_at, dossier.original_due_at) == (row.due_at, row.original_due_at)
    sent = tuple(job.kind for job in life.store.outbox[life.opening_jobs :])
    assert sent == row.notices
    fired = tuple(a.kind.value for a in life.store.load(CODE).alarms)
    assert fired == row.alarms
    counts = life.counts()
    for key, expected in row.counts.items():
        assert counts.get(key, 0) == expected, (key, counts)


def test_there_is_a_row_per_rule():
    assert len(ROWS) >= 25
    assert len({r.name for r in ROWS}) == len(ROWS)


def test_refused_dossiers_are_counted_neither_on_time_nor_late_in_the_report(calendar):
    life = Life(calendar, ROWS[4])
    life.step(0, Action.REFUSE, RECEIVER, at(2026, 3, 2, 10), {"note": "Sai thẩm quyền"})
    total = indicators.Counters.from_mapping(life.counts())
    got = indicators.indicators(total)
    assert total.refused == 1 and got["2.1"].denominator == 0
    assert got["5.4"].value is None  # no ratings: not computed, never the on-time rate


def test_an_extended_dossier_resolved_by_its_new_date_is_late(calendar):
    row = ROWS[
        [r.name for r in ROWS].index(
            "extended and resolved by the new date: late against the original (QĐ 766)"
        )
    ]
    life = Life(calendar, row)
    for n, step in enumerate(row.steps):
        life.step(n, *step)
    dossier = life.store.get(CODE)
    assert dossier.ended_at < dossier.due_at and dossier.ended_at > dossier.original_due_at
    assert indicators.Counters.from_mapping(life.counts()).late == 1
