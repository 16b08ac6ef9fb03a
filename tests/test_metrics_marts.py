"""The metrics marts: their logic on fixture rows with ``tests/sqlmodel.py``'s ``run_model``
(made-up operating cash flow and D&A for 2025Q2, none for META's cash flow; capex vintages;
a revised guidance statement; the metrics configuration), and pinned values of the frozen
snapshot on ``refreshed_warehouse`` (conftest)."""

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from pipelines import settings
from pipelines.metrics import config
from pipelines.metrics.config import DEFAULT_CONFIG, config_rows
from pipelines.settings import SQL_DIR
from pipelines.tco import breakeven
from tests.sqlmodel import TODAY, column_types, contracts, run_model


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


# ------------------------------------------------------------ the metrics on fixture rows
#: MAMG's 2025Q2 capex as in the snapshot (AMZN: purchases 32,183 - proceeds 815)
CAPEX_2025Q2 = {"MSFT": 17079.0, "AMZN": 31368.0, "GOOGL": 22446.0, "META": 16538.0}
MAMG = [{"group_name": "MAMG", "ticker": t} for t in sorted(CAPEX_2025Q2)]
#: made-up operating cash flow and D&A for 2025Q2 (none for META's cash flow)
OCF_2025Q2 = {"MSFT": 40000.0, "AMZN": 30000.0, "GOOGL": 28000.0}
DA_2025Q2 = {"MSFT": 10000.0, "GOOGL": 5000.0, "AMZN": 12000.0, "META": 4000.0}


def _cq(ticker: str, metric: str, quarter: str, value: float | None) -> dict:
    return {"ticker": ticker, "metric": metric, "calendar_quarter": quarter, "value_usd_m": value}


def _company_quarterly() -> list[dict]:
    rows = [_cq(t, "capex", "2025Q2", v) for t, v in CAPEX_2025Q2.items()]
    rows += [_cq(t, "operating_cash_flow", "2025Q2", v) for t, v in OCF_2025Q2.items()]
    rows += [_cq(t, "depreciation_amortization", "2025Q2", v) for t, v in DA_2025Q2.items()]
    # MSFT's capex series starts earlier than its D&A series
    rows += [_cq("MSFT", "capex", q, 15000.0) for q in ("2024Q3", "2024Q4", "2025Q1")]
    return rows


def _by_entity(rows: list[dict], quarter: str = "2025Q2", period: str = "quarter") -> dict:
    return {
        r["entity"]: r for r in rows if r["calendar_quarter"] == quarter and r["period"] == period
    }


def test_cash_coverage_company_values_and_negative_fcf() -> None:
    rows = _by_entity(
        run_model(
            "metrics.cash_coverage",
            {"raw.group_members": MAMG, "marts.company_quarterly": _company_quarterly()},
        )
    )
    msft = rows["MSFT"]
    assert msft["capex_usd_m"] == 17079.0 and msft["operating_cash_flow_usd_m"] == 40000.0
    assert msft["capex_to_ocf_pct"] == pytest.approx(17079 / 40000 * 100)
    assert msft["fcf_after_capex_usd_m"] == 40000 - 17079
    amzn = rows["AMZN"]
    assert (amzn["capex_usd_m"], amzn["operating_cash_flow_usd_m"]) == (32183 - 815, 30000.0)
    assert amzn["fcf_after_capex_usd_m"] == 30000 - 31368 == -1368  # capex above the cash
    assert amzn["capex_to_ocf_pct"] == pytest.approx(31368 / 30000 * 100)


def test_group_cash_coverage_with_a_member_missing_is_null_with_reason() -> None:
    group = _by_entity(
        run_model(
            "metrics.cash_coverage",
            {"raw.group_members": MAMG, "marts.company_quarterly": _company_quarterly()},
        )
    )["MAMG"]
    # never a partial sum or ratio
    assert group["capex_to_ocf_pct"] is None and group["fcf_after_capex_usd_m"] is None
    assert group["operating_cash_flow_usd_m"] is None
    assert group["capex_usd_m"] == 87431  # every member has capex: that total stands
    assert group["members_complete"] == 3 and group["missing_members"] == "META"
    assert "META: no operating_cash_flow series for META" in group["missing_reason"]


