"""The public lookup cannot be brute-forced: wrong guesses are counted per dossier code and per
client address in fixed windows, then refused with 429 until the window ends, the right PIN
included; the citizen's right PIN works again when it ends (docs/architecture.md).

In process, on the in-memory store and counter, with the clock given (no wall-clock time)."""

import random

import pytest

from chalicelib.adapters.attempt_counter import InMemoryAttemptCounter
from chalicelib.adapters.catalog_files import load_agencies, load_catalog
from chalicelib.adapters.memory_store import MemoryStore
from chalicelib.domain.dossier import Applicant
from chalicelib.ports.records import Opening, Receipt
from chalicelib.services import reading
from chalicelib.services.errors import Invalid, NotFound, TooManyRequests
from chalicelib.services.lookup_limits import LookupGuard, LookupLimits
from chalicelib.services.pins import ALPHABET, DEV_PINS, shown
from tests.unit.builders import at, land_procedure, new_dossier

LIMITS = LookupLimits(window_seconds=900, failures_per_code=10, failures_per_address=30)
WINDOW_START = 1_773_036_000  # a multiple of 900: 2026-03-09 06:00 UTC
PIN = "K7MW2QXA"
CODE = "000.00.32.H19-260105-0001"
OLD_CODE = "000.00.32.H19-260105-0002"  # opened before PINs: the phone's digits open it
NO_PHONE = "000.00.32.H19-260105-0003"  # a PIN, no phone
UNKNOWN = "000.00.32.H19-260105-0099"
ATTACKER = "203.0.113.7"


class World:
    def __init__(self, calendar):
        self.store = MemoryStore()
        self.counter = InMemoryAttemptCounter()
        self.catalog = load_catalog(None, load_agencies())
        procedure = land_procedure()
        for code, pin_hash, phone in (
            (CODE, DEV_PINS.hash(PIN), "84912345678"),
            (OLD_CODE, None, "84912345678"),
            (NO_PHONE, DEV_PINS.hash(PIN), None),
        ):
            opened = new_dossier(procedure, calendar, at(2026, 1, 5, 9), code=code)
            applicant = Applicant(name="A", phone=phone)
            dossier = opened.dossier.model_copy(
                update={"pin_hash": pin_hash, "applicant": applicant}
            )
            receipt = Receipt(receipt_id=f"r-{code}", client_id="portal", external_id=code,
                              status="accepted", updated_at=at(2026, 1, 5, 9))  # fmt: skip
            self.store.create(Opening(dossier, opened.entry, intake_key=code, receipt=receipt))

    def lookup(self, code, pin=None, *, address=ATTACKER, now=WINDOW_START, phone_last4=None):
        """(status, Retry-After or None) as the route answers."""
        guard = LookupGuard(self.counter, LIMITS, address=address, now=now)
        try:
            reading.public_lookup(code, pin, self.store, self.catalog, phone_last4=phone_last4,
                                  pins=DEV_PINS, guard=guard, sleep=lambda _: None)  # fmt: skip
        except NotFound:
            return 404, None
        except TooManyRequests as refused:
            return 429, refused.retry_after
        return 200, None


@pytest.fixture
def world(calendar):
    return World(calendar)


def guesses(count, *, right_at):
    """`count` wrong PINs, drawn as a guesser would, with the right one at `right_at`."""
    draw = random.Random(16)
    wrong = ("".join(draw.choice(ALPHABET) for _ in range(8)) for _ in range(count * 2))
    found = [g for g in wrong if g != PIN][:count]
    found[right_at] = PIN
    return found


def test_10000_guesses_from_one_address_get_429_long_before_success(world):
    answers = [world.lookup(CODE, guess) for guess in guesses(10_000, right_at=9_000)]
    statuses = [status for status, _ in answers]
    assert statuses[:10] == [404] * 10  # the limit's worth of wrong guesses …
    assert set(statuses[10:]) == {429}  # … then nothing, the right PIN (guess 9,001) included
    assert 200 not in statuses
    assert {after for _, after in answers[10:]} == {900}  # Retry-After: the window's end


