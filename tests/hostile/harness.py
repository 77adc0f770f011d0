"""The hostile-input corpus: loading its cases and sending them to the app in-process.

Each file `corpus/<category>.json` is `{"category": ..., "about": ..., "cases": [case, ...]}`.
A case names

- `id`: unique across the corpus;
- `route`: `"POST /v1/webhooks/dossiers"`; `{code}` stands for the case's `code` if it has
  one, else for the dossier seeded before the run (a real one, so that a refusal that should
  have happened shows as a queued command);
- `path` (optional): the other ids in the route, `{"command_id": text}`;
- `query` (optional): a string appended after `?` as it is, or an object to URL-encode;
- `auth`: `none`, `signed` (a fresh valid signature of the exact bytes sent) or one of the
  `signed:` modes below, `jwt` (a receiver of the ward, unit MOT_CUA) or one of the `jwt:`
  modes below; `client` picks the signing client (by default the client with the route's
  scope, `default_client`: `portal-dev`, or `gateway-dev` for delivery receipts and opt-outs;
  `tax-dev` speaks for the tax department);
- `headers` (optional): added last, so they override (`Content-Type` too);
- the body, one of
  - `template`: a valid body (see TEMPLATES) changed by `set` {path: value}, `unset` [path],
    `replicate` {path: n} (the list there becomes n copies of its first item), `fill`
    {path: text} (a string), `raw` {path: text} (JSON text put there as it is: NaN, 1e999,
    "\\ud800", a repeated key …) and `nest` {path: {"open": "[", "close": "]", "depth": n,
    "inner": ""}} (raw nested JSON); paths are `applicant.name`, `documents[0].url`,
    `data[0].ChuHoSo`;
  - `body`: any JSON value, serialised as UTF-8;
  - `body_text`: text, sent as its UTF-8 bytes (broken JSON, huge bodies);
  - `body_b64`: the bytes, base64 (invalid UTF-8);
  - nothing: an empty body;
  Wherever a text is expected (`fill`, `raw`, `body_text`, query and header values) a long
  one is written `{"text": t, "times": n}` (t repeated n times), or a list of such parts;
- `status` and `field`: the answer expected, a problem+json whose `errors` name `field`;
- `first` (optional): a request the case is sent after, on the same route and template with
  its own `set` (the same auth and headers), which must be accepted (2xx): the case is then a
  request sent again (another body under the same id or key) and must write nothing more.
"""

from __future__ import annotations

import base64
import copy
import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from chalicelib.auth import signatures
from chalicelib.auth.signatures import (
    CLIENT_HEADER,
    DEV_WEBHOOK_SECRET,
    SIGNATURE_HEADER,
    sign,
    sign_v1,
)
from chalicelib.auth.tokens import DEV_JWT_KEY, mint_dev_token

CORPUS_DIR = Path(__file__).resolve().parent / "corpus"
WARD = "000.00.41.H19"
TAX = "000.00.90.H19"
TAX_CLIENT = "tax-dev"
TAX_SECRET = "motcua-local-tax-secret"
PORTAL_CLIENT = "portal-dev"
GATEWAY_CLIENT = "gateway-dev"  # the SMS/ZNS gateway: scopes delivery-receipts and opt-outs
GATEWAY_SECRET = "motcua-local-gateway-secret"
GATEWAY_SCOPES = ["delivery-receipts", "opt-outs"]
PORTAL_SCOPES = ["dossiers", "portal-events", "ratings", "feedback"]
SECRETS = {
    PORTAL_CLIENT: DEV_WEBHOOK_SECRET,
    TAX_CLIENT: TAX_SECRET,
    GATEWAY_CLIENT: GATEWAY_SECRET,
}
GATEWAY_ROUTES = ("/v1/webhooks/delivery-receipts", "/v1/webhooks/opt-outs")
# The signing callers of the authorization matrix (authorization.CALLERS) and their clients.
SIGNERS = {"portal": PORTAL_CLIENT, "agency_system": TAX_CLIENT, "gateway": GATEWAY_CLIENT}
ISSUER, AUDIENCE = "motcua-local", "motcua"
SEED_PHONE = "0912345678"

