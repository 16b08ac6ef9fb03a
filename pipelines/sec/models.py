"""Pandera models of the SEC tables: the single source of their schema and column docs."""

from __future__ import annotations

import datetime as dt

import pandera.polars as pa
import polars as pl

from pipelines.raw.models.rules import FINANCIAL_METRICS

ACCN_PATTERN = r"^\d{10}-\d{2}-\d{6}$"
FRAME_PATTERN = r"^CY\d{4}(Q[1-4])?I?$"
METHODS = ["discrete", "ytd_difference", "fy_minus_9m"]
VINTAGES = ["latest", "earlier_consistent", "mixed_basis", "first_reported"]
COVERAGE_STATUSES = [
    "complete",
    "mismatch",
    "no_full_year",
    "incomplete",
    "open",
    "annual_only",
    "no_data",
]
#: Coverage statuses that the sec_fiscal_years_complete check warns about.
COVERAGE_WARN_STATUSES = ["mismatch", "no_full_year", "incomplete", "annual_only", "no_data"]
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


#: Plausibility bounds of a derived quarter (capex is also compared with the curated figures,
#: ``sec_capex_matches_curated``): at most USD 10 trillion either way, as raw.financials, and
#: these metrics never negative.
MAX_QUARTER_USD_M = 10_000_000
NON_NEGATIVE_METRICS = ["revenue"]


