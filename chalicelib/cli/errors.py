"""What a command answers when it cannot do what was asked: one line saying what to do."""

from __future__ import annotations

import argparse
from typing import NoReturn


class CliError(Exception):
    """A refusal or a failure the operator can act on; printed as `error: <message>`."""


class UsageError(CliError):
    """Bad arguments (argparse's own checks included)."""


class Parser(argparse.ArgumentParser):
    """argparse, but a bad argument is one line naming the command and its `--help`, not the
    usage block and an exit from inside the parser."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message} (see `{self.prog} --help`)")


class Examples(argparse.RawDescriptionHelpFormatter):
    """Keeps the examples in a command's epilog as they are written."""
