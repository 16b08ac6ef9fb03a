"""AI-exposed companies per fiscal quarter (``marts.ai_revenue_quarterly``).

Every company that reports (or has expectations for) AI revenue or data-center revenue in
``raw.financials`` gets rows; nothing here names a company.

Actuals come from ``sql/marts/actual_figures.sql`` (quarters only reported inside a
full-year figure are derived the same way as capex, unless that figure was printed
rounded to bn). Consensus, analyst estimates and guidance are picked per quarter by
``sql/marts/pick_expectation.sql`` relative to the quarter's results date:

* consensus / estimate: the latest published on or before the results date; failing that
  one quoted within ``CONSENSUS_QUOTE_WINDOW_DAYS`` days after (a post-results article
  quoting the pre-results expectation); the column ``*_consensus_timing`` says which;
* guidance for a quarter: the latest given on or before its results date;
* next-quarter guidance of a row: the next quarter's guidance, if it was given on or after
  this quarter's results date (i.e. with these results); the next-quarter consensus it is
  compared with is picked with this quarter's results date.

Every surprise carries the age of the consensus it used (results date minus the consensus'
date, days) and a status: ``beat`` / ``miss`` / ``in_line``, or ``stale_consensus`` when the
consensus is older than the configured limit (``LEDGER_CONSENSUS_MAX_AGE_DAYS``, default 45),
``undated_consensus`` when its date is only bounded by its document's, ``no_consensus`` and
``not_reported``. A quarter with an undated actual is reported; its results date is unknown,
so no consensus is taken as the one in force.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import polars as pl

from pipelines.calendar.fiscal import (
    calendar_quarter_of_fiscal,
    fiscal_quarter_end,
    fiscal_quarter_start,
)
from pipelines.marts.capex import Company, discrete_figures
from pipelines.marts.growth import pct_change, share_pct, shift_fiscal_quarter

#: How many days after the results a quoted consensus still counts as the pre-results one.
CONSENSUS_QUOTE_WINDOW_DAYS = 7
METRICS = ("revenue", "ai_revenue", "eps_adjusted")
#: A company is in this table when it has a figure of one of these metrics.
AI_METRICS = ("ai_revenue", "data_center_revenue")
#: Default limit on a consensus' age at the results date before it is flagged stale.
DEFAULT_MAX_CONSENSUS_AGE_DAYS = 45
#: A surprise within this many percent either way is in line.
IN_LINE_PCT = 0.0

#: pick(requests, value_kind, window_days) -> picked rows (see pick_expectation.sql)
Picker = Callable[[pl.DataFrame, str, int], pl.DataFrame]

REQUEST_SCHEMA = {
    "ticker": pl.Utf8,
    "metric": pl.Utf8,
    "fiscal_year": pl.Int64,
    "fiscal_quarter": pl.Int64,
    "as_of": pl.Date,
    "is_reported": pl.Boolean,
}


def consensus_age_days(results: dt.date | None, published: dt.date | None) -> int | None:
    """Days from a consensus' date to the results (negative when quoted after them)."""
    if results is None or published is None:
        return None
    return (results - published).days


def surprise_status(
    is_reported: bool,
    surprise_pct: float | None,
    pick: dict[str, Any] | None,
    age_days: int | None,
    max_age_days: int,
) -> str:
    """How to read a surprise: beat / miss / in_line, or why it is not a clean one."""
    if not is_reported:
        return "not_reported"
    if pick is None or surprise_pct is None:
        return "no_consensus"
    if pick.get("timing") == "undated_before_results":
        return "undated_consensus"
    if age_days is not None and age_days > max_age_days:
        return "stale_consensus"
    if surprise_pct > IN_LINE_PCT:
        return "beat"
    if surprise_pct < -IN_LINE_PCT:
        return "miss"
    return "in_line"


def _picks(
    pick: Picker, requests: list[dict[str, Any]], kind: str, window: int
) -> dict[tuple, dict[str, Any]]:
    frame = pl.DataFrame(requests, schema=REQUEST_SCHEMA)
    out = pick(frame, kind, window)
    return {
        (r["ticker"], r["metric"], r["fiscal_year"], r["fiscal_quarter"]): r for r in out.to_dicts()
    }


def _guidance(
    picks: dict[str, dict[tuple, dict[str, Any]]], key: tuple
) -> tuple[float | None, dt.date | None]:
    """Guidance value (mid, else midpoint of low/high, else the low bound) and its date."""
    mid, low, high = (picks[k].get(key) for k in ("guidance_mid", "guidance_low", "guidance_high"))
    if mid is not None:
        return mid["value"], mid["published"]
    if low is not None and high is not None:
        return (low["value"] + high["value"]) / 2.0, max(
            low["published"] or dt.date.min, high["published"] or dt.date.min
        )
    if low is not None:
        return low["value"], low["published"]
    return None, None


