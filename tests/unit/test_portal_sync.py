"""The national portal sync against in-memory fakes: the portal ends with the latest status and
every step once, whatever fails, repeats or arrives late (reconciliation:
test_portal_reconcile.py)."""

import dataclasses
import json
import random

import pytest

from chalicelib.adapters import table_stream
from chalicelib.adapters.http_client import HttpAnswer
from chalicelib.adapters.memory_store import MemoryStore
from chalicelib.adapters.national_portal import (
    HttpNationalPortal,
    MemoryNationalPortal,
    PortalConfig,
    PortalRejected,
    PortalUnavailable,
)
from chalicelib.adapters.portal_sync_log import MemoryPortalSyncLog
from chalicelib.domain import portal_records
from chalicelib.domain.agencies import Agency, AgencyRegistry
from chalicelib.domain.dossier import Action, Command
from chalicelib.domain.procedures import Catalog
from chalicelib.domain.statuses import DossierStatus as S
from chalicelib.services import portal_sync
from chalicelib.services.envelopes import TransitionEnvelope
from chalicelib.services.failures import PermanentFailure
from chalicelib.services.transitions import TransitionDeps, apply_envelope
from tests.unit.builders import (
    HOME,
    LEADER,
    RECEIVER,
    SPECIALIST,
    TAX_SYSTEM,
    at,
    land_procedure,
    stored_dossier,
)

PROCEDURE = land_procedure(
    resolving_agency=HOME,
    fees=[{"name": "Lệ phí đăng ký biến động", "amount_vnd": 25000}],
)
CODE = "000.00.32.H19-260302-0001"
AGENCIES = AgencyRegistry(
    [
        Agency.model_validate(
            {
                "code": HOME,
                "name": "Văn phòng Đăng ký đất đai",
                "level": "province",
                "units": [
                    {"code": "MOT_CUA", "name": "Bộ phận Một cửa"},
                    {"code": "PHONG_DD", "name": "Phòng Đăng ký"},
                    {"code": "LANH_DAO", "name": "Lãnh đạo"},
                ],
            }
        )
    ]
)


@pytest.fixture
def world(calendar):
    store = stored_dossier(MemoryStore(), PROCEDURE, calendar, at(2026, 3, 2, 9), code=CODE)
    portal = MemoryNationalPortal()
    deps = portal_sync.PortalSyncDeps(
        store=store,
        log=MemoryPortalSyncLog(store),
        portal=portal,
        catalog=Catalog([PROCEDURE]),
        agencies=AGENCIES,
    )
    moves = TransitionDeps(
        store=store, catalog=Catalog([PROCEDURE]), calendar=calendar, agencies=AGENCIES
    )
    return deps, moves, portal


def act(moves, n, action, actor, version, hour, **fields):
    envelope = TransitionEnvelope(
        command_id=f"c{n}",
        code=CODE,
        command=Command(action=action, **fields),
        actor=actor,
        expected_version=version,
        requested_at=at(2026, 3, 2, hour),
    )
    apply_envelope(envelope, moves)


def test_a_new_dossier_reaches_the_portal_with_its_first_step(world):
    deps, _, portal = world
    assert portal_sync.sync(CODE, deps, at(2026, 3, 2, 9)) is portal_sync.SyncResult.PUSHED
    item = portal.dossiers[CODE]
    assert item["TrangThaiHoSo"] == "2" and item["MaTTHC"] == PROCEDURE.code
    assert item["NgayTiepNhan"] == "20260302090000"
    assert item["NgayHenTra"].startswith("202603")  # 10 working days later
    assert item["SoDienThoai"] == "84912345678"
    assert item["DonViXuLy"] == "Văn phòng Đăng ký đất đai"  # the name, not the code
    assert item["NoiNopHoSo"] == "2"  # a code: submitted on the province's system
    assert item["TrichYeuHoSo"] == PROCEDURE.name  # no summary was given at intake
    assert item["DanhSachLePhi"] == [
        {"TenPhiLePhi": "Lệ phí đăng ký biến động", "MaPhiLePhi": "1", "HinhThucThu": "1",
         "Gia": "25000", "LoaiPhiLePhi": "1"}
    ]  # fmt: skip
    assert item["DuocThanhToanTrucTuyen"] == "3"  # a fee is owed, not paid online
    [step] = portal.steps.values()
    assert step["TrangThai"] == "2" and step["NoiDungXuLy"] == "Tiếp nhận hồ sơ"
    assert step["ChucDanh"] == "Cán bộ một cửa"
    assert step["PhongBanXuLy"] == "Bộ phận Một cửa - Văn phòng Đăng ký đất đai"


