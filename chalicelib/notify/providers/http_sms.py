"""A generic brandname SMS gateway over HTTP+JSON, configured rather than coded.

Vietnamese operators and aggregators each have their own JSON, auth and result codes, so one
provider reads all of that from a `GatewayConfig` (a dict, e.g. JSON from SSM):

    {"url": "https://sms.example.vn/send", "auth": {"kind": "basic", "username": "...",
     "password": "..."}, "brandname": "MOTCUA",
     "fields": {"phone": "{to}", "message": "{text}", "brandname": "{brandname}",
                "client_msg_id": "{key}"},
     "result_path": "CodeResult", "success_values": ["100"], "quota_values": ["103"],
     "message_id_path": "SMSID"}

Placeholders {to} (84…), {to_local} (0…), {text}, {key} and {brandname} are substituted in
string values, at any depth. Reading the answer: no answer, HTTP 5xx or 429 → TRANSIENT; a
result code from `result_path` is looked up in the value lists (even on a 4xx, since some
gateways answer errors with 400 and a code); an unmapped code, a 4xx or a 3xx → PERMANENT.
"""

from __future__ import annotations

import base64
import json
import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from chalicelib.adapters.http_client import http_request
from chalicelib.domain.sms import sms_parts
from chalicelib.notify.model import Channel, Outcome, OutgoingMessage, SendResult
from chalicelib.notify.providers import (
    DEFAULT_TIMEOUT,
    clip,
    http_status_result,
    valid_msisdn,
)

PLACEHOLDER = re.compile(r"\{(to|to_local|text|key|brandname)\}")


