"""Providers: the fakes, and the HTTP providers against a scripted stdlib server on loopback."""

from __future__ import annotations

import base64
import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3
import pytest
from botocore.stub import Stubber

from chalicelib.notify.model import Channel, Outcome, OutgoingMessage, SendResult
from chalicelib.notify.providers import FlakyProvider, InMemoryProvider, Provider
from chalicelib.notify.providers.http_sms import GatewayConfig, HttpSmsGateway, at_path
from chalicelib.notify.providers.local_outbox import LocalOutboxProvider, read_outbox
from chalicelib.notify.providers.ses_email import SesEmailProvider
from chalicelib.notify.providers.sns_sms import SnsSmsProvider
from chalicelib.notify.providers.zns import (
    TOKEN_ERRORS,
    ZNS_ERRORS,
    StaticZnsTokens,
    ZaloZnsProvider,
    ZnsTokenError,
)

PHONE = "84912345678"
TEXT = "Ho so 000.00.32.H19-260212-0001 da duoc tiep nhan. Ngay hen tra: 24/02/2026"


def sms(key: str = "job-1", to: str = PHONE, text: str = TEXT) -> OutgoingMessage:
    return OutgoingMessage(key=key, channel=Channel.SMS, to=to, text=text)


def zns(key: str = "job-1", template_id: str = "312345") -> OutgoingMessage:
    return OutgoingMessage(
        key=key,
        channel=Channel.ZNS,
        to=PHONE,
        text="fallback",
        template_id=template_id,
        template_data={"ma_ho_so": "000.00.32.H19-260212-0001", "ngay_hen_tra": "24/02/2026"},
    )


# --- A scripted HTTP server on 127.0.0.1 ------------------------------------------------------


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]  # lower-case names
    body: bytes

    def json(self):
        return json.loads(self.body)


@dataclass
class Answer:
    status: int = 200
    body: bytes = b""
    delay: float = 0.0


@dataclass
class StubServer:
    """Answers each request with the next scripted answer (HTTP 500 when none is left) and
    records what it was sent."""

    server: ThreadingHTTPServer
    answers: deque[Answer] = field(default_factory=deque)
    seen: list[Seen] = field(default_factory=list)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def reply(self, payload: object = None, *, status: int = 200, delay: float = 0.0, raw=None):
        body = raw if raw is not None else json.dumps(payload).encode()
        self.answers.append(Answer(status, body, delay))

    @classmethod
    def start(cls) -> StubServer:
        stub: StubServer

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                stub.seen.append(
                    Seen(
                        self.command,
                        self.path,
                        {k.lower(): v for k, v in self.headers.items()},
                        self.rfile.read(length),
                    )
                )
                answer = stub.answers.popleft() if stub.answers else Answer(500, b"no script")
                time.sleep(answer.delay)
                try:
                    self.send_response(answer.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(answer.body)))
                    self.end_headers()
                    self.wfile.write(answer.body)
                except OSError:
                    pass  # the client gave up (timeout test)

            def log_message(self, *args) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        stub = cls(server)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return stub

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def stub():
    server = StubServer.start()
    yield server
    server.stop()


def closed_port_url() -> str:
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    port = server.server_address[1]
    server.server_close()
    return f"http://127.0.0.1:{port}"


# --- InMemoryProvider and FlakyProvider --------------------------------------------------------


def test_in_memory_accepts_and_records_by_default():
    provider = InMemoryProvider("fake-sms", Channel.SMS)
    first, second = provider.send(sms("a")), provider.send(sms("b"))
    assert isinstance(provider, Provider)
    assert [m.key for m in provider.sent] == ["a", "b"]
    assert first.outcome == second.outcome == Outcome.ACCEPTED
    assert first.provider == "fake-sms"
    assert first.provider_message_id and first.provider_message_id != second.provider_message_id
    assert first.parts == 1


