"""The QĐ 766 report of the demo's agencies matches a hand count of the demo's dossiers."""

import uuid
from datetime import datetime

import pytest

from chalicelib.domain.calendar import LOCAL_TZ
from devstack import demo
from devstack.stack import LocalStack

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def reported():
    with LocalStack(port=0, moto_port=0, prefix=f"r{uuid.uuid4().hex[:6]}-") as stack:
        cast = demo.Cast.local(stack.base_url)
        demo.run(stack.base_url)
        stack.drain()
        yield cast


def report(cast, who, agency, fmt="json"):
    month = datetime.now(LOCAL_TZ).strftime("%Y-%m")
    answer = cast.officials[who].get(
        f"/v1/reports/766?agency={agency}&from={month}&to={month}&format={fmt}"
    )
    assert answer.status == 200, answer.body
    return answer.body


def test_the_ward_report_counts_the_online_birth_registration(reported):
    body = report(reported, "ward_leader", demo.WARD)
    counts = body["counts"]
    # By hand: one birth registration, online, digitised, resolved on time (days before its
    # appointment: early too), returned.
    assert {k: v for k, v in counts.items() if v and k != "processing_seconds_sum"} == {
        "received_ch2": 1,
        "ended": 1,
        "resolved": 1,
        "returned": 1,
        "on_time": 1,
        "early": 1,
        "fully_online": 1,  # online, and the catalog offers the procedure fully online
        "digitised": 1,
        "processing_count": 1,
    }
    assert body["indicators"]["2.1"]["value"] == 100
    assert body["indicators"]["3.3"]["value"] == 100


def test_the_land_office_counts_its_supplement_and_the_counter_its_channel(reported):
    land_report = report(reported, "land_leader", demo.LAND_OFFICE)
    land = land_report["counts"]
    assert land_report["indicators"]["4.1"]["value"] == 100
    assert (
        land["received_ch2"],
        land["supplement_dossiers"],
        land["supplement_requests"],
        land["on_time"],
        land["returned"],
    ) == (1, 1, 1, 1, 1)
    finance = report(reported, "finance_leader", demo.FINANCE)
    counts = finance["counts"]
    # By hand: one company registration at the counter, resolved; its result is handed over
    # on paper (no result file stored), so it is not electronic (4.1 comes from the files).
    assert (counts["received_ch1"], counts["received_ch2"], counts["resolved"]) == (1, 0, 1)
    assert counts["electronic_result"] == 0 and finance["indicators"]["4.1"]["value"] == 0
    # The land transfer's result PDF was signed by the local development authority and stored
    # before the resolve: the local stage trusts it, so it is an electronic result.
    assert (land["resolved"], land["electronic_result"]) == (1, 1)


def test_csv_and_another_agency_s_report(reported):
    csv = report(reported, "ward_leader", demo.WARD, fmt="csv")
    assert "1.001193" in csv and csv.count("\n") >= 2
    month = datetime.now(LOCAL_TZ).strftime("%Y-%m")
    refused = reported.officials["land_leader"].get(
        f"/v1/reports/766?agency={demo.WARD}&from={month}&to={month}"
    )
    assert refused.status == 403
    bad = reported.officials["ward_leader"].get("/v1/reports/766?agency=x&from=2026-13&to=1")
    assert bad.status == 400
    assert {e["field"] for e in bad.body["errors"]} >= {"agency", "from", "to"}


def test_the_rebuild_from_history_equals_the_live_counters(reported):
    from chalicelib import bootstrap
    from chalicelib.services import reports

    month = datetime.now(LOCAL_TZ).strftime("%Y-%m")
    for agency in (demo.WARD, demo.LAND_OFFICE, demo.FINANCE):
        result = reports.rebuild_and_compare(
            agency, month, month, bootstrap.container().store, bootstrap.container().calendar
        )
        assert result["dossiers"] >= 1 and result["rows"] >= 1
        assert result["match"], result["differences"]
