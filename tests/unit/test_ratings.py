"""Ratings (issue 19): what is asked, one rating per dossier, replaced within the period,
refused after it; the QĐ 766 5.4 counters move with it and the rebuild agrees."""

from datetime import timedelta

import pytest

from chalicelib.adapters.memory_store import MemoryStore
from chalicelib.domain import indicators, ratings
from chalicelib.domain.dossier import Action, change_entry
from chalicelib.domain.ratings import RatingAnswer, RatingReason, RatingSource
from chalicelib.domain.statuses import DossierStatus
from chalicelib.ports.records import Change
from chalicelib.services import ratings as rating_service
from chalicelib.services.errors import Conflict, Invalid, NotFound
from chalicelib.services.rating_links import RatingLinks
from tests.unit.builders import RECEIVER, at, land_procedure, stored_dossier

PROCEDURE = land_procedure()
CODE = "000.00.32.H19-260302-0001"
RETURNED = at(2026, 3, 20, 10)
KEY = b"k" * 32


def returned_store(calendar) -> MemoryStore:
    store = stored_dossier(MemoryStore(), PROCEDURE, calendar, at(2026, 3, 2, 9), code=CODE)
    before = store.get(CODE)
    after = before.model_copy(update={"status": DossierStatus.RETURNED,
                                      "ended_at": at(2026, 3, 19, 9),
                                      "version": before.version + 1,
                                      "revision": before.revision + 1})  # fmt: skip
    entry = change_entry(before, after, Action.RETURN_RESULT, RECEIVER, RETURNED, "")
    store.apply(Change(after, entry, command_id="return", expected_revision=before.revision))
    return store


@pytest.fixture
def deps(calendar):
    return rating_service.RatingDeps(
        store=returned_store(calendar), calendar=calendar, links=RatingLinks(KEY), days=30
    )


def answer(satisfied, *reasons, when=RETURNED + timedelta(hours=2), comment=""):
    return RatingAnswer(satisfied, reasons, comment, RatingSource.LINK, when)


def rate(deps, given, command="c1"):
    return rating_service.record(CODE, given, actor=rating_service.link_actor(CODE),
                                 command_id=command, deps=deps)  # fmt: skip


def stats(deps):
    rows = deps.store.stats("000.00.32.H19", "2026-03")
    return indicators.Counters.from_mapping(rows[PROCEDURE.code])


def test_the_questions_are_satisfied_or_not_and_the_five_sipas_reasons(deps):
    asked = rating_service.page(CODE, deps)
    assert set(asked["questions"]) == {"satisfied", "reasons", "comment"}
    assert [r["code"] for r in asked["reasons"]] == [
        "access", "procedure", "official", "result", "feedback_handling"]  # fmt: skip
    assert asked["current"] is None
    assert asked["open_until"] == (RETURNED + timedelta(days=30)).isoformat()


def test_a_rating_is_recorded_then_replaced_within_the_period_counted_once(deps):
    first = rate(deps, answer(False, RatingReason.OFFICIAL), "c1")
    assert first["satisfied"] is False and first["replaced"] is False
    assert (stats(deps).rated, stats(deps).unsatisfied) == (1, 1)
    second = rate(deps, answer(True, when=RETURNED + timedelta(days=3)), "c2")
    assert second["replaced"] is True and second["satisfied"] is True
    assert (stats(deps).rated, stats(deps).unsatisfied) == (1, 0)
    history = [e for e in deps.store.load(CODE).history if e.action is Action.RATED]
    assert [e.satisfied for e in history] == [False, True]
    assert "Công chức trực tiếp giải quyết" in history[0].note


def test_the_same_command_applies_once(deps):
    rate(deps, answer(False, RatingReason.RESULT), "same")
    again = rate(deps, answer(False, RatingReason.RESULT, when=RETURNED + timedelta(hours=3)),
                 "same")  # fmt: skip
    assert again["kept_newer"] is True
    assert stats(deps).rated == 1


def test_after_the_period_the_rating_is_refused_with_a_clear_error(deps):
    late = answer(True, when=RETURNED + timedelta(days=30, seconds=1))
    with pytest.raises(Conflict) as refused:
        rate(deps, late)
    issue = refused.value.errors[0]
    assert issue.field == "rated_at" and "Đã hết thời hạn đánh giá" in issue.message
    assert "20/03/2026" in issue.message
    assert deps.store.stats("000.00.32.H19", "2026-03") == {}  # nothing counted
    assert deps.store.get(CODE).rated_at is None


