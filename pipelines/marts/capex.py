"""Capex per company and calendar quarter (``marts.capex_quarterly``), from reported figures.

Input: the reported figures of ``sql/marts/actual_figures.sql`` (one vintage per figure) and
``raw.companies``, which names for every company with a capex series the metric that is its
cash capex (``capex_metric``, e.g. additions to or purchases of property and equipment), an
optional metric subtracted from it (``capex_less_metric``, e.g. proceeds from property and
equipment sales and incentives: the net figure the company itself quotes; gross purchases
and the subtracted figure are kept in their own columns) and the definition's name.
Quarters that are only reported inside year-to-date or full-year figures are derived
(``pipelines.marts.growth.derive_discrete_quarters``) and marked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import polars as pl

from pipelines.calendar.fiscal import (
    calendar_quarter_of_fiscal,
    fiscal_quarter_end,
    fiscal_quarter_of_calendar,
    fiscal_quarter_start,
    shift_calendar_quarter,
)
from pipelines.marts.growth import (
    DerivedQuarter,
    calendar_quarters_between,
    derive_discrete_quarters,
    pct_change,
    pct_change_expr,
    ratio_pct_expr,
    ttm,
)

ADDITIONS = "capex_additions_to_pp_e"
PURCHASES = "capex_purchases_pp_e"
PROCEEDS = "proceeds_pp_e_sales_incentives"
NET_OF_PROCEEDS = "capex_purchases_pp_e_net_of_proceeds"
INCL_FINANCE_LEASES = "capex_incl_finance_leases"
REVENUE = "revenue"

#: Flow metrics whose discrete quarters can be derived from year-to-date / full-year figures.
DERIVABLE_METRICS = (
    ADDITIONS,
    PURCHASES,
    PROCEEDS,
    INCL_FINANCE_LEASES,
    REVENUE,
    "ai_revenue",
    "data_center_revenue",
    "operating_cash_flow",
    "depreciation_amortization",
)


@dataclass(frozen=True)
class CapexDefinition:
    """A company's cash capex: ``metric`` minus ``less_metric`` (if any), named ``name``."""

    metric: str
    less_metric: str | None
    name: str


@dataclass(frozen=True)
class Company:
    ticker: str
    calendar: str
    capex: CapexDefinition | None


def companies_from_frame(frame: pl.DataFrame) -> dict[str, Company]:
    """``raw.companies`` rows as :class:`Company` objects, by ticker."""
    out = {}
    for r in frame.to_dicts():
        capex = (
            CapexDefinition(r["capex_metric"], r.get("capex_less_metric"), r["capex_definition"])
            if r.get("capex_metric")
            else None
        )
        out[r["ticker"]] = Company(r["ticker"], r["fiscal_calendar"], capex)
    return out


#: A figure the source printed in bn with fewer than 3 decimals is not used to derive a
#: quarter: its rounding error would land entirely in the derived quarter.
_ROUNDED = re.compile(r"stated in bn to (\d) decimal", re.IGNORECASE)


def is_rounded(source_note: str | None) -> bool:
    """True when ``source_note`` says the figure was printed in bn with < 3 decimals."""
    if not source_note:
        return False
    match = _ROUNDED.search(source_note)
    return bool(match) and int(match.group(1)) < 3


@dataclass(frozen=True)
class QuarterFigure:
    value: float
    method: str | None  # None = reported as a discrete quarter

    @property
    def is_derived(self) -> bool:
        return self.method is not None


Key = tuple[str, str, int, int]  # ticker, metric, fiscal_year, fiscal_quarter


