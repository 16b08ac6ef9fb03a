"""One pandera model per ``metrics`` table: its schema, column comments and Dagster column
metadata (``pipelines.metadata``)."""

from __future__ import annotations

import datetime as dt

import pandera.polars as pa

from pipelines.marts.models import CALENDAR_QUARTER

ENTITY_TYPES = ["company", "group"]
WINDOWS = ["quarter", "ttm"]


def _entity_type() -> str:
    return pa.Field(isin=ENTITY_TYPES, description="company (a ticker) or group (raw.groups)")


def _entity() -> str:
    return pa.Field(description="The ticker (entity_type company) or the group name (group)")


def _quarter() -> str:
    return pa.Field(
        str_matches=CALENDAR_QUARTER,
        description="Calendar quarter (the one holding the fiscal quarter's midpoint), e.g. "
        "2025Q2; for window ttm the last of the four quarters",
    )


def _period() -> str:
    return pa.Field(
        isin=WINDOWS,
        description="quarter: the calendar quarter alone; ttm: trailing twelve months, the "
        "quarter and the three before (every one of them needed)",
    )


def _expected() -> int:
    return pa.Field(ge=1, description="Companies counted: 1 for a company, the members of a group")


def _complete() -> int:
    return pa.Field(ge=0, description="Companies with both figures for every quarter of the window")


def _missing_members() -> str:
    return pa.Field(
        nullable=True, description="Companies lacking a figure for the window, comma-separated"
    )


def _definitions() -> str:
    return pa.Field(
        description="Each company's capex definition (raw.companies.capex_definition), e.g. "
        "'<ticker>: cash_purchases_pp_e_net_of_proceeds; <ticker>: cash_purchases_pp_e'"
    )


def _reason() -> str:
    return pa.Field(
        nullable=True,
        description="Why the ratio (or a figure) is NULL: each company and figure missing, a "
        "zero or negative denominator",
    )


def _money(text: str) -> float:
    return pa.Field(nullable=True, description=text)


class CapexIntensityModel(pa.DataFrameModel):
    """Capex / revenue per company and group, quarterly and trailing twelve months."""

    entity_type: str = _entity_type()
    entity: str = _entity()
    calendar_quarter: str = _quarter()
    period: str = _period()
    members_expected: int = _expected()
    members_complete: int = _complete()
    missing_members: str = _missing_members()
    capex_usd_m: float = _money(
        "Cash capex over the window, USD m (marts.company_quarterly metric capex, each "
        "company's own definition); a group's only when every member has it"
    )
    revenue_usd_m: float = _money(
        "Total revenue over the window, USD m; a group's only when every member has it"
    )
    capex_to_revenue_pct: float = _money(
        "capex_usd_m / revenue_usd_m x 100; a group's only when every member has both "
        "figures (never a partial ratio)"
    )
    capex_to_revenue_yoy_change_pp: float = _money(
        "Change of capex_to_revenue_pct vs the same window four quarters earlier, percentage points"
    )
    capex_definitions: str = _definitions()
    missing_reason: str = _reason()

    class Config:
        strict = True
        unique = ["entity_type", "entity", "calendar_quarter", "period"]
        description = (
            "Capex intensity: cash capex / total revenue, %, per company and per group of "
            "raw.groups, per calendar quarter and on trailing twelve months. A group's ratio "
            "is the sum of its members' capex over the sum of their revenue, only when every "
            "member has both for every quarter of the window; otherwise NULL with the reason "
            "(never a partial ratio). Each company's capex definition is named."
        )


class CashCoverageModel(pa.DataFrameModel):
    """Capex / operating cash flow and free cash flow after capex."""

    entity_type: str = _entity_type()
    entity: str = _entity()
    calendar_quarter: str = _quarter()
    period: str = _period()
    members_expected: int = _expected()
    members_complete: int = _complete()
    missing_members: str = _missing_members()
    capex_usd_m: float = _money("Cash capex over the window, USD m (each company's definition)")
    operating_cash_flow_usd_m: float = _money(
        "Net cash from operating activities over the window, USD m (may be negative)"
    )
    capex_to_ocf_pct: float = _money(
        "capex_usd_m / operating_cash_flow_usd_m x 100: over 100 means capex exceeds the cash "
        "operations generated; NULL when operating cash flow is zero or negative"
    )
    capex_to_ocf_yoy_change_pp: float = _money(
        "Change of capex_to_ocf_pct vs four quarters earlier, percentage points"
    )
    fcf_after_capex_usd_m: float = _money(
        "Free cash flow after capex = operating_cash_flow_usd_m - capex_usd_m, USD m; "
        "negative when capex exceeds operating cash flow. Computed, never a company's own "
        "printed free cash flow (that is a claim to check)"
    )
    capex_definitions: str = _definitions()
    missing_reason: str = _reason()

    class Config:
        strict = True
        unique = ["entity_type", "entity", "calendar_quarter", "period"]
        description = (
            "Cash coverage: capex / operating cash flow, % and free cash flow after capex "
            "(operating cash flow - capex), USD m, per company and group, per calendar quarter "
            "and on trailing twelve months; a group's only when every member has both "
            "figures. Free cash flow is computed from the sourced operating cash flow and "
            "capex; a free cash flow a company prints is not an input."
        )


