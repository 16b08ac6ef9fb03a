"""Claims about a statement (raw.claims.subject_type = 'statement'): both verdicts compare with
the statement in force on the claim's date, a later revision is context only; a measured value
keeps today's (restated) figure. Fixture rows, run with ``run_model`` in milliseconds."""

import datetime as dt
from typing import Any

import pytest

from tests.sqlmodel import TODAY, run_model
from tests.test_marts_claims import CLAIM, NO_MARTS

D = dt.date(2025, 8, 4)  # the claims' date
COMPANIES = [
    {"ticker": "G", "fiscal_calendar": "month_end:dec"},
    {"ticker": "C", "fiscal_calendar": "month_end:dec"},
    {"ticker": "M", "fiscal_calendar": "nearest:sat:jan-31:q4"},  # fiscal periods: FY2026Q2
]


def _guidance(ticker: str, low: float | None, mid: float | None, high: float | None,
              given_on: dt.date, source: str) -> dict[str, Any]:  # fmt: skip
    return {"ticker": ticker, "guided_period": "FY2025", "basis": "fy",
            "capex_definition": "unspecified", "low_usd_m": low, "mid_usd_m": mid,
            "high_usd_m": high, "given_on": given_on, "reported_on": given_on,
            "source_title": source, "source_url": "https://example.org/" + source}  # fmt: skip


def _consensus(value: float, published: dt.date) -> list[dict[str, Any]]:
    """A revenue consensus of M for FY2026Q2 at each vintage that knows it."""
    row = {"ticker": "M", "metric": "revenue", "value_kind": "consensus",
           "basis": "discrete", "fiscal_year": 2026, "fiscal_quarter": 2, "value": value,
           "unit": "USD_m", "published": published, "source_title": f"consensus {published}",
           "source_url": "https://example.org/c"}  # fmt: skip
    return [{**row, "as_of": v} for v in (D, TODAY) if published <= v]


def _judge(claims: list[dict], guidance: list[dict], figures: list[dict],
           variables: dict | None = None) -> dict[str, dict]:  # fmt: skip
    rows = [{**CLAIM, "unit": "USD_bn", "subject_type": "statement", **c} for c in claims]
    facts = run_model(
        "marts.claim_facts",
        {**NO_MARTS, "raw.claims": rows, "raw.companies": COMPANIES,
         "raw.capex_guidance": guidance, "as_of.figures_known": figures},
        variables,
    )  # fmt: skip
    checks = run_model(
        "marts.claim_checks",
        {"raw.claims": rows, "marts.claim_facts": facts, "tco.claim_facts": []},
        variables,
    )
    return {r["claim_id"]: r for r in checks}


def test_guidance_raise_is_context_not_a_contradiction():
    guidance = [
        _guidance("G", None, 75000, None, dt.date(2025, 2, 4), "feb"),
        _guidance("G", None, 85000, None, dt.date(2025, 7, 23), "jul"),
        _guidance("G", 91000, None, 93000, dt.date(2025, 10, 29), "oct"),
    ]
    claims = [
        {"claim_id": "C001", "entity": "G", "metric": "capex_guidance_usd_bn",
         "period": "2025", "stated_value": 85.0},
        {"claim_id": "C002", "entity": "G", "metric": "capex_guidance_prior_usd_bn",
         "period": "2025", "stated_value": 75.0},
    ]  # fmt: skip
    out = _judge(claims, guidance, [])
    raised = out["C001"]
    assert (raised["status"], raised["status_as_of_claim"]) == ("confirmed", "confirmed")
    assert (raised["computed_value"], raised["statement_date"]) == (85.0, dt.date(2025, 7, 23))
    assert raised["revision"] == "raised to 91–93 bn on 2025-10-29"
    assert (raised["revised_value"], raised["revised_on"]) == (92.0, dt.date(2025, 10, 29))
    assert raised["subject_type"] == "statement"
    prior = out["C002"]  # "the previous guidance": the one before the 85 in force on D
    assert (prior["status"], prior["computed_value"]) == ("confirmed", 75.0)
    assert prior["statement_date"] == dt.date(2025, 2, 4)


