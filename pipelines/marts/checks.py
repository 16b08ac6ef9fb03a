"""Data checks of the marts as pure functions over frames (the asset checks in
``pipelines.marts.assets`` call them on the tables just written; tests call them directly).

Each returns ``(passed, metadata)``; metadata lists what failed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import polars as pl

from pipelines.calendar.fiscal import shift_calendar_quarter
from pipelines.marts.growth import pct_change, shift_fiscal_quarter

GROWTH_TOLERANCE = 1e-6  # percentage points
SUM_TOLERANCE_USD_M = 0.5


def _md_table(rows: Sequence[dict[str, Any]], columns: Sequence[str], limit: int = 50) -> str:
    lines = ["| " + " | ".join(columns) + " |", "| " + " | ".join("---" for _ in columns) + " |"]
    for row in list(rows)[:limit]:
        cells = ["" if row.get(c) is None else str(row.get(c)).replace("|", "\\|") for c in columns]
        lines.append("| " + " | ".join(cells) + " |")
    if len(rows) > limit:
        lines.append(f"\n... {len(rows) - limit} more")
    return "\n".join(lines)


def one_row_per_key(frame: pl.DataFrame, keys: Sequence[str]) -> tuple[bool, dict[str, Any]]:
    """No duplicate and no NULL key."""
    dupes = frame.group_by(list(keys)).len().filter(pl.col("len") > 1)
    null_keys = frame.filter(pl.any_horizontal([pl.col(k).is_null() for k in keys])).height
    passed = dupes.is_empty() and null_keys == 0
    return passed, {
        "rows": frame.height,
        "duplicate_keys": dupes.height,
        "rows_with_null_key": null_keys,
        "duplicates": _md_table(dupes.to_dicts(), [*keys, "len"])
        if not dupes.is_empty()
        else "none",
    }


def growth_matches_levels(
    frame: pl.DataFrame,
    keys: Sequence[str],
    period_column: str | tuple[str, str],
    pairs: Sequence[tuple[str, str, int]],
) -> tuple[bool, dict[str, Any]]:
    """Every growth column equals ``pct_change`` of its level against the level ``lag``
    periods earlier (looked up by period, not position), and is NULL exactly when that
    cannot be computed. ``period_column`` is a calendar-quarter column, or a (fiscal_year,
    fiscal_quarter) pair. ``pairs`` = (growth column, level column, lag in quarters)."""
    if isinstance(period_column, str):

        def period(row: dict[str, Any]) -> Any:
            return row[period_column]

        def earlier(p: Any, lag: int) -> Any:
            return shift_calendar_quarter(p, -lag)
    else:
        fy_col, fq_col = period_column

        def period(row: dict[str, Any]) -> Any:
            return (row[fy_col], row[fq_col])

        def earlier(p: Any, lag: int) -> Any:
            return shift_fiscal_quarter(p[0], p[1], -lag)

    rows = frame.to_dicts()
    index = {(*[r[k] for k in keys], period(r)): r for r in rows}
    problems = []
    for r in rows:
        for growth, level, lag in pairs:
            base_row = index.get((*[r[k] for k in keys], earlier(period(r), lag)))
            expected = pct_change(r[level], base_row[level] if base_row else None)
            actual = r[growth]
            bad = (expected is None) != (actual is None) or (
                expected is not None
                and actual is not None
                and abs(expected - actual) > GROWTH_TOLERANCE
            )
            if bad:
                problems.append(
                    {
                        **{k: r[k] for k in keys},
                        "period": str(period(r)),
                        "column": growth,
                        "stored": actual,
                        "recomputed": expected,
                    }
                )
    return not problems, {
        "checked_values": len(rows) * len(pairs),
        "mismatches": len(problems),
        "details": _md_table(problems, [*keys, "period", "column", "stored", "recomputed"])
        if problems
        else "none",
    }


def group_totals_equal_members(
    group: pl.DataFrame, company_quarterly: pl.DataFrame, members: pl.DataFrame
) -> tuple[bool, dict[str, Any]]:
    """A complete quarter's total equals the sum of its members' figures in
    ``marts.company_quarterly`` (members from ``raw.group_members``); a quarter with a member
    missing has a NULL total and is not complete, never a partial sum."""
    values = {
        (r["ticker"], r["metric"], r["calendar_quarter"]): r["value_usd_m"]
        for r in company_quarterly.to_dicts()
    }
    by_group: dict[str, list[str]] = {}
    for r in members.to_dicts():
        by_group.setdefault(r["group_name"], []).append(r["ticker"])
    problems = []
    for r in group.to_dicts():
        tickers = by_group.get(r["group_name"], [])
        parts = [values.get((t, r["metric"], r["calendar_quarter"])) for t in tickers]
        complete = bool(tickers) and all(v is not None for v in parts)
        expected = float(sum(v for v in parts if v is not None)) if complete else None
        total = r["total_usd_m"]
        bad = (
            complete != bool(r["is_complete"])
            or (expected is None) != (total is None)
            or (
                expected is not None
                and total is not None
                and abs(expected - total) > SUM_TOLERANCE_USD_M
            )
            or r["members_reported"] != sum(v is not None for v in parts)
            or r["members_expected"] != len(tickers)
        )
        if bad:
            problems.append(
                {
                    "group_name": r["group_name"],
                    "metric": r["metric"],
                    "calendar_quarter": r["calendar_quarter"],
                    "stored_total": total,
                    "sum_of_members": expected,
                    "is_complete": r["is_complete"],
                }
            )
    incomplete = group.filter(~pl.col("is_complete"))
    return not problems, {
        "rows": group.height,
        "incomplete_rows": incomplete.height,
        "mismatches": len(problems),
        "details": _md_table(
            problems,
            [
                "group_name",
                "metric",
                "calendar_quarter",
                "stored_total",
                "sum_of_members",
                "is_complete",
            ],
        )
        if problems
        else "none",
    }


def printed_half_unit(value: float) -> float:
    """Half a unit of the precision a USD m figure was printed at, read off its trailing
    zeros: 64551 -> 0.5; 16600 (printed 16.6 bn) -> 50; 50000 -> 500 (at most bn)."""
    if not float(value).is_integer():
        return 0.05
    for digits in (3, 2, 1):
        if int(value) % (10**digits) == 0:
            return 0.5 * 10**digits
    return 0.5


def quarters_add_up(actuals: pl.DataFrame, metrics: Sequence[str]) -> tuple[bool, dict[str, Any]]:
    """Where a company printed all four discrete quarters and the full year of a flow metric
    (``metrics``), the quarters add up to the full year within the printed precision (the sum
    of half a printed unit of each of the five figures)."""
    reported = {
        (r["ticker"], r["metric"], r["fiscal_year"], r["basis"], r["fiscal_quarter"]): r["value"]
        for r in actuals.filter(pl.col("metric").is_in(list(metrics))).to_dicts()
    }
    problems, checked = [], 0
    for (ticker, metric, fy, basis, _q), full_year in reported.items():
        if basis != "fy":
            continue
        quarters = [reported.get((ticker, metric, fy, "discrete", q)) for q in (1, 2, 3, 4)]
        if any(v is None for v in quarters):
            continue
        checked += 1
        total = sum(v for v in quarters if v is not None)
        tolerance = sum(printed_half_unit(v) for v in [*quarters, full_year] if v is not None)
        if abs(total - full_year) > tolerance:
            problems.append(
                {
                    "ticker": ticker,
                    "metric": metric,
                    "fiscal_year": fy,
                    "sum_of_quarters": total,
                    "full_year": full_year,
                    "tolerance": tolerance,
                }
            )
    return not problems, {
        "years_checked": checked,
        "mismatches": len(problems),
        "details": _md_table(
            problems,
            ["ticker", "metric", "fiscal_year", "sum_of_quarters", "full_year", "tolerance"],
        )
        if problems
        else "none",
    }


def every_claim_checked(checks: pl.DataFrame, claims: pl.DataFrame) -> tuple[bool, dict[str, Any]]:
    """One row per claim of raw.claims, no more, no less."""
    expected = set(claims["claim_id"].to_list())
    got = checks["claim_id"].to_list()
    missing = sorted(expected - set(got))
    extra = sorted(set(got) - expected)
    duplicated = sorted({c for c in got if got.count(c) > 1})
    passed = not (missing or extra or duplicated)
    return passed, {
        "claims": len(expected),
        "rows": len(got),
        "missing": ", ".join(missing) or "none",
        "unexpected": ", ".join(extra) or "none",
        "duplicated": ", ".join(duplicated) or "none",
    }


def contradicted_claims(checks: pl.DataFrame) -> tuple[bool, dict[str, Any]]:
    """Lists every contradicted claim; passes only when there is none (a warning)."""
    bad = checks.filter(pl.col("status") == "contradicted").sort("claim_id")
    counts = {
        s: checks.filter(pl.col("status") == s).height
        for s in ("confirmed", "contradicted", "not_computable")
    }
    return bad.is_empty(), {
        **{f"{k}_claims": v for k, v in counts.items()},
        "contradicted": _md_table(
            bad.to_dicts(),
            [
                "claim_id",
                "source",
                "entity",
                "metric",
                "period",
                "stated_value",
                "computed_value",
                "difference",
                "tolerance",
            ],
            limit=200,
        )
        if not bad.is_empty()
        else "none",
    }


CheckFunction = Callable[..., tuple[bool, dict[str, Any]]]
