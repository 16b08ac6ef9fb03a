"""marts.surprise and marts.guidance_vs_actual: a few rows with ``run_model``, then the frozen
snapshot's warehouse (every company with a consensus has a surprise row; the chip suppliers'
surprises and guidance equal marts.ai_revenue_quarterly's; no statement claim is judged
against a later statement)."""

import datetime as dt
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.sqlmodel import run_model

RESULTS = dt.date(2025, 7, 30)


def _figure(kind: str, metric: str, value: float, published: dt.date | None,
            **extra: Any) -> dict[str, Any]:  # fmt: skip
    return {"ticker": "H", "metric": metric, "value_kind": kind, "basis": "discrete",
            "fiscal_year": 2025, "fiscal_quarter": 2, "value": value, "unit": "USD_m",
            "published": published, "source_title": f"{kind} {published}",
            "source_url": "https://example.org", **extra}  # fmt: skip


def _staging(figures: list[dict]) -> dict[str, list[dict]]:
    actual = {"ticker": "H", "metric": "revenue", "basis": "discrete", "fiscal_year": 2025,
              "fiscal_quarter": 2, "value": 47516.0, "unit": "USD_m", "published": RESULTS,
              "first_published": RESULTS, "source_title": "results"}  # fmt: skip
    return {
        "staging.figures_known": figures,
        "staging.actual_figures": [actual],
        "staging.discrete_quarters": [],
        "staging.fiscal_quarters": [],
    }


def test_a_hyperscaler_surprise_with_age_and_stale_flag():
    fresh = _figure("consensus", "revenue", 44800.0, RESULTS)
    old = _figure("consensus", "revenue", 44000.0, dt.date(2025, 5, 1))
    (row,) = run_model("marts.surprise", _staging([fresh, old]))
    assert (row["ticker"], row["metric"], row["period"]) == ("H", "revenue", "FY2025Q2")
    assert (row["actual"], row["consensus"], row["consensus_figures"]) == (47516.0, 44800.0, 2)
    assert row["surprise_abs"] == 47516.0 - 44800.0
    assert row["surprise_pct"] == pytest.approx((47516 / 44800 - 1) * 100)
    assert (row["consensus_age_days"], row["is_stale"], row["surprise_status"]) == (
        0,
        False,
        "beat",
    )
    # only the 90-day-old consensus: picked, flagged stale (over 45 days)
    (stale,) = run_model("marts.surprise", _staging([old]))
    assert (stale["consensus_age_days"], stale["is_stale"]) == (90, True)
    assert stale["surprise_status"] == "stale_consensus"
    # an undated consensus still gives the company its row
    (undated,) = run_model("marts.surprise", _staging([{**fresh, "published": None}]))
    assert (undated["consensus"], undated["surprise_status"]) == (None, "no_consensus")


def test_guidance_in_force_at_the_results_and_capex_guidance():
    guided = [
        _figure("guidance_low", "revenue", 42500.0, dt.date(2025, 4, 30)),
        _figure("guidance_high", "revenue", 45500.0, dt.date(2025, 4, 30)),
        _figure("guidance_mid", "revenue", 50000.0, dt.date(2025, 7, 31)),  # after: not in force
    ]
    capex = {"ticker": "G", "guided_period": "FY2025", "low_usd_m": 91000.0,
             "high_usd_m": 93000.0, "known_since": dt.date(2025, 10, 29), "source_title": "oct",
             "from_seed": False, "actuals_metric": "cash", "quarters_in_period": 4,
             "quarters_reported": 4, "reported_to_date_usd_m": 91447.0}  # fmt: skip
    rows = run_model(
        "marts.guidance_vs_actual", {**_staging(guided), "marts.capex_guidance": [capex]}
    )
    by = {(r["ticker"], r["metric"]): r for r in rows}
    rev = by["H", "revenue"]
    assert (rev["guided_low"], rev["guided_mid"], rev["guided_high"]) == (42500.0, None, 45500.0)
    assert (rev["guided_point"], rev["point_method"]) == (44000.0, "midpoint_of_range")
    assert (rev["outcome"], rev["given_on"]) == ("above_range", dt.date(2025, 4, 30))
    cap = by["G", "capex"]
    assert (cap["period"], cap["actual"], cap["outcome"]) == ("FY2025", 91447.0, "within_range")
    assert cap["actual_vs_point_pct"] == pytest.approx((91447 / 92000 - 1) * 100)
    seed = run_model(
        "marts.guidance_vs_actual",
        {**_staging([]), "marts.capex_guidance": [{**capex, "from_seed": True}]},
    )[0]
    assert (seed["outcome"], seed["actual_vs_point_pct"]) == ("seed_statement", None)


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


def test_snapshot_surprise_guidance_and_statement_claims(refreshed_warehouse: Path):
    con = duckdb.connect(str(refreshed_warehouse), read_only=True)
    consensus = {t for (t,) in _rows(con, "SELECT ticker FROM raw.financials "
                                          "WHERE value_kind = 'consensus'")}  # fmt: skip
    surprise = {t for (t,) in _rows(con, "SELECT ticker FROM marts.surprise")}
    assert consensus and consensus <= surprise
    assert {"META", "MSFT", "GOOGL"} <= surprise  # not only the chip suppliers
    differ = _rows(
        con,
        """SELECT s.ticker, s.metric, s.period FROM marts.surprise AS s
           JOIN marts.ai_revenue_quarterly AS a USING (ticker, fiscal_year, fiscal_quarter)
           WHERE (s.metric = 'revenue' AND s.surprise_pct IS DISTINCT FROM a.revenue_surprise_pct)
              OR (s.metric = 'eps_adjusted'
                  AND s.surprise_pct IS DISTINCT FROM a.eps_surprise_pct)""",
    )
    assert differ == []
    compared = _rows(
        con,
        """SELECT count(*) FROM marts.guidance_vs_actual AS g
           JOIN marts.ai_revenue_quarterly AS a USING (ticker, fiscal_year, fiscal_quarter)
           WHERE g.metric = 'revenue' AND a.revenue_guidance_usd_m IS NOT NULL
             AND g.guided_point = a.revenue_guidance_usd_m""",
    )[0][0]
    assert compared > 0
    # statement claims: none judged against a statement made after the claim
    assert _rows(con, "SELECT claim_id FROM marts.claim_checks WHERE subject_type = "
                      "'statement' AND statement_date > claim_date") == []  # fmt: skip
    counts = dict(_rows(con, "SELECT subject_type, count(*) FROM marts.claim_checks GROUP BY 1"))
    assert counts == {"statement": 32, "measured_value": 58}
    meta = {r[0]: r[1:] for r in _rows(con, "SELECT claim_id, status, reason FROM "
            "marts.claim_checks WHERE claim_id IN ('C040', 'C077', 'C079')")}  # fmt: skip
    assert meta["C040"][0] == meta["C077"][0] == "confirmed"  # 66 bn, given 2025-07-30
    # the snapshot's only META guidance before 2025-07-30 is the seed's own: never compared
    assert meta["C079"][0] == "not_computable" and "the seed's own" in meta["C079"][1]
