"""What every command shares: its answer (text or JSON), its context (the target it acts on)
and the options every command has, with their help and examples."""

from __future__ import annotations

import argparse
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from chalicelib.cli.errors import Examples, Parser
from chalicelib.cli.target import Target


@dataclass(frozen=True)
class Answer:
    """What a command prints: `text` for people, `data` with --json (for scripts)."""

    text: str
    data: Any


@dataclass(frozen=True)
class Context:
    """What a command acts on (said before it runs) and through what: the operator's container
    for the commands on a stack, the settings for the others."""

    target: Target
    deps: Any
    json: bool = False


def add_group(commands: Any, name: str, *, summary: str, description: str) -> Any:
    """A group of commands (`motcua <name> <command>`): the subparsers its commands join."""
    group = commands.add_parser(name, help=summary, description=description)
    return group.add_subparsers(dest=f"{name}_command", required=True, metavar="COMMAND")


def add_command(
    group: Any,
    name: str,
    *,
    summary: str,
    description: str,
    examples: Sequence[str],
    run: Callable[[argparse.Namespace, Context], Answer],
    needs: str,
) -> Parser:
    """A command with its description, its examples and the options every command has."""
    parser: Parser = group.add_parser(
        name,
        help=summary,
        description=textwrap.fill(description, 88),
        epilog="examples:\n" + "\n".join(f"  {line}" for line in examples),
        formatter_class=Examples,
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help="print the answer as one JSON document for scripts (the target line stays on "
        "stderr), e.g. `motcua dlq list --json | jq .`",
    )
    parser.add_argument(
        "--yes-prod",
        action="store_true",
        help="act on a production stage: refused there without it, e.g. "
        "`MOTCUA_STAGE=prod motcua dlq list --yes-prod`",
    )
    parser.set_defaults(run=run, needs=needs, prog=parser.prog)
    return parser


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"
