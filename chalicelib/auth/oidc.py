"""An official's ID token from the province's issuer (the sign-in: web/signin_pages.py; the
issuer's endpoints: adapters/oidc_issuer.py), checked as an access token is: auth/tokens.py's
`TokenVerifier` over the issuer's JWKS (RS256: signature, `iss`, `aud` = our client id, `exp`,
`iat`, the lifetime cap), plus `nonce` (the one this sign-in kept) and, with several
audiences, `azp`. Its claims map to the `Actor` as an access token's do (`actor_from_claims`:
`sub`, `name`, `agency`, `unit`, `roles`): the province's identity provider puts those claims
in the ID token.
"""

from __future__ import annotations

import hmac

from chalicelib.domain.dossier import Actor
from chalicelib.ports.identity import Provider, SignInFailed, issuer_unavailable


def official_from_id_token(
    token: str, *, provider: Provider, client_id: str, nonce: str, max_lifetime: int
) -> Actor:
    """The official the ID token names, once it is good (see the module's text)."""
    from chalicelib.auth.tokens import TokenVerifier, actor_from_claims, jwks_client
    from chalicelib.services.errors import Forbidden, Unauthenticated, Unavailable

    verifier = TokenVerifier(
        issuer=provider.issuer,
        audience=client_id,
        jwks=jwks_client(provider.jwks_uri),
        max_lifetime=max_lifetime,
    )
    try:
        claims = verifier.claims(token)
        official = actor_from_claims(claims)
    except Unauthenticated as refused:
        raise SignInFailed("token_refused", f"ID token refused: {refused}", 401) from None
    except Forbidden as refused:
        raise SignInFailed("no_role", f"ID token refused: {refused}", 403) from None
    except Unavailable as failed:
        raise issuer_unavailable(f"the issuer's keys: {failed}") from None
    given = claims.get("nonce")
    if not isinstance(given, str) or not hmac.compare_digest(given.encode(), nonce.encode()):
        raise SignInFailed("token_refused", "ID token refused: wrong nonce", 401)
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    if len(audiences) > 1 and claims.get("azp") != client_id:
        raise SignInFailed("token_refused", "ID token refused: azp is not our client", 401)
    return official
