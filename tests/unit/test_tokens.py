"""Officials' bearer tokens → Actor, and every way a token is refused."""

import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from chalicelib.auth.tokens import (
    DEV_JWT_KEY,
    ConfigurationError,
    TokenVerifier,
    mint_dev_token,
)
from chalicelib.domain.dossier import Actor
from chalicelib.domain.statuses import Role
from chalicelib.http.problems import Problem, problem_for
from chalicelib.services.errors import ServiceError
from chalicelib.settings import Settings

ISSUER = "motcua-test"
AUDIENCE = "motcua"
AGENCY = "000.00.06.H19"
OTHER_KEY = "another-key-that-is-long-enough-for-hs256!"


def verifier(key=DEV_JWT_KEY) -> TokenVerifier:
    return TokenVerifier(issuer=ISSUER, audience=AUDIENCE, hs256_key=key)


def mint(**overrides) -> str:
    args = {
        "sub": "u1",
        "name": "Nguyễn Văn A",
        "agency": AGENCY,
        "unit": "MOT_CUA",
        "roles": [Role.RECEIVER, Role.LEADER],
        "issuer": ISSUER,
        "audience": AUDIENCE,
    }
    key = overrides.pop("key", DEV_JWT_KEY)
    args.update(overrides)
    return mint_dev_token(key, **args)


def raw_token(claims: dict, key=DEV_JWT_KEY) -> str:
    now = int(time.time())
    base = {"iss": ISSUER, "aud": AUDIENCE, "iat": now, "exp": now + 3600}
    return jwt.encode({**base, **claims}, key, algorithm="HS256")


def refused(header: str | None, status: int = 401) -> Problem:
    with pytest.raises(ServiceError) as excinfo:
        verifier().verify(header)
    problem = problem_for(excinfo.value)
    assert problem is not None
    assert problem.status == status
    assert [e.field for e in problem.errors] == ["Authorization"]
    assert problem.errors[0].message  # Vietnamese text for the official
    return problem


def test_minted_token_verifies_to_the_actor():
    actor = verifier().verify(f"Bearer {mint()}")
    assert actor == Actor(
        id="u1",
        name="Nguyễn Văn A",
        agency=AGENCY,
        unit="MOT_CUA",
        roles=frozenset({Role.RECEIVER, Role.LEADER}),
    )


def test_scheme_is_case_insensitive_and_unit_is_optional():
    actor = verifier().verify(f"bearer {mint(unit=None)}")
    assert actor.unit is None


def test_unknown_roles_are_ignored():
    actor = verifier().verify(f"Bearer {mint(roles=['receiver', 'chủ tịch', 'auditor'])}")
    assert actor.roles == frozenset({Role.RECEIVER})


@pytest.mark.parametrize("roles", [[], ["auditor"], ["system"], ["applicant"]])
def test_a_token_without_a_known_role_is_forbidden(roles):
    problem = refused(f"Bearer {mint(roles=roles)}", status=403)
    assert problem.errors[0].reason == "no known role"
    assert "insufficient_scope" in problem.headers["WWW-Authenticate"]


def test_missing_header_challenges_without_an_error_code():
    problem = refused(None)
    assert problem.errors[0].reason == "missing bearer token"
    assert problem.headers["WWW-Authenticate"] == 'Bearer realm="motcua"'


@pytest.mark.parametrize(
    "header",
    [
        "Basic dXNlcjpwYXNz",
        "Bearer",
        "Bearer ",
        "Token abc",
        "Bearer a b",
        "Bearer " + "a" * 9000,
    ],
)
def test_malformed_header(header):
    problem = refused(header)
    assert problem.errors[0].reason == "malformed Authorization header"
    assert 'error="invalid_token"' in problem.headers["WWW-Authenticate"]


def test_token_without_bearer_prefix_is_refused():
    problem = refused(mint())
    assert problem.errors[0].reason == "malformed Authorization header"


@pytest.mark.parametrize("garbage", ["garbage", "a.b.c", "eyJhbGciOiJub25lIn0.e30."])
def test_garbage(garbage):
    problem = refused(f"Bearer {garbage}")
    assert problem.errors[0].reason == "invalid token"
    assert 'error="invalid_token"' in problem.headers["WWW-Authenticate"]


def test_expired_token():
    old = int(time.time()) - 10_000
    problem = refused(f"Bearer {mint(now=old, ttl_seconds=3600)}")
    assert problem.errors[0].reason == "token expired"


