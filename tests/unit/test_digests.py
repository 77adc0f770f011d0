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


def test_each_official_gets_their_own_part_and_the_mailbox_the_whole(deps):
    from dataclasses import replace

    from chalicelib.adapters.officials_directory import MemoryOfficials
    from chalicelib.domain.dossier import OfficialRef
    from chalicelib.domain.officials import Official
    from chalicelib.services.outbox import Notices

    hung = Official(id="hung", name="Lê Văn Hùng", agency=WARD, unit="VAN_PHONG",
                    role="specialist", email="hung@phuong.example.vn")  # fmt: skip
    lan = Official(id="lan", name="Phan Thị Lan", agency=WARD, unit="VAN_PHONG",
                   role="specialist")  # no address: only the mailbox lists hers  # fmt: skip
    deps = replace(deps, notices=Notices(deps.agencies, officials=MemoryOfficials([hung, lan])))
    receive(deps, "A", at(2026, 3, 2, 9), 5)  # overdue on 10/3, Hùng's
    receive(deps, "B", at(2026, 3, 9, 10), 1)  # due today, Lan's
    receive(deps, "C", at(2026, 3, 10, 7), 2)  # due soon, nobody's yet
    for code, who in (("A", hung), ("B", lan)):
        held = deps.store.get(code).model_copy(
            update={"handled_by": OfficialRef(id=who.id, name=who.name)}
        )
        deps.store.dossiers[code] = held
    [digest] = digests.run(at(2026, 3, 10, 7, 30), deps)
    shared, own = deps.store.outbox[-2:]
    assert shared.key == f"digest:{WARD}:2026-03-10" and set(digest.recipients) == set(
        shared.emails)  # fmt: skip
    assert all(code in shared.text_vi for code in "ABC")
    assert own.key == f"digest:{WARD}:2026-03-10:hung" and own.emails == (hung.email,)
    assert "  A (hẹn 09:00 09/03/2026)" in own.text_vi and "  B " not in own.text_vi
    assert own.text_vi.startswith("Báo cáo ngày 10/03/2026 (hồ sơ ông/bà đang xử lý): 1 hồ sơ")
    assert own.subject == "[motcua] Báo cáo hồ sơ của ông/bà ngày 10/03/2026"
    assert len([j for j in deps.store.outbox if j.kind == "digest"]) == 2