class DepreciationVsCapexModel(pa.DataFrameModel):
    """Depreciation and amortization / capex and its trend."""

    entity_type: str = _entity_type()
    entity: str = _entity()
    calendar_quarter: str = _quarter()
    period: str = _period()
    members_expected: int = _expected()
    members_complete: int = _complete()
    missing_members: str = _missing_members()
    depreciation_amortization_usd_m: float = _money(
        "Depreciation and amortization over the window, USD m, as printed in the cash-flow "
        "statement"
    )
    capex_usd_m: float = _money("Cash capex over the window, USD m (each company's definition)")
    da_to_capex_pct: float = _money(
        "depreciation_amortization_usd_m / capex_usd_m x 100: below 100 means the asset base "
        "grows faster than it is written off; NULL when capex is zero or a figure is missing"
    )
    da_to_capex_yoy_change_pp: float = _money(
        "Trend: change of da_to_capex_pct vs the same window four quarters earlier, "
        "percentage points"
    )
    capex_definitions: str = _definitions()
    missing_reason: str = _reason()

    class Config:
        strict = True
        unique = ["entity_type", "entity", "calendar_quarter", "period"]
        description = (
            "Depreciation and amortization vs capex, %, per company and group, per calendar "
            "quarter and on trailing twelve months, with its change vs a year earlier in "
            "percentage points; NULL with the reason where a figure is missing."
        )


class GuidanceImpliedModel(pa.DataFrameModel):
    """One row per capex guidance statement: the spend it implies for the rest of its period."""

    ticker: str = pa.Field(description="Company ticker")
    guided_period: str = pa.Field(
        str_matches=r"^FY\d{4}(Q[1-4])?$",
        description="Fiscal period guided: FY2025 (full year) or FY2026Q1 (one quarter)",
    )
    statement_number: int = pa.Field(
        ge=1, description="1 = first statement for the period, in the order statements were made"
    )
    statements_for_period: int = pa.Field(ge=1, description="Statements for the period so far")
    is_latest: bool = pa.Field(description="True for the latest statement for the period")
    statement_date: dt.date = pa.Field(
        nullable=True,
        description="When the statement was made: given_on, else the day before given_before, "
        "else the date of the document reporting it; actuals are those published by this date",
    )
    date_basis: str = pa.Field(
        isin=["given_on", "given_before", "document_date"],
        description="Which date statement_date comes from",
    )
    capex_definition: str = pa.Field(
        description="Definition the statement uses (raw.capex_guidance.capex_definition)"
    )
    actuals_metric: str = pa.Field(
        isin=["cash capex", "incl_finance_leases"],
        description="Actuals it is compared with: the company's cash capex, or capex including "
        "finance leases where the statement is in that definition",
    )
    qualifier: str = pa.Field(nullable=True, description="about / more_than / ... as stated")
    low_usd_m: float = pa.Field(nullable=True, description="Low end of the range, USD m")
    mid_usd_m: float = pa.Field(nullable=True, description="Stated single figure, USD m")
    high_usd_m: float = pa.Field(nullable=True, description="High end of the range, USD m")
    point_usd_m: float = pa.Field(
        nullable=True, description="The figure read: the stated one, else the middle of the range"
    )
    previous_point_usd_m: float = pa.Field(
        nullable=True, description="point_usd_m of the statement before this one for the period"
    )
    revision_point_usd_m: float = pa.Field(
        nullable=True, description="point_usd_m - previous_point_usd_m, USD m"
    )
    quarters_in_period: int = pa.Field(isin=[1, 4], description="Fiscal quarters guided")
    quarters_published: int = pa.Field(
        ge=0, description="Leading quarters of the period with capex published by statement_date"
    )
    published_quarters: str = pa.Field(nullable=True, description="Those quarters, e.g. FY2025Q1")
    published_to_date_usd_m: float = pa.Field(
        nullable=True,
        description="Capex of those quarters as published by statement_date, USD m (0 when "
        "none); NULL when a quarter is unknown on the date but a later one is known",
    )
    remaining_quarters: str = pa.Field(
        nullable=True, description="Quarters the statement implies spend for"
    )
    implied_remaining_low_usd_m: float = pa.Field(
        nullable=True, description="low_usd_m - published_to_date_usd_m, USD m"
    )
    implied_remaining_point_usd_m: float = pa.Field(
        nullable=True, description="point_usd_m - published_to_date_usd_m, USD m"
    )
    implied_remaining_high_usd_m: float = pa.Field(
        nullable=True, description="high_usd_m - published_to_date_usd_m, USD m"
    )
    implied_per_quarter_point_usd_m: float = pa.Field(
        nullable=True, description="implied_remaining_point_usd_m / quarters remaining, USD m"
    )
    year_earlier_quarters_usd_m: float = pa.Field(
        nullable=True,
        description="Capex of the same fiscal quarters a year earlier, USD m (as known on "
        "statement_date; see year_earlier_basis)",
    )
    year_earlier_basis: str = pa.Field(
        nullable=True,
        isin=["published_by_statement_date", "today_for_undated_quarters"],
        description="published_by_statement_date: only figures dated on or before the "
        "statement; today_for_undated_quarters: a quarter whose figure is undated had ended "
        "at least 120 days before the statement, so today's figure is used for it",
    )
    implied_growth_low_pct: float = pa.Field(
        nullable=True, description="implied_remaining_low_usd_m vs year_earlier_quarters_usd_m, %"
    )
    implied_growth_point_pct: float = pa.Field(
        nullable=True,
        description="implied_remaining_point_usd_m vs year_earlier_quarters_usd_m, %",
    )
    implied_growth_high_pct: float = pa.Field(
        nullable=True,
        description="implied_remaining_high_usd_m vs year_earlier_quarters_usd_m, %",
    )
    is_period_reported: bool = pa.Field(
        description="True once every quarter of the period is reported (today's figures)"
    )
    actual_remaining_usd_m: float = pa.Field(
        nullable=True,
        description="What was actually spent in remaining_quarters (today's figures), USD m",
    )
    actual_period_usd_m: float = pa.Field(
        nullable=True, description="Actual capex of the whole period once reported, USD m"
    )
    actual_vs_implied_point_pct: float = pa.Field(
        nullable=True, description="actual_remaining_usd_m vs implied_remaining_point_usd_m, %"
    )
    missing_reason: str = pa.Field(
        nullable=True, description="Why an implied figure or its growth is NULL"
    )
    source_title: str = pa.Field(description="The document the statement comes from")

    class Config:
        strict = True
        unique = ["ticker", "guided_period", "statement_number"]
        description = (
            "Guidance-implied spend: one row per capex guidance statement of "
            "raw.capex_guidance (a revision is a new row), with the capex it implies for the "
            "quarters of its period not yet published on the statement's date (low / point / "
            "high = guided total - capex published by then, using only figures published on "
            "or before that date), that spend's growth over the same quarters a year earlier, "
            "and, once the period is reported, the actual spend next to it."
        )


