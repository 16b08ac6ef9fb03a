"""Discrete fiscal quarters from companyfacts, and the coverage of every fiscal year.

The rules are in SQL, run by DuckDB in the warehouse or in memory (docs/sec.md explains them):

1. ``sql/sec/fiscal_years.sql``: each company's fiscal years, from its annual facts.
2. ``sql/sec/series.sql``, ``sql/sec/vintages.sql``: every value of the configured concepts (a
   metric that is a sum of concepts: their sum per filing and period) placed in its fiscal span
   (fiscal year, first and last quarter covered) and grouped into vintages (restatements).
3. ``sql/sec/quarterly.sql``: one row per company, metric and fiscal quarter, in two series:
   latest (legs on one accounting basis, paired by filing) and as first reported.
4. ``sql/sec/coverage.sql``: per company, metric and fiscal year, which quarters exist, whether
   they sum to the full year within the printed precision, and why not.

Calendar quarters come from :func:`pipelines.calendar.fiscal.calendar_quarter_of_period`,
applied once per distinct (start, end) pair and joined back.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

import duckdb
import polars as pl
import pyarrow as pa

from pipelines import settings
from pipelines.calendar.fiscal import calendar_quarter_of_period
from pipelines.sec.parse import facts_arrow

FACTS_VIEW = "__sec_facts"
CONCEPTS_VIEW = "__sec_concepts"
COMPONENTS_VIEW = "__sec_components"
FISCAL_YEARS_TABLE = "__sec_fiscal_years"
VINTAGES_TABLE = "__sec_vintages"
QUARTERLY_VIEW = "__sec_quarterly"

QUARTERLY_COLUMNS = [
    "ticker",
    "cik",
    "metric",
    "taxonomy",
    "concept",
    "unit",
    "fiscal_year",
    "fiscal_quarter",
    "period_start",
    "period_end",
    "calendar_quarter",
    "value",
    "value_usd_m",
    "decimals",
    "method",
    "vintage",
    "vintage_note",
    "accn",
    "form",
    "filed",
    "subtracted_accn",
    "subtracted_form",
    "subtracted_filed",
    "known_since",
    "last_filed",
]
SORT_KEY = ["ticker", "metric", "fiscal_year", "fiscal_quarter"]
COVERAGE_SORT_KEY = ["ticker", "metric", "fiscal_year"]


class Derived(NamedTuple):
    """What the derivation returns: both quarterly series and the fiscal-year coverage."""

    latest: pl.DataFrame
    first: pl.DataFrame
    coverage: pl.DataFrame


def add_calendar_quarter(frame: pl.DataFrame) -> pl.DataFrame:
    """Add ``calendar_quarter`` with the fiscal-calendar module, once per distinct period."""
    pairs = frame.select("period_start", "period_end").unique()
    labels = pairs.with_columns(
        pl.Series(
            "calendar_quarter",
            [calendar_quarter_of_period(start, end) for start, end in pairs.iter_rows()],
            dtype=pl.Utf8,
        )
    )
    return frame.join(labels, on=["period_start", "period_end"], how="left")


def _frame(table: pa.Table) -> pl.DataFrame:
    frame = pl.from_arrow(table)
    assert isinstance(frame, pl.DataFrame)
    return frame


def derive(con: duckdb.DuckDBPyConnection, concepts: pl.DataFrame) -> Derived:
    """Both quarterly series and the coverage from the facts in view ``__sec_facts`` of
    ``con``, for the concepts of ``concepts`` (see ``config.concept_map``). Leaves the temp
    tables ``__sec_fiscal_years`` and ``__sec_vintages`` in ``con`` (replaced on each call)."""
    con.register(COMPONENTS_VIEW, concepts.to_arrow())
    try:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {CONCEPTS_VIEW} AS "
            + settings.read_sql("sec/series.sql")
        )
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {FISCAL_YEARS_TABLE} AS "
            + settings.read_sql("sec/fiscal_years.sql")
        )
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {VINTAGES_TABLE} AS "
            + settings.read_sql("sec/vintages.sql")
        )
        result = _frame(con.execute(settings.read_sql("sec/quarterly.sql")).to_arrow_table())
        result = add_calendar_quarter(result)
        latest = result.filter(pl.col("vintage_series") == "latest").select(QUARTERLY_COLUMNS)
        first = result.filter(pl.col("vintage_series") == "first").select(QUARTERLY_COLUMNS)
        con.register(QUARTERLY_VIEW, latest.to_arrow())
        try:
            coverage = _frame(con.execute(settings.read_sql("sec/coverage.sql")).to_arrow_table())
        finally:
            con.unregister(QUARTERLY_VIEW)
    finally:
        con.unregister(COMPONENTS_VIEW)
    return Derived(latest.sort(SORT_KEY), first.sort(SORT_KEY), coverage.sort(COVERAGE_SORT_KEY))


def derive_frame(facts: pl.DataFrame | pa.Table, concepts: pl.DataFrame) -> Derived:
    """:func:`derive` on an in-memory facts frame (tests, small inputs)."""
    with duckdb.connect() as con:
        con.register(FACTS_VIEW, facts.to_arrow() if isinstance(facts, pl.DataFrame) else facts)
        return derive(con, concepts)


def parse_and_derive_all(
    files: Sequence[Path | str],
    companies: Mapping[int, str],
    concepts: pl.DataFrame,
    chunk_files: int = 250,
    timings: dict[str, float] | None = None,
) -> tuple[pa.Table, Derived]:
    """Parse companyfacts ``files`` into the facts table and derive their quarters and
    coverage, a chunk of files at a time: a company's quarters depend only on its own facts,
    so the derivation's working memory stays that of ``chunk_files`` companies however many
    there are. Returns (facts, derived); adds parse_s / derive_s to ``timings``."""
    tables: list[pa.Table] = []
    parts: list[Derived] = []
    parse_s = derive_s = 0.0
    with duckdb.connect() as con:
        for start in range(0, len(files), chunk_files):
            t0 = time.perf_counter()
            facts = facts_arrow(files[start : start + chunk_files], companies)
            t1 = time.perf_counter()
            con.register(FACTS_VIEW, facts)
            parts.append(derive(con, concepts))
            con.unregister(FACTS_VIEW)
            derive_s += time.perf_counter() - t1
            parse_s += t1 - t0
            tables.append(facts)
    if timings is not None:
        timings["parse_s"] = parse_s
        timings["derive_s"] = derive_s
    facts = pa.concat_tables(tables) if tables else pa.table({})
    derived = Derived(
        pl.concat([p.latest for p in parts]).sort(SORT_KEY),
        pl.concat([p.first for p in parts]).sort(SORT_KEY),
        pl.concat([p.coverage for p in parts]).sort(COVERAGE_SORT_KEY),
    )
    return facts, derived
