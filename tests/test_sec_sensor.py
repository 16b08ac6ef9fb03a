"""sec_filings_sensor without the real files: off without a User-Agent, conditional requests,
only periodic reports count, a broken answer is named and keeps the company's cursor."""

from __future__ import annotations

import json

import dagster as dg
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from pipelines.sec.config import load_settings
from pipelines.sec.sensor import SENSOR_NAME, sec_filings_sensor


def _submissions(filings: list[tuple[str, str]]) -> str:
    recent = {"accessionNumber": [a for a, _ in filings], "form": [f for _, f in filings]}
    return json.dumps({"filings": {"recent": recent}})


@pytest.fixture
def sec_on(httpserver: HTTPServer, monkeypatch, tmp_path):
    monkeypatch.setenv("SEC_USER_AGENT", "AI-compute ledger tests ops@example.org")
    monkeypatch.setenv("SEC_BASE_URL", httpserver.url_for("/").rstrip("/"))
    monkeypatch.setenv("SEC_TICKERS", "MSFT,AMZN")
    monkeypatch.setenv("SEC_LANDING_DIR", str(tmp_path / "landing"))
    return {c.ticker: f"/submissions/CIK{c.cik:010d}.json" for c in load_settings().companies}


def _evaluate(cursor: str | None):
    from pipelines.definitions import defs

    context = dg.build_sensor_context(cursor=cursor, definitions=defs)
    return sec_filings_sensor(context)


def test_off_without_a_user_agent_names_why():
    result = _evaluate(None)
    assert isinstance(result, dg.SkipReason)
    assert result.skip_message == "SEC filings sensor off: connector off (SEC_USER_AGENT not set)"


def test_new_periodic_report_requests_a_run_and_an_unchanged_list_costs_a_304(
    httpserver: HTTPServer, sec_on
):
    def msft(request: Request) -> Response:
        if request.headers.get("If-None-Match") == '"v1"':
            return Response(status=304)
        body = _submissions([("0000950170-25-100235", "10-Q"), ("0001193125-25-1", "8-K")])
        return Response(body, headers={"ETag": '"v1"'}, content_type="application/json")

    httpserver.expect_request(sec_on["MSFT"]).respond_with_handler(msft)
    httpserver.expect_request(sec_on["AMZN"]).respond_with_data("<html>busy</html>")
    first = _evaluate(None)
    [request] = first.run_requests
    assert request.run_key == "sec-0000950170-25-100235"  # the 8-K is not a periodic report
    assert request.run_config == {"ops": {"sec__companyfacts": {"config": {"tickers": ["MSFT"]}}}}
    assert dg.AssetKey(["sec", "companyfacts"]) in request.asset_selection
    cursor = json.loads(first.cursor)
    msft_cik = sec_on["MSFT"].split("CIK")[1].removesuffix(".json")
    assert cursor == {
        msft_cik: {"etag": '"v1"', "modified": None, "seen": ["0000950170-25-100235"]}
    }  # Amazon's answer was not a submissions document: no entry, asked again next time

    second = _evaluate(first.cursor)
    assert not second.run_requests and second.cursor == first.cursor
    assert second.skip_reason is not None
    assert second.skip_reason.skip_message == (
        "2 companies polled, no new periodic report; AMZN: GET "
        f"{httpserver.url_for(sec_on['AMZN'])}: not a submissions document "
        "(JSONDecodeError('Expecting value: line 1 column 1 (char 0)'))"
    )
    sent = [r.headers.get("If-None-Match") for r, _ in httpserver.log if r.path == sec_on["MSFT"]]
    assert sent == [None, '"v1"']


def test_registered_running_on_the_refresh_job():
    from pipelines.definitions import defs

    sensor = defs.resolve_sensor_def(SENSOR_NAME)
    assert sensor.job_name == "refresh_warehouse"
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING
