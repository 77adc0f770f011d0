"""A stand-in for the national payment platform (PayGov) on loopback, speaking the wire format
of chalicelib/adapters/paygov.py (docs/payment-contract.md §2-§4):

- `POST /transaction/create`: a signed order (`check_sum` under `hash_key_1`) → `{"error":
  "0", "payment_url": <its checkout page>}`; the same order again gets the same page, the
  same order code with another amount is refused (`"error": "1"`), and so is an order whose
  `bill_info` lacks one of REQUIRED_BILL_INFO (the dossier, procedure, payer's name, deciding
  agency). `orders` keeps each accepted create's body as sent, for tests to read.
- `GET /checkout/<token>`: a page a person (or a browser test) pays on; `POST` to it pays:
  the payment is recorded, the callback signed under `hash_key_2` is POSTed to `callback_url`
  (the API's `POST /v1/webhooks/payments/paygov`), then the browser goes back to the order's
  `return_url` (303).
- `POST /transaction/statement`: a signed day (`trans_date` yyyyMMdd) → every payment taken
  that day (Vietnam time), callback-shaped and signed, whether its callback got through or not.

Knobs for tests (attributes in-process, or `POST /_control`): `drop_callback` (the money is
taken, no callback is sent: reconciliation must find it), `callback_times` (the same callback
sent N times), `amount_delta` (the payer pays that much more, or less, than asked),
`paid_late_seconds` (the payment is dated that long after now: after the order's expiry),
`down` (every call answered 503) and `delay_seconds` (a slow platform). `pay()` does in-process
what the page's button does. `GET /_records` shows orders, payments and callback answers.
"""

from __future__ import annotations

import contextlib
import hmac
import html
import json
import secrets
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler
from typing import Any

from chalicelib.adapters.http_client import http_request
from chalicelib.adapters.paygov import (
    CALLBACK_SIGNED_FIELDS,
    CHECKSUM_FIELD,
    COMMAND_PAY,
    COMMAND_STATEMENT,
    CREATE_PATH,
    CREATE_SIGNED_FIELDS,
    CURRENCY,
    LOCAL_HASH_KEYS,
    PAID,
    STATEMENT_PATH,
    STATEMENT_SIGNED_FIELDS,
    VERSION,
    VIETNAM,
    checksum,
    vietnam_time,
)
from devstack.loopback import LoopbackServer

CLIENT_ID = "MOTCUA-LOCAL"
# The local stage's keys only: published on purpose, refused by every other stage.
HASH_KEY_1, HASH_KEY_2 = LOCAL_HASH_KEYS
CHECKOUT_PATH = "/checkout/"
# The `bill_info` keys a create must fill (docs/payment-contract.md §6.9: OpenCPS fills them and
# does not mark them "ko bb"), so a request that loses one fails the contract tests.
REQUIRED_BILL_INFO = ("MaHoSo", "MaTTHC", "TenTTHC", "HoTenNguoiNop", "MaCoQuanQD")
CONTROLS = ("drop_callback", "callback_times", "amount_delta", "paid_late_seconds", "down",
            "delay_seconds")  # fmt: skip

Answer = tuple[int, dict[str, Any]]


def refused(message: str) -> Answer:
    return 200, {"error": "1", "msg": message}