def test_in_memory_follows_a_list_script_and_repeats_its_last_outcome():
    provider = InMemoryProvider("fake", Channel.SMS, [Outcome.TRANSIENT, Outcome.ACCEPTED])
    outcomes = [provider.send(sms()).outcome for _ in range(3)]
    assert outcomes == [Outcome.TRANSIENT, Outcome.ACCEPTED, Outcome.ACCEPTED]
    failed = InMemoryProvider("fake", Channel.SMS, [Outcome.TRANSIENT]).send(sms())
    assert failed.provider_message_id is None and failed.error


def test_in_memory_always_no_account():
    provider = InMemoryProvider("fake-zns", Channel.ZNS, [Outcome.NO_ACCOUNT])
    assert {provider.send(zns()).outcome for _ in range(5)} == {Outcome.NO_ACCOUNT}
    assert len(provider.sent) == 5


def test_in_memory_callable_script_decides_everything():
    def script(message: OutgoingMessage) -> SendResult:
        return SendResult(Outcome.QUOTA, "fake", error=f"quota for {message.key}")

    result = InMemoryProvider("fake", Channel.SMS, script).send(sms("k9"))
    assert result == SendResult(Outcome.QUOTA, "fake", error="quota for k9")


def test_flaky_fails_a_seeded_fraction_without_calling_inner():
    inner = InMemoryProvider("inner", Channel.SMS)
    flaky = FlakyProvider(inner, failure_rate=0.3, seed=7)
    results = [flaky.send(sms(str(i))) for i in range(1000)]
    failures = [r for r in results if r.outcome == Outcome.TRANSIENT]
    assert 250 <= len(failures) <= 350
    assert flaky.failures == len(failures)
    assert len(inner.sent) == 1000 - len(failures)  # a failure never reached the provider
    assert all(r.error and r.error.startswith("simulated") for r in failures)
    assert flaky.name == "inner" and flaky.channel == Channel.SMS

    again = FlakyProvider(InMemoryProvider("inner", Channel.SMS), failure_rate=0.3, seed=7)
    assert [again.send(sms(str(i))).outcome for i in range(1000)] == [r.outcome for r in results]


def test_flaky_extremes_and_bounds():
    never = FlakyProvider(InMemoryProvider("i", Channel.SMS), failure_rate=0.0, seed=1)
    always = FlakyProvider(InMemoryProvider("i", Channel.SMS), failure_rate=1.0, seed=1)
    assert {never.send(sms()).outcome for _ in range(50)} == {Outcome.ACCEPTED}
    assert {always.send(sms()).outcome for _ in range(50)} == {Outcome.TRANSIENT}
    with pytest.raises(ValueError):
        FlakyProvider(InMemoryProvider("i", Channel.SMS), failure_rate=1.5, seed=1)


# --- HttpSmsGateway -----------------------------------------------------------------------------


def gateway_config(base: str, **overrides) -> GatewayConfig:
    raw = {
        "name": "vnpt-sms",
        "url": base + "/send",
        "auth": {"kind": "basic", "username": "motcua", "password": "s3cret"},
        "brandname": "MOTCUA",
        "fields": {
            "phone": "{to}",
            "message": "{text}",
            "brandname": "{brandname}",
            "client_msg_id": "{key}",
            "meta": {"local": "{to_local}", "tags": ["dossier", "{key}"]},
            "unicode": 0,
        },
        "result_path": "CodeResult",
        "success_values": ["100"],
        "quota_values": ["103", 99],
        "transient_values": ["502"],
        "message_id_path": "SMSID",
        "error_message_path": "ErrorMessage",
        "timeout": 0.5,
    }
    raw.update(overrides)
    return GatewayConfig.model_validate(raw)


def test_gateway_success_sends_the_mapped_json_and_auth(stub):
    stub.reply({"CodeResult": "100", "SMSID": 98765})
    result = HttpSmsGateway(gateway_config(stub.url)).send(sms("job-7"))

    assert result == SendResult(Outcome.ACCEPTED, "vnpt-sms", provider_message_id="98765", parts=1)
    (request,) = stub.seen
    assert (request.method, request.path) == ("POST", "/send")
    assert request.json() == {
        "phone": PHONE,
        "message": TEXT,
        "brandname": "MOTCUA",
        "client_msg_id": "job-7",
        "meta": {"local": "0912345678", "tags": ["dossier", "job-7"]},
        "unicode": 0,
    }
    assert request.headers["authorization"] == "Basic " + base64.b64encode(b"motcua:s3cret").decode(
        "ascii"
    )
    assert request.headers["content-type"].startswith("application/json")


