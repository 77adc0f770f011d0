"""SNS, SES and the SSM-backed ZNS tokens inside moto; Zalo OAuth and ZNS as a loopback stub."""

from __future__ import annotations

import json
import urllib.parse

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID
from moto.sns.models import sns_backends

from chalicelib.adapters import aws
from chalicelib.notify.model import Channel, Outcome, OutgoingMessage
from chalicelib.notify.providers.ses_email import SesEmailProvider
from chalicelib.notify.providers.sns_sms import SnsSmsProvider
from chalicelib.notify.providers.zns import SsmZnsTokens, ZaloZnsProvider, ZnsTokenError
from tests.unit.test_providers import StubServer, closed_port_url

REGION = "ap-southeast-1"
TOKENS = "/motcua/test/zns/tokens"
SECRET = "/motcua/test/zns/secret-key"
APP_ID = "4291763606161179100"
PHONE = "84912345678"
TEXT = "Ho so 000.00.32.H19-260212-0001 da duoc tiep nhan. Ngay hen tra: 24/02/2026"


def fake_credentials(monkeypatch) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_SNS", "AWS_ENDPOINT_URL_SES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL_SSM", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)


@pytest.fixture
def aws_env(monkeypatch):
    fake_credentials(monkeypatch)
    aws.reset()
    with mock_aws():
        yield
    aws.reset()


@pytest.fixture
def stub():
    server = StubServer.start()
    yield server
    server.stop()


