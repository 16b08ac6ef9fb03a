"""The SEC client against hostile servers on loopback: every attack fails fast, clearly, naming
the URL and the limit, and never lands anything. Each test is bounded to a few seconds."""

from __future__ import annotations

import gzip
import io
import json
import re
import socket
import socketserver
import threading
import time
import tracemalloc
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from pipelines.sec.client import SecClient, SecFetchError
from pipelines.sec.config import SecSettings, load_settings
from pipelines.sec.landing import land_download
from tests.test_sec_assets import (  # helpers and fixtures of the end-to-end SEC tests
    API,
    MSFT,
    TICKERS,
    check_evaluation,
    failure_text,
    run,
    sec_tables,
    serve,
)

pytestmark = pytest.mark.end_to_end

AGENT = "AI-compute ledger tests ops@example.org"
PATH = "/api/xbrl/companyfacts/CIK0000789019.json"
FIXTURES = Path(__file__).parent / "fixtures" / "sec"
MSFT_BODY = (FIXTURES / "CIK0000789019.json").read_bytes()
MB = 1_000_000
CAPEX = "PaymentsToAcquirePropertyPlantAndEquipment"
REVENUE = "RevenueFromContractWithCustomerExcludingAssessedTax"
GOOGL = "CIK0001652044.json"


def make_settings(base_url: str, **overrides: object) -> SecSettings:
    values: dict[str, object] = {
        "user_agent": AGENT,
        "base_url": base_url,
        "landing_dir": Path("/nonexistent"),
        "companies": (),
        "max_requests_per_second": 10.0,
        "timeout_s": 1.0,
        "max_retries": 3,
        "backoff_s": 0.01,
        "backoff_max_s": 0.5,
        "max_retry_wait_s": 5.0,
        "request_deadline_s": 3.0,
        "fetch_deadline_s": 10.0,
        "max_redirects": 3,
        "max_body_bytes": 5 * MB,
        "max_decompressed_bytes": 20 * MB,
    }
    values.update(overrides)
    return SecSettings(**values)  # type: ignore[arg-type]


@pytest.fixture
def msft():
    return next(c for c in load_settings({}).companies if c.ticker == "MSFT")


@pytest.fixture
def other_server() -> Iterator[HTTPServer]:
    """A second loopback server on another port, reached as ``127.0.0.1`` (the ``httpserver``
    fixture is reached as ``localhost``): another host."""
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    yield server
    server.clear()
    if server.is_running():
        server.stop()


def timed(action: Callable[[], object]) -> tuple[BaseException | None, float]:
    started = time.monotonic()
    try:
        action()
    except BaseException as error:  # noqa: BLE001 - returned to the test
        return error, time.monotonic() - started
    return None, time.monotonic() - started


# ----------------------------------------------------------------------------- redirects
def test_cross_host_redirect_is_refused_and_nothing_is_sent_there(
    httpserver: HTTPServer, other_server: HTTPServer, tmp_path: Path, msft
) -> None:
    elsewhere = f"http://127.0.0.1:{other_server.port}{PATH}"
    doubled = MSFT_BODY.replace(b'"val": 1', b'"val": 2')  # a server with other values
    other_server.expect_request(PATH).respond_with_data(doubled)
    httpserver.expect_request(PATH).respond_with_data(
        "", status=302, headers={"Location": elsewhere}
    )
    target = tmp_path / "sec" / msft.file_name
    client = SecClient(make_settings(httpserver.url_for("/")))
    with pytest.raises(SecFetchError) as caught:
        land_download(client, httpserver.url_for(PATH), msft, target)
    message = str(caught.value)
    assert message.startswith(f"GET {httpserver.url_for(PATH)} failed: HTTP 302 redirect")
    assert f"to another host refused ({elsewhere})" in message
    assert other_server.log == []  # the User-Agent never reached the other host
    assert not target.exists() and list(target.parent.iterdir()) == []  # nothing landed


@pytest.mark.parametrize(
    "location",
    [
        "http://localhost:{other}" + PATH,  # same host name, another port
        "https://localhost:{port}" + PATH,  # same host and port, another scheme
        "//127.0.0.1:{port}" + PATH,  # another host name (even for the very same server)
    ],
)
def test_every_other_origin_counts_as_another_host(
    httpserver: HTTPServer, other_server: HTTPServer, location: str
) -> None:
    location = location.format(other=other_server.port, port=httpserver.port)
    httpserver.expect_request(PATH).respond_with_data(
        "", status=301, headers={"Location": location}
    )
    client = SecClient(make_settings(httpserver.url_for("/")))
    with pytest.raises(SecFetchError, match="redirect to another host refused"):
        client.get(httpserver.url_for(PATH))
    assert other_server.log == [] and len(httpserver.log) == 1