def test_10000_guesses_from_50_addresses_get_429_long_before_success(world):
    addresses = [f"198.51.100.{n}" for n in range(1, 51)]
    answers = [
        world.lookup(CODE, guess, address=addresses[n % 50], now=WINDOW_START + n // 100)
        for n, guess in enumerate(guesses(10_000, right_at=5_000))
    ]
    statuses = [status for status, _ in answers]
    assert statuses.count(404) == LIMITS.failures_per_code and statuses.index(429) == 10
    assert 200 not in statuses


def test_a_guesser_at_a_steady_pace_gets_the_limits_worth_per_window_only(world):
    """One guess a second for 10,000 seconds (12 windows): the code's limit per window."""
    answers = [
        world.lookup(CODE, guess, now=WINDOW_START + n)
        for n, guess in enumerate(guesses(10_000, right_at=0))
        if n  # wrong guesses only: the right one at a window's start would simply succeed
    ]
    tried = sum(1 for status, _ in answers if status == 404)
    windows = 10_000 // LIMITS.window_seconds + 1
    # 120 of 10,000 were even compared: at 10 a quarter of an hour, finding one of 29^8 PINs
    # takes some 700,000 years on average.
    assert tried == LIMITS.failures_per_code * windows


def test_the_right_pin_works_again_when_the_window_ends(world):
    for guess in guesses(50, right_at=0)[1:]:
        world.lookup(CODE, guess)
    # Within the window the code is locked for everyone, the citizen too: said, with when.
    assert world.lookup(CODE, PIN, address="192.0.2.10", now=WINDOW_START + 600) == (429, 300)
    # At the window's end (Retry-After later) the right PIN opens it, from any address.
    assert world.lookup(CODE, PIN, address="192.0.2.10", now=WINDOW_START + 900) == (200, None)
    assert world.lookup(CODE, shown(PIN).lower(), now=WINDOW_START + 900) == (200, None)


def test_right_lookups_are_never_counted(world):
    for n in range(200):
        assert world.lookup(CODE, PIN, now=WINDOW_START + n) == (200, None)
    assert world.counter.seen == {}


def test_an_address_guessing_many_codes_is_stopped_for_every_code(world):
    codes = [f"000.00.32.H19-260105-{n:04d}" for n in range(100, 140)]
    statuses = [world.lookup(code, PIN)[0] for code in codes]
    assert statuses[: LIMITS.failures_per_address] == [404] * LIMITS.failures_per_address
    assert set(statuses[LIMITS.failures_per_address :]) == {429}
    assert world.lookup(CODE, PIN) == (429, 900)  # its own dossier too, from there
    assert world.lookup(CODE, PIN, address="192.0.2.10") == (200, None)  # elsewhere: fine


def test_an_unknown_code_is_counted_and_refused_like_a_known_one(world):
    for _ in range(LIMITS.failures_per_code):
        assert world.lookup(UNKNOWN, PIN, address="192.0.2.1")[0] == 404
        assert world.lookup(CODE, "22222222", address="192.0.2.2")[0] == 404
    assert world.lookup(UNKNOWN, PIN, address="192.0.2.3") == world.lookup(
        CODE, PIN, address="192.0.2.4"
    )


def test_the_counters_expire_after_the_next_window(world):
    world.lookup(CODE, "22222222", now=WINDOW_START + 10)
    window = WINDOW_START // 900
    assert world.counter.seen == {
        f"code#{CODE}#{window}": (1, WINDOW_START + 1800),
        f"ip#{ATTACKER}#{window}": (1, WINDOW_START + 1800),
    }


def test_the_phone_opens_only_a_dossier_opened_before_pins(world):
    assert world.lookup(OLD_CODE, phone_last4="5678")[0] == 200
    assert world.lookup(OLD_CODE, PIN)[0] == 404  # it has no PIN
    assert world.lookup(CODE, phone_last4="5678")[0] == 404  # a PIN dossier: the PIN only
    assert world.lookup(CODE, PIN, phone_last4="0000")[0] == 200
    assert world.lookup(NO_PHONE, PIN)[0] == 200  # no phone: the PIN opens it
    assert world.lookup(NO_PHONE, phone_last4="----")[0] == 404


def test_a_pin_of_another_form_is_refused_by_its_form_and_not_counted(world):
    for typed in ("0000-0000", "ABC", "<script>", "ABCDEFGHIJKLMNOPQ"):
        with pytest.raises(Invalid) as refused:
            world.lookup(CODE, typed)
        assert refused.value.errors[0].field == "pin"
    assert world.counter.seen == {}
