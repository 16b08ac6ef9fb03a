"""Pandera models of the SEC tables: the single source of their schema and column docs."""

from __future__ import annotations

import datetime as dt

import pandera.polars as pa
import polars as pl

ACCN_PATTERN = r"^\d{10}-\d{2}-\d{6}$"
FRAME_PATTERN = r"^CY\d{4}(Q[1-4])?I?$"
METHODS = ["discrete", "ytd_difference", "fy_minus_9m"]
CALENDAR_QUARTER_PATTERN = r"^\d{4}Q[1-4]$"


class FactsModel(pa.DataFrameModel):
    """One row per XBRL fact of an SEC companyfacts file (every taxonomy, concept and unit)."""

    ticker: str = pa.Field(
        description="Ticker of the company (from the connector's companies file)"
    )
    cik: int = pa.Field(gt=0, lt=10_000_000_000, description="SEC Central Index Key of the filer")
    taxonomy: str = pa.Field(
        str_length={"min_value": 1}, description="XBRL taxonomy: us-gaap, dei, ifrs-full, srt..."
    )
    concept: str = pa.Field(
        str_length={"min_value": 1},
        description="XBRL concept (element) name, e.g. PaymentsToAcquirePropertyPlantAndEquipment",
    )
    unit: str = pa.Field(
        str_length={"min_value": 1}, description="Unit of val: USD, shares, USD/shares, pure..."
    )
    start: dt.date = pa.Field(
        nullable=True,
        description="First day of the period; empty for instant facts (balance-sheet dates)",
    )
    end: dt.date = pa.Field(description="Last day of the period, or the instant")
    val: float = pa.Field(
        description="Value as filed, in unit (USD amounts in dollars, not millions)"
    )
    accn: str = pa.Field(
        str_matches=ACCN_PATTERN,
        description="Accession number of the filing that reported the fact",
    )
    fy: int = pa.Field(
        nullable=True, description="Fiscal year of the FILING (not of the fact's period)"
    )
    fp: str = pa.Field(
        nullable=True,
        description="Fiscal period of the FILING: FY, Q1, Q2, Q3 (not of the fact's period)",
    )
    form: str = pa.Field(
        str_length={"min_value": 1},
        description="Form type of the filing: 10-Q, 10-K, 10-K/A, 8-K...",
    )
    filed: dt.date = pa.Field(description="Date the filing was accepted by the SEC")
    frame: str = pa.Field(
        nullable=True,
        str_matches=FRAME_PATTERN,
        description="SEC calendar frame the fact was chosen for (CY2024Q3, CY2024, CY2024Q4I)",
    )

    class Config:
        strict = True
        description = (
            "SEC EDGAR companyfacts, long format: every fact of the landed "
            "raw/sec/CIK##########.json files. A fact appears once per filing that reported it, "
            "so restated periods have several rows; fy/fp describe the filing, start/end the "
            "fact's period."
        )

    @pa.dataframe_check(name="start must not be after end [start]")
    def start_not_after_end(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col("start").is_null() | (pl.col("start") <= pl.col("end")))

    @pa.dataframe_check(name="val must be a finite number [val]")
    def val_finite(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col("val").is_finite())


class QuarterlyModel(pa.DataFrameModel):
    """Discrete quarterly capex and revenue per company, latest filed value."""

    ticker: str = pa.Field(description="Company ticker")
    cik: int = pa.Field(gt=0, description="SEC Central Index Key")
    metric: str = pa.Field(
        isin=["capex", "revenue"],
        description="capex or revenue (concepts per company in pipelines/sec/companies.toml)",
    )
    taxonomy: str = pa.Field(description="XBRL taxonomy of the concept used")
    concept: str = pa.Field(description="XBRL concept the value comes from")
    unit: str = pa.Field(description="Unit of value (USD)")
    period_start: dt.date = pa.Field(description="First day of the fiscal quarter")
    period_end: dt.date = pa.Field(description="Last day of the fiscal quarter")
    fiscal_year: int = pa.Field(
        nullable=True,
        description="Fiscal year, named by the calendar year it ends in (Microsoft FY2025 ends "
        "2025-06-30); empty if no 10-K shows where the year starts",
    )
    fiscal_quarter: int = pa.Field(
        nullable=True,
        isin=[1, 2, 3, 4],
        description="Fiscal quarter 1-4, counted from the fiscal-year start found in 10-K "
        "annual facts",
    )
    calendar_quarter: str = pa.Field(
        str_matches=CALENDAR_QUARTER_PATTERN,
        description="Calendar quarter holding the period's midpoint "
        "(pipelines.calendar.fiscal.calendar_quarter_of_period)",
    )
    value: float = pa.Field(description="Three-month value in unit (dollars)")
    value_usd_m: float = pa.Field(
        nullable=True, description="value / 1e6 when unit is USD (millions, as in raw.financials)"
    )
    method: str = pa.Field(
        isin=METHODS,
        description="discrete = a three-month fact as filed; ytd_difference = year-to-date "
        "minus the previous year-to-date (same fiscal-year start); fy_minus_9m = full year minus "
        "nine months (fiscal Q4)",
    )
    accn: str = pa.Field(
        str_matches=ACCN_PATTERN,
        description="Filing of the fact (for a difference: of the later, longer period)",
    )
    subtracted_accn: str = pa.Field(
        nullable=True,
        description="For a difference: filing of the shorter period that was subtracted",
    )
    form: str = pa.Field(description="Form of the filing in accn")
    filed: dt.date = pa.Field(
        description="When the value was known: filing date of accn, or of the later of the two "
        "facts of a difference"
    )

    class Config:
        strict = True
        unique = ["ticker", "metric", "period_end"]
        description = (
            "Discrete quarterly capex and revenue from SEC companyfacts, latest filed value: a "
            "three-month fact where one exists, else the difference of consecutive year-to-date "
            "facts with the same fiscal-year start (fiscal Q4 = full year minus nine months)."
        )

    @pa.dataframe_check(name="a quarter lasts 84 to 98 days [period_end]")
    def quarter_length(cls, data: pa.PolarsData) -> pl.LazyFrame:
        days = (pl.col("period_end") - pl.col("period_start")).dt.total_days()
        return data.lazyframe.select(days.is_between(84, 98))

    @pa.dataframe_check(name="a difference names the subtracted filing [subtracted_accn]")
    def difference_has_two_filings(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(
            (pl.col("method") == "discrete") == pl.col("subtracted_accn").is_null()
        )


class QuarterlyFirstReportedModel(QuarterlyModel):
    """Discrete quarterly capex and revenue per company, value as first reported."""

    class Config:
        strict = True
        unique = ["ticker", "metric", "period_end"]
        description = (
            "Discrete quarterly capex and revenue from SEC companyfacts AS FIRST REPORTED (point "
            "in time): the value from the earliest filing that gave the quarter, whether as a "
            "three-month fact or as a year-to-date difference (the earlier period taken as it "
            "stood on that filing date). Later restatements do not change it."
        )