@pytest.mark.parametrize(
    ("auth", "header", "value"),
    [
        ({"kind": "bearer", "token": "tok-1"}, "authorization", "Bearer tok-1"),
        ({"kind": "header", "header_name": "X-Api-Key", "header_value": "k-1"}, "x-api-key", "k-1"),
    ],
)
def test_gateway_other_auth_kinds(stub, auth, header, value):
    stub.reply({"CodeResult": 100})  # numeric code matches the text "100"
    result = HttpSmsGateway(gateway_config(stub.url, auth=auth)).send(sms())
    assert result.outcome == Outcome.ACCEPTED
    assert stub.seen[0].headers[header] == value


def test_gateway_without_auth_sends_no_authorization(stub):
    stub.reply({"CodeResult": "100"})
    HttpSmsGateway(gateway_config(stub.url, auth={"kind": "none"})).send(sms())
    assert "authorization" not in stub.seen[0].headers


@pytest.mark.parametrize(
    ("status", "payload", "outcome", "error_part"),
    [
        (200, {"CodeResult": "103", "ErrorMessage": "Balance too low"}, Outcome.QUOTA, "103"),
        (200, {"CodeResult": 99}, Outcome.QUOTA, "code 99"),
        (200, {"CodeResult": "502"}, Outcome.TRANSIENT, "502"),
        (200, {"CodeResult": "104", "ErrorMessage": "Brandname"}, Outcome.PERMANENT, "Brandname"),
        (200, {"unexpected": True}, Outcome.PERMANENT, "CodeResult"),
        (400, {"CodeResult": "103"}, Outcome.QUOTA, "103"),  # mapped even on a 4xx
        (400, {"CodeResult": "100"}, Outcome.PERMANENT, "100"),  # success only on a 2xx
        (401, {"error": "unauthorised"}, Outcome.PERMANENT, "HTTP 401"),
        (500, {"CodeResult": "100"}, Outcome.TRANSIENT, "HTTP 500"),
        (503, None, Outcome.TRANSIENT, "HTTP 503"),
        (429, {"CodeResult": "103"}, Outcome.TRANSIENT, "HTTP 429"),
    ],
)
def test_gateway_classifies_answers(stub, status, payload, outcome, error_part):
    stub.reply(payload, status=status)
    result = HttpSmsGateway(gateway_config(stub.url)).send(sms())
    assert result.outcome == outcome
    assert error_part in (result.error or "")
    assert result.provider_message_id is None


def test_gateway_non_json_answer_is_not_taken_for_success(stub):
    stub.reply(raw=b"<html>OK</html>")
    result = HttpSmsGateway(gateway_config(stub.url)).send(sms())
    assert result.outcome == Outcome.PERMANENT


def test_gateway_slow_answer_beyond_the_timeout_is_transient(stub):
    stub.reply({"CodeResult": "100"}, delay=2.0)
    result = HttpSmsGateway(gateway_config(stub.url, timeout=0.3)).send(sms())
    assert result.outcome == Outcome.TRANSIENT
    assert "timed out" in (result.error or "")


def test_gateway_refused_connection_is_transient():
    result = HttpSmsGateway(gateway_config(closed_port_url())).send(sms())
    assert result.outcome == Outcome.TRANSIENT
    assert result.error and result.error.startswith("network")


def test_gateway_nested_paths(stub):
    stub.reply({"result": {"status": {"code": 0}, "ids": ["m-1"]}})
    config = gateway_config(
        stub.url,
        result_path="result.status.code",
        success_values=[0],
        quota_values=[],
        transient_values=[],
        message_id_path="result.ids.0",
    )
    result = HttpSmsGateway(config).send(sms())
    assert (result.outcome, result.provider_message_id) == (Outcome.ACCEPTED, "m-1")


