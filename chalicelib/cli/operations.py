"""The operator's commands on a stack: the timer, the calendar, the portal, the reports, the
reference data, a dossier's deliveries and forms, and the local outbox."""

from __future__ import annotations

import argparse
import json
import re
from datetime import date, datetime
from pathlib import Path
from typing import Any

from chalicelib.cli.base import Answer, Context, add_command, add_group
from chalicelib.cli.errors import CliError
from chalicelib.cli.progress import counting
from chalicelib.cli.target import LOCAL, STACK
from chalicelib.domain.identifiers import AGENCY_CODE

MOMENT_EXAMPLE = "2026-03-02T08:00:00+07:00"


def moment(text: str) -> datetime:
    """An ISO-8601 moment (no zone: Vietnam time)."""
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an ISO-8601 moment; write e.g. {MOMENT_EXAMPLE}"
        ) from None


def day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a day; write e.g. 2026-03-31") from None


def month(text: str) -> str:
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", text):
        raise argparse.ArgumentTypeError(f"{text!r} is not a month; write e.g. 2026-03")
    return text


def agency(text: str) -> str:
    if not AGENCY_CODE.match(text):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a QCVN 102 agency code; write e.g. 000.00.06.H19"
        )
    return text


def positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive number of days; e.g. 30")
    return value


def as_text(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, default=str)


def json_answer(data: Any) -> Answer:
    return Answer(as_text(data), data)


# --- the commands -----------------------------------------------------------------------------


def timers_command(args: argparse.Namespace, ctx: Context) -> Answer:
    from chalicelib import ops

    return json_answer(ops.run_timers(ops.parse_now(args.now, ctx.deps), ctx.deps))


def calendar_command(args: argparse.Namespace, ctx: Context) -> Answer:
    from chalicelib import ops

    now = ops.parse_now(args.now, ctx.deps)
    with counting("open dossiers examined") as tick:
        result = ops.recompute_calendar(args.reason, now, ctx.deps, dry_run=args.dry_run,
                                        tick=tick)  # fmt: skip
    return json_answer(result)


def reconcile_command(args: argparse.Namespace, ctx: Context) -> Answer:
    from chalicelib import ops

    deps = ctx.deps
    with counting("portal look-ups") as tick:
        result = ops.reconcile_portal(deps, repush=args.repush, now=deps.now(),
                                      recent_days=args.days, tick=tick)  # fmt: skip
    return json_answer(result)


def payments_reconcile_command(args: argparse.Namespace, ctx: Context) -> Answer:
    """What the nightly `payment_reconcile` does, for a day the operator names."""
    from chalicelib.domain.calendar import as_local
    from chalicelib.services import payment_reconcile

    deps = ctx.deps
    now = deps.now()
    statement_day = args.day or payment_reconcile.yesterday(now)
    if statement_day > as_local(now, "now").date():
        raise CliError(f"--day {statement_day} is after today (Vietnam time): no statement yet")
    result = payment_reconcile.reconcile(statement_day, deps.payment_deps(), now)
    return json_answer(result.summary())


def rebuild_command(args: argparse.Namespace, ctx: Context) -> Answer:
    from chalicelib import ops

    if args.first > args.last:
        raise CliError(f"--from {args.first} is after --to {args.last}: swap them")
    with counting("dossiers read") as tick:
        result = ops.rebuild_reports(args.agency, args.first, args.last, ctx.deps, tick=tick)
    return json_answer(result)


def reference_command(args: argparse.Namespace, ctx: Context) -> Answer:
    from chalicelib import ops
    from chalicelib.adapters.reference_data import StaleReference
    from chalicelib.domain.errors import CatalogError

    folder = Path(args.data_dir) if args.data_dir else ctx.deps.data_dir
    try:
        pushed = ops.push_reference(ctx.deps, folder)
    except CatalogError as exc:
        notes = "; ".join(getattr(exc, "__notes__", []))
        raise CliError(f"not stored: {exc}{' (' + notes + ')' if notes else ''}") from exc
    except (StaleReference, FileNotFoundError) as exc:
        raise CliError(f"not stored: {exc}; run the command again") from exc
    return json_answer(pushed)


def deliveries_command(args: argparse.Namespace, ctx: Context) -> Answer:
    attempts = list(ctx.deps.delivery_log.attempts(args.code))
    rows = [
        f"{a.at:%d/%m %H:%M:%S}  {a.kind:<20} {a.route:<28} {a.channel:<5} {a.provider:<10} "
        f"{a.outcome:<10} {a.delivery or '-':<10} {a.error or ''}"
        for a in attempts
    ]
    data = [
        {"at": a.at.isoformat(), "kind": a.kind, "route": a.route, "channel": a.channel,
         "provider": a.provider, "outcome": a.outcome, "delivery": a.delivery, "error": a.error}
        for a in attempts
    ]  # fmt: skip
    return Answer("\n".join(rows) or f"no delivery recorded for {args.code}", data)