def code_text(value: Any) -> str:
    """A result code as text, so that 100, 100.0 and "100" (and true / "true") compare equal:
    gateways are not consistent about JSON types."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def at_path(data: Any, path: str) -> Any:
    """`a.b.0.c` into nested objects and lists; None when any step is missing."""
    node = data
    for step in path.split("."):
        if isinstance(node, dict):
            node = node.get(step)
        elif isinstance(node, list) and step.lstrip("-").isdigit():
            index = int(step)
            node = node[index] if -len(node) <= index < len(node) else None
        else:
            return None
        if node is None:
            return None
    return node


class GatewayAuth(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["none", "basic", "bearer", "header"] = "none"
    username: str = ""
    password: SecretStr = SecretStr("")
    token: SecretStr = SecretStr("")
    header_name: str = ""
    header_value: SecretStr = SecretStr("")

    @model_validator(mode="after")
    def _complete(self) -> GatewayAuth:
        missing = {
            "basic": not self.username,
            "bearer": not self.token.get_secret_value(),
            "header": not self.header_name or not self.header_value.get_secret_value(),
        }.get(self.kind, False)
        if missing:
            raise ValueError(f"auth kind {self.kind!r} is missing its credentials")
        return self

    def headers(self) -> dict[str, str]:
        if self.kind == "basic":
            pair = f"{self.username}:{self.password.get_secret_value()}".encode()
            return {"Authorization": "Basic " + base64.b64encode(pair).decode("ascii")}
        if self.kind == "bearer":
            return {"Authorization": "Bearer " + self.token.get_secret_value()}
        if self.kind == "header":
            return {self.header_name: self.header_value.get_secret_value()}
        return {}


class GatewayConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = "http-sms"
    url: str
    method: Literal["POST"] = "POST"
    auth: GatewayAuth = GatewayAuth()
    headers: dict[str, str] = Field(default_factory=dict)
    brandname: str = ""
    fields: dict[str, Any]
    result_path: str
    success_values: list[str]
    quota_values: list[str] = Field(default_factory=list)
    transient_values: list[str] = Field(default_factory=list)  # e.g. "gateway busy"
    message_id_path: str | None = None
    error_message_path: str | None = None  # the gateway's description, for the log
    timeout: float = Field(default=DEFAULT_TIMEOUT, gt=0, le=60)

    @field_validator("url")
    @classmethod
    def _http_url(cls, url: str) -> str:
        if not re.match(r"^https?://[^\s/]+", url):
            raise ValueError("url must be an http(s) URL")
        return url

    @field_validator("success_values", "quota_values", "transient_values", mode="before")
    @classmethod
    def _codes_as_text(cls, values: Any) -> Any:
        if isinstance(values, list):
            return [code_text(v) for v in values]
        return values

    @model_validator(mode="after")
    def _codes_disjoint(self) -> GatewayConfig:
        if not self.success_values:
            raise ValueError("success_values must name at least one code")
        lists = (self.success_values, self.quota_values, self.transient_values)
        seen: set[str] = set()
        for values in lists:
            if seen & set(values):
                raise ValueError(f"codes listed twice: {sorted(seen & set(values))}")
            seen |= set(values)
        return self


def substitute(template: Any, values: dict[str, str]) -> Any:
    if isinstance(template, str):
        return PLACEHOLDER.sub(lambda m: values[m.group(1)], template)
    if isinstance(template, dict):
        return {k: substitute(v, values) for k, v in template.items()}
    if isinstance(template, list):
        return [substitute(v, values) for v in template]
    return template


class HttpSmsGateway:
    channel = Channel.SMS

    def __init__(self, config: GatewayConfig) -> None:
        self.config = config
        self.name = config.name

    def request_body(self, message: OutgoingMessage) -> dict[str, Any]:
        to = message.to
        values = {
            "to": to,
            "to_local": "0" + to[2:] if to.startswith("84") else to,
            "text": message.text,
            "key": message.key,
            "brandname": self.config.brandname,
        }
        return substitute(self.config.fields, values)

    def request_headers(self) -> dict[str, str]:
        return {
            "Content-Type": "application/json; charset=utf-8",
            "Accept": "application/json",
            **self.config.headers,
            **self.config.auth.headers(),
        }

    def send(self, message: OutgoingMessage) -> SendResult:
        if not valid_msisdn(message.to):
            return SendResult(Outcome.PERMANENT, self.name, error="invalid phone number")
        body = json.dumps(self.request_body(message), ensure_ascii=False).encode("utf-8")
        answer = http_request(
            self.config.method,
            self.config.url,
            body=body,
            headers=self.request_headers(),
            timeout=self.config.timeout,
        )
        decided = http_status_result(self.name, answer)
        if decided is not None:
            return decided
        return self._read(message, answer.status or 0, answer.text())

    def _read(self, message: OutgoingMessage, status: int, text: str) -> SendResult:
        config = self.config
        try:
            data: Any = json.loads(text) if text.strip() else None
        except ValueError:
            data = None
        raw_code = at_path(data, config.result_path) if data is not None else None
        if raw_code is None:
            # No code to go by: a 2xx in an unknown shape is a configuration problem, and a
            # retry could send the SMS twice.
            what = f"HTTP {status}" if status >= 300 else f"no {config.result_path!r} in answer"
            return SendResult(Outcome.PERMANENT, self.name, error=clip(f"{what}: {text}"))
        code = code_text(raw_code)
        detail = at_path(data, config.error_message_path) if config.error_message_path else None
        error = clip(f"code {code}" + (f": {detail}" if detail not in (None, "") else ""))
        if code in config.success_values and status < 300:
            found = at_path(data, config.message_id_path) if config.message_id_path else None
            return SendResult(
                Outcome.ACCEPTED,
                self.name,
                provider_message_id=None if found is None else str(found),
                parts=sms_parts(message.text).parts,
            )
        if code in config.quota_values:
            return SendResult(Outcome.QUOTA, self.name, error=error)
        if code in config.transient_values:
            return SendResult(Outcome.TRANSIENT, self.name, error=error)
        return SendResult(Outcome.PERMANENT, self.name, error=error)
