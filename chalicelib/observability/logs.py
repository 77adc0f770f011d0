"""The log: Powertools' Logger writing JSON lines, personal data masked, the dossier code as
correlation id.

One configuration, so that each record is written once: Chalice is created with
`configure_logs=False` (else it adds a stdout handler to the logger named after the app, which
is this one); the "motcua" logger has the one handler and does not propagate; in Lambda the
root logger's handler is replaced by the same handler, so that libraries' records are masked
and JSON too, and Lambda's own handler does not print ours a second time.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import sys
import threading
from collections.abc import Callable, Iterator
from typing import IO, Any

from chalicelib.domain.masking import mask, redact
from chalicelib.settings import runtime_facts

SERVICE = "motcua"
CORRELATION_KEY = "correlation_id"


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


_lock = threading.RLock()
_handler = _StdoutHandler()
_logger: Any = None


@functools.cache
def formatter_class() -> type:
    """`MaskingFormatter`: Powertools' JSON formatter, the document masked before it is
    serialised (built on first use: it imports Powertools)."""
    from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

    class MaskingFormatter(LambdaPowertoolsFormatter):
        def serialize(self, log: Any) -> str:
            return super().serialize(redact(log))

    return MaskingFormatter


def _build_logger() -> Any:
    from aws_lambda_powertools.logging.logger import Logger

    formatter = formatter_class()(use_rfc3339=True)
    _handler.setFormatter(formatter)
    built = Logger(service=SERVICE, logger_handler=_handler, logger_formatter=formatter)
    # The records of "motcua" (and Chalice's app.log, the same logger) are written by the
    # handler above only; in Lambda the root logger has that handler too (below).
    logging.getLogger(SERVICE).propagate = False
    configure_root()
    return built


def get_logger() -> Any:
    """The Powertools Logger (built on the first call)."""
    global _logger
    if _logger is None:
        with _lock:
            if _logger is None:
                _logger = _build_logger()
    return _logger


def in_lambda() -> bool:
    return runtime_facts().in_lambda


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
def formatter() -> Any:
    """The logger's formatter: it holds the keys appended to every line of this thread."""
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
    keys = formatter()
    if value is None:
        keys.thread_safe_remove_keys([name])
    else:
        keys.thread_safe_append_keys(**{name: value})


def correlation_id() -> str | None:
    return formatter().thread_safe_get_current_keys().get(CORRELATION_KEY)


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
    keys = formatter()
    before = dict(keys.thread_safe_get_current_keys())
    try:
        yield
    finally:
        keys.thread_safe_clear_keys()
        if before:
            keys.thread_safe_append_keys(**before)
