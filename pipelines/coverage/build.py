"""Pure functions behind ``meta.data_as_of`` and ``meta.coverage``."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import polars as pl

from pipelines.marts.growth import calendar_quarters_between

CONFIG_FILE = Path(__file__).with_name("coverage.toml")

AS_OF_SCHEMA = {
    "as_of": pl.Date,
    "ticker": pl.Utf8,
    "metric": pl.Utf8,
    "value_kind": pl.Utf8,
    "fiscal_period": pl.Utf8,
    "source_title": pl.Utf8,
    "source_url": pl.Utf8,
    "financials_rows": pl.Int64,
    "undated_rows": pl.Int64,
}

COVERAGE_SCHEMA = {
    "ticker": pl.Utf8,
    "metric": pl.Utf8,
    "calendar_quarter": pl.Utf8,
    "status": pl.Utf8,
    "value_usd_m": pl.Float64,
    "explained": pl.Boolean,
    "reason": pl.Utf8,
}


def from_quarter() -> str:
    with CONFIG_FILE.open("rb") as handle:
        return str(tomllib.load(handle)["from_quarter"])


def data_as_of(financials: pl.DataFrame) -> pl.DataFrame:
    """One row: the publication date of the newest dated figure in raw.financials, which
    figure it is, and how many rows the file has (and how many are undated)."""
    dated = financials.filter(pl.col("published").is_not_null())
    undated = financials.height - dated.height
    if dated.is_empty():
        return pl.DataFrame(
            [{"financials_rows": financials.height, "undated_rows": undated}],
            schema=AS_OF_SCHEMA,
        )
    newest = dated.sort(["published", "ticker", "metric"], descending=[True, False, False]).row(
        0, named=True
    )
    quarter = f"Q{newest['fiscal_quarter']}" if newest["fiscal_quarter"] is not None else ""
    return pl.DataFrame(
        [
            {
                "as_of": newest["published"],
                "ticker": newest["ticker"],
                "metric": newest["metric"],
                "value_kind": newest["value_kind"],
                "fiscal_period": f"FY{newest['fiscal_year']}{quarter}",
                "source_title": newest["source_title"],
                "source_url": newest["source_url"],
                "financials_rows": financials.height,
                "undated_rows": undated,
            }
        ],
        schema=AS_OF_SCHEMA,
    )


def _note_for(notes: list[dict[str, Any]], ticker: str, metric: str, quarter: str) -> str | None:
    for n in notes:
        if n["ticker"] != ticker or n["metric"] not in (metric, "*"):
            continue
        if n["first_quarter"] <= quarter <= n["last_quarter"]:
            return str(n["reason"])
    return None


def build_coverage(
    company_quarterly: pl.DataFrame, notes: pl.DataFrame, start: str
) -> pl.DataFrame:
    """``meta.coverage``: for each company and metric it reports, every calendar quarter from
    ``start`` to the company's latest quarter with any figure: present (reported as a
    discrete quarter), derived (from year-to-date / full-year figures) or missing, with the
    reason. A missing quarter is explained when ``raw/coverage_notes.csv`` covers it (why it
    could not be sourced); the pipeline's own reason (what was reported that year) is kept."""
    rows = company_quarterly.to_dicts()
    by_key = {(r["ticker"], r["metric"], r["calendar_quarter"]): r for r in rows}
    latest: dict[str, str] = {}
    for r in rows:
        if r["value_usd_m"] is not None:
            latest[r["ticker"]] = max(
                latest.get(r["ticker"], r["calendar_quarter"]), r["calendar_quarter"]
            )
    metrics = sorted({(r["ticker"], r["metric"]) for r in rows})
    note_rows = notes.to_dicts()
    out = []
    for ticker, metric in metrics:
        if ticker not in latest or latest[ticker] < start:
            continue
        for quarter in calendar_quarters_between(start, latest[ticker]):
            r = by_key.get((ticker, metric, quarter))
            value = r["value_usd_m"] if r else None
            if value is not None:
                status = "derived" if r and r["is_derived"] else "present"
                out.append(
                    {
                        "ticker": ticker,
                        "metric": metric,
                        "calendar_quarter": quarter,
                        "status": status,
                        "value_usd_m": value,
                        "explained": True,
                        "reason": None,
                    }
                )
                continue
            note = _note_for(note_rows, ticker, metric, quarter)
            own = r["missing_reason"] if r else "no figure sourced for this quarter"
            out.append(
                {
                    "ticker": ticker,
                    "metric": metric,
                    "calendar_quarter": quarter,
                    "status": "missing",
                    "value_usd_m": None,
                    "explained": note is not None,
                    "reason": f"{note} ({own})" if note else f"unexplained: {own}",
                }
            )
    return pl.DataFrame(out, schema=COVERAGE_SCHEMA).sort("ticker", "metric", "calendar_quarter")
