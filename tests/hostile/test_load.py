"""Load, briefly: a few portals sending signed dossiers at once to the local stack on loopback
for a few seconds (bench/load.py). No 5xx; every accepted webhook becomes a dossier. How many
were accepted is a throughput, printed by `make bench` (bench/timing_checks.py), not asserted."""

from __future__ import annotations

import io

import pytest

from bench import load

pytestmark = pytest.mark.e2e


def test_concurrent_portals_get_no_server_error(capsys):
    out = io.StringIO()
    figures = load.run(clients=4, seconds=3, out=out)
    with capsys.disabled():
        print("\n" + out.getvalue())
    assert figures["server_errors"] == 0, figures["errors_by_status"]
    assert figures["errors_by_status"] == {}  # nothing refused either: all were valid
    accepted = figures["requests"]
    assert accepted > 0 and figures["dossiers_created_after_drain"] == accepted
    assert 0 < figures["latency_p50_ms"] <= figures["latency_p99_ms"]