def test_gateway_refuses_a_bad_phone_without_calling(stub):
    result = HttpSmsGateway(gateway_config(stub.url)).send(sms(to="0912 345 678"))
    assert result.outcome == Outcome.PERMANENT
    assert stub.seen == []


def test_gateway_counts_billed_parts(stub):
    stub.reply({"CodeResult": "100"})
    result = HttpSmsGateway(gateway_config(stub.url)).send(sms(text="x" * 161))
    assert result.parts == 2


def test_gateway_config_from_json_hides_secrets():
    config = gateway_config("https://sms.example.vn")
    same = GatewayConfig.model_validate_json(config.model_dump_json())
    assert same.url == config.url and same.success_values == ["100"]
    assert same.quota_values == ["103", "99"]
    assert "s3cret" not in repr(config) and "s3cret" not in str(config)


@pytest.mark.parametrize(
    "overrides",
    [
        {"url": "ftp://x"},
        {"auth": {"kind": "basic"}},
        {"auth": {"kind": "header", "header_name": "X-Key"}},
        {"success_values": []},
        {"quota_values": ["100"]},
        {"method": "GET"},
        {"surprise": 1},
    ],
)
def test_gateway_config_rejects_mistakes(overrides):
    with pytest.raises(ValueError):
        gateway_config("https://sms.example.vn", **overrides)


def test_at_path():
    data = {"a": {"b": [{"c": 1}, {"c": 2}]}}
    assert at_path(data, "a.b.1.c") == 2
    assert at_path(data, "a.b.5.c") is None
    assert at_path(data, "a.x") is None


# --- ZaloZnsProvider ----------------------------------------------------------------------------


def zns_provider(stub, tokens=None, timeout=0.5) -> ZaloZnsProvider:
    return ZaloZnsProvider(tokens or StaticZnsTokens("at-1"), base_url=stub.url, timeout=timeout)


def test_zns_success_sends_the_exact_request(stub):
    stub.reply({"error": 0, "message": "Success", "data": {"msg_id": "a1b2", "quota": {}}})
    result = zns_provider(stub).send(zns("job-42"))

    assert result == SendResult(Outcome.ACCEPTED, "zalo-zns", provider_message_id="a1b2")
    (request,) = stub.seen
    assert (request.method, request.path) == ("POST", "/message/template")
    assert request.headers["access_token"] == "at-1"
    assert request.headers["content-type"].startswith("application/json")
    assert request.json() == {
        "phone": PHONE,
        "template_id": "312345",
        "template_data": {"ma_ho_so": "000.00.32.H19-260212-0001", "ngay_hen_tra": "24/02/2026"},
        "tracking_id": "job-42",
    }


@pytest.mark.parametrize(
    ("code", "outcome"),
    [
        (-118, Outcome.NO_ACCOUNT),
        (-144, Outcome.QUOTA),
        (-115, Outcome.QUOTA),
        (-147, Outcome.QUOTA),
        (-131, Outcome.TEMPLATE),
        (-109, Outcome.TEMPLATE),
        (-1121, Outcome.TEMPLATE),
        (-108, Outcome.PERMANENT),
        (-100, Outcome.TRANSIENT),
        (-999, Outcome.PERMANENT),  # not in the table
    ],
)
def test_zns_classifies_zalo_codes(stub, code, outcome):
    stub.reply({"error": code, "message": f"zalo says {code}"})
    result = zns_provider(stub).send(zns())
    assert result.outcome == outcome
    assert result.error == f"{code}: zalo says {code}"
    assert len(stub.seen) == 1  # only a token error is retried here