def test_a_sync_already_done_pushes_nothing(world):
    deps, _, portal = world
    portal_sync.sync(CODE, deps, at(2026, 3, 2, 9))
    pushes = portal.pushes
    assert portal_sync.sync(CODE, deps, at(2026, 3, 2, 9)) is portal_sync.SyncResult.UP_TO_DATE
    assert portal.pushes == pushes


def test_only_new_steps_are_pushed_and_the_latest_status_wins(world):
    deps, moves, portal = world
    portal_sync.sync(CODE, deps, at(2026, 3, 2, 9))
    act(moves, 1, Action.TAKE_UP, SPECIALIST, 1, 10)
    act(moves, 2, Action.REQUEST_SUPPLEMENT, SPECIALIST, 2, 11, note="Thiếu sổ hộ khẩu")
    portal_sync.sync(CODE, deps, at(2026, 3, 2, 11))
    assert portal.status_of(CODE) == int(S.SUPPLEMENT_REQUESTED)
    assert sorted(int(s["TrangThai"]) for s in portal.steps.values()) == [2, 4, 5]
    [asked] = portal.dossiers[CODE]["DanhSachHoSoBoSung"]
    assert asked["NoiDungBoSung"] == "Thiếu sổ hộ khẩu" and asked["TrangThaiBoSung"] == "0"
    assert deps.log.get(CODE).version == 3


def scalars(value):
    """Every scalar inside a pushed item, however deep."""
    if isinstance(value, dict):
        return [s for v in value.values() for s in scalars(v)]
    if isinstance(value, list):
        return [s for v in value for s in scalars(v)]
    return [value]


def test_an_answered_supplement_is_pushed_with_the_contract_keys(world):
    deps, moves, portal = world
    act(moves, 1, Action.TAKE_UP, SPECIALIST, 1, 10)
    act(moves, 2, Action.REQUEST_SUPPLEMENT, SPECIALIST, 2, 11, note="Thiếu sổ hộ khẩu")
    act(moves, 3, Action.SUPPLEMENT_RECEIVED, RECEIVER, 3, 14, note="Đã nộp bản sao")
    portal_sync.sync(CODE, deps, at(2026, 3, 2, 14))
    record = deps.store.load(CODE)
    asked, answered = record.history[2], record.history[3]
    [item] = portal.dossiers[CODE]["DanhSachHoSoBoSung"]
    assert item == {
        "HoSoBoSungId": "3",
        "NguoiYeuCauBoSung": SPECIALIST.name,
        "NoiDungBoSung": "Thiếu sổ hộ khẩu",
        "NgayBoSung": "20260302110000",
        "NguoiTiepNhanBoSung": RECEIVER.name,
        "ThongTinTiepNhan": "Đã nộp bản sao",
        "NgayTiepNhanBoSung": "20260302140000",
        "TrangThaiBoSung": "1",
        "DanhSachGiayToBoSung": [],
        "DanhSachLePhiBoSung": [],
        "NgayHenTraTruoc": portal_records.portal_moment(asked.due_at),
        "NgayHenTraMoi": portal_records.portal_moment(answered.due_at),
    }
    assert item["NgayHenTraMoi"] != ""
    every = scalars(portal.dossiers[CODE]) + scalars(list(portal.steps.values()))
    assert every and all(isinstance(v, str) for v in every), [
        v for v in every if not isinstance(v, str)
    ]


