"""The SEC assets end to end: a real HTTP server on loopback serves companyfacts fixtures."""

import datetime as dt
import gzip
import json
import socket
from pathlib import Path

import dagster as dg
import pytest
from pytest_httpserver import HTTPServer

from pipelines.raw.assets import RAW_ASSETS
from pipelines.sec.assets import CAPEX_CHECK, COVERAGE_CHECK, SEC_ASSETS
from pipelines.sec.checks import SEC_CHECKS
from pipelines.sec.config import OFF_MESSAGE
from pipelines.warehouse import WarehouseResource

FIXTURES = Path(__file__).parent / "fixtures" / "sec"
TICKERS = "MSFT,AMZN,META,GOOGL,AVGO,MRVL"
AGENT = "AI-compute ledger tests ops@example.org"
MSFT = "CIK0000789019.json"
GOOGL = "CIK0001652044.json"
API = "/api/xbrl/companyfacts/"
RAW_NEEDED = {dg.AssetKey(["raw", "companies"]), dg.AssetKey(["raw", "financials"])}
SEC_TABLES = (
    "sec.facts",
    "sec.quarterly",
    "sec.quarterly_as_first_reported",
    "sec.fiscal_year_coverage",
)


def run() -> dg.ExecuteInProcessResult:
    raw = [a for a in RAW_ASSETS if a.key in RAW_NEEDED]
    return dg.materialize(
        [*raw, *SEC_ASSETS, *SEC_CHECKS],
        resources={"warehouse": WarehouseResource()},
        raise_on_error=False,
    )


def serve(httpserver: HTTPServer, replace: dict[str, bytes] | None = None) -> None:
    """Every fixture file at its SEC address, gzip-compressed like data.sec.gov does."""
    for path in sorted(FIXTURES.glob("CIK*.json")):
        body = (replace or {}).get(path.name, path.read_bytes())
        httpserver.expect_request(API + path.name).respond_with_data(
            gzip.compress(body),
            headers={"Content-Encoding": "gzip"},
            content_type="application/json",
        )


def fixture_with(name: str, concept: str, start: str, end: str, **changes) -> bytes:
    data = json.loads((FIXTURES / name).read_text())
    for fact in data["facts"]["us-gaap"][concept]["units"]["USD"]:
        if fact["start"] == start and fact["end"] == end:
            fact.update(changes)
    return json.dumps(data).encode()


@pytest.fixture
def landing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "landing"
    monkeypatch.setenv("SEC_LANDING_DIR", str(path))
    return path


@pytest.fixture
def connector_on(httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch, landing: Path) -> Path:
    monkeypatch.setenv("SEC_USER_AGENT", AGENT)
    monkeypatch.setenv("SEC_BASE_URL", httpserver.url_for("/").rstrip("/"))
    monkeypatch.setenv("SEC_TICKERS", TICKERS)
    monkeypatch.setenv("SEC_MAX_RETRIES", "2")
    monkeypatch.setenv("SEC_BACKOFF_S", "0.01")
    return landing


def sec_tables(query) -> dict[str, list[tuple]]:
    return {t: query(f"SELECT * FROM {t} ORDER BY ALL") for t in SEC_TABLES}


def failure_text(result: dg.ExecuteInProcessResult) -> str:
    return "\n".join(
        e.step_failure_data.error.message
        for e in result.all_events
        if e.event_type_value == "STEP_FAILURE"
        and e.step_failure_data
        and e.step_failure_data.error
    )


def check_evaluation(result: dg.ExecuteInProcessResult):
    [evaluation] = [e for e in result.get_asset_check_evaluations() if e.check_name == CAPEX_CHECK]
    return evaluation


