"""The national portal, held to the same promises in memory (`MemoryNationalPortal`) and over
HTTP (`HttpNationalPortal` against `devstack.fake_portal` on loopback): what is pushed is what a
look-up finds, a dossier pushed again replaces itself, a step pushed twice is held once, and an
item the contract does not allow (docs/dvcqg-contract.md §2) is refused and not kept."""

import json
from pathlib import Path

import pytest

from chalicelib.adapters.http_client import http_request
from chalicelib.adapters.national_portal import (
    HttpNationalPortal,
    MemoryNationalPortal,
    PortalConfig,
)
from chalicelib.ports.portal import PortalRejected
from devstack.fake_portal import DSTCODE, INTEGRATION_PATH, SESSION_ENDED, FakePortal

FIXTURES = Path(__file__).parents[1] / "fixtures" / "dvcqg"
CODE = "000.00.32.H19-260302-0001"


def real_item(name="real-shape-land-in-person.json"):
    return {**json.loads((FIXTURES / name).read_text(encoding="utf-8")), "MaHoSo": CODE}


STEP = {
    "MaHoSo": CODE, "NguoiXuLy": "Cán bộ một cửa", "ChucDanh": "", "ThoiDiemXuLy":
    "20260302090000", "PhongBanXuLy": "", "NoiDungXuLy": "Tiếp nhận hồ sơ", "TrangThai": "2",
    "NgayBatDau": "20260302090000", "NgayKetThucTheoQuyDinh": "",
}  # fmt: skip


@pytest.fixture(scope="module")
def fake_portal():
    with FakePortal(seed=1) as running:
        yield running


@pytest.fixture(params=["memory", "http"])
def portal(request, fake_portal):
    if request.param == "memory":
        return MemoryNationalPortal()
    fake_portal.dossiers.clear()
    fake_portal.steps.clear()
    return HttpNationalPortal(PortalConfig.model_validate(json.loads(fake_portal.config_json())))


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.glob("real-shape-*.json")))
def test_a_real_shaped_dossier_is_held_as_pushed(portal, name):
    item = real_item(name)
    assert portal.look_up(CODE) is None
    portal.push("DongBoHoSoMC", [item])
    found = portal.look_up(CODE)
    assert found is not None
    assert {k: found[k] for k in item} == item


def test_a_dossier_pushed_again_replaces_itself(portal):
    portal.push("DongBoHoSoMC", [real_item()])
    portal.push("DongBoHoSoMC", [{**real_item(), "TrangThaiHoSo": "4"}])
    assert portal.look_up(CODE)["TrangThaiHoSo"] == "4"


def test_a_step_pushed_twice_is_held_once(portal):
    portal.push("DongBoHoSoMC", [real_item()])
    portal.push("CapNhatTienDoHoSoMC", [STEP])
    portal.push("CapNhatTienDoHoSoMC", [STEP])
    assert portal.look_up(CODE)["QuaTrinhXuLy"] == [STEP]


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"MucPhi": "1000"}, "MucPhi"),  # a key the contract does not list
        ({"TrangThaiHoSo": 2}, "TrangThaiHoSo"),  # a number where a string is expected
        ({"DanhSachLePhi": [{"TenPhiLePhi": "Lệ phí", "MucPhi": 25000}]}, "MucPhi"),
        ({"DanhSachHoSoBoSung": [{"NgayYeuCau": "20260302", "NoiDung": "x"}]}, "NgayYeuCau"),
    ],
)
def test_an_item_outside_the_contract_is_refused_and_not_kept(portal, change, named):
    with pytest.raises(PortalRejected, match=named):
        portal.push("DongBoHoSoMC", [{**real_item(), **change}])
    assert portal.look_up(CODE) is None


def test_a_step_without_a_required_key_is_refused(portal):
    with pytest.raises(PortalRejected, match="NoiDungXuLy"):
        portal.push("CapNhatTienDoHoSoMC", [{k: v for k, v in STEP.items() if k != "NoiDungXuLy"}])


# --- what only the HTTP fake can be asked ----------------------------------------------------
def raw_call(fake, body, dstcode=DSTCODE):
    answer = http_request(
        "POST",
        fake.url + INTEGRATION_PATH,
        body=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "dstcode": dstcode},
        timeout=5,
    )
    return answer.status, json.loads(answer.body)


def test_the_fake_refuses_a_missing_or_wrong_session_with_the_portal_error_answer(fake_portal):
    body = {"madonvi": "000.00.00.H19", "service": "CapNhatTienDoHoSoMC", "data": [STEP]}
    for session in ({}, {"session": "not-a-session"}):
        status, found = raw_call(fake_portal, {**body, **session})
        assert status == 200 and found == {"error_code": "-1", "message": SESSION_ENDED}


def test_the_fake_refuses_a_wrong_dstcode(fake_portal):
    status, found = raw_call(fake_portal, {"service": "TraCuuHoSo"}, dstcode="other")
    assert status == 200 and found["error_code"] == "-1" and "dstcode" in found["message"]


def test_an_ended_session_is_renewed_by_the_client(fake_portal):
    portal = HttpNationalPortal(PortalConfig.model_validate(json.loads(fake_portal.config_json())))
    portal.look_up(CODE)
    fake_portal._sessions.clear()  # the portal forgets every session
    logins = fake_portal.counts["logins"]
    portal.push("CapNhatTienDoHoSoMC", [STEP])
    assert fake_portal.counts["logins"] == logins + 1


def test_the_fake_can_lose_an_acknowledged_push(fake_portal):
    portal = HttpNationalPortal(PortalConfig.model_validate(json.loads(fake_portal.config_json())))
    fake_portal.dossiers.clear()
    fake_portal.lose_rate = 1.0
    try:
        portal.push("DongBoHoSoMC", [real_item()])  # acknowledged
    finally:
        fake_portal.lose_rate = 0.0
    assert portal.look_up(CODE) is None and fake_portal.counts["lost"] >= 1
    portal.push("DongBoHoSoMC", [real_item()])  # the look-up says new: created again
    assert portal.look_up(CODE) is not None