def ai_companies(actuals: pl.DataFrame, expectations: pl.DataFrame) -> set[str]:
    """Tickers with an AI or data-center revenue figure or expectation."""
    return set(
        pl.concat([actuals.select("ticker", "metric"), expectations.select("ticker", "metric")])
        .filter(pl.col("metric").is_in(AI_METRICS))["ticker"]
        .to_list()
    )


def build_ai_revenue_quarterly(
    actuals: pl.DataFrame,
    expectations: pl.DataFrame,
    companies: dict[str, Company],
    pick: Picker,
    max_age_days: int = DEFAULT_MAX_CONSENSUS_AGE_DAYS,
) -> pl.DataFrame:
    """``actuals``: actual_figures.sql rows; ``expectations``: the non-actual rows of
    raw.financials in scope (to know which quarters exist); ``companies``: raw.companies."""
    tickers = ai_companies(actuals, expectations) & set(companies)
    rules = {t: companies[t].calendar for t in tickers}
    actuals = actuals.filter(pl.col("ticker").is_in(list(rules)))
    expectations = expectations.filter(pl.col("ticker").is_in(list(rules)))
    figures, _ = discrete_figures(actuals)
    eps = {
        (r["ticker"], r["fiscal_year"], r["fiscal_quarter"]): r["value"]
        for r in actuals.filter(
            (pl.col("metric") == "eps_adjusted") & (pl.col("basis") == "discrete")
        ).to_dicts()
    }
    results: dict[tuple[str, int, int], dt.date] = {}
    reported: set[tuple[str, int, int]] = set()
    for r in actuals.filter(pl.col("basis") == "discrete").to_dicts():
        key = (r["ticker"], r["fiscal_year"], r["fiscal_quarter"])
        reported.add(key)
        if r["first_published"] is not None and (
            key not in results or r["first_published"] < results[key]
        ):
            results[key] = r["first_published"]
    reported |= {(t, fy, q) for (t, _m, fy, q) in figures}
    quarters = {
        (t, fy, q)
        for (t, m, fy, q) in figures
        if m in ("revenue", "ai_revenue", "data_center_revenue")
    }
    quarters |= set(eps)
    quarters |= {
        (r["ticker"], r["fiscal_year"], r["fiscal_quarter"])
        for r in expectations.filter(pl.col("basis") == "discrete").to_dicts()
    }

    own = [
        {
            "ticker": t,
            "metric": m,
            "fiscal_year": fy,
            "fiscal_quarter": q,
            "as_of": results.get((t, fy, q)),
            "is_reported": (t, fy, q) in reported,
        }
        for (t, fy, q) in quarters
        for m in METRICS
    ]
    following = []
    for t, fy, q in quarters:
        nfy, nq = shift_fiscal_quarter(fy, q, 1)
        for m in METRICS:
            following.append(
                {
                    "ticker": t,
                    "metric": m,
                    "fiscal_year": nfy,
                    "fiscal_quarter": nq,
                    "as_of": results.get((t, fy, q)),
                    "is_reported": (t, nfy, nq) in reported,
                }
            )
    consensus = _picks(pick, own, "consensus", CONSENSUS_QUOTE_WINDOW_DAYS)
    estimate = _picks(pick, own, "estimate", CONSENSUS_QUOTE_WINDOW_DAYS)
    next_consensus = _picks(pick, following, "consensus", CONSENSUS_QUOTE_WINDOW_DAYS)
    guidance = {
        k: _picks(pick, own, k, 0) for k in ("guidance_mid", "guidance_low", "guidance_high")
    }

    def value(t: str, m: str, fy: int, q: int) -> float | None:
        fig = figures.get((t, m, fy, q))
        return fig.value if fig else None

    records = []
    for t, fy, q in sorted(quarters):
        rule = rules[t]
        pfy, pq = shift_fiscal_quarter(fy, q, -1)
        nfy, nq = shift_fiscal_quarter(fy, q, 1)
        rev, ai, dc = (value(t, m, fy, q) for m in ("revenue", "ai_revenue", "data_center_revenue"))
        rev_c = consensus.get((t, "revenue", fy, q))
        ai_c = consensus.get((t, "ai_revenue", fy, q))
        eps_c = consensus.get((t, "eps_adjusted", fy, q))
        ai_e = estimate.get((t, "ai_revenue", fy, q))
        rev_g, rev_g_date = _guidance(guidance, (t, "revenue", fy, q))
        ai_g, ai_g_date = _guidance(guidance, (t, "ai_revenue", fy, q))
        res = results.get((t, fy, q))
        is_reported = (t, fy, q) in reported
        rev_s = pct_change(rev, rev_c["value"] if rev_c else None)
        ai_s = pct_change(ai, ai_c["value"] if ai_c else None)
        eps_s = pct_change(eps.get((t, fy, q)), eps_c["value"] if eps_c else None)
        ages = {
            name: consensus_age_days(res, c["published"] if c else None)
            for name, c in (("rev", rev_c), ("ai", ai_c), ("eps", eps_c))
        }
        next_rev_g, next_rev_g_date = _guidance(guidance, (t, "revenue", nfy, nq))
        next_ai_g, next_ai_g_date = _guidance(guidance, (t, "ai_revenue", nfy, nq))
        if res is None or next_rev_g_date is None or next_rev_g_date < res:
            next_rev_g = None
        if res is None or next_ai_g_date is None or next_ai_g_date < res:
            next_ai_g = None
        next_rev_c = next_consensus.get((t, "revenue", nfy, nq)) if res is not None else None
        next_ai_c = next_consensus.get((t, "ai_revenue", nfy, nq)) if res is not None else None
        records.append(
            {
                "ticker": t,
                "fiscal_year": fy,
                "fiscal_quarter": q,
                "calendar_quarter": calendar_quarter_of_fiscal(rule, fy, q),
                "period_start": fiscal_quarter_start(rule, fy, q),
                "period_end": fiscal_quarter_end(rule, fy, q),
                "is_reported": is_reported,
                "results_date": res,
                "revenue_usd_m": rev,
                "ai_revenue_usd_m": ai,
                "ai_revenue_share_pct": share_pct(ai, rev),
                "data_center_revenue_usd_m": dc,
                "data_center_revenue_share_pct": share_pct(dc, rev),
                "revenue_qoq_pct": pct_change(rev, value(t, "revenue", pfy, pq)),
                "revenue_yoy_pct": pct_change(rev, value(t, "revenue", fy - 1, q)),
                "ai_revenue_qoq_pct": pct_change(ai, value(t, "ai_revenue", pfy, pq)),
                "ai_revenue_yoy_pct": pct_change(ai, value(t, "ai_revenue", fy - 1, q)),
                "data_center_revenue_qoq_pct": pct_change(
                    dc, value(t, "data_center_revenue", pfy, pq)
                ),
                "data_center_revenue_yoy_pct": pct_change(
                    dc, value(t, "data_center_revenue", fy - 1, q)
                ),
                "revenue_consensus_usd_m": rev_c["value"] if rev_c else None,
                "revenue_consensus_published": rev_c["published"] if rev_c else None,
                "revenue_consensus_timing": rev_c["timing"] if rev_c else None,
                "revenue_consensus_source": rev_c["source"] if rev_c else None,
                "revenue_consensus_from_seed": rev_c["from_seed"] if rev_c else None,
                "revenue_consensus_compiled_by": rev_c["compiled_by"] if rev_c else None,
                "revenue_consensus_age_days": ages["rev"],
                "revenue_surprise_pct": rev_s,
                "revenue_surprise_status": surprise_status(
                    is_reported, rev_s, rev_c, ages["rev"], max_age_days
                ),
                "ai_revenue_consensus_usd_m": ai_c["value"] if ai_c else None,
                "ai_revenue_consensus_published": ai_c["published"] if ai_c else None,
                "ai_revenue_consensus_timing": ai_c["timing"] if ai_c else None,
                "ai_revenue_consensus_source": ai_c["source"] if ai_c else None,
                "ai_revenue_consensus_from_seed": ai_c["from_seed"] if ai_c else None,
                "ai_revenue_consensus_age_days": ages["ai"],
                "ai_revenue_surprise_pct": ai_s,
                "ai_revenue_surprise_status": surprise_status(
                    is_reported and ai is not None, ai_s, ai_c, ages["ai"], max_age_days
                ),
                "ai_revenue_estimate_usd_m": ai_e["value"] if ai_e else None,
                "ai_revenue_estimate_source": ai_e["source"] if ai_e else None,
                "ai_revenue_estimate_from_seed": ai_e["from_seed"] if ai_e else None,
                "revenue_guidance_usd_m": rev_g,
                "revenue_guidance_published": rev_g_date,
                "revenue_vs_guidance_pct": pct_change(rev, rev_g),
                "ai_revenue_guidance_usd_m": ai_g,
                "ai_revenue_guidance_published": ai_g_date,
                "next_q_revenue_guidance_usd_m": next_rev_g,
                "next_q_revenue_consensus_usd_m": next_rev_c["value"] if next_rev_c else None,
                "next_q_revenue_consensus_published": next_rev_c["published"]
                if next_rev_c
                else None,
                "next_q_guidance_vs_consensus_pct": pct_change(
                    next_rev_g, next_rev_c["value"] if next_rev_c else None
                ),
                "next_q_ai_revenue_guidance_usd_m": next_ai_g,
                "next_q_ai_revenue_consensus_usd_m": next_ai_c["value"] if next_ai_c else None,
                "next_q_ai_guidance_vs_consensus_pct": pct_change(
                    next_ai_g, next_ai_c["value"] if next_ai_c else None
                ),
                "eps_adjusted_usd": eps.get((t, fy, q)),
                "eps_consensus_usd": eps_c["value"] if eps_c else None,
                "eps_consensus_published": eps_c["published"] if eps_c else None,
                "eps_consensus_from_seed": eps_c["from_seed"] if eps_c else None,
                "eps_consensus_age_days": ages["eps"],
                "eps_surprise_pct": eps_s,
                "eps_surprise_status": surprise_status(
                    is_reported and eps.get((t, fy, q)) is not None,
                    eps_s,
                    eps_c,
                    ages["eps"],
                    max_age_days,
                ),
            }
        )
    return pl.DataFrame(records, schema=SCHEMA)


