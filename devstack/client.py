"""A small HTTP client of the motcua API, as a portal or an official would use it.

Used by `make demo` and the end-to-end tests; stdlib only, so it needs nothing installed.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from typing import Any

from chalicelib.auth.signatures import signed_headers
from chalicelib.auth.tokens import mint_dev_token


class ApiError(Exception):
    def __init__(self, status: int, body: Any) -> None:
        super().__init__(f"HTTP {status}: {body}")
        self.status = status
        self.body = body


@dataclass
class Answer:
    status: int
    body: Any
    headers: dict[str, str]


class Api:
    def __init__(self, base_url: str, *, timeout: float = 20) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def call(self, method: str, path: str, *, body: bytes | None = None,
             headers: dict[str, str] | None = None) -> Answer:  # fmt: skip
        return self.call_url(method, self.base_url + path, body=body, headers=headers)

    def call_url(self, method: str, url: str, *, body: bytes | None = None,
                 headers: dict[str, str] | None = None) -> Answer:  # fmt: skip
        """Any URL (a presigned one of the file store)."""
        request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                raw = response.read()
                status, answer_headers = response.status, dict(response.headers)
        except urllib.error.HTTPError as error:
            raw, status, answer_headers = error.read(), error.code, dict(error.headers)
        try:
            parsed = json.loads(raw) if raw else None
        except json.JSONDecodeError:
            parsed = raw.decode("utf-8", "replace")
        return Answer(status, parsed, answer_headers)

    def expect(self, answer: Answer, *statuses: int) -> Any:
        if answer.status not in statuses:
            raise ApiError(answer.status, answer.body)
        return answer.body

    def wait_for(self, fetch: Any, done: Any, *, timeout: float = 30) -> Any:
        """Poll `fetch()` until `done(result)`: the pipeline is asynchronous by design."""
        deadline = time.monotonic() + timeout
        while True:
            result = fetch()
            if done(result):
                return result
            if time.monotonic() > deadline:
                raise TimeoutError(f"still waiting after {timeout} s: {result}")
            time.sleep(0.1)


@dataclass
class Portal:
    """A portal (or another agency's system, or the SMS/ZNS gateway) calling signed webhooks."""

    api: Api
    client_id: str
    secret: str

    def headers(self, method: str, path: str, body: bytes) -> dict[str, str]:
        """Signed (v2) for this method, path with its query, body and now."""
        signed = signed_headers(self.client_id, self.secret, method=method, target=path,
                                body=body, timestamp=int(time.time()))  # fmt: skip
        return {"Content-Type": "application/json", **signed}

    def post(self, path: str, payload: Any) -> Answer:
        body = json.dumps(payload, ensure_ascii=False).encode()
        return self.api.call("POST", path, body=body, headers=self.headers("POST", path, body))

    def receipt(self, receipt_id: str) -> dict[str, Any]:
        path = f"/v1/webhooks/receipts/{receipt_id}"
        answer = self.api.call("GET", path, headers=self.headers("GET", path, b""))
        return self.api.expect(answer, 200)

    def submit(self, payload: Any) -> dict[str, Any]:
        """Send a dossier and wait until the intake worker has answered."""
        queued = self.api.expect(self.post("/v1/webhooks/dossiers", payload), 202)
        return self.api.wait_for(lambda: self.receipt(queued["receipt_id"]),
                                 lambda r: r["status"] != "queued")  # fmt: skip

    def report(self, code: str, action: str, **fields: Any) -> dict[str, Any]:
        """Another agency's system reports its part of an inter-agency step."""
        answer = self.post(f"/v1/webhooks/inter-agency/{code}/actions",
                           {"action": action, **fields})  # fmt: skip
        return self.api.expect(answer, 202)


@dataclass
class Official:
    api: Api
    token: str
    name: str

    @classmethod
    def minted(cls, api: Api, key: str, *, sub: str, agency: str, unit: str, role: str,
               name: str, issuer: str, audience: str) -> Official:  # fmt: skip
        token = mint_dev_token(key, sub=sub, name=name,
                               agency=agency, unit=unit, roles=[role], issuer=issuer,
                               audience=audience)  # fmt: skip
        return cls(api, token, name)

    def headers(self, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json",
                **extra}  # fmt: skip

    def get(self, path: str) -> Answer:
        return self.api.call("GET", path, headers=self.headers())

    def dossier(self, code: str) -> dict[str, Any]:
        return self.api.expect(self.get(f"/v1/dossiers/{code}"), 200)

    def command(self, code: str, command_id: str) -> dict[str, Any]:
        return self.api.expect(self.get(f"/v1/dossiers/{code}/commands/{command_id}"), 200)

    def send(self, code: str, action: str, *, version: int | None = None,
             idempotency_key: str | None = None, **fields: Any) -> dict[str, Any]:  # fmt: skip
        if version is None:
            version = self.dossier(code)["dossier"]["version"]
        body = json.dumps({"action": action, "expected_version": version, **fields},
                          ensure_ascii=False).encode()  # fmt: skip
        extra = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        answer = self.api.call("POST", f"/v1/dossiers/{code}/actions", body=body,
                               headers=self.headers(**extra))  # fmt: skip
        return self.api.expect(answer, 202)

    def act(self, code: str, action: str, **fields: Any) -> dict[str, Any]:
        """Send an action and wait until it is applied or refused."""
        queued = self.send(code, action, **fields)
        return self.settled(code, queued["command_id"])

    def settled(self, code: str, command_id: str) -> dict[str, Any]:
        return self.api.wait_for(lambda: self.command(code, command_id),
                                 lambda c: c["status"] != "queued")  # fmt: skip

    def post(self, path: str, payload: Any) -> Answer:
        body = json.dumps(payload, ensure_ascii=False).encode()
        return self.api.call("POST", path, body=body, headers=self.headers())

    def upload(self, code: str, content: bytes, *, name: str, kind: str = "component",
               component: str | None = None,
               content_type: str = "application/pdf") -> dict[str, Any]:  # fmt: skip
        """Store one file of the dossier as a browser would: ask for the presigned form, POST
        the bytes to the file store, then record the upload (its checks: the answer)."""
        asked: dict[str, Any] = {"kind": kind, "content_type": content_type,
                                 "size": len(content), "name": name}  # fmt: skip
        if component is not None:
            asked["component"] = component
        ticket = self.api.expect(self.post(f"/v1/dossiers/{code}/uploads", asked), 201)
        body, form_type = multipart(ticket["fields"], "file", "upload", content, content_type)
        posted = self.api.call_url("POST", ticket["url"], body=body,
                                   headers={"Content-Type": form_type})  # fmt: skip
        if posted.status not in (200, 201, 204):
            raise ApiError(posted.status, posted.body)
        recorded = self.post(f"/v1/dossiers/{code}/files", {"upload_id": ticket["upload_id"]})
        return self.api.expect(recorded, 200, 201)

    def receive(self, payload: Any) -> dict[str, Any]:
        """At the counter: receive a dossier in person or by post, and wait for its code."""
        body = json.dumps(payload, ensure_ascii=False).encode()
        answer = self.api.call("POST", "/v1/dossiers", body=body, headers=self.headers())
        queued = self.api.expect(answer, 202)
        return self.api.wait_for(
            lambda: self.api.expect(self.get(f"/v1/intake/{queued['receipt_id']}"), 200),
            lambda r: r["status"] != "queued",
        )


def multipart(fields: dict[str, str], file_field: str, filename: str, content: bytes,
              content_type: str) -> tuple[bytes, str]:  # fmt: skip
    """A multipart/form-data body: `fields` in order, then the file (S3's presigned POST wants
    the file last). Returns (body, its Content-Type)."""
    boundary = f"motcua-{uuid.uuid4().hex}"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    disposition = (f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; '
                   f'filename="{filename}"\r\nContent-Type: {content_type}\r\n\r\n')  # fmt: skip
    body = b"".join(parts) + disposition.encode() + content + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def new_id() -> str:
    return uuid.uuid4().hex[:12]
