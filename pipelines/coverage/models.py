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
