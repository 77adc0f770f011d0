"""Developer commands: `python -m chalicelib.cli token|sign ...`.

- `token` prints a development JWT for an official, signed with `MOTCUA_JWT_DEV_KEY` (or, in
  the local stage, the published development key); issuer and audience come from the
  settings, so the token is the one the local API accepts.
- `sign` prints the two webhook headers (signatures v2) for a file's exact bytes (`-` reads
  stdin) sent by `--method` to `--path` (the URL's path and query with `--curl URL`, which
  prints a ready curl command instead).
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import time
from collections.abc import Sequence
from datetime import date
from urllib.parse import urlsplit

from chalicelib import observability
from chalicelib.adapters.secrets import valid_client_id
from chalicelib.auth.signatures import DEV_WEBHOOK_SECRET, signed_headers
from chalicelib.auth.tokens import DEV_JWT_KEY, mint_dev_token
from chalicelib.domain.identifiers import AGENCY_CODE
from chalicelib.domain.statuses import Role
from chalicelib.settings import LOCAL_STAGE, Settings

DOSSIERS = "/v1/webhooks/dossiers"


class CliError(Exception):
    pass


def token_command(args: argparse.Namespace) -> str:
    from chalicelib import ops

    config = ops.operator_container().settings
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
    return mint_dev_token(
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


def _read(path: str) -> bytes:
    if path == "-":
        return sys.stdin.buffer.read()
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror}") from exc


def sign_command(args: argparse.Namespace) -> str:
    if not valid_client_id(args.client):
        raise CliError(f"--client {args.client!r}: use 2–64 of a-z, 0-9, _ and -")
    secret = args.secret or Settings.from_environment().dev_webhook_secret or DEV_WEBHOOK_SECRET
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
        return "\n".join(f"{name}: {value}" for name, value in headers.items())
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
            text = None
        if text is None or "\x00" in text:
            raise CliError("--curl with stdin needs a UTF-8 text body; sign a file instead")
        parts += ["--data-raw", text]
    return shlex.join(parts)


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="python -m chalicelib.cli", description=__doc__.split("\n")[0]
    )
    commands = root.add_subparsers(dest="command", required=True)

    token = commands.add_parser("token", help="print a development JWT for an official")
    token.add_argument("--agency", required=True, help="QCVN 102 code, e.g. 000.00.06.H19")
    token.add_argument("--unit", default=None, help="unit code, e.g. MOT_CUA")
    token.add_argument(
        "--role",
        action="append",
        required=True,
        choices=[r.value for r in Role],
        help="repeat for several roles",
    )
    token.add_argument("--sub", default="dev-official")
    token.add_argument("--name", default="Cán bộ thử nghiệm")
    token.add_argument("--ttl", type=int, default=8 * 3600, help="lifetime in seconds")
    token.set_defaults(run=token_command)

    signer = commands.add_parser("sign", help="print the webhook headers for a body")
    signer.add_argument("--client", required=True, help="client id, e.g. portal-dev")
    signer.add_argument(
        "--secret",
        default=None,
        help="default: $MOTCUA_DEV_WEBHOOK_SECRET, else the development secret",
    )
    signer.add_argument("--timestamp", type=int, default=None, help="unix seconds (default: now)")
    signer.add_argument("--method", default="POST", help="the HTTP method signed (default POST)")
    signer.add_argument(
        "--path",
        default=None,
        help=f"the path and query signed (default: the --curl URL's, else {DOSSIERS})",
    )
    signer.add_argument("--curl", metavar="URL", default=None, help="print a curl command")
    signer.add_argument("--content-type", default="application/json")
    signer.add_argument("file", help="the body's file, or - for stdin")
    signer.set_defaults(run=sign_command)

    timer = commands.add_parser("timers", help="deadline timers")
    timer_commands = timer.add_subparsers(dest="timers_command", required=True)
    timer_run = timer_commands.add_parser("run", help="fire the alarms due at --now, once")
    timer_run.add_argument(
        "--now", default=None, help="ISO-8601 moment, e.g. 2026-03-02T08:00:00+07:00 (default: now)"
    )
    timer_run.set_defaults(run=timers_command)

    cal = commands.add_parser("calendar", help="the working calendar")
    cal_commands = cal.add_subparsers(dest="calendar_command", required=True)
    recompute = cal_commands.add_parser(
        "recompute", help="count open dossiers' dates again after data/calendar.yaml changed"
    )
    recompute.add_argument(
        "--reason", required=True, help="recorded in each changed dossier's history (Vietnamese)"
    )
    recompute.add_argument("--dry-run", action="store_true", help="list, change nothing")
    recompute.add_argument("--now", default=None, help="ISO-8601 moment (default: now)")
    recompute.set_defaults(run=calendar_command)

    outbox = commands.add_parser("outbox", help="what the local stage sent (SMS, ZNS, email)")
    outbox.add_argument("--code", default=None, help="only this dossier's messages")
    outbox.add_argument("--path", default=None, help="default: the running stack's outbox")
    outbox.set_defaults(run=outbox_command)

    rebuild = commands.add_parser(
        "report-rebuild", help="recount QĐ 766 counters from history and compare with live"
    )
    rebuild.add_argument("--agency", required=True)
    rebuild.add_argument("--from", dest="first", required=True, help="YYYY-MM")
    rebuild.add_argument("--to", dest="last", required=True, help="YYYY-MM")
    rebuild.set_defaults(run=rebuild_command)

    portal = commands.add_parser("portal", help="the national portal (DVCQG) sync")
    portal_commands = portal.add_subparsers(dest="portal_command", required=True)
    reconcile = portal_commands.add_parser(
        "reconcile", help="ask the portal what it holds of each dossier and list what differs"
    )
    reconcile.add_argument(
        "--repush", action="store_true", help="push what differs again, then look again"
    )
    reconcile.add_argument(
        "--days",
        type=float,
        default=None,
        help="only open dossiers and those ended in the last DAYS days (default: all)",
    )
    reconcile.set_defaults(run=reconcile_command)

    reference = commands.add_parser(
        "reference", help="the agency registry and aliases the workers use (reloaded live)"
    )
    reference_commands = reference.add_subparsers(dest="reference_command", required=True)
    push = reference_commands.add_parser(
        "push",
        help="check agencies.yaml and agency_aliases.yaml against the catalog, then store them "
        "in the table as the next version (workers reload within the refresh interval)",
    )
    push.add_argument(
        "--data-dir", default=None, help="the folder holding the two files (default: data/)"
    )
    push.set_defaults(run=reference_command)

    log = commands.add_parser("deliveries", help="a dossier's delivery log (every attempt)")
    log.add_argument("code", help="the dossier code")
    log.set_defaults(run=deliveries_command)

    form = commands.add_parser("forms", help="write a form of Thông tư 03/2025 (Mẫu 01-07)")
    form.add_argument("target", help="the dossier code (Mẫu 01-06) or the agency (Mẫu 07)")
    form.add_argument("form", help="01-07")
    form.add_argument("--out", help="the file to write (default: build/forms/<name>)")
    form.add_argument("--pin", help="Mẫu 01: the receipt PIN to print (from the receipt)")
    form.add_argument("--first", type=date.fromisoformat, help="Mẫu 07: first day (YYYY-MM-DD)")
    form.add_argument("--last", type=date.fromisoformat, help="Mẫu 07: last day (YYYY-MM-DD)")
    form.add_argument("--csv", action="store_true", help="Mẫu 07 as a spreadsheet (CSV)")
    form.set_defaults(run=forms_command)

    dlq = commands.add_parser("dlq", help="dead letters (masked; originals parked in the table)")
    dlq_commands = dlq.add_subparsers(dest="dlq_command", required=True)
    redrive = dlq_commands.add_parser(
        "redrive", help="send a DLQ's letters back to their queue, each handled as its original"
    )
    redrive.add_argument(
        "queue", choices=["intake", "transitions", "notifications", "portal-sync", "file-fetch"]
    )
    redrive.set_defaults(run=dlq_command)
    return root


def forms_command(args: argparse.Namespace) -> str:
    from pathlib import Path

    from chalicelib import ops
    from chalicelib.services import forms
    from chalicelib.services.errors import ServiceError

    deps = ops.operator_container()
    try:
        data, name = forms.export(args.target, args.form, deps.form_deps(), now=deps.now(),
                                  pin=args.pin, first=args.first, last=args.last,
                                  spreadsheet=args.csv)  # fmt: skip
    except ServiceError as exc:
        raise CliError(exc.detail) from exc
    out = Path(args.out) if args.out else Path("build/forms") / name
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    return f"{out} ({len(data)} bytes)"


def dlq_command(args: argparse.Namespace) -> str:
    from chalicelib import ops
    from chalicelib.adapters.aws import client
    from chalicelib.handlers.dead_letters import redrive

    config, name = ops.operator_container().settings, args.queue.replace("-", "_")
    source = getattr(config, f"{name}_queue_url")
    moved = redrive(client("sqs"), getattr(config, f"{name}_dlq_url"), source)
    return f"{moved} letter(s) sent back to {source}"


def rebuild_command(args: argparse.Namespace) -> str:
    from chalicelib import ops
    from chalicelib.services import reports

    deps = ops.operator_container()
    result = reports.rebuild_and_compare(
        args.agency, args.first, args.last, deps.store, deps.calendar, deps.feedback_records
    )
    return json.dumps(result, ensure_ascii=False, indent=2)


def reference_command(args: argparse.Namespace) -> str:
    from pathlib import Path

    from chalicelib import ops
    from chalicelib.adapters.reference_data import StaleReference
    from chalicelib.domain.errors import CatalogError

    deps = ops.operator_container()
    folder = Path(args.data_dir) if args.data_dir else deps.data_dir
    try:
        pushed = ops.push_reference(deps, folder)
    except CatalogError as exc:
        notes = "; ".join(getattr(exc, "__notes__", []))
        raise CliError(f"not stored: {exc}{' (' + notes + ')' if notes else ''}") from exc
    except (StaleReference, FileNotFoundError) as exc:
        raise CliError(f"not stored: {exc}; run the command again") from exc
    return json.dumps(pushed, ensure_ascii=False, indent=2)


def reconcile_command(args: argparse.Namespace) -> str:
    from chalicelib import ops

    deps = ops.operator_container()
    result = ops.reconcile_portal(deps, repush=args.repush, now=deps.now(), recent_days=args.days)
    return json.dumps(result, ensure_ascii=False, indent=2)


def deliveries_command(args: argparse.Namespace) -> str:
    from chalicelib import ops

    deps = ops.operator_container()
    rows = [
        f"{a.at:%d/%m %H:%M:%S}  {a.kind:<20} {a.route:<28} {a.channel:<5} {a.provider:<10} "
        f"{a.outcome:<10} {a.delivery or '-':<10} {a.error or ''}"
        for a in deps.delivery_log.attempts(args.code)
    ]
    return "\n".join(rows) or f"no delivery recorded for {args.code}"


def outbox_command(args: argparse.Namespace) -> str:
    from chalicelib import ops
    from chalicelib.notify.providers.local_outbox import DEFAULT_OUTBOX, read_outbox
    from chalicelib.services.outbox import outbox_listing

    path = args.path or ops.operator_container().settings.local_outbox or DEFAULT_OUTBOX
    lines = outbox_listing(read_outbox(path), args.code)
    return "\n".join(lines) or f"nothing sent yet ({path})"


def calendar_command(args: argparse.Namespace) -> str:
    from chalicelib import ops

    deps = ops.operator_container()
    now = ops.parse_now(args.now, deps)
    result = ops.recompute_calendar(args.reason, now, deps, dry_run=args.dry_run)
    return json.dumps(result, ensure_ascii=False, indent=2)


def timers_command(args: argparse.Namespace) -> str:
    from chalicelib import ops  # loads AWS clients: only for the commands that need them

    deps = ops.operator_container()
    report = ops.run_timers(ops.parse_now(args.now, deps), deps)
    return json.dumps(report, ensure_ascii=False, indent=2)


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    # stdout is the command's answer; what the app logs (`timers run`) goes to stderr.
    with observability.log_to_stderr():
        try:
            print(args.run(args))
        except CliError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
