"""Logs, metrics and traces of everything deployed, with personal data masked: the Powertools
wiring of the entry layer (app.py, chalicelib/http, chalicelib/handlers, chalicelib/cli/).
Services do not import it: they count through the `Counter` port (chalicelib/services/counters.py),
which the workers wire to `counter` here.

- `logs`: the Powertools Logger (JSON lines on stdout, service "motcua"), every record masked
  (chalicelib/domain/masking.py) before it is written; the dossier code as correlation id
  (`bind_dossier`, `scope`).
- `metrics`: counters in CloudWatch's embedded metric format, written at the end of each
  invocation or API call (`count`, `flush`).
- `tracing`: the Powertools Tracer, in Lambda only.
- `wrappers`: what app.py wraps its handlers with (`worker`, `api_route`).

Everything Powertools is imported on first use: importing this package costs the standard
library only.
"""

from chalicelib.observability.logs import (
    MaskingFilter,
    bind_dossier,
    configure_root,
    correlation_id,
    get_logger,
    in_lambda,
    log_to_stderr,
    scope,
)
from chalicelib.observability.metrics import count, counter, flush, metrics_disabled
from chalicelib.observability.tracing import tracing_enabled
from chalicelib.observability.wrappers import api_route, invocation, worker

__all__ = [
    "MaskingFilter",
    "api_route",
    "bind_dossier",
    "configure_root",
    "correlation_id",
    "count",
    "counter",
    "flush",
    "get_logger",
    "in_lambda",
    "invocation",
    "log_to_stderr",
    "metrics_disabled",
    "scope",
    "tracing_enabled",
    "worker",
]
