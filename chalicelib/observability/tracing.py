"""Traces: Lambda's own active tracing (`xray: true` in .chalice/config.json) records each
invocation's segment (initialization, invocation, overhead), sampled by X-Ray's rule, with no
SDK in the function.

The X-Ray SDK (in maintenance since February 2026, end of support February 2027) is not used:
building the Powertools Tracer imports it and patches botocore, ~50 ms of CPU at each cold
start (bench/cold_start.py), plus a subsegment per AWS call. What it added, a ColdStart
annotation and a subsegment per handler, the log lines carry (`cold_start`,
`function_request_id`, the dossier code as correlation id).
"""

from __future__ import annotations

from chalicelib.settings import runtime_facts


def tracing_enabled() -> bool:
    """Whether Lambda traces this process: in Lambda, unless POWERTOOLS_TRACE_DISABLED."""
    return runtime_facts().traced
