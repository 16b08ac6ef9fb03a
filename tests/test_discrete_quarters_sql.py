"""The discrete-quarter derivation in SQL (sql/staging/reported_periods.sql +
sql/staging/discrete_quarters.sql) on a few fixture rows: values and method texts. Fast: an
in-memory DuckDB, no Dagster."""

from __future__ import annotations

import duckdb
import polars as pl
import pytest

from pipelines.calendar.quarters import fiscal_quarter_rows
from pipelines.settings import SQL_DIR

AS_OF = "9999-12-31"
NET = "capex_purchases_pp_e_net_of_proceeds"


def _sql(relative: str) -> str:
    return (SQL_DIR / relative).read_text(encoding="utf-8")


def _figure(ticker, metric, fy, basis, q, value, precision=None):
    return {
        "as_of": AS_OF,
        "ticker": ticker,
        "metric": metric,
        "basis": basis,
        "fiscal_year": fy,
        "fiscal_quarter": q,
        "value": float(value),
        "stated_precision": precision,
        "source_kind": "curated",
        "source_ref": f"https://example.org/{ticker}/{metric}/{fy}/{basis}/{q}",
    }


FIGURES = [
    # FY2024: Q1 + H1, 9M, FY -> Q2, Q3, Q4 by differences (9M not whole)
    _figure("AAA", "revenue", 2024, "discrete", 1, 100),
    _figure("AAA", "revenue", 2024, "ytd", 2, 250),
    _figure("AAA", "revenue", 2024, "ytd", 3, 400.5),
    _figure("AAA", "revenue", 2024, "fy", None, 600),
    # FY2025: three quarters and the year -> Q4 = FY - (Q1 + Q2 + Q3)
    _figure("AAA", "revenue", 2025, "discrete", 1, 100),
    _figure("AAA", "revenue", 2025, "discrete", 2, 150),
    _figure("AAA", "revenue", 2025, "discrete", 3, 160),
    _figure("AAA", "revenue", 2025, "fy", None, 600),
    # FY2023: Q2 and H1 -> Q1 = H1 - Q2; Q4 and FY, but FY printed in bn to 1 decimal
    _figure("AAA", "revenue", 2023, "discrete", 2, 150),
    _figure("AAA", "revenue", 2023, "ytd", 2, 250),
    _figure("AAA", "revenue", 2023, "discrete", 4, 170),
    _figure("AAA", "revenue", 2023, "fy", None, 600, precision=100.0),
    # FY2022: Q2..Q4 and the year -> Q1 = FY - Q4 - Q3 - Q2
    _figure("AAA", "revenue", 2022, "discrete", 2, 150),
    _figure("AAA", "revenue", 2022, "discrete", 3, 160),
    _figure("AAA", "revenue", 2022, "discrete", 4, 170),
    _figure("AAA", "revenue", 2022, "fy", None, 600),
    # purchases less proceeds: the full year of proceeds comes from the printed net figure
    _figure("BBB", "capex_purchases_pp_e", 2025, "fy", None, 1000),
    _figure("BBB", NET, 2025, "fy", None, 900),
    _figure("BBB", "proceeds_pp_e_sales_incentives", 2025, "discrete", 1, 20),
    _figure("BBB", "proceeds_pp_e_sales_incentives", 2025, "discrete", 2, 30),
    _figure("BBB", "proceeds_pp_e_sales_incentives", 2025, "discrete", 3, 10),
    # Meta's 2025 cash purchases of property and equipment as in raw/financials.csv: Q3 exact
    # (18,829, the dashboard file raw/ cites) -> Q4 derived; "OLDMETA": the same year with the
    # Q3 of before, 18,830 from a summary's "$18.83 billion" (precision 10) -> no Q4
    *[
        _figure(t, "capex_purchases_pp_e", 2025, b, q, v, p)
        for t, q3, p3 in (("META", 18829, None), ("OLDMETA", 18830, 10.0))
        for b, q, v, p in (
            ("discrete", 1, 12941, None),
            ("discrete", 2, 16538, None),
            ("ytd", 2, 29479, None),
            ("discrete", 3, q3, p3),
            ("fy", None, 69691, None),
        )
    ],
]


