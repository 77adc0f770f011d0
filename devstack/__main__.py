"""`python -m devstack`: the whole system on loopback until Ctrl-C or SIGTERM."""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading
from pathlib import Path

from chalicelib.observability import MaskingFilter
from chalicelib.settings import LOCAL_STAGE
from chalicelib.web.lookup import PATH as LOOKUP_PAGE
from devstack import LOCAL_STATE
from devstack.stack import LocalStack, loopback_host


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
    parser.add_argument("--port", type=int, default=8000, help="API port (default %(default)s)")
    parser.add_argument(
        "--moto-port", type=int, default=5000, help="moto port, 0 for any (default %(default)s)"
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
    except ValueError as error:
        parser.error(str(error))

    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    for noisy in ("botocore", "boto3", "urllib3", "werkzeug"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # The app's own lines are JSON on stdout, masked by its formatter; these (the pollers',
    # the libraries') are masked too, so that the terminal of `make run` shows no personal data.
    for handler in logging.getLogger().handlers:
        handler.addFilter(MaskingFilter())

    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    stack = LocalStack(
        host=host,
        port=args.port,
        moto_port=args.moto_port,
        stage=args.stage,
        retry_visibility_timeout=args.retry_after,
    )
    with stack:
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
    return 0


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
