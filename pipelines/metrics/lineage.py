"""Column lineage of the ``metrics`` tables (``dagster/column_lineage``), one function per
table. Conventions as in ``pipelines/marts/lineage.py``: a value names the columns it is
computed from and the columns that select it; a column set by code alone gets ``[]``."""

from __future__ import annotations

import dagster as dg

from pipelines.lineage import ColumnRef, column_lineage
from pipelines.marts import lineage as marts_lineage

COMPANY = "marts/company_quarterly"
GROUP = "marts/group_quarterly"
CAPEX = "marts/capex_quarterly"
MEMBERS = "raw/group_members"
GUIDANCE = "raw/capex_guidance"
FIN = "raw/financials"
COMP = "raw/companies"


def _cols(asset: str, *columns: str) -> list[ColumnRef]:
    return [(asset, c) for c in columns]


#: A company's or group's figure over a window: the members' values, picked by metric and
#: quarter, summed over the group's members.
FIGURE = [
    *_cols(COMPANY, "value_usd_m", "metric", "calendar_quarter", "ticker"),
    *_cols(MEMBERS, "group_name", "ticker"),
]
KEYS = {
    "entity_type": [],  # company or group: set by the rule that made the row
    "entity": [*_cols(COMPANY, "ticker"), *_cols(MEMBERS, "group_name")],
    "calendar_quarter": _cols(COMPANY, "calendar_quarter"),
    "period": [],  # quarter / ttm: the two windows the code computes
    "members_expected": _cols(MEMBERS, "group_name", "ticker"),
    "members_complete": FIGURE,
    "missing_members": FIGURE,
    "capex_definitions": [
        *_cols(COMPANY, "definition", "metric", "ticker"),
        *_cols(MEMBERS, "ticker"),
    ],
    "missing_reason": [*FIGURE, *_cols(COMPANY, "missing_reason")],
}


def _ratio_table(value_columns: list[str]) -> dg.TableColumnLineage:
    return column_lineage({**KEYS, **{c: FIGURE for c in value_columns}})


def capex_intensity() -> dg.TableColumnLineage:
    return _ratio_table(
        ["capex_usd_m", "revenue_usd_m", "capex_to_revenue_pct", "capex_to_revenue_yoy_change_pp"]
    )


def cash_coverage() -> dg.TableColumnLineage:
    return _ratio_table(
        [
            "capex_usd_m",
            "operating_cash_flow_usd_m",
            "capex_to_ocf_pct",
            "capex_to_ocf_yoy_change_pp",
            "fcf_after_capex_usd_m",
        ]
    )


def depreciation_vs_capex() -> dg.TableColumnLineage:
    return _ratio_table(
        [
            "depreciation_amortization_usd_m",
            "capex_usd_m",
            "da_to_capex_pct",
            "da_to_capex_yoy_change_pp",
        ]
    )


def guidance_implied() -> dg.TableColumnLineage:
    order = marts_lineage.STATEMENT_ORDER
    bounds = _cols(GUIDANCE, "low_usd_m", "mid_usd_m", "high_usd_m")
    # capex as published by the statement's date: the capex mart rebuilt from the raw
    # figures with a publication date on or before it, in the statement's definition
    then = [
        *marts_lineage.ACTUAL,
        *_cols(FIN, "published_before"),
        *_cols(COMP, "capex_metric", "capex_less_metric", "fiscal_calendar"),
        *_cols(
            GUIDANCE, "guided_period", "capex_definition", "given_on", "given_before", "reported_on"
        ),
    ]
    today = [
        *_cols(
            CAPEX, "capex_usd_m", "capex_incl_finance_leases_usd_m", "fiscal_year", "fiscal_quarter"
        ),
        *_cols(GUIDANCE, "guided_period", "capex_definition"),
    ]
    implied = [*bounds, *then]
    return column_lineage(
        {
            "ticker": _cols(GUIDANCE, "ticker"),
            "guided_period": _cols(GUIDANCE, "guided_period"),
            "statement_number": order,
            "statements_for_period": _cols(GUIDANCE, "ticker", "guided_period"),
            "is_latest": order,
            "statement_date": _cols(GUIDANCE, "given_on", "given_before", "reported_on"),
            "date_basis": _cols(GUIDANCE, "given_on", "given_before"),
            "capex_definition": _cols(GUIDANCE, "capex_definition"),
            "actuals_metric": _cols(GUIDANCE, "capex_definition"),
            "qualifier": _cols(GUIDANCE, "qualifier"),
            "low_usd_m": _cols(GUIDANCE, "low_usd_m"),
            "mid_usd_m": _cols(GUIDANCE, "mid_usd_m"),
            "high_usd_m": _cols(GUIDANCE, "high_usd_m"),
            "point_usd_m": bounds,
            "previous_point_usd_m": [*bounds, *order],
            "revision_point_usd_m": [*bounds, *order],
            "quarters_in_period": _cols(GUIDANCE, "guided_period"),
            "quarters_published": then,
            "published_quarters": then,
            "published_to_date_usd_m": then,
            "remaining_quarters": then,
            "implied_remaining_low_usd_m": implied,
            "implied_remaining_point_usd_m": implied,
            "implied_remaining_high_usd_m": implied,
            "implied_per_quarter_point_usd_m": implied,
            "year_earlier_quarters_usd_m": [*then, *today],
            "year_earlier_basis": [*then, *today],
            "implied_growth_low_pct": [*implied, *today],
            "implied_growth_point_pct": [*implied, *today],
            "implied_growth_high_pct": [*implied, *today],
            "is_period_reported": today,
            "actual_remaining_usd_m": [*today, *then],
            "actual_period_usd_m": today,
            "actual_vs_implied_point_pct": [*today, *implied],
            "missing_reason": [*implied, *today],
            "source_title": _cols(GUIDANCE, "source_title"),
        }
    )


def supplier_capture() -> dg.TableColumnLineage:
    revenue = [
        *_cols(COMPANY, "value_usd_m", "metric", "ticker", "calendar_quarter"),
        *_cols(MEMBERS, "group_name", "ticker"),
    ]
    capex = _cols(GROUP, "total_usd_m", "group_name", "metric", "calendar_quarter")
    return column_lineage(
        {
            "calendar_quarter": _cols(COMPANY, "calendar_quarter"),
            "supplier_group": _cols(MEMBERS, "group_name"),  # named in config.toml
            "spender_group": _cols(GROUP, "group_name"),  # named in config.toml
            "suppliers_expected": _cols(MEMBERS, "group_name", "ticker"),
            "suppliers_present": revenue,
            "suppliers_listed": revenue,
            "suppliers_missing": revenue,
            "supplier_ai_revenue_usd_m": revenue,
            "spender_capex_usd_m": capex,
            "supplier_revenue_to_capex_pct": [*revenue, *capex],
            "spender_capex_prev_quarter_usd_m": capex,
            "supplier_revenue_to_prev_quarter_capex_pct": [*revenue, *capex],
            "missing_reason": [*revenue, *capex, *_cols(GROUP, "incomplete_reason")],
        }
    )
