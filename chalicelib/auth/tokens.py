"""Officials' bearer tokens (JWT) → the `Actor` who acts on dossiers.

Claims: `sub`, `name`, `agency` (QCVN 102 code), optional `unit`, `roles` (a list of `Role`
values), `iss`, `aud`, `exp`, `iat`. `exp`, `iat` (and `nbf` if present) are JSON numbers, never
strings or booleans (PyJWT would read `"9999999999"` as a date), and `exp - iat` is at most the
stage's `jwt_max_lifetime`: a token minted to live for a year is refused even while fresh.
Production verifies RS256 tokens against the OIDC issuer's JWKS (e.g. Cognito); the dev stage
verifies HS256 tokens made with a key of its own, the local stage with the published
development key (see `motcua token`).

Unknown role names are ignored, and so are `system` and `applicant`: those roles belong to
other agencies' systems and to applicants acting on a portal, which reach us by signed webhooks,
never by an official's token. A token that
carries no role left is refused with 403.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable
from functools import cache
from typing import Any, Protocol

import jwt

from chalicelib.domain.dossier import Actor
from chalicelib.domain.identifiers import AGENCY_CODE
from chalicelib.domain.statuses import Role
from chalicelib.services.errors import FieldIssue, Forbidden, Unauthenticated, Unavailable
from chalicelib.settings import DEV_JWT_KEY as DEV_JWT_KEY  # published: the local stage's
from chalicelib.settings import DEV_STAGES, LOCAL_STAGE, Settings

LEEWAY_SECONDS = 30
DEFAULT_MAX_LIFETIME = 12 * 3600  # as the settings' default (jwt_max_lifetime)
NUMERIC_CLAIMS = ("exp", "iat", "nbf")
MAX_TOKEN_CHARS = 8192
TOKEN_ROLES = frozenset(Role) - {Role.SYSTEM, Role.APPLICANT}
REQUIRED_CLAIMS = ("sub", "name", "agency", "roles", "iss", "aud", "exp", "iat")
AUTHORIZATION = "Authorization"
REALM = 'realm="motcua"'


class ConfigurationError(RuntimeError):
    """The stage has no usable way to verify tokens."""


class SigningKeySource(Protocol):
    """What `jwt.PyJWKClient` offers; a fake in tests."""

    def get_signing_key_from_jwt(self, token: str) -> Any: ...


def _unauthorized(
    reason: str, message: str, error: str | None = "invalid_token"
) -> Unauthenticated:
    # RFC 6750 §3.1: a request without credentials gets a challenge without an error code.
    challenge = f'Bearer {REALM}, error="{error}"' if error else f"Bearer {REALM}"
    return Unauthenticated(
        f"bearer token refused: {reason}",
        errors=[FieldIssue(AUTHORIZATION, reason, message)],
        challenge=challenge,
    )


INVALID_VI = "Mã xác thực không hợp lệ, vui lòng đăng nhập lại"


class TokenVerifier:
    """Verifies `Authorization: Bearer <JWT>` with one algorithm: HS256 or RS256 (JWKS)."""

    def __init__(
        self,
        *,
        issuer: str,
        audience: str,
        hs256_key: str | bytes | None = None,
        jwks: SigningKeySource | None = None,
        leeway: int = LEEWAY_SECONDS,
        max_lifetime: int = DEFAULT_MAX_LIFETIME,
    ) -> None:
        if (hs256_key is None) == (jwks is None):
            raise ConfigurationError("give exactly one of hs256_key and jwks")
        self.issuer = issuer
        self.audience = audience
        self._key = hs256_key
        self._jwks = jwks
        self.algorithm = "HS256" if hs256_key is not None else "RS256"
        self.leeway = leeway
        self.max_lifetime = max_lifetime

    @classmethod
    def from_settings(cls, settings: Settings) -> TokenVerifier:
        """JWKS when `jwt_jwks_url` is set; otherwise, in dev/local only, an HS256 key: the
        stage's own, or in the local stage alone the published development key."""
        common: dict[str, Any] = {
            "issuer": settings.jwt_issuer,
            "audience": settings.jwt_audience,
            "max_lifetime": settings.jwt_max_lifetime,
        }
        if settings.jwt_jwks_url:
            return cls(jwks=jwks_client(settings.jwt_jwks_url), **common)
        if settings.stage not in DEV_STAGES:
            raise ConfigurationError(
                f"stage {settings.stage!r} needs MOTCUA_JWT_JWKS_URL: the development key "
                f"is accepted only in {sorted(DEV_STAGES)}"
            )
        if settings.jwt_dev_key:
            return cls(hs256_key=settings.jwt_dev_key, **common)
        if not settings.is_local_stage:
            # Tokens anyone can mint from the source: never in a deployed stage.
            raise ConfigurationError(
                f"stage {settings.stage!r} needs its own MOTCUA_JWT_DEV_KEY (or a JWKS URL): "
                f"the published development key is accepted only in {LOCAL_STAGE!r}"
            )
        return cls(hs256_key=DEV_JWT_KEY, **common)

    def verify(self, authorization: str | None) -> Actor:
        return actor_from_claims(self.claims(bearer_token(authorization)))

    def claims(self, token: str) -> dict[str, Any]:
        """The token's claims once its signature, issuer, audience and times are good (the
        sign-in's ID token is checked this way too: chalicelib/auth/oidc.py)."""
        claims = self._decode(token)
        check_times(claims, self.max_lifetime)
        return claims

    def _decode(self, token: str) -> dict[str, Any]:
        try:
            if self._jwks is not None:
                key: Any = self._jwks.get_signing_key_from_jwt(token).key
            else:
                key = self._key
            return jwt.decode(
                token,
                key,
                algorithms=[self.algorithm],
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway,
                options={"require": list(REQUIRED_CLAIMS)},
            )
        except jwt.ExpiredSignatureError:
            raise _unauthorized("token expired", "Phiên đăng nhập đã hết hạn") from None
        except jwt.InvalidIssuerError:
            raise _unauthorized("wrong issuer", INVALID_VI) from None
        except jwt.InvalidAudienceError:
            raise _unauthorized("wrong audience", INVALID_VI) from None
        except jwt.MissingRequiredClaimError as exc:
            raise _unauthorized(f"missing claim {exc.claim}", INVALID_VI) from None
        except jwt.ImmatureSignatureError:
            raise _unauthorized("token not yet valid", INVALID_VI) from None
        except jwt.PyJWKClientConnectionError as exc:
            # Our side cannot fetch the issuer's keys: not the caller's fault.
            raise Unavailable("the token issuer's keys are unavailable") from exc
        except jwt.InvalidSignatureError:
            raise _unauthorized("bad signature", INVALID_VI) from None
        except (jwt.InvalidTokenError, jwt.PyJWKClientError):
            raise _unauthorized("invalid token", INVALID_VI) from None


