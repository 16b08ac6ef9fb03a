"""The lineage a user sees: start the real Dagster webserver on loopback against
``workspace.yaml`` and compare what its GraphQL API serves with the expected lineage.

One webserver for the module (a private DAGSTER_HOME, warehouse and reports folder in tmp),
stopped — with its code server, as a process group — when the module ends, also when a test
fails. The expected graph below is written by hand: a change to the lineage must change it.
"""

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipelines.reports.webserver import (
    ASSET_GRAPH_QUERY,
    Webserver,
    running_webserver,
    stop_process_group,
)

RAW_CHIPS = ["raw/accelerators", "raw/accelerator_sources", "raw/systems", "raw/system_sources"]
RAW_TCO = ["raw/tco_assumptions", "raw/tco_assumption_sources"]

#: asset key -> (group, upstream asset keys)
EXPECTED_LINEAGE: dict[str, tuple[str, set[str]]] = {
    # raw: one asset per sourced CSV; files naming companies (or groups) are validated against
    # raw.companies (and raw.groups)
    "raw/companies": ("raw", set()),
    "raw/groups": ("raw", set()),
    "raw/group_members": ("raw", {"raw/companies", "raw/groups"}),
    "raw/financials": ("raw", {"raw/companies"}),
    "raw/capex_guidance": ("raw", {"raw/companies"}),
    "raw/coverage_notes": ("raw", {"raw/companies"}),
    "raw/claims": ("raw", set()),
    **{key: ("raw", set()) for key in RAW_CHIPS + RAW_TCO},
    # marts: capex per company from the filings, the company capex definitions and calendars;
    # every company's quarterly figures (long); the totals of every group on top of it;
    # guidance; AI revenue; claim facts (today and as of each claim's date) and checks
    "marts/capex_quarterly": ("marts", {"raw/financials", "raw/companies"}),
    "marts/company_quarterly": (
        "marts",
        {"marts/capex_quarterly", "raw/financials", "raw/companies"},
    ),
    "marts/group_quarterly": ("marts", {"marts/company_quarterly", "raw/group_members"}),
    "marts/group_member_quarterly": (
        "marts",
        {"marts/group_quarterly", "marts/company_quarterly", "raw/group_members"},
    ),
    "marts/capex_guidance": (
        "marts",
        {"marts/capex_quarterly", "raw/capex_guidance", "raw/companies"},
    ),
    "marts/ai_revenue_quarterly": ("marts", {"raw/financials", "raw/companies"}),
    "marts/claim_facts": (
        "marts",
        {
            "marts/capex_quarterly",
            "marts/group_quarterly",
            "marts/group_member_quarterly",
            "marts/capex_guidance",
            "marts/ai_revenue_quarterly",
            "raw/claims",
            "raw/companies",
            "raw/financials",
            "raw/capex_guidance",
            "raw/group_members",
        },
    ),
    "marts/claim_checks": ("marts", {"marts/claim_facts", "tco/claim_facts", "raw/claims"}),
    # coverage: the data's as-of date, coverage per company, metric and quarter, and the
    # curated figures against the real SEC files
    "meta/data_as_of": ("coverage", {"raw/financials"}),
    "meta/coverage": ("coverage", {"marts/company_quarterly", "raw/coverage_notes"}),
    "meta/curated_vs_sec": ("coverage", {"marts/capex_quarterly", "marts/company_quarterly"}),
    # metrics: the analysts' ratios on the company and group tables and on guidance
    "metrics/capex_intensity": ("metrics", {"marts/company_quarterly", "raw/group_members"}),
    "metrics/cash_coverage": ("metrics", {"marts/company_quarterly", "raw/group_members"}),
    "metrics/depreciation_vs_capex": (
        "metrics",
        {"marts/company_quarterly", "raw/group_members"},
    ),
    "metrics/guidance_implied": (
        "metrics",
        {"marts/capex_quarterly", "raw/capex_guidance", "raw/companies", "raw/financials"},
    ),
    "metrics/supplier_capture": (
        "metrics",
        {"marts/company_quarterly", "marts/group_quarterly", "raw/group_members", "raw/groups"},
    ),
    # tco: chip TCO from chip specs and TCO assumptions (and their sources, named in
    # spec_sources / assumption_sources), then comparisons, break-even points and claim facts
    "tco/chip_tco": (
        "tco",
        {
            "raw/accelerators",
            "raw/accelerator_sources",
            "raw/tco_assumptions",
            "raw/tco_assumption_sources",
        },
    ),
    "tco/tco_comparison": ("tco", {"tco/chip_tco"}),
    "tco/tco_sensitivity": ("tco", {"tco/chip_tco"}),
    "tco/breakeven": ("tco", {"tco/chip_tco"}),
    "tco/cluster_comparison": ("tco", {"raw/accelerators", "raw/systems"}),
    "tco/claim_facts": ("tco", {"raw/accelerators", "tco/chip_tco", "tco/cluster_comparison"}),
    # sec: companyfacts JSON landed from EDGAR, flattened, then quarters and coverage derived;
    # the bulk archive into its own store
    "sec/companyfacts": ("sec", set()),
    "sec/facts": ("sec", {"sec/companyfacts"}),
    "sec/quarterly": ("sec", {"sec/facts"}),
    "sec/quarterly_as_first_reported": ("sec", {"sec/facts"}),
    "sec/fiscal_year_coverage": ("sec", {"sec/facts"}),
    "sec/bulk": ("sec", set()),
    # reports: charts of the capex, AI-revenue and metrics marts and of chip TCO
    "reports/charts": (
        "reports",
        {
            "marts/capex_quarterly",
            "marts/ai_revenue_quarterly",
            "metrics/capex_intensity",
            "metrics/cash_coverage",
            "metrics/guidance_implied",
            "metrics/supplier_capture",
            "tco/chip_tco",
        },
    ),
}

