"""The national public-service portal (DVCQG) as the sync service needs it: push items of one
service (`DongBoHoSoMC` or `CapNhatTienDoHoSoMC`) and look a dossier up (`TraCuuHoSo`), as
real integrations call it (docs/dvcqg-contract.md §1, §4).

Configuration: an SSM SecureString JSON (`MOTCUA_PORTAL_PARAMETER`) with `login_url`,
`integration_url`, `username`, `password`, `madonvi` (the province's unit code) and `dstcode`
(the destination code the data-exchange platform routes by; opaque).
- Login: `POST {login_url}` with `{"username", "password"}` → `{"error_code": "0", "session"}`.
  No lifetime is given: the session is kept until an answer says it ended (§1.2).
- Every call: `POST {integration_url}` with `{"session", "madonvi", "service", …}` (the
  `data` array, `isUpdating` "True"/"False" for `DongBoHoSoMC`, `mahoso` for `TraCuuHoSo`);
  the `dstcode` header on every request, login included (§1.3).
- Success is `error_code` "0", "00" or 0 (§1.5); any other code is a refusal, except one that
  speaks of the session (log in once more and repeat once) and "already exists" (send again as
  an update). HTTP errors and time-outs are "unavailable": try later.

`isUpdating` is decided by asking the portal (`TraCuuHoSo`) before each dossier push, as
OpenCPS does (§1.4): the portal's own view is right even when it lost a push it acknowledged
or kept one whose answer we never got, where our log of acknowledgements would be wrong both
ways. One dossier per `DongBoHoSoMC` call, so a refusal names one dossier.

`MemoryNationalPortal` is the fake for unit tests; `devstack.fake_portal` serves the same
contract over HTTP on loopback. Both apply `check_items` and `record_push` below.
"""

from __future__ import annotations

import json
import random
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from pydantic import BaseModel, ConfigDict, SecretStr

from chalicelib.adapters.http_client import HttpAnswer, clip, http_request
from chalicelib.domain.portal_records import DOSSIER_SERVICE, PROGRESS_SERVICE
from chalicelib.ports.portal import PortalRejected, PortalUnavailable

TIMEOUT_SECONDS = 10.0
LOOKUP_SERVICE: Final = "TraCuuHoSo"
# The portal's words for an ended session and for a dossier it already holds (§1.4, §1.5).
SESSION_WORDS: Final = ("phiên", "session", "token")
EXISTS_CODES: Final = ("3", "-3")


class PortalConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    login_url: str
    integration_url: str
    username: str
    password: SecretStr
    madonvi: str
    dstcode: str


class _SessionEnded(Exception):
    pass


class _AlreadyExists(PortalRejected):
    """`isUpdating` "False" for a dossier the portal holds (TD: error_code 3 / -3)."""