def test_same_host_redirect_is_followed_with_the_rate_limit(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/old").respond_with_data("", status=301, headers={"Location": PATH})
    httpserver.expect_request(PATH).respond_with_data(MSFT_BODY)
    client = SecClient(make_settings(httpserver.url_for("/")))
    result = client.get(httpserver.url_for("/old"))
    assert result.body == MSFT_BODY
    assert [r.path for r, _ in httpserver.log] == ["/old", PATH]
    assert {r.headers["User-Agent"] for r, _ in httpserver.log} == {AGENT}


def test_redirect_loop_stops_after_the_configured_count(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/a").respond_with_data("", status=302, headers={"Location": "/b"})
    httpserver.expect_request("/b").respond_with_data("", status=302, headers={"Location": "/a"})
    client = SecClient(make_settings(httpserver.url_for("/"), max_redirects=2))
    error, elapsed = timed(lambda: client.get(httpserver.url_for("/a")))
    assert isinstance(error, SecFetchError)
    assert "more than 2 redirects (SEC_MAX_REDIRECTS)" in str(error)
    assert len(httpserver.log) == 3 and elapsed < 3


# ------------------------------------------------------------------------------ sizes
def test_gzip_bomb_is_stopped_at_the_decompressed_limit_in_bounded_memory(
    httpserver: HTTPServer, tmp_path: Path, msft
) -> None:
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)  # gzip: ~200 KB that expand to 200 MB
    block = b"\0" * MB
    bomb = b"".join(compressor.compress(block) for _ in range(200)) + compressor.flush()
    assert len(bomb) < 300_000
    httpserver.expect_request(PATH).respond_with_data(bomb, headers={"Content-Encoding": "gzip"})
    client = SecClient(make_settings(httpserver.url_for("/"), max_decompressed_bytes=10 * MB))
    target = tmp_path / "sec" / msft.file_name
    tracemalloc.start()
    try:
        error, elapsed = timed(
            lambda: land_download(client, httpserver.url_for(PATH), msft, target)
        )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert isinstance(error, SecFetchError)
    assert str(error) == (
        f"GET {httpserver.url_for(PATH)} failed: decompressed body larger than the limit of "
        "10,000,000 bytes (SEC_MAX_DECOMPRESSED_BYTES); download stopped"
    )
    assert peak < 5 * MB, peak  # streamed: never the whole body in memory
    assert elapsed < 3
    assert list(target.parent.iterdir()) == []  # temporary file removed, nothing landed


def test_declared_oversized_body_is_refused_before_download(httpserver: HTTPServer) -> None:
    httpserver.expect_request(PATH).respond_with_data(b"x" * 2_000_001)
    client = SecClient(make_settings(httpserver.url_for("/"), max_body_bytes=2 * MB))
    with pytest.raises(SecFetchError) as caught:
        client.get(httpserver.url_for(PATH))
    assert str(caught.value).endswith(
        "body of 2,000,001 bytes (Content-Length) is larger than the limit of 2,000,000 bytes "
        "(SEC_MAX_BODY_BYTES); not downloaded"
    )


def test_undeclared_oversized_body_is_stopped_while_streaming(httpserver: HTTPServer) -> None:
    sent = [0]

    def endless(request: Request) -> Response:
        def chunks() -> Iterator[bytes]:
            for _ in range(10_000):  # 640 MB if nobody stops reading
                sent[0] += 1
                yield b"y" * 65_536

        return Response(chunks(), content_type="application/json")  # chunked, no length

    httpserver.expect_request(PATH).respond_with_handler(endless)
    client = SecClient(make_settings(httpserver.url_for("/"), max_body_bytes=1 * MB))
    error, elapsed = timed(lambda: client.download(httpserver.url_for(PATH), io.BytesIO()))
    assert isinstance(error, SecFetchError)
    assert "body larger than the limit of 1,000,000 bytes (SEC_MAX_BODY_BYTES)" in str(error)
    assert elapsed < 3 and sent[0] < 200


@pytest.mark.parametrize(
    ("body", "headers", "reason"),
    [
        (gzip.compress(MSFT_BODY)[:-30], {"Content-Encoding": "gzip"}, "ends early (truncated)"),
        (b"not gzip at all", {"Content-Encoding": "gzip"}, "not valid gzip/deflate"),
        (MSFT_BODY, {"Content-Encoding": "br"}, "unsupported Content-Encoding 'br'"),
    ],
    ids=["truncated-gzip", "garbage-gzip", "unknown-encoding"],
)
def test_bad_encodings_are_refused(
    httpserver: HTTPServer, body: bytes, headers: dict[str, str], reason: str
) -> None:
    httpserver.expect_request(PATH).respond_with_data(body, headers=headers)
    client = SecClient(make_settings(httpserver.url_for("/")))
    with pytest.raises(SecFetchError, match=re.escape(reason)):
        client.get(httpserver.url_for(PATH))


def test_deflate_and_multi_member_gzip_are_decoded(httpserver: HTTPServer) -> None:
    half = len(MSFT_BODY) // 2
    httpserver.expect_ordered_request(PATH).respond_with_data(
        zlib.compress(MSFT_BODY), headers={"Content-Encoding": "deflate"}
    )
    httpserver.expect_ordered_request(PATH).respond_with_data(
        gzip.compress(MSFT_BODY[:half]) + gzip.compress(MSFT_BODY[half:]),
        headers={"Content-Encoding": "gzip"},
    )
    client = SecClient(make_settings(httpserver.url_for("/")))
    assert client.get(httpserver.url_for(PATH)).body == MSFT_BODY
    assert client.get(httpserver.url_for(PATH)).body == MSFT_BODY


# ------------------------------------------------------------------------ slow servers
class _Trickle(socketserver.BaseRequestHandler):
    """Answers byte by byte, one byte every 0.2 s, forever (or until the client goes)."""

    headers_too = False

    def handle(self) -> None:
        self.request.recv(65_536)
        head = (
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n"
        )
        try:
            if not self.headers_too:
                self.request.sendall(head)
                head = b"{" + b" " * 100_000
            for byte in head:
                self.request.sendall(bytes([byte]))
                time.sleep(0.2)
        except OSError:
            return


class _TrickleHeaders(_Trickle):
    headers_too = True


@pytest.fixture(params=[_Trickle, _TrickleHeaders], ids=["body", "headers"])
def trickle_url(request: pytest.FixtureRequest) -> Iterator[str]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), request.param)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}{PATH}"
    server.shutdown()
    server.server_close()


