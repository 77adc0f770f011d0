"""A day off announced late: open dossiers' dates are counted again, with the reason."""

import pytest

from chalicelib.adapters.catalog_files import load_agencies
from chalicelib.adapters.memory_store import MemoryStore
from chalicelib.domain.calendar import CalendarTable
from chalicelib.domain.dossier import Action, Applicant, Command, Location
from chalicelib.domain.procedures import Catalog
from chalicelib.domain.state_machine import apply, open_dossier
from chalicelib.domain.statuses import Channel, Role
from chalicelib.ports.records import Change, Opening, Receipt
from chalicelib.services import recalendar
from tests.unit.builders import at, land_procedure, official

WARD = "000.00.41.H19"
PROCEDURE = land_procedure(
    resolving_agency=WARD,
    steps=[{"name": "Thẩm định", "role": "specialist", "unit": "VAN_PHONG",
            "duration": {"amount": 8, "unit": "working_days"}}],
)  # fmt: skip
SPECIALIST = official(Role.SPECIALIST, "VAN_PHONG", WARD)
DESK = official(Role.RECEIVER, "MOT_CUA", WARD)
WARD_LEADER = official(Role.LEADER, "LANH_DAO", WARD)


def setup(calendar, codes=("X",)):
    store = MemoryStore()
    for code in codes:
        opened = open_dossier(code=code, procedure=PROCEDURE, channel=Channel.ONLINE,
                              applicant=Applicant(name="Nguyễn Văn B"), resolving_agency=WARD,
                              received_by=Location(agency=WARD, unit="MOT_CUA"), actor=DESK,
                              at=at(2026, 11, 16, 9), calendar=calendar, received=True)  # fmt: skip
        receipt = Receipt(receipt_id=code, client_id="p", external_id=code, status="accepted",
                          updated_at=at(2026, 11, 16, 9))  # fmt: skip
        store.create(Opening(opened.dossier, opened.entry, intake_key=code, receipt=receipt))
    return store


def deps(store, calendar):
    return recalendar.RecalendarDeps(store=store, catalog=Catalog([PROCEDURE]),
                                     agencies=load_agencies(), calendar=calendar)  # fmt: skip


def test_nothing_changes_when_the_calendar_does_not(calendar):
    store = setup(calendar)
    report = recalendar.run("Không đổi", at(2026, 11, 17), deps(store, calendar))
    assert report.examined == 1 and report.changed == []


def test_a_new_day_off_moves_the_dates_and_says_why(calendar):
    store = setup(calendar, codes=("X", "Y"))
    assert store.get("X").due_at == at(2026, 11, 30, 9)
    new = CalendarTable(culture_day_off=True).build()
    new.extra_days_off = calendar.extra_days_off
    new.extra_working_days = calendar.extra_working_days
    reason = "Quyết định nghỉ Ngày Văn hóa Việt Nam 24/11"
    report = recalendar.run(reason, at(2026, 11, 20, 8), deps(store, new))
    assert sorted(report.changed) == ["X", "Y"]
    moved = store.load("X")
    assert moved.dossier.due_at == at(2026, 12, 1, 9) and moved.dossier.version == 2
    assert moved.history[-1].action is Action.RECOMPUTE_DUE and reason in moved.history[-1].note
    again = recalendar.run(reason, at(2026, 11, 20, 9), deps(store, new))
    assert again.changed == [] and len(store.load("X").history) == 2


def test_a_date_promised_with_an_apology_is_kept(calendar):
    store = setup(calendar)
    dossier = store.get("X")
    t = apply(dossier, Command(action=Action.TAKE_UP), SPECIALIST, PROCEDURE, calendar,
              at(2026, 11, 16, 10))  # fmt: skip
    store.apply(Change(t.dossier, t.entry, expected_revision=dossier.revision, command_id="t"))
    promised = at(2026, 12, 4, 17)
    e = apply(t.dossier, Command(action=Action.EXTEND_WITH_APOLOGY, note="Xin lỗi",
                                 new_due_at=promised), WARD_LEADER, PROCEDURE, calendar,
              at(2026, 11, 17, 10))  # fmt: skip
    store.apply(Change(e.dossier, e.entry, expected_revision=t.dossier.revision, command_id="e"))
    new = CalendarTable(culture_day_off=True).build()
    report = recalendar.run("Nghỉ 24/11", at(2026, 11, 20, 8), deps(store, new))
    after = store.get("X")
    assert report.changed == ["X"] and after.due_at == promised
    assert "giữ nguyên" in store.load("X").history[-1].note


def test_dry_run_changes_nothing(calendar):
    store = setup(calendar)
    new = CalendarTable(culture_day_off=True).build()
    report = recalendar.run("Thử", at(2026, 11, 20, 8), deps(store, new), dry_run=True)
    assert len(report.changed) == 1 and store.get("X").version == 1


@pytest.mark.parametrize("code", ["X"])
def test_closed_dossiers_are_left_alone(calendar, code):
    store = setup(calendar)
    dossier = store.get(code)
    w = apply(dossier, Command(action=Action.WITHDRAW, note="Rút"), DESK, PROCEDURE, calendar,
              at(2026, 11, 16, 10))  # fmt: skip
    store.apply(Change(w.dossier, w.entry, expected_revision=dossier.revision, command_id="w"))
    new = CalendarTable(culture_day_off=True).build()
    assert recalendar.run("Nghỉ", at(2026, 11, 20), deps(store, new)).examined == 0
