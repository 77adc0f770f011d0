"""authenticate_webhook with the in-memory fakes: who signed it, and every refusal."""

from functools import partial

import pytest

from chalicelib.adapters.replay_guard import InMemoryReplayGuard
from chalicelib.adapters.secrets import InMemoryWebhookSecrets, WebhookClient
from chalicelib.auth import webhooks
from chalicelib.auth.signatures import sign_v1, signed_headers
from chalicelib.auth.webhooks import header, verify_webhook
from chalicelib.http.problems import problem_for
from chalicelib.services.errors import ServiceError

NOW = 1_767_225_600
BODY = b'{"ma_ho_so":"000.00.06.H19-260101-0001"}'
PORTAL_SECRET = b"portal-secret"
TAX = WebhookClient("tax-h19", b"tax-secret", "000.00.90.H19")
MIGRATING = WebhookClient("portal-old", b"old-secret", accepts_v1_signatures=True)
PATH = "/v1/webhooks/dossiers"
# The request as the route received it: POST to PATH (a test may say otherwise).
authenticate_webhook = partial(webhooks.authenticate_webhook, method="POST", target=PATH)


@pytest.fixture
def secrets():
    return InMemoryWebhookSecrets(
        {"portal-dev": PORTAL_SECRET, "tax-h19": TAX, "portal-old": MIGRATING}
    )


@pytest.fixture
def guard():
    return InMemoryReplayGuard()


def signed(
    client="portal-dev", secret=PORTAL_SECRET, body=BODY, t=NOW, target=PATH
) -> dict[str, str]:
    return signed_headers(client, secret, method="POST", target=target, body=body, timestamp=t)


def refusal(headers, secrets, guard, body=BODY, now=NOW, **request) -> tuple[str, str]:
    with pytest.raises(ServiceError) as excinfo:
        authenticate_webhook(headers, body, secrets, guard, now, **request)
    problem = problem_for(excinfo.value)
    assert problem is not None
    assert problem.status == 401
    assert problem.kind == "unauthorized"
    assert "WWW-Authenticate" in problem.headers
    [error] = problem.errors
    assert error.message  # Vietnamese, for the people who read it
    return error.field, error.reason


def test_ok_returns_the_client_and_remembers_the_signature(secrets, guard):
    client = authenticate_webhook(signed(), BODY, secrets, guard, NOW)
    assert client.client_id == "portal-dev"
    assert client.agency is None
    [(signature, expires_at)] = guard.seen.items()
    assert signed()["X-Motcua-Signature"].endswith(signature)
    assert expires_at == NOW + 600


def test_headers_are_looked_up_case_insensitively(secrets, guard):
    headers = {k.lower(): v for k, v in signed().items()}
    assert authenticate_webhook(headers, BODY, secrets, guard, NOW).client_id == "portal-dev"


def test_another_agency_system_carries_its_agency(secrets, guard):
    headers = signed(client="tax-h19", secret=b"tax-secret")
    assert authenticate_webhook(headers, BODY, secrets, guard, NOW) == TAX


def test_unsigned(secrets, guard):
    headers = {"X-Motcua-Client": "portal-dev"}
    assert refusal(headers, secrets, guard) == ("X-Motcua-Signature", "missing signature header")
    assert guard.calls == 0


def test_malformed_signature(secrets, guard):
    headers = {"X-Motcua-Client": "portal-dev", "X-Motcua-Signature": "sha256=abc"}
    assert refusal(headers, secrets, guard) == ("X-Motcua-Signature", "malformed signature header")


def test_missing_client(secrets, guard):
    headers = {"X-Motcua-Signature": signed()["X-Motcua-Signature"]}
    assert refusal(headers, secrets, guard) == ("X-Motcua-Client", "missing client header")


@pytest.mark.parametrize("client_id", ["Portal", "a", "../etc", "portal dev", "x" * 65])
def test_malformed_client(secrets, guard, client_id):
    assert refusal(signed(client=client_id), secrets, guard) == (
        "X-Motcua-Client",
        "malformed client id",
    )


def test_conflicting_duplicate_headers_are_refused(secrets, guard):
    headers = {**signed(), "x-motcua-client": "tax-h19"}
    assert refusal(headers, secrets, guard) == ("X-Motcua-Client", "malformed client id")


def test_unknown_client(secrets, guard):
    headers = signed(client="portal-unknown")
    assert refusal(headers, secrets, guard) == ("X-Motcua-Client", "unknown client")
    assert guard.calls == 0


def test_mis_signed_leaves_the_guard_untouched(secrets, guard):
    headers = signed(secret=b"forged")
    assert refusal(headers, secrets, guard) == ("X-Motcua-Signature", "no signature matches")
    assert guard.calls == 0
    assert guard.seen == {}