def test_trickling_server_is_cut_off_at_the_request_deadline(trickle_url: str) -> None:
    # The per-read timeout (1 s) never fires: a byte arrives every 0.2 s.
    client = SecClient(make_settings(trickle_url, request_deadline_s=1.5, max_retries=0))
    error, elapsed = timed(lambda: client.download(trickle_url, io.BytesIO()))
    assert isinstance(error, SecFetchError)
    assert str(error).startswith(f"GET {trickle_url} failed: deadline passed: request deadline")
    assert "1.5 s (SEC_REQUEST_DEADLINE_S)" in str(error)
    assert 1.4 < elapsed < 3.0


def test_the_whole_fetch_has_a_deadline_too(trickle_url: str) -> None:
    client = SecClient(
        make_settings(trickle_url, request_deadline_s=60, fetch_deadline_s=1.0, max_retries=0)
    )
    error, elapsed = timed(lambda: client.download(trickle_url, io.BytesIO()))
    assert isinstance(error, SecFetchError)
    assert "deadline passed: fetch deadline of 1 s (SEC_FETCH_DEADLINE_S)" in str(error)
    assert elapsed < 2.5
    error, elapsed = timed(lambda: client.download(trickle_url, io.BytesIO()))
    assert "not attempted: the fetch deadline of 1 s (SEC_FETCH_DEADLINE_S) has passed" in str(
        error
    )
    assert elapsed < 0.2


def test_429_forever_fails_within_the_retry_wait_budget(httpserver: HTTPServer) -> None:
    httpserver.expect_request(PATH).respond_with_data(
        "slow down", status=429, headers={"Retry-After": "1"}
    )
    client = SecClient(
        make_settings(
            httpserver.url_for("/"), max_retries=50, backoff_max_s=60, max_retry_wait_s=2.5
        )
    )
    error, elapsed = timed(lambda: client.get(httpserver.url_for(PATH)))
    assert isinstance(error, SecFetchError)
    assert str(error) == (
        f"GET {httpserver.url_for(PATH)} failed: HTTP 429 TOO MANY REQUESTS after 3 attempt(s); "
        "waiting 1.0 s more would exceed the retry wait budget of 2.5 s "
        "(SEC_MAX_RETRY_WAIT_S; 2.0 s already spent this run)"
    )
    assert len(httpserver.log) == 3 and 1.9 < elapsed < 3.5
    # The budget is per run: the next company is not waited for again.
    error, elapsed = timed(lambda: client.get(httpserver.url_for(PATH)))
    assert "retry wait budget" in str(error) and elapsed < 0.5


