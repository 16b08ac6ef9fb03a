"""The next-quarter drill: append one more quarter of plausible figures to a copy of raw/.

For every company, the fiscal quarter after its latest reported one gets, for every flow
metric it reported in its latest period, a figure in the same form (a discrete quarter,
or a year-to-date / full-year figure where that is how the company reports the metric),
5 % above the last quarter; per-share and percent metrics repeat. Also appended: a
consensus for each new quarter of a company that has consensus rows, a new capex-guidance
statement (a raise of the latest statement), and a restatement of one earlier quarter.
All new rows are published after everything already in the folder. The figures are made
up; the drill tests the pipeline, not the data.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from pipelines.calendar.fiscal import (
    calendar_quarter_of_fiscal,
    fiscal_quarter_end,
    fiscal_quarter_start,
    fiscal_year_start,
    shift_calendar_quarter,
)

GROWTH = 1.05
NOTE = "next-quarter drill (made-up figure)"


@dataclass
class Drill:
    """What the drill appended, to say which rows may change."""

    results_date: dt.date
    new_quarters: dict[str, str] = field(default_factory=dict)  # ticker -> calendar quarter
    restated: tuple[str, str] | None = None  # (ticker, calendar quarter)

    def may_change(self, ticker: str, calendar_quarter: str) -> bool:
        """True for a new quarter, and for the quarters of the restated quarter's fiscal year
        (a derived quarter of that year, e.g. Q4 = FY - (Q1 + Q2 + Q3), changes with it) and
        the seven after each (growth, TTM and TTM growth depend on up to eight quarters)."""
        if self.new_quarters.get(ticker) == calendar_quarter:
            return True
        if self.restated and self.restated[0] == ticker:
            base = self.restated[1]
            return calendar_quarter in {shift_calendar_quarter(base, k) for k in range(-3, 11)}
        return False


def _read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def _append(path: Path, columns: list[str], rows: list[dict[str, object]]) -> None:
    with path.open("a", encoding="utf-8", newline="") as handle:
        csv.DictWriter(handle, columns, lineterminator="\n").writerows(
            {c: r.get(c, "") for c in columns} for r in rows
        )


def _date(row: dict[str, str]) -> dt.date | None:
    value = row.get("published") or row.get("published_before")
    return dt.date.fromisoformat(value) if value else None


def _period(row: dict[str, str]) -> tuple[int, int]:
    return int(row["fiscal_year"]), 4 if row["basis"] == "fy" else int(row["fiscal_quarter"])


def _next(fy: int, q: int) -> tuple[int, int]:
    return (fy + 1, 1) if q == 4 else (fy, q + 1)


def append_next_quarter(raw: Path) -> Drill:
    columns, financials = _read(raw / "financials.csv")
    _, companies = _read(raw / "companies.csv")
    rules = {c["ticker"]: c["fiscal_calendar"] for c in companies}
    dates = [d for d in map(_date, financials) if d is not None]
    results = max(dates) + dt.timedelta(days=30)
    drill = Drill(results)
    actuals = [r for r in financials if r["value_kind"] == "actual"]
    new_rows: list[dict[str, object]] = []
    for ticker, rule in sorted(rules.items()):
        mine = [r for r in actuals if r["ticker"] == ticker]
        if not mine:
            continue
        latest = max(_period(r) for r in mine)
        fy, q = _next(*latest)
        drill.new_quarters[ticker] = calendar_quarter_of_fiscal(rule, fy, q)
        for metric in sorted({r["metric"] for r in mine if _period(r) == latest}):
            rows = [r for r in mine if r["metric"] == metric and _period(r) == latest]
            row = max(rows, key=lambda r: (r["basis"] == "discrete", _date(r) or dt.date.min))
            value = float(row["value"])
            if row["unit"] != "USD_m":
                new, basis = value, "discrete"
            elif row["basis"] == "discrete":
                new, basis = value * GROWTH, "discrete"
            elif q == 1:  # a new year starts with a discrete quarter
                new, basis = value / 4 * GROWTH, "discrete"
            else:  # cumulative reporter: year to date through the new quarter
                new, basis = value + value / latest[1] * GROWTH, "ytd"
            start = fiscal_quarter_start(rule, fy, q) if basis == "discrete" else None
            new_rows.append(
                {
                    **row,
                    "value": round(new, 3),
                    "fiscal_year": fy,
                    "fiscal_quarter": q,
                    "basis": basis,
                    "period_start": (start or fiscal_year_start(rule, fy)).isoformat(),
                    "period_end": fiscal_quarter_end(rule, fy, q).isoformat(),
                    "published": results.isoformat(),
                    "published_before": "",
                    "source_note": NOTE,
                }
            )
        if any(r["ticker"] == ticker and r["value_kind"] == "consensus" for r in financials):
            revenue = [r for r in new_rows if r["ticker"] == ticker and r["metric"] == "revenue"]
            for r in revenue:
                if r["basis"] == "discrete":
                    new_rows.append(
                        {
                            **r,
                            "value_kind": "consensus",
                            "value": round(float(r["value"]) * 0.98, 3),  # type: ignore[arg-type]
                            "published": (results - dt.timedelta(days=7)).isoformat(),
                            "compiled_by": "unnamed",
                        }
                    )
    # a restatement: the earliest dated discrete quarter of the capex metric of the first
    # company whose capex is that one metric (no proceeds to subtract, so capex changes too)
    capex_metric = {
        c["ticker"]: c["capex_metric"]
        for c in companies
        if c.get("capex_metric") and not c.get("capex_less_metric")
    }
    for ticker, metric in sorted(capex_metric.items()):
        old = [
            r
            for r in actuals
            if r["ticker"] == ticker
            and r["metric"] == metric
            and r["basis"] == "discrete"
            and r["published"]
        ]
        if old:
            row = min(old, key=lambda r: _period(r))
            new_rows.append(
                {
                    **row,
                    "value": round(float(row["value"]) * 1.01, 3),
                    "published": results.isoformat(),
                    "published_before": "",
                    "source_note": f"{NOTE}: restated",
                    "source_type": "filing",  # a restatement comes in the next 10-Q / 10-K
                }
            )
            fy, q = _period(row)
            drill.restated = (ticker, calendar_quarter_of_fiscal(rules[ticker], fy, q))
            break
    _append(raw / "financials.csv", columns, new_rows)

    g_columns, guidance = _read(raw / "capex_guidance.csv")
    dated = [g for g in guidance if g.get("given_on")]
    if dated:
        latest_g = max(dated, key=lambda g: g["given_on"])
        point = [
            float(latest_g[k]) for k in ("mid_usd_m", "high_usd_m", "low_usd_m") if latest_g[k]
        ]
        raise_row = {
            **latest_g,
            "low_usd_m": "",
            "high_usd_m": "",
            "mid_usd_m": round(point[0] * GROWTH, 3),
            "qualifier": "about",
            "given_on": results.isoformat(),
            "given_before": "",
            "reported_on": results.isoformat(),
            "source_title": f"{latest_g['source_title']} ({NOTE})",
            "source_note": NOTE,
        }
        _append(raw / "capex_guidance.csv", g_columns, [raise_row])
    return drill
