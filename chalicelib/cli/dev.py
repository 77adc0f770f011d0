"""`motcua token` and `motcua sign`: computed here from the settings, no AWS call.

They need no stack, so with none running they answer (exit 0, target "nothing remote"): that
is right, what they print does not depend on one. Bad arguments and a production stage without
`--yes-prod` are refused as every command's are.

- `token` prints a development JWT for an official, signed with `MOTCUA_JWT_DEV_KEY` (or, in
  the local stage, the published development key); issuer and audience come from the
  settings, so the token is the one the local API accepts.
- `sign` prints the two webhook headers (signatures v2) for a file's exact bytes (`-` reads
  stdin) sent by `--method` to `--path` (the URL's path and query with `--curl URL`, which
  prints a ready curl command instead).
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from typing import Any
from urllib.parse import urlsplit

from chalicelib.adapters.secrets import valid_client_id
from chalicelib.auth.signatures import DEV_WEBHOOK_SECRET, signed_headers
from chalicelib.auth.tokens import DEV_JWT_KEY, mint_dev_token
from chalicelib.cli.base import Answer, Context, add_command
from chalicelib.cli.errors import CliError
from chalicelib.cli.target import OFFLINE
from chalicelib.domain.identifiers import AGENCY_CODE
from chalicelib.domain.statuses import Role
from chalicelib.settings import LOCAL_STAGE

DOSSIERS = "/v1/webhooks/dossiers"


def token_command(args: argparse.Namespace, ctx: Context) -> Answer:
    config = ctx.deps
    key = config.jwt_dev_key
    if not key:
        if not config.is_local_stage:
            raise CliError(
                f"stage {config.stage!r}: set MOTCUA_JWT_DEV_KEY (the built-in development key "
                f"is used only in {LOCAL_STAGE!r})"
            )
        key = DEV_JWT_KEY
    if args.ttl > config.jwt_max_lifetime:
        raise CliError(
            f"--ttl {args.ttl}: tokens live at most {config.jwt_max_lifetime} s in stage "
            f"{config.stage!r} (MOTCUA_JWT_MAX_LIFETIME)"
        )
    if not AGENCY_CODE.match(args.agency):
        raise CliError(f"--agency {args.agency!r} is not a QCVN 102 code such as 000.00.06.H19")
    token = mint_dev_token(
        key,
        sub=args.sub,
        name=args.name,
        agency=args.agency,
        unit=args.unit,
        roles=[Role(r) for r in args.role],
        issuer=config.jwt_issuer,
        audience=config.jwt_audience,
        ttl_seconds=args.ttl,
    )
    return Answer(token, {"token": token, "stage": config.stage, "ttl_seconds": args.ttl})


def _read(path: str) -> bytes:
    if path == "-":
        return sys.stdin.buffer.read()
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror}") from exc


def sign_command(args: argparse.Namespace, ctx: Context) -> Answer:
    if not valid_client_id(args.client):
        raise CliError(f"--client {args.client!r}: use 2–64 of a-z, 0-9, _ and -")
    secret = args.secret or ctx.deps.dev_webhook_secret or DEV_WEBHOOK_SECRET
    body = _read(args.file)
    timestamp = int(time.time()) if args.timestamp is None else args.timestamp
    method = args.method.upper()
    target = args.path
    if target is None:
        url = urlsplit(args.curl or "")
        target = url.path + (f"?{url.query}" if url.query else "") if args.curl else DOSSIERS
    if not target.startswith("/"):
        raise CliError(f"--path {target!r}: a path starting with /, e.g. {DOSSIERS}")
    headers = signed_headers(
        args.client, secret, method=method, target=target, body=body, timestamp=timestamp
    )
    if args.curl is None:
        text = "\n".join(f"{name}: {value}" for name, value in headers.items())
        return Answer(text, {"headers": headers, "method": method, "target": target})
    parts = ["curl", "-sS", "-X", method, args.curl]
    parts += ["-H", f"Content-Type: {args.content_type}"]
    for name, value in headers.items():
        parts += ["-H", f"{name}: {value}"]
    if args.file != "-":
        parts += ["--data-binary", f"@{args.file}"]
    else:
        # stdin is gone once read: put the body on the command line, byte for byte
        # (--data-raw: a literal, never an @file, and no newline stripping).
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            text = "\x00"
        if "\x00" in text:
            raise CliError("--curl with stdin needs a UTF-8 text body; sign a file instead")
        parts += ["--data-raw", text]
    command = shlex.join(parts)
    return Answer(command, {"headers": headers, "method": method, "target": target,
                            "curl": command})  # fmt: skip


def add(commands: Any) -> None:
    token = add_command(
        commands,
        "token",
        summary="print a development JWT for an official (no AWS call)",
        description="A JWT the API of this stage accepts, signed with MOTCUA_JWT_DEV_KEY (the "
        "local stage: the published development key). For trying the API as an official. "
        "Computed here: it needs no stack and answers with none running (a production stage "
        "still needs --yes-prod).",
        examples=[
            "motcua token --agency 000.00.06.H19 --unit MOT_CUA --role receiver",
            "TOKEN=$(motcua token --agency 000.00.06.H19 --role leader --role specialist)",
        ],
        run=token_command,
        needs=OFFLINE,
    )
    token.add_argument(
        "--agency", required=True, help="the official's agency, a QCVN 102 code, e.g. 000.00.06.H19"
    )
    token.add_argument("--unit", default=None, help="the official's unit code, e.g. MOT_CUA")
    token.add_argument(
        "--role",
        action="append",
        required=True,
        choices=[r.value for r in Role],
        help="a role of the official; repeat for several, e.g. --role receiver --role leader",
    )
    token.add_argument(
        "--sub", default="dev-official", help="the official's id (default dev-official), e.g. u-17"
    )
    token.add_argument(
        "--name",
        default="Cán bộ thử nghiệm",
        help="the official's name as pages show it, e.g. 'Nguyễn Văn A'",
    )
    token.add_argument(
        "--ttl",
        type=int,
        default=8 * 3600,
        help="lifetime in seconds (default 28800, at most MOTCUA_JWT_MAX_LIFETIME), e.g. 3600",
    )

    signer = add_command(
        commands,
        "sign",
        summary="print the webhook headers for a body (no AWS call)",
        description="The X-Motcua-Client and X-Motcua-Signature headers (signatures v2) a portal "
        "sends with these exact bytes to this method and path; with --curl, a ready command. "
        "Computed here: it needs no stack and answers with none running (a production stage "
        "still needs --yes-prod).",
        examples=[
            "motcua sign --client portal-dev ho-so.json",
            "motcua sign --client portal-dev --curl http://127.0.0.1:8000/v1/webhooks/dossiers "
            "ho-so.json | sh",
        ],
        run=sign_command,
        needs=OFFLINE,
    )
    signer.add_argument("--client", required=True, help="the client id, e.g. portal-dev")
    signer.add_argument(
        "--secret",
        default=None,
        help="the client's secret (default: $MOTCUA_DEV_WEBHOOK_SECRET, else the development "
        'secret), e.g. --secret "$(cat secret.txt)"',
    )
    signer.add_argument(
        "--timestamp", type=int, default=None, help="unix seconds (default: now), e.g. 1767225600"
    )
    signer.add_argument(
        "--method", default="POST", help="the HTTP method signed (default POST), e.g. PUT"
    )
    signer.add_argument(
        "--path",
        default=None,
        help=f"the path and query signed (default: the --curl URL's, else {DOSSIERS}), "
        "e.g. /v1/webhooks/receipts/r-1",
    )
    signer.add_argument(
        "--curl",
        metavar="URL",
        default=None,
        help="print a curl command to this URL instead, e.g. http://127.0.0.1:8000" + DOSSIERS,
    )
    signer.add_argument(
        "--content-type",
        default="application/json",
        help="the Content-Type of --curl's request (default application/json), e.g. text/xml",
    )
    signer.add_argument("file", help="the body's file, or - for stdin, e.g. ho-so.json")
