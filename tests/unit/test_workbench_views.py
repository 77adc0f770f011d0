"""The workbench's views, without a browser: the worklist's filters, flags and pages; an action
form read into the API's body; a refused command told in Vietnamese; the apology the timer
drafted, for the leader who may send it; Mẫu 06 as the control slip says it."""

from __future__ import annotations

from datetime import timedelta

from chalicelib.domain import alarms
from chalicelib.domain.dossier import Action, Command
from chalicelib.domain.state_machine import RULES, apply
from chalicelib.ports.records import DossierRecord
from chalicelib.web import action_form, worklist
from chalicelib.web.dossier_page import action_views, dossier_page, prepared_apology
from tests.unit.builders import (
    LEADER,
    SPECIALIST,
    at,
    land_procedure,
    new_dossier,
)

PROCEDURE = land_procedure()
NOW = at(2026, 1, 7, 10)  # a Wednesday


def _item(code: str, due, procedure: str = "1.000001", step_due=None) -> dict:
    return {"code": code, "procedure_code": procedure, "due_at": due.isoformat() if due else None,
            "step_due_at": step_due.isoformat() if step_due else None}  # fmt: skip


def test_rows_are_flagged_overdue_and_due_soon_by_working_time(calendar):
    late = worklist.flagged(_item("a", at(2026, 1, 7, 9)), NOW, calendar)
    assert late["overdue"] and not late["due_soon"]
    soon = worklist.flagged(_item("b", at(2026, 1, 8, 9)), NOW, calendar)
    assert soon["due_soon"] and not soon["overdue"]
    later = worklist.flagged(_item("c", at(2026, 1, 12, 9), step_due=at(2026, 1, 6, 9)), NOW,
                             calendar)  # fmt: skip
    assert not later["due_soon"] and not later["overdue"] and later["step_overdue"]
    # Friday 17:00 to Monday 8:00 is no working time: due Monday morning is due soon.
    friday = worklist.flagged(_item("d", at(2026, 1, 19, 8)), at(2026, 1, 16, 16), calendar)
    assert friday["due_soon"]


def test_the_filters_are_read_from_the_query_and_a_wrong_one_told_beside_its_field():
    filters, errors = worklist.parse_filters(
        {"trang_thai": "4", "thu_tuc": "1.000001", "qua_han": "1", "con_tro": "abc"}, ["1.000001"]
    )
    assert filters == worklist.Filters(4, "1.000001", True, "abc") and errors == {}
    assert filters.query("next") == "?trang_thai=4&thu_tuc=1.000001&qua_han=1&con_tro=next"
    mine, _ = worklist.parse_filters({"bo_phan": "1"}, [], unit="LANH_DAO")
    assert mine.unit == "LANH_DAO" and mine.query() == "?bo_phan=1"
    _, errors = worklist.parse_filters({"trang_thai": "10", "thu_tuc": "9.9"}, ["1.000001"])
    assert errors == {"trang_thai": worklist.STATUS_WRONG, "thu_tuc": worklist.PROCEDURE_WRONG}


def test_a_filtered_page_reads_on_and_hands_on_the_last_reads_cursor(calendar):
    lists = {
        None: ([_item("a", at(2026, 1, 6, 9)), _item("b", at(2026, 1, 9, 9))], "c1"),
        "c1": ([_item("c", at(2026, 1, 9, 9))], "c2"),
        "c2": ([_item("d", at(2026, 1, 7, 8))], None),
    }
    asked = []

    def read(status, limit, cursor):
        asked.append((status, limit, cursor))
        return lists[cursor]

    page = worklist.page_of(read, worklist.Filters(status=4, overdue_only=True), now=NOW,
                            calendar=calendar, limit=2)  # fmt: skip
    assert [row["code"] for row in page.rows] == ["a", "d"]
    assert page.next_cursor is None
    assert asked == [(4, 2, None), (4, 1, "c1"), (4, 1, "c2")]  # only what the page lacks
    held = lists[None][0][1]
    held["holder"] = {"agency": "X", "unit": "LANH_DAO"}
    mine = worklist.page_of(read, worklist.Filters(unit="LANH_DAO"), now=NOW, calendar=calendar,
                            limit=5)  # fmt: skip
    assert [row["code"] for row in mine.rows] == ["b"]
    unfiltered = worklist.page_of(read, worklist.Filters(), now=NOW, calendar=calendar, limit=2)
    assert [row["code"] for row in unfiltered.rows] == ["a", "b"]
    assert unfiltered.next_cursor == "c1"  # the next page starts after the last shown


