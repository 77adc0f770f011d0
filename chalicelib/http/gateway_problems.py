"""API Gateway's own answers, given when no route of ours ran (an unknown route or method, a
body over the gateway's limit, throttling, a timeout), as problem+json like every answer of
ours. One definition for both places that answer them: the packaged template's
GatewayResponses (infra/compose.py) and the local stack's gateway (devstack/stack.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Final

from chalicelib.http.problems import PROBLEM_BASE, PROBLEM_JSON, TITLES_VI


@dataclass(frozen=True)
class GatewayAnswer:
    status: int | None  # None: the gateway's own status is kept (the DEFAULT_* types)
    kind: str
    detail: str
    title_vi: str = ""

    @property
    def title(self) -> str:
        if self.title_vi:
            return self.title_vi
        return TITLES_VI.get(self.status or 0, "Yêu cầu không được chấp nhận")


# API Gateway's response types (AWS::ApiGateway::GatewayResponse ResponseType).
GATEWAY_ANSWERS: Final[dict[str, GatewayAnswer]] = {
    # API Gateway answers an unknown route, or a method a route lacks, with 403 "Missing
    # Authentication Token": to a caller it is a route that does not exist.
    "MISSING_AUTHENTICATION_TOKEN": GatewayAnswer(
        404, "not-found", "No such route, or the route does not take this method."
    ),
    "REQUEST_TOO_LARGE": GatewayAnswer(413, "too-large", "The body is larger than the API takes."),
    "UNSUPPORTED_MEDIA_TYPE": GatewayAnswer(
        415, "unsupported-media-type", "The body's type is not accepted."
    ),
    "THROTTLED": GatewayAnswer(
        429,
        "too-many-requests",
        "Too many requests: wait a moment, then try again.",
        "Quá nhiều yêu cầu",
    ),
    "QUOTA_EXCEEDED": GatewayAnswer(
        429, "too-many-requests", "The caller's quota is used up for now.", "Quá nhiều yêu cầu"
    ),
    "ACCESS_DENIED": GatewayAnswer(403, "forbidden", "The gateway refused the request."),
    "UNAUTHORIZED": GatewayAnswer(401, "unauthorized", "The gateway could not authenticate it."),
    "WAF_FILTERED": GatewayAnswer(403, "forbidden", "The web application firewall refused it."),
    "INTEGRATION_TIMEOUT": GatewayAnswer(
        504, "unavailable", "The API took too long to answer: try again.", "Hết thời gian chờ"
    ),
    "DEFAULT_4XX": GatewayAnswer(None, "invalid-request", "The gateway refused the request."),
    "DEFAULT_5XX": GatewayAnswer(
        None, "internal", "The gateway could not reach the API: try again.", "Lỗi hệ thống"
    ),
}


def problem(answer: GatewayAnswer, *, detail: str, instance: str) -> dict[str, Any]:
    body: dict[str, Any] = {"type": PROBLEM_BASE + answer.kind, "title": answer.title}
    if answer.status is not None:
        body["status"] = answer.status
    return {**body, "detail": detail, "instance": instance}


def template_body(answer: GatewayAnswer) -> str:
    """The GatewayResponse's mapping template: the problem with the gateway's own message
    (already a quoted JSON string) and the request's path and id."""
    marker = "@@DETAIL@@"
    body = problem(answer, detail=marker, instance="$context.path")
    body["request_id"] = "$context.requestId"
    text = json.dumps(body, ensure_ascii=False)
    return text.replace(f'"{marker}"', "$context.error.messageString")


def local_answer(status: int, path: str) -> tuple[int, dict[str, str], bytes]:
    """What the local stack answers in place of its gateway's refusal with `status`: Chalice's
    local server answers an unknown route with 403 and the app a missing method with 405, where
    the deployed gateway answers both as MISSING_AUTHENTICATION_TOKEN."""
    if status in (403, 405):
        found = GATEWAY_ANSWERS["MISSING_AUTHENTICATION_TOKEN"]
    else:
        default = GATEWAY_ANSWERS["DEFAULT_4XX" if status < 500 else "DEFAULT_5XX"]
        found = next((a for a in GATEWAY_ANSWERS.values() if a.status == status), default)
    code = found.status or status
    body = problem(found, detail=found.detail, instance=path)
    body["status"] = code
    return code, {"Content-Type": PROBLEM_JSON}, json.dumps(body, ensure_ascii=False).encode()
