"""Statements without a date, stale consensus, and claims judged as of their date.

On a copy of the frozen snapshot: an undated guidance statement, an undated actual and an
undated consensus are stored without blocking the refresh and are never taken as known on a
date they may not have been public; a consensus older than the configured limit is flagged.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import duckdb
import pytest

from pipelines import settings
from pipelines.marts.ai_revenue import consensus_age_days, surprise_status
from pipelines.marts.build import MAX_CONSENSUS_AGE_ENV, max_consensus_age_days
from pipelines.marts.guidance import date_basis, known_since, statement_date
from pipelines.refresh import failure_messages, run_refresh
from tests.conftest import FIXTURE_RAW
from tests.rawfiles import append_rows

D = dt.date


# ------------------------------------------------------------------ pure functions
def test_undated_statement_is_ordered_by_its_document_date() -> None:
    undated = {"given_on": None, "given_before": None, "reported_on": D(2025, 10, 30)}
    prior = {"given_on": None, "given_before": D(2025, 7, 23), "reported_on": D(2025, 8, 4)}
    dated = {"given_on": D(2025, 7, 23), "given_before": None, "reported_on": D(2025, 7, 24)}
    assert statement_date(undated) == D(2025, 10, 30)
    assert statement_date(prior) == D(2025, 7, 22)
    assert [date_basis(r) for r in (undated, prior, dated)] == [
        "document_date",
        "given_before",
        "given_on",
    ]
    assert known_since(prior) == D(2025, 7, 23) and known_since(undated) == D(2025, 10, 30)


def test_surprise_status_and_consensus_age() -> None:
    pick = {"timing": "on_or_before_results"}
    assert consensus_age_days(D(2025, 6, 12), D(2025, 6, 5)) == 7
    assert consensus_age_days(D(2025, 9, 4), D(2025, 9, 5)) == -1  # quoted the day after
    assert consensus_age_days(None, D(2025, 9, 5)) is None
    assert surprise_status(True, 1.2, pick, 7, 45) == "beat"
    assert surprise_status(True, -0.4, pick, 7, 45) == "miss"
    assert surprise_status(True, 0.0, pick, 7, 45) == "in_line"
    assert surprise_status(True, 1.2, pick, 46, 45) == "stale_consensus"
    assert surprise_status(True, 1.2, {"timing": "undated_before_results"}, None, 45) == (
        "undated_consensus"
    )
    assert surprise_status(True, None, None, None, 45) == "no_consensus"
    assert surprise_status(False, None, None, None, 45) == "not_reported"


def test_consensus_age_limit_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(MAX_CONSENSUS_AGE_ENV, raising=False)
    assert max_consensus_age_days() == 45
    monkeypatch.setenv(MAX_CONSENSUS_AGE_ENV, "10")
    assert max_consensus_age_days() == 10
    monkeypatch.setenv(MAX_CONSENSUS_AGE_ENV, "ten")
    with pytest.raises(ValueError, match="not a whole number"):
        max_consensus_age_days()


# --------------------------------------------------------------- on the snapshot
SOURCE = {
    "source_title": "Undated test source",
    "source_url": "https://example.invalid/undated",
    "source_quote": "test",
}


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("undated")
    raw = root / "raw"
    shutil.copytree(FIXTURE_RAW, raw)
    # an undated guidance statement: no given_on, no given_before; its document is dated
    append_rows(
        raw / "capex_guidance.csv",
        [
            {
                "ticker": "GOOGL",
                "guided_period": "FY2025",
                "period_start": "2025-01-01",
                "period_end": "2025-12-31",
                "basis": "fy",
                "capex_definition": "unspecified",
                "low_usd_m": 91000,
                "high_usd_m": 93000,
                "reported_on": "2025-10-30",
                **SOURCE,
            }
        ],
    )
    append_rows(
        raw / "financials.csv",
        [
            # an undated actual (no date at all): the quarter is reported, its date unknown
            {
                "ticker": "MRVL",
                "metric": "revenue",
                "value_kind": "actual",
                "fiscal_year": 2026,
                "fiscal_quarter": 3,
                "basis": "discrete",
                "period_start": "2025-08-03",
                "period_end": "2025-11-01",
                "value": 2075,
                "unit": "USD_m",
                **SOURCE,
            },
            # a consensus a week before Broadcom's FY2025 Q2 results (2025-06-05)
            {
                "ticker": "AVGO",
                "metric": "ai_revenue",
                "value_kind": "consensus",
                "fiscal_year": 2025,
                "fiscal_quarter": 2,
                "basis": "discrete",
                "period_start": "2025-02-03",
                "period_end": "2025-05-04",
                "value": 4300,
                "unit": "USD_m",
                "published": "2025-05-29",
                "compiled_by": "unnamed",
                **SOURCE,
            },
            # an undated consensus for it whose document is dated before its results are known
            {
                "ticker": "MRVL",
                "metric": "revenue",
                "value_kind": "consensus",
                "fiscal_year": 2026,
                "fiscal_quarter": 3,
                "basis": "discrete",
                "period_start": "2025-08-03",
                "period_end": "2025-11-01",
                "value": 2060,
                "unit": "USD_m",
                "published_before": "2025-09-01",
                "compiled_by": "unnamed",
                **SOURCE,
            },
        ],
    )
    path = root / "warehouse.duckdb"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(settings.RAW_DIR_ENV, str(raw))
        mp.setenv(settings.WAREHOUSE_ENV, str(path))
        mp.setenv("LEDGER_REPORTS_DIR", str(root / "reports"))
        mp.setenv(MAX_CONSENSUS_AGE_ENV, "5")
        mp.delenv("DAGSTER_HOME", raising=False)
        result = run_refresh()
    assert result.success, failure_messages(result)
    return path


def q(path: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_undated_guidance_is_stored_ordered_and_flagged(warehouse: Path) -> None:
    row = q(
        warehouse,
        "SELECT statements, low_usd_m, high_usd_m, date_basis, known_since, previous_mid_usd_m "
        "FROM marts.capex_guidance WHERE ticker = 'GOOGL' AND guided_period = 'FY2025'",
    )
    # ordered by its document date (2025-10-30), after the 85 bn raise of 2025-07-23
    assert row == [(3, 91000.0, 93000.0, "document_date", D(2025, 10, 30), 85000.0)]


def test_undated_actual_is_reported_but_has_no_consensus_in_force(warehouse: Path) -> None:
    row = q(
        warehouse,
        "SELECT is_reported, results_date, revenue_usd_m, revenue_consensus_usd_m, "
        "revenue_surprise_status FROM marts.ai_revenue_quarterly "
        "WHERE ticker = 'MRVL' AND fiscal_year = 2026 AND fiscal_quarter = 3",
    )
    assert row == [(True, None, 2075.0, None, "no_consensus")]


def test_old_consensus_is_flagged_stale(warehouse: Path) -> None:
    # Broadcom FY2025 Q2: results 2025-06-05; the AI-revenue consensus of 2025-05-29 is 7 days
    # old, beyond the limit of 5 set for this run; the revenue consensus of the results day
    # (age 0) is a clean beat or miss
    row = q(
        warehouse,
        "SELECT ai_revenue_consensus_usd_m, ai_revenue_consensus_age_days, "
        "ai_revenue_surprise_status, revenue_consensus_age_days, revenue_surprise_status "
        "FROM marts.ai_revenue_quarterly WHERE ticker = 'AVGO' AND fiscal_year = 2025 "
        "AND fiscal_quarter = 2",
    )
    assert row[0][:4] == (4300.0, 7, "stale_consensus", 0)
    assert row[0][4] in ("beat", "miss")


def test_undated_figures_are_not_known_on_a_claim_date(warehouse: Path) -> None:
    # the undated actual exists today but in no as-of-date fact
    facts = q(
        warehouse,
        "SELECT as_of IS NULL, count(*) FROM marts.claim_facts WHERE entity = 'MRVL' "
        "AND period = 'FY2026Q3' AND metric = 'revenue_usd_bn' GROUP BY 1 ORDER BY 1",
    )
    assert facts == [(True, 1)]


def test_both_verdicts_side_by_side(warehouse: Path) -> None:
    # MAMG 1Q24 capex 43.3 bn (C065, article of 2025-08-04): confirmed today; as of the
    # article's date some of its inputs carry no publication date, so it is not computable;
    # MAMG 2Q25 87.4 bn (C047, same article) is confirmed both ways
    row = q(
        warehouse,
        "SELECT status, computed_value, claim_date, status_as_of_claim, verdict_changed, "
        "change_reason FROM marts.claim_checks WHERE claim_id = 'C065'",
    )
    status, value, day, then, changed, why = row[0]
    assert (status, round(value, 3), day, then, changed) == (
        "confirmed",
        43.299,
        D(2025, 8, 4),
        "not_computable",
        True,
    )
    assert why == "became computable with figures published after the claim"
    (c047,) = q(
        warehouse,
        "SELECT status, status_as_of_claim, computed_value_as_of_claim, verdict_changed "
        "FROM marts.claim_checks WHERE claim_id = 'C047'",
    )
    assert c047[:2] == ("confirmed", "confirmed") and not c047[3]
    assert round(c047[2], 3) == 87.431