def test_the_summary_is_the_dossiers_own_and_the_agency_is_named(calendar):
    from chalicelib.domain.dossier import Applicant
    from chalicelib.domain.state_machine import open_dossier
    from chalicelib.domain.statuses import Channel
    from tests.unit.builders import DESK

    def item(note):
        opened = open_dossier(
            code=CODE, procedure=PROCEDURE, channel=Channel.POSTAL,
            applicant=Applicant(name="Trần Thị B", id_number="075089002657"),
            resolving_agency=HOME, received_by=DESK, actor=RECEIVER,
            at=at(2026, 3, 2, 9), calendar=calendar, received=True, note=note,
        )  # fmt: skip
        return portal_records.dossier_item(
            opened.dossier, PROCEDURE, [opened.entry], resolving_agency_name="VP ĐKĐĐ"
        )

    pushed = item("Chuyển nhượng thửa 12, tờ bản đồ 5")
    assert pushed["TrichYeuHoSo"] == "Chuyển nhượng thửa 12, tờ bản đồ 5"
    assert pushed["DonViXuLy"] == "VP ĐKĐĐ" and pushed["MaLinhVuc"] == ""
    assert pushed["HinhThuc"] == "1" and pushed["KenhThucHien"] == "3"  # by post
    assert pushed["DinhDanhCHS"] == [{"LoaiDinhDanh": "1", "SoDinhDanh": "075089002657"}]
    assert pushed["TaiLieuNop"] == [] and pushed["NgayNopHoSo"] == "20260302090000"
    assert len(item("x" * 1500)["TrichYeuHoSo"]) == 1000
    assert item("  ")["TrichYeuHoSo"] == PROCEDURE.name


def test_a_failed_push_moves_no_mark_and_the_retry_completes(world):
    deps, moves, portal = world
    act(moves, 1, Action.TAKE_UP, SPECIALIST, 1, 10)
    portal.fail(1)
    with pytest.raises(PortalUnavailable):
        portal_sync.sync(CODE, deps, at(2026, 3, 2, 10))
    assert deps.log.get(CODE) is None
    assert portal_sync.sync(CODE, deps, at(2026, 3, 2, 10)) is portal_sync.SyncResult.PUSHED
    assert portal.status_of(CODE) == int(S.PROCESSING) and len(portal.steps) == 2


def test_a_refusal_by_the_portal_is_permanent(world):
    deps, _, _ = world

    class Refusing:
        def push(self, service, items):
            raise PortalRejected("error_code 7: MaTTHC không tồn tại")

    with pytest.raises(PermanentFailure, match="refused"):
        portal_sync.sync(CODE, dataclasses.replace(deps, portal=Refusing()), at(2026, 3, 2, 9))
    assert deps.log.get(CODE) is None


def test_an_unknown_dossier_is_permanent(world):
    deps, _, _ = world
    with pytest.raises(PermanentFailure):
        portal_sync.sync("000.00.32.H19-260302-9999", deps, at(2026, 3, 2, 9))


def test_random_failures_and_repeats_end_with_the_portal_up_to_date(world):
    """Sync requests repeated and interleaved with changes, a third of pushes failing: the
    retries (here: call again until it succeeds) leave the portal with the latest status and
    each step exactly once."""
    deps, moves, portal = world
    chance = random.Random(7)

    def sync_until_done():
        for _ in range(50):
            if chance.random() < 0.33:
                portal.fail(1)
            try:
                portal_sync.sync(CODE, deps, at(2026, 3, 2, 12))
                return
            except PortalUnavailable:
                continue
        raise AssertionError("never synced")

    lifecycle = [
        (Action.TAKE_UP, SPECIALIST, {}),
        (Action.FORWARD, SPECIALIST, {}),
        (Action.FORWARD, TAX_SYSTEM, {}),
        (Action.RESOLVE, LEADER, {}),
        (Action.RETURN_RESULT, RECEIVER, {}),
    ]
    for n, (action, actor, fields) in enumerate(lifecycle, start=1):
        act(moves, n, action, actor, n, 9 + n, **fields)
        for _ in range(chance.randint(1, 3)):
            sync_until_done()
    record = deps.store.load(CODE)
    assert record.dossier.status is S.RETURNED and len(record.history) == 6
    assert portal.status_of(CODE) == int(S.RETURNED)
    assert len(portal.steps) == len(record.history)