class HttpNationalPortal:
    """The portal over HTTPS. One session per process, shared by the batch's records."""

    def __init__(
        self, config: PortalConfig, *, send: Callable[..., HttpAnswer] = http_request
    ) -> None:
        self.config = config
        self._send = send
        self._session: str | None = None
        self._lock = threading.Lock()

    # --- the port ----------------------------------------------------------------------------
    def push(self, service: str, items: Sequence[dict[str, Any]]) -> None:
        if not items:
            return
        if service != DOSSIER_SERVICE:
            self._call(service, {"data": list(items)})
            return
        for item in items:  # one dossier per call: a refusal names one dossier
            updating = self.look_up(str(item.get("MaHoSo", ""))) is not None
            try:
                self._call(service, {"isUpdating": _flag(updating), "data": [item]})
            except _AlreadyExists:
                if updating:
                    raise
                # Created meanwhile (by a push whose answer we lost): replace it.
                self._call(service, {"isUpdating": "True", "data": [item]})

    def look_up(self, code: str) -> dict[str, Any] | None:
        """What the portal holds for `code`, None when it holds nothing."""
        found = self._call(LOOKUP_SERVICE, {"mahoso": code})
        result = found.get("result")
        if isinstance(result, list) and result and isinstance(result[0], dict):
            return result[0]
        return None

    # --- one call ------------------------------------------------------------------------------
    def _call(self, service: str, fields: Mapping[str, Any]) -> dict[str, Any]:
        try:
            return self._call_once(service, fields, self._current_session())
        except _SessionEnded:
            pass
        try:
            return self._call_once(service, fields, self._current_session(renew=True))
        except _SessionEnded as exc:  # a fresh session refused too: the portal's trouble
            raise PortalUnavailable(f"{service}: session refused right after login") from exc

    def _call_once(self, service: str, fields: Mapping[str, Any], session: str) -> dict[str, Any]:
        body = {"session": session, "madonvi": self.config.madonvi, "service": service, **fields}
        answer = self._post(self.config.integration_url, body)
        if answer.status == 401:
            raise _SessionEnded
        found = _answer_of(service, answer)
        if not _succeeded(found):
            message = str(found.get("message", "")).lower()
            if any(word in message for word in SESSION_WORDS):
                raise _SessionEnded
            if str(found.get("error_code")) in EXISTS_CODES or "đã tồn tại" in message:
                raise _AlreadyExists(f"{service}: {_describe(answer)}")
            raise PortalRejected(f"{service}: {_describe(answer)}")
        return found

    def _post(self, url: str, body: Mapping[str, Any]) -> HttpAnswer:
        return self._send(
            "POST",
            url,
            body=json.dumps(body, ensure_ascii=False).encode(),
            headers={
                "Accept": "application/json",
                "Content-Type": "application/json; charset=utf-8",
                "dstcode": self.config.dstcode,
            },
            timeout=TIMEOUT_SECONDS,
        )

    def _current_session(self, *, renew: bool = False) -> str:
        with self._lock:
            if renew or self._session is None:
                self._session = self._login()
            return self._session

    def _login(self) -> str:
        credentials = {
            "username": self.config.username,
            "password": self.config.password.get_secret_value(),
        }
        answer = self._post(self.config.login_url, credentials)
        found = _answer_of("login", answer)
        session = found.get("session")
        if not _succeeded(found) or not isinstance(session, str) or not session:
            # Wrong credentials stay wrong: an operator must fix the parameter. Still
            # transient for the message, which must not be lost meanwhile.
            raise PortalUnavailable(f"login refused: {_describe(answer)}")
        return session


def _flag(value: bool) -> str:
    return "True" if value else "False"


def _succeeded(found: Mapping[str, Any]) -> bool:
    """`error_code` "0", "00" or 0 (§1.5); anything else, or none, is not a success."""
    code = found.get("error_code")
    if isinstance(code, bool) or not isinstance(code, int | str):
        return False
    try:
        return int(code) == 0
    except ValueError:
        return False


def _answer_of(service: str, answer: HttpAnswer) -> dict[str, Any]:
    """The JSON answer of a call the portal took; unavailable if it did not take it."""
    if answer.status is None or answer.status >= 500 or answer.status in (401, 408, 429):
        raise PortalUnavailable(f"{service}: {_describe(answer)}")
    try:
        found = json.loads(answer.body) if answer.body else None
    except ValueError:
        found = None
    if answer.status == 200 and isinstance(found, dict):
        return found
    if 400 <= answer.status < 500:
        raise PortalRejected(f"{service}: {_describe(answer)}")
    raise PortalUnavailable(f"{service}: answer not understood: {_describe(answer)}")


def _describe(answer: HttpAnswer) -> str:
    if answer.status is None:
        return answer.error or "no answer"
    return f"HTTP {answer.status}: {clip(answer.text())}"