def discrete_figures(
    actuals: pl.DataFrame, companies: dict[str, Company] | None = None
) -> tuple[dict[Key, QuarterFigure], dict[tuple[str, str, int], str]]:
    """Every discrete quarter the reported figures determine, per (ticker, metric, FY, Q).

    Also returns, per (ticker, metric, fiscal year), an inventory of what was reported
    (e.g. ``"Q2, FY"``), used to say why a quarter is missing.

    A company whose capex is purchases less proceeds: a full-year figure of the subtracted
    metric that is not printed is derived from the printed full-year purchases net of
    proceeds (``proceeds = purchases - net``).
    """
    less_of = {
        t: (c.capex.metric, c.capex.less_metric)
        for t, c in (companies or {}).items()
        if c.capex is not None and c.capex.less_metric
    }
    rows = actuals.filter(pl.col("metric").is_in([*DERIVABLE_METRICS, NET_OF_PROCEEDS])).to_dicts()
    by_year: dict[tuple[str, str, int], dict[str, dict[int, tuple[float, bool]]]] = {}
    for r in rows:
        slot = by_year.setdefault(
            (r["ticker"], r["metric"], r["fiscal_year"]), {"discrete": {}, "cumulative": {}}
        )
        rounded = is_rounded(r.get("source_note"))
        if r["basis"] == "discrete":
            slot["discrete"][r["fiscal_quarter"]] = (float(r["value"]), rounded)
        elif r["basis"] == "ytd":
            slot["cumulative"][r["fiscal_quarter"]] = (float(r["value"]), rounded)
        else:
            slot["cumulative"][4] = (float(r["value"]), rounded)

    notes: dict[tuple[str, str, int], str] = {}
    for (ticker, metric, fy), slot in list(by_year.items()):
        if metric != NET_OF_PROCEEDS or 4 not in slot["cumulative"] or ticker not in less_of:
            continue
        gross_metric, less_metric = less_of[ticker]
        purchases = by_year.get((ticker, gross_metric, fy), {}).get("cumulative", {}).get(4)
        proceeds = by_year.setdefault((ticker, less_metric, fy), {"discrete": {}, "cumulative": {}})
        net = slot["cumulative"][4]
        if purchases is not None and 4 not in proceeds["cumulative"]:
            proceeds["cumulative"][4] = (purchases[0] - net[0], purchases[1] or net[1])
            notes[(ticker, less_metric, fy)] = (
                f"FY proceeds = FY purchases - FY purchases net of proceeds (as printed) = "
                f"{purchases[0]:.0f} - {net[0]:.0f}"
            )

    figures: dict[Key, QuarterFigure] = {}
    inventory: dict[tuple[str, str, int], str] = {}
    for (ticker, metric, fy), slot in by_year.items():
        if metric == NET_OF_PROCEEDS:
            continue
        names = [f"Q{q}" for q in sorted(slot["discrete"])]
        names += [{2: "H1", 3: "9M", 4: "FY"}.get(k, f"YTD{k}") for k in sorted(slot["cumulative"])]
        if (ticker, metric, fy) in notes:
            names = [n if n != "FY" else "FY derived from the printed net figure" for n in names]
        inventory[(ticker, metric, fy)] = ", ".join(names) if names else "nothing"
        exact_discrete = {q: v for q, (v, rounded) in slot["discrete"].items() if not rounded}
        exact_cumulative = {q: v for q, (v, rounded) in slot["cumulative"].items() if not rounded}
        derived: dict[int, DerivedQuarter] = derive_discrete_quarters(
            exact_discrete, exact_cumulative
        )
        for q, (value, _) in slot[
            "discrete"
        ].items():  # reported quarters as reported, rounded or not
            derived[q] = DerivedQuarter(value, None)
        note = notes.get((ticker, metric, fy))
        for q, d in derived.items():
            method = d.method
            if method is not None and note is not None and "FY" in method:
                method = f"{method} ({note})"
            figures[(ticker, metric, fy, q)] = QuarterFigure(d.value, method)
    return figures, inventory


def _fmt(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:g}"


def _lookup(
    figures: dict[Key, QuarterFigure], ticker: str, metric: str, fy: int, q: int
) -> QuarterFigure | None:
    return figures.get((ticker, metric, fy, q))


def _missing(
    inventory: dict[tuple[str, str, int], str], ticker: str, metric: str, fy: int, q: int
) -> str:
    have = inventory.get((ticker, metric, fy), "nothing")
    return f"{metric} FY{fy}Q{q} not reported and not derivable (FY{fy} has: {have})"