def test_zns_expired_token_is_refreshed_once_then_succeeds(stub):
    tokens = StaticZnsTokens("at-old", refreshed=["at-new"])
    stub.reply({"error": -124, "message": "Access token invalid"})
    stub.reply({"error": 0, "data": {"msg_id": "m-2"}})
    result = zns_provider(stub, tokens).send(zns("job-9"))

    assert (result.outcome, result.provider_message_id) == (Outcome.ACCEPTED, "m-2")
    assert tokens.refreshes == 1
    assert [r.headers["access_token"] for r in stub.seen] == ["at-old", "at-new"]
    assert stub.seen[0].body == stub.seen[1].body  # same message, same tracking_id


def test_zns_token_rejected_twice_is_transient(stub):
    tokens = StaticZnsTokens("at-old", refreshed=["at-new"])
    stub.reply({"error": -124, "message": "Access token invalid"})
    stub.reply({"error": -124, "message": "Access token invalid"})
    stub.reply({"error": 0, "data": {"msg_id": "never"}})
    result = zns_provider(stub, tokens).send(zns())
    assert result.outcome == Outcome.TRANSIENT
    assert "-124" in (result.error or "")
    assert tokens.refreshes == 1 and len(stub.seen) == 2


class BrokenTokens:
    def __init__(self, fail_access: bool) -> None:
        self.fail_access = fail_access

    def access_token(self) -> str:
        if self.fail_access:
            raise ZnsTokenError("SSM unreachable")
        return "at-1"

    def refresh(self) -> str:
        raise ZnsTokenError("OAuth refused: error -14014: Invalid refresh token")


def test_zns_token_source_failures_are_transient(stub):
    result = zns_provider(stub, BrokenTokens(fail_access=True)).send(zns())
    assert result.outcome == Outcome.TRANSIENT and "SSM unreachable" in (result.error or "")
    assert stub.seen == []

    stub.reply({"error": -124, "message": "Access token invalid"})
    result = zns_provider(stub, BrokenTokens(fail_access=False)).send(zns())
    assert result.outcome == Outcome.TRANSIENT and "-14014" in (result.error or "")


@pytest.mark.parametrize(
    ("status", "raw", "outcome"),
    [
        (500, b'{"error": 0}', Outcome.TRANSIENT),
        (502, b"<html>bad gateway</html>", Outcome.TRANSIENT),
        (200, b"<html>maintenance</html>", Outcome.TRANSIENT),
        (404, b"not found", Outcome.PERMANENT),
    ],
)
def test_zns_transport_failures(stub, status, raw, outcome):
    stub.reply(status=status, raw=raw)
    assert zns_provider(stub).send(zns()).outcome == outcome


def test_zns_slow_answer_beyond_the_timeout_is_transient(stub):
    stub.reply({"error": 0, "data": {"msg_id": "late"}}, delay=2.0)
    result = zns_provider(stub, timeout=0.3).send(zns())
    assert result.outcome == Outcome.TRANSIENT


def test_zns_without_template_falls_back_without_calling(stub):
    result = zns_provider(stub).send(zns(template_id=""))
    assert result.outcome == Outcome.TEMPLATE
    assert stub.seen == []


def test_zns_table_is_coherent():
    assert ZNS_ERRORS[-118][0] == Outcome.NO_ACCOUNT
    assert not TOKEN_ERRORS & ZNS_ERRORS.keys()
    assert all(code < 0 for code in ZNS_ERRORS)
    assert Outcome.ACCEPTED not in {outcome for outcome, _ in ZNS_ERRORS.values()}


# --- SNS and SES error mapping (botocore Stubber: no network) -----------------------------------


