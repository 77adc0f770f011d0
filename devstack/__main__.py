"""`python -m devstack`: the whole system on loopback until Ctrl-C or SIGTERM."""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import signal
import sys
import threading
from datetime import datetime
from pathlib import Path

from chalicelib.domain.calendar import LOCAL_TZ
from chalicelib.observability import MaskingFilter
from chalicelib.settings import LOCAL_STAGE
from chalicelib.web.lookup import PATH as LOOKUP_PAGE
from devstack import LOCAL_STATE
from devstack.fake_zns import DEMO_RULES, parse_rules
from devstack.stack import LocalStack, loopback_host

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def main(argv: list[str] | None = None) -> int:
    parser = arguments()
    args = parser.parse_args(argv)
    return run(parser, args)


def arguments() -> argparse.ArgumentParser:
    """`make run`'s options."""
    parser = argparse.ArgumentParser(
        prog="python -m devstack",
        description="Run motcua locally: moto, the tables and queues, the API, the workers.",
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="loopback address only (default %(default)s)"
    )
    parser.add_argument(
        "--port", type=int, default=8000, help="API port, 0 for any (default %(default)s)"
    )
    parser.add_argument(
        "--moto-port", type=int, default=5000, help="moto port, 0 for any (default %(default)s)"
    )
    parser.add_argument(
        "--portal-port",
        type=int,
        default=5001,
        help="the fake national portal's port, 0 for any (default %(default)s)",
    )
    parser.add_argument(
        "--zns-port",
        type=int,
        default=5002,
        help="the fake Zalo ZNS server's port, 0 for any (default %(default)s)",
    )
    parser.add_argument(
        "--paygov-port",
        type=int,
        default=5003,
        help="the fake PayGov's port (fees paid online), 0 for any (default %(default)s)",
    )
    parser.add_argument(
        "--zns-errors",
        default=None,
        metavar="PHONE=CODE,...",
        help="ZNS errors the fake Zalo answers, e.g. 0912345678=-118 (not on Zalo) or *=-144 "
        "(daily quota spent, every phone); 'none' for none (default: "
        + ",".join(f"{p}={c}" for p, c in DEMO_RULES.items())
        + ", the demo's applicant without Zalo)",
    )
    parser.add_argument(
        "--no-zns", action="store_true", help="no fake Zalo: ZNS off, notices go by SMS"
    )
    parser.add_argument(
        "--state-dir",
        type=Path,
        default=LOCAL_STATE.parent / "data",
        help="where the data is saved on stop and restored at start (default %(default)s)",
    )
    parser.add_argument(
        "--fresh", action="store_true", help="start empty: discard the data saved before"
    )
    parser.add_argument(
        "--no-keep", action="store_true", help="keep nothing: the data dies with the stack"
    )
    parser.add_argument(
        "--save-every",
        type=float,
        default=10,
        help="seconds between saves while running (default %(default)s; 0: on stop only)",
    )
    parser.add_argument(
        "--stage",
        default=LOCAL_STAGE,
        help="Chalice stage (default %(default)s: the only one that takes the published "
        "development key and webhook secret)",
    )
    parser.add_argument(
        "--retry-after",
        type=int,
        default=1,
        help="seconds before a failed message is retried (local-only; default %(default)s)",
    )
    parser.add_argument("--verbose", action="store_true", help="debug logging")
    return parser


def run(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    try:
        host = loopback_host(args.host)
        zns_rules = None if args.no_zns else zns_rules_of(args.zns_errors)
    except ValueError as error:
        parser.error(str(error))

    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO, stream=sys.stderr)
    for noisy in ("botocore", "boto3", "urllib3", "werkzeug"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # The app's own lines are JSON on stdout, masked by its formatter; these (the pollers',
    # the libraries') are masked too, so that the terminal of `make run` shows no personal data.
    for handler in logging.getLogger().handlers:
        handler.addFilter(MaskingFilter())
        handler.setFormatter(
            VietnamTimeFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
        )
    if args.fresh and args.state_dir.exists():
        shutil.rmtree(args.state_dir)

    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    stack = LocalStack(
        host=host,
        port=args.port,
        moto_port=args.moto_port,
        stage=args.stage,
        retry_visibility_timeout=args.retry_after,
        portal_port=args.portal_port,
        zns_port=args.zns_port,
        zns_rules=zns_rules,
        paygov_port=args.paygov_port,
        keep_state=None if args.no_keep else args.state_dir,
        save_every=args.save_every,
    )
    try:
        stack.start()
    except OSError as error:  # a port taken: one line that says what to do
        ports = (
            f"{args.port}, {args.moto_port}, {args.portal_port}, {args.zns_port}, "
            f"{args.paygov_port}"
        )
        print(
            f"cannot start the local stack: {error}. Ports asked: {ports} (API, moto, portal, "
            "ZNS, PayGov); choose free ones, e.g. make run PORT=8010 MOTO_PORT=5010 "
            "PORTAL_PORT=5011 ZNS_PORT=5012 PAYGOV_PORT=5013 (0: any free one)",
            file=sys.stderr,
        )
        return 1
    try:
        # Mẫu 01's QR code and the notices link to this stack's own lookup page.
        stack.configure(MOTCUA_LOOKUP_URL=stack.base_url + LOOKUP_PAGE + "?ma={code}")
        print(stack.describe(), flush=True)
        print(pages(stack.base_url), flush=True)
        state = write_local_state(stack.env)
        try:
            while not stopping.wait(1):
                pass
        except KeyboardInterrupt:
            pass
        finally:
            state.unlink(missing_ok=True)
        print("stopping…", file=sys.stderr, flush=True)
    finally:
        stack.stop()  # saves the data (devstack/persistence.py)
    return 0


def zns_rules_of(option: str | None) -> dict[str, int]:
    """`--zns-errors`: None → the demo's rules; "none" → none; else PHONE=CODE items."""
    if option is None:
        return dict(DEMO_RULES)
    if option.strip().lower() == "none":
        return {}
    return parse_rules(item for item in option.replace(" ", ",").split(",") if item)


class VietnamTimeFormatter(logging.Formatter):
    """Log lines for people here: Vietnam time (UTC+7), whatever the machine's zone."""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        moment = datetime.fromtimestamp(record.created, LOCAL_TZ)
        return moment.strftime(datefmt or "%d/%m/%Y %H:%M:%S") + f",{int(record.msecs):03d}"


def pages(base_url: str) -> str:
    """The pages for people (issue 18), as `make run` lists them."""
    return "\n".join(
        (
            "Pages (open in a browser):",
            f"  home            {base_url}/",
            f"  citizen lookup  {base_url}{LOOKUP_PAGE}   (Mẫu 01's QR code: "
            f"{base_url}{LOOKUP_PAGE}?ma=<code>; the PIN is on the receipt)",
            f"  sign in         {base_url}/dang-nhap   (local: pick one of the sample officials)",
            f"  counter         {base_url}/quay        (receivers)",
            f"  workbench       {base_url}/ban-lam-viec   (specialists, leaders)",
            f"  leader's board  {base_url}/bang-dieu-khien   (leaders, admins)",
        )
    )


def write_local_state(env: dict[str, str]) -> Path:
    """Tell the CLI (`timers run`, `calendar recompute`) where the running stack is."""
    LOCAL_STATE.parent.mkdir(exist_ok=True)
    LOCAL_STATE.write_text(json.dumps(env, indent=2), encoding="utf-8")
    return LOCAL_STATE


if __name__ == "__main__":
    sys.exit(main())
