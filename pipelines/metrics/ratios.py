"""Two-metric ratios per company and per group, quarterly and on trailing twelve months:
capex intensity (``metrics.capex_intensity``), cash coverage (``metrics.cash_coverage``) and
depreciation vs capex (``metrics.depreciation_vs_capex``).

Input: ``marts.company_quarterly`` (one row per company, metric and calendar quarter) and
``raw.group_members``. A company row uses the company's own figures; a group row sums its
members' figures and is computed only when every member has both figures for every quarter
of the window. Otherwise the sums and the ratio are NULL and ``missing_reason`` names each
member and figure that is missing: never a partial sum or a partial ratio.

Rows exist for each company with a series of both metrics, and each group with at least one
such member, from the first to the last quarter any of them has a figure (a group of chip
suppliers, none of which has a capex series, gets no capex-intensity rows).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import polars as pl

from pipelines.calendar.fiscal import shift_calendar_quarter
from pipelines.marts.growth import calendar_quarters_between
from pipelines.metrics import formulas

CAPEX = "capex"
WINDOWS = {"quarter": 1, "ttm": 4}
COMPANY, GROUP = "company", "group"


@dataclass(frozen=True)
class Pair:
    """One member's (or a group's) two figures over a window, or why they are missing."""

    numerator: float | None
    denominator: float | None
    reasons: list[str]


class Figures:
    """Lookup of ``marts.company_quarterly``: a company's figure for a metric and quarter,
    or why there is none."""

    def __init__(self, company_quarterly: pl.DataFrame) -> None:
        self.rows = {
            (r["ticker"], r["metric"], r["calendar_quarter"]): r
            for r in company_quarterly.iter_rows(named=True)
        }
        self.series = {(t, m) for t, m, _ in self.rows}

    def value(self, ticker: str, metric: str, quarter: str) -> tuple[float | None, str | None]:
        row = self.rows.get((ticker, metric, quarter))
        if row is not None and row["value_usd_m"] is not None:
            return float(row["value_usd_m"]), None
        if row is not None:
            return None, f"{metric} {quarter}: {row['missing_reason'] or 'not reported'}"
        if (ticker, metric) in self.series:
            return None, f"{metric} {quarter} outside {ticker}'s reported span"
        return None, f"no {metric} series for {ticker}"

    def quarters(self, ticker: str, metrics: tuple[str, ...]) -> list[str]:
        return sorted(q for t, m, q in self.rows if t == ticker and m in metrics)

    def definition(self, ticker: str) -> str:
        for (t, m, _), row in self.rows.items():
            if t == ticker and m == CAPEX and row["definition"]:
                return str(row["definition"])
        return "no capex series"


def window_quarters(quarter: str, window: str) -> list[str]:
    """The calendar quarters a window ending at ``quarter`` covers, oldest first."""
    n = WINDOWS[window]
    return [shift_calendar_quarter(quarter, -i) for i in range(n - 1, -1, -1)]


def member_pair(
    figures: Figures, ticker: str, numerator: str, denominator: str, quarters: list[str]
) -> Pair:
    """A company's two figures summed over ``quarters`` (None where any quarter is missing)."""
    sums: dict[str, float | None] = {}
    reasons: list[str] = []
    for metric in (numerator, denominator):
        values = []
        for q in quarters:
            value, reason = figures.value(ticker, metric, q)
            values.append(value)
            if reason and reason not in reasons:
                reasons.append(reason)
        sums[metric] = formulas.trailing_sum(values, len(quarters))
    return Pair(sums[numerator], sums[denominator], reasons)


