"""Settings are read in one place: no module of the app or its CLI but chalicelib/settings.py
touches the process environment (the CLI asks `operator_shell()`, the runtime
`runtime_facts()`)."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
READS = re.compile(r"\bos\.(environ|getenv|putenv|unsetenv)\b|\bfrom os import .*\benviron\b")


def test_only_the_settings_module_reads_the_environment():
    modules = [ROOT / "app.py", *sorted((ROOT / "chalicelib").rglob("*.py"))]
    readers = {
        path.relative_to(ROOT).as_posix()
        for path in modules
        if READS.search(path.read_text(encoding="utf-8"))
    }
    assert readers == {"chalicelib/settings.py"}