def test_guidance_cut():
    guidance = [
        _guidance("C", 20000, None, 23000, dt.date(2025, 5, 14), "may"),
        _guidance("C", 12000, None, 14000, dt.date(2025, 11, 10), "nov"),
    ]
    claims = [{"claim_id": "C001", "entity": "C", "metric": "capex_guidance_low_usd_bn",
               "period": "2025", "stated_value": 20.0}]  # fmt: skip
    cut = _judge(claims, guidance, [])["C001"]
    assert (cut["status"], cut["status_as_of_claim"]) == ("confirmed", "confirmed")
    assert cut["revision"] == "cut to 12 bn on 2025-11-10" and cut["revised_value"] == 12.0
    assert cut["change_reason"] is None


def test_stale_consensus_is_not_in_force():
    claims = [{"claim_id": "C001", "entity": "M", "metric": "revenue_consensus_usd_bn",
               "period": "FY2026Q2", "stated_value": 2.01, "decimals": 2}]  # fmt: skip
    # 1,980 m on 2025-05-29 is 67 days old on D (over 45); 2,010 m comes after D
    figures = _consensus(1980.0, dt.date(2025, 5, 29)) + _consensus(2010.0, dt.date(2025, 8, 28))
    stale = _judge(claims, [], figures)["C001"]
    assert (stale["status"], stale["status_as_of_claim"]) == ("not_computable", "not_computable")
    assert "is 67 days old, over 45 (consensus_max_age_days): stale" in stale["reason"]
    assert stale["revision"] == "raised to 2.01 bn on 2025-08-28"
    # allowed 90 days, the 1.98 bn in force on D is compared (and the later 2.01 is not)
    old_ok = _judge(claims, [], figures, {"consensus_max_age_days": 90})["C001"]
    assert (old_ok["status"], old_ok["computed_value"]) == ("contradicted", 1.98)
    # a fresh consensus on D's eve confirms it, as of then and today
    fresh = _judge(claims, [], figures + _consensus(2010.0, dt.date(2025, 8, 3)))["C001"]
    assert (fresh["status"], fresh["status_as_of_claim"]) == ("confirmed", "confirmed")
    assert fresh["statement_date"] == dt.date(2025, 8, 3) and fresh["revision"] is not None
    # the same consensus dated 2025-08-03 by a source found later (known today only): in force
    # on D as known today, unknown then
    later = [r for r in _consensus(2010.0, dt.date(2025, 8, 3)) if r["as_of"] == TODAY]
    known_later = _judge(claims, [], figures + later)["C001"]
    assert (known_later["status"], known_later["status_as_of_claim"]) == (
        "confirmed",
        "not_computable",
    )
    assert known_later["change_reason"].startswith("became computable: a source published")


def test_restated_actual_keeps_todays_figure():
    claim = {**CLAIM, "claim_id": "C001", "entity": "A", "metric": "capex_usd_bn",
             "period": "2025Q2", "stated_value": 17.0, "unit": "USD_bn",
             "subject_type": "measured_value"}  # fmt: skip
    fact = {"entity": "A", "metric": "capex_usd_bn", "period": "2025Q2", "unit": "USD_bn",
            "method": "capex", "basis": "warehouse", "comparison": "equal"}  # fmt: skip
    facts = [{**fact, "computed_value": 17.0, "as_of": D}, {**fact, "computed_value": 17.5}]
    row = run_model(
        "marts.claim_checks",
        {"raw.claims": [claim], "marts.claim_facts": facts, "tco.claim_facts": []},
    )[0]
    assert (row["status_as_of_claim"], row["status"]) == ("confirmed", "contradicted")
    assert row["computed_value"] == pytest.approx(17.5)
    assert row["revision"] is None and row["subject_type"] == "measured_value"
    assert row["change_reason"].startswith("figures changed after the claim (restated")