# --- the portal's rules, shared by both fakes -------------------------------------------------
# Keys as docs/dvcqg-contract.md lists them (§2, §2.2-2.5, §3): an item with any other key is
# refused, as is a scalar that is not a string.
_FEE_KEYS: Final = frozenset({"TenPhiLePhi", "MaPhiLePhi", "HinhThucThu", "Gia", "LoaiPhiLePhi"})
_DOCUMENT_KEYS: Final = frozenset({
    "TepDinhKemId", "TenTepDinhKem", "IsDeleted", "MaThanhPhanHoSo", "DuongDanTaiTepTin",
    "DuocSoHoa", "DuocTaiSuDung", "DuocLayTuKhoDMQG", "MaKetQuaThayThe",
})  # fmt: skip
_SUPPLEMENT_KEYS: Final = frozenset({
    "HoSoBoSungId", "NguoiYeuCauBoSung", "NoiDungBoSung", "NgayBoSung", "NguoiTiepNhanBoSung",
    "ThongTinTiepNhan", "NgayTiepNhanBoSung", "TrangThaiBoSung", "DanhSachGiayToBoSung",
    "DanhSachLePhiBoSung", "NgayHenTraTruoc", "NgayHenTraMoi",
})  # fmt: skip
LIST_KEYS: Final[dict[str, frozenset[str]]] = {
    "TaiLieuNop": _DOCUMENT_KEYS,
    "DanhSachLePhi": _FEE_KEYS,
    "DanhSachTepDinhKemKhac": frozenset({"TenGiayTo", "SoLuong", "LoaiGiayTo"}),
    "DanhSachHoSoBoSung": _SUPPLEMENT_KEYS,
    "DanhSachGiayToKetQua": frozenset(
        {"TenGiayTo", "MaThanhPhanHoSo", "GiayToId", "DuongDanTepTinKetQua", "MaGiayToKetQua"}
    ),
    "DinhDanhCHS": frozenset({"LoaiDinhDanh", "SoDinhDanh"}),
    "DSKetNoiCSDL": frozenset({"MaCSDL"}),
    "DanhSachGiayToBoSung": _DOCUMENT_KEYS,
    "DanhSachLePhiBoSung": _FEE_KEYS,
}
DOSSIER_KEYS: Final = frozenset({
    "MaHoSo", "MaTTHC", "TenTTHC", "MaLinhVuc", "TenLinhVuc", "KenhThucHien", "SoBienNhan",
    "ChuHoSo", "SoGiayToChuHoSo", "LoaiDoiTuong", "MaDoiTuong", "ThongTinKhac", "Email",
    "SoDienThoai", "Fax", "TrichYeuHoSo", "NgayTiepNhan", "NgayHenTra", "TrangThaiHoSo",
    "NgayTra", "ThongTinTra", "HinhThuc", "NgayKetThucXuLy", "DonViXuLy", "GhiChu",
    "NoiNopHoSo", "HoSoCoThanhPhanSoHoa", "TaiKhoanDuocXacThucVoiVNeID",
    "DuocThanhToanTrucTuyen", "NgayTuChoi", "NgayNopHoSo", "DinhDanhCHS", "DSKetNoiCSDL",
    "TaiLieuNop", "DanhSachLePhi", "DanhSachTepDinhKemKhac", "DanhSachHoSoBoSung",
    "DanhSachGiayToKetQua",
})  # fmt: skip
DOSSIER_REQUIRED: Final = frozenset({
    "MaHoSo", "MaTTHC", "TenTTHC", "MaLinhVuc", "TenLinhVuc", "LoaiDoiTuong", "TrichYeuHoSo",
    "NgayTiepNhan", "NgayHenTra", "TrangThaiHoSo", "HinhThuc", "DonViXuLy",
})  # fmt: skip
PROGRESS_KEYS: Final = frozenset({
    "MaHoSo", "NguoiXuLy", "ChucDanh", "ThoiDiemXuLy", "PhongBanXuLy", "NoiDungXuLy",
    "TrangThai", "NgayBatDau", "NgayKetThucTheoQuyDinh",
})  # fmt: skip
PROGRESS_REQUIRED: Final = frozenset(
    {"MaHoSo", "NguoiXuLy", "ThoiDiemXuLy", "NoiDungXuLy", "TrangThai"}
)
_SERVICE_KEYS: Final = {
    DOSSIER_SERVICE: (DOSSIER_KEYS, DOSSIER_REQUIRED),
    PROGRESS_SERVICE: (PROGRESS_KEYS, PROGRESS_REQUIRED),
}


def contract_problems(service: str, items: Any) -> list[str]:
    """What the portal would refuse in `items` (empty: nothing), each naming the key."""
    if service not in _SERVICE_KEYS:
        return [f"service {service!r} không được hỗ trợ"]
    if not isinstance(items, list) or not items:
        return ["data phải là một danh sách không rỗng"]
    keys, required = _SERVICE_KEYS[service]
    problems: list[str] = []
    for n, item in enumerate(items):
        if not isinstance(item, dict):
            problems.append(f"data[{n}] phải là một đối tượng")
            continue
        problems += [f"data[{n}].{k}: thiếu trường bắt buộc" for k in sorted(required - set(item))]
        if not item.get("MaHoSo"):
            problems.append(f"data[{n}].MaHoSo: không được để trống")
        problems += _shape_problems(f"data[{n}]", item, keys)
    return problems