def forms_command(args: argparse.Namespace, ctx: Context) -> Answer:
    from chalicelib.services import forms
    from chalicelib.services.errors import ServiceError

    deps = ctx.deps
    try:
        data, name = forms.export(args.target, args.form, deps.form_deps(), now=deps.now(),
                                  pin=args.pin, first=args.first, last=args.last,
                                  spreadsheet=args.csv)  # fmt: skip
    except ServiceError as exc:
        raise CliError(exc.detail) from exc
    out = Path(args.out) if args.out else Path("build/forms") / name
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(data)
    except OSError as exc:
        raise CliError(f"cannot write {out}: {exc.strerror}; choose another --out") from exc
    return Answer(f"{out} ({len(data)} bytes)", {"file": str(out), "bytes": len(data)})


def outbox_command(args: argparse.Namespace, ctx: Context) -> Answer:
    from chalicelib.notify.providers.local_outbox import DEFAULT_OUTBOX, read_outbox

    path = args.path or ctx.deps.local_outbox or DEFAULT_OUTBOX
    if args.path and not Path(path).exists():
        raise CliError(f"no outbox at {path}: give the file `make run` printed, or leave --path")
    from chalicelib.services.outbox import outbox_listing

    messages = [m for m in read_outbox(path) if not args.code or args.code in m["key"]]
    lines = outbox_listing(messages)
    return Answer("\n".join(lines) or f"nothing sent yet ({path})", messages)


# --- their parsers ----------------------------------------------------------------------------


