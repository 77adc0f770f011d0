"""`motcua token|sign`: what it prints is what the API accepts."""

import io
import shlex
import subprocess
import sys
import time

import jwt
import pytest

from chalicelib import cli
from chalicelib.adapters.replay_guard import InMemoryReplayGuard
from chalicelib.adapters.secrets import InMemoryWebhookSecrets
from chalicelib.auth import signatures
from chalicelib.auth.signatures import DEV_WEBHOOK_SECRET, SignedRequest
from chalicelib.auth.tokens import DEV_JWT_KEY, TokenVerifier
from chalicelib.auth.webhooks import authenticate_webhook
from chalicelib.domain.statuses import Role
from chalicelib.services.errors import ServiceError

BODY = b'{"ma_ho_so": "000.00.06.H19-260101-0001", "ten": "Tr\xe1\xba\xa7n Th\xe1\xbb\x8b B"}\n'


@pytest.fixture(autouse=True)
def env(monkeypatch):
    for name in ("MOTCUA_JWT_DEV_KEY", "MOTCUA_DEV_WEBHOOK_SECRET", "MOTCUA_JWT_JWKS_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MOTCUA_STAGE", "local")
    monkeypatch.setenv("MOTCUA_JWT_ISSUER", "motcua-cli-test")
    # The CLI reads its settings from the environment, as an operator configures it; with no
    # table named it would also look for a running `make run` stack: name one.
    monkeypatch.setenv("MOTCUA_TABLE", "motcua-cli-test")


def run(capsys, *argv) -> str:
    assert cli.main(list(argv)) == 0
    return capsys.readouterr().out.strip()


def local_verifier(key=DEV_JWT_KEY) -> TokenVerifier:
    return TokenVerifier(issuer="motcua-cli-test", audience="motcua", hs256_key=key)


def test_token_output_verifies(capsys):
    token = run(
        capsys, "token", "--agency", "000.00.06.H19", "--unit", "MOT_CUA",
        "--role", "receiver", "--role", "leader", "--sub", "u1", "--name", "Nguyễn Văn A",
    )  # fmt: skip
    actor = local_verifier().verify(f"Bearer {token}")
    assert actor.id == "u1"
    assert actor.name == "Nguyễn Văn A"
    assert actor.agency == "000.00.06.H19"
    assert actor.unit == "MOT_CUA"
    assert actor.roles == frozenset({Role.RECEIVER, Role.LEADER})


def test_token_uses_the_configured_key(capsys, monkeypatch):
    key = "a-team-shared-development-key-32-bytes"
    monkeypatch.setenv("MOTCUA_JWT_DEV_KEY", key)
    token = run(capsys, "token", "--agency", "000.00.06.H19", "--role", "specialist")
    assert local_verifier(key).verify(f"Bearer {token}").roles == frozenset({Role.SPECIALIST})
    with pytest.raises(ServiceError):
        local_verifier().verify(f"Bearer {token}")


def test_token_ttl(capsys):
    token = run(capsys, "token", "--agency", "000.00.06.H19", "--role", "admin", "--ttl", "1")
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 1


def test_token_refuses_the_public_key_outside_dev(capsys, monkeypatch):
    monkeypatch.setenv("MOTCUA_STAGE", "prod")
    argv = ["token", "--agency", "000.00.06.H19", "--role", "receiver", "--yes-prod"]
    assert cli.main(argv) == 2
    assert "MOTCUA_JWT_DEV_KEY" in capsys.readouterr().err


def test_token_refuses_a_bad_agency(capsys):
    assert cli.main(["token", "--agency", "Sở Tư pháp", "--role", "receiver"]) == 2


def test_token_refuses_an_unknown_role(capsys):
    assert cli.main(["token", "--agency", "000.00.06.H19", "--role", "mayor"]) == 2
    assert "invalid choice: 'mayor'" in capsys.readouterr().err


DOSSIERS = "/v1/webhooks/dossiers"


def verify(header, body, secret, *, now, method="POST", target=DOSSIERS, client="portal-dev"):
    request = SignedRequest(method, target, client)
    return signatures.verify(header, body, secret, now, request=request)


def headers_from(output: str) -> dict[str, str]:
    return dict(line.split(": ", 1) for line in output.splitlines())


def test_sign_output_verifies(capsys, tmp_path):
    path = tmp_path / "ho-so.json"
    path.write_bytes(BODY)
    headers = headers_from(run(capsys, "sign", "--client", "portal-dev", str(path)))
    assert headers["X-Motcua-Client"] == "portal-dev"
    check = verify(headers["X-Motcua-Signature"], BODY, DEV_WEBHOOK_SECRET, now=int(time.time()))
    assert abs(check.timestamp - time.time()) < 60
    secrets = InMemoryWebhookSecrets({"portal-dev": DEV_WEBHOOK_SECRET})
    client = authenticate_webhook(
        headers, BODY, secrets, InMemoryReplayGuard(), int(time.time()),
        method="POST", target=DOSSIERS,
    )  # fmt: skip
    assert client.client_id == "portal-dev"


