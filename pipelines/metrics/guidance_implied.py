"""Guidance-implied spend (``metrics.guidance_implied``): one row per capex guidance statement.

For every row of ``raw.capex_guidance`` (a revision is a new statement, so a new row), the
capex the statement implies for the quarters of its guided period that were not yet
published on the statement's date, at its low, point and high figure:

    implied remaining = guided total - capex published to date

"Published to date" uses only the figures known on the statement's date
(``pipelines.marts.build.known_on``: a figure counts from its ``published`` date, an undated
one from its document's date), put through the same capex mart
(``pipelines.marts.capex.build_capex_quarterly``) as today's figures. The statement's date
is ``given_on``, else the day before ``given_before``, else the date of the document
reporting it (``pipelines.marts.guidance.statement_date``). The implied spend is compared
with the same fiscal quarters a year earlier (as known on the same date), and, once those
quarters are reported, with what was actually spent (today's figures).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import polars as pl

from pipelines.calendar.fiscal import fiscal_quarter_end
from pipelines.marts.build import Inputs, known_on
from pipelines.marts.growth import fiscal_label
from pipelines.marts.guidance import date_basis, pick_latest_and_previous, statement_date
from pipelines.metrics import formulas

_PERIOD = re.compile(r"^FY(\d{4})(?:Q([1-4]))?$")
INCL_FINANCE_LEASES = "incl_finance_leases"

#: (inputs known on a date) -> marts.capex_quarterly as it would have been built from them
CapexAsOf = Callable[[Inputs], pl.DataFrame]

SCHEMA: dict[str, Any] = {
    "ticker": pl.Utf8,
    "guided_period": pl.Utf8,
    "statement_number": pl.Int64,
    "statements_for_period": pl.Int64,
    "is_latest": pl.Boolean,
    "statement_date": pl.Date,
    "date_basis": pl.Utf8,
    "capex_definition": pl.Utf8,
    "actuals_metric": pl.Utf8,
    "qualifier": pl.Utf8,
    "low_usd_m": pl.Float64,
    "mid_usd_m": pl.Float64,
    "high_usd_m": pl.Float64,
    "point_usd_m": pl.Float64,
    "previous_point_usd_m": pl.Float64,
    "revision_point_usd_m": pl.Float64,
    "quarters_in_period": pl.Int64,
    "quarters_published": pl.Int64,
    "published_quarters": pl.Utf8,
    "published_to_date_usd_m": pl.Float64,
    "remaining_quarters": pl.Utf8,
    "implied_remaining_low_usd_m": pl.Float64,
    "implied_remaining_point_usd_m": pl.Float64,
    "implied_remaining_high_usd_m": pl.Float64,
    "implied_per_quarter_point_usd_m": pl.Float64,
    "year_earlier_quarters_usd_m": pl.Float64,
    "year_earlier_basis": pl.Utf8,
    "implied_growth_low_pct": pl.Float64,
    "implied_growth_point_pct": pl.Float64,
    "implied_growth_high_pct": pl.Float64,
    "is_period_reported": pl.Boolean,
    "actual_remaining_usd_m": pl.Float64,
    "actual_period_usd_m": pl.Float64,
    "actual_vs_implied_point_pct": pl.Float64,
    "missing_reason": pl.Utf8,
    "source_title": pl.Utf8,
}


def period_quarters(guided_period: str) -> tuple[int, list[int]]:
    """``FY2025`` -> (2025, [1, 2, 3, 4]); ``FY2026Q1`` -> (2026, [1])."""
    match = _PERIOD.match(guided_period)
    if match is None:
        raise ValueError(
            f"unexpected guided_period {guided_period!r} (expected FY2025 or FY2025Q3)"
        )
    fy = int(match.group(1))
    return fy, ([int(match.group(2))] if match.group(2) else [1, 2, 3, 4])


def capex_column(capex_definition: str | None) -> str:
    """The marts.capex_quarterly column a statement's definition is compared on."""
    return (
        "capex_incl_finance_leases_usd_m"
        if capex_definition == INCL_FINANCE_LEASES
        else "capex_usd_m"
    )


def _values(capex: pl.DataFrame, ticker: str, column: str) -> dict[tuple[int, int], float]:
    if capex.is_empty():
        return {}
    rows = capex.filter(pl.col("ticker") == ticker).select("fiscal_year", "fiscal_quarter", column)
    return {(fy, q): float(v) for fy, q, v in rows.iter_rows() if v is not None}