def paired_rows(
    company_quarterly: pl.DataFrame,
    group_members: pl.DataFrame,
    numerator: str,
    denominator: str,
) -> list[dict[str, Any]]:
    """Per company and group, calendar quarter and window: both sums (group: only when every
    member has both), the members counted, the capex definitions and why a sum is missing."""
    figures = Figures(company_quarterly)
    metrics = (numerator, denominator)
    # companies with both series; groups with at least one such member (a group none of
    # whose members has, say, capex gets no rows rather than rows that are all NULL)
    tickers = sorted(
        t for t in {t for t, _ in figures.series} if all((t, m) in figures.series for m in metrics)
    )
    members: dict[str, list[str]] = {}
    for r in group_members.iter_rows(named=True):
        members.setdefault(r["group_name"], []).append(r["ticker"])
    entities: list[tuple[str, str, list[str]]] = [(COMPANY, t, [t]) for t in tickers]
    entities += [
        (GROUP, g, sorted(ts)) for g, ts in sorted(members.items()) if set(ts) & set(tickers)
    ]
    rows: list[dict[str, Any]] = []
    for kind, entity, tickers_of in entities:
        seen = [q for t in tickers_of if t in tickers for q in figures.quarters(t, metrics)]
        if not seen:
            continue
        definitions = "; ".join(f"{t}: {figures.definition(t)}" for t in tickers_of)
        if kind == COMPANY:
            definitions = figures.definition(entity)
        for quarter in calendar_quarters_between(min(seen), max(seen)):
            for window in WINDOWS:
                quarters = window_quarters(quarter, window)
                pairs = {
                    t: member_pair(figures, t, numerator, denominator, quarters) for t in tickers_of
                }
                num, missing_num = formulas.complete_sum({t: p.numerator for t, p in pairs.items()})
                den, missing_den = formulas.complete_sum(
                    {t: p.denominator for t, p in pairs.items()}
                )
                complete = [
                    t
                    for t, p in pairs.items()
                    if p.numerator is not None and p.denominator is not None
                ]
                reasons = [
                    (reason if kind == COMPANY else f"{t}: {reason}")
                    for t, p in pairs.items()
                    for reason in p.reasons
                ]
                rows.append(
                    {
                        "entity_type": kind,
                        "entity": entity,
                        "calendar_quarter": quarter,
                        "period": window,
                        "members_expected": len(tickers_of),
                        "members_complete": len(complete),
                        "missing_members": ", ".join(sorted(set(missing_num) | set(missing_den)))
                        or None,
                        "numerator": num,
                        "denominator": den,
                        "capex_definitions": definitions,
                        "input_reason": " | ".join(reasons) or None,
                    }
                )
    return rows


def with_ratio(
    rows: list[dict[str, Any]],
    ratio: Callable[[float | None, float | None], formulas.Result],
) -> list[dict[str, Any]]:
    """Adds ``ratio_pct``, ``ratio_reason`` and ``ratio_yoy_change_pp`` (vs the same window
    ending four quarters earlier) to each row of :func:`paired_rows`."""
    for r in rows:
        result = ratio(r["numerator"], r["denominator"])
        r["ratio_pct"] = result.value
        r["ratio_reason"] = (
            None if result.value is not None else (r["input_reason"] or result.reason)
        )
    index = {(r["entity_type"], r["entity"], r["period"], r["calendar_quarter"]): r for r in rows}
    for r in rows:
        earlier = index.get(
            (
                r["entity_type"],
                r["entity"],
                r["period"],
                shift_calendar_quarter(r["calendar_quarter"], -4),
            )
        )
        r["ratio_yoy_change_pp"] = formulas.change_pp(
            r["ratio_pct"], earlier["ratio_pct"] if earlier else None
        )
    return rows


KEY_COLUMNS = ["entity_type", "entity", "calendar_quarter", "period"]
COUNT_COLUMNS = ["members_expected", "members_complete", "missing_members"]


def _frame(
    rows: list[dict[str, Any]], columns: dict[str, str], schema: dict[str, Any]
) -> pl.DataFrame:
    out = [{new: r[old] for new, old in columns.items()} for r in rows]
    frame = pl.DataFrame(out, schema=schema, orient="row")
    return frame.sort(["entity_type", "entity", "period", "calendar_quarter"])