_DOCUMENT = {
    "name": "Tờ khai đăng ký khai sinh",
    "url": "https://dvc.dongnai.gov.vn/files/to-khai.pdf",
    "digitised": True,
}
_DVCQG_ITEM = {
    "MaHoSo": "000.00.41.H19-260309-0101",
    "MaTTHC": "1.001193.000.00.00.H19",
    "TenTTHC": "Đăng ký khai sinh",
    "KenhThucHien": "2",
    "ChuHoSo": "Nguyễn Văn An",
    "LoaiDoiTuong": "1",
    "SoGiayToChuHoSo": "075090001234",
    "SoDienThoai": "0912345678",
    "Email": "an.nguyen@example.vn",
    "TrichYeuHoSo": "Đăng ký khai sinh cho con",
    "NgayTiepNhan": "20260309090000",
    "NgayHenTra": "",
    "TrangThaiHoSo": "1",
    "DonViXuLy": WARD,
    "NoiNopHoSo": WARD,
    "HoSoCoThanhPhanSoHoa": "1",
    "DuocThanhToanTrucTuyen": "0",
    "TaiLieuNop": [
        {
            "TenTepDinhKem": "Tờ khai đăng ký khai sinh",
            "DuongDanTaiTepTin": "https://dvc.dongnai.gov.vn/files/to-khai.pdf",
            "DuocSoHoa": "1",
        }
    ],
    "DanhSachLePhi": [{"TenPhiLePhi": "Lệ phí đăng ký khai sinh", "Gia": "0"}],
}
# Valid bodies: each case breaks one thing in one of them. `test_templates_are_accepted`
# proves that each is accepted as it is, so that a refusal is the case's doing.
UNKNOWN_CODE = f"{WARD}-260101-9999"  # of the ward's form, never issued in the tests' world
TEMPLATES: dict[str, Any] = {
    "dossier": {
        "external_id": "hostile-0001",
        "procedure_code": "1.001193",
        "channel": 2,
        "applicant": {
            "name": "Nguyễn Văn An",
            "kind": 1,
            "id_number": "075090001234",
            "phone": "0912345678",
            "email": "an.nguyen@example.vn",
        },
        "resolving_agency": WARD,
        "received_by_agency": WARD,
        "submitted_at": "2026-03-09T09:00:00+07:00",
        "awaiting_counter_check": False,
        "summary": "Đăng ký khai sinh cho con",
        "documents": [_DOCUMENT],
        "fees": [{"name": "Lệ phí đăng ký khai sinh", "amount_vnd": 0}],
    },
    "counter": {
        "external_id": "quay-0001",
        "procedure_code": "1.001193",
        "channel": 1,
        "applicant": {"name": "Trần Thị Bình", "kind": 1, "phone": "0903123456"},
        "resolving_agency": WARD,
        "submitted_at": "2026-03-09T09:00:00+07:00",
        "awaiting_counter_check": False,
        "documents": [_DOCUMENT],
    },
    "dvcqg": _DVCQG_ITEM,
    "envelope": {"service": "DongBoHoSoMC", "isUpdating": "false", "data": [_DVCQG_ITEM]},
    "action": {"action": "take_up", "expected_version": 1, "note": "Thụ lý hồ sơ"},
    "system_action": {"action": "request_fees", "amount_vnd": 1500000, "note": "Thuế TNCN"},
    "delivery_receipt": {
        "provider": "sns",
        "message_id": "msg-0001",
        "status": "delivered",
        "at": "2026-03-09T09:00:05+07:00",
    },
    "opt_out": {"phone": "0912345678", "opted_out": True, "source": "sms reply"},
    # The citizen's voice (issue 19, docs/citizen-voice.md). A device's rating of a dossier
    # that does not exist (404 naming `code`); the link's answer (the seeded dossier is not
    # returned: 409 naming `code`); PAKN that are kept (201).
    "rating_form": {"satisfied": False, "reasons": ["official"], "comment": "Chờ lâu"},
    "device_rating": {
        "rating_id": "kiosk-01-000001",
        "code": UNKNOWN_CODE,
        "satisfied": True,
        "rated_at": "2026-03-09T10:00:00+07:00",
        "source": "counter_device",
    },
    "feedback": {
        "external_id": "HOIDAP-0001",
        "channel": "national_portal",
        "kind": "complaint",
        "agency": WARD,
        "title": "Chậm trả kết quả",
        "content": "Hồ sơ quá hẹn ba ngày.",
        "person": {"name": "Trần Thị Bình", "phone": "0912345678", "email": "binh@example.vn"},
        "received_at": "2026-03-09T08:00:00+07:00",
    },
    "feedback_in": {
        "channel": "phone",
        "title": "Góp ý giờ làm việc",
        "content": "Đề nghị mở cửa sáng thứ Bảy.",
        "person": {"name": "Lê Văn Cường", "phone": "0903123456"},
    },
    "feedback_action": {"action": "start", "expected_revision": 1},
    # POST /v1/dossiers/{code}/uploads: a scan of the birth registration's first component
    "upload": {
        "kind": "component",
        "component": "1",
        "content_type": "application/pdf",
        "size": 2000,
        "name": "Tờ khai đăng ký khai sinh.pdf",
    },
}