def stubbed(provider, service: str):
    client = boto3.session.Session().client(
        service,
        region_name="ap-southeast-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    stubber = Stubber(client)
    stubber.activate()
    provider._sns = provider._ses = client
    return stubber


@pytest.mark.parametrize(
    ("code", "status", "outcome"),
    [
        ("Throttling", 400, Outcome.TRANSIENT),
        ("Throttled", 429, Outcome.TRANSIENT),
        ("InternalError", 500, Outcome.TRANSIENT),
        ("InvalidParameter", 400, Outcome.PERMANENT),
        ("OptedOut", 400, Outcome.PERMANENT),
        ("AuthorizationError", 403, Outcome.PERMANENT),
    ],
)
def test_sns_maps_client_errors(code, status, outcome):
    provider = SnsSmsProvider("MOTCUA")
    stubber = stubbed(provider, "sns")
    stubber.add_client_error("publish", code, "it went wrong", http_status_code=status)
    result = provider.send(sms())
    assert result.outcome == outcome
    assert result.error == f"{code}: it went wrong"


def test_sns_publish_parameters():
    provider = SnsSmsProvider("MOTCUA")
    stubber = stubbed(provider, "sns")
    stubber.add_response(
        "publish",
        {"MessageId": "sns-1"},
        {
            "PhoneNumber": "+" + PHONE,
            "Message": TEXT,
            "MessageAttributes": {
                "AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"},
                "AWS.SNS.SMS.SenderID": {"DataType": "String", "StringValue": "MOTCUA"},
            },
        },
    )
    assert provider.send(sms()) == SendResult(
        Outcome.ACCEPTED, "sns-sms", provider_message_id="sns-1", parts=1
    )
    stubber.assert_no_pending_responses()
    assert "AWS.SNS.SMS.SenderID" not in SnsSmsProvider(None).attributes()


@pytest.mark.parametrize(
    ("code", "message", "outcome"),
    [
        ("Throttling", "Maximum sending rate exceeded.", Outcome.TRANSIENT),
        ("Throttling", "Daily message quota exceeded.", Outcome.QUOTA),
        ("MessageRejected", "Email address is not verified.", Outcome.PERMANENT),
        ("MailFromDomainNotVerifiedException", "MX record missing", Outcome.PERMANENT),
        ("ServiceUnavailable", "try later", Outcome.TRANSIENT),
    ],
)
def test_ses_maps_client_errors(code, message, outcome):
    provider = SesEmailProvider("motcua@dongnai.gov.vn")
    stubber = stubbed(provider, "ses")
    stubber.add_client_error("send_email", code, message, http_status_code=400)
    email = OutgoingMessage("k", Channel.EMAIL, "dan@example.vn", "Nội dung", subject="Hồ sơ")
    result = provider.send(email)
    assert result.outcome == outcome
    assert code in (result.error or "")


def test_ses_refuses_an_address_that_would_add_recipients():
    provider = SesEmailProvider("motcua@dongnai.gov.vn")
    stubbed(provider, "ses")  # no response queued: a call would fail the test
    email = OutgoingMessage("k", Channel.EMAIL, "a@example.vn,b@example.vn", "x", subject="s")
    assert provider.send(email).outcome == Outcome.PERMANENT


# --- LocalOutboxProvider ----------------------------------------------------------------------


def test_local_outbox_appends_json_lines_and_reads_them_back(tmp_path):
    path = tmp_path / "state" / "outbox.jsonl"
    assert read_outbox(path) == []
    sms_box = LocalOutboxProvider("local-sms", Channel.SMS, path)
    zns_box = LocalOutboxProvider("local-zns", Channel.ZNS, path)

    first = sms_box.send(sms("job-1"))
    with path.open("a", encoding="utf-8") as out:
        out.write('{"torn": ')  # a write cut short must not hide or swallow the others
    second = zns_box.send(zns("job-2"))

    assert first.outcome == second.outcome == Outcome.ACCEPTED
    assert first.provider_message_id != second.provider_message_id
    listed = read_outbox(path)
    assert [m["key"] for m in listed] == ["job-1", "job-2"]
    assert listed[0]["id"] == first.provider_message_id
    assert listed[0]["to"] == PHONE and listed[0]["text"] == TEXT and listed[0]["parts"] == 1
    assert listed[1]["template_id"] == "312345"
    assert listed[1]["template_data"]["ngay_hen_tra"] == "24/02/2026"


def test_local_outbox_unwritable_path_is_transient(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    result = LocalOutboxProvider("local", Channel.SMS, blocker / "outbox.jsonl").send(sms())
    assert result.outcome == Outcome.TRANSIENT
