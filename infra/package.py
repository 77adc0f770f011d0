"""`make package`: a stage's deployable template and code, without AWS credentials.

    python -m infra.package --stage prod --out build/package

0. refuse any Python but the Lambda runtime's (3.11): chalice names the runtime in the template
   after the interpreter running it, and picks the wheels for it;
1. compose the merge template (`infra/compose.py`) into `build/merge-<stage>.json`;
2. stage the project as chalice packages it (`app.py`, `chalicelib/`, `.chalice/`) in
   `<out>/../project-<stage>/`, less `chalicelib/cli/` (the operator's CLI: no function
   imports it, tests/unit/test_cli_packaging.py walks app.py's imports to hold it), with
   `requirements.lock` as its `requirements.txt` (chalice has no option to name another
   file): the Lambda gets exactly the locked versions. Chalice's
   `pip download -r requirements.txt` checks every hash; a wheel it must fetch again for
   Lambda's platform (none from a linux x86_64 host) is fetched by its locked version only;
3. `chalice package --stage <stage> --merge-template build/merge-<stage>.json <out>` there: the
   SAM template `<out>/sam.json` and the code `<out>/deployment.zip` (the Lambda wheels come
   from PyPI, once per requirements lock: `infra/chalice_cli.py` keeps them in
   `build/lambda-dependencies/`; no AWS call is made, a placeholder region is set if none is);
4. add `data/` (calendar, agencies, catalog, holidays) to the zip, with the prebuilt JSON form of
   each YAML file (chalicelib/adapters/prebuilt.py: a cold start reads JSON, not YAML): Chalice
   ships `app.py`, `chalicelib/` and `vendor/` only, and the code reads `<project>/data`, which
   is `/var/task/data` in Lambda;
5. add the bytecode of every module in the zip (`__pycache__/*.cpython-311.pyc`, unchecked
   hash-based): /var/task is read-only, so a module without it is compiled from source at every
   cold start (each module's is kept in `build/lambda-bytecode/` for the next packaging);
6. write `<out>/package.json`, saying which stage the directory holds.

`cfn-lint` then checks `<out>/sam.json` (`lint()`; `make package` runs it).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import py_compile
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from infra.compose import PROJECT_DIR, compose

DATA_DIR = PROJECT_DIR / "data"
RUNTIME_LOCK = PROJECT_DIR / "requirements.lock"
LAMBDA_PYTHON = (3, 11)
# Only used to satisfy botocore while packaging; the stack is deployed to the caller's region.
PACKAGING_REGION = "ap-southeast-1"
LINT_REGIONS = ("ap-southeast-1",)
STAMP = "package.json"
# Each module's bytecode, by Python, path and source, kept between packagings (`add_bytecode`).
BYTECODE_CACHE = PROJECT_DIR / "build" / "lambda-bytecode"
# What of chalicelib/ the Lambda zip leaves out: the operator's CLI (run from a shell, never
# imported by a function).
LEFT_OUT = ("cli",)
# Everything `chalice package` and the merge template are made of.
INPUT_PATTERNS = (
    "app.py",
    "requirements.lock",
    ".chalice/config.json",
    ".chalice/policy-*.json",
    "chalicelib/**/*.py",
    "infra/*.py",
    "infra/*.json",
    "data/**/*",
)


def _tool(name: str) -> str:
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.exists() else name


def check_python(version: tuple[int, ...] = tuple(sys.version_info[:2])) -> None:
    """Chalice writes the running interpreter's version as the functions' runtime."""
    if tuple(version[:2]) != LAMBDA_PYTHON:
        wanted = "python{}.{}".format(*LAMBDA_PYTHON)
        raise SystemExit(
            f"packaging needs {wanted}, the Lambda runtime: chalice would name "
            f"python{version[0]}.{version[1]} in the template (run it with {wanted})"
        )


def stage_project(into: Path) -> Path:
    """`into` made a copy of what chalice packages, whose requirements.txt is the runtime lock.
    Its `.chalice/deployments` (chalice's cache of the built zip) is kept between runs."""
    into.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(into / "chalicelib", ignore_errors=True)  # a module removed is gone
    for config in (into / ".chalice").glob("*.json"):
        config.unlink()
    junk = shutil.ignore_patterns("__pycache__", "*.pyc", "deployments", "venv")

    def code(folder: str, names: list[str]) -> set[str]:
        left_out = set(junk(folder, names))
        if Path(folder) == PROJECT_DIR / "chalicelib":
            left_out |= set(LEFT_OUT) & set(names)
        return left_out

    shutil.copytree(PROJECT_DIR / "chalicelib", into / "chalicelib", ignore=code)
    shutil.copytree(PROJECT_DIR / ".chalice", into / ".chalice", ignore=junk, dirs_exist_ok=True)
    shutil.copy2(PROJECT_DIR / "app.py", into / "app.py")
    shutil.copy2(RUNTIME_LOCK, into / "requirements.txt")
    return into


def package(stage: str, out_dir: str | Path, *, merge_path: str | Path | None = None) -> Path:
    """Package `stage` into `out_dir` (replaced); answer the path of its `sam.json`."""
    check_python()
    out_dir = Path(out_dir).resolve()
    merge = Path(merge_path) if merge_path else out_dir.parent / f"merge-{stage}.json"
    merge.parent.mkdir(parents=True, exist_ok=True)
    merge.write_text(json.dumps(compose(stage), indent=2, ensure_ascii=False) + "\n", "utf-8")
    if out_dir.exists():
        shutil.rmtree(out_dir)
    env = dict(os.environ)
    env.setdefault("AWS_DEFAULT_REGION", PACKAGING_REGION)
    command = [
        sys.executable,  # chalice, with its Lambda dependencies kept between packagings
        str(Path(__file__).with_name("chalice_cli.py")),
        "package",
        "--stage",
        stage,
        "--merge-template",
        str(merge),
        str(out_dir),
    ]
    project = stage_project(out_dir.parent / f"project-{stage}")
    print("+", " ".join(command), f"(in {project})", flush=True)
    subprocess.run(command, cwd=project, env=env, check=True)
    add_data(out_dir / "deployment.zip")
    add_bytecode(out_dir / "deployment.zip", BYTECODE_CACHE)
    (out_dir / STAMP).write_text(json.dumps({"stage": stage, "merge_template": str(merge)}))
    return out_dir / "sam.json"


def add_data(zip_path: Path, data_dir: Path = DATA_DIR) -> list[str]:
    """Append `data_dir`'s files to the zip under `data/`, with each YAML file's prebuilt JSON
    form, with fixed dates (as Chalice does, so the same inputs give the same zip)."""
    from chalicelib.adapters import prebuilt

    added = []
    with tempfile.TemporaryDirectory() as tmp:
        staged = Path(tmp) / "data"
        junk = shutil.ignore_patterns("*" + prebuilt.SUFFIX)  # only forms made now
        shutil.copytree(data_dir, staged, ignore=junk)
        prebuilt.build_all(staged)
        with zipfile.ZipFile(zip_path, "a", compression=zipfile.ZIP_DEFLATED) as archive:
            present = set(archive.namelist())
            for path in sorted(p for p in staged.rglob("*") if p.is_file()):
                name = f"data/{path.relative_to(staged).as_posix()}"
                if name in present:
                    raise FileExistsError(f"{zip_path} already holds {name}")
                _write(archive, name, path.read_bytes())
                added.append(name)
    return added


def add_bytecode(zip_path: Path, cache_dir: Path | None = None) -> list[str]:
    """Append the bytecode of every module of the zip that has none, where Python looks for it
    (`<dir>/__pycache__/<name>.cpython-311.pyc`). Unchecked hash-based: the sources of a
    deployed function never change, and the zip's dates are fixed. `cache_dir` keeps each
    module's bytecode between packagings (the same path and source give the same code:
    the dependencies' thousands of modules are compiled once per lock)."""
    tag = sys.implementation.cache_tag
    added = []
    with tempfile.TemporaryDirectory() as tmp:
        with zipfile.ZipFile(zip_path) as archive:
            present = set(archive.namelist())
            sources = sorted(n for n in present if n.endswith(".py"))
            compiled = {}
            for name in sources:
                folder, _, module = name.rpartition("/")
                target = f"{folder + '/' if folder else ''}__pycache__/{module[:-3]}.{tag}.pyc"
                if target in present:
                    continue
                text = archive.read(name)
                code = _compiled(name, text, Path(tmp), cache_dir)
                if code is not None:
                    compiled[target] = code
        with zipfile.ZipFile(zip_path, "a", compression=zipfile.ZIP_DEFLATED) as archive:
            for target, code in compiled.items():
                _write(archive, target, code)
                added.append(target)
    return added


def _compiled(name: str, text: bytes, tmp: Path, cache_dir: Path | None) -> bytes | None:
    """The bytecode of the module `name` whose source is `text`, as found at `/var/task/<name>`;
    None if it does not compile (e.g. a module for another Python: Lambda compiles or skips
    it). A failure is not kept: it is compiled again next time."""
    kept = None
    if cache_dir is not None:
        key = hashlib.sha256(f"{sys.implementation.cache_tag}\0{name}\0".encode() + text)
        kept = cache_dir / f"{key.hexdigest()[:40]}.pyc"
        with contextlib.suppress(OSError):
            return kept.read_bytes()
    source = tmp / name
    source.parent.mkdir(parents=True, exist_ok=True)
    source.write_bytes(text)
    try:
        py_compile.compile(
            str(source),
            cfile=str(source) + "c",
            dfile=f"/var/task/{name}",
            doraise=True,
            invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
        )
    except py_compile.PyCompileError:
        return None
    code = Path(str(source) + "c").read_bytes()
    if kept is not None:
        kept.parent.mkdir(parents=True, exist_ok=True)
        partial = kept.with_name(f".{kept.name}.{os.getpid()}")
        partial.write_bytes(code)
        os.replace(partial, kept)  # atomic: a reader sees all of it or nothing
    return code


def _write(archive: zipfile.ZipFile, name: str, content: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.external_attr = 0o644 << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, content)


def newest_input() -> float:
    """The latest modification time among the packaging inputs."""
    times = [
        path.stat().st_mtime
        for pattern in INPUT_PATTERNS
        for path in PROJECT_DIR.glob(pattern)
        if path.is_file() and "__pycache__" not in path.parts
    ]
    return max(times)


def is_fresh(out_dir: str | Path, stage: str) -> bool:
    """`out_dir` holds `stage`'s package, made after every input last changed."""
    out_dir = Path(out_dir)
    try:
        stamp = json.loads((out_dir / STAMP).read_text())
        made = (out_dir / "sam.json").stat().st_mtime
        (out_dir / "deployment.zip").stat()
    except (OSError, ValueError):
        return False
    return stamp.get("stage") == stage and made > newest_input()


def lint(template: str | Path) -> subprocess.CompletedProcess[str]:
    """cfn-lint on a packaged template (SAM is validated against SAM's schemas)."""
    command = [_tool("cfn-lint"), "--regions", *LINT_REGIONS, "--", str(template)]
    return subprocess.run(command, capture_output=True, text=True, check=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stage", required=True)
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--lint", action="store_true", help="run cfn-lint on the template")
    args = parser.parse_args(argv)
    started = time.monotonic()
    template = package(args.stage, args.out)
    print(f"packaged {args.stage} in {time.monotonic() - started:.0f} s: {template}")
    if args.lint:
        result = lint(template)
        print(result.stdout + result.stderr, end="")
        if result.returncode:
            print(f"cfn-lint: exit status {result.returncode}", file=sys.stderr)
            return result.returncode
        print("cfn-lint: no findings")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