def test_an_open_dossier_cannot_be_rated(calendar):
    store = stored_dossier(MemoryStore(), PROCEDURE, calendar, at(2026, 3, 2, 9), code=CODE)
    deps = rating_service.RatingDeps(store=store, calendar=calendar, links=RatingLinks(KEY),
                                     days=30)  # fmt: skip
    with pytest.raises(Conflict) as refused:
        rate(deps, answer(True))
    assert refused.value.errors[0].field == "code"


def test_reasons_go_with_not_satisfied_only_and_at_least_one(deps):
    with pytest.raises(Invalid) as no_reason:
        rate(deps, answer(False))
    assert no_reason.value.errors[0].field == "reasons"
    with pytest.raises(Invalid):
        rate(deps, answer(True, RatingReason.ACCESS))
    assert deps.store.get(CODE).rated_at is None


def test_an_older_copy_does_not_replace_a_newer_rating(deps):
    rate(deps, answer(True, when=RETURNED + timedelta(days=2)), "new")
    kept = rate(deps, answer(False, RatingReason.ACCESS, when=RETURNED + timedelta(days=1)), "old")
    assert kept["kept_newer"] is True and deps.store.get(CODE).satisfied is True


def test_links_open_only_their_own_dossier_and_forged_ones_are_404(deps):
    token = deps.links.token(CODE)
    assert len(deps.links.url(CODE)) < 70 and deps.links.open(token) == CODE
    assert rating_service.open_token(token, deps.links, None) == CODE
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    other = RatingLinks(b"x" * 32).token(CODE)
    for bad in (forged, other, "<script>", CODE, token + "x" * 100):
        with pytest.raises(NotFound) as missing:
            rating_service.open_token(bad, deps.links, None)
        assert missing.value.errors[0].field == "token"


def test_the_rebuild_counts_ratings_as_the_live_counters_do(deps, calendar):
    rate(deps, answer(False, RatingReason.PROCEDURE), "a")
    rate(deps, answer(True, when=RETURNED + timedelta(days=1)), "b")
    rate(deps, answer(False, RatingReason.RESULT, when=RETURNED + timedelta(days=2)), "c")
    record = deps.store.load(CODE)
    life = indicators.DossierLife(record.dossier, tuple(record.history))
    rebuilt = indicators.rebuild([life], calendar=calendar)
    live = {k: indicators.Counters.from_mapping(v)
            for k, v in deps.store.stats("000.00.32.H19", "2026-03").items()}  # fmt: skip
    # (the builder's opening and return wrote no counters: only the ratings' are compared)
    again = rebuilt[("000.00.32.H19", "2026-03", PROCEDURE.code)]
    assert (again.rated, again.unsatisfied) == (1, 1)
    assert (live[PROCEDURE.code].rated, live[PROCEDURE.code].unsatisfied) == (1, 1)


def test_domain_rate_refuses_outside_the_window_before_the_return(deps):
    dossier = deps.store.get(CODE)
    early = answer(True, when=RETURNED - timedelta(minutes=1))
    with pytest.raises(ratings.RatingClosed):
        ratings.rate(dossier, early, returned=RETURNED, days=30,
                     actor=rating_service.link_actor(CODE))  # fmt: skip


def test_the_page_opened_again_has_the_latest_answers_reasons_a_satisfied_one_clears_them(deps):
    rate(deps, answer(False, RatingReason.RESULT, RatingReason.OFFICIAL, comment="Chờ lâu"), "c1")
    current = rating_service.page(CODE, deps)["current"]
    assert current["satisfied"] is False
    assert current["reasons"] == ["official", "result"]  # in SIPAS order, the comment not kept
    assert deps.store.get(CODE).rating_reasons == ("official", "result")
    rate(deps, answer(True, when=RETURNED + timedelta(days=1)), "c2")
    assert rating_service.page(CODE, deps)["current"]["reasons"] == []
    assert (stats(deps).rated, stats(deps).unsatisfied) == (1, 0)  # counting as before


def test_a_dossier_rated_before_reasons_were_kept_opens_with_none(deps):
    rate(deps, answer(False, RatingReason.ACCESS), "c1")
    stored = deps.store.get(CODE)
    item = stored.model_dump(mode="json", exclude_defaults=True)
    del item["rating_reasons"]  # what the state item of an older rating holds
    older = type(stored).model_validate(item)
    assert older.rating_reasons == () and older.satisfied is False
    assert ratings.questions(older, RETURNED, 30)["current"]["reasons"] == []
    satisfied = older.model_copy(update={"satisfied": True, "rating_reasons": ()})
    assert "rating_reasons" not in satisfied.model_dump(exclude_defaults=True)  # kept small