def _schema(columns: list[str]) -> dict[str, Any]:
    types: dict[str, Any] = {
        "entity_type": pl.Utf8,
        "entity": pl.Utf8,
        "calendar_quarter": pl.Utf8,
        "period": pl.Utf8,
        "members_expected": pl.Int64,
        "members_complete": pl.Int64,
        "missing_members": pl.Utf8,
        "capex_definitions": pl.Utf8,
        "missing_reason": pl.Utf8,
    }
    return {c: types.get(c, pl.Float64) for c in columns}


def build_capex_intensity(
    company_quarterly: pl.DataFrame, group_members: pl.DataFrame
) -> pl.DataFrame:
    """``metrics.capex_intensity``: capex / revenue, %."""
    rows = with_ratio(
        paired_rows(company_quarterly, group_members, CAPEX, "revenue"),
        lambda n, d: formulas.ratio_pct(n, d, "capex", "revenue"),
    )
    columns = {
        **{c: c for c in KEY_COLUMNS + COUNT_COLUMNS},
        "capex_usd_m": "numerator",
        "revenue_usd_m": "denominator",
        "capex_to_revenue_pct": "ratio_pct",
        "capex_to_revenue_yoy_change_pp": "ratio_yoy_change_pp",
        "capex_definitions": "capex_definitions",
        "missing_reason": "ratio_reason",
    }
    return _frame(rows, columns, _schema(list(columns)))


def build_cash_coverage(
    company_quarterly: pl.DataFrame, group_members: pl.DataFrame
) -> pl.DataFrame:
    """``metrics.cash_coverage``: capex / operating cash flow, % and free cash flow after capex
    (operating cash flow - capex), USD m."""
    rows = with_ratio(
        paired_rows(company_quarterly, group_members, CAPEX, "operating_cash_flow"),
        lambda n, d: formulas.ratio_pct(
            n, d, "capex", "operating_cash_flow", positive_denominator=True
        ),
    )
    for r in rows:
        fcf = formulas.free_cash_flow_after_capex(r["denominator"], r["numerator"])
        r["fcf"] = fcf.value
        r["fcf_reason"] = None if fcf.value is not None else (r["input_reason"] or fcf.reason)
        reasons = [x for x in (r["ratio_reason"], r["fcf_reason"]) if x]
        r["reason"] = reasons[0] if reasons else None
    columns = {
        **{c: c for c in KEY_COLUMNS + COUNT_COLUMNS},
        "capex_usd_m": "numerator",
        "operating_cash_flow_usd_m": "denominator",
        "capex_to_ocf_pct": "ratio_pct",
        "capex_to_ocf_yoy_change_pp": "ratio_yoy_change_pp",
        "fcf_after_capex_usd_m": "fcf",
        "capex_definitions": "capex_definitions",
        "missing_reason": "reason",
    }
    return _frame(rows, columns, _schema(list(columns)))


def build_depreciation_vs_capex(
    company_quarterly: pl.DataFrame, group_members: pl.DataFrame
) -> pl.DataFrame:
    """``metrics.depreciation_vs_capex``: depreciation and amortization / capex, %, and its
    change vs a year earlier in percentage points."""
    rows = with_ratio(
        paired_rows(company_quarterly, group_members, "depreciation_amortization", CAPEX),
        lambda n, d: formulas.ratio_pct(n, d, "depreciation_amortization", "capex"),
    )
    columns = {
        **{c: c for c in KEY_COLUMNS + COUNT_COLUMNS},
        "depreciation_amortization_usd_m": "numerator",
        "capex_usd_m": "denominator",
        "da_to_capex_pct": "ratio_pct",
        "da_to_capex_yoy_change_pp": "ratio_yoy_change_pp",
        "capex_definitions": "capex_definitions",
        "missing_reason": "ratio_reason",
    }
    return _frame(rows, columns, _schema(list(columns)))
