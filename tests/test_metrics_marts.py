"""The metrics marts on fixture data.

* ``derived``: the frozen snapshot copied to a temporary folder with made-up test figures
  appended (operating cash flow and D&A for 2025Q2, none for META; a dated copy of a capex
  quarter; a revised guidance statement), refreshed through the real assets.
* ``refreshed_warehouse`` (conftest): the snapshot itself, for pinned values.
"""

import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from pipelines import settings
from pipelines.metrics import config
from pipelines.tco import breakeven
from tests.conftest import FIXTURE_RAW
from tests.rawfiles import append_rows

TEST_SOURCE = "TEST FIXTURE: made-up figure for tests, not a real one"
#: (ticker, metric, fiscal year, fiscal quarter, period start, period end, value, published)
APPENDED_FINANCIALS = [
    ("MSFT", "operating_cash_flow", 2025, 4, "2025-04-01", "2025-06-30", 40000, "2025-07-30"),
    ("AMZN", "operating_cash_flow", 2025, 2, "2025-04-01", "2025-06-30", 30000, "2025-08-01"),
    ("GOOGL", "operating_cash_flow", 2025, 2, "2025-04-01", "2025-06-30", 28000, "2025-07-23"),
    ("MSFT", "depreciation_amortization", 2025, 4, "2025-04-01", "2025-06-30", 10000, "2025-07-30"),
    ("GOOGL", "depreciation_amortization", 2025, 2, "2025-04-01", "2025-06-30", 5000, "2025-07-23"),
    ("AMZN", "depreciation_amortization", 2025, 2, "2025-04-01", "2025-06-30", 12000, "2025-08-01"),
    ("META", "depreciation_amortization", 2025, 2, "2025-04-01", "2025-06-30", 4000, "2025-07-30"),
    # a dated vintage of GOOGL's Q1 2025 capex (the snapshot's row is undated)
    ("GOOGL", "capex_purchases_pp_e", 2025, 1, "2025-01-01", "2025-03-31", 17197, "2025-04-24"),
]
REVISION = {
    "ticker": "GOOGL",
    "guided_period": "FY2025",
    "period_start": "2025-01-01",
    "period_end": "2025-12-31",
    "basis": "fy",
    "capex_definition": "unspecified",
    "mid_usd_m": "90000",
    "qualifier": "about",
    "given_on": "2025-08-15",
    "reported_on": "2025-08-15",
    "source_title": TEST_SOURCE,
    "source_url": "https://example.invalid/test-fixture",
    "source_quote": "test fixture",
}
METRICS_SELECTION = [
    "raw/companies",
    "raw/groups",
    "raw/group_members",
    "raw/financials",
    "raw/capex_guidance",
    "marts/capex_quarterly",
    "marts/company_quarterly",
    "marts/group_quarterly",
    "metrics/capex_intensity",
    "metrics/cash_coverage",
    "metrics/depreciation_vs_capex",
    "metrics/guidance_implied",
    "metrics/supplier_capture",
]


def _derived_raw(target: Path) -> Path:
    shutil.copytree(FIXTURE_RAW, target, ignore=shutil.ignore_patterns("sec"))
    append_rows(
        target / "financials.csv",
        [
            {
                "ticker": t,
                "metric": m,
                "value_kind": "actual",
                "fiscal_year": fy,
                "fiscal_quarter": q,
                "basis": "discrete",
                "period_start": start,
                "period_end": end,
                "value": value,
                "unit": "USD_m",
                "published": published,
                "source_title": TEST_SOURCE,
                "source_url": "https://example.invalid/test-fixture",
                "source_quote": "test fixture",
            }
            for t, m, fy, q, start, end, value, published in APPENDED_FINANCIALS
        ],
    )
    append_rows(target / "capex_guidance.csv", [REVISION])
    return target


def _refresh(raw: Path, warehouse: Path, selection: list[str] | None) -> None:
    from pipelines.refresh import failure_messages, run_refresh

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(settings.RAW_DIR_ENV, str(raw))
        mp.setenv(settings.WAREHOUSE_ENV, str(warehouse))
        mp.delenv("DAGSTER_HOME", raising=False)
        result = run_refresh(selection)
    assert result.success, failure_messages(result)