def test_the_relay_asks_a_sync_for_each_state_write_only():
    state = {"eventName": "MODIFY", "dynamodb": {"NewImage": {
        "PK": {"S": f"D#{CODE}"}, "SK": {"S": "STATE"}, "revision": {"N": "4"}}}}  # fmt: skip
    history = {"eventName": "INSERT", "dynamodb": {"NewImage": {
        "PK": {"S": f"D#{CODE}"}, "SK": {"S": "H#000004"}}}}  # fmt: skip
    removed = {"eventName": "REMOVE", "dynamodb": {}}
    [written] = table_stream.changes_in(state)
    assert written == table_stream.StateWritten(code=CODE, revision=4)
    assert portal_sync.request_for_state(written) == portal_sync.SyncRequest(code=CODE, revision=4)
    assert table_stream.changes_in(history) == []
    assert table_stream.changes_in(removed) == []


def test_portal_moments_are_local_time():
    assert portal_records.portal_moment(at(2026, 1, 5, 8, 30)) == "20260105083000"
    assert portal_records.portal_moment(None) == ""


# --- the HTTP client --------------------------------------------------------------------------
CONFIG = PortalConfig(
    login_url="https://dvcqg.example/mapi/login",
    integration_url="https://dvcqg.example/mapi/g",
    username="u",
    password="mk-Bi-Mat-42",
    madonvi="000.00.00.H19",
    dstcode="DST-H19",
)