class QuarterlyModel(pa.DataFrameModel):
    """Discrete quarters of each company's ledger metrics per fiscal quarter, latest vintage."""

    ticker: str = pa.Field(description="Company ticker")
    cik: int = pa.Field(gt=0, description="SEC Central Index Key")
    metric: str = pa.Field(
        isin=FINANCIAL_METRICS, description="Ledger metric (concepts: raw/filing_concepts.csv)"
    )
    taxonomy: str = pa.Field(description="XBRL taxonomy of the concept used")
    concept: str = pa.Field(
        description="XBRL concept(s) of the value (a difference: both legs; a sum: A + B)"
    )
    unit: str = pa.Field(description="Unit of value (USD, or an IFRS filer's currency)")
    fiscal_year: int = pa.Field(
        description="Fiscal year, named by the calendar year it ends in (Microsoft FY2025 ends "
        "2025-06-30), from the company's own annual facts (sql/sec/fiscal_years.sql)"
    )
    fiscal_quarter: int = pa.Field(
        isin=[1, 2, 3, 4],
        description="Fiscal quarter 1-4 of the period within its fiscal year: periods a few "
        "days apart (end dates 2010-07-31 and 2010-08-01) are the same quarter",
    )
    period_start: dt.date = pa.Field(
        description="First day of the quarter: of the three-month fact, or the day after the "
        "subtracted period ends"
    )
    period_end: dt.date = pa.Field(description="Last day of the quarter")
    calendar_quarter: str = pa.Field(
        str_matches=CALENDAR_QUARTER_PATTERN,
        description="Calendar quarter holding the period's midpoint "
        "(pipelines.calendar.fiscal.calendar_quarter_of_period)",
    )
    value: float = pa.Field(description="Three-month value in unit")
    value_usd_m: float = pa.Field(
        nullable=True, description="value / 1e6 when unit is USD (millions, as in raw.financials)"
    )
    decimals: int = pa.Field(
        ge=-6,
        le=0,
        description="Printed precision, XBRL style (-6 = millions, -5 = tenths of a million, "
        "-3 = thousands): the coarsest of the legs, read from their trailing zeros",
    )
    method: str = pa.Field(
        isin=METHODS,
        description="discrete = a three-month fact as filed; ytd_difference = year-to-date "
        "minus the year-to-date one quarter shorter (same concept, same fiscal year); "
        "fy_minus_9m = full year minus nine months (fiscal Q4)",
    )
    vintage: str = pa.Field(
        isin=VINTAGES,
        description="latest = every leg at its latest value; earlier_consistent = one leg was "
        "restated onto a basis its counterpart was never reported on, so both legs are taken "
        "on the latest basis they share; mixed_basis = no filing reports both legs on one "
        "basis, the latest legs are used (see vintage_note); first_reported = as first reported",
    )
    vintage_note: str = pa.Field(
        nullable=True,
        description="Why the legs are not both the latest, or not on one basis: which leg was "
        "restated (by which filing), the basis change, the legs used and the value the latest "
        "legs would have given",
    )
    accn: str = pa.Field(
        str_matches=ACCN_PATTERN,
        description="Filing that first published the value (for a difference: the longer leg)",
    )
    form: str = pa.Field(description="Form of the filing in accn")
    filed: dt.date = pa.Field(description="Filing date of accn")
    subtracted_accn: str = pa.Field(
        nullable=True,
        str_matches=ACCN_PATTERN,
        description="For a difference: filing that first published the shorter (subtracted) leg",
    )
    subtracted_form: str = pa.Field(nullable=True, description="Form of subtracted_accn")
    subtracted_filed: dt.date = pa.Field(
        nullable=True, description="Filing date of subtracted_accn"
    )
    known_since: dt.date = pa.Field(
        description="First date on which the value could be computed: filed, or the later of "
        "filed and subtracted_filed"
    )
    last_filed: dt.date = pa.Field(
        description="Latest filing that repeated the value (or both legs) unchanged"
    )

    class Config:
        strict = True
        unique = ["ticker", "metric", "fiscal_year", "fiscal_quarter"]
        description = (
            "Discrete quarters of ledger metrics from SEC companyfacts, one row per company, "
            "metric and fiscal quarter, latest vintage: a three-month fact where one exists, "
            "else the difference of two year-to-date facts of one concept one quarter apart "
            "(fiscal Q4 = full year minus nine months), both legs on one accounting basis by "
            "the filings that reported them, each named by the filing that first published it."
        )

    @pa.dataframe_check(name="a quarter lasts 84 to 98 days [period_end]")
    def quarter_length(cls, data: pa.PolarsData) -> pl.LazyFrame:
        days = (pl.col("period_end") - pl.col("period_start")).dt.total_days()
        return data.lazyframe.select(days.is_between(84, 98))

    @pa.dataframe_check(name="a difference names both legs [subtracted_accn]")
    def difference_has_two_filings(cls, data: pa.PolarsData) -> pl.LazyFrame:
        accn, form, filed = (
            pl.col(c).is_null() for c in ("subtracted_accn", "subtracted_form", "subtracted_filed")
        )
        discrete = pl.col("method") == "discrete"
        return data.lazyframe.select((discrete == accn) & (accn == form) & (form == filed))

    @pa.dataframe_check(name="known_since is the later leg's filing date [known_since]")
    def known_since_is_later_leg(cls, data: pa.PolarsData) -> pl.LazyFrame:
        later = pl.max_horizontal("filed", "subtracted_filed")
        return data.lazyframe.select(pl.col("known_since") == later)

    @pa.dataframe_check(name="value must be a finite number [value]")
    def value_finite(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col("value").is_finite())

    @pa.dataframe_check(
        name=f"value_usd_m must be within ±{MAX_QUARTER_USD_M:,} (USD 10 trillion in a quarter) "
        "[value_usd_m]"
    )
    def value_in_range(cls, data: pa.PolarsData) -> pl.LazyFrame:
        usd = pl.col("value_usd_m")
        return data.lazyframe.select(
            usd.is_null() | (usd.is_finite() & (usd.abs() <= MAX_QUARTER_USD_M))
        )

    @pa.dataframe_check(
        name=f"{', '.join(NON_NEGATIVE_METRICS)} must not be negative in a quarter [value]"
    )
    def not_negative(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(
            ~pl.col("metric").is_in(NON_NEGATIVE_METRICS) | (pl.col("value") >= 0)
        )


class QuarterlyFirstReportedModel(QuarterlyModel):
    """Discrete quarters of the ledger metrics per company and fiscal quarter, as first reported."""

    class Config:
        strict = True
        unique = ["ticker", "metric", "fiscal_year", "fiscal_quarter"]
        description = (
            "Discrete quarters of ledger metrics from SEC companyfacts AS FIRST REPORTED (point "
            "in time), one row per company, metric and fiscal quarter: a three-month fact at its "
            "first value, or the longer year-to-date leg as first filed minus the shorter one as "
            "it stood on that date. Later restatements do not change it."
        )


class FiscalYearCoverageModel(pa.DataFrameModel):
    """Per company, metric and fiscal year: the quarters present and whether they add up."""

    ticker: str = pa.Field(description="Company ticker")
    metric: str = pa.Field(isin=FINANCIAL_METRICS, description="Ledger metric")
    fiscal_year: int = pa.Field(
        nullable=True, description="Fiscal year (empty only for status no_data)"
    )
    fy_start: dt.date = pa.Field(nullable=True, description="First day of the fiscal year")
    fy_end: dt.date = pa.Field(nullable=True, description="Last day of the fiscal year")
    quarters: int = pa.Field(ge=0, le=4, description="Quarters present in sec.quarterly")
    quarters_present: str = pa.Field(nullable=True, description="Which, e.g. 1,2,3")
    quarters_missing: str = pa.Field(nullable=True, description="Which are missing, e.g. 4")
    quarters_sum_usd_m: float = pa.Field(
        nullable=True, description="Sum of the four quarters, USD m (USD only)"
    )
    full_year_usd_m: float = pa.Field(
        nullable=True, description="Full-year fact (latest vintage), USD m (USD only)"
    )
    quarters_sum: float = pa.Field(
        nullable=True, description="Sum of the quarters present, in unit"
    )
    full_year: float = pa.Field(nullable=True, description="Full-year fact, in unit")
    difference: float = pa.Field(
        nullable=True, description="quarters_sum - full_year when all four quarters exist"
    )
    tolerance: float = pa.Field(
        nullable=True,
        description="Largest difference still within the printed precision: 2.5 x the "
        "coarsest precision of the quarters and the full year (five rounded figures)",
    )
    sums_to_full_year: bool = pa.Field(
        nullable=True, description="|difference| <= tolerance; empty without four quarters"
    )
    full_year_concept: str = pa.Field(nullable=True, description="Concept of the full-year fact")
    concepts_used: str = pa.Field(
        nullable=True, description="Concepts of the quarters and the full year of this year"
    )
    status: str = pa.Field(
        isin=COVERAGE_STATUSES,
        description="complete, mismatch, no_full_year, incomplete, open (only quarters not "
        "filed yet missing), annual_only, no_data (see sql/sec/coverage.sql)",
    )
    reason: str = pa.Field(
        nullable=True,
        description="Why a year is not complete: per missing quarter the filing that lacks a "
        "standard concept (or that no filing is in the file), the mismatch and the restated "
        "legs, concept switches, annual-only filer",
    )

    class Config:
        strict = True
        unique = ["ticker", "metric", "fiscal_year"]
        description = (
            "Coverage of each fiscal year by sec.quarterly: the quarters present, whether they "
            "sum to the full-year fact within the printed precision, and the reason when not "
            "(no standard concept in that filing, annual-only filer, concept switch, "
            "restatement)."
        )
