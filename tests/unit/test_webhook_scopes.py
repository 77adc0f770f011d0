"""Webhook clients' scopes: what the SSM value says, the defaults of each kind, the 403."""

import pytest

from chalicelib.adapters.secrets import (
    SCOPES,
    ClientConfigurationError,
    InMemoryWebhookSecrets,
    WebhookClient,
    parse_client,
)
from chalicelib.auth.signatures import signed_headers
from chalicelib.auth.webhooks import require_scope, verify_webhook
from chalicelib.http.problems import problem_for
from chalicelib.services.errors import ServiceError

NOW = 1_767_225_600
TAX = "000.00.90.H19"


def test_a_bare_secret_is_a_portal_that_sends_dossiers():
    client = parse_client("portal-dev", "s3cret")
    assert client == WebhookClient("portal-dev", b"s3cret")  # deployed values read as before
    assert client.scopes is None
    assert client.may("dossiers")
    assert not any(client.may(s) for s in ("inter-agency", "delivery-receipts", "opt-outs"))


def test_json_without_agency_is_a_portal_and_with_an_agency_an_agency_system():
    assert parse_client("portal-2", '{"secret": "x"}').granted == {"dossiers"}
    tax = parse_client("thue-dev", f'{{"secret": "x", "agency": "{TAX}"}}')
    assert tax.granted == {"inter-agency"}
    assert tax.may("inter-agency") and not tax.may("dossiers")


def test_explicit_scopes_replace_the_default():
    gateway = parse_client(
        "gateway-dev", '{"secret": "x", "scopes": ["delivery-receipts", "opt-outs"]}'
    )
    assert gateway.scopes == {"delivery-receipts", "opt-outs"}
    assert gateway.may("opt-outs") and gateway.may("delivery-receipts")
    assert not gateway.may("dossiers")
    both = parse_client(
        "thue-2", f'{{"secret": "x", "agency": "{TAX}", "scopes": ["dossiers", "inter-agency"]}}'
    )
    assert both.agency == TAX and both.granted == {"dossiers", "inter-agency"}


@pytest.mark.parametrize(
    ("scopes", "named"),
    [
        ('["sms"]', "unknown scope sms"),
        ('["dossiers", "admin", "Opt-Outs"]', "unknown scope Opt-Outs, admin"),
        ('"dossiers"', "non-empty list of strings"),
        ("[]", "non-empty list of strings"),
        ('["dossiers", 1]', "non-empty list of strings"),
        ("null", "non-empty list of strings"),
    ],
)
def test_bad_scopes_are_an_operator_error_naming_them(scopes, named):
    with pytest.raises(ClientConfigurationError, match=named) as caught:
        parse_client("gateway-dev", f'{{"secret": "s3cret-42", "scopes": {scopes}}}')
    assert "s3cret-42" not in str(caught.value)


def test_repr_shows_scopes_never_the_secret():
    client = parse_client("gateway-dev", '{"secret": "s3cret-42", "scopes": ["opt-outs"]}')
    assert "s3cret-42" not in repr(client)
    assert "opt-outs" in repr(client)


@pytest.mark.parametrize("scope", sorted(SCOPES))
def test_a_client_outside_its_scope_is_refused_with_403(scope):
    client = WebhookClient("other", b"k", scopes=frozenset(SCOPES) - {scope})
    secrets = InMemoryWebhookSecrets({"other": client})
    target = "/v1/webhooks/opt-outs"
    headers = signed_headers("other", b"k", method="POST", target=target, body=b"{}", timestamp=NOW)
    verified = verify_webhook(headers, b"{}", secrets, NOW, method="POST", target=target)
    with pytest.raises(ServiceError) as caught:
        require_scope(verified, scope)
    problem = problem_for(caught.value)
    assert problem is not None
    assert problem.status == 403 and problem.kind == "forbidden"
    [error] = problem.errors
    assert error.field == "X-Motcua-Client"
    assert error.reason == f"not allowed to send {SCOPES[scope]}"
    assert error.message == "Hệ thống này không được phép gửi loại yêu cầu này"
    for other in set(SCOPES) - {scope}:
        assert require_scope(verified, other) is verified


def test_the_v1_migration_flag_is_off_unless_the_parameter_sets_it():
    assert not parse_client("portal-new", "s3cret-42").accepts_v1_signatures
    assert not parse_client("portal-new", '{"secret": "s3cret-42"}').accepts_v1_signatures
    old = parse_client("portal-old", '{"secret": "s3cret-42", "accepts_v1_signatures": true}')
    assert old.accepts_v1_signatures
    assert "accepts_v1_signatures=True" in repr(old)


@pytest.mark.parametrize("value", ['"true"', "1", "null"])
def test_the_v1_migration_flag_is_a_json_boolean(value):
    with pytest.raises(ClientConfigurationError, match="accepts_v1_signatures"):
        parse_client("portal-old", f'{{"secret": "s3cret-42", "accepts_v1_signatures": {value}}}')