def test_sign_with_secret_from_option_and_env(capsys, tmp_path, monkeypatch):
    path = tmp_path / "body.json"
    path.write_bytes(BODY)
    out = run(
        capsys, "sign", "--client", "portal-x", "--secret", "opt", "--timestamp", "100", str(path)
    )
    verify(headers_from(out)["X-Motcua-Signature"], BODY, "opt", now=100, client="portal-x")
    monkeypatch.setenv("MOTCUA_DEV_WEBHOOK_SECRET", "from-env")
    out = run(capsys, "sign", "--client", "portal-x", "--timestamp", "100", str(path))
    verify(headers_from(out)["X-Motcua-Signature"], BODY, "from-env", now=100, client="portal-x")


def test_sign_stdin(capsys, monkeypatch):
    class Stdin:
        buffer = io.BytesIO(BODY)

    monkeypatch.setattr("sys.stdin", Stdin)
    out = run(capsys, "sign", "--client", "portal-dev", "--timestamp", "100", "-")
    verify(headers_from(out)["X-Motcua-Signature"], BODY, DEV_WEBHOOK_SECRET, now=100)


def test_sign_curl(capsys, tmp_path):
    path = tmp_path / "body.json"
    path.write_bytes(BODY)
    url = "http://127.0.0.1:8000/v1/webhooks/receipts/r-1?b=2&a=1"
    out = run(
        capsys, "sign", "--client", "portal-dev", "--timestamp", "100", "--curl", url, str(path)
    )
    words = shlex.split(out)
    assert words[:5] == ["curl", "-sS", "-X", "POST", url]
    assert words[-2:] == ["--data-binary", f"@{path}"]
    headers = dict(words[i + 1].split(": ", 1) for i, w in enumerate(words) if w == "-H")
    # The URL's path and query are what is signed, in their canonical form.
    target = "/v1/webhooks/receipts/r-1?a=1&b=2"
    verify(headers["X-Motcua-Signature"], BODY, DEV_WEBHOOK_SECRET, now=100, target=target)
    assert headers["X-Motcua-Client"] == "portal-dev"


def test_sign_signs_the_method_and_path_given(capsys, tmp_path):
    path = tmp_path / "body.json"
    path.write_bytes(BODY)
    out = run(
        capsys, "sign", "--client", "portal-dev", "--timestamp", "100",
        "--method", "get", "--path", "/v1/webhooks/receipts/r-1", str(path),
    )  # fmt: skip
    header = headers_from(out)["X-Motcua-Signature"]
    verify(
        header, BODY, DEV_WEBHOOK_SECRET, now=100, method="GET", target="/v1/webhooks/receipts/r-1"
    )
    with pytest.raises(signatures.SignatureError):  # not the default route's
        verify(header, BODY, DEV_WEBHOOK_SECRET, now=100)


def test_sign_refuses_a_path_that_is_not_one(capsys, tmp_path):
    path = tmp_path / "b"
    path.write_bytes(b"{}")
    assert cli.main(["sign", "--client", "portal-dev", "--path", "v1/x", str(path)]) == 2


def test_sign_curl_from_stdin_puts_the_exact_body_on_the_line(capsys, monkeypatch):
    class Stdin:
        buffer = io.BytesIO(BODY)

    monkeypatch.setattr("sys.stdin", Stdin)
    out = run(
        capsys, "sign", "--client", "portal-dev", "--timestamp", "100", "--curl", "http://h/", "-"
    )
    words = shlex.split(out)
    assert words[-2] == "--data-raw"
    assert words[-1].encode("utf-8") == BODY


def test_sign_refuses_a_bad_client_id(capsys, tmp_path):
    path = tmp_path / "b"
    path.write_bytes(b"{}")
    assert cli.main(["sign", "--client", "Portal Dev", str(path)]) == 2


def test_sign_missing_file(capsys, tmp_path):
    assert cli.main(["sign", "--client", "portal-dev", str(tmp_path / "nope")]) == 2


def test_runs_as_a_module():
    done = subprocess.run(
        [sys.executable, "-m", "chalicelib.cli", "sign", "--client", "portal-dev", "-"],
        input=BODY, capture_output=True, check=True,
        env={"PATH": "", "MOTCUA_STAGE": "local"},
    )  # fmt: skip
    headers = headers_from(done.stdout.decode().strip())
    check = verify(headers["X-Motcua-Signature"], BODY, DEV_WEBHOOK_SECRET, now=int(time.time()))
    assert check.signature