def test_group_depreciation_vs_capex_when_complete() -> None:
    rows = run_model(
        "metrics.depreciation_vs_capex",
        {"raw.group_members": MAMG, "marts.company_quarterly": _company_quarterly()},
    )
    group = _by_entity(rows)["MAMG"]
    assert group["depreciation_amortization_usd_m"] == 10000 + 5000 + 12000 + 4000
    assert group["capex_usd_m"] == 87431 and group["members_complete"] == 4
    assert group["da_to_capex_pct"] == pytest.approx(31000 / 87431 * 100)
    ttm = _by_entity(rows, period="ttm")["MSFT"]
    assert ttm["da_to_capex_pct"] is None
    assert "depreciation_amortization 2024Q3 outside MSFT's reported span" in ttm["missing_reason"]


def _googl_capex(values: dict[int, float], as_of: dt.date | None = None) -> list[dict]:
    rows = [
        {"ticker": "GOOGL", "calendar_quarter": f"2025Q{q}", "fiscal_year": 2025,
         "fiscal_quarter": q, "capex_usd_m": v}
        for q, v in values.items()
    ]  # fmt: skip
    return [{"as_of": as_of, **r} for r in rows] if as_of else rows


def test_guidance_revision_is_a_new_implied_row() -> None:
    statement = {
        "ticker": "GOOGL",
        "guided_period": "FY2025",
        "capex_definition": "unspecified",
        "source_title": "test fixture",
    }
    known = {1: 17197.0, 2: 22446.0}
    rows = run_model(
        "metrics.guidance_implied",
        {
            "raw.capex_guidance": [
                # 75,000 known only from a later article: given before 2025-07-23
                {
                    **statement,
                    "mid_usd_m": 75000.0,
                    "given_before": dt.date(2025, 7, 23),
                    "reported_on": dt.date(2025, 7, 23),
                },
                {**statement, "mid_usd_m": 85000.0, "given_on": dt.date(2025, 7, 23)},
                # the revision to 90,000 on 2025-08-15
                {
                    **statement,
                    "mid_usd_m": 90000.0,
                    "given_on": dt.date(2025, 8, 15),
                    "qualifier": "about",
                },
            ],  # fmt: skip
            "raw.companies": [{"ticker": "GOOGL", "capex_metric": "capex_purchases_pp_e"}],
            "staging.fiscal_quarters": [
                {
                    "ticker": "GOOGL",
                    "fiscal_year": y,
                    "fiscal_quarter": q,
                    "calendar_quarter": f"{y}Q{q}",
                    "period_end": dt.date(y, m, d),
                }
                for y in (2024, 2025)
                for q, (m, d) in enumerate([(3, 31), (6, 30), (9, 30), (12, 31)], start=1)
            ],  # fmt: skip
            "as_of.capex_quarterly": [
                # Q1 was published (dated 2025-04-24), Q2 on 2025-07-23
                *_googl_capex({1: 17197.0}, dt.date(2025, 7, 22)),
                *_googl_capex(known, dt.date(2025, 7, 23)),
                *_googl_capex(known, dt.date(2025, 8, 15)),
                *_googl_capex(known, TODAY),
            ],
            "marts.capex_quarterly": _googl_capex(known),
        },
    )
    rows.sort(key=lambda r: r["statement_number"])
    assert [r["statement_number"] for r in rows] == [1, 2, 3]
    first, second, revision = rows
    # dated 2025-07-22: Q1 was published, but Q2 had ended with no figure dated by then:
    # what was spent to date is unknown, so nothing is implied (never an inflated figure)
    assert first["point_usd_m"] == 75000 and first["published_quarters"] == "FY2025Q1"
    assert first["published_to_date_usd_m"] is None
    assert first["implied_remaining_point_usd_m"] is None
    assert (
        "FY2025Q2 ended before 2025-07-22 but has no figure dated on or before it"
        in first["missing_reason"]
    )
    # 85,000 on 2025-07-23, the day Q2 was published: Q1 + Q2 known
    assert second["point_usd_m"] == 85000
    assert second["published_quarters"] == "FY2025Q1, FY2025Q2"
    assert second["implied_remaining_point_usd_m"] == 85000 - (17197 + 22446) == 45357
    assert str(revision["statement_date"]) == "2025-08-15" and revision["is_latest"] is True
    assert not first["is_latest"] and not second["is_latest"]
    assert (
        revision["point_usd_m"],
        revision["previous_point_usd_m"],
        revision["revision_point_usd_m"],
    ) == (90000, 85000, 5000)
    assert revision["implied_remaining_point_usd_m"] == 90000 - 39643
    assert revision["implied_per_quarter_point_usd_m"] == (90000 - 39643) / 2


