"""Logs, metrics and traces of everything deployed, with personal data masked.

- `logger`: the Powertools Logger (JSON lines on stdout, service "motcua"). Its formatter,
  `MaskingFormatter`, masks personal data in the message, the extra keys and the exception
  before anything is written (see `mask` and `redact`). The dossier code is the correlation id:
  `bind_dossier(code)` sets it for the current record or request.
- `count(name, **dimensions)` and `flush()`: counters in CloudWatch's embedded metric format
  (namespace "motcua", or POWERTOOLS_METRICS_NAMESPACE), one EMF line per set of dimensions,
  written when an invocation or API call ends. POWERTOOLS_METRICS_DISABLED silences them.
- `tracer`: the Powertools Tracer. Outside Lambda (or with POWERTOOLS_TRACE_DISABLED) it is
  never built: building it imports the X-Ray SDK, a fifth of a second.
- `worker` and `api_route`: what app.py wraps its handlers with: Lambda context keys, a trace
  subsegment, a clean correlation scope, and the metrics flushed at the end.

One configuration, so that each record is written once: Chalice is created with
`configure_logs=False` (else it adds a stdout handler to the logger named after the app, which
is this one); the "motcua" logger has the one handler and does not propagate; in Lambda the
root logger's handler is replaced by the same handler, so that libraries' records are masked
and JSON too, and Lambda's own handler does not print ours a second time.

Everything Powertools is imported on first use: importing this module costs the standard
library only, and the services can import it for `count` and `bind_dossier`.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import re
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import IO, Any

SERVICE = "motcua"
NAMESPACE = "motcua"
CORRELATION_KEY = "correlation_id"

PHONE_MASK = "[phone]"
ID_MASK = "[id]"
EMAIL_MASK = "[email]"
NAME_MASK = "[name]"
VALUE_MASK = "[masked]"

# -- masking ----------------------------------------------------------------------------------
# Keys whose values are personal data wherever they appear (compared in lower case).
SENSITIVE_KEYS = frozenset(
    {
        "phone",
        "phones",
        "phone_number",
        "id_number",
        "email",
        "emails",
        "passport",
        "tax_code",
        "sodienthoai",
        "sogiaytochuhoso",
        "masothue",
        "to",  # an outgoing message's recipient
    }
)
# Keys whose values are an applicant's name wherever they appear. `name` is one only inside
# an `applicant` object: officials' names (actor names) are not masked.
NAME_KEYS = frozenset({"chuhoso", "applicant_name"})

_QUOTED = r"'(?:[^'\\\n]|\\.)*'|\"(?:[^\"\\\n]|\\.)*\""
# `phone: 0912…`, `'id_number': '…'`, `"SoDienThoai":"…"`, `email=…` in free text.
_KEY_VALUE = re.compile(
    r"(?<![\w\-./])(?P<key>['\"]?(?:phone|phones|phone_number|id_number|emails?|passport|tax_code"
    r"|SoDienThoai|SoGiayToChuHoSo|MaSoThue)['\"]?)(?P<sep>\s*[:=]\s*)"
    rf"(?P<value>{_QUOTED}|[^\s,;}}\])'\"]+)",
    re.IGNORECASE,
)
# `ChuHoSo: Trần Văn Bình`, `'ChuHoSo': '…'`: a name runs to the next delimiter.
_NAME_VALUE = re.compile(
    r"(?<![\w\-./])(?P<key>['\"]?(?:ChuHoSo|applicant_name)['\"]?)(?P<sep>\s*[:=]\s*)"
    rf"(?P<value>{_QUOTED}|[^,;}}\])\n'\"]+)",
    re.IGNORECASE,
)
# The `name` of an applicant: `{'applicant': {'kind': 1, 'name': '…'}`,
# `applicant=Applicant(name='…')`, `"applicant":{"name":"…"}`: `name` before the object closes.
_APPLICANT_NAME = re.compile(
    r"(?P<key>\bapplicant(?:in)?\b['\"]?\s*(?:[:=]\s*)?(?:\w*\(|\{)[^{}()\[\]\n]{0,300}?"
    r"\bname['\"]?)(?P<sep>\s*[:=]\s*)"
    rf"(?P<value>{_QUOTED}|[^,;}}\])\n]+)",
    re.IGNORECASE,
)
# A pydantic ValidationError shows the input it refused: `[type=…, input_value=…, input_type=…]`.
_INPUT_VALUE = re.compile(
    r"(?P<key>input_value)(?P<sep>=)(?P<value>.*(?=, input_type=)|.*?(?=\]|$))", re.MULTILINE
)
_EMAIL = re.compile(r"[\w.%+\-]+@[\w\-]+(?:\.[\w\-]+)+")
# A passport: one capital letter and seven digits (B1234567), standing alone.
_PASSPORT = re.compile(r"(?<![\w\-])[A-Z][0-9]{7}(?![\w\-])")
# Runs of digits joined by single separators (`0912 345 678`, `+84-912-345-678`,
# `(0251) 3822 123`); each chain is then searched for phone numbers and identity numbers.
# UUIDs (message, command, request ids) are skipped whole: their last group can be 12 digits.
_DIGIT_CHAIN = re.compile(
    r"(?P<uuid>(?<![0-9a-fA-F])[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
    r"[0-9a-fA-F]{12}(?![0-9a-fA-F]))"
    r"|(?<![0-9])(\+?)([0-9]+(?:(?:[ .\-]|\) ?| ?\()[0-9]+)*)(?![0-9])"
)
_DIGITS = re.compile(r"[0-9]+")
# An AWS account id is 12 digits too; it is not personal data: `arn:aws:sqs:region:<id>:…`
# and a queue URL's first path segment (`https://sqs…amazonaws.com/<id>/queue`) stay.
_ARN_BEFORE = re.compile(r"arn:[\w\-]+:[\w\-]*:[\w\-]*:$")
_URL_BEFORE = re.compile(r"https?://[^\s/]+/$")


def _phone_shaped(digits: str) -> bool:
    """A Vietnamese number: 0 + 9 or 10 digits, or 84 + 9 or 10 digits."""
    if digits.startswith("84"):
        return len(digits) in (11, 12)
    return digits.startswith("0") and len(digits) in (10, 11)


def _number_mask(digits: str) -> str:
    return PHONE_MASK if _phone_shaped(digits) else ID_MASK


def _is_account_id(text: str, start: int, end: int) -> bool:
    if end - start != 12:
        return False
    before = text[max(0, start - 80) : start]
    if _ARN_BEFORE.search(before):
        return True
    return bool(_URL_BEFORE.search(before)) and text[end : end + 1] == "/"


def _mask_chain(match: re.Match[str]) -> str:
    """Phone numbers and identity numbers in one chain of digit groups.

    A group of 9 to 13 digits is an identity number or an unformatted phone (CCCD 12, CMND 9,
    tax code 10 or 10-3, 0912345678, 84912345678). Several groups of 1 to 4 digits that read
    as a Vietnamese number are a formatted phone. Longer groups inside a dotted chain (the
    procedure code 1.012766.000.00.00.H19) and short ones (the dossier code's 261121-0001,
    dates) are left alone.
    """
    if match.group("uuid"):
        return match.group(0)
    text = match.string
    plus, chain = match.group(2), match.group(3)
    if _is_account_id(text, match.start(3), match.end(3)) and not plus:
        return match.group(0)
    groups = [(g.start(), g.end()) for g in _DIGITS.finditer(chain)]
    out: list[str] = [plus]
    position = 0  # in `chain`
    i = 0
    while i < len(groups):
        start, end = groups[i]
        first = chain[start:end]
        cut: tuple[int, str] | None = None  # (index of the last group masked, mask)
        if 9 <= len(first) <= 13:
            last = i
            # a branch's tax code: 10 digits, '-', 3 digits
            if (
                len(first) == 10
                and i + 1 < len(groups)
                and chain[end : groups[i + 1][0]] == "-"
                and groups[i + 1][1] - groups[i + 1][0] == 3
            ):
                last = i + 1
            cut = (last, _number_mask(first))
        elif len(first) <= 4:
            digits = first
            for j in range(i + 1, len(groups)):
                group = chain[groups[j][0] : groups[j][1]]
                if not 2 <= len(group) <= 4:
                    break
                digits += group
                if len(digits) > 12:
                    break
                if _phone_shaped(digits):
                    cut = (j, PHONE_MASK)
        if cut is None:
            i += 1
            continue
        last, replacement = cut
        out.append(chain[position:start])
        out.append(replacement)
        position = groups[last][1]
        i = last + 1
    if position == 0:
        return match.group(0)
    out.append(chain[position:])
    if out[0] and out[1] == "" and out[2] in (PHONE_MASK, ID_MASK):
        out[0] = ""  # "+84912345678" → "[phone]", not "+[phone]"
    return "".join(out)


def _keep_key(mask_text: str) -> Callable[[re.Match[str]], str]:
    def replace(match: re.Match[str]) -> str:
        value = match.group("value")
        quote = value[0] if value[:1] in ("'", '"') else ""
        return f"{match.group('key')}{match.group('sep')}{quote}{mask_text}{quote}"

    return replace


def mask(text: str) -> str:
    """`text` without the personal data in it: emails, phone numbers in any usual form
    (0912345678, 0912 345 678, 84912345678, +84 912 345 678, 02513822123), identity numbers
    (CCCD, CMND, passport, tax code), the values of personal keys written as `key: value` or
    `'key': 'value'` (phone, id_number, email, SoDienThoai, SoGiayToChuHoSo, ChuHoSo, an
    applicant's name), and the input a pydantic error quotes (`input_value=…`).

    Dossier codes (000.00.41.H19-261121-0001), agency ids and procedure codes (1.001193,
    1.012766.000.00.00.H19) are kept: operators need them, and they identify nobody.
    """
    if not text:
        return text
    text = _INPUT_VALUE.sub(_keep_key(VALUE_MASK), text)
    text = _APPLICANT_NAME.sub(_keep_key(NAME_MASK), text)
    text = _NAME_VALUE.sub(_keep_key(NAME_MASK), text)
    text = _KEY_VALUE.sub(_keep_key(VALUE_MASK), text)
    text = _EMAIL.sub(EMAIL_MASK, text)
    text = _PASSPORT.sub(ID_MASK, text)
    return _DIGIT_CHAIN.sub(_mask_chain, text)


def redact(value: Any, *, key: str | None = None, in_applicant: bool = False) -> Any:
    """A copy of a log document (dicts, lists, models, strings) with personal data masked:
    by key (phone, id_number, email, ChuHoSo, an applicant's name, pydantic's `input`) and, in
    every other string, by `mask`."""
    lowered = key.lower() if isinstance(key, str) else None
    if value is None or isinstance(value, bool):
        return value
    if lowered is not None:
        if lowered in NAME_KEYS or (in_applicant and lowered == "name"):
            return NAME_MASK
        if lowered in SENSITIVE_KEYS:
            return VALUE_MASK if not isinstance(value, list | tuple | set) else [VALUE_MASK]
        if lowered == "applicant" and not isinstance(value, dict):
            dumped = _dump(value)
            return NAME_MASK if dumped is None else redact(dumped, key="applicant")
    if isinstance(value, dict):
        child_applicant = lowered == "applicant"
        errors_entry = "loc" in value and "type" in value  # pydantic's errors(): has `input`
        return {
            (mask(k) if isinstance(k, str) else k): (
                VALUE_MASK
                if errors_entry and k == "input"
                else redact(v, key=k if isinstance(k, str) else None, in_applicant=child_applicant)
            )
            for k, v in value.items()
        }
    if isinstance(value, list | tuple | set | frozenset):
        return [redact(v) for v in value]
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, int | float):
        text = str(value)
        return value if mask(text) == text else ID_MASK
    dumped = _dump(value)
    if dumped is not None:
        if type(value).__name__.lower().startswith("applicant"):  # Applicant, ApplicantIn
            return redact(dumped, key="applicant")
        return redact(dumped, key=key, in_applicant=in_applicant)
    return mask(str(value))


def _dump(value: Any) -> Any:
    dump = getattr(value, "model_dump", None)  # a pydantic model: mask it field by field
    if callable(dump):
        try:
            return dump(mode="json")
        except Exception:
            return None
    return None


class MaskingFilter(logging.Filter):
    """For a plain-text handler (the local runtime's): the record's message, exception and
    stack masked in place, once formatted. Records to the JSON handler need none: its
    `MaskingFormatter` masks what it writes."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = mask(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask(record.exc_text)
        if record.stack_info:
            record.stack_info = mask(record.stack_info)
        return True


class _StdoutHandler(logging.StreamHandler):
    """A stream handler writing to whatever `sys.stdout` (or `sys.stderr`) is when it writes,
    not when it was built: Lambda's stdout is the log, and captures (tests, the CLI) work."""

    def __init__(self) -> None:
        self.target: Callable[[], IO[str]] = lambda: sys.stdout
        super().__init__()

    @property
    def stream(self) -> IO[str]:
        return self.target()

    @stream.setter
    def stream(self, value: IO[str]) -> None:  # StreamHandler.__init__ sets it; ignored
        pass


# -- the Powertools objects, built on first use -----------------------------------------------
_lock = threading.RLock()
_built: dict[str, Any] = {}
_handler = _StdoutHandler()


@functools.cache
def _formatter_class() -> type:
    from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

    class MaskingFormatter(LambdaPowertoolsFormatter):
        """Powertools' JSON formatter; the document is masked before it is serialised."""

        def serialize(self, log: Any) -> str:
            return super().serialize(redact(log))

    return MaskingFormatter


def _build_logger() -> Any:
    from aws_lambda_powertools.logging.logger import Logger

    formatter = _formatter_class()(use_rfc3339=True)
    _handler.setFormatter(formatter)
    built = Logger(service=SERVICE, logger_handler=_handler, logger_formatter=formatter)
    # The records of "motcua" (and Chalice's app.log, the same logger) are written by the
    # handler above only; in Lambda the root logger has that handler too (below).
    logging.getLogger(SERVICE).propagate = False
    configure_root()
    return built


def in_lambda() -> bool:
    env = os.environ
    return bool(env.get("AWS_LAMBDA_FUNCTION_NAME")) and not (
        env.get("AWS_SAM_LOCAL") or env.get("AWS_CHALICE_CLI_MODE")
    )


def configure_root(*, lambda_runtime: bool | None = None) -> None:
    """In Lambda, the root logger writes through the masking JSON handler only (Lambda's own
    handler is removed). Elsewhere the root logger belongs to the program (the local runtime,
    pytest) and is left alone."""
    if not (in_lambda() if lambda_runtime is None else lambda_runtime):
        return
    root = logging.getLogger()
    for handler in list(root.handlers):
        if handler is not _handler:
            root.removeHandler(handler)
    if _handler not in root.handlers:
        root.addHandler(_handler)


def _build_metrics() -> Any:
    from aws_lambda_powertools.metrics.metrics import Metrics

    namespace = None if os.environ.get("POWERTOOLS_METRICS_NAMESPACE") else NAMESPACE
    return Metrics(namespace=namespace, service=SERVICE)


def tracing_enabled() -> bool:
    """Powertools' own rule: traced in Lambda only, unless POWERTOOLS_TRACE_DISABLED."""
    env = os.environ
    if env.get("POWERTOOLS_TRACE_DISABLED", "false").lower() in ("1", "true", "yes", "on"):
        return False
    return bool(env.get("LAMBDA_TASK_ROOT")) and not (
        env.get("AWS_SAM_LOCAL") or env.get("AWS_CHALICE_CLI_MODE")
    )


def _build_tracer() -> Any:
    from aws_lambda_powertools.tracing.tracer import Tracer

    return Tracer(service=SERVICE)


_BUILDERS: dict[str, Callable[[], Any]] = {
    "logger": _build_logger,
    "metrics": _build_metrics,
    "tracer": _build_tracer,
}


def __getattr__(name: str) -> Any:
    if name == "MaskingFormatter":
        return _formatter_class()
    builder = _BUILDERS.get(name)
    if builder is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    with _lock:
        if name not in _built:
            _built[name] = builder()
            globals()[name] = _built[name]
        return _built[name]


def get_logger() -> Any:
    """The Powertools Logger (built on the first call)."""
    return _built.get("logger") or __getattr__("logger")


@contextlib.contextmanager
def log_to_stderr() -> Iterator[None]:
    """For command-line tools whose stdout is their answer: the log lines go to stderr."""
    previous = _handler.target
    _handler.target = lambda: sys.stderr
    try:
        yield
    finally:
        _handler.target = previous


# -- correlation ------------------------------------------------------------------------------
def _formatter() -> Any:
    return get_logger().registered_formatter


class _Binding:
    """Returned by `bind_dossier`: as a context manager, puts the previous value back."""

    def __init__(self, previous: str | None) -> None:
        self.previous = previous

    def __enter__(self) -> _Binding:
        return self

    def __exit__(self, *exc_info: object) -> None:
        _set_key(CORRELATION_KEY, self.previous)


def _set_key(name: str, value: object) -> None:
    formatter = _formatter()
    if value is None:
        formatter.thread_safe_remove_keys([name])
    else:
        formatter.thread_safe_append_keys(**{name: value})


def correlation_id() -> str | None:
    return _formatter().thread_safe_get_current_keys().get(CORRELATION_KEY)


def bind_dossier(code: object) -> _Binding:
    """The dossier code is the correlation id of what this thread logs next, until the
    enclosing `scope` (one record, one request) ends, or the `with` block when used as one.
    Anything but a non-empty string leaves it as it was."""
    previous = correlation_id()
    if isinstance(code, str) and code:
        _set_key(CORRELATION_KEY, code)
    return _Binding(previous)


@contextlib.contextmanager
def scope() -> Iterator[None]:
    """Keys bound inside (the correlation id) are forgotten at the end: one SQS record, one
    request. Lambda reuses its thread for the next invocation; so does a poller."""
    formatter = _formatter()
    before = dict(formatter.thread_safe_get_current_keys())
    try:
        yield
    finally:
        formatter.thread_safe_clear_keys()
        if before:
            formatter.thread_safe_append_keys(**before)


# -- metrics ----------------------------------------------------------------------------------
_pending: dict[tuple[tuple[str, str], ...], dict[str, float]] = {}
_metrics_lock = threading.Lock()


def metrics_disabled() -> bool:
    from aws_lambda_powertools.metrics.functions import is_metrics_disabled

    return bool(is_metrics_disabled())


def count(name: str, value: float = 1, **dimensions: object) -> None:
    """Add to a counter; written as EMF at the end of the invocation or API call (`flush`).
    Dimensions stay few and bounded: an action, a channel, an alarm kind, a queue."""
    key = tuple(sorted((k, str(v)) for k, v in dimensions.items()))
    with _metrics_lock:
        counters = _pending.setdefault(key, {})
        counters[name] = counters.get(name, 0) + value


def flush() -> None:
    """Write the counters gathered since the last flush: one EMF line per set of dimensions,
    each with the `service` dimension. Nothing is written when nothing was counted."""
    with _metrics_lock:
        batches = sorted(_pending.items())
        _pending.clear()
    if not batches and "metrics" not in _built:
        return
    shared = __getattr__("metrics")
    with _metrics_lock:
        if metrics_disabled():
            shared.clear_metrics()
            return
        if shared.metric_set and not any(not dims for dims, _ in batches):
            batches.insert(0, ((), {}))  # metrics added on `metrics` directly
        for dims, counters in batches:
            for dim, dim_value in dims:
                shared.add_dimension(name=dim, value=dim_value)
            for metric, total in counters.items():
                shared.add_metric(name=metric, unit="Count", value=total)
            if shared.metric_set:
                shared.flush_metrics()
            else:
                shared.clear_metrics()


# -- handler wrappers -------------------------------------------------------------------------
_cold_start = True


@contextlib.contextmanager
def _subsegment(name: str) -> Iterator[None]:
    if not tracing_enabled():
        yield
        return
    try:
        tracer = __getattr__("tracer")
    except ImportError:  # the X-Ray SDK is not packaged: run untraced rather than fail
        get_logger().warning("tracing is enabled but aws_xray_sdk is not installed")
        _BUILDERS["tracer"] = lambda: None
        tracer = None
    if tracer is None or tracer.disabled:
        yield
        return
    with tracer.provider.in_subsegment(name=f"## {name}") as subsegment:
        subsegment.put_annotation(key="Service", value=SERVICE)
        subsegment.put_annotation(key="ColdStart", value=_cold_start)
        yield


@contextlib.contextmanager
def invocation(name: str, context: Any = None) -> Iterator[Any]:
    """One worker invocation or API call: Lambda context keys, a subsegment, a scope for the
    correlation id, and the metrics flushed at the end whatever happens."""
    global _cold_start
    log = get_logger()
    with scope():
        keys: dict[str, object] = {"cold_start": _cold_start}
        request_id = getattr(context, "aws_request_id", None)
        if request_id:
            keys["function_request_id"] = request_id
        function_name = getattr(context, "function_name", None)
        if function_name:
            keys["function_name"] = function_name
        _formatter().thread_safe_append_keys(**keys)
        _cold_start = False
        try:
            with _subsegment(name):
                yield log
        finally:
            try:
                flush()
            except Exception:  # a metric must never fail the work it counts
                log.exception("could not write the metrics")


def worker(handler: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a Chalice event handler (SQS, stream, schedule): `handler(event)`."""

    @functools.wraps(handler)
    def observed(event: Any, *args: Any, **kwargs: Any) -> Any:
        with invocation(handler.__name__, getattr(event, "context", None)):
            return handler(event, *args, **kwargs)

    return observed


# Routes whose `{code}` is a dossier code (`/v1/procedures/{code}` is a procedure's).
_DOSSIER_ROUTE = re.compile(r"/(?:dossiers|public/dossiers|inter-agency)/\{code\}")


def api_route(
    app: Any, inner: Callable[[Callable[..., Any]], Callable[..., Any]] | None = None
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A decorator for Chalice routes (around `inner`, e.g. the problem+json wrapper): the
    dossier code of the path as correlation id, one access line, the metrics flushed."""

    def decorate(route: Callable[..., Any]) -> Callable[..., Any]:
        target = inner(route) if inner is not None else route

        @functools.wraps(route)
        def observed(*args: Any, **kwargs: Any) -> Any:
            request = app.current_request
            context = getattr(request, "context", None) or {}
            resource = context.get("resourcePath") or route.__name__
            method = getattr(request, "method", "")
            with invocation(route.__name__, getattr(app, "lambda_context", None)) as log:
                if _DOSSIER_ROUTE.search(resource):
                    bind_dossier(kwargs.get("code"))
                started = time.perf_counter()
                status = 500
                try:
                    answer = target(*args, **kwargs)
                    status = getattr(answer, "status_code", 200)
                    return answer
                finally:
                    log.info(
                        f"{method} {resource} {status}",
                        http_method=method,
                        route=resource,
                        status=status,
                        millis=round((time.perf_counter() - started) * 1000),
                    )

        return observed

    return decorate