@pytest.fixture(scope="module")
def derived(tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    root = tmp_path_factory.mktemp("metrics_derived")
    warehouse = root / "warehouse.duckdb"
    _refresh(_derived_raw(root / "raw"), warehouse, METRICS_SELECTION)

    def run(sql: str, params: list | None = None) -> list[tuple]:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            return con.execute(sql, params or []).fetchall()

    yield run


@pytest.fixture(scope="module")
def snapshot(refreshed_warehouse: Path) -> Iterator:
    def run(sql: str, params: list | None = None) -> list[tuple]:
        with duckdb.connect(str(refreshed_warehouse), read_only=True) as con:
            return con.execute(sql, params or []).fetchall()

    yield run


# ------------------------------------------------------------ pinned snapshot values
def test_mamg_2025q2_capex_intensity_is_sum_over_sum(snapshot) -> None:
    """MAMG 2025Q2 = the four companies' capex over their revenue, from the raw rows of
    tests/fixtures/raw_snapshot_2025-09-05/financials.csv (each a discrete quarter)."""
    capex = {
        "MSFT": 17079,  # capex_additions_to_pp_e FY2025 Q4
        "AMZN": 32183 - 815,  # capex_purchases_pp_e 2025 Q2 - proceeds_pp_e_sales_incentives
        "GOOGL": 22446,  # capex_purchases_pp_e 2025 Q2
        "META": 16538,  # capex_purchases_pp_e 2025 Q2
    }
    revenue = {"MSFT": 76400, "AMZN": 167702, "GOOGL": 96428, "META": 47516}
    expected = sum(capex.values()) / sum(revenue.values()) * 100
    [(pct, cap, rev, complete, reason, definitions)] = snapshot(
        "SELECT capex_to_revenue_pct, capex_usd_m, revenue_usd_m, members_complete, "
        "missing_reason, capex_definitions FROM metrics.capex_intensity "
        "WHERE entity = 'MAMG' AND calendar_quarter = '2025Q2' AND period = 'quarter'"
    )
    assert cap == sum(capex.values()) == 87431
    assert rev == sum(revenue.values())
    assert pct == pytest.approx(expected, rel=1e-12)
    assert complete == 4 and reason is None
    assert "AMZN: cash_purchases_pp_e_net_of_proceeds" in definitions


def test_group_intensity_with_a_member_missing_is_null_with_reason(snapshot) -> None:
    # 2024Q3: the snapshot has no GOOGL or MSFT revenue for the quarter
    [(pct, rev, complete, missing, reason)] = snapshot(
        "SELECT capex_to_revenue_pct, revenue_usd_m, members_complete, missing_members, "
        "missing_reason FROM metrics.capex_intensity "
        "WHERE entity = 'MAMG' AND calendar_quarter = '2024Q3' AND period = 'quarter'"
    )
    assert pct is None and rev is None
    assert complete == 2 and missing == "GOOGL, MSFT"
    assert "GOOGL: revenue 2024Q3" in reason and "MSFT: revenue" in reason
    partial = snapshot(
        "SELECT count(*) FROM metrics.capex_intensity WHERE entity_type = 'group' "
        "AND capex_to_revenue_pct IS NOT NULL AND members_complete < members_expected"
    )
    assert partial == [(0,)]


def test_breakeven_lands_costs_within_1e9(snapshot) -> None:
    rows = snapshot(
        "SELECT chip_a, chip_b, unit, input, varied_chip, breakeven_value FROM tco.breakeven "
        "WHERE breakeven_value IS NOT NULL"
    )
    assert len(rows) >= 20
    chips = {
        r[0]: dict(zip(["chip", *cols], r, strict=True))
        for cols in [[c for (c,) in snapshot(
            "SELECT column_name FROM duckdb_columns() WHERE schema_name = 'tco' "
            "AND table_name = 'chip_tco' ORDER BY column_index")][1:]]
        for r in snapshot("SELECT * FROM tco.chip_tco")
    }  # fmt: skip
    for chip_a, chip_b, unit, name, varied, value in rows:
        a_over = {name: value} if varied in ("both", chip_a) else {}
        b_over = {name: value} if varied in ("both", chip_b) else {}
        cost_a = breakeven.cost_per_unit(chips[chip_a], unit, **a_over)
        cost_b = breakeven.cost_per_unit(chips[chip_b], unit, **b_over)
        assert cost_a is not None and cost_b is not None
        assert abs(cost_a - cost_b) < 1e-9, (chip_a, chip_b, unit, name, varied)
    # 6 chips: 15 pairs x 2 units x (4 shared inputs + the price of each chip)
    assert snapshot("SELECT count(*) FROM tco.breakeven") == [(15 * 2 * 6,)]


# ------------------------------------------------------------ derived fixture
def test_cash_coverage_company_values_and_negative_fcf(derived) -> None:
    rows = {
        r[0]: r[1:]
        for r in derived(
            "SELECT entity, capex_usd_m, operating_cash_flow_usd_m, capex_to_ocf_pct, "
            "fcf_after_capex_usd_m FROM metrics.cash_coverage WHERE entity_type = 'company' "
            "AND calendar_quarter = '2025Q2' AND period = 'quarter'"
        )
    }
    assert rows["MSFT"] == (17079.0, 40000.0, pytest.approx(17079 / 40000 * 100), 40000 - 17079)
    capex, ocf, pct, fcf = rows["AMZN"]
    assert (capex, ocf) == (32183 - 815, 30000.0)
    assert fcf == 30000 - 31368 == -1368  # capex above operating cash flow
    assert pct == pytest.approx(31368 / 30000 * 100)


def test_group_cash_coverage_with_a_member_missing_is_null_with_reason(derived) -> None:
    [(pct, fcf, ocf, capex, complete, missing, reason)] = derived(
        "SELECT capex_to_ocf_pct, fcf_after_capex_usd_m, operating_cash_flow_usd_m, "
        "capex_usd_m, members_complete, missing_members, missing_reason "
        "FROM metrics.cash_coverage WHERE entity = 'MAMG' AND calendar_quarter = '2025Q2' "
        "AND period = 'quarter'"
    )
    assert pct is None and fcf is None and ocf is None  # never a partial sum or ratio
    assert capex == 87431  # every member has capex: that total stands
    assert complete == 3 and missing == "META"
    assert "META: no operating_cash_flow series for META" in reason


def test_group_depreciation_vs_capex_when_complete(derived) -> None:
    [(pct, da, capex, complete)] = derived(
        "SELECT da_to_capex_pct, depreciation_amortization_usd_m, capex_usd_m, "
        "members_complete FROM metrics.depreciation_vs_capex WHERE entity = 'MAMG' "
        "AND calendar_quarter = '2025Q2' AND period = 'quarter'"
    )
    assert da == 10000 + 5000 + 12000 + 4000
    assert capex == 87431 and complete == 4
    assert pct == pytest.approx(31000 / 87431 * 100)
    [(ttm, reason)] = derived(
        "SELECT da_to_capex_pct, missing_reason FROM metrics.depreciation_vs_capex "
        "WHERE entity = 'MSFT' AND calendar_quarter = '2025Q2' AND period = 'ttm'"
    )
    assert ttm is None and "depreciation_amortization 2024Q3 outside MSFT's reported span" in reason


def test_guidance_revision_is_a_new_implied_row(derived) -> None:
    rows = derived(
        "SELECT statement_number, is_latest, statement_date, point_usd_m, previous_point_usd_m, "
        "revision_point_usd_m, published_quarters, published_to_date_usd_m, "
        "implied_remaining_point_usd_m, implied_per_quarter_point_usd_m, missing_reason "
        "FROM metrics.guidance_implied WHERE ticker = 'GOOGL' AND guided_period = 'FY2025' "
        "ORDER BY statement_number"
    )
    assert [r[0] for r in rows] == [1, 2, 3]  # the snapshot's two statements and the revision
    first, second, revision = rows
    # 75,000 known only from a later article (given before 2025-07-23, so dated 07-22): Q1
    # was published (dated copy, 2025-04-24) but Q2 had ended with no figure dated by then:
    # what was spent to date is unknown, so nothing is implied (never an inflated figure)
    assert first[3] == 75000 and first[6] == "FY2025Q1" and first[7] is None
    assert first[8] is None
    assert "FY2025Q2 ended before 2025-07-22 but has no figure dated on or before it" in first[10]
    # 85,000 on 2025-07-23, the day Q2 was published: Q1 + Q2 known
    assert second[3] == 85000 and second[6] == "FY2025Q1, FY2025Q2"
    assert second[8] == 85000 - (17197 + 22446) == 45357
    # the revision to 90,000 on 2025-08-15
    assert str(revision[2]) == "2025-08-15" and revision[1] is True
    assert revision[3:6] == (90000, 85000, 5000)
    assert revision[8] == 90000 - 39643 and revision[9] == (90000 - 39643) / 2
    assert derived("SELECT count(*) FROM metrics.guidance_implied") == [(8,)]  # 7 + 1


def test_supplier_capture_lists_suppliers_and_lags_capex(derived) -> None:
    [(listed, missing, revenue, capex, pct, prev, lag_pct)] = derived(
        "SELECT suppliers_listed, suppliers_missing, supplier_ai_revenue_usd_m, "
        "spender_capex_usd_m, supplier_revenue_to_capex_pct, spender_capex_prev_quarter_usd_m, "
        "supplier_revenue_to_prev_quarter_capex_pct FROM metrics.supplier_capture "
        "WHERE calendar_quarter = '2025Q2'"
    )
    assert listed == "AVGO: ai_revenue 5,200; MRVL: data_center_revenue 1,491"
    assert missing is None and revenue == 5200 + 1491
    assert capex == 87431 and pct == pytest.approx(6691 / 87431 * 100)
    assert lag_pct == pytest.approx(6691 / prev * 100)


def test_configured_groups_resolve_against_raw_groups(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        '[supplier_capture]\nsupplier_group = ["NEW_SUPPLIERS", "AI_SEMI"]\n'
        'spender_groups = ["MAMG", "NOPE"]\nsupplier_metrics = ["ai_revenue"]\n',
        encoding="utf-8",
    )
    resolved = config.resolve_groups(
        config.supplier_capture_config(path), ["AI_SEMI", "MAMG"], path
    )
    assert resolved.supplier_group == "AI_SEMI"  # the first candidate raw.groups defines
    assert resolved.spender_groups == ("MAMG",)
    assert resolved.skipped == ("NEW_SUPPLIERS", "NOPE")
    with pytest.raises(config.ConfigError, match=r"spender_groups = \['MAMG', 'NOPE'\]: none"):
        config.resolve_groups(config.supplier_capture_config(path), ["AI_SEMI"], path)
    path.write_text('[supplier_capture]\nsupplier_group = ""\n', encoding="utf-8")
    with pytest.raises(config.ConfigError, match="supplier_group = \\[''\\]"):
        config.supplier_capture_config(path)


def test_supplier_capture_uses_the_configured_groups(derived) -> None:
    # the snapshot defines AI_SEMI and MAMG only: the AI_CHIP_SUPPLIERS candidate and the
    # AI_CAPEX_SPENDERS spender group of config.toml are skipped
    assert derived(
        "SELECT DISTINCT supplier_group, spender_group FROM metrics.supplier_capture"
    ) == [("AI_SEMI", "MAMG")]


def test_no_group_or_ticker_literal_in_metrics_code() -> None:
    code = "\n".join(
        p.read_text(encoding="utf-8")
        for p in (settings.REPO_ROOT / "pipelines" / "metrics").glob("*.py")
    )
    for name in ("MAMG", "AI_SEMI", "AVGO", "MRVL", "MSFT", "GOOGL", "AMZN", "META"):
        assert name not in code, name