def build_capex_quarterly(actuals: pl.DataFrame, companies: dict[str, Company]) -> pl.DataFrame:
    """``marts.capex_quarterly`` from reported figures.

    ``actuals``: rows of ``sql/marts/actual_figures.sql``; ``companies``: the companies of
    ``raw.companies`` (only those with a capex definition get rows).
    """
    members = {t: c.calendar for t, c in companies.items() if c.capex is not None}
    actuals = actuals.filter(pl.col("ticker").is_in(list(members)))
    figures, inventory = discrete_figures(actuals, companies)
    definitions = {t: companies[t].capex for t in members}

    def capex_of(ticker: str, fy: int, q: int) -> tuple[float | None, str | None, str | None]:
        """(value, derivation, missing reason) of the company's cash capex."""
        definition = definitions[ticker]
        assert definition is not None
        if definition.less_metric:
            gross = _lookup(figures, ticker, definition.metric, fy, q)
            proceeds = _lookup(figures, ticker, definition.less_metric, fy, q)
            if gross is None or proceeds is None:
                reasons = []
                if gross is None:
                    reasons.append(_missing(inventory, ticker, definition.metric, fy, q))
                if proceeds is None:
                    reasons.append(_missing(inventory, ticker, definition.less_metric, fy, q))
                return None, None, "; ".join(reasons)
            method = f"purchases - proceeds = {_fmt(gross.value)} - {_fmt(proceeds.value)}"
            parts = [f"purchases: {gross.method}"] if gross.is_derived else []
            parts += [f"proceeds: {proceeds.method}"] if proceeds.is_derived else []
            if parts:
                method += " [" + "; ".join(parts) + "]"
            return gross.value - proceeds.value, method, None
        fig = _lookup(figures, ticker, definition.metric, fy, q)
        if fig is None:
            return None, None, _missing(inventory, ticker, definition.metric, fy, q)
        return fig.value, fig.method, None

    # per company, calendar quarters from its first to its last with a figure of its capex
    # definition (a quarter with only one of purchases / proceeds is a row with the reason)
    labels: dict[str, set[str]] = {}
    for ticker, metric, fy, q in figures:
        definition = definitions.get(ticker)
        if definition is not None and metric in (definition.metric, definition.less_metric):
            labels.setdefault(ticker, set()).add(calendar_quarter_of_fiscal(members[ticker], fy, q))
    if not labels:
        return pl.DataFrame(schema=_SCHEMA)

    records = []
    for ticker, rule in sorted(members.items()):
        if ticker not in labels:
            continue
        for label in calendar_quarters_between(min(labels[ticker]), max(labels[ticker])):
            fy, q = fiscal_quarter_of_calendar(rule, label)
            value, derivation, missing = capex_of(ticker, fy, q)
            definition = definitions[ticker]
            assert definition is not None
            gross = (
                _lookup(figures, ticker, definition.metric, fy, q)
                if definition.less_metric
                else None
            )
            proceeds = (
                _lookup(figures, ticker, definition.less_metric, fy, q)
                if definition.less_metric
                else None
            )
            leases = _lookup(figures, ticker, INCL_FINANCE_LEASES, fy, q)
            revenue = _lookup(figures, ticker, REVENUE, fy, q)
            records.append(
                {
                    "ticker": ticker,
                    "calendar_quarter": label,
                    "fiscal_year": fy,
                    "fiscal_quarter": q,
                    "period_start": fiscal_quarter_start(rule, fy, q),
                    "period_end": fiscal_quarter_end(rule, fy, q),
                    "capex_usd_m": value,
                    "capex_definition": definition.name,
                    "capex_is_derived": None if value is None else derivation is not None,
                    "capex_derivation": derivation,
                    "missing_reason": missing,
                    "capex_purchases_gross_usd_m": gross.value if gross else None,
                    "proceeds_pp_e_usd_m": proceeds.value if proceeds else None,
                    "capex_incl_finance_leases_usd_m": leases.value if leases else None,
                    "capex_incl_finance_leases_is_derived": leases.is_derived if leases else None,
                    "revenue_usd_m": revenue.value if revenue else None,
                }
            )
    frame = pl.DataFrame(records, schema=_BASE_SCHEMA)
    return add_growth(frame)


_BASE_SCHEMA = {
    "ticker": pl.Utf8,
    "calendar_quarter": pl.Utf8,
    "fiscal_year": pl.Int64,
    "fiscal_quarter": pl.Int64,
    "period_start": pl.Date,
    "period_end": pl.Date,
    "capex_usd_m": pl.Float64,
    "capex_definition": pl.Utf8,
    "capex_is_derived": pl.Boolean,
    "capex_derivation": pl.Utf8,
    "missing_reason": pl.Utf8,
    "capex_purchases_gross_usd_m": pl.Float64,
    "proceeds_pp_e_usd_m": pl.Float64,
    "capex_incl_finance_leases_usd_m": pl.Float64,
    "capex_incl_finance_leases_is_derived": pl.Boolean,
    "revenue_usd_m": pl.Float64,
}

