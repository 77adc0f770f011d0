"""Progress of the long scans (`calendar recompute`, `portal reconcile`, `report-rebuild`) on
the operator's terminal: `rich`, a development dependency (requirements-dev.txt) imported here
only, inside the function, so no Lambda ever loads it (tests/unit/test_cli_packaging.py).

Shown on stderr when stderr is a terminal; elsewhere (a pipe, a script, a test) nothing."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def counting(label: str, *, shown: bool | None = None) -> Iterator[Callable[[], None]]:
    """A `tick()` to call once per item scanned; the count and the elapsed time are shown."""
    if shown is None:
        shown = sys.stderr.isatty()
    if not shown:
        yield lambda: None
        return
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    columns: list[Any] = [
        SpinnerColumn(),
        TextColumn("{task.description}: {task.completed:,.0f}"),
        TimeElapsedColumn(),
    ]
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(label, total=None)
        yield lambda: bar.advance(task)