def _supplier_capture(groups: list[str], config: list[dict] | None = None) -> list[dict]:
    revenue = [
        _cq("AVGO", "ai_revenue", "2025Q1", 4400.0),
        _cq("MRVL", "data_center_revenue", "2025Q1", 1440.0),
        _cq("AVGO", "ai_revenue", "2025Q2", 5200.0),
        _cq("MRVL", "data_center_revenue", "2025Q2", 1491.0),
        # data_center_revenue comes first in the configuration: this one is not used
        _cq("MRVL", "ai_revenue", "2025Q2", 999.0),
    ]
    capex = [
        {"group_name": "MAMG", "metric": "capex", "calendar_quarter": q, "total_usd_m": v}
        for q, v in (("2025Q1", 71138.0), ("2025Q2", 87431.0))
    ]
    return run_model(
        "metrics.supplier_capture",
        {
            "staging.metrics_config": config or config_rows(DEFAULT_CONFIG),
            "raw.groups": [{"group_name": g} for g in groups],
            "raw.group_members": [
                *MAMG,
                {"group_name": "AI_SEMI", "ticker": "AVGO"},
                {"group_name": "AI_SEMI", "ticker": "MRVL"},
            ],
            "marts.company_quarterly": revenue,
            "marts.group_quarterly": capex,
        },
    )


def test_supplier_capture_lists_suppliers_and_lags_capex() -> None:
    # the snapshot's groups: config.toml's AI_CHIP_SUPPLIERS candidate and its
    # AI_CAPEX_SPENDERS spender group are skipped
    rows = {r["calendar_quarter"]: r for r in _supplier_capture(["AI_SEMI", "MAMG"])}
    assert {(r["supplier_group"], r["spender_group"]) for r in rows.values()} == {
        ("AI_SEMI", "MAMG")
    }
    q2 = rows["2025Q2"]
    assert q2["suppliers_listed"] == "AVGO: ai_revenue 5,200; MRVL: data_center_revenue 1,491"
    assert q2["suppliers_missing"] is None and q2["supplier_ai_revenue_usd_m"] == 5200 + 1491
    assert q2["spender_capex_usd_m"] == 87431
    assert q2["supplier_revenue_to_capex_pct"] == pytest.approx(6691 / 87431 * 100)
    assert q2["spender_capex_prev_quarter_usd_m"] == 71138
    assert q2["supplier_revenue_to_prev_quarter_capex_pct"] == pytest.approx(6691 / 71138 * 100)
    q1 = rows["2025Q1"]
    assert q1["supplier_revenue_to_capex_pct"] == pytest.approx(5840 / 71138 * 100)
    assert q1["supplier_revenue_to_prev_quarter_capex_pct"] is None
    assert "MAMG capex 2024Q4: no capex total for the quarter" in q1["missing_reason"]


def _config(path: Path, text: str) -> list[dict]:
    path.write_text(text, encoding="utf-8")
    return config_rows(path)


def test_configured_groups_resolve_against_raw_groups(tmp_path: Path) -> None:
    config = _config(
        tmp_path / "config.toml",
        '[supplier_capture]\nsupplier_group = ["NEW_SUPPLIERS", "AI_SEMI"]\n'
        'spender_groups = ["MAMG", "NOPE"]\nsupplier_metrics = ["ai_revenue"]\n',
    )
    rows = _supplier_capture(["AI_SEMI", "MAMG"], config)
    # the first candidate raw.groups defines; the spender groups it defines
    assert {(r["supplier_group"], r["spender_group"]) for r in rows} == {("AI_SEMI", "MAMG")}
    # MRVL has no ai_revenue for 2025Q1 under this configuration
    q1 = next(r for r in rows if r["calendar_quarter"] == "2025Q1")
    assert q1["suppliers_missing"] == "MRVL"
    given = {"staging.metrics_config": config, "raw.groups": [{"group_name": "AI_SEMI"},
             {"group_name": "MAMG"}]}  # fmt: skip
    skipped = _data_test("supplier_capture_configured_groups_not_in_raw_groups", given)
    assert sorted(name for _, _, name in skipped) == ["NEW_SUPPLIERS", "NOPE"]
    assert _data_test("supplier_capture_config_resolves", given) == []
    given["raw.groups"] = [{"group_name": "AI_SEMI"}]
    assert _data_test("supplier_capture_config_resolves", given) == [
        ("spender_groups", "spender_groups = [MAMG, NOPE]: none is a group of raw.groups")
    ]