def test_a_posted_form_becomes_the_apis_body():
    posted = action_form.read_posted(
        {"thao_tac": "extend_with_apology", "phien_ban": "3", "ghi_chu": "Chờ ý kiến",
         "han_moi": "2026-01-20T09:00", "co_quan": "ignored", "khoa": "k" * 20},
        list(RULES),
    )  # fmt: skip
    assert posted.errors == {}
    assert posted.body == {
        "action": "extend_with_apology",
        "expected_version": 3,
        "note": "Chờ ý kiến",
        "new_due_at": "2026-01-20T09:00:00+07:00",
    }
    missing = action_form.read_posted({"thao_tac": "stop", "phien_ban": "3"}, list(RULES))
    assert missing.errors == {"ghi_chu": action_form.NOTE_NEEDED}
    unknown = action_form.read_posted({"thao_tac": "recompute_due"}, list(RULES))
    assert unknown.action is None and unknown.errors == {"thao_tac": action_form.NOT_OFFERED}


def test_the_same_form_posted_twice_is_one_command():
    once = action_form.command_id("lan", "X-1", "k" * 20)
    assert once == action_form.command_id("lan", "X-1", "k" * 20)
    assert once != action_form.command_id("hung", "X-1", "k" * 20)
    assert action_form.command_id("lan", "X-1", "") != action_form.command_id("lan", "X-1", "")


def test_a_refused_command_is_told_in_vietnamese():
    stale = action_form.refusal_text({"kind": "stale_version", "expected_version": 4})
    assert stale.startswith("Hồ sơ đã thay đổi") and "phiên bản 4" in stale
    assert "bộ phận đang giữ" in action_form.refusal_text({"kind": "not_permitted",
                                                           "field": "agency"})  # fmt: skip
    assert action_form.refusal_text({"kind": "invalid_input", "field": "new_due_at"}).startswith(
        "Ngày hẹn trả mới"
    )
    assert action_form.refusal_text({"kind": "failed"}).startswith("Hệ thống chưa thực hiện")


def _examining(calendar):
    received = new_dossier(PROCEDURE, calendar, at(2026, 1, 5, 9))
    taken = apply(received.dossier, Command(action=Action.TAKE_UP), SPECIALIST, PROCEDURE,
                  calendar, at(2026, 1, 5, 10))  # fmt: skip
    return DossierRecord(taken.dossier, [received.entry, taken.entry], [])


def _fired(record, calendar, now):
    d = record.dossier
    return [
        alarms._describe(alarm, d, PROCEDURE, calendar, now)
        for alarm in alarms.thresholds(d, PROCEDURE, calendar, alarms.DEFAULT_POLICY)
        if alarm.at <= now
    ]


def test_the_timers_apology_is_drafted_for_the_present_appointment(calendar):
    record = _examining(calendar)
    d = record.dossier
    assert d.due_at is not None
    fired = _fired(record, calendar, d.due_at + timedelta(hours=1))
    apology = prepared_apology(d, fired)
    assert apology is not None and apology.old_due_at == d.due_at
    assert apology.new_due_at > d.due_at
    # Sent once: the next appointment's keys end otherwise, the draft is gone.
    assert prepared_apology(d.model_copy(update={"apologies": 1}), fired) is None
    # The leader's form is filled with it; a posted form keeps what was typed instead.
    form = action_views([Action.EXTEND_WITH_APOLOGY], apology)[0]
    assert form.values[action_form.NOTE] == apology.reason
    assert form.values[action_form.NEW_DUE].startswith(f"{apology.new_due_at:%Y-%m-%d}")


def test_the_dossier_page_shows_mau_06_and_offers_what_the_rules_allow(calendar):
    from chalicelib.domain.agencies import AgencyRegistry
    from chalicelib.domain.procedures import Catalog
    from chalicelib.services.reading import dossier_view

    record = _examining(calendar)
    fired = _fired(record, calendar, record.dossier.due_at + timedelta(hours=1))
    record = DossierRecord(record.dossier, record.history, [], alarms=fired)

    view = dossier_view(record, Catalog([PROCEDURE]))
    files: dict = {"items": []}
    now = at(2026, 1, 6, 9)
    leader = dossier_page(view, record, PROCEDURE, actor=LEADER, files=files,
                          agencies=AgencyRegistry([]), calendar=calendar, now=now)  # fmt: skip
    assert leader.apology is not None  # the leader may send it
    assert "extend_with_apology" in [a.action for a in leader.actions]
    assert leader.control_slip is not None
    assert [row[1].split("\n")[0] for row in leader.control_slip.rows] == [
        "Tiếp nhận",
        "Thẩm định",
    ]  # the receipt's handover, then the step under way (the control slip's own rows)
    assert ("01", "Mẫu 01: Giấy tiếp nhận hồ sơ và hẹn trả kết quả") in leader.forms
    assert all(number != "03" for number, _ in leader.forms)  # never refused
    specialist = dossier_page(view, record, PROCEDURE, actor=SPECIALIST, files=files,
                              agencies=AgencyRegistry([]), calendar=calendar, now=now)  # fmt: skip
    assert specialist.apology is None  # not theirs to send
    assert [a.action for a in specialist.actions] == ["forward", "transfer", "request_supplement",
                                                      "request_fees"]  # fmt: skip
