"""Zalo ZNS: template messages to the Zalo account of a phone number.

`POST {base_url}/message/template` with the OA's `access_token` header and JSON
`{"phone": "84…", "template_id", "template_data", "tracking_id"}`; Zalo answers HTTP 200 with
`{"error": 0, "data": {"msg_id": …}}` or a negative `error` and a `message`. The job's key goes
in `tracking_id` so a delivery can be matched to its job without Zalo's msg_id (Zalo advises
at most 48 characters, no special characters).

The access token lives about 25 h; it is renewed with the single-use refresh token (valid about
3 months) at `https://oauth.zaloapp.com/v4/oa/access_token`: form fields app_id, refresh_token,
grant_type=refresh_token and the app's secret in a `secret_key` header (Zalo OA docs, "xác thực
và ủy quyền"; hexasync.vn and beehexa.com walkthroughs). Every renewal returns a new pair, so
the new pair is written to SSM before the new access token is used: losing it would lose the
OA's authorisation until an administrator grants it again.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.parse
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.adapters import aws
from chalicelib.adapters.http_client import http_request
from chalicelib.notify.model import Channel, Outcome, OutgoingMessage, SendResult
from chalicelib.notify.providers import (
    DEFAULT_TIMEOUT,
    clip,
    http_status_result,
    valid_msisdn,
)

ZNS_BASE_URL = "https://business.openapi.zalo.me"
ZALO_OAUTH_URL = "https://oauth.zaloapp.com/v4/oa/access_token"
REFRESH_MARGIN_SECONDS = 300.0  # renew 5 minutes early: a send must not race the expiry
DEFAULT_EXPIRES_IN = 3600  # only if Zalo ever omits expires_in (it sends "90000")

# ZNS result codes → outcome. Sources:
#   [Z] zalo.cloud/zns/guidelines/handle-error-code, Zalo's own table (the stored copy was read
#       from 0 to -112; the rest of the page was not available);
#   [P] github.com/trungdv-fabbi/zalo-otp, src/Consts/ZaloErrorCode.php: the whole table by name,
#       agreeing with [Z] where both have a code;
#   [G] helpdesk.getfly.vn "Câu hỏi về ZNS": the same descriptions, in the same order.
# Recipient-side refusals (old app, account locked, user declined ZNS) are grouped with -118 as
# NO_ACCOUNT: the notice must still reach the citizen, and SMS is how production systems do it.
# Codes not listed (app or OA misconfigured: -101…-107, -120, -135, …) are PERMANENT.
ZNS_ERRORS: dict[int, tuple[Outcome, str]] = {
    -100: (Outcome.TRANSIENT, "unknown error, try again later"),  # [Z]
    -108: (Outcome.PERMANENT, "phone number invalid"),  # [Z]
    -109: (Outcome.TEMPLATE, "template ID invalid"),  # [Z]
    -110: (Outcome.NO_ACCOUNT, "Zalo app version unsupported"),  # [Z] user must update the app
    -111: (Outcome.TEMPLATE, "template data empty"),  # [Z]
    -112: (Outcome.TEMPLATE, "template data invalid"),  # [Z] [P]
    -1121: (Outcome.TEMPLATE, "parameter breaks max length"),  # [P]
    -1122: (Outcome.TEMPLATE, "template data missing parameter"),  # [P]
    -1123: (Outcome.TEMPLATE, "QR code cannot be generated"),  # [P] [G]
    -1124: (Outcome.TEMPLATE, "parameter in invalid format"),  # [P]
    -113: (Outcome.TEMPLATE, "button invalid"),  # [P] [G]
    -1131: (Outcome.TEMPLATE, "button content in invalid format"),  # [P]
    -114: (Outcome.NO_ACCOUNT, "user inactive, rejects ZNS or outdated app"),  # [P] [G]
    -115: (Outcome.QUOTA, "out of quota: ZNS account balance insufficient"),  # [P] [G]
    -116: (Outcome.TEMPLATE, "text invalid"),  # [P] [G]
    -117: (Outcome.TEMPLATE, "OA or app has no permission for this template"),  # [P] [G]
    -118: (Outcome.NO_ACCOUNT, "Zalo account not existed"),  # [P] [G], DOMAIN.md
    -119: (Outcome.NO_ACCOUNT, "account cannot receive messages"),  # [P] [G]
    -126: (Outcome.QUOTA, "out of quota in development mode"),  # [P]
    -130: (Outcome.TEMPLATE, "content exceeds the character limit"),  # [P]
    -131: (Outcome.TEMPLATE, "template not approved"),  # [P]
    -132: (Outcome.TEMPLATE, "parameter invalid"),  # [P]
    # Not sent at night (22:00-06:00) for this template type: the channel is closed for hours,
    # which the notifier treats like a quota (fall back) rather than retrying until morning.
    -133: (Outcome.QUOTA, "cannot send ZNS at night"),  # [P]
    -134: (Outcome.NO_ACCOUNT, "user has not answered the opt-in request"),  # [P]
    -137: (Outcome.QUOTA, "ZCA charge failed"),  # [P] billing: the channel has no money
    -139: (Outcome.NO_ACCOUNT, "user refused this type of ZNS"),  # [P]
    -140: (Outcome.NO_ACCOUNT, "user not eligible for this message"),  # [P]
    -141: (Outcome.NO_ACCOUNT, "user refused ZNS"),  # [P]
    -144: (Outcome.QUOTA, "OA exceeded its daily ZNS quota"),  # [P]
    -1441: (Outcome.QUOTA, "OA exceeded its monthly promotion quota"),  # [P]
    -145: (Outcome.TEMPLATE, "OA has no permission for this type of ZNS"),  # [P]
    -146: (Outcome.TEMPLATE, "template disabled for low quality"),  # [P]
    -147: (Outcome.QUOTA, "template exceeded its daily quota"),  # [P]
    -1471: (Outcome.QUOTA, "OA exceeded its monthly follow-up quota"),  # [P]
}
# Access token invalid or expired [P]: renew once and retry once.
TOKEN_ERRORS = frozenset({-124})


class ZnsTokenError(Exception):
    """The access token cannot be had now (SSM or the OAuth endpoint failed or refused).
    Its text never contains a token."""


class ZnsTokenSource(Protocol):
    def access_token(self) -> str: ...

    def refresh(self) -> str: ...


class StaticZnsTokens:
    """For tests: a fixed token; `refresh()` hands out the next of `refreshed` (or the same)."""

    def __init__(self, token: str, refreshed: Sequence[str] = ()) -> None:
        self.token = token
        self._next = list(refreshed)
        self.refreshes = 0

    def access_token(self) -> str:
        return self.token

    def refresh(self) -> str:
        self.refreshes += 1
        if self._next:
            self.token = self._next.pop(0)
        return self.token


@dataclass(frozen=True)
class ZnsTokens:
    access_token: str
    refresh_token: str
    expires_at: float  # epoch seconds: shared by every process that reads the parameter

    def __repr__(self) -> str:  # never print a token in a log line
        return f"ZnsTokens(expires_at={self.expires_at})"

    def to_json(self) -> str:
        return json.dumps(
            {
                "access_token": self.access_token,
                "refresh_token": self.refresh_token,
                "expires_at": self.expires_at,
            }
        )


class SsmZnsTokens:
    """The OA's token pair, kept as JSON `{"access_token", "refresh_token", "expires_at"}` in an
    SSM SecureString, cached in memory, renewed through Zalo OAuth when it expires (or 5 minutes
    before) or when Zalo rejects it.

    Several Lambdas share the parameter. Before renewing, the parameter is read again: another
    process may already hold a fresh pair, and renewing with a refresh token it already spent
    would fail. If the OAuth endpoint refuses and the parameter changed meanwhile, the stored
    pair is taken. A pair that could not be written back is kept and written before any use.
    """

    def __init__(
        self,
        parameter_name: str,
        oauth_url: str,
        app_id: str,
        secret_key_parameter: str,
        clock: Callable[[], float] = time.time,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        refresh_margin: float = REFRESH_MARGIN_SECONDS,
    ) -> None:
        self.parameter_name = parameter_name
        self.oauth_url = oauth_url
        self.app_id = app_id
        self.secret_key_parameter = secret_key_parameter
        self._clock = clock
        self.timeout = timeout
        self.margin = refresh_margin
        self._state: ZnsTokens | None = None
        self._unsaved: ZnsTokens | None = None
        self._secret: str | None = None
        self._lock = threading.Lock()

    def access_token(self) -> str:
        with self._lock:
            if self._flush_unsaved():
                return self._state.access_token  # type: ignore[union-attr]
            if self._state is None:
                self._state = self._read()
            if not self._fresh(self._state):
                self._state = self._renew(rejected=self._state.access_token)
            return self._state.access_token

    def refresh(self) -> str:
        with self._lock:
            if self._flush_unsaved():  # the pair was renewed already: it is the fresh one
                return self._state.access_token  # type: ignore[union-attr]
            if self._state is None:
                self._state = self._read()
            self._state = self._renew(rejected=self._state.access_token)
            return self._state.access_token

    def forget(self) -> None:
        with self._lock:
            self._state = None
            self._secret = None

    def _fresh(self, tokens: ZnsTokens) -> bool:
        return self._clock() < tokens.expires_at - self.margin

    def _renew(self, rejected: str) -> ZnsTokens:
        stored = self._read()
        if stored.access_token != rejected and self._fresh(stored):
            return stored  # another process renewed it
        answer = self._call_oauth(stored.refresh_token)
        if isinstance(answer, str):
            again = self._read()
            if again.refresh_token != stored.refresh_token and self._fresh(again):
                return again  # lost a race: the winner wrote the new pair
            raise ZnsTokenError(answer)
        self._unsaved = answer
        self._flush_unsaved()
        return answer

    def _call_oauth(self, refresh_token: str) -> ZnsTokens | str:
        """The new pair, or why Zalo refused the refresh token; raises if Zalo is unreachable."""
        form = urllib.parse.urlencode(
            {"app_id": self.app_id, "refresh_token": refresh_token, "grant_type": "refresh_token"}
        ).encode("ascii")
        answer = http_request(
            "POST",
            self.oauth_url,
            body=form,
            headers={
                "secret_key": self._secret_key(),
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/json",
            },
            timeout=self.timeout,
        )
        if answer.status is None or answer.status >= 500 or answer.status == 429:
            raise ZnsTokenError(f"OAuth unreachable: {answer.error or f'HTTP {answer.status}'}")
        try:
            data: Any = json.loads(answer.text())
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise ZnsTokenError(f"OAuth answered HTTP {answer.status} without JSON")
        access, refresh = data.get("access_token"), data.get("refresh_token")
        if isinstance(access, str) and access and isinstance(refresh, str) and refresh:
            try:
                expires_in = float(data.get("expires_in", DEFAULT_EXPIRES_IN))
            except (TypeError, ValueError):
                expires_in = DEFAULT_EXPIRES_IN
            return ZnsTokens(access, refresh, self._clock() + expires_in)
        # Zalo's refusal: {"error": -14014, "error_name": "...", "error_description": "..."}.
        reason = data.get("error_description") or data.get("error_name") or data.get("message")
        return clip(f"OAuth refused: error {data.get('error')}: {reason}")

    def _flush_unsaved(self) -> bool:
        """Write a renewed pair not yet saved; True if one was installed. Raises if SSM fails."""
        if self._unsaved is None:
            return False
        try:
            aws.client("ssm").put_parameter(
                Name=self.parameter_name,
                Value=self._unsaved.to_json(),
                Type="SecureString",
                Overwrite=True,
            )
        except (ClientError, BotoCoreError) as exc:
            raise ZnsTokenError(f"renewed tokens not saved yet: {type(exc).__name__}") from exc
        self._state, self._unsaved = self._unsaved, None
        return True

    def _read(self) -> ZnsTokens:
        value = self._get_parameter(self.parameter_name)
        try:
            data = json.loads(value)
            return ZnsTokens(
                str(data["access_token"]),
                str(data["refresh_token"]),
                float(data.get("expires_at") or 0),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise ZnsTokenError(f"{self.parameter_name}: not a token JSON object") from exc

    def _secret_key(self) -> str:
        if self._secret is None:
            self._secret = self._get_parameter(self.secret_key_parameter).strip()
        return self._secret

    def _get_parameter(self, name: str) -> str:
        try:
            answer = aws.client("ssm").get_parameter(Name=name, WithDecryption=True)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            raise ZnsTokenError(f"{name}: {code or 'SSM error'}") from exc
        except BotoCoreError as exc:
            raise ZnsTokenError(f"{name}: {type(exc).__name__}") from exc
        return str(answer["Parameter"]["Value"])


class ZaloZnsProvider:
    channel = Channel.ZNS

    def __init__(
        self,
        tokens: ZnsTokenSource,
        base_url: str = ZNS_BASE_URL,
        timeout: float = DEFAULT_TIMEOUT,
        *,
        name: str = "zalo-zns",
    ) -> None:
        self.name = name
        self.tokens = tokens
        self.url = base_url.rstrip("/") + "/message/template"
        self.timeout = timeout

    @staticmethod
    def request_body(message: OutgoingMessage) -> dict[str, Any]:
        return {
            "phone": message.to,
            "template_id": message.template_id,
            "template_data": dict(message.template_data),
            "tracking_id": message.key,
        }

    def send(self, message: OutgoingMessage) -> SendResult:
        if not valid_msisdn(message.to):
            return SendResult(Outcome.PERMANENT, self.name, error="invalid phone number")
        if not message.template_id:
            return SendResult(Outcome.TEMPLATE, self.name, error="no ZNS template for this notice")
        body = json.dumps(self.request_body(message), ensure_ascii=False).encode("utf-8")
        try:
            token = self.tokens.access_token()
        except ZnsTokenError as exc:
            return SendResult(Outcome.TRANSIENT, self.name, error=clip(f"zns token: {exc}"))
        result, rejected = self._post(token, body)
        if not rejected:
            return result
        try:
            token = self.tokens.refresh()
        except ZnsTokenError as exc:
            return SendResult(Outcome.TRANSIENT, self.name, error=clip(f"zns token: {exc}"))
        result, rejected = self._post(token, body)
        return result  # still rejected: TRANSIENT, with Zalo's words

    def _post(self, token: str, body: bytes) -> tuple[SendResult, bool]:
        """The result, and whether Zalo rejected the access token."""
        answer = http_request(
            "POST",
            self.url,
            body=body,
            headers={
                "access_token": token,
                "Content-Type": "application/json; charset=utf-8",
                "Accept": "application/json",
            },
            timeout=self.timeout,
        )
        decided = http_status_result(self.name, answer)
        if decided is not None:
            return decided, False
        try:
            data: Any = json.loads(answer.text())
            code = int(data["error"])
        except (ValueError, TypeError, KeyError):
            if answer.status == 401:
                return SendResult(Outcome.TRANSIENT, self.name, error="HTTP 401"), True
            # A 2xx that is not Zalo's JSON came from something in between: try again later.
            outcome = Outcome.TRANSIENT if (answer.status or 0) < 300 else Outcome.PERMANENT
            return SendResult(
                outcome, self.name, error=clip(f"HTTP {answer.status}: {answer.text()}")
            ), False
        zalo_message = data.get("message") if isinstance(data, dict) else None
        if code == 0:
            payload = data.get("data")
            found = payload.get("msg_id") if isinstance(payload, dict) else None
            return SendResult(
                Outcome.ACCEPTED,
                self.name,
                provider_message_id=None if found is None else str(found),
            ), False
        if code in TOKEN_ERRORS:
            return SendResult(
                Outcome.TRANSIENT, self.name, error=clip(f"{code}: {zalo_message}")
            ), True
        outcome, known = ZNS_ERRORS.get(code, (Outcome.PERMANENT, "unlisted ZNS error"))
        return SendResult(outcome, self.name, error=clip(f"{code}: {zalo_message or known}")), False
