"""``staging.fiscal_quarters``: every company's fiscal quarters as a table SQL can join.

One row per company of ``raw.companies`` and fiscal quarter, with the quarter's dates and the
calendar quarter holding its midpoint, computed once from the pure functions of
:mod:`pipelines.calendar.fiscal` (the company's ``fiscal_calendar`` rule). The years covered
are data-driven: from the earliest to the latest fiscal year a company has in
``raw.financials``, ``raw.capex_guidance`` (``guided_period`` ``FY2025...``) or the
filed quarters (``sec.quarterly``), with a margin
of :data:`MARGIN_YEARS` on each side (SQL looks up neighbouring quarters and a calendar
quarter can map into the next or previous fiscal year); a company with no figures gets the
range of all companies.

Both directions of the mapping are joins on this table: fiscal (year, quarter) to calendar
quarter (``calendar_quarter_of_fiscal``), and calendar quarter back to the fiscal quarter
(``fiscal_quarter_of_calendar``), because every calendar quarter in the range holds the
midpoint of exactly one fiscal quarter of a company (:func:`build` checks this).
"""

from __future__ import annotations

import duckdb
import polars as pl

from pipelines.calendar.fiscal import (
    calendar_quarter_of_period,
    fiscal_quarter_end,
    fiscal_quarter_start,
    fiscal_year_end,
    fiscal_year_start,
)
from pipelines.sqlmodels.build import empty_frame
from pipelines.sqlmodels.contract import table_contract

#: Fiscal years added before the first and after the last year with data.
MARGIN_YEARS = 2

_YEARS_SQL = """
WITH years AS (
    SELECT ticker, fiscal_year::BIGINT AS fiscal_year FROM raw.financials
    UNION ALL
    SELECT ticker, CAST(regexp_extract(guided_period, '^FY(\\d{4})', 1) AS BIGINT)
    FROM raw.capex_guidance
    UNION ALL
    -- filed quarters (empty while the connector is off)
    SELECT ticker, fiscal_year FROM sec.quarterly
)
SELECT c.ticker, c.fiscal_calendar, min(y.fiscal_year), max(y.fiscal_year)
FROM raw.companies AS c
LEFT JOIN years AS y ON y.ticker = c.ticker AND y.fiscal_year IS NOT NULL
GROUP BY ALL
ORDER BY c.ticker
"""


def fiscal_quarter_rows(ticker: str, rule: str, first_year: int, last_year: int) -> list[dict]:
    """The rows of ``ticker``'s fiscal quarters of ``first_year`` .. ``last_year``."""
    rows = []
    for fiscal_year in range(first_year, last_year + 1):
        year_start, year_end = (
            fiscal_year_start(rule, fiscal_year),
            fiscal_year_end(rule, fiscal_year),
        )
        for quarter in (1, 2, 3, 4):
            start = fiscal_quarter_start(rule, fiscal_year, quarter)
            end = fiscal_quarter_end(rule, fiscal_year, quarter)
            rows.append(
                {
                    "ticker": ticker,
                    "fiscal_year": fiscal_year,
                    "fiscal_quarter": quarter,
                    "period_start": start,
                    "period_end": end,
                    "calendar_quarter": calendar_quarter_of_period(start, end),
                    "fiscal_year_start": year_start,
                    "fiscal_year_end": year_end,
                }
            )
    return rows


def build(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """The table from ``raw.companies``, ``raw.financials`` and ``raw.capex_guidance``."""
    companies = con.execute(_YEARS_SQL).fetchall()
    known = [(lo, hi) for *_, lo, hi in companies if lo is not None]
    overall = (min(lo for lo, _ in known), max(hi for _, hi in known)) if known else None
    rows: list[dict] = []
    for ticker, rule, lo, hi in companies:
        if lo is None:
            if overall is None:
                continue
            lo, hi = overall
        rows += fiscal_quarter_rows(ticker, rule, lo - MARGIN_YEARS, hi + MARGIN_YEARS)
    schema = empty_frame(con, table_contract("staging.fiscal_quarters")).schema
    frame = pl.DataFrame(rows, schema=schema)
    # the reverse mapping (calendar quarter -> fiscal quarter) is a join only if each calendar
    # quarter holds one fiscal quarter's midpoint and none is skipped
    per_label = frame.group_by("ticker", "calendar_quarter").len().filter(pl.col("len") > 1)
    if not per_label.is_empty():
        raise ValueError(f"calendar quarters holding two fiscal quarters: {per_label.to_dicts()}")
    index = pl.col("calendar_quarter").str.slice(0, 4).cast(pl.Int64) * 4 + pl.col(
        "calendar_quarter"
    ).str.slice(5, 1).cast(pl.Int64)
    spans = frame.group_by("ticker").agg(span=index.max() - index.min() + 1, n=pl.len())
    gaps = spans.filter(pl.col("span") != pl.col("n"))
    if not gaps.is_empty():
        raise ValueError(f"calendar quarters holding no fiscal quarter: {gaps.to_dicts()}")
    return frame.sort("ticker", "fiscal_year", "fiscal_quarter")
