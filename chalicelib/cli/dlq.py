"""`motcua dlq list|show|redrive|purge|resend`: the dead letters of every worker's queue and of
the outbox (the stream relay's), masked.

A letter's id is its original message's id: the same through every redrive, so the one
`dlq list` shows is the one `dlq show`, `dlq redrive` and `dlq purge` take. Every count a
command prints is what it actually did (handlers/dead_letter_queues.py: a snapshot first).

The outbox's letters describe stream batches the relay gave up on (shard, sequence numbers):
there is no message to send back, so `redrive` refuses them and `resend` relays the records
again through the relay's own code while the stream keeps them (24 hours).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from chalicelib.cli.base import Answer, Context, add_command, add_group, plural
from chalicelib.cli.errors import CliError, UsageError
from chalicelib.cli.target import STACK
from chalicelib.domain.calendar import LOCAL_TZ
from chalicelib.handlers import dead_letter_queues as dlq
from chalicelib.handlers.dead_letter_queues import (
    DLQ_NAMES,
    OUTBOX,
    QUEUE_NAMES,
    Letter,
    Snapshot,
)

MASKED_WIDTH = 110


def _sqs() -> Any:
    from chalicelib.adapters.aws import client

    return client("sqs")


REDRIVE_OUTBOX = (
    "outbox letters describe stream batches, not messages, and cannot be sent back: relay "
    "their records again with `motcua dlq resend ID` (or --all)"
)


def _queues(ctx: Context, names: list[str] | None) -> list[dlq.DeadLetterQueue]:
    queues = dlq.queues_of(ctx.deps.settings, names or DLQ_NAMES)
    missing = [q.name for q in queues if not q.dlq_url or not (q.queue_url or q.streamed)]
    if missing:
        raise CliError(
            f"the settings name no queue URLs for {', '.join(missing)} "
            "(MOTCUA_<NAME>_QUEUE_URL, MOTCUA_<NAME>_DLQ_URL): is this the right stack?"
        )
    return queues


def count(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of letters; e.g. 200")
    return int(text)


def age(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{int(seconds // size)}{unit}"
    return f"{int(seconds)}s"


def _one_line(value: Any, width: int) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= width else text[: width - 1] + "…"


def _now() -> datetime:
    return datetime.now(UTC)


def _snapshots(ctx: Context, names: list[str] | None) -> list[Snapshot]:
    sqs = _sqs()
    return [dlq.snapshot(sqs, queue) for queue in _queues(ctx, names)]


def _release_all(snaps: list[Snapshot], keep: Callable[[Letter], bool] = lambda _: False) -> None:
    sqs = _sqs()
    for snap in snaps:
        dlq.release(sqs, snap, [letter for letter in snap.letters if not keep(letter)])


def list_command(args: argparse.Namespace, ctx: Context) -> Answer:
    snaps = _snapshots(ctx, args.queue)
    _release_all(snaps)
    now = _now()
    data: dict[str, Any] = {"queues": {}, "total": 0}
    lines = []
    for snap in snaps:
        name = snap.queue.name
        listed = snap.letters[: args.limit]
        data["queues"][name] = {
            "listed": len(listed),
            "visible": snap.visible,
            "in_flight": snap.in_flight,
            "letters": [letter.as_json(now) for letter in listed],
        }
        data["total"] += len(snap.letters)
        lines.append(
            f"{name}: {plural(len(snap.letters), 'letter')} "
            f"(SQS counted {snap.visible} visible, {snap.in_flight} in flight)"
        )
        if listed:
            lines.append("  ID (for show, redrive, purge)          AGE   DOSSIER  TIMES  REASON")
        for letter in listed:
            lines.append(
                f"  {letter.id}  {age(letter.age_seconds(now)):>4}  {letter.code or '-'}  "
                f"x{len(letter.reasons) or 1}  {_one_line(letter.reason, 80)}"
            )
            lines.append(f"      {_one_line(letter.masked, MASKED_WIDTH)}")
        if len(snap.letters) > len(listed):
            lines.append(f"  … {len(snap.letters) - len(listed)} more (--limit)")
    lines.append(f"total: {plural(data['total'], 'dead letter')}")
    return Answer("\n".join(lines), data)


def _find(ctx: Context, args: argparse.Namespace) -> tuple[list[Snapshot], list[Letter]]:
    snaps = _snapshots(ctx, args.queue)
    found = [letter for snap in snaps for letter in snap.matching(args.id)]
    if not found:
        _release_all(snaps)
        where = ", ".join(args.queue or DLQ_NAMES)
        raise CliError(f"no dead letter {args.id} in {where}: `motcua dlq list` shows their ids")
    return snaps, found


def show_command(args: argparse.Namespace, ctx: Context) -> Answer:
    snaps, found = _find(ctx, args)
    _release_all(snaps)
    now = _now()
    lines = []
    for letter in found:
        lines += [
            f"id            {letter.id}",
            f"queue         {letter.queue}",
            f"dossier       {letter.code or '-'}",
            f"first dead    {letter.first_at.astimezone(LOCAL_TZ):%d/%m/%Y %H:%M:%S} "
            f"(Vietnam time, {age(letter.age_seconds(now))} ago)",
            f"in this DLQ   {letter.sent_at.astimezone(LOCAL_TZ):%d/%m/%Y %H:%M:%S}",
            f"dead-lettered {plural(len(letter.reasons) or 1, 'time')}",
            f"reason        {letter.reason}",
            *(f"  before      {reason}" for reason in letter.reasons[:-1]),
            f"DLQ message   {letter.message_id}"
            + (f" (group {letter.group})" if letter.group else ""),
            "body (masked):",
            json.dumps(letter.masked, ensure_ascii=False, indent=2),
        ]
    return Answer("\n".join(lines), [letter.as_json(now) for letter in found])


def check_choice(args: argparse.Namespace) -> None:
    """Before anything is called: one letter or --all (a queue's name alone: all of it, as
    `dlq redrive intake` used to say)."""
    if args.id in DLQ_NAMES and not args.all:
        args.queue, args.id, args.all = [args.id], None, True
    if bool(args.id) == bool(args.all):
        raise UsageError(
            f"motcua dlq {args.dlq_command}: name one letter's ID or --all, not both nor neither "
            f"(see `motcua dlq {args.dlq_command} --help`)"
        )
    if args.dlq_command == "redrive" and OUTBOX in (args.queue or ()):
        raise UsageError(f"motcua dlq redrive: {REDRIVE_OUTBOX}")
    if args.dlq_command == "resend" and args.queue != [OUTBOX]:
        raise UsageError(
            "motcua dlq resend: only the outbox's letters are resent; a worker's go back with "
            "`motcua dlq redrive` (see `motcua dlq resend --help`)"
        )


def _chosen(
    args: argparse.Namespace, ctx: Context
) -> tuple[list[Snapshot], dict[str, list[Letter]]]:
    """The letters a redrive or a purge acts on (all, or the one named), by queue; the others
    of the snapshot are let go."""
    if args.all:
        snaps = _snapshots(ctx, args.queue)
        chosen = {snap.queue.name: list(snap.letters) for snap in snaps}
    else:
        snaps, _ = _find(ctx, args)
        chosen = {snap.queue.name: snap.matching(args.id) for snap in snaps}
    picked = {id(letter) for letters in chosen.values() for letter in letters}
    _release_all(snaps, keep=lambda letter: id(letter) in picked)
    return snaps, chosen


def _summary(done: dict[str, int], verb: str) -> Answer:
    total = sum(done.values())
    queues = ", ".join(f"{name} {count}" for name, count in done.items() if count) or "none"
    return Answer(f"{plural(total, 'letter')} {verb} ({queues})", {verb.replace(" ", "_"): done,
                                                                    "total": total})  # fmt: skip


def redrive_command(args: argparse.Namespace, ctx: Context) -> Answer:
    if args.all and not args.queue:  # every queue whose letters can go back
        args.queue = list(QUEUE_NAMES)
    snaps, chosen = _chosen(args, ctx)
    if chosen.get(OUTBOX):
        _release_all(snaps)
        raise CliError(REDRIVE_OUTBOX)
    sqs = _sqs()
    done = {snap.queue.name: dlq.redrive(sqs, snap, chosen[snap.queue.name]) for snap in snaps}
    return _summary(done, "sent back")


def _confirm(question: str) -> bool:
    if not sys.stdin or not sys.stdin.isatty():
        raise CliError("purge deletes for good and there is no terminal to ask: add --yes")
    print(f"{question} [y/N] ", end="", file=sys.stderr, flush=True)
    return sys.stdin.readline().strip().lower() in ("y", "yes", "c", "có")


def purge_command(args: argparse.Namespace, ctx: Context) -> Answer:
    snaps, chosen = _chosen(args, ctx)
    count = sum(len(letters) for letters in chosen.values())
    if count and not args.yes:
        where = ", ".join(f"{name} {len(ls)}" for name, ls in chosen.items() if ls)
        try:
            agreed = _confirm(f"delete {plural(count, 'dead letter')} for good ({where})?")
        except CliError:
            _release_all(snaps)
            raise
        if not agreed:
            _release_all(snaps)
            return Answer("nothing deleted", {"deleted": {}, "total": 0})
    sqs, store = _sqs(), ctx.deps.letters
    done = {snap.queue.name: dlq.purge(sqs, snap, chosen[snap.queue.name], store) for snap in snaps}
    return _summary(done, "deleted")


def resend_command(args: argparse.Namespace, ctx: Context) -> Answer:
    from chalicelib.adapters.aws import client
    from chalicelib.handlers import workers

    snaps, chosen = _chosen(args, ctx)
    [snap] = snaps
    results = dlq.resend(_sqs(), client("dynamodbstreams"), snap, chosen[OUTBOX],
                         lambda event: workers.run_outbox_relay(event, None, ctx.deps))  # fmt: skip
    lines = []
    for result in results:
        if result.deleted:
            lines.append(f"{result.letter.id}: {plural(result.read, 'record')} relayed again; "
                         "letter deleted")  # fmt: skip
        else:
            lines.append(f"{result.letter.id}: kept, {result.why_kept}")
    resent = sum(r.deleted for r in results)
    kept = len(results) - resent
    lines.append(f"{plural(resent, 'letter')} resent, {plural(kept, 'letter')} kept")
    if kept:
        lines.append(
            "  for those kept: fix the relay, or, once the stream no longer has their records, "
            "`motcua portal reconcile --days 2 --repush`, check notices with `motcua "
            "deliveries CODE`, then `motcua dlq purge ID`"
        )
    data = {
        "resent": resent,
        "kept": kept,
        "letters": [
            {"id": r.letter.id, "records": r.read, "failed": r.failed, "deleted": r.deleted,
             "why_kept": r.why_kept or None}
            for r in results
        ],
    }  # fmt: skip
    return Answer("\n".join(lines), data)


QUEUE_HELP = (
    "only this queue (repeat for several): " + ", ".join(DLQ_NAMES) + "; e.g. --queue intake"
)


def add(commands: Any) -> None:
    verbs = add_group(
        commands,
        "dlq",
        summary="dead letters of every queue: list, show, redrive, purge, resend (masked)",
        description="Dead letters of the intake, transitions, notifications, portal-sync and "
        "file-fetch queues, and of the outbox (stream batches the relay gave up on). Bodies are "
        "shown masked (their originals are parked in the table).",
    )

    listing = add_command(
        verbs,
        "list",
        summary="every queue's dead letters: id, age, dossier, reason, masked body, counts",
        description="The dead letters of each queue: id, age since first dead-lettered, dossier "
        "code, how many times, the reason and the masked body; beside SQS's own counts.",
        examples=["motcua dlq list", "motcua dlq list --queue notifications --json"],
        run=list_command,
        needs=STACK,
    )
    listing.add_argument("--queue", action="append", choices=DLQ_NAMES, help=QUEUE_HELP)
    listing.add_argument(
        "--limit", type=count, default=50, help="letters shown per queue (default 50), e.g. 200"
    )

    show = add_command(
        verbs,
        "show",
        summary="one dead letter whole: its reasons, times and masked body",
        description="One dead letter: every reason it was dead-lettered for (kept across "
        "redrives), when, its dossier and its masked body.",
        examples=["motcua dlq show 5f0c2d1e-8a7b-4c1d-9e2f-3a4b5c6d7e8f"],
        run=show_command,
        needs=STACK,
    )
    show.add_argument("id", help="the letter's id from `motcua dlq list`, e.g. 5f0c2d1e-…")
    show.add_argument("--queue", action="append", choices=DLQ_NAMES, help=QUEUE_HELP)

    for verb, run, summary, description, examples in (
        (
            "redrive",
            redrive_command,
            "send a letter (or --all) back to its queue, handled as its original",
            "Send dead letters back to their queue: the worker handles each as its original "
            "(parked in the table). One that fails again comes back with both reasons. Not "
            "the outbox's (descriptions of stream batches): see `motcua dlq resend`.",
            [
                "motcua dlq redrive 5f0c2d1e-8a7b-4c1d-9e2f-3a4b5c6d7e8f",
                "motcua dlq redrive --all --queue notifications",
                "motcua dlq redrive --all",
            ],
        ),
        (
            "purge",
            purge_command,
            "delete a letter (or --all) for good, with its parked original; asks first",
            "Delete dead letters for good, with their parked originals (personal data kept for "
            "a replay that will not come). Asks for confirmation unless --yes.",
            [
                "motcua dlq purge 5f0c2d1e-8a7b-4c1d-9e2f-3a4b5c6d7e8f",
                "motcua dlq purge --all --queue file-fetch --yes",
                "motcua dlq purge --all --queue outbox",
            ],
        ),
    ):
        parser = add_command(
            verbs,
            verb,
            summary=summary,
            description=description,
            examples=examples,
            run=run,
            needs=STACK,
        )
        parser.add_argument(
            "id", nargs="?", help="the letter's id from `motcua dlq list`, e.g. 5f0c2d1e-…"
        )
        parser.add_argument(
            "--all", action="store_true", help="every letter (of --queue, else of every queue)"
        )
        parser.add_argument("--queue", action="append", choices=DLQ_NAMES, help=QUEUE_HELP)
        parser.set_defaults(check=check_choice)
        if verb == "purge":
            parser.add_argument(
                "--yes", action="store_true", help="do not ask for confirmation (scripts)"
            )

    resend = add_command(
        verbs,
        "resend",
        summary="relay again the stream records an outbox letter describes (or --all)",
        description="An outbox letter describes a batch of the table's stream the relay gave up "
        "on (shard, sequence numbers). Read those records from the stream (it keeps them 24 "
        "hours) and hand them to the relay again: their notices and portal syncs are queued "
        "(a notice already delivered is not sent twice). A letter whose records were all "
        "relayed is deleted; the others stay, with why.",
        examples=[
            "motcua dlq resend 5f0c2d1e-8a7b-4c1d-9e2f-3a4b5c6d7e8f",
            "motcua dlq resend --all",
        ],
        run=resend_command,
        needs=STACK,
    )
    resend.add_argument(
        "id", nargs="?", help="the letter's id from `motcua dlq list --queue outbox`, e.g. 5f0c…"
    )
    resend.add_argument("--all", action="store_true", help="every letter of the outbox")
    resend.set_defaults(check=check_choice, queue=[OUTBOX])
