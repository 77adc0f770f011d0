"""The pure core of the QĐ 766/QĐ-TTg report: what is counted, and the indicators from it.

Counters are kept per (agency, month, procedure). The agency is the dossier's resolving
agency (a dossier received at another agency's counter still counts for the one resolving
it); the procedure is its `procedure_code`; the month is `month_key` of the moment of the
change that causes the count. So every counter goes to the month of its own event:

- received_ch1/2/3, paid_online, digitised, fully_online: the month of receipt (status 2);
- fees_owed: the month the dossier first owes fees (receipt for a procedure with fees, else
  the first request for fees); fees_paid_online: the month of its first online payment;
- ended, resolved, refused, withdrawn, stopped, ineligible, early, on_time, late,
  electronic_result, processing_seconds_sum, processing_count: the month processing ended;
- returned: the month the result was handed over (status 10);
- digitised after receipt, electronic_result after resolution, reused_components and
  reused_dossiers: the month the stored files changed the dossier (a `files_recorded` change,
  domain/digitisation.py): see "Files" below;
- supplement_dossiers, supplement_requests, supplement_repeat_dossiers: the month of each
  request made after receipt (one before receipt is the counter's check, not counted);
- extended: the month of a dossier's first extension with apology.

How the national portal judges (docs/law.md §9): a received dossier that ended (resolved,
returned as ineligible, stopped, withdrawn) is on time when its end is at or before its
original appointment, moved by the time spent waiting for the applicant; an extension with
apology does not move it; more than one supplement request, or one after the law's limit,
is late. A dossier refused before receipt is in neither.

Files (QĐ 766 4.1, 4.2, 4.3 from the stored files, docs/law.md §9): 4.2's numerator counts a
received dossier once, when it is digitised: at its receipt if its files (or the portal's flag)
already made it so, else by the later change that raises the flag, on a dossier already
received (one raised before receipt is counted by the receipt). 4.1's numerator counts a
resolved dossier once: at the resolve if a result file was stored by then (or the resolving
command said so), else by the later change that stores one on a dossier already resolved; a
result file stored on an open dossier is counted by its resolve, and a dossier that ended
otherwise (refused, withdrawn, stopped) is in neither term. Flags are never lowered, so no
dossier leaves a numerator it entered. 4.3 counts the components taken from the citizen's
stored documents (`reused_components`) and the dossiers with at least one
(`reused_dossiers`, its numerator).

The store ADDs the increments of `delta_for_change` to that row in the same transaction that
writes the change. Nothing here de-duplicates: it relies on the store applying each change
exactly once (the optimistic lock on `revision` refuses a replay), so a change can never be
counted twice. `rebuild` recomputes the same counters from dossiers and their history, to
check that the live counters match.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime, timedelta
from typing import Any

from chalicelib.domain.calendar import WorkingCalendar, as_local
from chalicelib.domain.dossier import Action, Dossier, HistoryEntry, PaymentChannel
from chalicelib.domain.state_machine import processing_time
from chalicelib.domain.statuses import Channel, DossierStatus

S = DossierStatus
WORKING_DAY_SECONDS = 8 * 3600  # QĐ 766 reports processing time in working days of 8 h

# Endings judged on time or late, for received dossiers only (they have an appointment):
# resolved (returned follows it), stopped, and withdrawn by the applicant (the portal's rule,
# docs/law.md §9). Refused happens only before receipt: never judged.
TIMED_ENDINGS = frozenset({S.RESOLVED, S.STOPPED, S.WITHDRAWN})
ENDING_ACTIONS = {
    Action.RESOLVE: S.RESOLVED,
    Action.RETURN_INELIGIBLE: S.RESOLVED,
    Action.REFUSE: S.REFUSED,
    Action.WITHDRAW: S.WITHDRAWN,
    Action.STOP: S.STOPPED,
}


@dataclass(frozen=True)
class Counters:
    """What is counted for one agency, month and procedure. Field names are the counter keys
    (plain strings, usable as DynamoDB attribute names)."""

    received_ch1: int = 0  # received at the counter (Channel.IN_PERSON)
    received_ch2: int = 0  # received online (Channel.ONLINE)
    received_ch3: int = 0  # received by post (Channel.POSTAL)
    ended: int = 0  # processing ended: status 9, 3, 7 or 8 reached (ended_at set)
    resolved: int = 0  # status 9 reached (10 always comes after 9)
    returned: int = 0  # status 10 reached
    refused: int = 0  # status 3
    withdrawn: int = 0  # status 7
    stopped: int = 0  # status 8
    ineligible: int = 0  # resolved as not eligible (NĐ 118 art. 19(3)), also in `resolved`
    on_time: int = 0  # judged on time (early ones included): see the module's docstring
    early: int = 0  # of those, ended on a day before the appointment's day
    late: int = 0  # judged late: after the appointment, or a second or late supplement request
    supplement_dossiers: int = 0  # dossiers with at least one supplement request
    supplement_requests: int = 0  # supplement requests in all
    supplement_repeat_dossiers: int = 0  # dossiers asked more than once (late for QĐ 766)
    extended: int = 0  # dossiers extended with an apology (Mẫu 04)
    fees_owed: int = 0  # dossiers that owe fees: 3.6's denominator
    fees_paid_online: int = 0  # of those, paid online while processing (not at submission)
    paid_online: int = 0  # received dossiers whose fees were paid online (intake flag)
    fully_online: int = 0  # received online for a procedure offered fully online (toàn trình)
    digitised: int = 0  # received dossiers digitised (their files, or the portal at intake)
    electronic_result: int = 0  # resolved dossiers with a result file stored
    reused_components: int = 0  # components taken from the citizen's stored documents
    reused_dossiers: int = 0  # dossiers with at least one reused component: 4.3's numerator
    processing_seconds_sum: int = 0  # working seconds, pauses out, of resolved dossiers
    processing_count: int = 0  # resolved dossiers whose processing time is in the sum
    # The citizen's voice (docs/law.md §14c). On the dossier's row: dossiers rated (their
    # first rating), of those not satisfied now (±1 as a rating is replaced), PAKN naming one.
    rated: int = 0
    unsatisfied: int = 0
    complained: int = 0
    # On the handling agency's row (procedure "-" when the PAKN names none): PAKN received in
    # its competence (−1 when transferred or refused as out of scope), answered on time or
    # late, answers the person was not satisfied with (no source yet: 0).
    feedback_in_scope: int = 0
    feedback_on_time: int = 0
    feedback_late: int = 0
    feedback_unsatisfied: int = 0

    def __add__(self, other: Counters) -> Counters:
        if not isinstance(other, Counters):
            return NotImplemented
        return Counters(**{k: v + getattr(other, k) for k, v in asdict(self).items()})

    def plus(self, delta: Mapping[str, int]) -> Counters:
        """These counters with the increments of `delta_for_change` added."""
        unknown = set(delta) - set(COUNTER_KEYS)
        if unknown:
            raise ValueError(f"unknown counters: {', '.join(sorted(unknown))}")
        return Counters(**{k: v + delta.get(k, 0) for k, v in asdict(self).items()})

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> Counters:
        """Counters from a stored row (other attributes ignored; missing counters are 0)."""
        return cls(**{k: int(values.get(k) or 0) for k in COUNTER_KEYS})

    def as_dict(self) -> dict[str, int]:
        return asdict(self)

    @property
    def received(self) -> int:
        return self.received_ch1 + self.received_ch2 + self.received_ch3

    @property
    def timed(self) -> int:
        """Ended dossiers judged on time or late: the denominator of 2.1 and 5.4."""
        return self.on_time + self.late


COUNTER_KEYS: tuple[str, ...] = tuple(f.name for f in fields(Counters))
RECEIVED_KEY = {channel: f"received_ch{channel.value}" for channel in Channel}


def month_key(moment: datetime) -> str:
    """ "YYYY-MM" of `moment` in local time (Asia/Ho_Chi_Minh)."""
    return as_local(moment, "moment").strftime("%Y-%m")


def row_key(dossier: Dossier, moment: datetime) -> tuple[str, str, str]:
    """(agency, month, procedure) of the counters a change of `dossier` at `moment` goes to."""
    return dossier.resolving_agency, month_key(moment), dossier.procedure_code


def delta_for_change(
    before: Dossier | None,
    after: Dossier,
    *,
    paid_online: bool,
    digitised: bool,
    electronic_result: bool,
    processing: timedelta | None,
) -> dict[str, int]:
    """The counter increments one applied change (`before` → `after`) causes; only non-zero
    keys. `before` is None for a dossier's creation. `processing` is its processing time
    (`state_machine.processing_time(after, calendar, after.ended_at)`), needed when the change
    resolves the dossier and ignored otherwise. The caller applies each change once."""
    delta: dict[str, int] = {}

    def add(key: str, amount: int = 1) -> None:
        if amount:
            delta[key] = delta.get(key, 0) + amount

    received_now = after.received_at is not None and (before is None or before.received_at is None)
    if received_now:
        add(RECEIVED_KEY[after.channel])
        add("paid_online", int(paid_online))
        add("digitised", int(digitised))
        add("fees_owed", int(after.fees_requested or paid_online))
        add("fully_online", int(after.fully_online))
    elif before is not None and after.fees_requested and not before.fees_requested:
        add("fees_owed", int(not paid_online))  # one paid at submission owed from receipt
    if before is not None and after.fees_paid_online and not before.fees_paid_online:
        add("fees_paid_online", int(not paid_online))
    if before is not None and before.apologies == 0 and after.apologies > 0:
        add("extended")
    if before is not None:
        for key, amount in files_delta(before, after).items():
            add(key, amount)

    supplements_before = before.supplement_requests if before is not None else 0
    new_requests = after.supplement_requests - supplements_before
    if new_requests > 0:
        add("supplement_requests", new_requests)
        if supplements_before == 0:
            add("supplement_dossiers")
        if supplements_before <= 1 < after.supplement_requests:
            add("supplement_repeat_dossiers")

    if after.ended_at is not None and (before is None or before.ended_at is None):
        add("ended")
        add(after.status.name.lower())  # resolved / refused / withdrawn / stopped
        add("ineligible", int(after.ineligible))
        appointment = after.original_due_at or after.due_at
        if after.status in TIMED_ENDINGS and appointment is not None:
            for key in judged(after.ended_at, appointment, after.supplement_requests,
                              after.supplement_after_limit):  # fmt: skip
                add(key)
        if after.status is S.RESOLVED:
            if processing is None:
                raise ValueError("resolving a dossier needs its processing time")
            add("electronic_result", int(electronic_result))
            add("processing_seconds_sum", int(processing.total_seconds()))
            add("processing_count")

    if after.status is S.RETURNED and (before is None or before.status is not S.RETURNED):
        add("returned")
    if before is not None:
        for key, amount in rating_delta(before.satisfied, after.satisfied).items():
            add(key, amount)
        add("complained", after.complaints - before.complaints)
    return delta


def rating_delta(before: bool | None, after: bool | None) -> dict[str, int]:
    """5.4's terms as a dossier's rating goes from `before` to `after` (None: not rated)."""
    delta: dict[str, int] = {}
    if before is None and after is not None:
        delta["rated"] = 1
    moved = int(after is False) - int(before is False)
    if moved:
        delta["unsatisfied"] = moved
    return delta


def files_delta(before: Dossier, after: Dossier) -> dict[str, int]:
    """What a change of an existing dossier adds through its files (module docstring,
    "Files"): the receipt and the resolve count the flags they find; a flag raised after them
    is counted by the change that raises it."""
    delta: dict[str, int] = {}
    if before.received_at is not None and after.digitised and not before.digitised:
        delta["digitised"] = 1
    resolved_before = before.ended_at is not None and before.status in (S.RESOLVED, S.RETURNED)
    if resolved_before and after.electronic_result and not before.electronic_result:
        delta["electronic_result"] = 1
    reused = after.reused_components - before.reused_components
    if reused > 0:
        delta["reused_components"] = reused
        if before.reused_components == 0:
            delta["reused_dossiers"] = 1
    return delta


def judged(
    ended_at: datetime, appointment: datetime, supplement_requests: int, after_limit: bool
) -> tuple[str, ...]:
    """The counters an ending adds: ("on_time",), ("on_time", "early") or ("late",).
    `appointment` is the original one, moved by the waits (never by an extension)."""
    if ended_at > appointment or supplement_requests > 1 or after_limit:
        return ("late",)
    if as_local(ended_at).date() < as_local(appointment).date():
        return ("on_time", "early")
    return ("on_time",)


# -- rebuild from history ---------------------------------------------------------------------
@dataclass(frozen=True)
class DossierLife:
    """A dossier's current state, its history, and the facts not held on the dossier."""

    dossier: Dossier
    history: tuple[HistoryEntry, ...]
    paid_online: bool = False
    digitised: bool = False
    electronic_result: bool = False


