"""Pandera models of the long company and group tables (one model per table)."""

from __future__ import annotations

import datetime as dt

import pandera.polars as pa

from pipelines.marts.models import CALENDAR_QUARTER


class CompanyQuarterlyModel(pa.DataFrameModel):
    """Every company's quarterly figures, long: one row per company, metric and quarter."""

    ticker: str = pa.Field(description="Company ticker (raw.companies)")
    metric: str = pa.Field(
        description="capex (the company's cash capex, definition in `definition`) or a flow "
        "metric of raw.financials: revenue, ai_revenue, data_center_revenue, "
        "operating_cash_flow, depreciation_amortization"
    )
    calendar_quarter: str = pa.Field(
        str_matches=CALENDAR_QUARTER,
        description="Calendar quarter holding the fiscal quarter's midpoint, e.g. 2025Q2",
    )
    fiscal_year: int = pa.Field(description="Company fiscal year")
    fiscal_quarter: int = pa.Field(isin=[1, 2, 3, 4], description="Company fiscal quarter")
    period_start: dt.date = pa.Field(description="First day of the fiscal quarter")
    period_end: dt.date = pa.Field(description="Last day of the fiscal quarter")
    value_usd_m: float = pa.Field(
        nullable=True, description="The quarter's figure, USD m; NULL with missing_reason"
    )
    definition: str = pa.Field(
        nullable=True, description="capex: the company's capex definition; else the metric"
    )
    is_derived: bool = pa.Field(
        nullable=True, description="True when derived from year-to-date / full-year figures"
    )
    derivation: str = pa.Field(nullable=True, description="How a derived value was computed")
    missing_reason: str = pa.Field(nullable=True, description="Why value_usd_m is NULL")

    class Config:
        strict = True
        unique = ["ticker", "metric", "calendar_quarter"]
        description = (
            "Every company's quarterly figures in one long table, USD m: capex in the company's "
            "own definition and the flow metrics of raw.financials, from each company's first "
            "to its last quarter with the metric; derived quarters marked, gaps with the reason."
        )


class GroupQuarterlyModel(pa.DataFrameModel):
    """Group totals per metric and calendar quarter: a total only when every member has it."""

    group_name: str = pa.Field(description="Group of raw.groups")
    metric: str = pa.Field(
        description="capex, revenue, operating_cash_flow or depreciation_amortization"
    )
    calendar_quarter: str = pa.Field(
        str_matches=CALENDAR_QUARTER, description="Calendar quarter, e.g. 2025Q2"
    )
    members_expected: int = pa.Field(ge=1, description="Members of the group (raw.group_members)")
    members_reported: int = pa.Field(ge=0, description="Members with a figure for the quarter")
    is_complete: bool = pa.Field(description="True when every member has a figure")
    missing_members: str = pa.Field(
        nullable=True, description="Tickers without a figure, comma-separated"
    )
    incomplete_reason: str = pa.Field(
        nullable=True, description="Why each missing member has no figure"
    )
    total_usd_m: float = pa.Field(
        nullable=True,
        description="Sum of the members' figures, USD m; NULL when a member is missing (never "
        "a partial sum)",
    )
    qoq_pct: float = pa.Field(
        nullable=True, description="Growth vs the previous quarter, % (NULL if either is NULL)"
    )
    yoy_pct: float = pa.Field(
        nullable=True, description="Growth vs the same quarter a year earlier, %"
    )
    ttm_usd_m: float = pa.Field(
        nullable=True, description="Sum of the last four quarterly totals, USD m"
    )
    ttm_yoy_pct: float = pa.Field(
        nullable=True, description="Growth of ttm_usd_m vs four quarters earlier, %"
    )

    class Config:
        strict = True
        unique = ["group_name", "metric", "calendar_quarter"]
        description = (
            "Every group of raw.groups, per metric and calendar quarter, USD m: the sum of the "
            "members' figures (marts.company_quarterly) when all are known, NULL otherwise with "
            "the members missing and why; QoQ / YoY / TTM growth."
        )


class GroupMemberQuarterlyModel(pa.DataFrameModel):
    """Each member's figure and share of its group's total, per metric and quarter."""

    group_name: str = pa.Field(description="Group of raw.groups")
    metric: str = pa.Field(description="As in marts.group_quarterly")
    calendar_quarter: str = pa.Field(str_matches=CALENDAR_QUARTER, description="Calendar quarter")
    ticker: str = pa.Field(description="Member company")
    value_usd_m: float = pa.Field(nullable=True, description="The member's figure, USD m")
    definition: str = pa.Field(nullable=True, description="The member's definition of the metric")
    is_derived: bool = pa.Field(nullable=True, description="True when the figure was derived")
    share_pct: float = pa.Field(
        nullable=True, description="Share of the group total, % (NULL when the total is NULL)"
    )
    missing_reason: str = pa.Field(nullable=True, description="Why value_usd_m is NULL")

    class Config:
        strict = True
        unique = ["group_name", "metric", "calendar_quarter", "ticker"]
        description = (
            "Members of every group per metric and calendar quarter: the member's figure and its "
            "share of the group total (marts.group_quarterly), or why it is missing."
        )
