"""The sign-in's own values: the way back (a local path only), state, nonce and the PKCE pair.

Nothing here calls out or reads a clock: `chalicelib/web/signin_pages.py` keeps what `begin`
makes (ports/sign_in_states.py) and sends the browser to the identity provider's address.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlencode

from chalicelib.ports.sign_in_states import PendingSignIn

STATE_LIFETIME = timedelta(minutes=10)  # time enough to type a password, not to keep a link
MAX_BACK_TO = 2000


def local_path(back_to: str | None) -> str:
    """`back_to` when it is a path on this site, else "/": no sign-in sends the browser to
    another site. A path starts with one "/"; "//host" and "/\\host" are other sites to a
    browser, and a control character or a space has no place in a path we made."""
    if not back_to or len(back_to) > MAX_BACK_TO:
        return "/"
    if not back_to.startswith("/") or back_to.startswith("//") or "\\" in back_to:
        return "/"
    if any(ord(c) < 0x21 or ord(c) == 0x7F for c in back_to):
        return "/"
    return back_to


def code_challenge(verifier: str) -> str:
    """PKCE's S256 (RFC 7636 §4.2): BASE64URL(SHA256(verifier)) without padding."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class SignInStart:
    state: str
    pending: PendingSignIn


def begin(back_to: str | None) -> SignInStart:
    """A new sign-in: a random state, nonce and PKCE verifier (43-128 characters of the
    unreserved set: 64 here), and the checked way back."""
    return SignInStart(
        state=secrets.token_urlsafe(32),
        pending=PendingSignIn(
            nonce=secrets.token_urlsafe(32),
            verifier=secrets.token_urlsafe(48),
            back_to=local_path(back_to),
        ),
    )


def authorization_url(
    endpoint: str, *, client_id: str, redirect_uri: str, scopes: str, start: SignInStart
) -> str:
    """Where the browser goes to sign in: the authorization endpoint with the code flow's
    parameters (OpenID Connect Core §3.1.2.1) and the PKCE challenge."""
    query = urlencode(
        {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "scope": scopes,
            "state": start.state,
            "nonce": start.pending.nonce,
            "code_challenge": code_challenge(start.pending.verifier),
            "code_challenge_method": "S256",
        }
    )
    return endpoint + ("&" if "?" in endpoint else "?") + query
