"""The key that seals the worklist's page cursors (chalicelib/http/cursors.py).

A deployed function reads it from the SSM SecureString `MOTCUA_CURSOR_KEY_PARAMETER` (default
`/motcua/<stage>/cursor-key`, docs/deploying.md); only a dev stage's process outside Lambda
(tests, the local stack) uses the development key, which anyone can read in this file.
"""

from __future__ import annotations

from chalicelib.adapters import aws
from chalicelib.settings import Settings

DEV_CURSOR_KEY = b"motcua-local-cursor-key-not-for-production"
MIN_KEY_BYTES = 32  # HMAC-SHA256's own size: a shorter key is weaker than the MAC


class CursorKeyError(RuntimeError):
    """The deployed key is missing or too short: a fault of the deployment, not of a caller."""


def cursor_key(settings: Settings) -> bytes:
    if settings.is_dev_stage and not settings.in_lambda:
        return DEV_CURSOR_KEY
    name = settings.cursor_key_parameter
    answer = aws.client("ssm").get_parameter(Name=name, WithDecryption=True)
    key = answer["Parameter"]["Value"].encode("utf-8")
    if len(key) < MIN_KEY_BYTES or key == DEV_CURSOR_KEY:
        raise CursorKeyError(f"{name}: the cursor key must be at least {MIN_KEY_BYTES} bytes")
    return key