_FLOAT = pl.Float64
SCHEMA = {
    "ticker": pl.Utf8,
    "fiscal_year": pl.Int64,
    "fiscal_quarter": pl.Int64,
    "calendar_quarter": pl.Utf8,
    "period_start": pl.Date,
    "period_end": pl.Date,
    "is_reported": pl.Boolean,
    "results_date": pl.Date,
    "revenue_usd_m": _FLOAT,
    "ai_revenue_usd_m": _FLOAT,
    "ai_revenue_share_pct": _FLOAT,
    "data_center_revenue_usd_m": _FLOAT,
    "data_center_revenue_share_pct": _FLOAT,
    "revenue_qoq_pct": _FLOAT,
    "revenue_yoy_pct": _FLOAT,
    "ai_revenue_qoq_pct": _FLOAT,
    "ai_revenue_yoy_pct": _FLOAT,
    "data_center_revenue_qoq_pct": _FLOAT,
    "data_center_revenue_yoy_pct": _FLOAT,
    "revenue_consensus_usd_m": _FLOAT,
    "revenue_consensus_published": pl.Date,
    "revenue_consensus_timing": pl.Utf8,
    "revenue_consensus_source": pl.Utf8,
    "revenue_consensus_from_seed": pl.Boolean,
    "revenue_consensus_compiled_by": pl.Utf8,
    "revenue_consensus_age_days": pl.Int64,
    "revenue_surprise_pct": _FLOAT,
    "revenue_surprise_status": pl.Utf8,
    "ai_revenue_consensus_usd_m": _FLOAT,
    "ai_revenue_consensus_published": pl.Date,
    "ai_revenue_consensus_timing": pl.Utf8,
    "ai_revenue_consensus_source": pl.Utf8,
    "ai_revenue_consensus_from_seed": pl.Boolean,
    "ai_revenue_consensus_age_days": pl.Int64,
    "ai_revenue_surprise_pct": _FLOAT,
    "ai_revenue_surprise_status": pl.Utf8,
    "ai_revenue_estimate_usd_m": _FLOAT,
    "ai_revenue_estimate_source": pl.Utf8,
    "ai_revenue_estimate_from_seed": pl.Boolean,
    "revenue_guidance_usd_m": _FLOAT,
    "revenue_guidance_published": pl.Date,
    "revenue_vs_guidance_pct": _FLOAT,
    "ai_revenue_guidance_usd_m": _FLOAT,
    "ai_revenue_guidance_published": pl.Date,
    "next_q_revenue_guidance_usd_m": _FLOAT,
    "next_q_revenue_consensus_usd_m": _FLOAT,
    "next_q_revenue_consensus_published": pl.Date,
    "next_q_guidance_vs_consensus_pct": _FLOAT,
    "next_q_ai_revenue_guidance_usd_m": _FLOAT,
    "next_q_ai_revenue_consensus_usd_m": _FLOAT,
    "next_q_ai_guidance_vs_consensus_pct": _FLOAT,
    "eps_adjusted_usd": _FLOAT,
    "eps_consensus_usd": _FLOAT,
    "eps_consensus_published": pl.Date,
    "eps_consensus_from_seed": pl.Boolean,
    "eps_consensus_age_days": pl.Int64,
    "eps_surprise_pct": _FLOAT,
    "eps_surprise_status": pl.Utf8,
}
