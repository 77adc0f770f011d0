"""`motcua`: the operator's commands (installed by the project: `pip install -e . --no-deps`,
which `make venv` does; `python -m chalicelib.cli` is the same).

Every command first says, on stderr, what it acts on (the local stack at its endpoint, or an
AWS account, region and stage), refuses a production stage without `--yes-prod`, answers on
stdout (`--json` for scripts), and fails with one line saying what to do, never a traceback
(`--debug` shows it). Exit codes: 0 done, 2 refused or bad arguments, 1 failed unexpectedly,
130 interrupted.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence

from chalicelib.cli import dev, dlq, operations, stack_env
from chalicelib.cli.base import Context
from chalicelib.cli.errors import CliError, Examples, Parser, UsageError
from chalicelib.cli.target import resolve
from chalicelib.settings import operator_shell

__all__ = ["CliError", "main", "parser"]

EXAMPLES = """examples:
  motcua dlq list                       what is dead-lettered, on the local stack (`make run`)
  motcua timers run --now 2026-03-02T08:00:00+07:00
  MOTCUA_STAGE=prod MOTCUA_TABLE=motcua-prod AWS_REGION=ap-southeast-1 \\
    motcua dlq list --yes-prod          the same on production
  motcua COMMAND --help                 each command's options and examples"""


def parser() -> Parser:
    root = Parser(
        prog="motcua",
        description="Operate motcua: the local stack or a deployed stage (AWS).",
        epilog=EXAMPLES,
        formatter_class=Examples,
    )
    root.add_argument(
        "--debug",
        action="store_true",
        help="on an unexpected failure, print the traceback too, e.g. motcua --debug dlq list",
    )
    commands = root.add_subparsers(dest="command", required=True, metavar="COMMAND")
    dev.add(commands)
    operations.add(commands)
    dlq.add(commands)
    stack_env.add(commands)
    return root


def _fail(message: str, code: int) -> int:
    print(f"error: {' '.join(message.split())}", file=sys.stderr)  # one line, always
    return code


def main(argv: Sequence[str] | None = None) -> int:
    from chalicelib import observability

    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args, extra = parser().parse_known_args(argv)
        if extra:  # argparse would name the root command, not the one that was run
            prog = getattr(args, "prog", "motcua")
            raise UsageError(f"{prog}: unrecognized arguments: {' '.join(extra)} "
                             f"(see `{prog} --help`)")  # fmt: skip
        if hasattr(args, "check"):  # what argparse cannot say: one of two options, …
            args.check(args)
    except UsageError as exc:
        return _fail(str(exc), 2)
    except SystemExit as exc:  # --help
        return int(exc.code or 0)
    debug = args.debug or operator_shell().debug
    # stdout is the command's answer; what it says of itself and what the app logs (`timers
    # run`) go to stderr.
    with observability.log_to_stderr():
        try:
            target, deps = resolve(args.needs, yes_prod=args.yes_prod)
            print(f"target: {target.describe()}", file=sys.stderr)
            answer = args.run(args, Context(target, deps, json=args.json))
        except CliError as exc:
            return _fail(str(exc), 2)
        except KeyboardInterrupt:
            return _fail("interrupted; what was done so far stays done", 130)
        except Exception as exc:
            if debug:
                raise
            return _fail(_unexpected(exc), 1)
    if args.json:
        print(json.dumps({"target": target.as_json(), "answer": answer.data},
                         ensure_ascii=False, default=str))  # fmt: skip
    else:
        print(answer.text)
    return 0


def _unexpected(exc: Exception) -> str:
    from botocore.exceptions import BotoCoreError, ClientError

    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        return (
            f"AWS refused: {error.get('Code', '?')}: {error.get('Message', '')} (check the "
            "credentials' permissions and the region; --debug shows where)"
        )
    if isinstance(exc, BotoCoreError):
        return f"AWS could not be reached: {exc} (check the network and the region)"
    return f"{type(exc).__name__}: {exc} (unexpected; run again with --debug for the traceback)"
