"""`make forms-images`: page 1 of Mẫu 01 and Mẫu 06 of the demo's dossiers as PNG in
docs/forms/, so that people see the forms without running anything.

Runs the demo and the form scenarios on a local stack in this process, prints every form into
build/forms/, then converts the two pages with `pdftoppm` (Debian's poppler-utils; only this
tool needs it, never the tests).
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[1]
FORMS_DIR = PROJECT_DIR / "build" / "forms"
IMAGES_DIR = PROJECT_DIR / "docs" / "forms"
DPI = 90  # legible on a screen, about 100 KB a page


def page_one_png(pdf: Path, png: Path, dpi: int = DPI) -> Path:
    with tempfile.TemporaryDirectory() as tmp:
        stem = Path(tmp) / "page"
        subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-f", "1", "-l", "1",
                        "-singlefile", str(pdf), str(stem)], check=True)  # fmt: skip
        png.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(stem.with_suffix(".png"), png)
    return png


def main() -> int:
    if shutil.which("pdftoppm") is None:
        print("pdftoppm is missing: apt-get install poppler-utils", file=sys.stderr)
        return 1
    from chalicelib import ops
    from devstack import form_scenarios
    from devstack.stack import LocalStack

    with LocalStack(port=0, moto_port=0, prefix="forms-") as stack:
        with contextlib.redirect_stdout(io.StringIO()):
            dossiers = form_scenarios.run(stack.base_url)
        container = ops.operator_container()
        deps = dataclasses.replace(container.form_deps(), lookup_url=form_scenarios.LOOKUP_URL)
        files = form_scenarios.render_all(dossiers, deps, container.now(), FORMS_DIR)
    # The counter's receipt (documents, PIN, QR code) and the land transfer's control slip
    # (another agency's step, a supplement, fees).
    for pdf, png in [
        (files[f"{dossiers.apology}-mau-01.pdf"], IMAGES_DIR / "mau-01.png"),
        (files[f"{dossiers.land}-mau-06.pdf"], IMAGES_DIR / "mau-06.png"),
    ]:
        print(page_one_png(pdf, png).relative_to(PROJECT_DIR))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
