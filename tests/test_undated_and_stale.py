"""Statements without a date, stale consensus, and claims judged as of their date.

An undated guidance statement, an undated actual and an undated consensus are stored and are
never taken as known on a date they may not have been public; a consensus older than the
configured limit is flagged. The logic on a few rows of the SQL models that hold it
(tests/sqlmodel.py: marts.capex_guidance, marts.ai_revenue_quarterly, staging.figures_known,
the surprise_status macro); the two verdicts of a claim on the snapshot
(``refreshed_warehouse``).
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pytest

from pipelines import settings
from pipelines.calendar.quarters import fiscal_quarter_rows
from pipelines.ledger_settings import MAX_CONSENSUS_AGE_ENV, LedgerSettings
from pipelines.raw.datasets import BY_NAME
from pipelines.raw.reference import companies_in_scope, company_rules, known_groups
from pipelines.raw.validation import validate_file
from pipelines.settings import SQL_DIR
from tests.conftest import FIXTURE_RAW
from tests.rawfiles import append_rows
from tests.sqlmodel import TODAY, run_model

D = dt.date
SOURCE = {"source_title": "Undated test source", "source_url": "https://example.invalid/undated"}


# ------------------------------------------------------------------ guidance statements
def _statement(period: str, low: float, high: float | None = None, **dates: D) -> dict:
    year = int(period[2:6])
    return {
        "ticker": "GOOGL",
        "guided_period": period,
        "period_start": D(year, 1, 1),
        "period_end": D(year, 12, 31),
        "basis": "fy",
        "capex_definition": "unspecified",
        "low_usd_m": low,
        "high_usd_m": high,
        **SOURCE,
        **dates,
    }


@pytest.fixture(scope="module")
def guidance() -> dict[tuple[D, str], dict[str, Any]]:
    """marts.capex_guidance at every vintage: GOOGL's FY2025 statements (a prior 75 bn known
    only as given before the 85 bn raise of 2025-07-23, the raise, and an undated 91-93 bn
    statement whose document is dated 2025-10-30) and an FY2026 one known only as prior."""
    statements = [
        # undated: no given_on, no given_before; its document is dated
        _statement("FY2025", 91000, 93000, reported_on=D(2025, 10, 30)),
        _statement("FY2025", 75000, given_before=D(2025, 7, 23), reported_on=D(2025, 8, 4)),
        _statement("FY2025", 85000, given_on=D(2025, 7, 23), reported_on=D(2025, 7, 24)),
        _statement("FY2026", 100000, given_before=D(2025, 7, 23), reported_on=D(2025, 8, 4)),
    ]
    vintages = [D(2025, 7, 22), D(2025, 7, 23), D(2025, 10, 29), TODAY]
    rows = run_model(
        "marts.capex_guidance",
        {
            "raw.capex_guidance": statements,
            "staging.vintages": [{"as_of": d} for d in vintages],
            "as_of.capex_quarterly": [],
            "staging.fiscal_quarters": fiscal_quarter_rows("GOOGL", "month_end:dec", 2024, 2027),
        },
        asof=True,
    )
    return {(r["as_of"], r["guided_period"]): r for r in rows}


def _columns(row: dict[str, Any], *names: str) -> tuple:
    return tuple(row[n] for n in names)


def test_undated_guidance_is_stored_ordered_and_flagged(guidance) -> None:
    # ordered by its document date (2025-10-30), after the 85 bn raise of 2025-07-23
    latest = guidance[(TODAY, "FY2025")]
    assert _columns(
        latest,
        "statements",
        "low_usd_m",
        "high_usd_m",
        "date_basis",
        "known_since",
        "previous_low_usd_m",
    ) == (3, 91000.0, 93000.0, "document_date", D(2025, 10, 30), 85000.0)


def test_statement_dates_order_and_known_since(guidance) -> None:
    # the prior statement sorts the day before the raise (2025-07-22) however late the article
    # reporting it (2025-08-04), and is known since the raise's date
    raise_day = guidance[(D(2025, 7, 23), "FY2025")]
    assert _columns(
        raise_day, "statements", "low_usd_m", "date_basis", "known_since", "previous_low_usd_m"
    ) == (2, 85000.0, "given_on", D(2025, 7, 23), 75000.0)
    prior_only = guidance[(TODAY, "FY2026")]
    assert _columns(prior_only, "date_basis", "known_since") == ("given_before", D(2025, 7, 23))
    # known on no date before it was: nothing on 2025-07-22; the undated one only from its
    # document's date on
    assert (D(2025, 7, 22), "FY2025") not in guidance
    assert (D(2025, 7, 22), "FY2026") not in guidance
    assert guidance[(D(2025, 10, 29), "FY2025")]["statements"] == 2


# ------------------------------------------------------------------ surprise status, age limit
@pytest.fixture
def macros() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    for path in sorted((SQL_DIR / "macros").glob("*.sql")):
        con.execute(path.read_text(encoding="utf-8"))
    con.execute("SET VARIABLE consensus_max_age_days = 45")
    return con


@pytest.mark.parametrize(
    "is_reported, surprise, timing, age, status",
    [
        (True, 1.2, "on_or_before_results", 7, "beat"),
        (True, -0.4, "on_or_before_results", 7, "miss"),
        (True, 0.0, "on_or_before_results", 7, "in_line"),
        (True, 1.2, "on_or_before_results", 46, "stale_consensus"),
        (True, 1.2, "quoted_after_results", -1, "beat"),  # quoted the day after
        (True, 1.2, "undated_before_results", None, "undated_consensus"),
        (True, None, None, None, "no_consensus"),
        (False, None, None, None, "not_reported"),
    ],
)
def test_surprise_status(macros, is_reported, surprise, timing, age, status) -> None:
    row = macros.execute(
        "SELECT surprise_status(?::BOOLEAN, ?::DOUBLE, ?::VARCHAR, ?::BIGINT)",
        [is_reported, surprise, timing, age],
    ).fetchone()
    assert row == (status,)


def test_consensus_age_limit_setting() -> None:
    assert LedgerSettings.from_env({}).consensus_max_age_days == 45
    assert LedgerSettings.from_env({MAX_CONSENSUS_AGE_ENV: "10"}).consensus_max_age_days == 10
    assert (
        LedgerSettings.from_env({MAX_CONSENSUS_AGE_ENV: "10"}).sql_variables()[
            "consensus_max_age_days"
        ]
        == 10
    )
    with pytest.raises(ValueError, match="not a whole number"):
        LedgerSettings.from_env({MAX_CONSENSUS_AGE_ENV: "ten"})


# ------------------------------------------------------------------ actuals and consensus
def _quarter(ticker: str, fy: int, q: int) -> dict[str, Any]:
    (row,) = [
        r
        for r in fiscal_quarter_rows(ticker, CALENDARS[ticker], fy, fy)
        if r["fiscal_quarter"] == q
    ]
    return row


CALENDARS = {"AVGO": "nearest:sun:oct-31:q1", "MRVL": "last:sat:jan:q4"}


def _actual(ticker, metric, fy, q, value, published=None) -> dict[str, Any]:
    return {
        "as_of": TODAY,
        "ticker": ticker,
        "fiscal_calendar": CALENDARS[ticker],
        "metric": metric,
        "basis": "discrete",
        "fiscal_year": fy,
        "fiscal_quarter": q,
        "value": value,
        "unit": "USD_m",
        "published": published,
        "first_published": published,
        "known_by": published,
        **SOURCE,
    }


def _discrete(actual: dict[str, Any]) -> dict[str, Any]:
    quarter = _quarter(actual["ticker"], actual["fiscal_year"], actual["fiscal_quarter"])
    return {
        "as_of": TODAY,
        **{k: actual[k] for k in ("ticker", "metric", "fiscal_year", "fiscal_quarter", "value")},
        **{k: quarter[k] for k in ("calendar_quarter", "period_start", "period_end")},
        "is_derived": False,
    }


def _consensus(ticker, metric, fy, q, value, **dates: D) -> dict[str, Any]:
    return {
        "as_of": TODAY,
        "ticker": ticker,
        "metric": metric,
        "value_kind": "consensus",
        "basis": "discrete",
        "fiscal_year": fy,
        "fiscal_quarter": q,
        "value": value,
        "unit": "USD_m",
        "compiled_by": "unnamed",
        **SOURCE,
        **dates,
    }


def ai_revenue(max_age_days: int) -> dict[tuple[str, int, int], dict[str, Any]]:
    actuals = [
        # an undated actual (no date at all): the quarter is reported, its date unknown
        _actual("MRVL", "revenue", 2026, 3, 2075.0),
        _actual("MRVL", "data_center_revenue", 2026, 2, 1490.0, D(2025, 8, 28)),
        # Broadcom FY2025 Q2, results 2025-06-05
        _actual("AVGO", "revenue", 2025, 2, 15004.0, D(2025, 6, 5)),
        _actual("AVGO", "ai_revenue", 2025, 2, 4400.0, D(2025, 6, 5)),
    ]
    expectations = [
        # an undated consensus whose document is dated before the (unknown) results
        _consensus("MRVL", "revenue", 2026, 3, 2060.0, published_before=D(2025, 9, 1)),
        # an AI-revenue consensus a week before the results
        _consensus("AVGO", "ai_revenue", 2025, 2, 4300.0, published=D(2025, 5, 29)),
        # a revenue consensus only quoted the day after the results
        _consensus("AVGO", "revenue", 2025, 2, 14970.0, published=D(2025, 6, 6)),
    ]
    rows = run_model(
        "marts.ai_revenue_quarterly",
        {
            "raw.companies": [{"ticker": t, "fiscal_calendar": c} for t, c in CALENDARS.items()],
            "as_of.actual_figures": actuals,
            "as_of.figures_known": expectations,
            "as_of.discrete_quarters": [_discrete(a) for a in actuals],
            "staging.fiscal_quarters": [
                *fiscal_quarter_rows("AVGO", CALENDARS["AVGO"], 2024, 2026),
                *fiscal_quarter_rows("MRVL", CALENDARS["MRVL"], 2025, 2027),
            ],
        },
        {"consensus_max_age_days": max_age_days},
    )
    return {(r["ticker"], r["fiscal_year"], r["fiscal_quarter"]): r for r in rows}


def test_undated_actual_is_reported_but_has_no_consensus_in_force() -> None:
    row = ai_revenue(45)[("MRVL", 2026, 3)]
    assert _columns(
        row,
        "is_reported",
        "results_date",
        "revenue_usd_m",
        "revenue_consensus_usd_m",
        "revenue_consensus_age_days",
        "revenue_surprise_status",
    ) == (True, None, 2075.0, None, None, "no_consensus")


def test_old_consensus_is_flagged_stale() -> None:
    # Broadcom FY2025 Q2: results 2025-06-05; the AI-revenue consensus of 2025-05-29 is 7 days
    # old, beyond a limit of 5; the revenue consensus quoted the day after the results is the
    # pre-results one (age -1), a clean beat
    columns = (
        "ai_revenue_consensus_usd_m",
        "ai_revenue_consensus_age_days",
        "ai_revenue_surprise_status",
        "revenue_consensus_timing",
        "revenue_consensus_age_days",
        "revenue_surprise_status",
    )
    strict = ai_revenue(5)[("AVGO", 2025, 2)]
    assert _columns(strict, *columns) == (
        4300.0,
        7,
        "stale_consensus",
        "quoted_after_results",
        -1,
        "beat",
    )
    assert strict["ai_revenue_surprise_pct"] == pytest.approx((4400 / 4300 - 1) * 100)
    # within the default limit of 45 days the same consensus is a clean beat
    assert ai_revenue(45)[("AVGO", 2025, 2)]["ai_revenue_surprise_status"] == "beat"


# ------------------------------------------------------------------ accepted by raw
def test_undated_rows_pass_raw_validation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The undated rows are stored, not rejected: raw/ with them still validates."""
    raw = tmp_path / "raw"
    shutil.copytree(FIXTURE_RAW, raw, ignore=shutil.ignore_patterns("sec"))
    monkeypatch.setenv(settings.RAW_DIR_ENV, str(raw))
    source = {**SOURCE, "source_quote": "test"}
    append_rows(
        raw / "capex_guidance.csv",
        [
            {
                **_statement("FY2025", 91000, 93000, reported_on=D(2025, 10, 30)),
                **source,
            }
        ],
    )
    mrvl_q3 = {"period_start": "2025-08-03", "period_end": "2025-11-01", "unit": "USD_m"}
    mrvl_q3 |= {"ticker": "MRVL", "metric": "revenue", "fiscal_year": 2026, "fiscal_quarter": 3}
    append_rows(
        raw / "financials.csv",
        [
            # an undated actual (no date at all)
            {**mrvl_q3, "value_kind": "actual", "basis": "discrete", "value": 2075, **source},
            # an undated consensus: only its document's date bounds it
            {
                **mrvl_q3,
                "value_kind": "consensus",
                "basis": "discrete",
                "value": 2060,
                "published_before": "2025-09-01",
                "compiled_by": "unnamed",
                **source,
            },
        ],
    )
    frames = {}
    with companies_in_scope(company_rules(), known_groups()):
        for name in ("capex_guidance", "financials"):
            dataset = BY_NAME[name]
            result = validate_file(raw / dataset.filename, dataset.model)
            assert result.ok, result.problems
            frames[name] = result.frame
    undated_guidance = frames["capex_guidance"].filter(
        (pl.col("low_usd_m") == 91000) & pl.col("given_on").is_null()
    )
    assert undated_guidance.select("given_before", "reported_on").rows() == [
        (None, D(2025, 10, 30))
    ]
    undated = frames["financials"].filter(pl.col("source_title") == SOURCE["source_title"])
    assert undated.select("value_kind", "published", "published_before").rows() == [
        ("actual", None, None),
        ("consensus", None, D(2025, 9, 1)),
    ]


