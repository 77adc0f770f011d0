"""The daily digest: three lists per agency, on working days, once a day."""

import pytest

from chalicelib.adapters.catalog_files import load_agencies
from chalicelib.adapters.memory_store import MemoryStore
from chalicelib.domain.dossier import Location
from chalicelib.domain.state_machine import open_dossier
from chalicelib.domain.statuses import Channel
from chalicelib.ports.records import Opening, Receipt
from chalicelib.services import digests
from tests.unit.builders import RECEIVER, at, land_procedure, new_dossier

WARD = "000.00.41.H19"


@pytest.fixture
def deps(calendar):
    return digests.DigestDeps(store=MemoryStore(), agencies=load_agencies(), calendar=calendar)


def receive(deps, code, when, days):
    step = {"name": "Xử lý", "role": "specialist", "unit": "VAN_PHONG",
            "duration": {"amount": 1, "unit": "working_hours"}}  # fmt: skip
    procedure = land_procedure(time_limit={"amount": days, "unit": "working_days"},
                               resolving_agency=WARD, steps=[step])  # fmt: skip
    applicant = new_dossier(land_procedure(), deps.calendar, when).dossier.applicant
    opened = open_dossier(code=code, procedure=procedure, channel=Channel.ONLINE,
                          applicant=applicant, resolving_agency=WARD,
                          received_by=Location(agency=WARD, unit="MOT_CUA"), actor=RECEIVER,
                          at=when, calendar=deps.calendar, received=True)  # fmt: skip
    receipt = Receipt(receipt_id=code, client_id="p", external_id=code, status="accepted",
                      updated_at=when)  # fmt: skip
    deps.store.create(Opening(opened.dossier, opened.entry, intake_key=code, receipt=receipt))


def test_the_digest_sorts_dossiers_into_overdue_today_and_soon(deps):
    receive(deps, "A", at(2026, 3, 2, 9), 5)  # due Mon 9/3 09:00: overdue on Tue 10/3
    receive(deps, "B", at(2026, 3, 9, 10), 1)  # due Tue 10/3 10:00: today
    receive(deps, "C", at(2026, 3, 10, 7), 2)  # due Wed 11/3 17:00: soon
    receive(deps, "D", at(2026, 3, 10, 7), 10)  # far away: not listed
    [digest] = digests.run(at(2026, 3, 10, 7, 30), deps)
    assert digest.agency == WARD and "vanphong.tranbien@dongnai.gov.vn" in digest.recipients
    assert [line.code for line in digest.overdue] == ["A"]
    assert [line.code for line in digest.due_today] == ["B"]
    assert [line.code for line in digest.due_soon] == ["C"]
    assert "1 hồ sơ quá hạn" in digest.text_vi()
    assert digests.run(at(2026, 3, 10, 7, 35), deps) == []  # once a day


def test_no_digest_on_a_day_off_but_one_on_a_make_up_saturday(deps):
    receive(deps, "A", at(2026, 1, 5, 9), 1)  # overdue from Tuesday 6/1
    assert digests.run(at(2026, 2, 17, 7, 30), deps) == []  # Tết
    assert digests.run(at(2026, 3, 7, 7, 30), deps) == []  # an ordinary Saturday
    assert [d.agency for d in digests.run(at(2026, 1, 10, 7, 30), deps)] == [WARD]  # make-up


def test_agencies_with_nothing_due_get_no_digest(deps):
    assert digests.run(at(2026, 3, 10, 7, 30), deps) == []
