"""`make demo`: a realistic day at a one-stop shop, driven over HTTP against `make run`.

Three dossiers, three procedures, online and counter channels:
- a birth registration filed online at a ward, through to the returned result;
- a land transfer from the national portal (DongBoHoSoMC shape) with a supplement request, an
  inter-agency tax step whose system asks for and confirms the fees, and the returned result;
- a company registration received in person at the counter, where two officials act on the
  same version at once (one is refused as stale), through to the returned result.
It prints each dossier's history.
"""

from __future__ import annotations

import argparse
import itertools
import random
import sys
import urllib.error
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from chalicelib.auth.signatures import DEV_WEBHOOK_SECRET
from chalicelib.auth.tokens import DEV_JWT_KEY
from chalicelib.domain.calendar import LOCAL_TZ
from devstack.client import Api, Official, Portal, new_id

WARD = "000.00.41.H19"  # Ủy ban nhân dân phường Trấn Biên
LAND_OFFICE = "000.01.09.H19"  # Văn phòng Đăng ký đất đai
TAX = "000.00.90.H19"  # Thuế tỉnh Đồng Nai
FINANCE = "000.00.07.H19"  # Sở Tài chính (business registration)
PORTAL_SEQUENCE = itertools.count(random.randint(5000, 8999))


@dataclass
class Cast:
    """Everyone who acts in the demo."""

    api: Api
    portal: Portal
    tax: Portal
    gateway: Portal  # the SMS/ZNS gateway: delivery receipts and opt-outs
    officials: dict[str, Official]

    @classmethod
    def local(cls, base_url: str, *, stage: str = "local") -> Cast:
        api = Api(base_url)
        people = {
            "ward_receiver": (WARD, "MOT_CUA", "receiver", "Trần Thị Mai"),
            "ward_specialist": (WARD, "VAN_PHONG", "specialist", "Lê Văn Hùng"),
            "ward_specialist_2": (WARD, "VAN_PHONG", "specialist", "Phan Thị Lan"),
            "ward_leader": (WARD, "LANH_DAO", "leader", "Phạm Quốc Bảo"),
            "land_receiver": (LAND_OFFICE, "MOT_CUA", "receiver", "Ngô Thị Hạnh"),
            "land_specialist": (LAND_OFFICE, "PHONG_DKCG", "specialist", "Đỗ Minh Tuấn"),
            "land_leader": (LAND_OFFICE, "LANH_DAO", "leader", "Vũ Thanh Sơn"),
            "finance_receiver": (FINANCE, "MOT_CUA", "receiver", "Hoàng Thị Thu"),
            "finance_specialist": (FINANCE, "PHONG_DKKD", "specialist", "Bùi Văn Nam"),
            "finance_specialist_2": (FINANCE, "PHONG_DKKD", "specialist", "Đặng Thị Yến"),
            "finance_leader": (FINANCE, "LANH_DAO", "leader", "Lý Quang Vinh"),
        }
        officials = {
            key: Official.minted(api, DEV_JWT_KEY, sub=key, agency=agency, unit=unit,
                                 role=role, name=name, issuer=f"motcua-{stage}",
                                 audience="motcua")
            for key, (agency, unit, role, name) in people.items()
        }  # fmt: skip
        return cls(
            api=api,
            portal=Portal(api, "portal-dev", DEV_WEBHOOK_SECRET),
            tax=Portal(api, "thue-dev", DEV_WEBHOOK_SECRET),
            gateway=Portal(api, "gateway-dev", DEV_WEBHOOK_SECRET),
            officials=officials,
        )


def _moment(minutes_ago: int = 5) -> datetime:
    return datetime.now(LOCAL_TZ).replace(microsecond=0) - timedelta(minutes=minutes_ago)


def birth_registration(cast: Cast) -> str:
    o = cast.officials
    receipt = cast.portal.submit({
        "external_id": f"dvc-{new_id()}",
        "procedure_code": "1.001193",
        "channel": 2,
        "applicant": {"name": "Nguyễn Thị Lan", "kind": 1, "id_number": "075190000123",
                      "phone": "0912345678", "email": "lan.nguyen@example.vn"},
        "resolving_agency": WARD,
        "received_by_agency": WARD,
        "submitted_at": _moment().isoformat(),
        "awaiting_counter_check": False,
        "summary": "Đăng ký khai sinh cho con Nguyễn Minh Khang",
        "documents": [{"name": "Giấy chứng sinh", "url": "https://dichvucong.example/gcs.pdf",
                       "digitised": True}],
    })  # fmt: skip
    code = _accepted(receipt)
    for who, action in [
        ("ward_specialist", "take_up"),
        ("ward_specialist", "forward"),
        ("ward_leader", "resolve"),
        ("ward_receiver", "return_result"),
    ]:
        _applied(o[who].act(code, action, note="" if action != "forward" else "Trình ký"))
    return code


def land_transfer_item(
    code: str, received: datetime, applicant: dict[str, str], summary: str
) -> dict[str, Any]:
    """A land transfer (1.012766) as the national portal sends it (`DongBoHoSoMC`): the demo's,
    and the benches' lives."""
    item: dict[str, Any] = {
        "MaHoSo": code,
        "MaTTHC": "1.012766.000.00.00.H19",
        "TenTTHC": "Đăng ký biến động quyền sử dụng đất",
        "KenhThucHien": 2,
        "ChuHoSo": applicant["name"],
        "LoaiDoiTuong": 1,
        "SoGiayToChuHoSo": applicant["id_number"],
        "SoDienThoai": applicant["phone"],
        "TrichYeuHoSo": summary,
        "NgayTiepNhan": received.strftime("%Y%m%d%H%M%S"),
        "TrangThaiHoSo": 2,
        "DonViXuLy": LAND_OFFICE,
        "NoiNopHoSo": LAND_OFFICE,
        "HoSoCoThanhPhanSoHoa": 1,
    }
    if applicant.get("email"):
        item["Email"] = applicant["email"]
    return item


