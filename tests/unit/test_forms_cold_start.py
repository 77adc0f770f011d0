"""PDF libraries stay out of the cold start of every function that does not render a file:
importing the app (the API and every worker's handler), the workers' module, the composition
root and the forms' service and content loads none of them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("fpdf", "pypdf", "pyhanko", "segno", "fontTools")


def loaded_after(*modules: str) -> list[str]:
    """The heavy packages in sys.modules of a fresh process once `modules` are imported."""
    code = (
        f"import sys, importlib\nfor m in {list(modules)!r}: importlib.import_module(m)\n"
        f"print(__import__('json').dumps(sorted({{n.split('.')[0] for n in sys.modules}} "
        f"& set({list(HEAVY)!r}))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    return list(json.loads(out.stdout.strip().splitlines()[-1]))


def test_the_app_workers_and_forms_service_import_no_pdf_library():
    assert (
        loaded_after(
            "app",
            "chalicelib.handlers.workers",
            "chalicelib.bootstrap",
            "chalicelib.services.forms",
            "chalicelib.forms.content",
            "chalicelib.forms.spreadsheet",
        )
        == []
    )


def test_the_renderer_is_what_brings_them():
    """The check above can fail: the renderer does load fpdf2 (and its fontTools)."""
    assert {"fpdf", "fontTools"} <= set(loaded_after("chalicelib.forms.render"))
