"""Curated quarters against the real SEC companyfacts files (``meta.curated_vs_sec``).

Where the reference folder of real companyfacts files is present (``SEC_REAL_DIR``, default
``shared/sec-real`` beside the repository; see ``pipelines.sec.config.real_files_dir``), its
files are parsed and their discrete quarters derived with the SEC connector's own rules and
concepts (``raw/filing_concepts.csv``), and every quarter that a curated figure and a
SEC figure both cover is compared: capex (gross purchases for a company whose capex is net of
proceeds, since that is what the SEC concept holds) and revenue. Quarters are matched on
company, metric and period end (within a week: 52/53-week and month-end tags differ by days).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

from pipelines.raw.models.rules import CAPEX_METRICS
from pipelines.sec.config import concept_map, files_identity, load_companies
from pipelines.sec.derive import derive_frame
from pipelines.sec.parse import parse_files
from pipelines.sqlmodels.build import empty_frame
from pipelines.sqlmodels.contract import table_contract

TOLERANCE = 0.005
MATCH_DAYS = 7


def reference_files(folder: Path) -> list[Path]:
    """The companyfacts JSON files of the reference folder (and its excerpts/ folder)."""
    if not folder.is_dir():
        return []
    return sorted(folder.glob("CIK*.json")) + sorted((folder / "excerpts").glob("CIK*.json"))


#: the last result of :func:`sec_quarters`, by the companies and the files' identity (a
#: process that refreshes more than once, e.g. the test suite, parses the 12 MB once)
_QUARTERS: dict[tuple, pl.DataFrame] = {}


def sec_quarters(files: list[Path]) -> pl.DataFrame:
    """Discrete quarters (latest consistent vintage) of the files, capex and revenue."""
    companies = load_companies()
    identity = files_identity(files)
    key = (companies, identity)
    if identity is not None and key in _QUARTERS:
        return _QUARTERS[key]
    facts = parse_files(files, {c.cik: c.ticker for c in companies})
    capex = pl.when(pl.col("metric").is_in(CAPEX_METRICS)).then(pl.lit("capex"))
    quarters = derive_frame(facts, concept_map(companies)).latest.with_columns(
        metric=capex.otherwise("metric")
    )
    if identity is not None:
        _QUARTERS.clear()
        _QUARTERS[key] = quarters
    return quarters


def curated_quarters(
    capex_quarterly: pl.DataFrame, company_quarterly: pl.DataFrame
) -> pl.DataFrame:
    """Curated capex (gross where net of proceeds) and revenue per company and quarter."""
    capex = capex_quarterly.select(
        "ticker",
        pl.lit("capex").alias("metric"),
        "calendar_quarter",
        "period_end",
        pl.coalesce("capex_purchases_gross_usd_m", "capex_usd_m").alias("curated_usd_m"),
        pl.col("capex_is_derived").alias("curated_is_derived"),
    )
    revenue = company_quarterly.filter(pl.col("metric") == "revenue").select(
        "ticker",
        "metric",
        "calendar_quarter",
        "period_end",
        pl.col("value_usd_m").alias("curated_usd_m"),
        pl.col("is_derived").alias("curated_is_derived"),
    )
    return pl.concat([capex, revenue]).filter(pl.col("curated_usd_m").is_not_null())


def compare(curated: pl.DataFrame, sec: pl.DataFrame) -> pl.DataFrame:
    """Every curated quarter with a SEC quarter of the same company and metric ending within
    a week of it, with the relative difference and whether it is within 0.5 %."""
    contract = table_contract("meta.curated_vs_sec")
    if curated.is_empty() or sec.is_empty():
        with duckdb.connect() as con:
            return empty_frame(con, contract)
    joined = curated.join(
        sec.select(
            "ticker",
            "metric",
            pl.col("period_end").alias("sec_period_end"),
            pl.col("value_usd_m").alias("sec_usd_m"),
            pl.col("concept").alias("sec_concept"),
            pl.col("method").alias("sec_method"),
            pl.col("accn").alias("sec_accn"),
        ),
        on=["ticker", "metric"],
        how="inner",
    ).filter((pl.col("sec_period_end") - pl.col("period_end")).dt.total_days().abs() <= MATCH_DAYS)
    joined = joined.with_columns(
        ((pl.col("curated_usd_m") - pl.col("sec_usd_m")) / pl.col("sec_usd_m") * 100).alias(
            "relative_difference_pct"
        )
    ).with_columns(
        (pl.col("relative_difference_pct").abs() <= TOLERANCE * 100).alias("within_tolerance")
    )
    return joined.select(c.name for c in contract.columns).sort(
        "ticker", "metric", "calendar_quarter"
    )