RowKey = tuple[str, str, str]  # (agency, "YYYY-MM", procedure_code)


def rebuild(
    dossiers_with_history: Iterable[DossierLife], *, calendar: WorkingCalendar
) -> dict[RowKey, Counters]:
    """The counters recomputed from each dossier's history entries (not from
    `delta_for_change`), for checking the live counters. `calendar` measures processing time."""
    rows: dict[RowKey, Counters] = {}
    for life in dossiers_with_history:
        dossier = life.dossier
        supplements = 0
        after_limit = owed = paid_while_processing = extended = False
        received = resolved = reused_any = False
        satisfied: bool | None = None
        history = sorted(life.history, key=lambda e: e.version)
        paused = timedelta(0)
        for entry in history:
            delta: dict[str, int] = {}
            if entry.paused_for:
                paused += entry.paused_for
            if entry.action is Action.RECEIVE:
                delta[RECEIVED_KEY[dossier.channel]] = 1
                received = True
                delta["paid_online"] = int(life.paid_online)
                # digitised at receipt, unless a later files change raised the flag
                delta["digitised"] = int(life.digitised and not _raised_after(history, entry))
                owed = bool(entry.amount_vnd) or life.paid_online
                delta["fees_owed"] = int(owed)
                delta["fully_online"] = int(dossier.fully_online)
            elif entry.action is Action.REQUEST_FEES:
                if not owed and entry.amount_vnd != 0:
                    owed = True
                    delta["fees_owed"] = 1
            elif entry.action is Action.FEES_PAID:
                online = entry.payment_channel is PaymentChannel.ONLINE
                if online and not paid_while_processing:
                    paid_while_processing = True
                    delta["fees_paid_online"] = int(not life.paid_online)
            elif entry.action is Action.EXTEND_WITH_APOLOGY:
                delta["extended"] = int(not extended)
                extended = True
            elif entry.action is Action.REQUEST_SUPPLEMENT and entry.from_status not in (
                S.SUBMITTED,
                None,
            ):
                supplements += 1
                after_limit = after_limit or bool(entry.after_limit)
                delta["supplement_requests"] = 1
                delta["supplement_dossiers"] = int(supplements == 1)
                delta["supplement_repeat_dossiers"] = int(supplements == 2)
            elif entry.action in ENDING_ACTIONS:
                status = ENDING_ACTIONS[entry.action]
                delta["ended"] = 1
                delta[status.name.lower()] = 1
                delta["ineligible"] = int(entry.action is Action.RETURN_INELIGIBLE)
                appointment = entry.original_due_at or entry.due_at
                if status in TIMED_ENDINGS and appointment is not None:
                    for counter in judged(entry.at, appointment, supplements, after_limit):
                        delta[counter] = 1
                if status is S.RESOLVED and dossier.clock_started_at is not None:
                    spent = calendar.between(dossier.clock_started_at, entry.at) - paused
                    electronic = entry.electronic_result
                    if electronic is None:  # recorded before resolve said it
                        electronic = life.electronic_result
                    delta["electronic_result"] = int(electronic)
                    resolved = True
                    delta["processing_seconds_sum"] = int(spent.total_seconds())
                    delta["processing_count"] = 1
            elif entry.action is Action.RETURN_RESULT:
                delta["returned"] = 1
            elif entry.action is Action.RATED:
                delta.update(rating_delta(satisfied, entry.satisfied))
                satisfied = entry.satisfied
            elif entry.action is Action.FEEDBACK_RECEIVED:
                delta["complained"] = 1
            elif entry.action is Action.FILES_RECORDED:
                delta["digitised"] = int(bool(entry.digitised) and received)
                delta["electronic_result"] = int(bool(entry.electronic_result) and resolved)
                if entry.reused:
                    delta["reused_components"] = entry.reused
                    delta["reused_dossiers"] = int(not reused_any)
                    reused_any = True
            key = row_key(dossier, entry.at)
            if any(delta.values()):
                rows[key] = rows.get(key, Counters()).plus(delta)
    return rows


