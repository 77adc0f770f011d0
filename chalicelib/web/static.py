"""The pages' own files (`static/`: stylesheet, icon, htmx and its licence), served by the app.

Each file is linked with its content's hash in the query (`static_url`), so a browser may keep
it a year: a changed file gets a new URL. The names are the files in the folder, nothing else.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

from chalice import Response

from chalicelib.web.errors import PageRefused
from chalicelib.web.headers import SECURITY_HEADERS

STATIC = Path(__file__).resolve().parent / "static"
TYPES = {
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
    ".txt": "text/plain; charset=utf-8",
}
CACHE = "public, max-age=31536000, immutable"


@functools.cache
def _files() -> dict[str, tuple[str, str, str]]:
    """name -> (text, content type, short hash), read once per process."""
    files = {}
    for path in sorted(STATIC.iterdir()):
        if path.is_file() and path.suffix in TYPES:
            text = path.read_text(encoding="utf-8")
            digest = hashlib.sha256(text.encode()).hexdigest()[:12]
            files[path.name] = (text, TYPES[path.suffix], digest)
    return files


def static_url(name: str, base_path: str = "") -> str:
    _, _, digest = _files()[name]
    return f"{base_path}/static/{name}?v={digest}"


def static_file(name: str) -> Response:
    found = _files().get(name)
    if found is None:
        raise PageRefused(404)
    text, content_type, digest = found
    return Response(
        body=text,
        status_code=200,
        headers={
            "Content-Type": content_type,
            "Cache-Control": CACHE,
            "ETag": f'"{digest}"',
            **SECURITY_HEADERS,
        },
    )
