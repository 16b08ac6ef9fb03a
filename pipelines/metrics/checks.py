"""Data checks of the metrics tables as pure functions over frames. Each returns
``(passed, metadata)``; the asset checks call them on the tables just written."""

from __future__ import annotations

import math
from typing import Any

import polars as pl

from pipelines.marts.checks import _md_table, one_row_per_key

TOLERANCE_PCT = 1e-9
TOLERANCE_USD_M = 1e-6

__all__ = [
    "one_row_per_key",
    "ratio_matches_inputs",
    "implied_matches_statement",
    "every_statement_once",
]


def _close(a: float, b: float, tol: float) -> bool:
    return math.isclose(a, b, rel_tol=tol, abs_tol=tol)


def ratio_matches_inputs(
    frame: pl.DataFrame, ratio: str, numerator: str, denominator: str, group_rule: bool = True
) -> tuple[bool, dict[str, Any]]:
    """Every non-NULL ``ratio`` equals ``numerator / denominator x 100``; every NULL one has a
    ``missing_reason``; and (``group_rule``) no group ratio is computed with a member missing
    (``members_complete < members_expected``): never a partial ratio."""
    bad: list[dict[str, Any]] = []
    for r in frame.iter_rows(named=True):
        value, num, den = r[ratio], r[numerator], r[denominator]
        problem = None
        if value is None:
            if not r.get("missing_reason"):
                problem = "NULL ratio without a reason"
        elif num is None or den is None or den == 0:
            problem = "ratio without both inputs"
        elif not _close(value, num / den * 100.0, TOLERANCE_PCT):
            problem = f"ratio {value} != {num} / {den} x 100"
        elif group_rule and r["members_complete"] != r["members_expected"]:
            problem = "partial group ratio (a member lacks a figure)"
        if problem:
            bad.append(
                {
                    **{k: r.get(k) for k in ("entity", "calendar_quarter", "period")},
                    "problem": problem,
                }
            )
    return not bad, {
        "rows": frame.height,
        "ratios": frame.filter(pl.col(ratio).is_not_null()).height,
        "problems": len(bad),
        "problem_rows": _md_table(bad, ["entity", "calendar_quarter", "period", "problem"])
        if bad
        else "none",
    }


def implied_matches_statement(frame: pl.DataFrame) -> tuple[bool, dict[str, Any]]:
    """implied remaining = bound - published to date, for the low, point and high figures."""
    bad = []
    for r in frame.iter_rows(named=True):
        for bound, implied in (
            ("low_usd_m", "implied_remaining_low_usd_m"),
            ("point_usd_m", "implied_remaining_point_usd_m"),
            ("high_usd_m", "implied_remaining_high_usd_m"),
        ):
            if r[implied] is None:
                continue
            if (
                r[bound] is None
                or r["published_to_date_usd_m"] is None
                or not _close(r[implied], r[bound] - r["published_to_date_usd_m"], TOLERANCE_USD_M)
            ):
                bad.append(
                    {
                        "ticker": r["ticker"],
                        "guided_period": r["guided_period"],
                        "statement_number": r["statement_number"],
                        "column": implied,
                    }
                )
    return not bad, {
        "rows": frame.height,
        "problems": len(bad),
        "problem_rows": _md_table(bad, ["ticker", "guided_period", "statement_number", "column"])
        if bad
        else "none",
    }


def every_statement_once(
    frame: pl.DataFrame, guidance: pl.DataFrame
) -> tuple[bool, dict[str, Any]]:
    """One row per statement of raw.capex_guidance, per (ticker, guided period)."""
    keys = ["ticker", "guided_period"]
    expected = guidance.group_by(keys).len().rename({"len": "statements"})
    got = frame.group_by(keys).len().rename({"len": "rows"})
    joined = expected.join(got, on=keys, how="full", coalesce=True).with_columns(
        pl.col("statements").fill_null(0), pl.col("rows").fill_null(0)
    )
    bad = joined.filter(pl.col("statements") != pl.col("rows"))
    return bad.is_empty(), {
        "statements": guidance.height,
        "rows": frame.height,
        "mismatches": _md_table(bad.to_dicts(), [*keys, "statements", "rows"])
        if not bad.is_empty()
        else "none",
    }