def _is_number(value: Any) -> bool:
    # bool is an int in Python, and JSON's true is no date; NaN and infinities are no date
    # either (Python's json reads them).
    return type(value) in (int, float) and math.isfinite(value)


def check_times(claims: dict[str, Any], max_lifetime: int) -> None:
    """The time claims are numbers, and the token lives no longer than `max_lifetime`."""
    for name in NUMERIC_CLAIMS:
        if name in claims and not _is_number(claims[name]):
            raise _unauthorized(f"claim {name} must be a number", INVALID_VI)
    if claims["exp"] - claims["iat"] > max_lifetime:
        raise _unauthorized(f"token lifetime exceeds {max_lifetime} seconds", INVALID_VI)


def bearer_token(authorization: str | None) -> str:
    if authorization is None or not authorization.strip():
        raise _unauthorized("missing bearer token", "Chưa đăng nhập", error=None)
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or " " in token or len(token) > MAX_TOKEN_CHARS:
        raise _unauthorized("malformed Authorization header", INVALID_VI)
    return token


def _text_claim(claims: dict[str, Any], name: str) -> str:
    value = claims.get(name)
    if not isinstance(value, str) or not value.strip():
        raise _unauthorized(f"missing claim {name}", INVALID_VI)
    return value.strip()


def actor_from_claims(claims: dict[str, Any]) -> Actor:
    sub = _text_claim(claims, "sub")
    name = _text_claim(claims, "name")
    agency = _text_claim(claims, "agency")
    if not AGENCY_CODE.match(agency):
        raise _unauthorized("claim agency is not a QCVN 102 agency code", INVALID_VI)
    unit = claims.get("unit")
    if unit is not None and not isinstance(unit, str):
        raise _unauthorized("claim unit must be a string", INVALID_VI)
    roles_claim = claims.get("roles")
    if not isinstance(roles_claim, list):
        raise _unauthorized("claim roles must be a list", INVALID_VI)
    known = {role.value for role in TOKEN_ROLES}
    roles = frozenset(Role(r) for r in roles_claim if isinstance(r, str) and r in known)
    if not roles:
        raise Forbidden(
            "the token carries no role this service knows",
            errors=[FieldIssue(AUTHORIZATION, "no known role", "Tài khoản chưa được phân quyền")],
            challenge=f'Bearer {REALM}, error="insufficient_scope"',
        )
    return Actor(id=sub, name=name, agency=agency, unit=(unit or "").strip() or None, roles=roles)


@cache
def jwks_client(url: str) -> jwt.PyJWKClient:
    """One client per URL and process: it caches the key set (5 minutes) and the keys."""
    return jwt.PyJWKClient(url, cache_keys=True, lifespan=300, timeout=5)


@cache
def verifier_for(settings: Settings) -> TokenVerifier:
    return TokenVerifier.from_settings(settings)


def mint_dev_token(
    key: str | bytes,
    *,
    sub: str,
    name: str,
    agency: str,
    unit: str | None,
    roles: Iterable[Role | str],
    issuer: str,
    audience: str,
    ttl_seconds: int = 8 * 3600,
    now: int | None = None,
) -> str:
    """An HS256 token for the dev and local stages (and tests); its lifetime must stay within
    the verifier's cap (`jwt_max_lifetime`)."""
    issued = int(time.time()) if now is None else int(now)
    claims: dict[str, Any] = {
        "sub": sub,
        "name": name,
        "agency": agency,
        "roles": [str(r) for r in roles],  # Role is a StrEnum: str() is its value
        "iss": issuer,
        "aud": audience,
        "iat": issued,
        "exp": issued + int(ttl_seconds),
    }
    if unit is not None:
        claims["unit"] = unit
    return jwt.encode(claims, key, algorithm="HS256")