def test_a_huge_retry_after_is_capped_then_bounded_by_the_deadline(httpserver: HTTPServer) -> None:
    httpserver.expect_request(PATH).respond_with_data(
        "", status=503, headers={"Retry-After": "86400"}
    )
    client = SecClient(
        make_settings(
            httpserver.url_for("/"),
            max_retries=50,
            backoff_max_s=0.5,
            max_retry_wait_s=100,
            request_deadline_s=1.2,
        )
    )
    error, elapsed = timed(lambda: client.get(httpserver.url_for(PATH)))
    assert isinstance(error, SecFetchError)
    assert "HTTP 503 SERVICE UNAVAILABLE after 3 attempt(s); waiting 0.5 s more would pass " in str(
        error
    )
    assert "request deadline of 1.2 s (SEC_REQUEST_DEADLINE_S)" in str(error)
    assert elapsed < 2.0


def test_defaults_bound_a_429_forever_server_to_minutes_not_hours() -> None:
    config = load_settings({"SEC_USER_AGENT": AGENT})
    assert (config.max_retry_wait_s, config.request_deadline_s, config.fetch_deadline_s) == (
        120.0,
        120.0,
        900.0,
    )
    assert (config.max_body_bytes, config.max_decompressed_bytes, config.max_redirects) == (
        200_000_000,
        1_000_000_000,
        3,
    )
    overridden = load_settings(
        {
            "SEC_USER_AGENT": AGENT,
            "SEC_MAX_RETRY_WAIT_S": "5",
            "SEC_REQUEST_DEADLINE_S": "7",
            "SEC_FETCH_DEADLINE_S": "30",
            "SEC_MAX_REDIRECTS": "0",
            "SEC_MAX_BODY_BYTES": "1000",
            "SEC_MAX_DECOMPRESSED_BYTES": "2000",
        }
    )
    assert (
        overridden.max_retry_wait_s,
        overridden.request_deadline_s,
        overridden.fetch_deadline_s,
        overridden.max_redirects,
        overridden.max_body_bytes,
        overridden.max_decompressed_bytes,
    ) == (5.0, 7.0, 30.0, 0, 1000, 2000)


def test_closed_socket_mid_body_is_a_clear_network_error() -> None:
    class Cut(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            self.request.recv(65_536)
            self.request.sendall(b'HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n{"cik"')
            self.request.shutdown(socket.SHUT_RDWR)

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Cut)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}{PATH}"
        client = SecClient(make_settings(url, max_retries=0))
        with pytest.raises(SecFetchError, match="cannot reach the server") as caught:
            client.get(url)
        assert url in str(caught.value)
    finally:
        server.shutdown()
        server.server_close()