#: (asset key, check name) of every asset check
EXPECTED_CHECKS: set[tuple[str, str]] = {
    *(
        (f"raw/{name}", f"{name}_file_is_valid")
        for name in [
            "companies",
            "groups",
            "group_members",
            "financials",
            "capex_guidance",
            "coverage_notes",
            "claims",
            "accelerators",
            "accelerator_sources",
            "systems",
            "system_sources",
            "tco_assumptions",
            "tco_assumption_sources",
        ]
    ),
    ("marts/capex_quarterly", "capex_quarterly_growth_matches_levels"),
    ("marts/capex_quarterly", "capex_quarterly_one_row_per_ticker_quarter"),
    ("marts/company_quarterly", "company_quarterly_one_row_per_ticker_metric_quarter"),
    ("marts/company_quarterly", "company_quarterly_reported_quarters_add_up_to_full_year"),
    ("marts/group_quarterly", "group_quarterly_growth_matches_levels"),
    ("marts/group_quarterly", "group_quarterly_one_row_per_group_metric_quarter"),
    ("marts/group_quarterly", "group_quarterly_total_equals_sum_of_members"),
    ("marts/capex_guidance", "capex_guidance_one_row_per_ticker_period"),
    ("marts/ai_revenue_quarterly", "ai_revenue_quarterly_growth_matches_levels"),
    ("marts/ai_revenue_quarterly", "ai_revenue_quarterly_one_row_per_ticker_quarter"),
    ("marts/claim_facts", "claim_facts_one_row_per_key"),
    ("marts/claim_checks", "claim_checks_contradicted_claims"),
    ("marts/claim_checks", "claim_checks_one_row_per_claim"),
    ("meta/coverage", "coverage_every_gap_explained"),
    ("meta/curated_vs_sec", "curated_matches_sec_reference"),
    ("metrics/capex_intensity", "capex_intensity_one_row_per_key"),
    ("metrics/capex_intensity", "capex_intensity_ratio_matches_inputs_never_partial"),
    ("metrics/cash_coverage", "cash_coverage_one_row_per_key"),
    ("metrics/cash_coverage", "cash_coverage_ratio_matches_inputs_never_partial"),
    ("metrics/depreciation_vs_capex", "depreciation_vs_capex_one_row_per_key"),
    ("metrics/depreciation_vs_capex", "depreciation_vs_capex_ratio_matches_inputs_never_partial"),
    ("metrics/guidance_implied", "guidance_implied_one_row_per_key"),
    ("metrics/guidance_implied", "guidance_implied_one_row_per_statement"),
    ("metrics/supplier_capture", "supplier_capture_one_row_per_key"),
    ("metrics/supplier_capture", "supplier_capture_ratios_match_inputs"),
    ("tco/breakeven", "breakeven_costs_equal"),
    ("tco/chip_tco", "seed_trainium2_tco_reproduced"),
    ("tco/cluster_comparison", "computed_totals_match_stated"),
    ("tco/cluster_comparison", "seed_bandwidth_gaps_reproduced"),
    ("tco/tco_sensitivity", "shipped_case_matches_chip_tco"),
    ("tco/claim_facts", "facts_use_claims_vocabulary"),
    ("tco/claim_facts", "seed_headlines_reproduced"),
    ("sec/quarterly", "sec_capex_matches_curated"),
    ("sec/fiscal_year_coverage", "sec_fiscal_years_complete"),
    ("sec/bulk", "sec_bulk_no_member_quarantined"),
    ("reports/charts", "every_chart_has_data"),
}

