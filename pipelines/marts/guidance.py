"""Capex guidance per company and guided period (``marts.capex_guidance``).

Statements are ordered as raw/README.md prescribes: by ``coalesce(given_on, given_before -
1 day)``. A statement known only from a later article has no ``given_on`` but a
``given_before`` date (the raise that replaced it), so prior guidance (Alphabet 75 bn, Meta
64-72 bn) sorts before its replacement however late the article reporting it was. The
latest statement is the last in that order, the previous one the one before it.

An undated statement (neither ``given_on`` nor ``given_before``: its source gives no date) is
stored and ordered by the date of the document that reports it (``reported_on``, an upper
bound), and flagged (``date_basis = 'document_date'``). ``known_since`` is the first date the
statement is known to have been public: ``given_on``, else ``given_before``, else the
document's date; as-of views use only statements known since on or before their date.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import polars as pl

from pipelines.calendar.fiscal import (
    fiscal_quarter_end,
    fiscal_quarter_start,
    fiscal_year_end,
    fiscal_year_start,
)
from pipelines.marts.growth import fiscal_label, pct_change

_PERIOD = re.compile(r"^FY(\d{4})(?:Q([1-4]))?$")


def guidance_point(
    low: float | None, mid: float | None, high: float | None
) -> tuple[float | None, str]:
    """The figure a guidance is compared on, and how it was chosen."""
    if mid is not None:
        return mid, "stated_mid"
    if low is not None and high is not None:
        return (low + high) / 2.0, "midpoint_of_range"
    if low is not None:
        return low, "lower_bound"
    if high is not None:
        return high, "upper_bound"
    return None, "none"


def _diff(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a - b


def statement_date(row: dict[str, Any]) -> dt.date | None:
    """When a statement was made, for ordering: ``given_on``, else the day before
    ``given_before``, else (undated) the date of the document reporting it."""
    if row.get("given_on") is not None:
        return row["given_on"]
    if row.get("given_before") is not None:
        return row["given_before"] - dt.timedelta(days=1)
    return row.get("reported_on")


def date_basis(row: dict[str, Any]) -> str:
    """``given_on``, ``given_before`` or ``document_date`` (an undated statement)."""
    if row.get("given_on") is not None:
        return "given_on"
    if row.get("given_before") is not None:
        return "given_before"
    return "document_date"


def known_since(row: dict[str, Any]) -> dt.date | None:
    """First date the statement is known to have been public."""
    return row.get("given_on") or row.get("given_before") or row.get("reported_on")


def pick_latest_and_previous(
    rows: list[dict[str, Any]],
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """(latest, previous) statements of one guided period, by :func:`statement_date`
    (undated statements first; ties broken by the report date, then the source title)."""
    ordered = sorted(
        rows,
        key=lambda r: (
            statement_date(r) is not None,
            statement_date(r) or dt.date.min,
            r.get("reported_on") or dt.date.min,
            r.get("source_title") or "",
        ),
    )
    return ordered[-1], (ordered[-2] if len(ordered) > 1 else None)


def build_capex_guidance(
    guidance: pl.DataFrame, capex_quarterly: pl.DataFrame, rules: dict[str, str]
) -> pl.DataFrame:
    """``marts.capex_guidance`` from ``raw.capex_guidance`` and ``marts.capex_quarterly``;
    ``rules``: ticker -> fiscal calendar."""
    return _build(guidance, capex_quarterly, rules)


def _build(
    guidance: pl.DataFrame, capex_quarterly: pl.DataFrame, rules: dict[str, str]
) -> pl.DataFrame:
    """``marts.capex_guidance`` from ``raw.capex_guidance`` and ``marts.capex_quarterly``."""
    by_key: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in guidance.to_dicts():
        by_key.setdefault((row["ticker"], row["guided_period"]), []).append(row)
    capex_rows = capex_quarterly.to_dicts()
    records = []
    for (ticker, period), rows in sorted(by_key.items()):
        latest, previous = pick_latest_and_previous(rows)
        match = _PERIOD.match(period)
        if match is None:
            raise ValueError(f"unexpected guided_period {period!r}")
        fy, q = int(match.group(1)), int(match.group(2)) if match.group(2) else None
        rule = rules[ticker]
        start = latest["period_start"] or (
            fiscal_year_start(rule, fy) if q is None else fiscal_quarter_start(rule, fy, q)
        )
        end = latest["period_end"] or (
            fiscal_year_end(rule, fy) if q is None else fiscal_quarter_end(rule, fy, q)
        )
        quarters = [1, 2, 3, 4] if q is None else [q]
        point, point_method = guidance_point(
            latest["low_usd_m"], latest["mid_usd_m"], latest["high_usd_m"]
        )
        prev_point = None
        if previous is not None:
            prev_point, _ = guidance_point(
                previous["low_usd_m"], previous["mid_usd_m"], previous["high_usd_m"]
            )

        column = (
            "capex_incl_finance_leases_usd_m"
            if latest["capex_definition"] == "incl_finance_leases"
            else "capex_usd_m"
        )
        actuals_metric = "incl_finance_leases" if column != "capex_usd_m" else "cash"
        company = [r for r in capex_rows if r["ticker"] == ticker]
        in_period = {
            r["fiscal_quarter"]: r[column]
            for r in company
            if r["fiscal_year"] == fy and r["fiscal_quarter"] in quarters
        }
        reported = [in_period[k] for k in quarters if in_period.get(k) is not None]
        reported_quarters = [k for k in quarters if in_period.get(k) is not None]
        contiguous = reported_quarters == quarters[: len(reported_quarters)]
        reported_to_date = float(sum(reported)) if contiguous else None
        known = [
            r
            for r in company
            if r[column] is not None
            and (r["fiscal_year"], r["fiscal_quarter"]) <= (fy, quarters[-1])
        ]
        last = max(known, key=lambda r: (r["fiscal_year"], r["fiscal_quarter"])) if known else None
        remaining = len(quarters) - len(reported_quarters)

        def implied(
            total: float | None, remaining: int = remaining, done: float | None = reported_to_date
        ) -> float | None:
            if total is None or done is None or remaining == 0:
                return None
            return total - done

        implied_point = implied(point)
        per_quarter = implied_point / remaining if implied_point is not None and remaining else None
        records.append(
            {
                "ticker": ticker,
                "guided_period": period,
                "basis": latest["basis"],
                "period_start": start,
                "period_end": end,
                "statements": len(rows),
                "capex_definition": latest["capex_definition"],
                "qualifier": latest["qualifier"],
                "low_usd_m": latest["low_usd_m"],
                "mid_usd_m": latest["mid_usd_m"],
                "high_usd_m": latest["high_usd_m"],
                "point_usd_m": point,
                "point_method": point_method,
                "given_on": latest.get("given_on"),
                "given_before": latest.get("given_before"),
                "date_basis": date_basis(latest),
                "known_since": known_since(latest),
                "source_title": latest["source_title"],
                "from_seed": (latest["source_url"] or "").startswith("seed/"),
                "previous_low_usd_m": previous["low_usd_m"] if previous else None,
                "previous_mid_usd_m": previous["mid_usd_m"] if previous else None,
                "previous_high_usd_m": previous["high_usd_m"] if previous else None,
                "previous_point_usd_m": prev_point,
                "previous_given_on": previous.get("given_on") if previous else None,
                "previous_given_before": previous.get("given_before") if previous else None,
                "previous_capex_definition": previous["capex_definition"] if previous else None,
                "previous_source_title": previous["source_title"] if previous else None,
                "previous_from_seed": (previous["source_url"] or "").startswith("seed/")
                if previous
                else None,
                "revision_low_usd_m": _diff(latest["low_usd_m"], previous["low_usd_m"])
                if previous
                else None,
                "revision_high_usd_m": _diff(latest["high_usd_m"], previous["high_usd_m"])
                if previous
                else None,
                "revision_point_usd_m": _diff(point, prev_point),
                "revision_point_pct": pct_change(point, prev_point),
                "actuals_metric": actuals_metric,
                "quarters_in_period": len(quarters),
                "quarters_reported": len(reported_quarters),
                "reported_to_date_usd_m": reported_to_date,
                "last_reported_quarter": fiscal_label(last["fiscal_year"], last["fiscal_quarter"])
                if last
                else None,
                "last_reported_quarter_usd_m": last[column] if last else None,
                "implied_remaining_low_usd_m": implied(latest["low_usd_m"]),
                "implied_remaining_point_usd_m": implied_point,
                "implied_remaining_high_usd_m": implied(latest["high_usd_m"]),
                "implied_per_quarter_point_usd_m": per_quarter,
                "implied_per_quarter_vs_last_pct": pct_change(
                    per_quarter, last[column] if last else None
                ),
                "reported_vs_point_pct": pct_change(reported_to_date, point)
                if remaining == 0
                else None,
            }
        )
    return pl.DataFrame(records, schema=SCHEMA)


SCHEMA = {
    "ticker": pl.Utf8,
    "guided_period": pl.Utf8,
    "basis": pl.Utf8,
    "period_start": pl.Date,
    "period_end": pl.Date,
    "statements": pl.Int64,
    "capex_definition": pl.Utf8,
    "qualifier": pl.Utf8,
    "low_usd_m": pl.Float64,
    "mid_usd_m": pl.Float64,
    "high_usd_m": pl.Float64,
    "point_usd_m": pl.Float64,
    "point_method": pl.Utf8,
    "given_on": pl.Date,
    "given_before": pl.Date,
    "date_basis": pl.Utf8,
    "known_since": pl.Date,
    "source_title": pl.Utf8,
    "from_seed": pl.Boolean,
    "previous_low_usd_m": pl.Float64,
    "previous_mid_usd_m": pl.Float64,
    "previous_high_usd_m": pl.Float64,
    "previous_point_usd_m": pl.Float64,
    "previous_given_on": pl.Date,
    "previous_given_before": pl.Date,
    "previous_capex_definition": pl.Utf8,
    "previous_source_title": pl.Utf8,
    "previous_from_seed": pl.Boolean,
    "revision_low_usd_m": pl.Float64,
    "revision_high_usd_m": pl.Float64,
    "revision_point_usd_m": pl.Float64,
    "revision_point_pct": pl.Float64,
    "actuals_metric": pl.Utf8,
    "quarters_in_period": pl.Int64,
    "quarters_reported": pl.Int64,
    "reported_to_date_usd_m": pl.Float64,
    "last_reported_quarter": pl.Utf8,
    "last_reported_quarter_usd_m": pl.Float64,
    "implied_remaining_low_usd_m": pl.Float64,
    "implied_remaining_point_usd_m": pl.Float64,
    "implied_remaining_high_usd_m": pl.Float64,
    "implied_per_quarter_point_usd_m": pl.Float64,
    "implied_per_quarter_vs_last_pct": pl.Float64,
    "reported_vs_point_pct": pl.Float64,
}