def _labels(fy: int, quarters: list[int]) -> str | None:
    return ", ".join(fiscal_label(fy, q) for q in quarters) or None


def _sum(values: dict[tuple[int, int], float], fy: int, quarters: list[int]) -> float | None:
    return formulas.trailing_sum([values.get((fy, q)) for q in quarters], len(quarters))


#: A year-earlier quarter that ended this many days before a statement was reported by then
#: (quarterly results come within ~60 days, annual reports within ~90), so today's figure may
#: stand in for one whose source gives no publication date.
SETTLED_DAYS = 120
AS_PUBLISHED = "published_by_statement_date"
TODAY_FOR_UNDATED = "today_for_undated_quarters"


def year_earlier_base(
    then: dict[tuple[int, int], float],
    today: dict[tuple[int, int], float],
    ends: dict[tuple[int, int], dt.date],
    fy: int,
    remaining: list[int],
    day: dt.date | None,
) -> tuple[float | None, str | None]:
    """Capex of the remaining quarters one fiscal year earlier, and its basis: as known on
    the statement's date; else, where every quarter missing then had ended at least
    :data:`SETTLED_DAYS` days before the statement, today's figures (flagged)."""
    if not remaining:
        return None, None
    known = _sum(then, fy - 1, remaining)
    if known is not None:
        return known, AS_PUBLISHED
    missing = [q for q in remaining if (fy - 1, q) not in then]
    settled = day is not None and all(
        (fy - 1, q) in ends and (day - ends[(fy - 1, q)]).days >= SETTLED_DAYS for q in missing
    )
    if not settled:
        return None, None
    values = [then.get((fy - 1, q), today.get((fy - 1, q))) for q in remaining]
    total = formulas.trailing_sum(values, len(remaining))
    return (total, TODAY_FOR_UNDATED) if total is not None else (None, None)


def implied_row(
    statement: dict[str, Any],
    then: dict[tuple[int, int], float],
    today: dict[tuple[int, int], float],
    quarter_ends: dict[tuple[int, int], dt.date] | None = None,
    no_series: str | None = None,
) -> dict[str, Any]:
    """The implied-spend columns of one statement, from the capex values known on its date
    (``then``) and today (``today``), keyed by (fiscal year, fiscal quarter).

    Capex published to date is unknown (NULL, with the reason) when a quarter of the period
    has no figure known on the date but a later one has, or when a quarter had ended before
    the statement yet no figure for it is dated on or before it (undated, missing, or not yet
    out): counting it as unpublished would inflate the implied spend. ``no_series``: why
    the company has no capex figures at all."""
    fy, quarters = period_quarters(statement["guided_period"])
    day = statement["statement_date"]
    known = [q for q in quarters if (fy, q) in then]
    published = []
    for q in quarters:  # published to date: the leading quarters known on the date
        if (fy, q) not in then:
            break
        published.append(q)
    remaining = quarters[len(published) :]
    gap = [q for q in quarters if q not in known and q < max(known, default=0)]
    ends = quarter_ends or {}
    ended = [
        q
        for q in remaining
        if day is not None and (fy, q) in ends and ends[(fy, q)] < day and q not in known
    ]
    done = (
        None if (gap or ended or no_series) else (_sum(then, fy, published) if published else 0.0)
    )
    low, mid, high = statement["low_usd_m"], statement["mid_usd_m"], statement["high_usd_m"]
    point = formulas.guidance_point(low, mid, high)
    implied = {
        name: formulas.implied_remaining(value, done, len(remaining))
        for name, value in (("low", low), ("point", point), ("high", high))
    }
    year_earlier, year_earlier_basis = year_earlier_base(then, today, ends, fy, remaining, day)
    growth = {
        name: formulas.growth_pct(result.value, year_earlier).value
        for name, result in implied.items()
    }
    actual_remaining = _sum(today, fy, remaining) if remaining else None
    actual_period = _sum(today, fy, quarters)
    reasons = []
    if no_series:
        reasons.append(f"capex published to date unknown: {no_series}")
    elif ended and not gap:
        reasons.append(
            f"capex published to date unknown: {_labels(fy, ended)} ended before "
            f"{day} but has no figure dated on or before it (undated, missing or not yet "
            "published)"
        )
    elif gap:
        reasons.append(
            f"capex published to date unknown: {_labels(fy, gap)} had no figure dated on or "
            f"before {statement['statement_date']} while a later quarter of the period had "
            "(undated or later-dated figure)"
        )
    elif implied["point"].value is None:
        reasons.append(f"implied: {implied['point'].reason}")
    if remaining and year_earlier is None:
        reasons.append(
            f"year-earlier quarters ({_labels(fy - 1, remaining)}) not all known: no figure "
            f"dated on or before {day}, and not reported {SETTLED_DAYS} days before it"
        )
    return {
        "point_usd_m": point,
        "quarters_in_period": len(quarters),
        "quarters_published": len(published),
        "published_quarters": _labels(fy, published),
        "published_to_date_usd_m": done,
        "remaining_quarters": _labels(fy, remaining),
        "implied_remaining_low_usd_m": implied["low"].value,
        "implied_remaining_point_usd_m": implied["point"].value,
        "implied_remaining_high_usd_m": implied["high"].value,
        "implied_per_quarter_point_usd_m": formulas.per_quarter(
            implied["point"].value, len(remaining)
        ),
        "year_earlier_quarters_usd_m": year_earlier,
        "year_earlier_basis": year_earlier_basis,
        "implied_growth_low_pct": growth["low"],
        "implied_growth_point_pct": growth["point"],
        "implied_growth_high_pct": growth["high"],
        "is_period_reported": actual_period is not None,
        "actual_remaining_usd_m": actual_remaining,
        "actual_period_usd_m": actual_period,
        "actual_vs_implied_point_pct": formulas.growth_pct(
            actual_remaining, implied["point"].value
        ).value,
        "missing_reason": "; ".join(reasons) or None,
    }