class FakePayGov(LoopbackServer):
    name = "fake-paygov"

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        callback_url: str | None = None,
        client_id: str = CLIENT_ID,
        hash_key_1: str = HASH_KEY_1,
        hash_key_2: str = HASH_KEY_2,
        clock: Callable[[], datetime] = lambda: datetime.now(VIETNAM),
    ) -> None:
        self.callback_url = callback_url
        self.client_id = client_id
        self.hash_key_1 = hash_key_1
        self.hash_key_2 = hash_key_2
        self.clock = clock
        self.drop_callback = False
        self.callback_times = 1
        self.amount_delta = 0
        self.paid_late_seconds = 0.0
        self.down = False
        self.delay_seconds = 0.0
        self.orders: dict[str, dict[str, Any]] = {}  # transaction_id → the create body
        self.tokens: dict[str, str] = {}  # checkout token → transaction_id
        self.payments: list[dict[str, Any]] = []  # signed, callback-shaped
        self.deliveries: list[tuple[int | None, str]] = []  # the callback URL's answers
        self._lock = threading.Lock()
        super().__init__(host, port)

    def handler(self) -> Callable[..., BaseHTTPRequestHandler]:
        return _handler_for(self)

    @property
    def running(self) -> bool:
        return self._server is not None

    def keys_json(self) -> str:
        """The SSM value the API reads (MOTCUA_PAYGOV_KEYS_PARAMETER)."""
        return json.dumps({"hash_key_1": self.hash_key_1, "hash_key_2": self.hash_key_2})

    # --- the platform's calls ----------------------------------------------------------------
    def create(self, body: Any) -> Answer:
        problem = self._signed_by_us(body, CREATE_SIGNED_FIELDS)
        if problem:
            return refused(problem)
        if body.get("command") != COMMAND_PAY or body.get("version") != VERSION:
            return refused("command/version không được hỗ trợ")
        code, amount = body.get("transaction_id"), body.get("trans_amount")
        if not isinstance(code, str) or not 0 < len(code) <= 20:
            return refused("transaction_id: 1 đến 20 ký tự")
        if not isinstance(amount, str) or not amount.isdigit() or int(amount) <= 0:
            return refused("trans_amount: số tiền không hợp lệ")
        problem = _missing_bill_info(body.get("bill_info"))
        if problem:
            return refused(problem)
        with self._lock:
            held = self.orders.get(code)
            if held is not None and held["trans_amount"] != amount:
                return refused(f"transaction_id {code} đã có với số tiền khác")
            if held is None:
                self.orders[code] = {**body, "_token": secrets.token_urlsafe(12)}
                self.tokens[self.orders[code]["_token"]] = code
            token = self.orders[code]["_token"]
        return 200, {
            "error": "0",
            "msg": "success",
            "payment_url": self.url + CHECKOUT_PATH + token,
        }

    def statement(self, body: Any) -> Answer:
        problem = self._signed_by_us(body, STATEMENT_SIGNED_FIELDS)
        if problem:
            return refused(problem)
        if body.get("command") != COMMAND_STATEMENT:
            return refused("command không được hỗ trợ")
        day = str(body.get("trans_date"))
        with self._lock:
            lines = [dict(p) for p in self.payments if p["trans_date"][:8] == day]
        return 200, {"error": "0", "msg": "success", "transactions": lines}

    def _signed_by_us(self, body: Any, fields: tuple[str, ...]) -> str | None:
        if not isinstance(body, dict):
            return "nội dung phải là một đối tượng JSON"
        if body.get("client_id") != self.client_id:
            return "client_id không đúng"
        try:
            expected = checksum(self.hash_key_1, body, fields)
        except TypeError:
            return "trường ký không hợp lệ"
        given = body.get(CHECKSUM_FIELD)
        if not isinstance(given, str) or not hmac.compare_digest(given, expected):
            return "check_sum không đúng"
        return None

    # --- paying --------------------------------------------------------------------------
    def pay(
        self, order_code: str, *, amount: int | None = None, paid_at: datetime | None = None
    ) -> tuple[dict[str, str], bytes]:
        """Take the order's payment, as the checkout page's button does, and deliver its
        callback as the knobs say; returns the callback (headers, body)."""
        with self._lock:
            order = self.orders[order_code]
            paid = amount if amount is not None else int(order["trans_amount"]) + self.amount_delta
            moment = paid_at or self.clock() + timedelta(seconds=self.paid_late_seconds)
            line: dict[str, Any] = {
                "client_id": self.client_id,
                "transaction_id": order_code,
                "transaction_code": f"PG{len(self.payments) + 1:010d}",
                "trans_amount": str(paid),
                "addition_fee": "0",
                "payment_fee": "0",
                "command": COMMAND_PAY,
                "version": VERSION,
                "currency_code": CURRENCY,
                "status": PAID,
                "trans_date": vietnam_time(moment),
                "description": order.get("description", ""),
            }
            line[CHECKSUM_FIELD] = checksum(self.hash_key_2, line, CALLBACK_SIGNED_FIELDS)
            self.payments.append(line)
        headers = {"Content-Type": "application/json"}
        body = json.dumps(line, ensure_ascii=False).encode("utf-8")
        if not self.drop_callback:
            for _ in range(max(self.callback_times, 0)):
                self._deliver(headers, body)
        return headers, body

    def _deliver(self, headers: dict[str, str], body: bytes) -> None:
        if not self.callback_url:
            return
        answer = http_request("POST", self.callback_url, body=body, headers=headers, timeout=10)
        with self._lock:
            self.deliveries.append((answer.status, answer.text() or answer.error or ""))

    def paid_on(self, day: str) -> list[dict[str, Any]]:
        """Payments dated `day` (yyyyMMdd)."""
        with self._lock:
            return [dict(p) for p in self.payments if p["trans_date"][:8] == day]

    def records(self) -> dict[str, Any]:
        with self._lock:
            return {
                "orders": [
                    {k: v for k, v in o.items() if k != "_token"} for o in self.orders.values()
                ],
                "payments": list(self.payments),
                "deliveries": list(self.deliveries),
                **{name: getattr(self, name) for name in CONTROLS},
            }  # fmt: skip

    def control(self, body: dict[str, Any]) -> dict[str, Any]:
        kinds = {"drop_callback": bool, "down": bool, "callback_times": int, "amount_delta": int}
        for name in CONTROLS:
            if name in body:
                setattr(self, name, kinds.get(name, float)(body[name]))
        return {name: getattr(self, name) for name in CONTROLS}

    def checkout_page(self, token: str) -> str | None:
        with self._lock:
            code = self.tokens.get(token)
            order = self.orders.get(code) if code else None
        if order is None:
            return None
        amount = f"{int(order['trans_amount']):,}".replace(",", ".")
        return f"""<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><title>Thanh toán (giả lập PayGov)</title></head>
<body><main>
<h1>Cổng thanh toán (giả lập, chỉ dùng thử)</h1>
<p>Mã giao dịch: <strong id="order">{html.escape(code or "")}</strong></p>
<p>Số tiền: <strong id="amount">{amount} đồng</strong></p>
<p>Nội dung: {html.escape(str(order.get("description", "")))}</p>
<form method="post" action="{CHECKOUT_PATH}{html.escape(token)}">
<button type="submit" id="pay">Thanh toán</button></form>
</main></body></html>"""

    def pay_by_token(self, token: str) -> str | None:
        """Pay from the page; the URL the browser goes back to, None for an unknown token."""
        with self._lock:
            code = self.tokens.get(token)
        if code is None:
            return None
        self.pay(code)
        return str(self.orders[code].get("return_url") or "/")