class ScriptedPortal:
    """Answers in order; records each call as (what it was, its body, its headers)."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.calls = []

    def __call__(self, method, url, *, body, headers, timeout):
        found = json.loads(body)
        name = "login" if url == CONFIG.login_url else found["service"]
        self.calls.append((name, found, headers))
        return self.answers.pop(0)


def answer(**fields):
    return HttpAnswer(200, json.dumps(fields, ensure_ascii=False).encode())


def login(token):
    return answer(error_code="0", session=token)


NOT_HELD = answer(error_code="0", result=[])
HELD = answer(error_code="0", result=[{"MaHoSo": CODE}])
OK = answer(error_code="0", message="Thành công")


def test_the_client_logs_in_once_and_sends_the_real_envelope():
    send = ScriptedPortal(login("s1"), NOT_HELD, OK, OK)
    portal = HttpNationalPortal(CONFIG, send=send)
    portal.push("DongBoHoSoMC", [{"MaHoSo": CODE}])
    portal.push("CapNhatTienDoHoSoMC", [{"MaHoSo": CODE}])
    assert [c[0] for c in send.calls] == [
        "login", "TraCuuHoSo", "DongBoHoSoMC", "CapNhatTienDoHoSoMC"
    ]  # fmt: skip
    assert send.calls[0][1] == {"username": "u", "password": "mk-Bi-Mat-42"}
    assert all(c[2]["dstcode"] == "DST-H19" for c in send.calls)  # login included
    assert send.calls[1][1] == {
        "session": "s1", "madonvi": "000.00.00.H19", "service": "TraCuuHoSo", "mahoso": CODE
    }  # fmt: skip
    assert send.calls[2][1] == {
        "session": "s1", "madonvi": "000.00.00.H19", "service": "DongBoHoSoMC",
        "isUpdating": "False", "data": [{"MaHoSo": CODE}],
    }  # fmt: skip
    assert "isUpdating" not in send.calls[3][1] and send.calls[3][1]["data"] == [{"MaHoSo": CODE}]
    assert all("Authorization" not in c[2] for c in send.calls)


def test_a_dossier_the_portal_holds_is_sent_as_an_update():
    send = ScriptedPortal(login("s1"), HELD, OK)
    HttpNationalPortal(CONFIG, send=send).push("DongBoHoSoMC", [{"MaHoSo": CODE}])
    assert send.calls[2][1]["isUpdating"] == "True"


def test_already_exists_switches_to_an_update():
    exists = answer(error_code="-3", message="Hồ sơ đã tồn tại")
    send = ScriptedPortal(login("s1"), NOT_HELD, exists, OK)
    HttpNationalPortal(CONFIG, send=send).push("DongBoHoSoMC", [{"MaHoSo": CODE}])
    assert [c[1].get("isUpdating") for c in send.calls[2:]] == ["False", "True"]


@pytest.mark.parametrize("code", ["0", "00", 0])
def test_each_form_of_success_counts(code):
    send = ScriptedPortal(login("s1"), answer(error_code=code))
    HttpNationalPortal(CONFIG, send=send).push("CapNhatTienDoHoSoMC", [{"MaHoSo": CODE}])
    assert len(send.calls) == 2


@pytest.mark.parametrize(
    "ended",
    [HttpAnswer(401, b"{}"), answer(error_code="-1", message="Phiên làm việc không hợp lệ")],
)
def test_an_ended_session_is_renewed_once(ended):
    send = ScriptedPortal(login("s1"), ended, login("s2"), OK)
    HttpNationalPortal(CONFIG, send=send).push("CapNhatTienDoHoSoMC", [{"MaHoSo": CODE}])
    assert [c[1]["session"] for c in send.calls if c[0] != "login"] == ["s1", "s2"]


def test_a_session_refused_twice_is_not_tried_a_third_time():
    ended = answer(error_code="-1", message="Session expired")
    send = ScriptedPortal(login("s1"), ended, login("s2"), HttpAnswer(401, b"{}"))
    with pytest.raises(PortalUnavailable):
        HttpNationalPortal(CONFIG, send=send).push("CapNhatTienDoHoSoMC", [{"MaHoSo": CODE}])
    assert len(send.calls) == 4


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        (HttpAnswer(None, error="network: timed out"), PortalUnavailable),
        (HttpAnswer(503, b"busy"), PortalUnavailable),
        (HttpAnswer(429, b""), PortalUnavailable),
        (HttpAnswer(200, b"<html>proxy</html>"), PortalUnavailable),
        (answer(error_code="-1", message="data[0].MucPhi: trường không có"), PortalRejected),
        (answer(message="no code at all"), PortalRejected),
        (HttpAnswer(400, b'{"error_code": 7, "message": "MaTTHC khong ton tai"}'), PortalRejected),
    ],
)
def test_failures_are_told_apart(reply, error):
    send = ScriptedPortal(login("s1"), reply)
    with pytest.raises(error):
        HttpNationalPortal(CONFIG, send=send).push("CapNhatTienDoHoSoMC", [{"MaHoSo": CODE}])


def test_a_failed_login_is_worth_a_retry_and_never_shows_the_password():
    send = ScriptedPortal(answer(error_code="1", message="sai mat khau"))
    with pytest.raises(PortalUnavailable, match="login refused") as caught:
        HttpNationalPortal(CONFIG, send=send).push("CapNhatTienDoHoSoMC", [{"MaHoSo": CODE}])
    assert "mk-Bi-Mat-42" not in str(caught.value) and "mk-Bi-Mat-42" not in repr(CONFIG)


def test_nothing_to_push_calls_nothing():
    send = ScriptedPortal()
    HttpNationalPortal(CONFIG, send=send).push("CapNhatTienDoHoSoMC", [])
    assert send.calls == []


def test_the_memory_portal_refuses_what_the_contract_does_not_know(world):
    _, _, portal = world
    with pytest.raises(PortalRejected, match=r"data\[0\]\.MucPhi"):
        portal.push("CapNhatTienDoHoSoMC", [{"MaHoSo": CODE, "MucPhi": "1"}])
    with pytest.raises(PortalRejected, match=r"TrangThai: phải là chuỗi"):
        portal.push("CapNhatTienDoHoSoMC", [
            {"MaHoSo": CODE, "NguoiXuLy": "A", "ThoiDiemXuLy": "20260302090000",
             "NoiDungXuLy": "x", "TrangThai": 2}
        ])  # fmt: skip
    assert portal.steps == {}
