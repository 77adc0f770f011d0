"""`make demo`: a realistic day at a one-stop shop, driven over HTTP against `make run`.

Three dossiers, three procedures, online and counter channels:
- a birth registration filed online at a ward, through to the returned result;
- a land transfer from the national portal (DongBoHoSoMC shape) with a supplement request, an
  inter-agency tax step whose system asks for the fees, which the applicant pays online like a
  person (the lookup page's checkout link, the fake PayGov's page; its callback resumes the
  dossier, channel online, QĐ 766 3.6), a result PDF signed by the
  local development authority (devstack/signing.py) and stored before resolving (so it is an
  electronic result, QĐ 766 4.1), and the returned result;
- a company registration received in person at the counter, where two officials act on the
  same version at once (one is refused as stale), through to the returned result.
It prints each dossier's history, then each agency's QĐ 766 indicator 4.1.
"""

from __future__ import annotations

import argparse
import html
import itertools
import random
import re
import sys
import urllib.error
import urllib.parse
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from chalicelib.adapters.sample_officials import sample_officials
from chalicelib.auth.signatures import DEV_WEBHOOK_SECRET
from chalicelib.auth.tokens import DEV_JWT_KEY
from chalicelib.domain.calendar import LOCAL_TZ
from chalicelib.domain.dossier import Actor
from devstack.client import Api, Official, Portal, new_id

PROJECT_DIR = Path(__file__).resolve().parents[1]

WARD = "000.00.41.H19"  # Ủy ban nhân dân phường Trấn Biên
LAND_OFFICE = "000.01.09.H19"  # Văn phòng Đăng ký đất đai
TAX = "000.00.90.H19"  # Thuế tỉnh Đồng Nai
FINANCE = "000.00.07.H19"  # Sở Tài chính (business registration)
AGENCIES = (WARD, LAND_OFFICE, FINANCE)  # the demo's dossiers', in order
VIEWERS = ("ward_leader", "land_leader", "finance_leader")  # who reads each one
PORTAL_SEQUENCE = itertools.count(random.randint(5000, 8999))


# The demo's officials: (agency, unit, role, name) by the key they act under (their `sub`),
# from data/sample_officials.yaml (the local stage's development sign-in lists the same).
PEOPLE: dict[str, tuple[str, str, str, str]] = {
    key: (o.agency, o.unit, o.role, o.name) for key, o in sample_officials().items()
}


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
        officials = {
            key: Official.minted(api, DEV_JWT_KEY, sub=key, agency=agency, unit=unit,
                                 role=role, name=name, issuer=f"motcua-{stage}",
                                 audience="motcua")
            for key, (agency, unit, role, name) in PEOPLE.items()
        }  # fmt: skip
        return cls(
            api=api,
            portal=Portal(api, "portal-dev", DEV_WEBHOOK_SECRET),
            tax=Portal(api, "thue-dev", DEV_WEBHOOK_SECRET),
            gateway=Portal(api, "gateway-dev", DEV_WEBHOOK_SECRET),
            officials=officials,
        )


def actor(key: str) -> Actor:
    """The demo's official `key` as the system sees them once signed in (a token's claims)."""
    return sample_officials()[key].actor()


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
    pin = receipt["pin"]
    _applied(o["land_specialist"].act(code, "take_up"))
    _applied(o["land_specialist"].act(code, "request_supplement",
                                      note="Bổ sung bản sao trích đo địa chính"))  # fmt: skip
    _applied(o["land_receiver"].act(code, "supplement_received", note="Đã nhận bản trích đo"))
    _applied(o["land_specialist"].act(code, "forward", note="Chuyển thông tin địa chính sang Thuế"))
    # The tax department's system reports through its own signed webhook; the applicant pays
    # the fees online (the payment platform's callback says so), then the tax step ends.
    queued = cast.tax.report(code, "request_fees", amount_vnd=LAND_FEES_VND,
                             note="Thông báo nộp thuế TNCN và lệ phí trước bạ")  # fmt: skip
    _applied(o["land_specialist"].settled(code, queued["command_id"]))
    pay_like_the_applicant(cast, o["land_specialist"], code, pin)
    queued = cast.tax.report(code, "forward", note="Hoàn thành xác định nghĩa vụ tài chính")
    _applied(o["land_specialist"].settled(code, queued["command_id"]))
    _applied(o["land_specialist"].act(code, "forward", note="Trình ký Giấy chứng nhận"))
    # The leader signs the result and stores it before resolving: the resolve then finds an
    # electronic result among the dossier's files (QĐ 766 4.1).
    store_signed_result(o["land_leader"], code, "Giấy chứng nhận", item["ChuHoSo"])
    _applied(o["land_leader"].act(code, "resolve"))
    _applied(o["land_receiver"].act(code, "return_result"))
    return code