def _raised_after(history: Iterable[HistoryEntry], receipt: HistoryEntry) -> bool:
    """A files change after the receipt made the dossier digitised (and counted it)."""
    return any(
        e.action is Action.FILES_RECORDED and e.digitised and e.version > receipt.version
        for e in history
    )


# -- indicators -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Indicator:
    code: str
    name_vi: str
    value: float | None  # None when the denominator is 0
    numerator: int
    denominator: int
    unit: str  # "%" or "ngày làm việc"
    score: float | None  # None while max_score or threshold is unknown
    max_score: float | None
    threshold: float | None  # in the indicator's unit: full marks at or above it


@dataclass(frozen=True)
class Scoring:
    max_score: float | None = None
    threshold: float | None = None  # percent


# Thresholds as the national portal's score table states them (docs/law.md §9: 3.3 50 %,
# 4.2 80 %, 5.4 90 %). Its maximum points per indicator come from a third party's transcript
# whose date and standing are not confirmed, so they stay None (score None) until the
# province confirms them; pass `scoring=` to `indicators` to use them.
SCORING: dict[str, Scoring] = {
    "2.1": Scoring(),  # no threshold stated
    "2.2": Scoring(),  # a time, not a rate: its scoring rule is not the rate rule
    "3.3": Scoring(threshold=50.0),
    "3.6": Scoring(),  # no threshold stated
    "4.1": Scoring(),  # no threshold stated
    "4.2": Scoring(threshold=80.0),
    "4.3": Scoring(threshold=80.0),
    "5.2": Scoring(),  # no threshold stated
    "5.3": Scoring(),  # no threshold stated
    "5.4": Scoring(threshold=90.0),
}