@pytest.fixture(scope="module")
def con():
    con = duckdb.connect()
    for macros in sorted((SQL_DIR / "macros").glob("*.sql")):
        con.execute(macros.read_text(encoding="utf-8"))
    for schema in ("raw", "staging", "as_of"):
        con.execute(f"CREATE SCHEMA {schema}")
    companies = pl.DataFrame(
        {
            "ticker": ["AAA", "BBB", "META", "OLDMETA"],
            "fiscal_calendar": ["month_end:dec"] * 4,
            "capex_metric": [None, "capex_purchases_pp_e", None, None],
            "capex_less_metric": [None, "proceeds_pp_e_sales_incentives", None, None],
        }
    )
    quarters = pl.DataFrame(
        fiscal_quarter_rows("AAA", "month_end:dec", 2020, 2026)
        + fiscal_quarter_rows("BBB", "month_end:dec", 2020, 2026)
        + fiscal_quarter_rows("META", "month_end:dec", 2025, 2025)
        + fiscal_quarter_rows("OLDMETA", "month_end:dec", 2025, 2025)
    )
    figures = pl.DataFrame(FIGURES).with_columns(
        pl.col("as_of").str.to_date(), pl.col("stated_precision").cast(pl.Float64)
    )
    for table, frame in (
        ("raw.companies", companies),
        ("staging.fiscal_quarters", quarters),
        ("as_of.actual_figures", figures),
    ):
        con.register("frame", frame)
        con.execute(f"CREATE TABLE {table} AS SELECT * FROM frame")
        con.unregister("frame")
    con.execute("CREATE TABLE as_of.reported_periods AS " + _sql("staging/reported_periods.sql"))
    con.execute("CREATE TABLE derived AS " + _sql("staging/discrete_quarters.sql"))
    return con


def _derived(con, ticker, metric, fy):
    rows = con.execute(
        "SELECT fiscal_quarter, value, method FROM derived "
        "WHERE ticker = ? AND metric = ? AND fiscal_year = ? ORDER BY fiscal_quarter",
        [ticker, metric, fy],
    ).fetchall()
    return {q: (v, m) for q, v, m in rows}


def test_differences_of_cumulative_figures(con):
    assert _derived(con, "AAA", "revenue", 2024) == {
        1: (100.0, None),
        2: (150.0, "Q2 = H1 - Q1 = 250 - 100"),
        3: (150.5, "Q3 = 9M - H1 = 400.5 - 250"),
        4: (199.5, "Q4 = FY - 9M = 600 - 400.5"),
    }


def test_meta_2025q4_needs_the_exact_q3(con):
    assert _derived(con, "META", "capex_purchases_pp_e", 2025)[4] == (
        21383.0,
        "Q4 = FY - (H1 + Q3) = 69691 - (29479 + 18829)",
    )
    # the rounded Q3 is shown but derives nothing: no Q4
    assert _derived(con, "OLDMETA", "capex_purchases_pp_e", 2025) == {
        1: (12941.0, None),
        2: (16538.0, None),
        3: (18830.0, None),
    }


def test_full_year_less_three_quarters(con):
    assert _derived(con, "AAA", "revenue", 2025)[4] == (
        190.0,
        "Q4 = FY - (Q1 + Q2 + Q3) = 600 - (100 + 150 + 160)",
    )


def test_backwards_and_rounded_figures_not_used(con):
    # Q3 would be FY - Q4 - H1 if the full year were exact; printed in bn it is not used
    assert _derived(con, "AAA", "revenue", 2023) == {
        1: (100.0, "Q1 = H1 - Q2 = 250 - 150"),
        2: (150.0, None),
        4: (170.0, None),
    }
    assert _derived(con, "AAA", "revenue", 2022)[1] == (
        120.0,
        "Q1 = FY - Q4 - Q3 - Q2 = 600 - 170 - 160 - 150",
    )


def test_full_year_of_proceeds_from_the_net_figure(con):
    assert _derived(con, "BBB", "proceeds_pp_e_sales_incentives", 2025)[4] == (
        40.0,
        "Q4 = FY - (Q1 + Q2 + Q3) = 100 - (20 + 30 + 10) (FY proceeds = FY purchases - "
        "FY purchases net of proceeds (as printed) = 1000 - 900)",
    )
    inventory = con.execute(
        "SELECT DISTINCT year_periods FROM as_of.reported_periods "
        "WHERE ticker = 'BBB' AND metric = 'proceeds_pp_e_sales_incentives'"
    ).fetchall()
    assert inventory == [("Q1, Q2, Q3, FY derived from the printed net figure",)]
    # the net figure itself is no quarter of its own
    assert _derived(con, "BBB", NET, 2025) == {}


def test_inventory_lists_quarters_then_cumulative_figures(con):
    inventory = con.execute(
        "SELECT DISTINCT year_periods FROM as_of.reported_periods "
        "WHERE ticker = 'AAA' AND fiscal_year = 2024"
    ).fetchall()
    assert inventory == [("Q1, H1, 9M, FY",)]


def test_each_quarter_names_its_sources(con):
    rows = con.execute(
        "SELECT fiscal_quarter, source_kind, source_ref FROM derived "
        "WHERE ticker = 'AAA' AND metric = 'revenue' AND fiscal_year = 2024 ORDER BY 1"
    ).fetchall()
    base = "https://example.org/AAA/revenue/2024"
    assert rows[0] == (1, "curated", f"{base}/discrete/1")  # reported: its own source
    # derived: the figures its method names ('Q4 = FY - 9M = ...'), each by its period
    assert rows[3][1] == "curated"
    assert rows[3][2] == f"9M: {base}/ytd/3 ; FY: {base}/fy/None"
    assert rows[1][2] == f"Q1: {base}/discrete/1 ; H1: {base}/ytd/2"  # Q2 = H1 - Q1