def _missing_bill_info(bill_info: Any) -> str | None:
    """The first required `bill_info` key that is absent or blank, named (never its value)."""
    if not isinstance(bill_info, dict):
        return "bill_info: bắt buộc"
    for key in REQUIRED_BILL_INFO:
        value = bill_info.get(key)
        if not isinstance(value, str) or not value.strip():
            return f"bill_info.{key}: bắt buộc"
    return None


def _handler_for(platform: FakePayGov) -> Callable[..., BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:  # quiet: the stack logs what matters
            pass

        def _send(self, status: int, content_type: str, raw: bytes, **headers: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(raw)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(raw)

        def _answer(self, status: int, body: Any) -> None:
            raw = json.dumps(body, ensure_ascii=False).encode()
            self._send(status, "application/json; charset=utf-8", raw)

        def _body(self) -> Any:
            length = int(self.headers.get("Content-Length") or 0)
            try:
                return json.loads(self.rfile.read(length) or b"null")
            except ValueError:
                return None

        def _unavailable(self) -> bool:
            if platform.delay_seconds > 0:
                time.sleep(platform.delay_seconds)
            if platform.down:
                self._answer(503, {"error": "503", "msg": "Hệ thống đang bận"})
            return platform.down

        def do_GET(self) -> None:
            if self.path == "/_records":
                self._answer(200, platform.records())
                return
            if self.path.startswith(CHECKOUT_PATH):
                page = platform.checkout_page(self.path[len(CHECKOUT_PATH) :])
                if page is not None:
                    self._send(200, "text/html; charset=utf-8", page.encode())
                    return
            self._answer(404, {"error": "404"})

        def do_POST(self) -> None:
            if self.path == "/_control":
                body = self._body()
                self._answer(200, platform.control(body if isinstance(body, dict) else {}))
            elif self.path.startswith(CHECKOUT_PATH):
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                back = platform.pay_by_token(self.path[len(CHECKOUT_PATH) :])
                if back is None:
                    self._answer(404, {"error": "404"})
                else:
                    self._send(303, "text/plain", b"", Location=back)
            elif self.path == CREATE_PATH:
                body = self._body()
                if not self._unavailable():
                    self._answer(*platform.create(body))
            elif self.path == STATEMENT_PATH:
                body = self._body()
                if not self._unavailable():
                    self._answer(*platform.statement(body))
            else:
                self._answer(404, {"error": "404"})

    return Handler


def main(argv: list[str] | None = None) -> int:
    """`python -m devstack.fake_paygov --callback-url …`: the fake alone, until stopped."""
    import argparse

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--callback-url", default=None)
    args = parser.parse_args(argv)
    with FakePayGov(port=args.port, callback_url=args.callback_url) as platform:
        print(f"fake PayGov on {platform.url} (keys: {platform.keys_json()})", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