# ------------------------------------------------------------------ known on a claim date
def test_undated_figures_are_not_known_on_a_claim_date() -> None:
    def figure(value_kind: str, **dates: D) -> dict[str, Any]:
        return {
            "ticker": "MRVL",
            "metric": "revenue",
            "value_kind": value_kind,
            "basis": "discrete",
            "fiscal_year": 2026,
            "fiscal_quarter": 3,
            "value": 2075.0,
            "unit": "USD_m",
            "source_kind": "curated",
            "source_type": "secondary",
            "is_verified": True,
            "source_rank": 3,
            **SOURCE,
            **dates,
        }

    rows = run_model(
        "staging.figures_known",
        {
            "staging.vintages": [{"as_of": d} for d in (D(2025, 8, 4), D(2025, 9, 5), TODAY)],
            "staging.figures": [
                figure("actual"),  # no date at all: known today only
                figure("consensus", published_before=D(2025, 9, 1)),  # from its document's date
                figure("estimate", published=D(2025, 8, 4)),
            ],
        },
        asof=True,
    )
    known = {(r["as_of"], r["value_kind"]) for r in rows}
    assert known == {
        (D(2025, 8, 4), "estimate"),
        (D(2025, 9, 5), "estimate"),
        (D(2025, 9, 5), "consensus"),
        (TODAY, "estimate"),
        (TODAY, "consensus"),
        (TODAY, "actual"),
    }


def test_both_verdicts_side_by_side(refreshed_warehouse: Path) -> None:
    # MAMG 1Q24 capex 43.3 bn (C065, article of 2025-08-04): confirmed today; as of the
    # article's date some of its inputs carry no publication date, so it is not computable;
    # MAMG 2Q25 87.4 bn (C047, same article) is confirmed both ways
    with duckdb.connect(str(refreshed_warehouse), read_only=True) as con:
        (c065,) = con.execute(
            "SELECT status, computed_value, claim_date, status_as_of_claim, verdict_changed, "
            "change_reason FROM marts.claim_checks WHERE claim_id = 'C065'"
        ).fetchall()
        (c047,) = con.execute(
            "SELECT status, status_as_of_claim, computed_value_as_of_claim, verdict_changed "
            "FROM marts.claim_checks WHERE claim_id = 'C047'"
        ).fetchall()
    status, value, day, then, changed, why = c065
    assert (status, round(value, 3), day, then, changed) == (
        "confirmed",
        43.299,
        D(2025, 8, 4),
        "not_computable",
        True,
    )
    assert why == "became computable with figures published after the claim"
    assert c047[:2] == ("confirmed", "confirmed") and not c047[3]
    assert round(c047[2], 3) == 87.431