def test_config_file_errors_name_the_file_and_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "config.toml"
    good = (
        '[supplier_capture]\nsupplier_group = "AI_SEMI"\nspender_groups = ["MAMG", "X"]\n'
        'supplier_metrics = ["ai_revenue"]\n'
    )
    assert _config(path, good) == [
        {"section": "supplier_capture", "key": "supplier_group", "position": 1,
         "value": "AI_SEMI"},
        {"section": "supplier_capture", "key": "spender_groups", "position": 1, "value": "MAMG"},
        {"section": "supplier_capture", "key": "spender_groups", "position": 2, "value": "X"},
        {"section": "supplier_capture", "key": "supplier_metrics", "position": 1,
         "value": "ai_revenue"},
    ]  # fmt: skip
    monkeypatch.setenv(config.CONFIG_ENV, str(path))
    assert config.build(duckdb.connect()).height == 4  # the file $LEDGER_METRICS_CONFIG names
    for text, message in [
        (good.replace('"AI_SEMI"', '""'), "[supplier_capture] supplier_group = ''"),
        (good.replace('["MAMG", "X"]', "[]"), "[supplier_capture] spender_groups = []"),
        (good.replace('["MAMG", "X"]', '["MAMG", 3]'), "spender_groups = ['MAMG', 3]"),
        (good.replace('supplier_metrics = ["ai_revenue"]\n', ""), "supplier_metrics = None"),
        ("[other]\n", "no [supplier_capture] table"),
        ("supplier_group = [", "cannot read the metrics configuration"),
    ]:
        path.write_text(text, encoding="utf-8")
        with pytest.raises(config.ConfigError, match=re.escape(f"{path}: ")) as error:
            config_rows(path)
        assert message in str(error.value), text
    with pytest.raises(config.ConfigError, match="cannot read"):
        config_rows(tmp_path / "absent.toml")


def _data_test(name: str, given: dict[str, list[dict]]) -> list[tuple]:
    """The rows the contract data test ``name`` flags on the given tables."""
    con = duckdb.connect()
    for macros in sorted((SQL_DIR / "macros").glob("*.sql")):
        con.execute(macros.read_text(encoding="utf-8"))
    for table, rows in given.items():
        columns = column_types(table)
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {table.split('.')[0]}")
        con.execute(f"CREATE TABLE {table} ({', '.join(f'{c} {t}' for c, t in columns)})")
        for row in rows:
            con.execute(
                f"INSERT INTO {table} VALUES ({', '.join('?' for _ in columns)})",
                [row.get(c) for c, _ in columns],
            )
    [test] = [t for c in contracts().values() for t in c.tests if t.name == name]
    return con.execute(test.sql).fetchall()


def test_supplier_capture_uses_the_configured_groups(snapshot) -> None:
    # the snapshot defines AI_SEMI and MAMG only: the AI_CHIP_SUPPLIERS candidate and the
    # AI_CAPEX_SPENDERS spender group of config.toml are skipped
    assert snapshot(
        "SELECT DISTINCT supplier_group, spender_group FROM metrics.supplier_capture"
    ) == [("AI_SEMI", "MAMG")]


def test_no_group_or_ticker_literal_in_metrics_code() -> None:
    files = [
        *(settings.REPO_ROOT / "pipelines" / "metrics").glob("*.py"),
        *(SQL_DIR / "metrics").glob("*.sql"),
    ]
    assert len(files) >= 6
    code = "\n".join(p.read_text(encoding="utf-8") for p in files)
    for name in ("MAMG", "AI_SEMI", "AVGO", "MRVL", "MSFT", "GOOGL", "AMZN", "META"):
        assert name not in code, name