def test_leeway_of_thirty_seconds():
    now = int(time.time())
    # Expired 10 s ago: inside the leeway.
    assert verifier().verify(f"Bearer {mint(now=now - 3610, ttl_seconds=3600)}").id == "u1"
    problem = refused(f"Bearer {mint(now=now - 3700, ttl_seconds=3600)}")
    assert problem.errors[0].reason == "token expired"


def test_token_issued_in_the_future_is_refused():
    problem = refused(f"Bearer {mint(now=int(time.time()) + 600)}")
    assert problem.errors[0].reason == "token not yet valid"


def test_wrong_key():
    problem = refused(f"Bearer {mint(key=OTHER_KEY)}")
    assert problem.errors[0].reason == "bad signature"


def test_wrong_issuer():
    problem = refused(f"Bearer {mint(issuer='someone-else')}")
    assert problem.errors[0].reason == "wrong issuer"


def test_wrong_audience():
    problem = refused(f"Bearer {mint(audience='another-app')}")
    assert problem.errors[0].reason == "wrong audience"


@pytest.mark.parametrize("claim", ["sub", "name", "agency", "roles", "iss", "aud", "exp", "iat"])
def test_missing_claim(claim):
    claims = {"sub": "u1", "name": "A", "agency": AGENCY, "roles": ["receiver"]}
    token = raw_token(claims)
    decoded = jwt.decode(token, DEV_JWT_KEY, algorithms=["HS256"], audience=AUDIENCE)
    del decoded[claim]
    problem = refused(f"Bearer {jwt.encode(decoded, DEV_JWT_KEY, algorithm='HS256')}")
    assert problem.errors[0].reason == f"missing claim {claim}"


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        ({"agency": "So Tu phap"}, "claim agency is not a QCVN 102 agency code"),
        ({"agency": ""}, "missing claim agency"),
        ({"name": "   "}, "missing claim name"),
        ({"roles": "receiver"}, "claim roles must be a list"),
        ({"unit": 7}, "claim unit must be a string"),
    ],
)
def test_invalid_claims(claims, reason):
    base = {"sub": "u1", "name": "A", "agency": AGENCY, "roles": ["receiver"]}
    problem = refused(f"Bearer {raw_token({**base, **claims})}")
    assert problem.errors[0].reason == reason


def test_algorithm_none_is_refused():
    claims = {"sub": "u1", "name": "A", "agency": AGENCY, "roles": ["admin"]}
    now = int(time.time())
    claims |= {"iss": ISSUER, "aud": AUDIENCE, "iat": now, "exp": now + 60}
    unsigned = jwt.encode(claims, None, algorithm="none")
    assert refused(f"Bearer {unsigned}").errors[0].reason == "invalid token"


class FakeJwks:
    def __init__(self, public_key):
        self.public_key = public_key
        self.calls = 0

    def get_signing_key_from_jwt(self, token):
        self.calls += 1
        return jwt.PyJWK.from_dict(
            {**jwt.algorithms.RSAAlgorithm.to_jwk(self.public_key, as_dict=True), "alg": "RS256"}
        )


@pytest.fixture(scope="module")
def rsa_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def test_rs256_through_a_jwks(rsa_key):
    jwks = FakeJwks(rsa_key.public_key())
    rs = TokenVerifier(issuer=ISSUER, audience=AUDIENCE, jwks=jwks)
    now = int(time.time())
    claims = {"sub": "u9", "name": "B", "agency": AGENCY, "roles": ["specialist"]}
    claims |= {"iss": ISSUER, "aud": AUDIENCE, "iat": now, "exp": now + 60}
    token = jwt.encode(claims, rsa_key, algorithm="RS256")
    assert rs.verify(f"Bearer {token}").roles == frozenset({Role.SPECIALIST})
    assert jwks.calls == 1
    # An HS256 token cannot pass where RS256 is expected.
    with pytest.raises(ServiceError) as excinfo:
        rs.verify(f"Bearer {jwt.encode(claims, DEV_JWT_KEY, algorithm='HS256')}")
    assert getattr(problem_for(excinfo.value), "status", None) == 401


def settings_for(stage, *, dev_key=None, jwks_url=None, **more) -> Settings:
    return Settings(
        stage=stage, province="H19", table_name="motcua", intake_queue_url="",
        intake_dlq_url="", transitions_queue_url="", transitions_dlq_url="",
        notifications_queue_url="", notifications_dlq_url="",
        webhook_secrets_prefix="/motcua/", jwt_issuer=ISSUER, jwt_audience=AUDIENCE,
        jwt_dev_key=dev_key, jwt_jwks_url=jwks_url, max_body_bytes=1024, public_base_url="",
        **more,
    )  # fmt: skip