@dataclass
class Case:
    id: str
    category: str
    method: str
    path: str
    auth: str
    client: str
    headers: dict[str, str]
    body: bytes
    status: int
    field: str
    first_body: bytes | None = None  # accepted before the case is sent (`first`)


@dataclass
class Outcome:
    case: Case
    ok: bool
    why: str = ""
    answer: dict[str, Any] = field(default_factory=dict)


# -- loading ------------------------------------------------------------------------------------
def load_corpus(directory: Path = CORPUS_DIR) -> list[dict[str, Any]]:
    """Every case of every file, with its category; raw (bodies not built yet)."""
    cases = []
    for path in sorted(directory.glob("*.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        for case in document["cases"]:
            cases.append({"category": document["category"], **case})
    return cases


_STEP = re.compile(r"([^.\[\]]+)|\[([0-9]+)\]")


def _steps(path: str) -> list[str | int]:
    return [int(index) if index else key for key, index in _STEP.findall(path)]


def _parent(document: Any, path: str) -> tuple[Any, str | int]:
    steps = _steps(path)
    node = document
    for step in steps[:-1]:
        node = node[step]
    return node, steps[-1]


def _marker(index: int) -> str:
    return f"@@RAW{index}@@"


def text_of(spec: Any) -> str:
    """A text of the corpus: as it is, `{"text": t, "times": n}`, or a list of those."""
    if isinstance(spec, str):
        return spec
    if isinstance(spec, list):
        return "".join(text_of(part) for part in spec)
    return spec["text"] * spec["times"]


def build_body(spec: dict[str, Any]) -> bytes:
    if "body_b64" in spec:
        return base64.b64decode(spec["body_b64"])
    if "body_text" in spec:
        return text_of(spec["body_text"]).encode("utf-8")
    if "body" in spec:
        return json.dumps(spec["body"], ensure_ascii=False).encode("utf-8")
    if "template" not in spec:
        return b""
    document = copy.deepcopy(TEMPLATES[spec["template"]])
    for path, value in spec.get("set", {}).items():
        node, last = _parent(document, path)
        node[last] = value
    for path in spec.get("unset", []):
        node, last = _parent(document, path)
        del node[last]
    for path, times in spec.get("replicate", {}).items():
        node, last = _parent(document, path)
        node[last] = [copy.deepcopy(node[last][0]) for _ in range(times)]
    for path, fill in spec.get("fill", {}).items():
        node, last = _parent(document, path)
        node[last] = text_of(fill)
    raws: list[str] = []
    for path, text in spec.get("raw", {}).items():
        node, last = _parent(document, path)
        node[last] = _marker(len(raws))
        raws.append(text_of(text))
    for path, nest in spec.get("nest", {}).items():
        node, last = _parent(document, path)
        node[last] = _marker(len(raws))
        depth = nest["depth"]
        raws.append(nest["open"] * depth + nest.get("inner", "") + nest["close"] * depth)
    text = json.dumps(document, ensure_ascii=False)
    for index, raw in enumerate(raws):
        text = text.replace(json.dumps(_marker(index)), raw)
    # A raw lone surrogate escape stays an escape: the text is still valid UTF-8.
    return text.encode("utf-8")


RATING_PATH = "/v1/public/ratings/"


def rating_token(code: str) -> str:
    """The invitation's token of `code` under the local stage's development PIN key."""
    from chalicelib.services.pins import DEV_KEY
    from chalicelib.services.rating_links import RatingLinks

    return RatingLinks(DEV_KEY).token(code)


def default_client(path: str) -> str:
    """The client that signs a case naming none: the one with the route's scope."""
    return GATEWAY_CLIENT if path.startswith(GATEWAY_ROUTES) else PORTAL_CLIENT


def expand(raw: dict[str, Any], seeded_code: str) -> Case:
    method, _, path = raw["route"].partition(" ")
    path = path.replace("{code}", raw.get("code", seeded_code))
    for name, value in raw.get("path", {}).items():  # other path ids: {receipt_id} …
        path = path.replace("{" + name + "}", text_of(value))
    if path.startswith(RATING_PATH) and "{token}" in path:  # else a valid link to a dossier
        path = path.replace("{token}", rating_token(raw.get("token_code", seeded_code)))
    query = raw.get("query")
    if isinstance(query, dict):
        path += "?" + urlencode({name: text_of(value) for name, value in query.items()})
    elif query is not None:
        path += "?" + query
    return Case(
        id=raw["id"],
        category=raw["category"],
        method=method,
        path=path,
        auth=raw.get("auth", "none"),
        client=raw.get("client", default_client(path)),
        headers={name: text_of(value) for name, value in raw.get("headers", {}).items()},
        # "{seeded}" in a body: the seeded dossier's code
        body=build_body(raw).replace(b"{seeded}", seeded_code.encode()),
        status=raw["status"],
        field=raw["field"],
        first_body=build_body({"template": raw["template"], **raw["first"]})
        if "first" in raw
        else None,
    )


# -- credentials --------------------------------------------------------------------------------
def token_claims() -> dict[str, Any]:
    """The default official's claims (A's receiver)."""
    return {"sub": "can-bo-1", "name": "Lê Văn Cường", "agency": WARD, "unit": "MOT_CUA",
            "roles": ["receiver"]}  # fmt: skip


def token(**overrides: Any) -> str:
    claims: dict[str, Any] = {
        "sub": "can-bo-1",
        "name": "Lê Văn Cường",
        "agency": WARD,
        "unit": "MOT_CUA",
        "roles": ["receiver"],
        "issuer": ISSUER,
        "audience": AUDIENCE,
    }
    claims.update(overrides)
    key = claims.pop("key", DEV_JWT_KEY)
    return mint_dev_token(key, **claims)


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _jwt_headers(mode: str) -> dict[str, str]:
    now = int(time.time())
    tokens = {
        "jwt": lambda: token(),
        "jwt:expired": lambda: token(now=now - 9 * 3600),
        "jwt:not-yet-valid": lambda: token(now=now + 3600),
        "jwt:wrong-key": lambda: token(key="not-the-development-key-but-long-enough"),
        "jwt:wrong-issuer": lambda: token(issuer="https://evil.example"),
        "jwt:wrong-audience": lambda: token(audience="someone-else"),
        "jwt:no-known-role": lambda: token(roles=["superuser", "system"]),
        "jwt:specialist": lambda: token(roles=["specialist"]),
        "jwt:other-agency": lambda: token(agency="000.00.42.H19"),
        "jwt:bad-agency-claim": lambda: token(agency="UBND xã"),
        "jwt:alg-none": lambda: ".".join(
            [
                _b64({"alg": "none", "typ": "JWT"}),
                token().split(".")[1],
                "",
            ]
        ),
        "jwt:truncated": lambda: token()[:-12],
        # Another agency's claims under the ward receiver's signature.
        "jwt:tampered-payload": lambda: ".".join(
            [
                token().split(".")[0],
                token(agency="000.00.00.H19", roles=["admin"]).split(".")[1],
                token().split(".")[2],
            ]
        ),
    }
    if mode == "jwt:missing":
        return {}
    if mode == "jwt:basic":
        return {"Authorization": "Basic Y2FuLWJvOm1hdGtoYXU="}
    if mode == "jwt:garbage":
        return {"Authorization": "Bearer not.a.jwt"}
    if mode == "jwt:two-tokens":
        return {"Authorization": f"Bearer {token()} {token()}"}
    return {"Authorization": f"Bearer {tokens[mode]()}"}


def webhook_headers(
    client: str, method: str, path: str, body: bytes, *, ago: int = 0
) -> dict[str, str]:
    """A genuine client's signed headers (v2) for this request, signed `ago` seconds ago: the
    one signing helper of the tests that send webhooks to the app."""
    secret = SECRETS.get(client, DEV_WEBHOOK_SECRET)
    timestamp = int(time.time()) - ago
    return signatures.signed_headers(
        client, secret, method=method, target=path, body=body, timestamp=timestamp
    )


def elsewhere(path: str) -> str:
    """Another route a captured signature could be replayed to: another dossier's inter-agency
    route, or another webhook."""
    parts = path.split("?")[0].split("/")
    if "inter-agency" in parts:
        parts[parts.index("inter-agency") + 1] = "000.00.41.H19-260309-0999"
        return "/".join(parts)
    return "/v1/webhooks/opt-outs" if path != "/v1/webhooks/opt-outs" else "/v1/webhooks/dossiers"


def signed_headers(case: Case) -> tuple[dict[str, str], bool]:
    """The webhook headers of `case`, and whether its signature is to be spent first."""
    mode = case.auth
    secret = SECRETS.get(case.client, DEV_WEBHOOK_SECRET)
    now = int(time.time())

    def signed(secret: str = secret, body: bytes = case.body, t: int = now, **request: str) -> str:
        request = {"method": case.method, "target": case.path, "client_id": case.client, **request}
        return sign(secret, body, t, **request)

    good = signed()
    headers = {CLIENT_HEADER: case.client, SIGNATURE_HEADER: good}
    if mode == "signed":
        return headers, False
    if mode in ("signed:replayed", "signed:replayed-upper"):
        if mode.endswith("upper"):  # the same signature, re-cased: still a replay
            t, _, v2 = good.partition(",v2=")
            headers[SIGNATURE_HEADER] = f"{t},v2={v2.upper()}"
        return headers, True
    query = "&" if "?" in case.path else "?"
    changes = {
        "signed:unsigned": {SIGNATURE_HEADER: None},
        "signed:no-client": {CLIENT_HEADER: None},
        "signed:unknown-client": {CLIENT_HEADER: "portal-nobody"},
        "signed:bad-client-id": {CLIENT_HEADER: "Portal Dev/../x"},
        "signed:wrong-secret": {SIGNATURE_HEADER: signed("not-the-secret")},
        "signed:other-client-secret": {SIGNATURE_HEADER: signed(TAX_SECRET)},
        "signed:expired": {SIGNATURE_HEADER: signed(t=now - 360)},
        "signed:future": {SIGNATURE_HEADER: signed(t=now + 360)},
        "signed:tampered": {SIGNATURE_HEADER: signed(body=case.body + b" ")},
        # A genuine signature, captured and sent to another route, method, query or as
        # another client: v2 covers them all.
        "signed:other-path": {SIGNATURE_HEADER: signed(target=elsewhere(case.path))},
        "signed:other-query": {SIGNATURE_HEADER: signed(target=f"{case.path}{query}dry_run=1")},
        "signed:other-method": {SIGNATURE_HEADER: signed(method="PUT")},
        "signed:as-other-client": {SIGNATURE_HEADER: signed(client_id=TAX_CLIENT)},
        # The older scheme, right MAC and all, from a client not flagged as migrating.
        "signed:v1": {SIGNATURE_HEADER: sign_v1(secret, case.body, now)},
        "signed:tampered-timestamp": {
            SIGNATURE_HEADER: good.replace(f"t={now}", f"t={now - 1}"),
        },
        "signed:truncated": {SIGNATURE_HEADER: good[:-1]},
        "signed:no-timestamp": {SIGNATURE_HEADER: good.split(",", 1)[1]},
        "signed:no-signature": {SIGNATURE_HEADER: good.split(",", 1)[0]},
        "signed:v0-only": {SIGNATURE_HEADER: good.replace("v2=", "v0=")},
        "signed:ms-timestamp": {SIGNATURE_HEADER: signed(t=now * 1000)},
        "signed:two-timestamps": {SIGNATURE_HEADER: f"t={now},{good}"},
        "signed:garbage": {SIGNATURE_HEADER: "sha256=deadbeef"},
        "signed:oversized": {SIGNATURE_HEADER: good + ",v2=" + "0" * 64 * 40},
    }
    for name, value in changes[mode].items():
        if value is None:
            del headers[name]
        else:
            headers[name] = value
    return headers, False


def request_headers(case: Case) -> tuple[dict[str, str], bool]:
    """The headers to send, and whether the signature must be spent first (a replay)."""
    headers: dict[str, str] = {}
    replay = False
    if case.method == "POST":
        headers["Content-Type"] = "application/json"
    if case.auth.startswith("signed"):
        signed, replay = signed_headers(case)
        headers.update(signed)
    elif case.auth.startswith("jwt"):
        headers.update(_jwt_headers(case.auth))
    elif case.auth != "none":
        raise ValueError(f"case {case.id}: unknown auth {case.auth!r}")
    headers.update(case.headers)
    return headers, replay


# -- judging ------------------------------------------------------------------------------------
def judge(case: Case, status: int, headers: dict[str, str], body: bytes) -> Outcome:
    content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
    try:
        answer = json.loads(body)
    except ValueError:
        return Outcome(case, False, f"{status}: not JSON: {body[:120]!r}")
    if status != case.status:
        return Outcome(case, False, f"status {status}, expected {case.status}: {answer}", answer)
    if content_type.split(";")[0].strip() != "application/problem+json":
        return Outcome(case, False, f"Content-Type {content_type!r}", answer)
    fields = [e.get("field") for e in answer.get("errors", [])]
    if case.field not in fields:
        return Outcome(case, False, f"fields {fields}, expected {case.field!r}", answer)
    if any(not e.get("message") for e in answer.get("errors", [])):
        return Outcome(case, False, "an error without a message", answer)
    return Outcome(case, True, answer=answer)


def tally(outcomes: list[Outcome]) -> Iterator[tuple[str, int, int]]:
    """(category, cases, passed), in corpus order."""
    seen: dict[str, list[int]] = {}
    for outcome in outcomes:
        counts = seen.setdefault(outcome.case.category, [0, 0])
        counts[0] += 1
        counts[1] += outcome.ok
    for category, (cases, passed) in seen.items():
        yield category, cases, passed
