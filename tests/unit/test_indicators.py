"""QĐ 766 counters and indicators: hand-counted scenarios, and live deltas equal a rebuild."""

import csv
import io
import random
import re
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain.dossier import Action, Applicant, Command
from chalicelib.domain.errors import DomainError
from chalicelib.domain.indicators import (
    COUNTER_KEYS,
    INDICATOR_CODES,
    Counters,
    DossierLife,
    Scoring,
    csv_header,
    delta_for_change,
    indicators,
    month_key,
    rebuild,
    row_key,
    score,
    to_csv,
)
from chalicelib.domain.state_machine import apply, open_dossier, processing_time
from chalicelib.domain.statuses import Channel
from tests.unit.builders import (
    DESK,
    HOME,
    LEADER,
    RECEIVER,
    SPECIALIST,
    TAX_SYSTEM,
    at,
    land_procedure,
)
from tests.unit.test_state_machine_properties import PROCEDURE as WALK_PROCEDURE
from tests.unit.test_state_machine_properties import apply_as, moves, pick

PROCEDURE = land_procedure()
H = 3600


def open_(calendar, code, channel, when, procedure=PROCEDURE, received=True):
    return open_dossier(code=code, procedure=procedure, channel=channel,
                        applicant=Applicant(name="Trần Thị B"), resolving_agency=HOME,
                        received_by=DESK, actor=RECEIVER, at=when, calendar=calendar,
                        received=received)  # fmt: skip


class Ledger:
    """What the store does: apply each change once and ADD its delta to its row."""

    def __init__(self, calendar):
        self.calendar = calendar
        self.rows = {}
        self.lives = []

    def add(self, before, transition, flags):
        after, entry = transition.dossier, transition.entry
        ends = after.ended_at is not None and (before is None or before.ended_at is None)
        # The electronic result is what the resolve said; the other flags came with the intake.
        flags = {**flags, "electronic_result": after.electronic_result}
        delta = delta_for_change(
            before, after, **flags,
            processing=processing_time(after, self.calendar, after.ended_at) if ends else None,
        )  # fmt: skip
        for key in delta:
            assert re.fullmatch(r"[a-z][a-z0-9_]*", key) and key in COUNTER_KEYS
        if not delta:
            return  # nothing to ADD: the store writes no counter row
        row = row_key(after, entry.at)
        self.rows[row] = self.rows.get(row, Counters()).plus(delta)

    def live(self, code, channel, when, steps, received=True, **flags):
        flags = {"paid_online": False, "digitised": False, "electronic_result": False} | flags
        t = open_(self.calendar, code, channel, when, received=received)
        self.add(None, t, flags)
        dossier, history = t.dossier, [t.entry]
        for action, actor, moment in steps:
            electronic = flags["electronic_result"] and action is Action.RESOLVE
            command = Command(action=action, note="lý do", electronic_result=electronic)
            t = apply(dossier, command, actor, PROCEDURE, self.calendar, moment)
            self.add(dossier, t, flags)
            dossier = t.dossier
            history.append(t.entry)
        self.lives.append(DossierLife(dossier, tuple(history), **flags))
        return dossier


def through(resolve_at, first=None):
    """Take up, forward to tax and to the leader, resolve."""
    first = first or at(2026, 1, 5, 10)
    return [
        (Action.TAKE_UP, SPECIALIST, first),
        (Action.FORWARD, SPECIALIST, first + timedelta(hours=1)),
        (Action.FORWARD, TAX_SYSTEM, first + timedelta(hours=2)),
        (Action.RESOLVE, LEADER, resolve_at),
    ]


@pytest.fixture
def five(calendar):
    """Five dossiers, all received Monday 5/1/2026 at 9:00 (due 16/1 9:00):
    A online, paid online, digitised, electronic result: resolved 9/1, returned 12/1 — early;
    B online, digitised: resolved 2/2 — late (February);
    C online, two supplement requests (the second by a leader), resolved 12/1 before its
      appointment — late;
    D at the counter, not received: refused 6/1 — neither on time nor late;
    E by post: still processing."""
    ledger = Ledger(calendar)
    received = at(2026, 1, 5, 9)
    returned = (Action.RETURN_RESULT, RECEIVER, at(2026, 1, 12, 8))
    ledger.live("A", Channel.ONLINE, received, [*through(at(2026, 1, 9, 10)), returned],
                paid_online=True, digitised=True, electronic_result=True)  # fmt: skip
    ledger.live("B", Channel.ONLINE, received, through(at(2026, 2, 2, 10)), digitised=True)
    c = ledger.live("C", Channel.ONLINE, received, [
        (Action.TAKE_UP, SPECIALIST, at(2026, 1, 5, 10)),
        (Action.REQUEST_SUPPLEMENT, SPECIALIST, at(2026, 1, 6, 9)),
        (Action.SUPPLEMENT_RECEIVED, SPECIALIST, at(2026, 1, 7, 9)),
        (Action.REQUEST_SUPPLEMENT, LEADER, at(2026, 1, 8, 9)),
        (Action.SUPPLEMENT_RECEIVED, SPECIALIST, at(2026, 1, 9, 9)),
        *through(at(2026, 1, 12, 10), first=at(2026, 1, 9, 10))[1:],
    ])  # fmt: skip
    assert c.ended_at < c.due_at  # on time by the date, late by the second supplement
    ledger.live("D", Channel.IN_PERSON, received, [(Action.REFUSE, RECEIVER, at(2026, 1, 6, 8))],
                received=False)  # fmt: skip
    ledger.live("E", Channel.POSTAL, received, [(Action.TAKE_UP, SPECIALIST, at(2026, 1, 5, 10))])
    return ledger