def test_off_without_user_agent_skips_cleanly_and_says_so(
    raw_copy: Path, warehouse_file: Path, query, landing: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SEC_USER_AGENT", raising=False)
    result = run()
    assert result.success
    for node in ("sec__companyfacts", "sec__facts", "sec_quarterly"):
        for materialization in result.asset_materializations_for_node(node):
            assert materialization.metadata["status"].value == OFF_MESSAGE
    evaluation = check_evaluation(result)
    assert evaluation.passed and evaluation.metadata["status"].value == OFF_MESSAGE
    # nothing fetched: the two tables staging.filed_figures reads exist, empty
    assert query(
        "SELECT table_name, estimated_size FROM duckdb_tables() WHERE schema_name = 'sec' "
        "ORDER BY 1"
    ) == [("quarterly", 0), ("quarterly_as_first_reported", 0)]
    assert query("SELECT count(*) FROM raw.financials")[0][0] > 0
    assert not landing.exists()


def test_fetch_land_parse_derive_and_check_against_curated_capex(
    raw_copy: Path, warehouse_file: Path, query, connector_on: Path, httpserver: HTTPServer
) -> None:
    # Microsoft answers 429 (Retry-After: 0) then 503 before it serves the file.
    httpserver.expect_oneshot_request(API + MSFT).respond_with_data(
        "", status=429, headers={"Retry-After": "0"}
    )
    httpserver.expect_oneshot_request(API + MSFT).respond_with_data("", status=503)
    serve(httpserver)
    result = run()
    assert result.success, failure_text(result)

    requests = [request for request, _ in httpserver.log]
    assert len(requests) == 8  # six files, two of them retries
    assert {r.headers["User-Agent"] for r in requests} == {AGENT}
    assert sum(r.path == API + MSFT for r in requests) == 3
    for path in FIXTURES.glob("CIK*.json"):
        assert (connector_on / path.name).read_bytes() == path.read_bytes()

    assert query("SELECT ticker, count(*) FROM sec.facts GROUP BY 1 ORDER BY 1") == [
        ("AMZN", 20),
        ("AVGO", 8),
        ("GOOGL", 18),
        ("META", 9),
        ("MRVL", 9),
        ("MSFT", 11),
    ]
    assert query(
        "SELECT fiscal_quarter, calendar_quarter, value_usd_m, method FROM sec.quarterly "
        "WHERE ticker = 'MSFT' AND fiscal_year = 2025 ORDER BY period_end"
    ) == [
        (1, "2024Q3", 14923.0, "discrete"),
        (2, "2024Q4", 15804.0, "ytd_difference"),
        (3, "2025Q1", 16745.0, "ytd_difference"),
        (4, "2025Q2", 17079.0, "fy_minus_9m"),
    ]
    [(comment,)] = query(
        "SELECT comment FROM duckdb_columns() WHERE schema_name = 'sec' "
        "AND table_name = 'quarterly' AND column_name = 'method'"
    )
    assert comment.startswith("discrete = a three-month fact")

    evaluation = check_evaluation(result)
    # quarters in both: MSFT FY2024-25 Q1-Q4 (8), GOOGL 2023 Q1-3, 2024 Q1-3, 2025 Q1-2 (8),
    # AMZN 2023 Q1-3, 2024 Q1-4, 2025 Q1-2 (9), META 2024 Q2-Q4, 2025 Q1-2 (5)
    assert evaluation.passed
    assert evaluation.metadata["quarters_compared"].value == 30
    assert evaluation.metadata["mismatches"].value == 0
    facts_materialization = result.asset_materializations_for_node("sec__facts")[0]
    assert facts_materialization.metadata["dagster/row_count"].value == 75


def test_capex_check_lists_each_mismatch(
    raw_copy: Path, warehouse_file: Path, query, connector_on: Path, httpserver: HTTPServer
) -> None:
    # Microsoft's nine months to March 2025 filed as 47,700 instead of 47,472:
    # Q3 = 47,700 - 30,727 = 16,973 (+1.36 % vs 16,745); Q4 = 64,551 - 47,700 = 16,851 (-1.33 %)
    wrong = fixture_with(
        MSFT,
        "PaymentsToAcquirePropertyPlantAndEquipment",
        "2024-07-01",
        "2025-03-31",
        val=47_700_000_000,
    )
    serve(httpserver, {MSFT: wrong})
    result = run()
    assert not result.success  # a blocking check: the run fails, its tables are not published
    assert "blocking asset check failed" in failure_text(result)
    evaluation = check_evaluation(result)
    assert not evaluation.passed
    assert evaluation.severity == dg.AssetCheckSeverity.ERROR
    assert evaluation.metadata["quarters_compared"].value == 30
    assert evaluation.metadata["mismatches"].value == 2
    listing = evaluation.metadata["mismatch_list"].value
    assert (
        "| MSFT | FY2025 Q3 | 2025Q1 | 2025-01-01..2025-03-31 | 16,973.0 | 16,745.0 | +1.362% |"
        in listing
    )
    assert (
        "| MSFT | FY2025 Q4 | 2025Q2 | 2025-04-01..2025-06-30 | 16,851.0 | 17,079.0 | -1.335% |"
        in listing
    )


def test_unreachable_network_fails_with_the_url_and_keeps_last_good_data(
    raw_copy: Path,
    warehouse_file: Path,
    query,
    connector_on: Path,
    httpserver: HTTPServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    serve(httpserver)
    assert run().success
    before_tables = sec_tables(query)
    before_files = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in connector_on.iterdir()}

    with socket.socket() as sock:  # a loopback port where nothing listens
        sock.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{sock.getsockname()[1]}"
    monkeypatch.setenv("SEC_BASE_URL", dead)
    result = run()
    assert not result.success
    message = failure_text(result)
    assert f"GET {dead}{API}{MSFT}" in message and "cannot reach the server" in message
    assert f"last good file {connector_on / MSFT} kept" in message
    assert {
        p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in connector_on.iterdir()
    } == before_files
    assert sec_tables(query) == before_tables
    assert query("SELECT status FROM meta.refresh_log ORDER BY finished_at") == [
        ("success",),
        ("failure",),
    ]


def test_truncated_response_is_rejected_and_last_good_data_kept(
    raw_copy: Path, warehouse_file: Path, query, connector_on: Path, httpserver: HTTPServer
) -> None:
    serve(httpserver)
    assert run().success
    before_tables = sec_tables(query)
    good = (connector_on / MSFT).read_bytes()

    httpserver.clear()
    body = (FIXTURES / MSFT).read_bytes()
    serve(httpserver, {MSFT: body[: len(body) // 2]})
    result = run()
    assert not result.success
    message = failure_text(result)
    assert (
        f"GET {httpserver.url_for(API + MSFT)}: response rejected: not valid companyfacts JSON"
        in message
    )
    assert (connector_on / MSFT).read_bytes() == good
    assert sorted(p.name for p in connector_on.iterdir()) == sorted(
        p.name for p in FIXTURES.glob("CIK*.json")
    )
    assert sec_tables(query) == before_tables


def test_a_restated_leg_alone_never_mixes_vintages_in_the_warehouse(
    raw_copy: Path, warehouse_file: Path, query, connector_on: Path, httpserver: HTTPServer
) -> None:
    data = json.loads((FIXTURES / GOOGL).read_text())
    # a later (synthetic) 10-Q restates nine months 2024 from 38,259 to 38,300, not H1 or FY
    data["facts"]["us-gaap"]["PaymentsToAcquirePropertyPlantAndEquipment"]["units"]["USD"].append(
        {
            "start": "2024-01-01",
            "end": "2024-09-30",
            "val": 38_300_000_000,
            "accn": "9999999999-25-000299",
            "fy": 2025,
            "fp": "Q3",
            "form": "10-Q",
            "filed": "2025-10-29",
        }
    )
    serve(httpserver, {GOOGL: json.dumps(data).encode()})
    assert run().success
    sql = (
        "SELECT period_end, value_usd_m, vintage, known_since FROM {} WHERE ticker = 'GOOGL' "
        "AND metric = 'capex_purchases_pp_e' "
        "AND period_end BETWEEN DATE '2024-09-30' AND DATE '2024-12-31' "
        "ORDER BY period_end"
    )
    # not 13,102 (38,300 - 25,198) and 14,235 (52,535 - 38,300): legs of one vintage
    assert query(sql.format("sec.quarterly")) == [
        (dt.date(2024, 9, 30), 13061.0, "earlier_consistent", dt.date(2024, 10, 30)),
        (dt.date(2024, 12, 31), 14276.0, "earlier_consistent", dt.date(2025, 2, 5)),
    ]
    assert query(sql.format("sec.quarterly_as_first_reported")) == [
        (dt.date(2024, 9, 30), 13061.0, "first_reported", dt.date(2024, 10, 30)),
        (dt.date(2024, 12, 31), 14276.0, "first_reported", dt.date(2025, 2, 5)),
    ]
    [(note,)] = query(
        "SELECT vintage_note FROM sec.quarterly WHERE ticker = 'GOOGL' "
        "AND metric = 'capex_purchases_pp_e' "
        "AND fiscal_year = 2024 AND fiscal_quarter = 3"
    )
    assert note.endswith("the latest legs would give 13,102.0 m")


def test_fiscal_year_coverage_table_and_warning_check(
    raw_copy: Path, warehouse_file: Path, query, connector_on: Path, httpserver: HTTPServer
) -> None:
    serve(httpserver)
    result = run()
    assert result.success, failure_text(result)
    # Microsoft FY2025 has four quarters adding up to the 64,551 full year; FY2026 is not filed
    assert query(
        "SELECT fiscal_year, quarters_present, status, quarters_sum_usd_m, full_year_usd_m "
        "FROM sec.fiscal_year_coverage WHERE ticker = 'MSFT' "
        "AND metric = 'capex_additions_to_pp_e' "
        "ORDER BY fiscal_year"
    ) == [
        (2023, None, "incomplete", None, 28107.0),
        (2024, "1,2,3,4", "complete", 44477.0, 44477.0),
        (2025, "1,2,3,4", "complete", 64551.0, 64551.0),
    ]
    [(reason,)] = query(
        "SELECT reason FROM sec.fiscal_year_coverage WHERE ticker = 'MSFT' "
        "AND metric = 'capex_additions_to_pp_e' "
        "AND fiscal_year = 2023"
    )
    assert reason.startswith("Q1: no filing for this quarter in the file (first: 2024-07-30)")
    [evaluation] = [
        e for e in result.get_asset_check_evaluations() if e.check_name == COVERAGE_CHECK
    ]
    assert not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.WARN
    flagged = query(
        "SELECT count(*) FROM sec.fiscal_year_coverage WHERE status NOT IN ('complete', 'open')"
    )[0][0]
    assert evaluation.metadata["years_flagged"].value == flagged > 0
    assert "| MSFT | capex_additions_to_pp_e | 2023 | - | incomplete | Q1: no filing" in (
        evaluation.metadata["flagged"].value
    )
