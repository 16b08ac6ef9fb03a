"""Model of the financials file: company figures as reported, with their sources."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandera.polars as pa
import polars as pl

from pipelines.calendar.fiscal import (
    fiscal_quarter_end,
    fiscal_quarter_start,
    fiscal_year_end,
    fiscal_year_start,
)
from pipelines.raw.models.rules import (
    BASES,
    DOCUMENT_DATE_RULE,
    FINANCIAL_METRICS,
    METRIC_UNITS,
    SIGNED_METRICS,
    SOURCE_URL_PATTERN,
    UNITS,
    VALUE_KINDS,
    document_dates,
    row_rule,
    source_type_field,
    title_date_without_date,
)
from pipelines.raw.reference import company_rules


def _expected_dates(row: dict[str, Any]) -> tuple[dt.date, dt.date] | None:
    rule = company_rules().get(row["ticker"])
    fy, q, basis = row["fiscal_year"], row["fiscal_quarter"], row["basis"]
    if rule is None or fy is None or basis not in BASES:
        return None
    if basis == "fy":
        return fiscal_year_start(rule, fy), fiscal_year_end(rule, fy)
    if q not in (1, 2, 3, 4):
        return None
    if basis == "ytd":
        return fiscal_year_start(rule, fy), fiscal_quarter_end(rule, fy, q)
    return fiscal_quarter_start(rule, fy, q), fiscal_quarter_end(rule, fy, q)


class FinancialsModel(pa.DataFrameModel):
    """Company financials, long: one row per company × period × metric × kind × publication."""

    ticker: str = pa.Field(description="Company ticker (must exist in raw.companies)")
    metric: str = pa.Field(
        isin=FINANCIAL_METRICS, description="What is measured (see raw/README.md)"
    )
    value_kind: str = pa.Field(
        isin=VALUE_KINDS,
        description="actual, consensus (sell-side), estimate (one analyst), guidance_low/mid/high",
    )
    fiscal_year: int = pa.Field(ge=2015, le=2035, description="Company fiscal year")
    fiscal_quarter: int = pa.Field(
        nullable=True, isin=[1, 2, 3, 4], description="Fiscal quarter (empty for full year)"
    )
    basis: str = pa.Field(
        isin=BASES, description="discrete (three months), ytd (fiscal year to date), fy (full year)"
    )
    period_start: dt.date = pa.Field(nullable=True, description="First day of the period")
    period_end: dt.date = pa.Field(nullable=True, description="Last day of the period")
    value: float = pa.Field(
        in_range={"min_value": -10_000_000, "max_value": 10_000_000},
        description="The figure, in unit; plausible range ±10,000,000 (USD 10 trillion)",
    )
    unit: str = pa.Field(isin=UNITS, description="USD_m (millions of US dollars) or USD_per_share")
    stated_precision: float = pa.Field(
        nullable=True,
        gt=0,
        description="Place value of the last printed digit, in unit (USD_m: 10 for "
        "'$18.83 billion', 100 for '$18.8 billion', 1 for '18,829 million'); empty = exact to "
        "the unit. A figure above 1 is not used to derive another quarter",
    )
    published: dt.date = pa.Field(nullable=True, description="Date the figure became public")
    published_before: dt.date = pa.Field(
        nullable=True,
        description="Undated figure: a date it is known to have been public by (the source "
        "document's date), else empty. A figure with neither date is undated",
    )
    compiled_by: str = pa.Field(
        nullable=True,
        description="Consensus only: who compiled it (LSEG, FactSet, ..., or unnamed)",
    )
    source_title: str = pa.Field(str_length={"min_value": 3}, description="Source document title")
    source_url: str = pa.Field(
        nullable=True,
        str_matches=SOURCE_URL_PATTERN,
        description="Source address; empty only when source_title itself carries the citation",
    )
    source_type: str = source_type_field()
    source_quote: str = pa.Field(nullable=True, description="Verbatim quote holding the figure")
    source_note: str = pa.Field(nullable=True, description="Remarks on the source or the figure")

    class Config:
        strict = True
        unique = [
            "ticker",
            "metric",
            "value_kind",
            "basis",
            "fiscal_year",
            "fiscal_quarter",
            "published",
            "published_before",
        ]
        description = (
            "Quarterly and annual company financials (capex, revenue, AI revenue, EPS) as "
            "reported, with consensus, estimates and guidance, each with its source."
        )

    @pa.dataframe_check(name="ticker must exist in raw.companies [ticker]")
    def known_ticker(cls, data: pa.PolarsData) -> pl.LazyFrame:
        known = set(company_rules())
        return row_rule(data, lambda r: r["ticker"] in known)

    @pa.dataframe_check(
        name="fiscal_quarter required for discrete/ytd and empty for fy [fiscal_quarter]"
    )
    def quarter_matches_basis(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(
            pl.when(pl.col("basis") == "fy")
            .then(pl.col("fiscal_quarter").is_null())
            .otherwise(pl.col("fiscal_quarter").is_not_null())
        )

    @classmethod
    def explain_problem(cls, rule: str, row: dict[str, Any]) -> str | None:
        """A period date off the company's fiscal calendar: the date the calendar gives."""
        which = {"period_start must match": 0, "period_end must match": 1}
        for prefix, index in which.items():
            if rule.startswith(prefix):
                expected = _expected_dates(row)
                if expected is None:
                    return None
                quarter = f" Q{row['fiscal_quarter']}" if row["basis"] != "fy" else ""
                return (
                    f"{rule}: expected {expected[index].isoformat()} for {row['ticker']} "
                    f"FY{row['fiscal_year']}{quarter} ({row['basis']}) on "
                    f"{company_rules()[row['ticker']]}"
                )
        return None

    @pa.dataframe_check(name="period_end must match the company's fiscal calendar [period_end]")
    def period_end_on_calendar(cls, data: pa.PolarsData) -> pl.LazyFrame:
        def ok(row: dict[str, Any]) -> bool:
            expected = _expected_dates(row)
            return row["period_end"] is None or expected is None or row["period_end"] == expected[1]

        return row_rule(data, ok)

    @pa.dataframe_check(name="period_start must match the company's fiscal calendar [period_start]")
    def period_start_on_calendar(cls, data: pa.PolarsData) -> pl.LazyFrame:
        def ok(row: dict[str, Any]) -> bool:
            expected = _expected_dates(row)
            return (
                row["period_start"] is None
                or expected is None
                or row["period_start"] == expected[0]
            )

        return row_rule(data, ok)

    @pa.dataframe_check(name="amounts in USD_m must not be negative [value]")
    def amounts_not_negative(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(
            (pl.col("unit") != "USD_m")
            | pl.col("metric").is_in(SIGNED_METRICS)
            | (pl.col("value") >= 0)
        )

    @pa.dataframe_check(
        name="unit must be USD_per_share for EPS, percent for margins and USD_m otherwise [unit]"
    )
    def unit_matches_metric(cls, data: pa.PolarsData) -> pl.LazyFrame:
        expected = pl.col("metric").replace_strict(METRIC_UNITS, default="USD_m")
        return data.lazyframe.select(pl.col("unit") == expected)

    @pa.dataframe_check(
        name="published_before is only for undated figures (published empty) [published_before]"
    )
    def one_date(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(
            pl.col("published").is_null() | pl.col("published_before").is_null()
        )

    @pa.dataframe_check(name="compiled_by is only for consensus rows [compiled_by]")
    def compiled_by_consensus(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(
            pl.col("compiled_by").is_null() | (pl.col("value_kind") == "consensus")
        )

    @pa.dataframe_check(
        name="year-to-date value must not be smaller than the year-to-date value "
        "one quarter earlier [value]"
    )
    def ytd_not_decreasing(cls, data: pa.PolarsData) -> pl.LazyFrame:
        rows = data.lazyframe.collect().to_dicts()
        cumulative: dict[tuple[Any, ...], float] = {}
        for r in rows:
            if (
                r["value_kind"] != "actual"
                or r["unit"] != "USD_m"
                or r["fiscal_quarter"] is None
                or r["value"] is None  # a blank or non-number: reported by its own rule
            ):
                continue
            if r["basis"] == "ytd" or (r["basis"] == "discrete" and r["fiscal_quarter"] == 1):
                cumulative[(r["ticker"], r["metric"], r["fiscal_year"], r["fiscal_quarter"])] = r[
                    "value"
                ]

        def ok(r: dict[str, Any]) -> bool:
            if (
                r["basis"] != "ytd"
                or r["value_kind"] != "actual"
                or r["fiscal_quarter"] is None
                or r["value"] is None
            ):
                return True
            before = cumulative.get(
                (r["ticker"], r["metric"], r["fiscal_year"], r["fiscal_quarter"] - 1)
            )
            return before is None or r["value"] >= before

        return pl.LazyFrame({"ok": [ok(r) for r in rows]}, schema={"ok": pl.Boolean})

    @pa.dataframe_check(name="period_start must not be after period_end [period_start]")
    def start_before_end(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(
            pl.col("period_start").is_null()
            | pl.col("period_end").is_null()
            | (pl.col("period_start") <= pl.col("period_end"))
        )

    @pa.dataframe_check(
        name="source_title states a date, so published (the day the figure became public) or "
        "published_before (the document's date, for a figure public earlier) must be set "
        "[source_title]"
    )
    def dated_title_has_a_date(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return title_date_without_date(data)

    @pa.check("published", "published_before", name=DOCUMENT_DATE_RULE)
    def published_plausible(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return document_dates(data)