def add(commands: Any) -> None:
    timer_commands = add_group(
        commands,
        "timers",
        summary="the deadline timer",
        description="The deadline timer (due soon, overdue).",
    )
    run = add_command(
        timer_commands,
        "run",
        summary="fire the alarms due at --now, once",
        description="Run the deadline timer once, as its schedule does: every alarm due at "
        "--now fires (each once: a run again fires nothing new).",
        examples=["motcua timers run", f"motcua timers run --now {MOMENT_EXAMPLE}"],
        run=timers_command,
        needs=STACK,
    )
    run.add_argument(
        "--now",
        type=moment,
        default=None,
        help=f"the moment to run at (default: now; no zone: Vietnam time), e.g. {MOMENT_EXAMPLE}",
    )

    calendar_commands = add_group(
        commands,
        "calendar",
        summary="the working calendar",
        description="The working calendar's dates.",
    )
    recompute = add_command(
        calendar_commands,
        "recompute",
        summary="count open dossiers' dates again after data/calendar.yaml changed",
        description="Every open dossier's due dates counted again with the working calendar in "
        "use (a holiday added or moved); each changed dossier records --reason in its history. "
        "Reads every open dossier: progress on the terminal.",
        examples=[
            "motcua calendar recompute --reason 'Nghỉ bù Quốc khánh' --dry-run",
            "motcua calendar recompute --reason 'Nghỉ bù Quốc khánh'",
        ],
        run=calendar_command,
        needs=STACK,
    )
    recompute.add_argument(
        "--reason",
        required=True,
        help="recorded in each changed dossier's history (Vietnamese), e.g. 'Nghỉ bù Tết'",
    )
    recompute.add_argument(
        "--dry-run", action="store_true", help="count what would change, change nothing"
    )
    recompute.add_argument(
        "--now",
        type=moment,
        default=None,
        help=f"the moment to count from (default: now), e.g. {MOMENT_EXAMPLE}",
    )

    outbox = add_command(
        commands,
        "outbox",
        summary="what the local stage sent (SMS, ZNS, email)",
        description="Every message the local stack would have sent, from its outbox file "
        "(the local stage only: a deployed stage sends for real; see `motcua deliveries`).",
        examples=["motcua outbox", "motcua outbox --code 000.00.06.H19-260101-0001"],
        run=outbox_command,
        needs=LOCAL,
    )
    outbox.add_argument(
        "--code", default=None, help="only this dossier's messages, e.g. 000.00.06.H19-260101-0001"
    )
    outbox.add_argument(
        "--path",
        default=None,
        help="the outbox file (default: the local stack's), e.g. .local-state/outbox.jsonl",
    )

    rebuild = add_command(
        commands,
        "report-rebuild",
        summary="recount QĐ 766 counters from history and compare with live",
        description="Recount an agency's monthly counters (QĐ 766) from every dossier's history "
        "and compare them with the live ones; changes nothing. Reads every dossier: progress on "
        "the terminal.",
        examples=["motcua report-rebuild --agency 000.00.06.H19 --from 2026-01 --to 2026-03"],
        run=rebuild_command,
        needs=STACK,
    )
    rebuild.add_argument(
        "--agency", required=True, type=agency, help="a QCVN 102 code, e.g. 000.00.06.H19"
    )
    rebuild.add_argument(
        "--from", dest="first", required=True, type=month, help="the first month, e.g. 2026-01"
    )
    rebuild.add_argument(
        "--to", dest="last", required=True, type=month, help="the last month, e.g. 2026-03"
    )

    portal_commands = add_group(
        commands,
        "portal",
        summary="the national portal (DVCQG) sync",
        description="The national portal (DVCQG) sync.",
    )
    reconcile = add_command(
        portal_commands,
        "reconcile",
        summary="ask the portal what it holds of each dossier and list what differs",
        description="Look up each dossier at the national portal and list what differs from "
        "ours; with --repush, push what differs again and look again. Progress on the terminal.",
        examples=["motcua portal reconcile --days 30", "motcua portal reconcile --repush"],
        run=reconcile_command,
        needs=STACK,
    )
    reconcile.add_argument(
        "--repush", action="store_true", help="push what differs again, then look again"
    )
    reconcile.add_argument(
        "--days",
        type=positive,
        default=None,
        help="only open dossiers and those ended in the last DAYS days (default: all), e.g. 30",
    )

    payments_commands = add_group(
        commands,
        "payments",
        summary="fees paid online: the payment platform's statement",
        description="Fees paid online: the payment platform's statement.",
    )
    payments_reconcile = add_command(
        payments_commands,
        "reconcile",
        summary="match a day's statement of the payment platform against our orders",
        description="Ask the payment platform for a day's statement (Vietnam day; default "
        "yesterday, as the nightly job does) and take each line as a callback would: a payment "
        "whose callback never came is applied, anything that does not match its order is "
        "parked for an official. Safe to repeat: a payment is recorded once.",
        examples=["motcua payments reconcile", "motcua payments reconcile --day 2026-03-02"],
        run=payments_reconcile_command,
        needs=STACK,
    )
    payments_reconcile.add_argument(
        "--day",
        type=day,
        default=None,
        help="the statement's day, Vietnam time (default: yesterday), e.g. 2026-03-02",
    )

    reference_commands = add_group(
        commands,
        "reference",
        summary="the agency registry and aliases the workers use (reloaded live)",
        description="The agency registry and aliases the workers use (reloaded live).",
    )
    push = add_command(
        reference_commands,
        "push",
        summary="check agencies.yaml and agency_aliases.yaml, then store them as the next version",
        description="Check agencies.yaml and agency_aliases.yaml against the catalog, then store "
        "them in the table as the next version (workers reload within the refresh interval); "
        "files that do not pass are not stored.",
        examples=["motcua reference push", "motcua reference push --data-dir ../province-data"],
        run=reference_command,
        needs=STACK,
    )
    push.add_argument(
        "--data-dir",
        default=None,
        help="the folder holding the two files (default: data/), e.g. ../province-data",
    )

    log = add_command(
        commands,
        "deliveries",
        summary="a dossier's delivery log (every attempt)",
        description="Every attempt to deliver a dossier's notices: when, which route and "
        "channel, which provider, the outcome and its error.",
        examples=["motcua deliveries 000.00.06.H19-260101-0001"],
        run=deliveries_command,
        needs=STACK,
    )
    log.add_argument("code", help="the dossier code, e.g. 000.00.06.H19-260101-0001")

    form = add_command(
        commands,
        "forms",
        summary="write a form of Thông tư 03/2025 (Mẫu 01-07)",
        description="Write a form of Thông tư 03/2025 as a PDF (Mẫu 07 also as CSV): Mẫu 01-06 "
        "of a dossier, Mẫu 07 of an agency over a period.",
        examples=[
            "motcua forms 000.00.06.H19-260101-0001 01 --pin 4821",
            "motcua forms 000.00.06.H19 07 --first 2026-01-01 --last 2026-03-31 --csv",
        ],
        run=forms_command,
        needs=STACK,
    )
    form.add_argument(
        "target",
        help="the dossier code (Mẫu 01-06) or the agency (Mẫu 07), e.g. 000.00.06.H19-260101-0001",
    )
    form.add_argument("form", help="which form, 01-07, e.g. 01")
    form.add_argument(
        "--out", help="the file to write (default: build/forms/<name>), e.g. /tmp/mau01.pdf"
    )
    form.add_argument(
        "--pin", help="Mẫu 01: the receipt PIN to print (from the receipt), e.g. 4821"
    )
    form.add_argument("--first", type=day, help="Mẫu 07: the first day, e.g. 2026-01-01")
    form.add_argument("--last", type=day, help="Mẫu 07: the last day, e.g. 2026-03-31")
    form.add_argument("--csv", action="store_true", help="Mẫu 07 as a spreadsheet (CSV)")