class Clock:
    def __init__(self, now: float = 1_780_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def sms() -> OutgoingMessage:
    return OutgoingMessage(key="job-1", channel=Channel.SMS, to=PHONE, text=TEXT)


# --- SNS -----------------------------------------------------------------------------------------


def test_sns_publishes_to_a_vietnamese_number(aws_env):
    provider = SnsSmsProvider("MOTCUA", timeout=2)
    sent: list[dict] = []
    provider._client().meta.events.register(
        "before-parameter-build.sns.Publish", lambda params, **_: sent.append(dict(params))
    )

    result = provider.send(sms())

    assert result.outcome == Outcome.ACCEPTED and result.parts == 1
    backend = sns_backends[DEFAULT_ACCOUNT_ID][REGION]
    assert backend.sms_messages[result.provider_message_id] == ("+" + PHONE, TEXT)
    assert sent[0]["MessageAttributes"]["AWS.SNS.SMS.SMSType"]["StringValue"] == "Transactional"
    assert sent[0]["MessageAttributes"]["AWS.SNS.SMS.SenderID"]["StringValue"] == "MOTCUA"


def test_sns_unreachable_endpoint_is_transient(monkeypatch):
    fake_credentials(monkeypatch)
    monkeypatch.setenv("AWS_ENDPOINT_URL_SNS", closed_port_url())
    result = SnsSmsProvider("MOTCUA", timeout=1).send(sms())
    assert result.outcome == Outcome.TRANSIENT
    assert "EndpointConnectionError" in (result.error or "")


def test_sns_slow_endpoint_times_out_once_without_sdk_retries(monkeypatch, stub):
    fake_credentials(monkeypatch)
    monkeypatch.setenv("AWS_ENDPOINT_URL_SNS", stub.url)
    stub.reply({}, delay=2.0)
    result = SnsSmsProvider("MOTCUA", timeout=0.3).send(sms())
    assert result.outcome == Outcome.TRANSIENT and "ReadTimeout" in (result.error or "")
    assert len(stub.seen) == 1  # a retried publish could bill and deliver the SMS twice


# --- SES -----------------------------------------------------------------------------------------


def test_ses_sends_from_a_verified_sender(aws_env):
    ses = boto3.client("ses")
    ses.verify_email_identity(EmailAddress="motcua@dongnai.gov.vn")
    email = OutgoingMessage(
        key="job-2",
        channel=Channel.EMAIL,
        to="citizen@example.vn",
        text="Hồ sơ của ông/bà đã được tiếp nhận.",
        subject="Hồ sơ 000.00.32.H19-260212-0001",
    )

    result = SesEmailProvider("motcua@dongnai.gov.vn", timeout=2).send(email)

    assert result.outcome == Outcome.ACCEPTED and result.provider_message_id
    quota = ses.get_send_statistics()["SendDataPoints"]
    assert sum(point["DeliveryAttempts"] for point in quota) == 1


def test_ses_unverified_sender_is_permanent(aws_env):
    email = OutgoingMessage("job-3", Channel.EMAIL, "citizen@example.vn", "x", subject="s")
    result = SesEmailProvider("nobody@dongnai.gov.vn", timeout=2).send(email)
    assert result.outcome == Outcome.PERMANENT
    assert (result.error or "").startswith("MessageRejected")


# --- SSM-backed ZNS tokens -----------------------------------------------------------------------


def store_tokens(access: str, refresh: str, expires_at: float) -> None:
    ssm = boto3.client("ssm")
    value = json.dumps({"access_token": access, "refresh_token": refresh, "expires_at": expires_at})
    ssm.put_parameter(Name=TOKENS, Value=value, Type="SecureString", Overwrite=True)
    ssm.put_parameter(Name=SECRET, Value="app-secret", Type="SecureString", Overwrite=True)


def stored_tokens() -> dict:
    answer = boto3.client("ssm").get_parameter(Name=TOKENS, WithDecryption=True)
    assert answer["Parameter"]["Type"] == "SecureString"
    return json.loads(answer["Parameter"]["Value"])


def token_source(stub, clock: Clock) -> SsmZnsTokens:
    return SsmZnsTokens(TOKENS, stub.url + "/v4/oa/access_token", APP_ID, SECRET, clock, timeout=1)


def oauth_answer(access: str, refresh: str) -> dict:
    return {"access_token": access, "refresh_token": refresh, "expires_in": "90000"}


def test_tokens_are_read_from_ssm_and_cached(aws_env, stub):
    clock = Clock()
    store_tokens("at-1", "rt-1", clock.now + 3600)
    tokens = token_source(stub, clock)
    assert tokens.access_token() == "at-1"
    store_tokens("at-other", "rt-other", clock.now + 3600)
    assert tokens.access_token() == "at-1"  # memory, not SSM, on every send
    assert stub.seen == []


def test_tokens_refresh_before_expiry_and_write_the_new_pair_back(aws_env, stub):
    clock = Clock()
    store_tokens("at-1", "rt-1", clock.now + 3600)
    tokens = token_source(stub, clock)
    assert tokens.access_token() == "at-1"

    clock.now += 3600 - 299  # inside the 5-minute margin
    stub.reply(oauth_answer("at-2", "rt-2"))
    assert tokens.access_token() == "at-2"

    (request,) = stub.seen
    assert (request.method, request.path) == ("POST", "/v4/oa/access_token")
    assert request.headers["secret_key"] == "app-secret"
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert urllib.parse.parse_qs(request.body.decode()) == {
        "app_id": [APP_ID],
        "refresh_token": ["rt-1"],
        "grant_type": ["refresh_token"],
    }
    assert stored_tokens() == {
        "access_token": "at-2",
        "refresh_token": "rt-2",
        "expires_at": clock.now + 90000,
    }


def test_refresh_on_request_uses_the_latest_refresh_token(aws_env, stub):
    clock = Clock()
    store_tokens("at-1", "rt-1", clock.now + 3600)
    tokens = token_source(stub, clock)
    stub.reply(oauth_answer("at-2", "rt-2"))
    stub.reply(oauth_answer("at-3", "rt-3"))
    assert tokens.refresh() == "at-2"
    assert tokens.refresh() == "at-3"
    sent = [urllib.parse.parse_qs(r.body.decode())["refresh_token"] for r in stub.seen]
    assert sent == [["rt-1"], ["rt-2"]]
    assert stored_tokens()["refresh_token"] == "rt-3"


def test_a_pair_renewed_by_another_process_is_adopted_not_renewed_again(aws_env, stub):
    clock = Clock()
    store_tokens("at-1", "rt-1", clock.now + 3600)
    first, second = token_source(stub, clock), token_source(stub, clock)
    assert second.access_token() == "at-1"

    stub.reply(oauth_answer("at-2", "rt-2"))
    assert first.refresh() == "at-2"
    assert second.refresh() == "at-2"  # Zalo rejected at-1 for it too: SSM already has at-2
    assert len(stub.seen) == 1  # rt-2 was not spent


def test_oauth_refusal_raises_without_leaking_tokens_and_keeps_the_stored_pair(aws_env, stub):
    clock = Clock()
    store_tokens("at-1", "rt-1", clock.now + 3600)
    stub.reply({"error": -14014, "error_name": "Invalid refresh token", "error_description": "x"})
    with pytest.raises(ZnsTokenError) as raised:
        token_source(stub, clock).refresh()
    assert "-14014" in str(raised.value)
    assert "rt-1" not in str(raised.value) and "app-secret" not in str(raised.value)
    assert stored_tokens()["refresh_token"] == "rt-1"


def test_a_pair_that_could_not_be_saved_is_saved_before_use(aws_env, stub, monkeypatch):
    clock = Clock()
    store_tokens("at-1", "rt-1", clock.now + 3600)
    tokens = token_source(stub, clock)
    ssm = aws.client("ssm")
    put = ssm.put_parameter
    failures = iter([True])

    def flaky_put(**kwargs):
        if next(failures, False):
            raise ClientError(
                {"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}},
                "PutParameter",
            )
        return put(**kwargs)

    stub.reply(oauth_answer("at-2", "rt-2"))
    monkeypatch.setattr(ssm, "put_parameter", flaky_put)
    with pytest.raises(ZnsTokenError):
        tokens.refresh()
    assert stored_tokens()["refresh_token"] == "rt-1"  # the write failed ...

    assert tokens.access_token() == "at-2"  # ... and is done before at-2 is handed out
    assert stored_tokens()["refresh_token"] == "rt-2"
    assert len(stub.seen) == 1


def test_missing_parameter_is_a_token_error(aws_env, stub):
    with pytest.raises(ZnsTokenError):
        token_source(stub, Clock()).access_token()


def test_zns_provider_refreshes_through_ssm_and_oauth(aws_env, stub):
    clock = Clock()
    store_tokens("at-1", "rt-1", clock.now + 3600)
    provider = ZaloZnsProvider(token_source(stub, clock), base_url=stub.url, timeout=1)
    stub.reply({"error": -124, "message": "Access token invalid"})
    stub.reply(oauth_answer("at-2", "rt-2"))
    stub.reply({"error": 0, "data": {"msg_id": "m-1"}})
    message = OutgoingMessage(
        key="job-5",
        channel=Channel.ZNS,
        to=PHONE,
        text="fallback",
        template_id="312345",
        template_data={"ma_ho_so": "000.00.32.H19-260212-0001"},
    )

    result = provider.send(message)

    assert (result.outcome, result.provider_message_id) == (Outcome.ACCEPTED, "m-1")
    assert [r.path for r in stub.seen] == [
        "/message/template",
        "/v4/oa/access_token",
        "/message/template",
    ]
    assert stub.seen[2].headers["access_token"] == "at-2"
    assert stub.seen[2].json()["tracking_id"] == "job-5"
    assert stored_tokens()["access_token"] == "at-2"