def test_tampered_body_leaves_the_guard_untouched(secrets, guard):
    assert refusal(signed(), secrets, guard, body=BODY + b" ")[1] == "no signature matches"
    assert guard.calls == 0


def test_forged_copy_cannot_burn_the_genuine_signature(secrets, guard):
    # An attacker sees the signature, sends it with another body: refused, and then the
    # genuine request still gets through.
    genuine = signed()
    assert refusal(genuine, secrets, guard, body=b'{"evil":1}')[1] == "no signature matches"
    assert authenticate_webhook(genuine, BODY, secrets, guard, NOW).client_id == "portal-dev"


def test_another_clients_secret_does_not_sign_for_this_client(secrets, guard):
    headers = signed(client="tax-h19", secret=PORTAL_SECRET)
    assert refusal(headers, secrets, guard)[1] == "no signature matches"


def test_replayed(secrets, guard):
    headers = signed()
    authenticate_webhook(headers, BODY, secrets, guard, NOW)
    assert refusal(headers, secrets, guard, now=NOW + 5) == (
        "X-Motcua-Signature",
        "signature already used",
    )


def test_replayed_with_upper_case_hex(secrets, guard):
    headers = signed()
    authenticate_webhook(headers, BODY, secrets, guard, NOW)
    t, v2 = headers["X-Motcua-Signature"].split(",")
    headers["X-Motcua-Signature"] = f"{t},{v2.upper().replace('V2=', 'v2=')}"
    assert refusal(headers, secrets, guard)[1] == "signature already used"


@pytest.mark.parametrize("skew", [301, -301])
def test_expired(secrets, guard, skew):
    headers = signed(t=NOW - skew)
    assert refusal(headers, secrets, guard) == (
        "X-Motcua-Signature",
        "timestamp outside the tolerance window",
    )
    assert guard.calls == 0


def test_same_body_signed_again_later_is_a_new_request(secrets, guard):
    authenticate_webhook(signed(t=NOW), BODY, secrets, guard, NOW)
    assert authenticate_webhook(signed(t=NOW + 1), BODY, secrets, guard, NOW + 1)
    assert len(guard.seen) == 2


def test_conflicting_signatures_are_refused(secrets, guard):
    headers = {**signed(), "x-motcua-signature": signed(t=NOW + 1)["X-Motcua-Signature"]}
    assert refusal(headers, secrets, guard)[1] == "malformed signature header"
    assert guard.calls == 0


@pytest.mark.parametrize(
    "received",
    [
        {"target": "/v1/webhooks/opt-outs"},
        {"target": "/v1/webhooks/dossiers?dry_run=1"},
        {"method": "PUT"},
    ],
)
def test_replayed_to_another_route_is_refused_and_spends_nothing(secrets, guard, received):
    headers = signed()
    assert refusal(headers, secrets, guard, **received) == (
        "X-Motcua-Signature",
        "no signature matches",
    )
    assert guard.calls == 0
    # ... and the genuine request, to the route it was signed for, still gets through.
    assert authenticate_webhook(headers, BODY, secrets, guard, NOW).client_id == "portal-dev"


def test_signed_as_another_client_is_refused(secrets, guard):
    headers = {**signed(), "X-Motcua-Client": "tax-h19"}
    secrets.clients["tax-h19"] = WebhookClient("tax-h19", PORTAL_SECRET, "000.00.90.H19")
    assert refusal(headers, secrets, guard)[1] == "no signature matches"


def test_v1_is_refused_for_a_client_without_the_migration_flag(secrets, guard):
    headers = {
        "X-Motcua-Client": "portal-dev",
        "X-Motcua-Signature": sign_v1(PORTAL_SECRET, BODY, NOW),
    }
    assert refusal(headers, secrets, guard) == (
        "X-Motcua-Signature",
        "v1 signatures are not accepted from this client: sign with v2",
    )
    assert guard.calls == 0


def test_v1_is_accepted_for_a_migrating_client_and_marked_v1(secrets, guard):
    headers = {
        "X-Motcua-Client": "portal-old",
        "X-Motcua-Signature": sign_v1(b"old-secret", BODY, NOW),
    }
    verified = verify_webhook(headers, BODY, secrets, NOW, method="POST", target=PATH)
    assert (verified.client, verified.scheme) == (MIGRATING, "v1")
    # It also signs v2, and v2 is what it is known by then.
    v2 = signed(client="portal-old", secret=b"old-secret")
    assert verify_webhook(v2, BODY, secrets, NOW, method="POST", target=PATH).scheme == "v2"


def test_header_lookup():
    assert header({"Content-Type": "application/json"}, "content-type") == "application/json"
    assert header({"A": "1", "a": "1"}, "a") == "1"  # the same value twice is one value
    assert header({"A": "1", "a": "2"}, "a") is None  # ambiguous: as if absent
    assert header({}, "a") is None
