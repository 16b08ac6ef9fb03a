"""MAMG capex per calendar quarter (``marts.capex_group_quarterly``).

The SQL (``sql/marts/capex_group_quarterly.sql``) sums the members' capex only when every
member has a figure; this module adds growth, trailing twelve months, shares and the
reason a quarter is incomplete.
"""

from __future__ import annotations

import polars as pl

from pipelines.marts.capex import lagged, ttm_by_label
from pipelines.marts.growth import pct_change_expr, ratio_pct_expr

MEMBERS = ("MSFT", "AMZN", "META", "GOOGL")

COLUMN_ORDER = [
    "group_name",
    "calendar_quarter",
    "members_expected",
    "members_reported",
    "is_complete",
    "missing_members",
    "incomplete_reason",
    "capex_usd_m",
    "capex_qoq_pct",
    "capex_yoy_pct",
    "capex_ttm_usd_m",
    "capex_ttm_yoy_pct",
    *[f"{t.lower()}_capex_usd_m" for t in MEMBERS],
    *[f"{t.lower()}_share_pct" for t in MEMBERS],
]


def build_capex_group_quarterly(
    totals: pl.DataFrame, capex_quarterly: pl.DataFrame
) -> pl.DataFrame:
    """Growth, TTM, shares and reasons on top of the SQL totals."""
    reasons = (
        capex_quarterly.filter(pl.col("capex_usd_m").is_null())
        .group_by("calendar_quarter")
        .agg(
            pl.concat_str([pl.col("ticker"), pl.lit(": "), pl.col("missing_reason")])
            .sort()
            .str.join(" | ")
            .alias("incomplete_reason")
        )
    )
    frame = totals.join(reasons, on="calendar_quarter", how="left").with_columns(
        pl.col("members_expected").cast(pl.Int64),
        pl.col("members_reported").cast(pl.Int64),
        pl.col("capex_usd_m").cast(pl.Float64),
        *[pl.col(f"{t.lower()}_capex_usd_m").cast(pl.Float64) for t in MEMBERS],
    )
    frame = frame.with_columns(
        ttm_by_label(frame, ["group_name"], "capex_usd_m").alias("capex_ttm_usd_m")
    )
    frame = lagged(frame, ["group_name"], ["capex_usd_m"], 1, "_prev_q")
    frame = lagged(frame, ["group_name"], ["capex_usd_m", "capex_ttm_usd_m"], 4, "_prev_y")
    frame = frame.with_columns(
        pct_change_expr(pl.col("capex_usd_m"), pl.col("capex_usd_m_prev_q")).alias("capex_qoq_pct"),
        pct_change_expr(pl.col("capex_usd_m"), pl.col("capex_usd_m_prev_y")).alias("capex_yoy_pct"),
        pct_change_expr(pl.col("capex_ttm_usd_m"), pl.col("capex_ttm_usd_m_prev_y")).alias(
            "capex_ttm_yoy_pct"
        ),
        *[
            ratio_pct_expr(pl.col(f"{t.lower()}_capex_usd_m"), pl.col("capex_usd_m")).alias(
                f"{t.lower()}_share_pct"
            )
            for t in MEMBERS
        ],
    )
    return frame.select(COLUMN_ORDER).sort("group_name", "calendar_quarter")
