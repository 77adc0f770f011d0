"""The comparison of a dossier as we would push it with what the national portal holds: which
fields differ (ours, the portal's), which of our steps it lacks, and whether the portal shows
it overdue when we do not."""

from chalicelib.domain import portal_diff
from chalicelib.domain.portal_diff import Difference
from tests.unit.builders import at

CODE = "000.00.32.H19-260302-0001"
NOW = at(2026, 3, 20, 9)
OURS = {
    "MaHoSo": CODE,
    "TrangThaiHoSo": "4",
    "NgayTiepNhan": "20260302090000",
    "NgayHenTra": "20260330170000",
    "NgayTra": "",
    "NgayKetThucXuLy": "",
    "NgayTuChoi": "",
    "NgayNopHoSo": "",
    "TenTTHC": "Đăng ký biến động",
}
STEPS = [
    {"MaHoSo": CODE, "ThoiDiemXuLy": "20260302090000", "TrangThai": "2",
     "NoiDungXuLy": "Tiếp nhận hồ sơ", "NgayKetThucTheoQuyDinh": ""},
    {"MaHoSo": CODE, "ThoiDiemXuLy": "20260303100000", "TrangThai": "4",
     "NoiDungXuLy": "Thụ lý hồ sơ", "NgayKetThucTheoQuyDinh": "20260330170000"},
]  # fmt: skip


def held(steps=STEPS, **fields):
    return {**OURS, **fields, "QuaTrinhXuLy": [dict(s) for s in steps]}


def test_the_same_dossier_and_steps_differ_in_nothing():
    found = portal_diff.compare(OURS, STEPS, held(), NOW)
    assert not found.differs and found.differences() == []


def test_each_differing_field_is_named_with_ours_and_the_portals():
    found = portal_diff.compare(
        OURS, STEPS, held(TrangThaiHoSo="2", NgayHenTra="20260325170000"), NOW
    )
    assert found.differences() == [
        Difference("TrangThaiHoSo", "4", "2"),
        Difference("NgayHenTra", "20260330170000", "20260325170000"),
    ]
    assert found.snapshot_differs and found.missing_steps == []


def test_fields_not_compared_do_not_count():
    assert not portal_diff.compare(OURS, STEPS, held(TenTTHC="Tên khác"), NOW).differs


def test_a_field_the_answer_lacks_differs():
    answer = held()
    del answer["NgayTra"]
    [missing] = portal_diff.compare(OURS, STEPS, answer, NOW).differences()
    assert missing == Difference("NgayTra", "", None)


def test_dates_the_portal_writes_the_other_way_are_the_same_dates():
    answer = held(
        NgayHenTra="30/03/2026 17:00:00",
        steps=[STEPS[0], {**STEPS[1], "ThoiDiemXuLy": "03/03/2026 10:00:00"}],
    )
    assert not portal_diff.compare(OURS, STEPS, answer, NOW).differs


def test_each_step_the_portal_lacks_is_reported_and_its_extra_ones_are_not():
    extra = {**STEPS[0], "NoiDungXuLy": "Bước cũ"}
    found = portal_diff.compare(OURS, STEPS, held(steps=[STEPS[0], extra]), NOW)
    assert found.missing_steps == [STEPS[1]] and not found.snapshot_differs
    assert found.differences() == [
        Difference(
            "QuaTrinhXuLy",
            {"ThoiDiemXuLy": "20260303100000", "TrangThai": "4", "NoiDungXuLy": "Thụ lý hồ sơ"},
            None,
        )
    ]


def test_a_dossier_the_portal_does_not_hold_lacks_everything():
    found = portal_diff.compare(OURS, STEPS, None, NOW)
    assert found.fields == [Difference("MaHoSo", CODE, None)]
    assert found.missing_steps == STEPS


def test_the_portal_showing_overdue_what_we_do_not_is_named():
    earlier = portal_diff.compare(OURS, STEPS, held(NgayHenTra="20260319170000"), NOW)
    assert earlier.overdue_at_portal_only
    assert Difference("overdue_at_portal_only", False, True) in earlier.differences()
    # Ended here (returned), still open there with the appointment passed.
    ended = {**OURS, "TrangThaiHoSo": "10", "NgayHenTra": "20260319170000"}
    open_there = portal_diff.compare(ended, STEPS, held(NgayHenTra="20260319170000"), NOW)
    assert open_there.overdue_at_portal_only
    assert open_there.differences()[0] == Difference("TrangThaiHoSo", "10", "4")


def test_overdue_on_both_sides_or_nowhere_is_not_named():
    late = {**OURS, "NgayHenTra": "20260319170000"}
    both = portal_diff.compare(late, STEPS, held(NgayHenTra="20260318170000"), NOW)
    assert both.differs and not both.overdue_at_portal_only
    ended_there = portal_diff.compare(
        late, STEPS, held(TrangThaiHoSo="9", NgayHenTra="20260319170000"), NOW
    )
    assert not ended_there.overdue_at_portal_only
    assert not portal_diff.compare(OURS, STEPS, None, NOW).overdue_at_portal_only
