"""Model of the capex guidance file: guidance statements as given, with their dates."""

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
    CAPEX_DEFINITIONS,
    DOCUMENT_DATE_RULE,
    QUALIFIERS,
    SOURCE_URL_PATTERN,
    document_dates,
    row_rule,
    source_type_field,
)
from pipelines.raw.reference import company_rules


def _guided_period_dates(ticker: str, guided_period: str | None) -> tuple[dt.date, dt.date] | None:
    """First and last day of a guided period (``FY2025``, ``FY2026Q1``) on the company's fiscal
    calendar; None when the company or the period is unknown (reported by other rules). The only
    place guidance rules call the calendar module."""
    rule = company_rules().get(ticker)
    if rule is None or not guided_period or not guided_period.startswith("FY"):
        return None
    try:
        year = int(guided_period[2:6])
        if len(guided_period) == 6:
            return fiscal_year_start(rule, year), fiscal_year_end(rule, year)
        quarter = int(guided_period[7:])
        return fiscal_quarter_start(rule, year, quarter), fiscal_quarter_end(rule, year, quarter)
    except ValueError:
        return None


class CapexGuidanceModel(pa.DataFrameModel):
    """Capex guidance statements as given, one row per statement, so revisions stay visible."""

    ticker: str = pa.Field(description="Company ticker (must exist in raw.companies)")
    guided_period: str = pa.Field(
        str_matches=r"^FY\d{4}(Q[1-4])?$",
        description="Guided fiscal period, e.g. FY2025 or FY2026Q1",
    )
    period_start: dt.date = pa.Field(nullable=True, description="First day of the guided period")
    period_end: dt.date = pa.Field(nullable=True, description="Last day of the guided period")
    basis: str = pa.Field(
        isin=["fy", "discrete"], description="fy (full year) or discrete (quarter)"
    )
    capex_definition: str = pa.Field(
        isin=CAPEX_DEFINITIONS,
        description="cash_pp_e (cash purchases of property and equipment), "
        "incl_finance_leases, unspecified",
    )
    low_usd_m: float = pa.Field(
        nullable=True,
        in_range={"min_value": 0, "max_value": 10_000_000},
        description="Low end, USD millions (0 to 10,000,000)",
    )
    mid_usd_m: float = pa.Field(
        nullable=True,
        in_range={"min_value": 0, "max_value": 10_000_000},
        description="Point estimate or midpoint, USD millions (0 to 10,000,000)",
    )
    high_usd_m: float = pa.Field(
        nullable=True,
        in_range={"min_value": 0, "max_value": 10_000_000},
        description="High end, USD millions (0 to 10,000,000)",
    )
    qualifier: str = pa.Field(nullable=True, isin=QUALIFIERS, description="e.g. more_than, about")
    given_on: dt.date = pa.Field(
        nullable=True, description="Date the guidance was given, when known"
    )
    given_before: dt.date = pa.Field(
        nullable=True,
        description="When given_on is unknown: a date the guidance is known to predate "
        "(e.g. the date a later statement replaced it)",
    )
    reported_on: dt.date = pa.Field(
        nullable=True,
        description="Date of the source document that reports it; empty when the document is "
        "undated (a statement with no date at all is stored, flagged undated, and never taken "
        "as known on a past date)",
    )
    source_title: str = pa.Field(str_length={"min_value": 3}, description="Source document title")
    source_url: str = pa.Field(
        nullable=True,
        str_matches=SOURCE_URL_PATTERN,
        description="Source address; empty only when source_title itself carries the citation",
    )
    source_type: str = source_type_field()
    source_quote: str = pa.Field(nullable=True, description="Verbatim quote")
    source_note: str = pa.Field(nullable=True, description="Remarks")

    class Config:
        strict = True
        unique = ["ticker", "guided_period", "capex_definition", "reported_on", "source_title"]
        description = (
            "Capex guidance as stated by the companies (or reported by brokers), "
            "with the date given."
        )

    @pa.dataframe_check(name="ticker must exist in raw.companies [ticker]")
    def known_ticker(cls, data: pa.PolarsData) -> pl.LazyFrame:
        known = set(company_rules())
        return row_rule(data, lambda r: r["ticker"] in known)

    @pa.dataframe_check(name="guidance low <= mid <= high [low_usd_m]")
    def ordered(cls, data: pa.PolarsData) -> pl.LazyFrame:
        low, mid, high = pl.col("low_usd_m"), pl.col("mid_usd_m"), pl.col("high_usd_m")
        return data.lazyframe.select(
            (low.is_null() | mid.is_null() | (low <= mid))
            & (mid.is_null() | high.is_null() | (mid <= high))
            & (low.is_null() | high.is_null() | (low <= high))
        )

    @pa.dataframe_check(name="given_before must not be after reported_on [given_before]")
    def bound_before_reported(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(
            pl.col("given_before").is_null() | (pl.col("given_before") <= pl.col("reported_on"))
        )

    @pa.dataframe_check(name="given_on must not be after reported_on [given_on]")
    def given_before_reported(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(
            pl.col("given_on").is_null() | (pl.col("given_on") <= pl.col("reported_on"))
        )

    @pa.dataframe_check(
        name="basis must be fy for a full-year guided_period (FY2025) and discrete for a "
        "quarter (FY2025Q1) [basis]"
    )
    def basis_matches_period(cls, data: pa.PolarsData) -> pl.LazyFrame:
        quarter = pl.col("guided_period").str.contains("Q")
        return data.lazyframe.select(
            pl.col("guided_period").is_null()
            | pl.when(quarter)
            .then(pl.col("basis") == "discrete")
            .otherwise(pl.col("basis") == "fy")
        )

    @classmethod
    def explain_problem(cls, rule: str, row: dict[str, Any]) -> str | None:
        """A period date off the company's fiscal calendar: the date the calendar gives."""
        which = {"period_start must be the first day": 0, "period_end must be the last day": 1}
        for prefix, index in which.items():
            if rule.startswith(prefix):
                dates = _guided_period_dates(row["ticker"], row["guided_period"])
                if dates is None:
                    return None
                return (
                    f"{rule}: expected {dates[index].isoformat()} for {row['ticker']} "
                    f"{row['guided_period']} on {company_rules()[row['ticker']]}"
                )
        return None

    @pa.dataframe_check(
        name="period_start must be the first day of guided_period on the company's fiscal "
        "calendar [period_start]"
    )
    def period_start_on_calendar(cls, data: pa.PolarsData) -> pl.LazyFrame:
        def ok(row: dict[str, Any]) -> bool:
            dates = _guided_period_dates(row["ticker"], row["guided_period"])
            return row["period_start"] is None or dates is None or row["period_start"] == dates[0]

        return row_rule(data, ok)

    @pa.dataframe_check(
        name="period_end must be the last day of guided_period on the company's fiscal "
        "calendar [period_end]"
    )
    def period_end_on_calendar(cls, data: pa.PolarsData) -> pl.LazyFrame:
        def ok(row: dict[str, Any]) -> bool:
            dates = _guided_period_dates(row["ticker"], row["guided_period"])
            return row["period_end"] is None or dates is None or row["period_end"] == dates[1]

        return row_rule(data, ok)

    @pa.dataframe_check(name="period_start must not be after period_end [period_start]")
    def start_before_end(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(
            pl.col("period_start").is_null()
            | pl.col("period_end").is_null()
            | (pl.col("period_start") <= pl.col("period_end"))
        )

    @pa.dataframe_check(name="at least one of low, mid, high is given [mid_usd_m]")
    def has_value(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(
            pl.any_horizontal(pl.col("low_usd_m", "mid_usd_m", "high_usd_m").is_not_null())
        )

    @pa.check("given_on", "given_before", "reported_on", name=DOCUMENT_DATE_RULE)
    def dates_plausible(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return document_dates(data)
