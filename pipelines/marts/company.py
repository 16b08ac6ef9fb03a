"""Every company's quarterly figures in one long table (``marts.company_quarterly``).

One row per company, metric and calendar quarter, from the company's first to its last
quarter with a figure for that metric (a gap inside that span is a row with a NULL value and
the reason). Metrics: ``capex`` (the company's cash capex in its own definition, as in
``marts.capex_quarterly``) and every flow metric of ``raw.financials`` whose discrete quarters
can be derived (revenue, AI and data-center revenue, operating cash flow, depreciation and
amortization, ...). The group marts sum this table.
"""

from __future__ import annotations

import polars as pl

from pipelines.calendar.fiscal import (
    calendar_quarter_of_fiscal,
    fiscal_quarter_end,
    fiscal_quarter_of_calendar,
    fiscal_quarter_start,
)
from pipelines.marts.capex import (
    DERIVABLE_METRICS,
    Company,
    _missing,
    discrete_figures,
)
from pipelines.marts.growth import calendar_quarters_between

CAPEX = "capex"
#: Metrics of the company table besides capex (capex components are in marts.capex_quarterly).
METRICS = tuple(
    m for m in DERIVABLE_METRICS if not m.startswith("capex_") and not m.startswith("proceeds_")
)

SCHEMA = {
    "ticker": pl.Utf8,
    "metric": pl.Utf8,
    "calendar_quarter": pl.Utf8,
    "fiscal_year": pl.Int64,
    "fiscal_quarter": pl.Int64,
    "period_start": pl.Date,
    "period_end": pl.Date,
    "value_usd_m": pl.Float64,
    "definition": pl.Utf8,
    "is_derived": pl.Boolean,
    "derivation": pl.Utf8,
    "missing_reason": pl.Utf8,
}


def build_company_quarterly(
    actuals: pl.DataFrame, companies: dict[str, Company], capex_quarterly: pl.DataFrame
) -> pl.DataFrame:
    """``marts.company_quarterly`` from reported figures and ``marts.capex_quarterly``."""
    figures, inventory = discrete_figures(actuals, companies)
    records: list[dict] = []
    for r in capex_quarterly.to_dicts():
        records.append(
            {
                "ticker": r["ticker"],
                "metric": CAPEX,
                "calendar_quarter": r["calendar_quarter"],
                "fiscal_year": r["fiscal_year"],
                "fiscal_quarter": r["fiscal_quarter"],
                "period_start": r["period_start"],
                "period_end": r["period_end"],
                "value_usd_m": r["capex_usd_m"],
                "definition": r["capex_definition"],
                "is_derived": r["capex_is_derived"],
                "derivation": r["capex_derivation"],
                "missing_reason": r["missing_reason"],
            }
        )
    spans: dict[tuple[str, str], list[str]] = {}
    for ticker, metric, fy, q in figures:
        if metric in METRICS and ticker in companies:
            label = calendar_quarter_of_fiscal(companies[ticker].calendar, fy, q)
            spans.setdefault((ticker, metric), []).append(label)
    for (ticker, metric), labels in sorted(spans.items()):
        rule = companies[ticker].calendar
        for label in calendar_quarters_between(min(labels), max(labels)):
            fy, q = fiscal_quarter_of_calendar(rule, label)
            fig = figures.get((ticker, metric, fy, q))
            records.append(
                {
                    "ticker": ticker,
                    "metric": metric,
                    "calendar_quarter": label,
                    "fiscal_year": fy,
                    "fiscal_quarter": q,
                    "period_start": fiscal_quarter_start(rule, fy, q),
                    "period_end": fiscal_quarter_end(rule, fy, q),
                    "value_usd_m": fig.value if fig else None,
                    "definition": metric,
                    "is_derived": fig.is_derived if fig else None,
                    "derivation": fig.method if fig else None,
                    "missing_reason": None if fig else _missing(inventory, ticker, metric, fy, q),
                }
            )
    frame = pl.DataFrame(records, schema=SCHEMA)
    return frame.sort("ticker", "metric", "calendar_quarter")
