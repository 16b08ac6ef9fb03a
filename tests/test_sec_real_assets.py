"""The SEC assets on the real companyfacts files, served by a loopback HTTP server: every file
lands, and the capex-vs-curated check compares every quarter both sides have over the whole
history of the files (skipped where shared/sec-real is absent; see test_sec_real.py)."""

from __future__ import annotations

import datetime as dt
import gzip

import dagster as dg
import pytest
from pytest_httpserver import HTTPServer

from pipelines import settings
from pipelines.raw.assets import RAW_ASSETS
from pipelines.sec.assets import CAPEX_CHECK, COVERAGE_CHECK, SEC_ASSETS
from pipelines.sec.checks import SEC_CHECKS
from pipelines.sec.config import real_files_dir, real_files_missing
from pipelines.warehouse import WarehouseResource

REAL = real_files_dir()
pytestmark = pytest.mark.skipif(
    not (REAL / "SHA256SUMS").is_file(),
    reason=real_files_missing(REAL),
)
#: every configured company with a real file (no real Broadcom file exists)
TICKERS = "MSFT,AMZN,META,GOOGL,MRVL,NVDA,TSM"
API = "/api/xbrl/companyfacts/"
RAW_NEEDED = {dg.AssetKey(["raw", "companies"]), dg.AssetKey(["raw", "financials"])}


#: NVIDIA (a ledger company after the snapshot's date) and TSMC (not a ledger company) join the
#: snapshot's companies for this test, with the concepts of their files
EXTRA_COMPANIES = (
    'NVDA,NVIDIA CORP,1045810,last:sun:jan:q4,,,,"SEC companyfacts CIK0001045810.json",2026-06-17,'
    "https://data.sec.gov/api/xbrl/companyfacts/CIK0001045810.json\n"
    "TSM,Taiwan Semiconductor Manufacturing Company Limited,1046179,month_end:dec,,,,"
    '"SEC companyfacts CIK0001046179.json",2025-04-17,'
    "https://data.sec.gov/api/xbrl/companyfacts/CIK0001046179.json\n"
)
TSMC_CONCEPTS = "".join(
    f"TSM,{metric},1,ifrs-full,{concept},TWD,1,,shared/sec-real/CIK0001046179.json\n"
    for metric, concept in (
        (
            "capex_purchases_pp_e",
            "PurchaseOfPropertyPlantAndEquipmentClassifiedAsInvestingActivities",
        ),
        ("revenue", "Revenue"),
    )
)


@pytest.fixture
def result(raw_copy, warehouse_file, httpserver: HTTPServer, monkeypatch, tmp_path):
    with (raw_copy / "companies.csv").open("a", encoding="utf-8") as handle:
        handle.write(EXTRA_COMPANIES)
    shipped = (settings.REPO_ROOT / "raw" / "filing_concepts.csv").read_text(encoding="utf-8")
    nvidia = "".join(line + "\n" for line in shipped.splitlines() if line.startswith("NVDA,"))
    with (raw_copy / "filing_concepts.csv").open("a", encoding="utf-8") as handle:
        handle.write(nvidia + TSMC_CONCEPTS)
    for path in [*REAL.glob("CIK*.json"), *(REAL / "excerpts").glob("CIK*.json")]:
        httpserver.expect_request(API + path.name).respond_with_data(
            gzip.compress(path.read_bytes()),
            headers={"Content-Encoding": "gzip"},
            content_type="application/json",
        )
    monkeypatch.setenv("SEC_USER_AGENT", "AI-compute ledger tests ops@example.org")
    monkeypatch.setenv("SEC_BASE_URL", httpserver.url_for("/").rstrip("/"))
    monkeypatch.setenv("SEC_TICKERS", TICKERS)
    monkeypatch.setenv("SEC_LANDING_DIR", str(tmp_path / "landing"))
    raw = [a for a in RAW_ASSETS if a.key in RAW_NEEDED]
    return dg.materialize(
        [*raw, *SEC_ASSETS, *SEC_CHECKS],
        resources={"warehouse": WarehouseResource()},
        raise_on_error=False,
    )


def evaluation(result: dg.ExecuteInProcessResult, name: str):
    [found] = [e for e in result.get_asset_check_evaluations() if e.check_name == name]
    return found


def test_real_files_through_the_assets_and_the_capex_check_over_the_full_history(
    result, query
) -> None:
    assert result.success
    assert query("SELECT count(*) FROM sec.facts")[0][0] == 61_961  # all but Snowflake's 8,163
    capex = evaluation(result, CAPEX_CHECK)
    compared = query(
        "SELECT count(*), min(period_end), max(period_end) FROM sec.quarterly "
        "WHERE metric IN ('capex_additions_to_pp_e', 'capex_purchases_pp_e') "
        "AND ticker IN ('MSFT', 'AMZN', 'META', 'GOOGL')"
    )
    assert capex.passed, capex.metadata["mismatch_list"].value
    assert capex.metadata["mismatches"].value == 0
    # the curated side has 33 capex quarters (2023 Q1 - 2025 Q2); all but Meta's six (its
    # excerpt ends with the 2021 Q1 10-Q) have an SEC quarter, and all 27 agree
    assert capex.metadata["quarters_compared"].value == 27
    assert compared[0] == (183, dt.date(2008, 9, 30), dt.date(2026, 6, 30))  # SEC side: 183
    coverage = evaluation(result, COVERAGE_CHECK)
    assert not coverage.passed and coverage.severity == dg.AssetCheckSeverity.WARN
    # Alphabet 2015 capex and NVIDIA FY2011 D&A (Alphabet 2015 and NVIDIA FY2017 operating cash
    # flow add up since the legs are paired by filing: tests/test_sec_real.py)
    assert coverage.metadata["years_mismatch"].value == 2
    assert coverage.metadata["years_annual_only"].value == 20  # TSMC 2015-2024, two metrics
    assert (
        "| GOOGL | capex_purchases_pp_e | 2015 | 1,2,3,4 | mismatch | quarters sum to 9,927.0 m"
        in (coverage.metadata["flagged"].value)
    )