LAND_FEES_VND = 2_350_000  # the tax office's notice: personal income tax and registration fee
FEES_REQUESTED = 6


def land_transfer_waiting_for_fees(
    cast: Cast, applicant: dict[str, str], amount_vnd: int = LAND_FEES_VND
) -> tuple[str, str, dict[str, Any]]:
    """A land transfer from the portal, taken up and sent to the tax office, whose system asks
    for `amount_vnd`: its code, its receipt PIN and its open payment order (the tests' and the
    page tests' starting point)."""
    o = cast.officials
    received = _moment(30)
    item = land_transfer_item(
        f"{LAND_OFFICE}-{received:%y%m%d}-{next(PORTAL_SEQUENCE):04d}", received, applicant,
        "Chuyển nhượng quyền sử dụng đất thửa 7, tờ bản đồ 3",
    )  # fmt: skip
    receipt = cast.portal.submit(item)
    code = _accepted(receipt)
    _applied(o["land_specialist"].act(code, "take_up"))
    _applied(o["land_specialist"].act(code, "forward", note="Chuyển sang Thuế"))
    queued = cast.tax.report(code, "request_fees", amount_vnd=amount_vnd,
                             note="Thông báo nộp thuế")  # fmt: skip
    _applied(o["land_specialist"].settled(code, queued["command_id"]))
    [order] = o["land_specialist"].dossier(code)["payments"]["orders"]
    return code, receipt["pin"], order


def pay_like_the_applicant(cast: Cast, official: Official, code: str, pin: str) -> None:
    """The applicant opens the lookup page (code and PIN), follows its checkout link to the
    payment platform (the local stack's fake PayGov) and pays there; the platform's callback
    then resumes the dossier: wait until it has."""
    lookup = lookup_page(cast.api, code, pin)
    link = checkout_link(lookup)
    if link is None:
        raise RuntimeError(f"{code}: the lookup page shows no checkout link")
    shown = " và mã VietQR" if 'id="ma-vietqr"' in lookup else ""
    print(f"{code}: chờ nộp phí, lệ phí: trang tra cứu {cast.api.base_url}{LOOKUP_PATH}?ma="
          f"{code} (mã tra cứu {pin}) hiện liên kết thanh toán trực tuyến{shown}")  # fmt: skip
    pay_on_checkout_page(cast.api, link)
    cast.api.wait_for(lambda: official.dossier(code)["dossier"],
                      lambda d: d["status"] != FEES_REQUESTED)  # fmt: skip
    print(f"{code}: đã thanh toán trực tuyến qua PayGov (giả lập); hồ sơ tiếp tục giải quyết")


LOOKUP_PATH = "/tra-cuu"
_CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
_CHECKOUT_LINK = re.compile(r'id="thanh-toan-truc-tuyen" href="([^"]+)"')
_PAY_FORM = re.compile(r'<form method="post" action="([^"]+)"')


def lookup_page(api: Api, code: str, pin: str) -> str:
    """The citizen's lookup page for `code` and `pin`, as a browser gets it: the form (and its
    CSRF cookie) first, then the form posted."""
    form = api.call("GET", f"{LOOKUP_PATH}?ma={urllib.parse.quote(code)}")
    cookie = (form.headers.get("Set-Cookie") or "").split(";", 1)[0]
    token = _CSRF_FIELD.search(str(form.body))
    if form.status != 200 or not cookie or token is None:
        raise RuntimeError(f"the lookup form did not open: HTTP {form.status}")
    fields = urllib.parse.urlencode({"ma": code, "pin": pin, "csrf_token": token.group(1)})
    answer = api.call("POST", LOOKUP_PATH, body=fields.encode(), headers={
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie})  # fmt: skip
    if answer.status != 200:
        raise RuntimeError(f"the lookup of {code} answered HTTP {answer.status}")
    return str(answer.body)


def checkout_link(page: str) -> str | None:
    """The payment platform's checkout link the lookup page shows, if it shows one."""
    found = _CHECKOUT_LINK.search(page)
    return html.unescape(found.group(1)) if found else None