NAMES_VI = {
    "2.1": "Tỷ lệ hồ sơ giải quyết đúng hạn",
    "2.2": "Thời gian giải quyết trung bình",
    "3.3": "Tỷ lệ hồ sơ nộp trực tuyến",
    "3.6": "Tỷ lệ hồ sơ thanh toán trực tuyến",
    "4.1": "Tỷ lệ hồ sơ có kết quả điện tử",
    "4.2": "Tỷ lệ hồ sơ được số hóa",
    "4.3": "Tỷ lệ hồ sơ sử dụng lại dữ liệu số hóa",
    # The portal's own short names (no comma: the CSV header splits plainly).
    "5.2": "Tỷ lệ PAKN xử lý đúng hạn",
    "5.3": "Tỷ lệ hài lòng trong xử lý PAKN",
    "5.4": "Mức độ hài lòng",
}
INDICATOR_CODES = tuple(NAMES_VI)
# Where an indicator's numerator comes from, shown with the report.
SOURCES = {
    "4.1": "stored files: a result file stored (its signature accepted) by or after the resolve",
    "4.2": "stored files: every required component (and, once resolved, the result) stored; "
    "or the portal's digitised flag at receipt",
    "4.3": "stored files: components taken from the citizen's documents already stored",
    "5.2": "PAKN answered on time / answered (docs/law.md §14c); left out without PAKN",
    "5.3": "PAKN answered − late − answers rated unsatisfied (none collected) / answered",
    "5.4": "dossiers ended on time or late − late − rated not satisfied − named by a PAKN / "
    "dossiers ended on time or late; left out without any rating or PAKN",
}