#: Assets that are not warehouse tables (no column schema expected).
NOT_TABLES = {"reports/charts", "sec/companyfacts"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Webserver]:
    tmp = tmp_path_factory.mktemp("live_webserver")
    env = {
        "LEDGER_WAREHOUSE": str(tmp / "warehouse.duckdb"),
        "LEDGER_REPORTS_DIR": str(tmp / "reports"),
    }
    with running_webserver(dagster_home=tmp / "dagster_home", env=env, ready_timeout_s=90) as s:
        yield s
    assert s.process.poll() is not None, "webserver still running after the fixture ended"


@pytest.fixture(scope="module")
def nodes(server: Webserver) -> dict[str, dict]:
    data = server.graphql(ASSET_GRAPH_QUERY)
    return {"/".join(n["assetKey"]["path"]): n for n in data["assetNodes"]}


def test_asset_keys_and_groups(nodes: dict[str, dict]) -> None:
    served = {key: node["groupName"] for key, node in nodes.items()}
    expected = {key: group for key, (group, _) in EXPECTED_LINEAGE.items()}
    assert sorted(set(expected) - set(served)) == [], "expected assets missing from the server"
    assert sorted(set(served) - set(expected)) == [], "assets the expected lineage lacks"
    assert served == expected


def test_dependency_edges(nodes: dict[str, dict]) -> None:
    served = {
        ("/".join(dep["path"]), key)
        for key, node in nodes.items()
        for dep in node["dependencyKeys"]
    }
    expected = {(dep, key) for key, (_, deps) in EXPECTED_LINEAGE.items() for dep in deps}
    missing, unexpected = expected - served, served - expected
    assert not missing and not unexpected, (
        f"edges missing from the server: {sorted(missing)}; unexpected edges: {sorted(unexpected)}"
    )


def test_named_lineage_paths(nodes: dict[str, dict]) -> None:
    """The issue's examples, as the UI serves them."""

    def upstream(key: str) -> set[str]:
        return {"/".join(d["path"]) for d in nodes[key]["dependencyKeys"]}

    assert upstream("marts/capex_quarterly") == {"raw/financials", "raw/companies"}
    assert "marts/company_quarterly" in upstream("marts/group_quarterly")
    assert "raw/group_members" in upstream("marts/group_quarterly")
    assert {"raw/accelerators", "raw/tco_assumptions"} <= upstream("tco/chip_tco")
    assert "tco/chip_tco" in upstream("reports/charts")


def test_asset_checks_are_attached(nodes: dict[str, dict]) -> None:
    served = set()
    for key, node in nodes.items():
        checks = node["assetChecksOrError"]
        assert checks["__typename"] == "AssetChecks", f"{key}: {checks}"
        for check in checks["checks"]:
            assert (check["description"] or "").strip(), f"{key}:{check['name']} has no description"
            served.add((key, check["name"]))
    assert sorted(EXPECTED_CHECKS - served) == [], "expected checks missing from the server"
    assert sorted(served - EXPECTED_CHECKS) == [], "checks the expected lineage lacks"


def test_every_asset_explains_itself_in_the_ui(nodes: dict[str, dict]) -> None:
    for key, node in nodes.items():
        assert len((node["description"] or "").strip()) >= 60, key
        assert node["kinds"], key
        assert {"team": "ai-compute-ledger", "__typename": "TeamAssetOwner"} in node["owners"], key
        tags = {t["key"]: t["value"] for t in node["tags"]}
        assert tags.get("domain") and tags.get("layer"), key
        if key not in NOT_TABLES:
            labels = {e["label"]: e["__typename"] for e in node["metadataEntries"]}
            assert labels.get("dagster/column_schema") == "TableSchemaMetadataEntry", key


def test_stop_process_group_kills_children(tmp_path: Path) -> None:
    """What the fixture relies on: stopping the group also ends grandchildren."""
    pid_file = tmp_path / "child.pid"
    process = subprocess.Popen(
        ["sh", "-c", f"sleep 300 & echo $! > {pid_file}; wait"], start_new_session=True
    )
    deadline = time.monotonic() + 10
    while not (pid_file.exists() and pid_file.read_text().strip()) and time.monotonic() < deadline:
        time.sleep(0.05)
    child = int(pid_file.read_text())
    stop_process_group(process, grace_s=5)
    assert process.poll() is not None
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        if not _alive(child):
            return
        time.sleep(0.05)
    os.kill(child, signal.SIGKILL)
    pytest.fail(f"grandchild {child} survived stop_process_group")


def _alive(pid: int) -> bool:
    """Running (a zombie waiting for its reaper counts as dead)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"
