"""Group totals per calendar quarter (``marts.group_quarterly``, ``marts.group_member_quarterly``).

A group is any named set of companies (``raw.groups``, ``raw.group_members``). For each group
and each metric of :data:`GROUP_METRICS` that at least one member reports, one row per
calendar quarter from the first to the last quarter any member has: the total only when
every member has a figure for the quarter (``is_complete``), never a partial sum; the members
missing and why; QoQ / YoY / TTM growth; and, per member, its value and share of the total.
"""

from __future__ import annotations

import polars as pl

from pipelines.marts.capex import lagged, ttm_by_label
from pipelines.marts.company import CAPEX
from pipelines.marts.growth import calendar_quarters_between, pct_change_expr, ratio_pct_expr

#: Metrics summed per group (flows in USD m whose sum across companies is meaningful).
GROUP_METRICS = (CAPEX, "revenue", "operating_cash_flow", "depreciation_amortization")

COLUMN_ORDER = [
    "group_name",
    "metric",
    "calendar_quarter",
    "members_expected",
    "members_reported",
    "is_complete",
    "missing_members",
    "incomplete_reason",
    "total_usd_m",
    "qoq_pct",
    "yoy_pct",
    "ttm_usd_m",
    "ttm_yoy_pct",
]
MEMBER_ORDER = [
    "group_name",
    "metric",
    "calendar_quarter",
    "ticker",
    "value_usd_m",
    "definition",
    "is_derived",
    "share_pct",
    "missing_reason",
]
_GROUP_SCHEMA = {
    "group_name": pl.Utf8,
    "metric": pl.Utf8,
    "calendar_quarter": pl.Utf8,
    "ticker": pl.Utf8,
    "value_usd_m": pl.Float64,
    "definition": pl.Utf8,
    "is_derived": pl.Boolean,
    "missing_reason": pl.Utf8,
}


def member_grid(company_quarterly: pl.DataFrame, members: pl.DataFrame) -> pl.DataFrame:
    """One row per group, metric, quarter and member, with the member's value (or why not)."""
    rows: list[dict] = []
    values = {
        (r["ticker"], r["metric"], r["calendar_quarter"]): r for r in company_quarterly.to_dicts()
    }
    by_group: dict[str, list[str]] = {}
    for r in members.to_dicts():
        by_group.setdefault(r["group_name"], []).append(r["ticker"])
    for group, tickers in sorted(by_group.items()):
        for metric in GROUP_METRICS:
            labels = [q for (t, m, q), r in values.items() if t in tickers and m == metric]
            if not labels:
                continue
            for label in calendar_quarters_between(min(labels), max(labels)):
                for ticker in sorted(tickers):
                    r = values.get((ticker, metric, label))
                    if r is None:
                        has_series = any(t == ticker and m == metric for t, m, _ in values)
                        reason = (
                            f"{metric} {label} outside the company's reported span"
                            if has_series
                            else f"no {metric} series for this company"
                        )
                    else:
                        reason = r["missing_reason"]
                    rows.append(
                        {
                            "group_name": group,
                            "metric": metric,
                            "calendar_quarter": label,
                            "ticker": ticker,
                            "value_usd_m": r["value_usd_m"] if r else None,
                            "definition": r["definition"] if r else None,
                            "is_derived": r["is_derived"] if r else None,
                            "missing_reason": reason
                            if (r is None or r["value_usd_m"] is None)
                            else None,
                        }
                    )
    return pl.DataFrame(rows, schema=_GROUP_SCHEMA)


def build_group_quarterly(
    company_quarterly: pl.DataFrame, members: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(``marts.group_quarterly``, ``marts.group_member_quarterly``)."""
    grid = member_grid(company_quarterly, members)
    keys = ["group_name", "metric", "calendar_quarter"]
    totals = (
        grid.group_by(keys)
        .agg(
            pl.len().cast(pl.Int64).alias("members_expected"),
            pl.col("value_usd_m").count().cast(pl.Int64).alias("members_reported"),
            pl.col("value_usd_m").sum().alias("_sum"),
            pl.col("ticker")
            .filter(pl.col("value_usd_m").is_null())
            .sort()
            .str.join(", ")
            .alias("missing_members"),
            pl.concat_str([pl.col("ticker"), pl.lit(": "), pl.col("missing_reason")])
            .filter(pl.col("value_usd_m").is_null())
            .sort()
            .str.join(" | ")
            .alias("incomplete_reason"),
        )
        .with_columns(
            (pl.col("members_reported") == pl.col("members_expected")).alias("is_complete"),
        )
        .with_columns(
            pl.when(pl.col("is_complete")).then(pl.col("_sum")).alias("total_usd_m"),
            pl.when(pl.col("is_complete"))
            .then(None)
            .otherwise(pl.col("missing_members"))
            .alias("missing_members"),
            pl.when(pl.col("is_complete"))
            .then(None)
            .otherwise(pl.col("incomplete_reason"))
            .alias("incomplete_reason"),
        )
        .sort(keys)
    )
    group_keys = ["group_name", "metric"]
    totals = totals.with_columns(ttm_by_label(totals, group_keys, "total_usd_m").alias("ttm_usd_m"))
    totals = lagged(totals, group_keys, ["total_usd_m"], 1, "_prev_q")
    totals = lagged(totals, group_keys, ["total_usd_m", "ttm_usd_m"], 4, "_prev_y")
    totals = totals.with_columns(
        pct_change_expr(pl.col("total_usd_m"), pl.col("total_usd_m_prev_q")).alias("qoq_pct"),
        pct_change_expr(pl.col("total_usd_m"), pl.col("total_usd_m_prev_y")).alias("yoy_pct"),
        pct_change_expr(pl.col("ttm_usd_m"), pl.col("ttm_usd_m_prev_y")).alias("ttm_yoy_pct"),
    )
    totals = totals.select(COLUMN_ORDER).sort(keys)
    shares = grid.join(totals.select(*keys, "total_usd_m"), on=keys, how="left").with_columns(
        ratio_pct_expr(pl.col("value_usd_m"), pl.col("total_usd_m")).alias("share_pct")
    )
    return totals, shares.select(MEMBER_ORDER).sort([*keys, "ticker"])