def score(rate: float | None, max_score: float | None, threshold: float | None) -> float | None:
    """Full marks at or above the threshold; below it, rate × max ÷ threshold."""
    if rate is None or max_score is None or threshold is None or threshold <= 0:
        return None
    if rate >= threshold:
        return max_score
    return round(max(rate, 0.0) * max_score / threshold, 2)


def _percent(numerator: int, denominator: int) -> float | None:
    return None if denominator <= 0 else round(100 * numerator / denominator, 2)


def indicators(c: Counters, *, scoring: Mapping[str, Scoring] = SCORING) -> dict[str, Indicator]:
    """The QĐ 766 indicators a dossier engine can compute, from summed counters.

    Denominators: 2.1 the dossiers ended on time or late; 2.2 the resolved dossiers (in
    working days of 8 h); 3.3 and 4.2 the dossiers received; 3.6 the dossiers that owe fees
    (paid online at submission or while processing); 4.1 the resolved ones; 4.3 the dossiers
    received. 4.1, 4.2 and 4.3 come from the stored files (`SOURCES`, module docstring).
    5.2 = PAKN answered on time / answered; 5.3 = (answered − late − answers rated not
    satisfied) / answered; 5.4 = 100 % − (late % + rated-not-satisfied-or-named-by-a-PAKN %),
    over the dossiers ended on time or late (docs/law.md §14c: the stricter of the two texts).
    5.4's denominator is 0 until a rating or a PAKN exists: never a copy of the on-time rate.
    """
    unhappy = c.unsatisfied + c.complained
    rated = c.rated + c.complained > 0
    answered = c.feedback_on_time + c.feedback_late
    pleased = max(answered - c.feedback_late - c.feedback_unsatisfied, 0)
    terms: dict[str, tuple[int, int, str]] = {
        "2.1": (c.on_time, c.timed, "%"),
        "2.2": (c.processing_seconds_sum, c.processing_count * WORKING_DAY_SECONDS, "ngày"),
        "3.3": (c.received_ch2, c.received, "%"),
        "3.6": (c.paid_online + c.fees_paid_online, c.fees_owed, "%"),
        "4.1": (c.electronic_result, c.resolved, "%"),
        "4.2": (c.digitised, c.received, "%"),
        "4.3": (c.reused_dossiers, c.received, "%"),
        "5.2": (c.feedback_on_time, answered, "%"),
        "5.3": (pleased, answered, "%"),
        "5.4": (max(c.timed - c.late - unhappy, 0) if rated else 0, c.timed if rated else 0, "%"),
    }
    result: dict[str, Indicator] = {}
    for code, (numerator, denominator, unit) in terms.items():
        rule = scoring.get(code, Scoring())
        if unit == "%":
            value = _percent(numerator, denominator)
            points = score(value, rule.max_score, rule.threshold)
        else:
            value = None if denominator <= 0 else round(numerator / denominator, 2)
            points = None  # no rate rule for a duration
            unit = "ngày làm việc"
        result[code] = Indicator(
            code=code,
            name_vi=NAMES_VI[code],
            value=value,
            numerator=numerator,
            denominator=denominator,
            unit=unit,
            score=points,
            max_score=rule.max_score,
            threshold=rule.threshold,
        )
    return result