def build_guidance_implied(
    inputs: Inputs, capex_today: pl.DataFrame, capex_as_of: CapexAsOf
) -> pl.DataFrame:
    """``metrics.guidance_implied`` from the raw inputs, today's ``marts.capex_quarterly`` and
    a function that builds the capex mart from inputs known on a date."""
    by_period: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in inputs.guidance.to_dicts():
        by_period.setdefault((row["ticker"], row["guided_period"]), []).append(row)
    as_of_cache: dict[dt.date, pl.DataFrame] = {}
    records = []
    for (ticker, period), rows in sorted(by_period.items()):
        ordered: list[dict[str, Any]] = []
        remaining_rows = list(rows)
        while remaining_rows:  # the latest first, by the marts' own ordering rule
            latest, _ = pick_latest_and_previous(remaining_rows)
            ordered.insert(0, latest)
            remaining_rows = [r for r in remaining_rows if r is not latest]
        previous_point = None
        for number, statement in enumerate(ordered, start=1):
            day = statement_date(statement)
            column = capex_column(statement["capex_definition"])
            if day is None:
                then: dict[tuple[int, int], float] = {}
            else:
                if day not in as_of_cache:
                    as_of_cache[day] = capex_as_of(known_on(inputs, day))
                then = _values(as_of_cache[day], ticker, column)
            point = formulas.guidance_point(
                statement["low_usd_m"], statement["mid_usd_m"], statement["high_usd_m"]
            )
            rule = inputs.rules.get(ticker)
            fy, quarters = period_quarters(period)
            ends = (
                {(y, q): fiscal_quarter_end(rule, y, q) for y in (fy - 1, fy) for q in quarters}
                if rule
                else {}
            )
            company = inputs.company_map.get(ticker)
            no_series = (
                None
                if company is not None and company.capex is not None
                else f"{ticker} has no capex series (no capex_metric in raw.companies)"
            )
            record = {
                "ticker": ticker,
                "guided_period": period,
                "statement_number": number,
                "statements_for_period": len(ordered),
                "is_latest": number == len(ordered),
                "statement_date": day,
                "date_basis": date_basis(statement),
                "capex_definition": statement["capex_definition"],
                "actuals_metric": "incl_finance_leases"
                if column != "capex_usd_m"
                else "cash capex",
                "qualifier": statement["qualifier"],
                "low_usd_m": statement["low_usd_m"],
                "mid_usd_m": statement["mid_usd_m"],
                "high_usd_m": statement["high_usd_m"],
                "previous_point_usd_m": previous_point,
                "revision_point_usd_m": None
                if point is None or previous_point is None
                else point - previous_point,
                "source_title": statement["source_title"],
                **implied_row(
                    {**statement, "statement_date": day},
                    then,
                    _values(capex_today, ticker, column),
                    ends,
                    no_series,
                ),
            }
            records.append(record)
            previous_point = point
    frame = pl.DataFrame(records, schema=SCHEMA, orient="row")
    return frame.sort("ticker", "guided_period", "statement_number")
