"""staging.fiscal_quarters (pipelines/calendar/quarters.py): concrete rows, and the table maps
both ways exactly as the pure functions do. Fast: an in-memory DuckDB, no Dagster."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from pipelines.calendar.fiscal import calendar_quarter_of_fiscal, fiscal_quarter_of_calendar
from pipelines.calendar.quarters import MARGIN_YEARS, build

D = dt.date
RULES = {
    "WK53": "nearest:sun:oct-31:q1",  # 52/53-week year, 14th week in Q1
    "JUNE": "month_end:jun",
    "JANW": "last:sun:jan:q4",
    "NOFIG": "month_end:dec",  # no figures: gets the range of all companies
}


@pytest.fixture(scope="module")
def table():
    con = duckdb.connect()
    con.execute("CREATE SCHEMA raw")
    con.execute("CREATE TABLE raw.companies (ticker VARCHAR, fiscal_calendar VARCHAR)")
    con.executemany("INSERT INTO raw.companies VALUES (?, ?)", list(RULES.items()))
    con.execute("CREATE TABLE raw.financials (ticker VARCHAR, fiscal_year BIGINT)")
    con.executemany(
        "INSERT INTO raw.financials VALUES (?, ?)",
        [("WK53", 2024), ("JUNE", 2025), ("JUNE", 2023), ("JANW", 2025)],
    )
    con.execute("CREATE TABLE raw.capex_guidance (ticker VARCHAR, guided_period VARCHAR)")
    con.execute("INSERT INTO raw.capex_guidance VALUES ('JUNE', 'FY2026'), ('JANW', 'FY2026Q1')")
    # filed quarters widen a company's range too: JANW's FY2019 from a filing
    con.execute("CREATE SCHEMA sec")
    con.execute("CREATE TABLE sec.quarterly (ticker VARCHAR, fiscal_year BIGINT)")
    con.execute("INSERT INTO sec.quarterly VALUES ('JANW', 2019)")
    return build(con)


def _row(table, ticker, fy, q):
    rows = table.filter(
        (table["ticker"] == ticker) & (table["fiscal_year"] == fy) & (table["fiscal_quarter"] == q)
    ).to_dicts()
    assert len(rows) == 1
    return rows[0]


def test_53_week_year_puts_the_14th_week_in_q1(table):
    row = _row(table, "WK53", 2024, 1)
    assert (row["period_start"], row["period_end"]) == (D(2023, 10, 30), D(2024, 2, 4))
    assert row["calendar_quarter"] == "2023Q4"
    assert (row["fiscal_year_start"], row["fiscal_year_end"]) == (D(2023, 10, 30), D(2024, 11, 3))
    q2 = _row(table, "WK53", 2024, 2)
    assert (q2["period_start"], q2["period_end"], q2["calendar_quarter"]) == (
        D(2024, 2, 5),
        D(2024, 5, 5),
        "2024Q1",
    )


def test_june_year(table):
    row = _row(table, "JUNE", 2025, 1)
    assert (row["period_start"], row["period_end"]) == (D(2024, 7, 1), D(2024, 9, 30))
    assert row["calendar_quarter"] == "2024Q3"
    assert (row["fiscal_year_start"], row["fiscal_year_end"]) == (D(2024, 7, 1), D(2025, 6, 30))
    assert _row(table, "JUNE", 2025, 4)["calendar_quarter"] == "2025Q2"


def test_last_sunday_of_january_year(table):
    row = _row(table, "JANW", 2025, 1)
    assert (row["period_start"], row["period_end"]) == (D(2024, 1, 29), D(2024, 4, 28))
    assert row["calendar_quarter"] == "2024Q1"


def test_years_are_data_driven_with_a_margin(table):
    years = {
        t: (int(g["fiscal_year"].min()), int(g["fiscal_year"].max()))
        for (t,), g in table.group_by("ticker")
    }
    assert years["WK53"] == (2024 - MARGIN_YEARS, 2024 + MARGIN_YEARS)
    assert years["JUNE"] == (2023 - MARGIN_YEARS, 2026 + MARGIN_YEARS)  # guidance counts
    assert years["JANW"] == (2019 - MARGIN_YEARS, 2026 + MARGIN_YEARS)  # a filed quarter counts
    assert years["NOFIG"] == (2019 - MARGIN_YEARS, 2026 + MARGIN_YEARS)  # all companies' range


def test_both_directions_match_the_pure_functions(table):
    for r in table.to_dicts():
        rule = RULES[r["ticker"]]
        fy, q = r["fiscal_year"], r["fiscal_quarter"]
        assert r["calendar_quarter"] == calendar_quarter_of_fiscal(rule, fy, q)
        # the reverse lookup finds this very row (one fiscal quarter per calendar quarter)
        assert fiscal_quarter_of_calendar(rule, r["calendar_quarter"]) == (fy, q)