def test_five_dossiers_hand_counted_per_month(five):
    jan, feb = (HOME, "2026-01", PROCEDURE.code), (HOME, "2026-02", PROCEDURE.code)
    assert set(five.rows) == {jan, feb}
    # Working time, office hours 7:00-11:30 and 13:30-17:00, Saturday 10/1 worked:
    # A 5/1 9:00 → 9/1 10:00: 6 (5/1) + 24 (6-8/1) + 3 (9/1) = 33 h;
    # C 6 + 2 before the first pause, 8 between pauses, 6 + 8 + 3 after = 33 h.
    assert five.rows[jan] == Counters(
        received_ch2=3, received_ch3=1, ended=3, resolved=2, returned=1,
        refused=1, on_time=1, early=1, late=1, supplement_dossiers=1, supplement_requests=2,
        supplement_repeat_dossiers=1, fees_owed=1, paid_online=1, digitised=2,
        electronic_result=1, processing_seconds_sum=66 * H, processing_count=2,
    )  # fmt: skip
    # B: 6 (5/1) + 32 (6-9/1) + 8 (Sat 10/1) + 3 weeks × 40 + 3 (2/2) = 169 h.
    assert five.rows[feb] == Counters(
        ended=1, resolved=1, late=1, processing_seconds_sum=169 * H, processing_count=1
    )


def test_five_dossiers_indicators(five):
    total = sum(five.rows.values(), Counters())
    got = indicators(total)
    assert {code: (i.numerator, i.denominator, i.value) for code, i in got.items()} == {
        "2.1": (1, 3, 33.33),  # A on time; B and C late; D refused before receipt: neither
        "2.2": (235 * H, 3 * 8 * H, 9.79),  # 235 h over 3 dossiers, 8 h days
        "3.3": (3, 4, 75.0),
        "3.6": (1, 1, 100.0),  # only A owes fees (it paid them online)
        "4.1": (1, 3, 33.33),
        "4.2": (2, 4, 50.0),
        "4.3": (0, 4, 0.0),  # no component taken from a stored document
        "5.2": (0, 0, None),  # no PAKN answered: not computed
        "5.3": (0, 0, None),
        "5.4": (0, 0, None),  # no ratings or complaints collected: not computed
    }
    assert got["2.2"].unit == "ngày làm việc" and got["2.1"].unit == "%"
    assert got["4.2"].threshold == 80.0
    assert all(i.score is None for i in got.values())  # official max scores unknown
    scored = indicators(total, scoring={"4.2": Scoring(max_score=10, threshold=80)})
    assert scored["4.2"].score == 6.25  # 50 × 10 ÷ 80
    assert scored["2.1"].score is None


def test_rebuild_of_the_five_equals_the_live_counters(five, calendar):
    assert rebuild(five.lives, calendar=calendar) == five.rows


def test_scoring_rule():
    assert score(85.0, 10, 80) == 10
    assert score(80.0, 10, 80) == 10
    assert score(60.0, 10, 80) == 7.5
    assert score(None, 10, 80) is None
    assert score(60.0, None, 80) is None


def test_zero_denominators_give_none():
    got = indicators(Counters(), scoring={c: Scoring(10, 80) for c in INDICATOR_CODES})
    assert set(got) == set(INDICATOR_CODES)
    for indicator in got.values():
        assert (indicator.value, indicator.score, indicator.denominator) == (None, None, 0)


