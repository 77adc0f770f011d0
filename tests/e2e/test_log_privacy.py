"""What a full `make demo` logs, captured whole: stdout (the app's JSON lines and EMF metrics,
the demo's own output), stderr (the local HTTP server's request lines) and every record that
reaches the root logger (the pollers', the libraries'), unmasked as `make run`'s handler gets
them. None of the demo's personal data may be in it; the dossier codes must, as correlation
ids. Then one API call and one worker batch: each line written once."""

import contextlib
import io
import json
import logging
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from chalicelib import observability
from devstack import demo
from devstack.stack import LocalStack

pytestmark = pytest.mark.e2e

# Everything personal the demo sends, in every form it could be written in.
PHONES = [
    "0912345678", "84912345678", "+84912345678", "912345678", "0912 345 678", "+84 912 345 678",
    "0987654321", "84987654321", "+84987654321", "987654321",
    "02513822123", "842513822123", "2513822123",
]  # fmt: skip
ID_NUMBERS = ["075190000123", "075085001234", "3603123456"]
EMAILS = ["lan.nguyen@example.vn", "binh.tran@example.vn"]
NAMES = [
    "Nguyễn Thị Lan", "Nguyen Thi Lan", "Trần Văn Bình", "Tran Van Binh",
    "Công ty TNHH Sao Mai Đồng Nai", "Sao Mai",
]  # fmt: skip
PERSONAL = PHONES + ID_NUMBERS + EMAILS + NAMES


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []
        self._guard = threading.Lock()
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        with self._guard:
            self.lines.append(self.format(record))


@dataclass
class Captured:
    stdout: str = ""
    stderr: str = ""
    records: list[str] = field(default_factory=list)

    @property
    def everything(self) -> str:
        return "\n".join([self.stdout, self.stderr, *self.records])

    def json_lines(self) -> list[dict]:
        lines = []
        for line in self.stdout.splitlines():
            with contextlib.suppress(ValueError):
                if line.startswith("{"):
                    lines.append(json.loads(line))
        return lines


@contextlib.contextmanager
def capture() -> Iterator[Captured]:
    """stdout, stderr and the root logger, as `make run` sets it up (INFO; the chatty
    libraries at WARNING), but with no masking filter on the root handler."""
    captured = Captured()
    out, err, records = io.StringIO(), io.StringIO(), _Records()
    root = logging.getLogger()
    noisy = {name: logging.getLogger(name).level for name in ("botocore", "boto3", "urllib3")}
    saved_level = root.level
    root.addHandler(records)
    root.setLevel(logging.INFO)
    for name in noisy:
        logging.getLogger(name).setLevel(logging.WARNING)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            yield captured
    finally:
        root.removeHandler(records)
        root.setLevel(saved_level)
        for name, level in noisy.items():
            logging.getLogger(name).setLevel(level)
        captured.stdout, captured.stderr = out.getvalue(), err.getvalue()
        captured.records = list(records.lines)


@pytest.fixture(scope="module")
def demo_run():
    """The whole demo against a fresh stack, everything captured from the stack's start; the
    stack stays up for the module's other test. Metrics on (as `make run` has them), the
    app's logger at DEBUG (the dev stage's POWERTOOLS_LOG_LEVEL)."""
    app_logger = observability.get_logger()
    level = app_logger.log_level
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("POWERTOOLS_METRICS_DISABLED", "false")
        app_logger.setLevel("DEBUG")
        stack = LocalStack(port=0, moto_port=0, prefix=f"logs{uuid.uuid4().hex[:6]}-")
        try:
            with capture() as captured:
                stack.start()
                codes = demo.run(stack.base_url)
                stack.drain()
                stack.run_schedule("deadline_timer")
            yield stack, codes, captured
        finally:
            stack.stop()
            app_logger.setLevel(level)


def test_the_demo_logs_no_personal_data(demo_run):
    _, _, captured = demo_run
    everything = captured.everything
    leaked = [secret for secret in PERSONAL if secret in everything]
    where = [line for line in everything.splitlines() if any(s in line for s in leaked)]
    assert leaked == [], where


def test_the_demo_logs_each_dossier_under_its_code(demo_run):
    _, codes, captured = demo_run
    lines = captured.json_lines()
    correlated = {line.get("correlation_id") for line in lines if "message" in line}
    assert set(codes) <= correlated
    for code in codes:
        messages = {line["message"] for line in lines if line.get("correlation_id") == code}
        assert "intake accepted" in messages
        assert any(m.startswith("transition ") and m.endswith(" applied") for m in messages)
        assert any(m.startswith("POST /v1/dossiers/{code}/actions") for m in messages)
    # ... and the metrics went out as EMF, with no personal data either (checked above).
    metrics = [line for line in lines if "_aws" in line]
    assert {"DossierReceived", "TransitionApplied", "TransitionRefused", "NotificationSent"} <= {
        m["Name"] for line in metrics for m in line["_aws"]["CloudWatchMetrics"][0]["Metrics"]
    }


def test_one_api_call_and_one_worker_batch_write_each_line_once(demo_run):
    stack, codes, _ = demo_run
    cast = demo.Cast.local(stack.base_url)
    official = cast.officials["ward_leader"]
    version = official.dossier(codes[0])["dossier"]["version"]
    with capture() as captured:
        # The dossier was returned to its citizen: the worker refuses, and records why.
        queued = official.send(codes[0], "resolve", version=version)
        stack.drain()
    command = queued["command_id"]
    everything = captured.everything
    access = "POST /v1/dossiers/{code}/actions 202"
    applied = "transition resolve refused"
    # Each line once, in one place: the app's on stdout, the poller's through the root logger.
    assert captured.stdout.count(access) == 1 and everything.count(access) == 1
    assert captured.stdout.count(applied) == 1 and everything.count(applied) == 1
    assert captured.stdout.count('"TransitionRefused":[1.0]') == 1  # one EMF line
    assert sum("app.transition_worker: 1 record(s)" in r for r in captured.records) == 1
    assert not any("resolve refused" in r or access in r for r in captured.records)
    lines = captured.json_lines()
    (refused,) = [line for line in lines if line.get("message") == applied]
    assert refused["correlation_id"] == codes[0] and refused["command_id"] == command
    logged = [json.dumps({k: v for k, v in line.items() if k != "timestamp"}) for line in lines]
    assert len(logged) == len(set(logged))
