"""The SEC HTTP client against a real HTTP server on loopback (pytest-httpserver)."""

import gzip
import socket
import threading
import time
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from pipelines.sec.client import MinIntervalLimiter, SecClient, SecFetchError, retry_after_seconds
from pipelines.sec.config import (
    OFF_MESSAGE,
    SecConfigError,
    SecSettings,
    load_companies,
    load_settings,
)

AGENT = "AI-compute ledger tests ops@example.org"
PATH = "/api/xbrl/companyfacts/CIK0000789019.json"


def make_settings(base_url: str, **overrides) -> SecSettings:
    values = {
        "user_agent": AGENT,
        "base_url": base_url,
        "landing_dir": Path("/nonexistent"),
        "companies": (),
        "max_requests_per_second": 10.0,
        "timeout_s": 5.0,
        "max_retries": 3,
        "backoff_s": 0.01,
        "backoff_max_s": 0.5,
    }
    values.update(overrides)
    return SecSettings(**values)


def closed_port_url() -> str:
    """An address on loopback where nothing listens (connection refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def test_sends_declared_user_agent_and_accepts_gzip(httpserver: HTTPServer) -> None:
    body = b'{"cik": 789019, "facts": {}}'
    httpserver.expect_request(PATH).respond_with_data(
        gzip.compress(body), headers={"Content-Encoding": "gzip"}, content_type="application/json"
    )
    client = SecClient(make_settings(httpserver.url_for("/")))
    result = client.get(httpserver.url_for(PATH))
    request, _ = httpserver.log[0]
    assert request.headers["User-Agent"] == AGENT
    assert "gzip" in request.headers["Accept-Encoding"]
    assert result.content_encoding == "gzip"
    assert result.body == body  # decompressed
    assert result.attempts == 1


def test_limiter_reserves_starts_a_tenth_of_a_second_apart_across_threads() -> None:
    from pipelines.sec.client import MinIntervalLimiter

    now = [100.0]
    slept: list[float] = []
    lock = threading.Lock()

    def sleep(seconds: float) -> None:  # a fake clock: sleeping is recorded, not waited
        with lock:
            slept.append(seconds)

    limiter = MinIntervalLimiter(10, clock=lambda: now[0], sleep=sleep)
    threads = [
        threading.Thread(target=lambda: [limiter.wait() for _ in range(4)]) for _ in range(3)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # 12 starts reserved at t, t+0.1, ..., t+1.1: the waits are exactly those offsets
    assert sorted(round(s, 9) for s in slept) == [round(0.1 * k, 9) for k in range(1, 12)]


def test_rate_limit_holds_at_ten_requests_per_second_even_from_threads(
    httpserver: HTTPServer,
) -> None:
    arrivals: list[float] = []
    lock = threading.Lock()

    def record(request: Request) -> Response:
        with lock:
            arrivals.append(time.monotonic())
        return Response(b"{}", content_type="application/json")

    httpserver.expect_request(PATH).respond_with_handler(record)
    client = SecClient(make_settings(httpserver.url_for("/")))
    url = httpserver.url_for(PATH)
    threads = [
        threading.Thread(target=lambda: [client.get(url) for _ in range(4)]) for _ in range(3)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(arrivals) == 12
    arrivals.sort()
    # At the server no one-second window holds more than 10 requests: 11 consecutive
    # arrivals span >= ~1 s (loopback jitter on a loaded machine allowed for).
    spans = [arrivals[i + 10] - arrivals[i] for i in range(len(arrivals) - 10)]
    assert min(spans) >= 1.0 - 0.03, spans


def test_without_the_limit_requests_arrive_much_faster(httpserver: HTTPServer) -> None:
    """The spacing above is the limiter's doing (this test fails if requests are slow anyway)."""
    arrivals: list[float] = []

    def record(request: Request) -> Response:
        arrivals.append(time.monotonic())
        return Response(b"{}")

    httpserver.expect_request(PATH).respond_with_handler(record)
    client = SecClient(make_settings(httpserver.url_for("/"), max_requests_per_second=10_000.0))
    for _ in range(6):
        client.get(httpserver.url_for(PATH))
    gaps = sorted(b - a for a, b in zip(arrivals, arrivals[1:], strict=False))
    assert gaps[len(gaps) // 2] < 0.08


def test_limiter_spaces_starts_by_the_interval() -> None:
    now = [100.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    limiter = MinIntervalLimiter(10, clock=lambda: now[0], sleep=sleep)
    for _ in range(4):
        limiter.wait()
    assert slept == pytest.approx([0.1, 0.1, 0.1])


def test_429_with_retry_after_then_503_are_retried_then_succeed(httpserver: HTTPServer) -> None:
    httpserver.expect_ordered_request(PATH).respond_with_data(
        "slow down", status=429, headers={"Retry-After": "0.2"}
    )
    httpserver.expect_ordered_request(PATH).respond_with_data("unavailable", status=503)
    httpserver.expect_ordered_request(PATH).respond_with_data(b'{"ok": 1}', status=200)
    client = SecClient(make_settings(httpserver.url_for("/"), backoff_s=0.05))
    result = client.get(httpserver.url_for(PATH))
    assert result.body == b'{"ok": 1}'
    assert result.attempts == 3
    # first wait honours Retry-After (0.2 s); second is exponential: 0.05 * 2**1
    assert result.waits == pytest.approx([0.2, 0.1])
    assert len(httpserver.log) == 3
    httpserver.check_assertions()


def test_retry_after_is_capped_and_backoff_doubles(httpserver: HTTPServer) -> None:
    slept: list[float] = []
    for status, headers in ((429, {"Retry-After": "120"}), (503, {}), (502, {})):
        httpserver.expect_ordered_request(PATH).respond_with_data(
            "", status=status, headers=headers
        )
    httpserver.expect_ordered_request(PATH).respond_with_data(b"{}")
    client = SecClient(
        make_settings(httpserver.url_for("/"), backoff_s=1.0, backoff_max_s=30.0),
        sleep=slept.append,
    )
    result = client.get(httpserver.url_for(PATH))
    assert result.waits == [30.0, 2.0, 4.0]  # Retry-After 120 capped at 30; then 1*2, 1*4
    assert [s for s in slept if s >= 1.0] == [30.0, 2.0, 4.0]


def test_gives_up_after_the_retries_and_names_the_url(httpserver: HTTPServer) -> None:
    httpserver.expect_request(PATH).respond_with_data("down", status=503)
    client = SecClient(make_settings(httpserver.url_for("/"), max_retries=2))
    with pytest.raises(SecFetchError) as caught:
        client.get(httpserver.url_for(PATH))
    assert httpserver.url_for(PATH) in str(caught.value)
    assert "HTTP 503" in str(caught.value) and "after 3 attempt(s)" in str(caught.value)
    assert len(httpserver.log) == 3
    assert not caught.value.network


def test_404_is_not_retried(httpserver: HTTPServer) -> None:
    httpserver.expect_request(PATH).respond_with_data("no such CIK", status=404)
    client = SecClient(make_settings(httpserver.url_for("/")))
    with pytest.raises(SecFetchError, match="HTTP 404.*not retried"):
        client.get(httpserver.url_for(PATH))
    assert len(httpserver.log) == 1


def test_unreachable_server_fails_with_the_url() -> None:
    base = closed_port_url()
    client = SecClient(make_settings(base, max_retries=1))
    with pytest.raises(SecFetchError) as caught:
        client.get(base + PATH)
    assert caught.value.network
    assert f"GET {base}{PATH} failed: cannot reach the server" in str(caught.value)


def test_retry_after_accepts_seconds_and_http_dates() -> None:
    import datetime as dt

    now = dt.datetime(2025, 9, 5, 12, 0, 0, tzinfo=dt.UTC)
    assert retry_after_seconds("3", now) == 3.0
    assert retry_after_seconds("Fri, 05 Sep 2025 12:00:07 GMT", now) == 7.0
    assert retry_after_seconds("Fri, 05 Sep 2025 11:00:00 GMT", now) == 0.0
    assert retry_after_seconds("soon", now) is None
    assert retry_after_seconds(None, now) is None


def test_connector_is_off_without_user_agent_and_refuses_an_agent_without_email(
    raw_copy: Path,
) -> None:
    config = load_settings({})
    assert not config.enabled
    assert OFF_MESSAGE == "connector off (SEC_USER_AGENT not set)"
    assert config.base_url == "https://data.sec.gov"
    # the companies of raw/companies.csv (the frozen snapshot's six), concepts of
    # raw/filing_concepts.csv
    assert [c.ticker for c in config.companies] == ["AMZN", "AVGO", "GOOGL", "META", "MRVL", "MSFT"]
    assert {c.ticker: c.cik for c in config.companies}["MSFT"] == 789019
    amazon = next(c for c in config.companies if c.ticker == "AMZN")
    assert [c[3] for c in amazon.concepts if c[0] == "capex_purchases_pp_e"] == [
        "PaymentsToAcquireProductiveAssets",
        "PaymentsToAcquirePropertyPlantAndEquipment",
    ]
    assert (
        amazon.url(config.base_url)
        == "https://data.sec.gov/api/xbrl/companyfacts/CIK0001018724.json"
    )
    with pytest.raises(SecConfigError, match="contact e-mail"):
        SecClient(make_settings("http://127.0.0.1:1", user_agent="ledger"))


def test_settings_from_environment(raw_copy: Path) -> None:
    config = load_settings(
        {
            "SEC_USER_AGENT": AGENT,
            "SEC_BASE_URL": "http://127.0.0.1:9/",
            "SEC_TICKERS": "MSFT, GOOGL",
            "SEC_MAX_REQUESTS_PER_SECOND": "50",
            "SEC_LANDING_DIR": "/tmp/landing",
        }
    )
    assert config.enabled and config.base_url == "http://127.0.0.1:9"
    assert [c.ticker for c in config.companies] == ["GOOGL", "MSFT"]  # in file order
    assert config.max_requests_per_second == 10.0  # never above the SEC's limit
    assert config.landing_dir == Path("/tmp/landing")
    with pytest.raises(SecConfigError, match="XYZ"):
        load_settings({"SEC_TICKERS": "XYZ"})


def test_a_bad_concept_row_stops_the_connector_naming_file_row_and_rule(raw_copy: Path) -> None:
    path = raw_copy / "filing_concepts.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("\nMSFT,", "\nXYZ,", 1))
    with pytest.raises(SecConfigError) as caught:
        load_companies()
    assert "filing_concepts.csv" in str(caught.value)
    assert "column 'ticker', value 'XYZ': ticker must exist in raw.companies" in str(caught.value)
