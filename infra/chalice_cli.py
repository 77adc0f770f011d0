"""`chalice`, with the Lambda dependencies it builds kept between packagings.

    python infra/chalice_cli.py package --stage prod ...   (what `infra/package.py` runs)

Chalice builds the dependencies of `requirements.txt` for Lambda's platform afresh on every
`chalice package` whose code changed (its own cache is keyed by the code too): it downloads
every wheel and compiles from source each one with no wheel for Lambda's glibc (Pillow: a
minute or more of C). They depend only on the requirements file (hash-pinned: the same bytes
are the same wheels), the Lambda ABI and chalice's version, so here the directory chalice's
`DependencyBuilder` made is kept under `build/lambda-dependencies/<key>/` and copied into place
the next time: the same files, in the same zip. A build that raises (a dependency with no
wheel) is not kept; a new build replaces the one kept before.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

CACHE_DIR = Path(__file__).resolve().parents[1] / "build" / "lambda-dependencies"


def cache_key(requirements: bytes, abi: str, chalice_version: str) -> str:
    digest = hashlib.sha256(requirements)
    digest.update(f"\0{abi}\0{chalice_version}".encode())
    return digest.hexdigest()[:32]


def cached_build_site_packages(original: Any, chalice_version: str, cache_dir: Path = CACHE_DIR):
    """`DependencyBuilder.build_site_packages`, answered from `cache_dir` when it holds the
    same requirements' build."""

    def build_site_packages(
        self: Any, abi: str, requirements_filepath: str, target_directory: str
    ) -> None:
        key = cache_key(Path(requirements_filepath).read_bytes(), abi, chalice_version)
        kept = cache_dir / key
        if kept.is_dir():
            shutil.copytree(kept, target_directory, symlinks=True, dirs_exist_ok=True)
            return
        original(self, abi, requirements_filepath, target_directory)
        cache_dir.mkdir(parents=True, exist_ok=True)
        partial = Path(tempfile.mkdtemp(prefix=f".{key}-", dir=cache_dir))
        try:
            shutil.copytree(target_directory, partial, symlinks=True, dirs_exist_ok=True)
            os.rename(partial, kept)  # atomic: another packaging's copy may have won
        except OSError:
            shutil.rmtree(partial, ignore_errors=True)
            return
        for other in cache_dir.iterdir():  # an earlier lock's build (~150 MB) is not needed
            if other.is_dir() and other.name != key and not other.name.startswith("."):
                shutil.rmtree(other, ignore_errors=True)

    return build_site_packages


def main() -> int:
    # Run as a script, this file's folder (infra/) is first on the path: chalice must not see it.
    here = str(Path(__file__).resolve().parent)
    sys.path[:] = [entry for entry in sys.path if entry != here]
    import chalice
    from chalice.cli import main as chalice_main
    from chalice.deploy.packager import DependencyBuilder

    DependencyBuilder.build_site_packages = cached_build_site_packages(  # type: ignore[method-assign]
        DependencyBuilder.build_site_packages, chalice.__version__
    )
    return chalice_main()


if __name__ == "__main__":
    raise SystemExit(main())
