"""The Powertools Tracer. Outside Lambda (or with POWERTOOLS_TRACE_DISABLED) it is never
built: building it imports the X-Ray SDK, a fifth of a second."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Any

from chalicelib.observability.logs import SERVICE, get_logger
from chalicelib.settings import runtime_facts

_lock = threading.Lock()
_tracer: Any = None
_unavailable = False  # the X-Ray SDK is not packaged


def tracing_enabled() -> bool:
    """Powertools' own rule: traced in Lambda only, unless POWERTOOLS_TRACE_DISABLED."""
    return runtime_facts().traced


def built() -> bool:
    """Whether the tracer (and so the X-Ray SDK) was ever built."""
    return _tracer is not None


def _get_tracer() -> Any:
    global _tracer, _unavailable
    with _lock:
        if _tracer is None and not _unavailable:
            try:
                from aws_lambda_powertools.tracing.tracer import Tracer

                _tracer = Tracer(service=SERVICE)
            except ImportError:  # run untraced rather than fail
                _unavailable = True
                get_logger().warning("tracing is enabled but aws_xray_sdk is not installed")
        return _tracer


@contextlib.contextmanager
def subsegment(name: str, *, cold_start: bool) -> Iterator[None]:
    """An X-Ray subsegment `## name` around the block, when tracing is on."""
    tracer = _get_tracer() if tracing_enabled() else None
    if tracer is None or tracer.disabled:
        yield
        return
    with tracer.provider.in_subsegment(name=f"## {name}") as segment:
        segment.put_annotation(key="Service", value=SERVICE)
        segment.put_annotation(key="ColdStart", value=cold_start)
        yield