COLUMN_ORDER = [
    "ticker",
    "calendar_quarter",
    "fiscal_year",
    "fiscal_quarter",
    "period_start",
    "period_end",
    "capex_usd_m",
    "capex_definition",
    "capex_is_derived",
    "capex_derivation",
    "missing_reason",
    "capex_qoq_pct",
    "capex_yoy_pct",
    "capex_ttm_usd_m",
    "capex_ttm_yoy_pct",
    "capex_purchases_gross_usd_m",
    "proceeds_pp_e_usd_m",
    "capex_purchases_gross_yoy_pct",
    "capex_incl_finance_leases_usd_m",
    "capex_incl_finance_leases_is_derived",
    "capex_incl_finance_leases_yoy_pct",
    "revenue_usd_m",
    "capex_to_revenue_pct",
    "capex_to_revenue_change_pct_points",
]

_SCHEMA = {**_BASE_SCHEMA, **{c: pl.Float64 for c in COLUMN_ORDER if c not in _BASE_SCHEMA}}


def lagged(
    frame: pl.DataFrame, keys: list[str], columns: list[str], lag: int, suffix: str
) -> pl.DataFrame:
    """Adds ``columns`` of the row ``lag`` calendar quarters earlier (same ``keys``), joined by
    quarter label, not by position: a gap in the rows gives NULL, never the wrong base."""
    earlier = frame.select(
        *keys,
        pl.col("calendar_quarter")
        .map_elements(lambda s: shift_calendar_quarter(s, lag), return_dtype=pl.Utf8)
        .alias("calendar_quarter"),
        *[pl.col(c).alias(f"{c}{suffix}") for c in columns],
    )
    return frame.join(earlier, on=[*keys, "calendar_quarter"], how="left")


def ttm_by_label(frame: pl.DataFrame, keys: list[str], column: str) -> pl.Series:
    """Trailing-twelve-month sums of ``column`` per row: the quarter and the three before."""
    values = {
        (*[row[k] for k in keys], row["calendar_quarter"]): row[column]
        for row in frame.iter_rows(named=True)
    }
    out = []
    for row in frame.iter_rows(named=True):
        prefix = [row[k] for k in keys]
        quarters = [shift_calendar_quarter(row["calendar_quarter"], -i) for i in range(4)]
        out.append(ttm([values.get((*prefix, label)) for label in quarters]))
    return pl.Series(out, dtype=pl.Float64)


def add_growth(frame: pl.DataFrame) -> pl.DataFrame:
    """QoQ, YoY, TTM and intensity columns of ``marts.capex_quarterly``."""
    frame = frame.with_columns(
        ratio_pct_expr(pl.col("capex_usd_m"), pl.col("revenue_usd_m")).alias("capex_to_revenue_pct")
    )
    frame = frame.with_columns(
        ttm_by_label(frame, ["ticker"], "capex_usd_m").alias("capex_ttm_usd_m")
    )
    level = [
        "capex_usd_m",
        "capex_purchases_gross_usd_m",
        "capex_incl_finance_leases_usd_m",
        "capex_ttm_usd_m",
    ]
    frame = lagged(frame, ["ticker"], ["capex_usd_m", "capex_to_revenue_pct"], 1, "_prev_q")
    frame = lagged(frame, ["ticker"], level, 4, "_prev_y")
    frame = frame.with_columns(
        pct_change_expr(pl.col("capex_usd_m"), pl.col("capex_usd_m_prev_q")).alias("capex_qoq_pct"),
        pct_change_expr(pl.col("capex_usd_m"), pl.col("capex_usd_m_prev_y")).alias("capex_yoy_pct"),
        pct_change_expr(pl.col("capex_ttm_usd_m"), pl.col("capex_ttm_usd_m_prev_y")).alias(
            "capex_ttm_yoy_pct"
        ),
        pct_change_expr(
            pl.col("capex_purchases_gross_usd_m"), pl.col("capex_purchases_gross_usd_m_prev_y")
        ).alias("capex_purchases_gross_yoy_pct"),
        pct_change_expr(
            pl.col("capex_incl_finance_leases_usd_m"),
            pl.col("capex_incl_finance_leases_usd_m_prev_y"),
        ).alias("capex_incl_finance_leases_yoy_pct"),
        (pl.col("capex_to_revenue_pct") - pl.col("capex_to_revenue_pct_prev_q")).alias(
            "capex_to_revenue_change_pct_points"
        ),
    )
    return frame.select(COLUMN_ORDER).sort("ticker", "calendar_quarter")


__all__ = [
    "build_capex_quarterly",
    "discrete_figures",
    "pct_change",
    "is_rounded",
]
