"""The replay harness (`bench/replay.py`) over the in-memory adapters: one of each life of the
day's mix through the real routes and workers ends as expected, and a life that did not end as
expected is reported (the bench's mismatch count can fail)."""

from datetime import datetime, timedelta

from bench import replay


def test_every_life_of_the_mix_ends_as_expected_and_a_wrong_end_is_reported():
    submitted = datetime.now().astimezone() - timedelta(hours=2)
    lives = [replay.make_life(n, "test", submitted) for n in range(len(replay.KINDS))]
    assert {life.kind for life in lives} == set(replay.MIX)
    with replay.memory_system() as (routes, pump, store):
        replay.drive(lives, routes, pump, store)
        assert replay.mismatches(lives, store) == []
        assert pump.given_back == 0
        lives[0].final_status = 3 if lives[0].final_status != 3 else 10
        wrong = replay.mismatches(lives, store)
    assert len(wrong) == 1 and lives[0].code in wrong[0]
