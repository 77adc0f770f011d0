"""Page 1 of the sample electronic receipt (`chalicelib/forms/receipt_sample.py`) as PNG in
docs/forms/bien-lai.png, so that people see the receipt without running anything.

    python -m devstack.receipt_image      (needs pdftoppm: apt-get install poppler-utils)
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from devstack.form_images import IMAGES_DIR, PROJECT_DIR, page_one_png

IMAGE = IMAGES_DIR / "bien-lai.png"


def main() -> int:
    if shutil.which("pdftoppm") is None:
        print("pdftoppm is missing: apt-get install poppler-utils", file=sys.stderr)
        return 1
    from chalicelib.forms.receipt import render_receipt
    from chalicelib.forms.receipt_sample import SAMPLE

    with tempfile.TemporaryDirectory() as tmp:
        pdf = Path(tmp) / "bien-lai.pdf"
        pdf.write_bytes(render_receipt(SAMPLE))
        print(page_one_png(pdf, IMAGE).relative_to(PROJECT_DIR))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
