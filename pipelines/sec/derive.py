"""Discrete quarters from companyfacts: three-month facts, else year-to-date differences.

The rules are in ``sql/sec/quarterly.sql`` (run by DuckDB, in the warehouse or in memory).
Calendar quarters come from :func:`pipelines.calendar.fiscal.calendar_quarter_of_period`,
applied once per distinct (start, end) pair and joined back.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import duckdb
import polars as pl
import pyarrow as pa

from pipelines import settings
from pipelines.calendar.fiscal import calendar_quarter_of_period
from pipelines.sec.parse import facts_arrow

FACTS_VIEW = "__sec_facts"
CONCEPTS_VIEW = "__sec_concepts"

QUARTERLY_COLUMNS = [
    "ticker",
    "cik",
    "metric",
    "taxonomy",
    "concept",
    "unit",
    "period_start",
    "period_end",
    "fiscal_year",
    "fiscal_quarter",
    "calendar_quarter",
    "value",
    "value_usd_m",
    "method",
    "accn",
    "subtracted_accn",
    "form",
    "filed",
]
SORT_KEY = ["ticker", "metric", "period_end"]


def quarterly_sql() -> str:
    return settings.read_sql("sec/quarterly.sql")


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


def derive_quarterly(
    con: duckdb.DuckDBPyConnection, concepts: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(latest filed, as first reported) quarterly frames from the facts in view
    ``__sec_facts`` of ``con``, for the concepts of ``concepts`` (see ``config.concept_map``)."""
    con.register(CONCEPTS_VIEW, concepts.to_arrow())
    try:
        table = con.execute(quarterly_sql()).to_arrow_table()
    finally:
        con.unregister(CONCEPTS_VIEW)
    result = pl.from_arrow(table)
    assert isinstance(result, pl.DataFrame)
    result = add_calendar_quarter(result)
    latest = result.filter(pl.col("vintage") == "latest").select(QUARTERLY_COLUMNS).sort(SORT_KEY)
    first = result.filter(pl.col("vintage") == "first").select(QUARTERLY_COLUMNS).sort(SORT_KEY)
    return latest, first


def derive_from_frame(
    facts: pl.DataFrame, concepts: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """:func:`derive_quarterly` on an in-memory facts frame (tests, small inputs)."""
    with duckdb.connect() as con:
        con.register(FACTS_VIEW, facts.to_arrow())
        return derive_quarterly(con, concepts)


def parse_and_derive(
    files: Sequence[Path | str],
    companies: Mapping[int, str],
    concepts: pl.DataFrame,
    chunk_files: int = 250,
    timings: dict[str, float] | None = None,
) -> tuple[pa.Table, pl.DataFrame, pl.DataFrame]:
    """Parse companyfacts ``files`` into the facts table and derive their quarters, a chunk of
    files at a time: a company's quarters depend only on its own facts, so the derivation's
    working memory stays that of ``chunk_files`` companies however many there are.
    Returns (facts, latest filed, as first reported); adds parse_s / derive_s to ``timings``."""
    tables, latest_parts, first_parts = [], [], []
    parse_s = derive_s = 0.0
    with duckdb.connect() as con:
        for start in range(0, len(files), chunk_files):
            t0 = time.perf_counter()
            facts = facts_arrow(files[start : start + chunk_files], companies)
            t1 = time.perf_counter()
            con.register(FACTS_VIEW, facts)
            latest, first = derive_quarterly(con, concepts)
            con.unregister(FACTS_VIEW)
            derive_s += time.perf_counter() - t1
            parse_s += t1 - t0
            tables.append(facts)
            latest_parts.append(latest)
            first_parts.append(first)
    if timings is not None:
        timings["parse_s"] = parse_s
        timings["derive_s"] = derive_s
    facts = pa.concat_tables(tables) if tables else pa.table({})
    return facts, pl.concat(latest_parts).sort(SORT_KEY), pl.concat(first_parts).sort(SORT_KEY)