def land_transfer(cast: Cast) -> str:
    o = cast.officials
    received = _moment(30)
    # The national portal gives the code; the sequence is its own (above ours here).
    item = land_transfer_item(
        f"{LAND_OFFICE}-{received:%y%m%d}-{next(PORTAL_SEQUENCE):04d}",
        received,
        {"name": "Trần Văn Bình", "id_number": "075085001234", "phone": "0987654321",
         "email": "binh.tran@example.vn"},
        "Chuyển nhượng quyền sử dụng đất thửa 125, tờ bản đồ 12",
    )  # fmt: skip
    item["TaiLieuNop"] = [{"TenTepDinhKem": "Hợp đồng chuyển nhượng",
                           "DuongDanTaiTepTin": "https://dichvucong.example/hd.pdf"}]  # fmt: skip
    receipt = cast.portal.submit(item)
    code = _accepted(receipt)
    _applied(o["land_specialist"].act(code, "take_up"))
    _applied(o["land_specialist"].act(code, "request_supplement",
                                      note="Bổ sung bản sao trích đo địa chính"))  # fmt: skip
    _applied(o["land_receiver"].act(code, "supplement_received", note="Đã nhận bản trích đo"))
    _applied(o["land_specialist"].act(code, "forward", note="Chuyển thông tin địa chính sang Thuế"))
    # The tax department's system reports through its own signed webhook.
    for action, note in [
        ("request_fees", "Thông báo nộp thuế TNCN và lệ phí trước bạ"),
        ("fees_paid", "Người dân đã nộp thuế"),
        ("forward", "Hoàn thành xác định nghĩa vụ tài chính"),
    ]:
        queued = cast.tax.report(code, action, note=note)
        _applied(o["land_specialist"].settled(code, queued["command_id"]))
    _applied(o["land_specialist"].act(code, "forward", note="Trình ký Giấy chứng nhận"))
    _applied(o["land_leader"].act(code, "resolve"))
    _applied(o["land_receiver"].act(code, "return_result"))
    return code


def company_registration(cast: Cast) -> str:
    o = cast.officials
    receipt = o["finance_receiver"].receive({
        "external_id": f"quay-{new_id()}",
        "procedure_code": "2.002043",
        "channel": 1,
        "applicant": {"name": "Công ty TNHH Sao Mai Đồng Nai", "kind": 2,
                      "id_number": "3603123456", "phone": "02513822123"},
        "submitted_at": _moment(1).isoformat(),
        "awaiting_counter_check": False,
        "summary": "Đăng ký thành lập công ty TNHH một thành viên",
        "fees": [{"name": "Lệ phí đăng ký doanh nghiệp", "amount_vnd": 50000}],
    })  # fmt: skip
    code = _accepted(receipt)
    version = o["finance_specialist"].dossier(code)["dossier"]["version"]
    # Two specialists take up the same dossier at the same version: one wins, one is stale.
    first = o["finance_specialist"].send(code, "take_up", version=version)
    second = o["finance_specialist_2"].send(code, "take_up", version=version)
    results = [o["finance_specialist"].settled(code, q["command_id"]) for q in (first, second)]
    assert sorted(r["status"] for r in results) == ["applied", "refused"], results
    _applied(o["finance_specialist"].act(code, "forward"))
    # Whether the result is electronic is the stored files' word (QĐ 766 4.1): the demo
    # stores no signed result file (the local stack trusts no signing CA yet), so it is not.
    _applied(o["finance_leader"].act(code, "resolve"))
    _applied(o["finance_receiver"].act(code, "return_result"))
    return code


def _accepted(receipt: dict[str, Any]) -> str:
    if receipt["status"] != "accepted":
        raise RuntimeError(f"the dossier was refused: {receipt}")
    return receipt["code"]


def _applied(result: dict[str, Any]) -> dict[str, Any]:
    if result["status"] != "applied":
        raise RuntimeError(f"the action was refused: {result}")
    return result


def print_history(view: dict[str, Any], out: Any = None) -> None:
    out = out or sys.stdout
    d = view["dossier"]
    print(f"\n{d['code']}  {d['procedure_name']}", file=out)
    print(f"  trạng thái: {d['status']} {d['status_label']}   hẹn trả: {d['due_at']}", file=out)
    for e in view["history"]:
        at = datetime.fromisoformat(e["at"]).astimezone(LOCAL_TZ).strftime("%d/%m %H:%M")
        print(f"  v{e['version']:<3}{at}  {e['action_label']:<38} {e['actor_name']:<24} "
              f"→ {e['to_status']} bước {e['to_step'] + 1}", file=out)  # fmt: skip
    for r in view["refusals"]:
        print(f"  từ chối: {r['action']} của {r['actor_id']}: {r['reason']}", file=out)


def run(base_url: str) -> list[str]:
    cast = Cast.local(base_url)
    codes = [birth_registration(cast), land_transfer(cast), company_registration(cast)]
    viewers = ["ward_leader", "land_leader", "finance_leader"]
    for code, viewer in zip(codes, viewers, strict=True):
        print_history(cast.officials[viewer].dossier(code))
    return codes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    args = parser.parse_args(argv)
    try:
        run(args.url)
    except (urllib.error.URLError, ConnectionError) as error:
        print(f"cannot reach {args.url}: {error}. Is `make run` running?", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
