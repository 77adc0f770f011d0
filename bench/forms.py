"""Time and memory to render Mẫu 01 (the receipt) and Mẫu 06 (the control slip), cold and warm.

Cold: the first render in a fresh Python process, counting the imports of the renderer (fpdf2,
its fontTools, segno), the parsing of the three bundled fonts and the form itself: what the one
function that renders forms pays on its first request. Warm: the median of `--renders` more in
the same process (fonts are parsed again for every document: fpdf2 keeps them per document).
Memory: tracemalloc's peak over the cold render (imports included) and over one warm render,
in processes of their own (tracing slows allocation). Each figure is the median over `--runs`
fresh processes. The dossier is a birth registration
of the sample catalog, received with two documents and a PIN and taken through its four steps
by the pure state machine (no store, no AWS), built before the clock starts.

Targets (a 1769 MB Lambda is about one of this machine's cores): cold ≤ 1.5 s, warm ≤ 150 ms,
peak ≤ 64 MB. Figures are printed beside them; "MISSED" marks one beyond its target.
Run: `.venv/bin/python -m bench.forms --runs 5 --renders 20` (about half a minute).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
import tracemalloc
from datetime import datetime, timedelta
from typing import Any

COLD_TARGET_SECONDS = 1.5
WARM_TARGET_SECONDS = 0.150
PEAK_TARGET_MB = 64.0
WARD = "000.00.41.H19"
FORMS = ("01", "06")


def _dossier() -> Any:
    """A birth registration received with documents, taken through its four steps."""
    from chalicelib.adapters.calendar_file import load_calendar
    from chalicelib.adapters.catalog_files import DATA_DIR, load_agencies, load_catalog
    from chalicelib.domain import state_machine as sm
    from chalicelib.domain.calendar import LOCAL_TZ
    from chalicelib.domain.dossier import Action, Actor, Applicant, Command, Location
    from chalicelib.domain.dossier import SubmittedDocument as Doc
    from chalicelib.domain.statuses import Channel, Role
    from chalicelib.forms.content import DossierForms
    from chalicelib.ports.records import DossierRecord

    agencies = load_agencies()
    catalog = load_catalog(DATA_DIR / "procedures.yaml", agencies)
    calendar = load_calendar(DATA_DIR / "calendar.yaml")
    procedure = catalog.get("1.001193", 1)
    assert procedure is not None

    def official(unit: str, role: Role, name: str) -> Actor:
        return Actor(id=unit, name=name, agency=WARD, unit=unit, roles=frozenset({role}))

    receiver = official("MOT_CUA", Role.RECEIVER, "Trần Thị Mai")
    at = datetime(2026, 3, 9, 8, 30, tzinfo=LOCAL_TZ)
    opened = sm.open_dossier(
        code=f"{WARD}-260309-0001", procedure=procedure, channel=Channel.IN_PERSON,
        applicant=Applicant(name="Nguyễn Thị Lan", id_number="075190000123", phone="0912345678"),
        resolving_agency=WARD, received_by=Location(agency=WARD, unit="MOT_CUA"), actor=receiver,
        at=at, calendar=calendar, received=True,
        documents=[Doc(name="Tờ khai đăng ký khai sinh"), Doc(name="Giấy chứng sinh")],
    )  # fmt: skip
    dossier, history = opened.dossier, [opened.entry]
    specialist = official("VAN_PHONG", Role.SPECIALIST, "Lê Văn Hùng")
    leader = official("LANH_DAO", Role.LEADER, "Phạm Quốc Bảo")
    for hours, actor, action in [
        (1, specialist, Action.TAKE_UP),
        (2, specialist, Action.FORWARD),
        (3, leader, Action.RESOLVE),
        (5, receiver, Action.RETURN_RESULT),
    ]:
        done = sm.apply(dossier, Command(action=action), actor, procedure, calendar,
                        at + timedelta(hours=hours))  # fmt: skip
        dossier, history = done.dossier, [*history, done.entry]
    record = DossierRecord(dossier=dossier, history=history, refusals=[])
    lookup = "https://dichvucong.dongnai.example/tra-cuu?ma={code}"
    return DossierForms(record, procedure, agencies, calendar, at + timedelta(hours=6), lookup,
                        "ABCD-EFGH")  # fmt: skip


def child(form: str, renders: int, memory: bool) -> dict[str, float]:
    """One fresh process: the cold render, then `renders` warm ones; timed, or (`memory`)
    traced by tracemalloc, which slows Python's allocations too much to time them as well."""
    inputs = _dossier()  # before the clock: the store's read, not the rendering
    from chalicelib.forms.model import FormCode

    if memory:
        tracemalloc.start()
    started = time.perf_counter()
    from chalicelib.forms import content
    from chalicelib.forms.render import render

    build = content.DOSSIER_FORMS[FormCode(form)]
    pdf = render(build(inputs))
    cold = time.perf_counter() - started
    cold_peak = tracemalloc.get_traced_memory()[1] if memory else 0
    warm = []
    for _ in range(renders):
        if memory:
            tracemalloc.reset_peak()
        started = time.perf_counter()
        render(build(inputs))
        warm.append(time.perf_counter() - started)
    warm_peak = tracemalloc.get_traced_memory()[1] if memory else 0
    return {"cold": cold, "warm": statistics.median(warm), "cold_peak": cold_peak,
            "warm_peak": warm_peak, "bytes": len(pdf)}  # fmt: skip


def _line(name: str, figure: float, target: float, unit: str) -> str:
    verdict = "met" if figure <= target else "MISSED"
    return f"  {name:<28} {figure:9.3f} {unit:<3} target ≤ {target:g} {unit}  {verdict}"


def _run(form: str, renders: int, *, memory: bool) -> dict[str, float]:
    command = [sys.executable, "-m", "bench.forms", "--child", form, "--renders", str(renders)]
    done = subprocess.run([*command, *(["--memory"] if memory else [])], capture_output=True,
                          text=True, check=True)  # fmt: skip
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="fresh processes per form")
    parser.add_argument("--renders", type=int, default=20, help="warm renders per process")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--memory", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, args.renders, args.memory)))
        return 0
    missed = False
    print(f"forms: render time and memory (median of {args.runs} processes, "
          f"{args.renders} warm renders each)")  # fmt: skip
    for form in FORMS:
        timed = [_run(form, args.renders, memory=False) for _ in range(args.runs)]
        traced = [_run(form, min(args.renders, 3), memory=True) for _ in range(args.runs)]

        def median(key: str, timed: list[dict[str, float]] = timed,
                   traced: list[dict[str, float]] = traced) -> float:  # fmt: skip
            runs = traced if key.endswith("_peak") else timed
            return statistics.median(r[key] for r in runs)

        mb = 1024 * 1024
        lines = [
            _line("cold (imports + fonts)", median("cold"), COLD_TARGET_SECONDS, "s"),
            _line("warm (median)", median("warm") * 1000, WARM_TARGET_SECONDS * 1000, "ms"),
            _line("peak memory, cold", median("cold_peak") / mb, PEAK_TARGET_MB, "MB"),
            _line("peak memory, warm", median("warm_peak") / mb, PEAK_TARGET_MB, "MB"),
        ]
        print(f"Mẫu {form} ({median('bytes') / 1024:.0f} KB)")
        print("\n".join(lines))
        missed |= any(line.endswith("MISSED") for line in lines)
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
