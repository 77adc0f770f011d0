"""Counters in CloudWatch's embedded metric format (namespace "motcua", or
POWERTOOLS_METRICS_NAMESPACE), one EMF line per set of dimensions, written when an invocation
or API call ends (`flush`). POWERTOOLS_METRICS_DISABLED silences them."""

from __future__ import annotations

import threading
from typing import Any

from chalicelib.observability.logs import SERVICE
from chalicelib.settings import runtime_facts

NAMESPACE = "motcua"

_pending: dict[tuple[tuple[str, str], ...], dict[str, float]] = {}
_lock = threading.Lock()
_shared: Any = None  # Powertools' Metrics, built on the first flush that has something


def _metrics() -> Any:
    global _shared
    if _shared is None:
        from aws_lambda_powertools.metrics.metrics import Metrics

        namespace = None if runtime_facts().metrics_namespace_from_env else NAMESPACE
        _shared = Metrics(namespace=namespace, service=SERVICE)
    return _shared


def metrics_disabled() -> bool:
    from aws_lambda_powertools.metrics.functions import is_metrics_disabled

    return bool(is_metrics_disabled())


def count(name: str, value: float = 1, **dimensions: object) -> None:
    """Add to a counter; written as EMF at the end of the invocation or API call (`flush`).
    Dimensions stay few and bounded: an action, a channel, an alarm kind, a queue."""
    key = tuple(sorted((k, str(v)) for k, v in dimensions.items()))
    with _lock:
        counters = _pending.setdefault(key, {})
        counters[name] = counters.get(name, 0) + value


class EmfCounter:
    """The services' `Counter` port (chalicelib/services/counters.py), counted here."""

    def count(self, name: str, value: float = 1, **dimensions: object) -> None:
        count(name, value, **dimensions)


counter = EmfCounter()


def flush() -> None:
    """Write the counters gathered since the last flush: one EMF line per set of dimensions,
    each with the `service` dimension. Nothing is written when nothing was counted."""
    with _lock:
        batches = sorted(_pending.items())
        _pending.clear()
    if not batches and _shared is None:
        return
    shared = _metrics()
    with _lock:
        if metrics_disabled():
            shared.clear_metrics()
            return
        if shared.metric_set and not any(not dims for dims, _ in batches):
            batches.insert(0, ((), {}))  # metrics added on the Metrics object directly
        for dims, counters in batches:
            for dim, dim_value in dims:
                shared.add_dimension(name=dim, value=dim_value)
            for metric, total in counters.items():
                shared.add_metric(name=metric, unit="Count", value=total)
            if shared.metric_set:
                shared.flush_metrics()
            else:
                shared.clear_metrics()
