"""Pandera models of ``meta.data_as_of`` and ``meta.coverage`` (one per table)."""

from __future__ import annotations

import datetime as dt

import pandera.polars as pa

CALENDAR_QUARTER = r"^\d{4}Q[1-4]$"


class DataAsOfModel(pa.DataFrameModel):
    """The data's as-of date: the publication date of the newest dated figure."""

    as_of: dt.date = pa.Field(
        nullable=True,
        description="Publication date of the newest dated figure in raw.financials (computed, "
        "never typed)",
    )
    ticker: str = pa.Field(nullable=True, description="Company of that figure")
    metric: str = pa.Field(nullable=True, description="Its metric")
    value_kind: str = pa.Field(nullable=True, description="actual, consensus, guidance_*, ...")
    fiscal_period: str = pa.Field(nullable=True, description="Its fiscal period, e.g. FY2027Q2")
    source_title: str = pa.Field(nullable=True, description="Its source document")
    source_url: str = pa.Field(nullable=True, description="Its source address")
    financials_rows: int = pa.Field(ge=0, description="Rows of raw.financials")
    undated_rows: int = pa.Field(
        ge=0, description="Rows of raw.financials with no publication date"
    )

    class Config:
        strict = True
        description = (
            "The data's as-of date, stated once: the publication date of the newest dated "
            "figure in raw.financials, with that figure and its source."
        )


class CoverageModel(pa.DataFrameModel):
    """Per company, metric and calendar quarter: present, derived or missing, and why."""

    ticker: str = pa.Field(description="Company ticker")
    metric: str = pa.Field(description="Metric of marts.company_quarterly (capex, revenue, ...)")
    calendar_quarter: str = pa.Field(str_matches=CALENDAR_QUARTER, description="Calendar quarter")
    status: str = pa.Field(
        isin=["present", "derived", "missing"],
        description="present (reported as a discrete quarter), derived (from year-to-date or "
        "full-year figures), missing",
    )
    value_usd_m: float = pa.Field(nullable=True, description="The figure, USD m, when not missing")
    explained: bool = pa.Field(
        description="False for a missing quarter no raw/coverage_notes.csv entry explains"
    )
    reason: str = pa.Field(
        nullable=True,
        description="Why it is missing: the note (where we looked) and what the company "
        "reported that year",
    )

    class Config:
        strict = True
        unique = ["ticker", "metric", "calendar_quarter"]
        description = (
            "Coverage of every company and metric it reports, every calendar quarter from the "
            "configured start (pipelines/coverage/coverage.toml) to the company's latest "
            "quarter: present, derived or missing, and why missing."
        )


class CuratedVsSecModel(pa.DataFrameModel):
    """Curated quarters against the real SEC companyfacts reference files."""

    ticker: str = pa.Field(description="Company ticker")
    metric: str = pa.Field(isin=["capex", "revenue"], description="capex (gross) or revenue")
    calendar_quarter: str = pa.Field(str_matches=CALENDAR_QUARTER, description="Calendar quarter")
    period_end: dt.date = pa.Field(description="Curated fiscal quarter's last day")
    curated_usd_m: float = pa.Field(
        description="Curated figure, USD m (capex: gross purchases where capex is net of proceeds)"
    )
    curated_is_derived: bool = pa.Field(
        nullable=True, description="True when the curated quarter was derived from YTD / FY"
    )
    sec_usd_m: float = pa.Field(description="SEC-derived figure, USD m (latest consistent vintage)")
    sec_period_end: dt.date = pa.Field(description="SEC fact's period end (within 7 days)")
    sec_concept: str = pa.Field(description="XBRL concept of the SEC figure")
    sec_method: str = pa.Field(description="How the SEC quarter was derived")
    sec_accn: str = pa.Field(nullable=True, description="Accession number of the SEC filing")
    relative_difference_pct: float = pa.Field(description="(curated - SEC) / SEC, %")
    within_tolerance: bool = pa.Field(description="True when within 0.5 %")

    class Config:
        strict = True
        unique = ["ticker", "metric", "calendar_quarter"]
        description = (
            "Every curated capex and revenue quarter that the real SEC companyfacts reference "
            "files (SEC_REAL_DIR, default shared/sec-real) also cover, with the SEC figure and "
            "the difference; empty when the folder is absent."
        )