# -- CSV --------------------------------------------------------------------------------------
@dataclass
class _Lines:
    parts: list[str] = field(default_factory=list)

    def write(self, text: str) -> int:
        self.parts.append(text)
        return len(text)


ROW_HEADER = ("agency", "month", "procedure")


def csv_header() -> list[str]:
    return [*ROW_HEADER, *COUNTER_KEYS, *(f"{code} {NAMES_VI[code]}" for code in INDICATOR_CODES)]


def to_csv(rows: Mapping[RowKey, Counters]) -> str:
    """The report as CSV text (UTF-8, "\\n" line ends): one line per (agency, month,
    procedure), sorted, with its counters then its indicator values (empty when None)."""
    out = _Lines()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(csv_header())
    for key in sorted(rows):
        counters = rows[key]
        values = indicators(counters)
        writer.writerow(
            [
                *key,
                *(getattr(counters, k) for k in COUNTER_KEYS),
                *("" if values[c].value is None else values[c].value for c in INDICATOR_CODES),
            ]
        )
    return "".join(out.parts)


def counted_change(
    before: Dossier | None, after: Dossier, at: datetime, calendar: WorkingCalendar
) -> tuple[tuple[str, str, str], dict[str, int]] | None:
    """The row and increments one applied change adds to the live counters, or None."""
    ends_now = after.ended_at is not None and (before is None or before.ended_at is None)
    processing = None
    if ends_now and after.ended_at is not None and after.status is S.RESOLVED:
        processing = processing_time(after, calendar, after.ended_at)
    delta = delta_for_change(
        before,
        after,
        paid_online=after.paid_online,
        digitised=after.digitised,
        electronic_result=after.electronic_result,
        processing=processing,
    )
    return (row_key(after, at), delta) if delta else None
