"""Who captures the capex (``metrics.supplier_capture``): per calendar quarter and spender
group, the AI suppliers' AI / data-center revenue against the spenders' capex.

The groups come from ``pipelines/metrics/config.toml`` (groups of ``raw.groups``). A
supplier's revenue is the first metric of ``supplier_metrics`` it has for the quarter in
``marts.company_quarterly``; the supplier total is the sum over the suppliers present, and
the suppliers present and missing are listed (the ratio is over whichever are present).
The spenders' capex is the group total of ``marts.group_quarterly`` (metric ``capex``): only
when every member reported the quarter, else NULL with the reason.

What the ratio is: the suppliers' AI / data-center revenue as a share of the spenders' cash
capex. What it is not: the share of the spenders' capex that went to these suppliers. The
suppliers also sell to other buyers (other clouds, sovereigns, enterprises, neoclouds), and
capex also pays for land, buildings, power and cooling and for non-AI servers.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from pipelines.calendar.fiscal import shift_calendar_quarter
from pipelines.marts.growth import calendar_quarters_between
from pipelines.metrics import formulas
from pipelines.metrics.config import SupplierCapture

CAPEX = "capex"

SCHEMA: dict[str, Any] = {
    "calendar_quarter": pl.Utf8,
    "supplier_group": pl.Utf8,
    "spender_group": pl.Utf8,
    "suppliers_expected": pl.Int64,
    "suppliers_present": pl.Int64,
    "suppliers_listed": pl.Utf8,
    "suppliers_missing": pl.Utf8,
    "supplier_ai_revenue_usd_m": pl.Float64,
    "spender_capex_usd_m": pl.Float64,
    "supplier_revenue_to_capex_pct": pl.Float64,
    "spender_capex_prev_quarter_usd_m": pl.Float64,
    "supplier_revenue_to_prev_quarter_capex_pct": pl.Float64,
    "missing_reason": pl.Utf8,
}


def _fmt(value: float) -> str:
    return f"{value:,.0f}"


def build_supplier_capture(
    company_quarterly: pl.DataFrame,
    group_quarterly: pl.DataFrame,
    group_members: pl.DataFrame,
    config: SupplierCapture,
) -> pl.DataFrame:
    """``metrics.supplier_capture`` from the marts and the configuration."""
    suppliers = sorted(
        group_members.filter(pl.col("group_name") == config.supplier_group)["ticker"].to_list()
    )
    revenue: dict[tuple[str, str], tuple[float, str]] = {}
    for r in company_quarterly.filter(
        pl.col("ticker").is_in(suppliers)
        & pl.col("metric").is_in(list(config.supplier_metrics))
        & pl.col("value_usd_m").is_not_null()
    ).iter_rows(named=True):
        key = (r["ticker"], r["calendar_quarter"])
        rank = config.supplier_metrics.index(r["metric"])
        held = revenue.get(key)
        if held is None or rank < config.supplier_metrics.index(held[1]):
            revenue[key] = (float(r["value_usd_m"]), r["metric"])
    capex = {
        (r["group_name"], r["calendar_quarter"]): r
        for r in group_quarterly.filter(pl.col("metric") == CAPEX).iter_rows(named=True)
    }
    quarters = sorted({q for _, q in revenue})
    rows = []
    if not quarters:
        return pl.DataFrame(schema=SCHEMA)
    for quarter in calendar_quarters_between(quarters[0], quarters[-1]):
        present = [t for t in suppliers if (t, quarter) in revenue]
        missing = [t for t in suppliers if t not in present]
        total = (
            formulas.complete_sum({t: revenue[(t, quarter)][0] for t in present})[0]
            if present
            else None
        )
        listed = "; ".join(
            f"{t}: {revenue[(t, quarter)][1]} {_fmt(revenue[(t, quarter)][0])}" for t in present
        )
        for spender in config.spender_groups:
            now = capex.get((spender, quarter))
            before = capex.get((spender, shift_calendar_quarter(quarter, -1)))
            spend = now["total_usd_m"] if now else None
            spend_before = before["total_usd_m"] if before else None
            same = formulas.capture_ratio_pct(total, spend)
            lagged = formulas.capture_ratio_pct(total, spend_before)
            reasons = []
            if total is None:
                reasons.append(
                    f"no supplier of {config.supplier_group} has AI revenue for {quarter}"
                )
            for label, row, value in (
                (quarter, now, spend),
                (shift_calendar_quarter(quarter, -1), before, spend_before),
            ):
                if value is None:
                    why = (
                        row["incomplete_reason"]
                        if row and row["incomplete_reason"]
                        else "no capex total for the quarter"
                    )
                    reasons.append(f"{spender} capex {label}: {why}")
            rows.append(
                {
                    "calendar_quarter": quarter,
                    "supplier_group": config.supplier_group,
                    "spender_group": spender,
                    "suppliers_expected": len(suppliers),
                    "suppliers_present": len(present),
                    "suppliers_listed": listed or None,
                    "suppliers_missing": ", ".join(missing) or None,
                    "supplier_ai_revenue_usd_m": total,
                    "spender_capex_usd_m": spend,
                    "supplier_revenue_to_capex_pct": same.value,
                    "spender_capex_prev_quarter_usd_m": spend_before,
                    "supplier_revenue_to_prev_quarter_capex_pct": lagged.value,
                    "missing_reason": " | ".join(reasons) or None,
                }
            )
    return pl.DataFrame(rows, schema=SCHEMA, orient="row").sort("spender_group", "calendar_quarter")