def test_only_the_local_stage_falls_back_to_the_published_dev_key():
    v = TokenVerifier.from_settings(settings_for("local"))
    assert v.verify(f"Bearer {mint()}").id == "u1"
    with pytest.raises(ConfigurationError, match="MOTCUA_JWT_DEV_KEY"):
        TokenVerifier.from_settings(settings_for("dev"))


def test_the_dev_stage_verifies_with_its_own_key_only():
    v = TokenVerifier.from_settings(settings_for("dev", dev_key=OTHER_KEY))
    assert v.verify(f"Bearer {mint(key=OTHER_KEY)}").id == "u1"
    with pytest.raises(ServiceError):
        v.verify(f"Bearer {mint()}")


def test_production_needs_a_jwks_url():
    with pytest.raises(ConfigurationError):
        TokenVerifier.from_settings(settings_for("prod", dev_key=OTHER_KEY))
    v = TokenVerifier.from_settings(
        settings_for("prod", jwks_url="https://issuer.example/.well-known/jwks.json")
    )
    assert v.algorithm == "RS256"
    assert isinstance(v._jwks, jwt.PyJWKClient)
    again = TokenVerifier.from_settings(
        settings_for("prod", jwks_url="https://issuer.example/.well-known/jwks.json")
    )
    assert again._jwks is v._jwks  # one cached client per URL


# -- time claims: numbers, and a lifetime no longer than the stage allows ----------------------
CLAIMS = {"sub": "u1", "name": "A", "agency": AGENCY, "roles": ["receiver"]}


@pytest.mark.parametrize(
    ("claim", "value"),
    [
        ("exp", "9999999999"),  # PyJWT alone would take the string for a date
        ("iat", "1767225600"),
        ("exp", True),
        ("iat", False),
        ("nbf", "0"),
        ("nbf", True),
    ],
)
def test_time_claims_must_be_json_numbers(claim, value):
    now = int(time.time())
    token = raw_token({**CLAIMS, "iat": now, "exp": now + 600, claim: value})
    reason = refused(f"Bearer {token}").errors[0].reason
    # PyJWT refuses some shapes itself (a boolean exp reads as 1970): refused either way.
    assert reason in {f"claim {claim} must be a number", "token expired", "invalid token"}


@pytest.mark.parametrize("claim", ["exp", "iat"])
def test_a_string_time_claim_pyjwt_accepts_is_refused_by_name(claim):
    now = int(time.time())
    token = raw_token(
        {**CLAIMS, "iat": now, "exp": now + 600, claim: str({"exp": now + 600, "iat": now}[claim])}
    )
    assert refused(f"Bearer {token}").errors[0].reason == f"claim {claim} must be a number"


def test_fractional_seconds_are_numbers_too():
    now = time.time()
    token = raw_token({**CLAIMS, "iat": now, "exp": now + 600.5})
    assert verifier().verify(f"Bearer {token}").id == "u1"


def test_a_token_living_longer_than_the_cap_is_refused_even_while_fresh():
    now = int(time.time())
    capped = TokenVerifier(
        issuer=ISSUER, audience=AUDIENCE, hs256_key=DEV_JWT_KEY, max_lifetime=3600
    )
    assert capped.verify(f"Bearer {raw_token({**CLAIMS, 'iat': now, 'exp': now + 3600})}")
    too_long = raw_token({**CLAIMS, "iat": now, "exp": now + 3601})
    with pytest.raises(ServiceError) as excinfo:
        capped.verify(f"Bearer {too_long}")
    problem = problem_for(excinfo.value)
    assert problem is not None and problem.status == 401
    assert problem.errors[0].reason == "token lifetime exceeds 3600 seconds"


def test_a_backdated_iat_does_not_stretch_the_cap():
    now = int(time.time())
    token = raw_token({**CLAIMS, "iat": now - 30 * 86400, "exp": now + 600})
    assert refused(f"Bearer {token}").errors[0].reason.startswith("token lifetime exceeds")


def test_the_cap_is_a_setting():
    verifier_ = TokenVerifier.from_settings(settings_for("local", jwt_max_lifetime=600))
    assert verifier_.max_lifetime == 600
    with pytest.raises(ServiceError):
        verifier_.verify(f"Bearer {mint(ttl_seconds=601)}")
    assert verifier_.verify(f"Bearer {mint(ttl_seconds=600)}").id == "u1"
