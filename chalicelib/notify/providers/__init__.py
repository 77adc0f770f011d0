"""Message providers behind one small interface, and the plumbing they share.

A provider takes one `OutgoingMessage` and answers a `SendResult`. It never raises for what
the provider or the network does (timeouts, refused connections, 5xx, throttling, odd answers):
everything is classified into an `Outcome`, so the notifier decides retries and fallbacks from
data, not from exception types. Every call out has a timeout (DEFAULT_TIMEOUT unless configured).
"""

from __future__ import annotations

import itertools
import random
import re
import uuid
from collections.abc import Callable
from typing import Any

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, ParamValidationError
from botocore.parsers import ResponseParserError

from chalicelib.adapters import aws
from chalicelib.adapters.http_client import HttpAnswer, clip
from chalicelib.domain.sms import sms_parts
from chalicelib.notify.model import Channel, Outcome, OutgoingMessage, Provider, SendResult

DEFAULT_TIMEOUT = 5.0

# E.164 without '+': country code first, at most 15 digits (84xxxxxxxxx for Vietnam).
MSISDN = re.compile(r"^[1-9]\d{7,14}$")


def valid_msisdn(number: str) -> bool:
    return bool(MSISDN.fullmatch(number))


def sms_parts_of(message: OutgoingMessage) -> int | None:
    return sms_parts(message.text).parts if message.channel == Channel.SMS else None


# --- Fakes ------------------------------------------------------------------------------------

Script = list[Outcome] | Callable[[OutgoingMessage], SendResult] | None


class InMemoryProvider:
    """The fake: records every message in `.sent` and answers ACCEPTED, or follows a script.

    A list script gives the n-th call the n-th outcome and repeats the last one after the end:
    `[TRANSIENT, ACCEPTED]` fails once then succeeds, `[NO_ACCOUNT]` always answers NO_ACCOUNT.
    A callable script computes the whole result.
    """

    def __init__(self, name: str, channel: Channel, script: Script = None) -> None:
        self.name = name
        self.channel = channel
        self.script = script
        self.sent: list[OutgoingMessage] = []
        self._ids = itertools.count(1)

    def send(self, message: OutgoingMessage) -> SendResult:
        self.sent.append(message)
        script = self.script
        if callable(script):
            return script(message)
        outcome = Outcome.ACCEPTED
        if script:
            outcome = script[min(len(self.sent), len(script)) - 1]
        if outcome == Outcome.ACCEPTED:
            return SendResult(
                outcome,
                self.name,
                provider_message_id=f"{self.name}-{next(self._ids)}",
                parts=sms_parts_of(message),
            )
        return SendResult(outcome, self.name, error=f"scripted {outcome.value}")


class FlakyProvider:
    """Answers TRANSIENT for a seeded fraction of calls without calling `inner` (as a timeout or
    a 5xx would), else delegates: for soak tests of retries. Same seed, same failures."""

    def __init__(self, inner: Provider, failure_rate: float, seed: int | None = 0) -> None:
        if not 0.0 <= failure_rate <= 1.0:
            raise ValueError("failure_rate must be between 0 and 1")
        self.inner = inner
        self.name = inner.name
        self.channel = inner.channel
        self.failure_rate = failure_rate
        self._rng = random.Random(seed)
        self.calls = 0
        self.failures = 0

    def send(self, message: OutgoingMessage) -> SendResult:
        self.calls += 1
        if self._rng.random() < self.failure_rate:
            self.failures += 1
            error = self._rng.choice(("simulated timeout", "simulated HTTP 503"))
            return SendResult(Outcome.TRANSIENT, self.name, error=error)
        return self.inner.send(message)


# --- HTTP answers (the exchange itself: chalicelib/adapters/http_client.py) ---------------------


def http_status_result(provider: str, answer: HttpAnswer) -> SendResult | None:
    """The result decided by the transport alone, or None when the body must be read."""
    if answer.status is None:
        return SendResult(Outcome.TRANSIENT, provider, error=answer.error or "no answer")
    if answer.status >= 500 or answer.status == 429:
        return SendResult(
            Outcome.TRANSIENT, provider, error=clip(f"HTTP {answer.status}: {answer.text()}")
        )
    return None


def new_message_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:16]}"


# --- AWS ----------------------------------------------------------------------------------------

# Error codes AWS uses for "slow down" or "our side failed": worth the same call later.
TRANSIENT_AWS_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "Throttled",
        "ThrottledException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "KMSThrottling",
        "InternalError",
        "InternalFailure",
        "InternalErrorException",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "RequestTimeout",
        "RequestTimeoutException",
    }
)


def timed_client(service: str, timeout: float) -> Any:
    """A client with the provider's timeout. `aws.client()` shares one config for the whole
    process; a send needs a shorter deadline and no SDK retries: a retried SMS publish after a
    read timeout can bill and deliver twice, and the notifier already retries TRANSIENT.
    Built on first use (never at import), from the same session defaults as `aws.client`."""
    config = aws.CLIENT_CONFIG.merge(
        Config(
            connect_timeout=timeout,
            read_timeout=timeout,
            retries={"total_max_attempts": 1, "mode": "standard"},
        )
    )
    return aws.new_client(service, config)


def aws_error_result(
    provider: str,
    exc: Exception,
    classify: Callable[[str, str], Outcome | None] | None = None,
) -> SendResult:
    """A boto3 failure as a result. `classify(code, message)` may decide first (e.g. SES's
    daily quota); then throttling and 5xx are TRANSIENT, other service errors PERMANENT."""
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        code = str(error.get("Code", "Unknown"))
        text = str(error.get("Message", ""))
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
        outcome = classify(code, text) if classify else None
        if outcome is None:
            transient = code in TRANSIENT_AWS_CODES or status >= 500 or status == 429
            outcome = Outcome.TRANSIENT if transient else Outcome.PERMANENT
        return SendResult(outcome, provider, error=clip(f"{code}: {text}"))
    if isinstance(exc, ParamValidationError):  # our request is malformed: retrying cannot help
        return SendResult(Outcome.PERMANENT, provider, error=clip(str(exc)))
    # Connect/read timeouts, endpoint unreachable, garbled answer, credentials not yet there.
    return SendResult(Outcome.TRANSIENT, provider, error=clip(f"{type(exc).__name__}: {exc}"))


# ResponseParserError (a garbled answer) does not derive from BotoCoreError.
AWS_ERRORS = (ClientError, BotoCoreError, ResponseParserError)

__all__ = [
    "AWS_ERRORS",
    "DEFAULT_TIMEOUT",
    "FlakyProvider",
    "InMemoryProvider",
    "Provider",
    "Script",
    "aws_error_result",
    "clip",
    "http_status_result",
    "new_message_id",
    "timed_client",
    "valid_msisdn",
]