def test_counters_add_and_read_back():
    a = Counters(received_ch2=2, on_time=1, processing_seconds_sum=10, processing_count=1)
    b = Counters(received_ch1=1, late=1)
    assert a + b == Counters(received_ch1=1, received_ch2=2, on_time=1, late=1,
                             processing_seconds_sum=10, processing_count=1)  # fmt: skip
    assert Counters.from_mapping({**(a + b).as_dict(), "pk": "x"}) == a + b
    with pytest.raises(ValueError):
        a.plus({"nonsense": 1})


def test_month_key_is_local_time():
    from datetime import UTC, datetime

    assert month_key(datetime(2026, 1, 31, 17, 30, tzinfo=UTC)) == "2026-02"  # 00:30 on 1/2
    assert month_key(at(2026, 1, 31, 23, 59)) == "2026-01"


def test_csv_round_trip(five):
    text = to_csv(five.rows)
    lines = list(csv.DictReader(io.StringIO(text)))
    assert text.splitlines()[0].split(",") == csv_header()
    assert len(lines) == 2
    for line in lines:
        key = (line["agency"], line["month"], line["procedure"])
        counters = Counters(**{k: int(line[k]) for k in COUNTER_KEYS})
        assert counters == five.rows[key]
        for code, indicator in indicators(counters).items():
            cell = next(v for h, v in line.items() if h.startswith(f"{code} "))
            assert (float(cell) if cell else None) == indicator.value
    assert "Tỷ lệ hồ sơ giải quyết đúng hạn" in text


# -- live deltas equal a rebuild, over random lives --------------------------------------------
FLAGS = ("paid_online", "digitised", "electronic_result")


def walk(calendar, steps, channel, flags, received):
    now = at(2026, 3, 2, 9)
    ledger = Ledger(calendar)
    t = open_(calendar, "W", channel, now, WALK_PROCEDURE, received)
    ledger.add(None, t, flags)
    dossier, history = t.dossier, [t.entry]
    for choice, who, minutes in steps:
        now = now + timedelta(minutes=minutes)
        try:
            t = apply_as(dossier, pick(choice, dossier.status), who, now, calendar,
                         electronic_result=flags["electronic_result"])  # fmt: skip
        except DomainError:
            continue
        ledger.add(dossier, t, flags)
        dossier = t.dossier
        history.append(t.entry)
    return ledger.rows, DossierLife(dossier, tuple(history), **flags)


@settings(max_examples=200, deadline=None)
@given(
    steps=moves,
    channel=st.sampled_from(list(Channel)),
    flags=st.fixed_dictionaries({k: st.booleans() for k in FLAGS}),
    received=st.booleans(),
)
def test_summed_deltas_equal_rebuild(calendar, steps, channel, flags, received):
    check_walk(calendar, steps, channel, flags, received)


def test_seeded_long_lives_sum_to_the_rebuild(calendar):
    """Hypothesis favours short lives; these walks run long, across months."""
    months = set()
    for seed in range(60):
        rng = random.Random(seed)
        steps = [((rng.randrange(100), rng.randrange(100)), None, rng.randrange(3 * 24 * 60))
                 for _ in range(60)]  # fmt: skip
        flags = {k: rng.random() < 0.5 for k in FLAGS}
        rows = check_walk(calendar, steps, Channel(seed % 3 + 1), flags, seed % 4 != 0)
        months |= {month for _, month, _ in rows}
    assert len(months) >= 2


def check_walk(calendar, steps, channel, flags, received):
    rows, life = walk(calendar, steps, channel, flags, received)
    assert rebuild([life], calendar=calendar) == rows
    total = sum(rows.values(), Counters())
    assert total.received == (life.dossier.received_at is not None)
    assert total.ended == (life.dossier.ended_at is not None)
    assert total.supplement_requests == life.dossier.supplement_requests
    assert total.on_time + total.late <= total.ended
    return rows


def test_five_x_from_ratings_and_complaints_as_the_score_table_defines_them():
    """docs/law.md §14c: 5.4 takes the late, the rated not satisfied and the dossiers named by
    a PAKN off the dossiers judged (the stricter text: a late and disliked dossier twice);
    5.2 the PAKN answered on time of those answered; 5.3 those not late nor disliked."""
    c = Counters(on_time=8, late=2, rated=5, unsatisfied=1, complained=1,
                 feedback_in_scope=4, feedback_on_time=3, feedback_late=1)  # fmt: skip
    got = indicators(c)
    assert (got["5.4"].numerator, got["5.4"].denominator, got["5.4"].value) == (6, 10, 60.0)
    assert (got["5.2"].numerator, got["5.2"].denominator, got["5.2"].value) == (3, 4, 75.0)
    assert (got["5.3"].numerator, got["5.3"].value) == (3, 75.0)
    assert indicators(Counters(on_time=8, late=2))["5.4"].denominator == 0