# ------------------------------------------------------------- end to end (the assets)
@pytest.fixture
def sec_on(httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """The connector on, pointed at ``httpserver``; returns the landing folder."""
    landing = tmp_path / "landing"
    for name, value in {
        "SEC_LANDING_DIR": str(landing),
        "SEC_USER_AGENT": AGENT,
        "SEC_BASE_URL": httpserver.url_for("/").rstrip("/"),
        "SEC_TICKERS": TICKERS,
        "SEC_MAX_RETRIES": "2",
        "SEC_BACKOFF_S": "0.01",
    }.items():
        monkeypatch.setenv(name, value)
    return landing


def _msft_with(change: Callable[[dict], None]) -> bytes:
    data = json.loads(MSFT_BODY)
    change(data)
    return json.dumps(data).encode()


def _double_capex(data: dict) -> None:
    for fact in data["facts"]["us-gaap"][CAPEX]["units"]["USD"]:
        fact["val"] *= 2


def _landed(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(folder.iterdir())}


def test_redirect_to_a_server_with_doubled_values_lands_and_publishes_nothing(
    raw_copy: Path,
    warehouse_file: Path,
    query,
    sec_on: Path,
    httpserver: HTTPServer,
    other_server: HTTPServer,
) -> None:
    serve(httpserver)
    assert run().success
    before_tables, before_files = sec_tables(query), _landed(sec_on)

    httpserver.clear()
    elsewhere = f"http://127.0.0.1:{other_server.port}{API}{MSFT}"
    other_server.expect_request(API + MSFT).respond_with_data(_msft_with(_double_capex))
    httpserver.expect_request(API + MSFT).respond_with_data(
        "", status=302, headers={"Location": elsewhere}
    )
    serve(httpserver)
    result = run()
    assert not result.success
    assert f"redirect to another host refused ({elsewhere})" in failure_text(result)
    assert other_server.log == []
    assert _landed(sec_on)[MSFT] == before_files[MSFT]
    assert sec_tables(query) == before_tables


def test_doubled_values_from_the_sec_host_are_not_published(
    raw_copy: Path, warehouse_file: Path, query, sec_on: Path, httpserver: HTTPServer
) -> None:
    serve(httpserver)
    assert run().success
    before_tables, before_file = sec_tables(query), _landed(sec_on)[MSFT]

    httpserver.clear()
    serve(httpserver, {MSFT: _msft_with(_double_capex)})
    result = run()
    assert not result.success
    assert "blocking asset check failed" in failure_text(result)
    evaluation = check_evaluation(result)
    assert not evaluation.passed and evaluation.metadata["mismatches"].value == 8  # MSFT 8 qtrs
    assert "SEC tables of this run not published" in (evaluation.description or "")
    assert sec_tables(query) == before_tables
    # issue 20: the suspect file (valid JSON, doubled capex) is not landed either: the last
    # good file stays, so the next run does not start from it
    assert _landed(sec_on)[MSFT] == before_file
    assert not list(sec_on.glob(".CIK*"))
    assert query("SELECT status FROM meta.refresh_log ORDER BY finished_at") == [
        ("success",),
        ("failure",),
    ]


def test_a_file_that_lost_a_configured_concept_is_not_landed(
    raw_copy: Path, warehouse_file: Path, query, sec_on: Path, httpserver: HTTPServer
) -> None:
    serve(httpserver)
    assert run().success
    before_tables, before_file = sec_tables(query), _landed(sec_on)[GOOGL]

    data = json.loads((FIXTURES / GOOGL).read_bytes())
    data["facts"]["us-gaap"].pop(REVENUE)  # the capex series stays, the revenue one is gone
    httpserver.clear()
    serve(httpserver, {GOOGL: json.dumps(data).encode()})
    result = run()
    assert not result.success
    message = failure_text(result)
    assert (
        f"response rejected: the new file has no facts of configured concept(s) "
        f"{REVENUE}, which the previous file {sec_on / GOOGL} has" in message
    )
    assert f"last good file {sec_on / GOOGL} kept" in message
    assert _landed(sec_on)[GOOGL] == before_file
    assert sec_tables(query) == before_tables


def test_the_docs_state_every_limit() -> None:
    import dataclasses

    from pipelines import settings
    from pipelines.sec import config as sec_config

    doc = (settings.REPO_ROOT / "docs" / "reliability-inputs.md").read_text(encoding="utf-8")
    defaults = {f.name: f.default for f in dataclasses.fields(sec_config.SecSettings)}
    limits = {
        sec_config.ENV_TIMEOUT: defaults["timeout_s"],
        sec_config.ENV_MAX_RETRIES: defaults["max_retries"],
        sec_config.ENV_BACKOFF: defaults["backoff_s"],
        sec_config.ENV_BACKOFF_MAX: defaults["backoff_max_s"],
        sec_config.ENV_MAX_RETRY_WAIT: defaults["max_retry_wait_s"],
        sec_config.ENV_REQUEST_DEADLINE: defaults["request_deadline_s"],
        sec_config.ENV_FETCH_DEADLINE: defaults["fetch_deadline_s"],
        sec_config.ENV_MAX_REDIRECTS: defaults["max_redirects"],
        sec_config.ENV_MAX_BODY: defaults["max_body_bytes"],
        sec_config.ENV_MAX_DECOMPRESSED: defaults["max_decompressed_bytes"],
    }
    for name, default in limits.items():
        shown = f"{default:,}" if isinstance(default, int) else f"{default:g}"
        if isinstance(default, float) and default == int(default) and name == "SEC_BACKOFF_S":
            shown = f"{default:.1f}"
        assert f"| `{name}` | {shown} |" in doc, name
    # and the loaded settings agree with the dataclass defaults
    loaded = load_settings({"SEC_USER_AGENT": AGENT})
    assert loaded.timeout_s == defaults["timeout_s"]
    assert loaded.max_retries == defaults["max_retries"]