def pay_on_checkout_page(api: Api, link: str) -> None:
    """What a person does on the platform's page: open it, press Thanh toán (the fake PayGov
    takes the payment, sends its callback, then sends the browser back to the lookup page)."""
    page = api.call_url("GET", link)
    form = _PAY_FORM.search(str(page.body))
    if page.status != 200 or form is None:
        raise RuntimeError(f"the checkout page did not open: HTTP {page.status}")
    action = urllib.parse.urljoin(link, html.unescape(form.group(1)))
    paid = api.call_url("POST", action, body=b"", headers={"Content-Type": "text/plain"})
    if paid.status != 200:  # the redirect back to the lookup page, followed
        raise RuntimeError(f"the payment was not taken: HTTP {paid.status}: {paid.body}")


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
    # Whether the result is electronic is the stored files' word (QĐ 766 4.1): this result
    # is handed over on paper only, so it is not (the land transfer's is).
    _applied(o["finance_leader"].act(code, "resolve"))
    _applied(o["finance_receiver"].act(code, "return_result"))
    return code


def result_pdf(code: str, title: str, holder: str, issued_by: str) -> bytes:
    """A one-page result document (Vietnamese text, the project's font)."""
    from fpdf import FPDF

    fonts = PROJECT_DIR / "data" / "fonts"
    document = FPDF()
    document.add_font("Tinos", fname=str(fonts / "Tinos-Regular.ttf"))
    document.add_font("Tinos", style="B", fname=str(fonts / "Tinos-Bold.ttf"))
    document.add_page()
    document.set_font("Tinos", style="B", size=16)
    document.multi_cell(0, 10, text=title.upper(), align="C", new_x="LMARGIN", new_y="NEXT")
    document.set_font("Tinos", size=13)
    for line in (
        f"Hồ sơ: {code}",
        f"Cấp cho: {holder}",
        f"Cơ quan cấp: {issued_by}",
        "Bản điện tử có chữ ký số (môi trường phát triển, không có giá trị pháp lý).",
    ):
        document.multi_cell(0, 8, text=line, new_x="LMARGIN", new_y="NEXT")
    return bytes(document.output())


def store_signed_result(official: Official, code: str, title: str, holder: str) -> dict[str, Any]:
    """Sign a result PDF with the local development authority (devstack/signing.py, the one the
    local stack trusts) and store it as the dossier's result; print what the check found."""
    from devstack import signing

    authority = signing.local_authority()
    signed = signing.sign_pdf(result_pdf(code, title, holder, signing.LOCAL_SIGNER), authority)
    stored = official.upload(code, signed, name=f"{title} {code}.pdf", kind="result")
    check = stored.get("signature") or {}
    if check.get("status") != "valid":
        raise RuntimeError(f"the signed result was not verified: {check}")
    signer = check.get("signer") or {}
    print(f"{code}: kết quả điện tử đã ký số và xác thực (chữ ký {check['status']}: "
          f"{signer.get('common_name')}, CA {signer.get('issuer')})")  # fmt: skip
    return stored


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


def print_electronic_results(cast: Cast, out: Any = None) -> None:
    """QĐ 766 indicator 4.1 (results issued electronically) of this month, per agency."""
    out = out or sys.stdout
    month = datetime.now(LOCAL_TZ).strftime("%Y-%m")
    print(f"\nQĐ 766 chỉ tiêu 4.1 (kết quả điện tử), tháng {month}:", file=out)
    for agency, viewer in zip(AGENCIES, VIEWERS, strict=True):
        path = f"/v1/reports/766?agency={agency}&from={month}&to={month}"
        body = cast.api.expect(cast.officials[viewer].get(path), 200)
        counts, value = body["counts"], body["indicators"]["4.1"]["value"]
        print(f"  {agency}  4.1 = {value}   ({counts['electronic_result']} kết quả điện tử / "
              f"{counts['resolved']} hồ sơ đã giải quyết)", file=out)  # fmt: skip


def run(base_url: str) -> list[str]:
    cast = Cast.local(base_url)
    codes = [birth_registration(cast), land_transfer(cast), company_registration(cast)]
    for code, viewer in zip(codes, VIEWERS, strict=True):
        print_history(cast.officials[viewer].dossier(code))
    print_electronic_results(cast)
    return codes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    args = parser.parse_args(argv)
    try:
        run(args.url)
    except (urllib.error.URLError, ConnectionError) as error:
        print(
            f"cannot reach {args.url}: {error}. Is `make run` running, with the same PORT "
            "(make run PORT=n, then make demo PORT=n)?",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