class SupplierCaptureModel(pa.DataFrameModel):
    """Suppliers' AI / data-center revenue against spenders' capex, per calendar quarter."""

    calendar_quarter: str = pa.Field(str_matches=CALENDAR_QUARTER, description="Calendar quarter")
    supplier_group: str = pa.Field(
        description="Group of the suppliers (pipelines/metrics/config.toml supplier_group)"
    )
    spender_group: str = pa.Field(description="Group of the spenders (config.toml spender_groups)")
    suppliers_expected: int = pa.Field(ge=0, description="Members of the supplier group")
    suppliers_present: int = pa.Field(
        ge=0, description="Suppliers with an AI / data-center revenue figure for the quarter"
    )
    suppliers_listed: str = pa.Field(
        nullable=True,
        description="Each supplier present, the metric used and its figure, USD m",
    )
    suppliers_missing: str = pa.Field(
        nullable=True, description="Suppliers without a figure for the quarter"
    )
    supplier_ai_revenue_usd_m: float = pa.Field(
        nullable=True, description="Sum of the suppliers present, USD m"
    )
    spender_capex_usd_m: float = pa.Field(
        nullable=True,
        description="The spender group's capex total (marts.group_quarterly), USD m; NULL "
        "unless every member reported the quarter",
    )
    supplier_revenue_to_capex_pct: float = pa.Field(
        nullable=True, description="supplier_ai_revenue_usd_m / spender_capex_usd_m x 100"
    )
    spender_capex_prev_quarter_usd_m: float = pa.Field(
        nullable=True, description="The spender group's capex one calendar quarter earlier"
    )
    supplier_revenue_to_prev_quarter_capex_pct: float = pa.Field(
        nullable=True,
        description="supplier_ai_revenue_usd_m / spender_capex_prev_quarter_usd_m x 100 "
        "(revenue lagging the spend by a quarter)",
    )
    missing_reason: str = pa.Field(nullable=True, description="Why a figure or ratio is NULL")

    class Config:
        strict = True
        unique = ["spender_group", "calendar_quarter"]
        description = (
            "Who captures the capex: per calendar quarter, the AI / data-center revenue of "
            "the supplier group's members present (listed) against each spender group's "
            "capex, same quarter and one quarter earlier. The ratio is the suppliers' AI "
            "revenue as a % of the spenders' capex. It is NOT the share of that capex the "
            "suppliers received: they also sell to other buyers, and capex also pays for "
            "land, buildings, power and non-AI equipment."
        )
