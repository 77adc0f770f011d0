"""The forms' fonts ship in the Lambda zip with data/, their licence beside them."""

from __future__ import annotations

import zipfile

from infra.package import DATA_DIR, add_data


def test_the_zip_carries_the_fonts_and_their_licence(tmp_path):
    archive = tmp_path / "deployment.zip"
    zipfile.ZipFile(archive, "w").close()
    added = add_data(archive, DATA_DIR)
    fonts = {name for name in added if name.startswith("data/fonts/")}
    assert fonts >= {
        "data/fonts/Tinos-Regular.ttf",
        "data/fonts/Tinos-Bold.ttf",
        "data/fonts/Tinos-Italic.ttf",
        "data/fonts/OFL.txt",
    }
    with zipfile.ZipFile(archive) as zipped:
        for name in fonts:
            assert zipped.read(name) == (DATA_DIR.parent / name).read_bytes()