def _shape_problems(path: str, item: Mapping[str, Any], keys: frozenset[str]) -> list[str]:
    problems = []
    for key, value in item.items():
        where = f"{path}.{key}"
        if key not in keys:
            problems.append(f"{where}: trường không có trong đặc tả")
        elif key in LIST_KEYS:
            if not isinstance(value, list):
                problems.append(f"{where}: phải là một danh sách")
                continue
            for n, entry in enumerate(value):
                if isinstance(entry, dict):
                    problems += _shape_problems(f"{where}[{n}]", entry, LIST_KEYS[key])
                else:
                    problems.append(f"{where}[{n}]: phải là một đối tượng")
        elif not isinstance(value, str):
            problems.append(f"{where}: phải là chuỗi ký tự")
    return problems


def check_items(service: str, items: Any) -> None:
    problems = contract_problems(service, items)
    if problems:
        raise PortalRejected(f"{service}: dữ liệu không hợp lệ: {'; '.join(problems[:5])}")


def record_push(
    dossiers: dict[str, dict[str, Any]],
    steps: dict[tuple[str, str], dict[str, Any]],
    service: str,
    items: Sequence[dict[str, Any]],
) -> None:
    """The portal's rules once the items pass `check_items`: a dossier replaces the one with
    its `MaHoSo`; a step identical to one held is the same step."""
    for item in items:
        if service == DOSSIER_SERVICE:
            dossiers[item["MaHoSo"]] = dict(item)
        elif service == PROGRESS_SERVICE:
            steps[(item["MaHoSo"], json.dumps(item, sort_keys=True))] = dict(item)
        else:
            raise PortalRejected(f"unknown service {service}")


def held(
    dossiers: Mapping[str, dict[str, Any]],
    steps: Mapping[tuple[str, str], dict[str, Any]],
    code: str,
) -> dict[str, Any] | None:
    """`TraCuuHoSo`'s answer item: the dossier as last pushed, with its steps under
    `QuaTrinhXuLy` (§4: the answer's fields are not known; this is our assumption)."""
    found = dossiers.get(code)
    if found is None:
        return None
    mine = sorted((s for key, s in steps.items() if key[0] == code),
                  key=lambda s: s["ThoiDiemXuLy"])  # fmt: skip
    return {**found, "QuaTrinhXuLy": mine}


@dataclass
class MemoryNationalPortal:
    """What the portal would hold: dossiers by code and steps by their key. It refuses what
    the real one would (`check_items`). `fail(n)` makes the next n calls fail as if the portal
    were down. As `devstack.fake_portal`, with a seeded random: `fail_rate` of the pushes fail
    (half before recording, half after: the answer was lost), and `lose_rate` are
    acknowledged and then forgotten."""

    dossiers: dict[str, dict[str, Any]] = field(default_factory=dict)
    steps: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    pushes: int = 0
    fail_rate: float = 0.0
    lose_rate: float = 0.0
    seed: int | None = None
    lost: int = 0
    _failures_left: int = 0
    _random: random.Random = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)

    def fail(self, times: int) -> None:
        self._failures_left = times

    def _outage(self, service: str) -> None:
        if self._failures_left > 0:
            self._failures_left -= 1
            raise PortalUnavailable(f"{service}: HTTP 503 (fake outage)")

    def push(self, service: str, items: Sequence[dict[str, Any]]) -> None:
        if not items:
            return
        self.pushes += 1
        self._outage(service)
        check_items(service, list(items))
        failing = self._random.random() < self.fail_rate
        if failing and self._random.random() < 0.5:
            raise PortalUnavailable(f"{service}: HTTP 503 (fake, before recording)")
        if not failing and self._random.random() < self.lose_rate:
            self.lost += 1  # acknowledged, never recorded
            return
        record_push(self.dossiers, self.steps, service, items)
        if failing:
            raise PortalUnavailable(f"{service}: HTTP 503 (fake, recorded, answer lost)")

    def look_up(self, code: str) -> dict[str, Any] | None:
        self._outage(LOOKUP_SERVICE)
        return held(self.dossiers, self.steps, code)

    def status_of(self, code: str) -> int | None:
        found = self.dossiers.get(code)
        return int(found["TrangThaiHoSo"]) if found else None
