"""Load, briefly: a few portals sending signed dossiers at once to the local stack on loopback
(bench/load.py). No 5xx; every webhook is accepted and becomes a dossier. The run is bounded by
a count, not a duration; its rates and latencies are figures for `make bench`
(bench/load.py, bench/timing_checks.py), never asserted."""

from __future__ import annotations

import io

import pytest

from bench import load

pytestmark = pytest.mark.e2e

CLIENTS, EACH = 4, 5


def test_concurrent_portals_get_no_server_error(capsys):
    out = io.StringIO()
    figures = load.run(clients=CLIENTS, seconds=None, requests_per_client=EACH, out=out)
    with capsys.disabled():
        print("\n" + out.getvalue())
    assert figures["server_errors"] == 0, figures["errors_by_status"]
    assert figures["errors_by_status"] == {}  # nothing refused either: all were valid
    assert figures["requests"] == CLIENTS * EACH
    assert figures["dossiers_created_after_drain"] == CLIENTS * EACH
