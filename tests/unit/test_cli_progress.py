"""The long scans tick once per dossier for the CLI's progress, and the progress itself runs
(rich, on stderr) without changing what the command answers."""

import io
import sys
from types import SimpleNamespace

from chalicelib import ops
from chalicelib.cli import progress
from tests.unit.builders import at
from tests.unit.test_recalendar import deps, setup


def test_the_calendar_scan_ticks_once_per_open_dossier(calendar):
    store = setup(calendar, codes=("A", "B", "C"))
    container = SimpleNamespace(recalendar_deps=lambda: deps(store, calendar))
    ticks = []
    report = ops.recompute_calendar(
        "Không đổi", at(2026, 11, 17), container, dry_run=True, tick=lambda: ticks.append(1)
    )
    assert report["examined"] == 3 and len(ticks) == 3


def test_a_counted_store_is_the_store_with_one_method_counted():
    class Store:
        name = "store"

        def all_codes(self):
            yield from ("A", "B")

    ticks = []
    counted = ops._Counted(Store(), "all_codes", lambda: ticks.append(1))
    assert list(counted.all_codes()) == ["A", "B"] and len(ticks) == 2
    assert counted.name == "store"


def test_progress_is_shown_on_a_terminal_and_silent_elsewhere(monkeypatch):
    terminal = io.StringIO()
    terminal.isatty = lambda: True  # type: ignore[method-assign]
    monkeypatch.setattr("sys.stderr", terminal)
    with progress.counting("dossiers read", shown=True) as tick:
        for _ in range(3):
            tick()
    assert "dossiers read" in terminal.getvalue()
    monkeypatch.setattr("sys.stderr", io.StringIO())  # a pipe: nothing written
    with progress.counting("dossiers read") as tick:
        tick()
    assert sys.stderr.getvalue() == ""
