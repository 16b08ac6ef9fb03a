"""meta.freshness and its warn check: which companies lack a figure for a quarter past its due
date (45 days after the quarter, 75 after a fiscal year end), on a few rows."""

from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl

from pipelines.sqlmodels.checks import run_tests
from tests.sqlmodel import contracts, run_model

D = dt.date.fromisoformat
QUARTERS = [  # calendar fiscal year
    (2024, 4, "2024-12-31"),
    (2025, 1, "2025-03-31"),
    (2025, 2, "2025-06-30"),
    (2025, 3, "2025-09-30"),
    (2025, 4, "2025-12-31"),
    (2026, 1, "2026-03-31"),
    (2026, 2, "2026-06-30"),
]


def _figure(year: int, quarter: int | None, basis: str, published: str, kind: str = "actual"):
    return {
        "ticker": "A",
        "metric": "revenue",
        "value_kind": kind,
        "basis": basis,
        "fiscal_year": year,
        "fiscal_quarter": quarter,
        "value": 1.0,
        "unit": "USD_m",
        "published": D(published),
        "source_kind": "curated",
    }


GIVEN = {
    "staging.fiscal_quarters": [
        {
            "ticker": "A",
            "fiscal_year": y,
            "fiscal_quarter": q,
            "period_end": D(end),
            "calendar_quarter": f"{y}Q{q}",
        }
        for y, q, end in QUARTERS
    ],
    "staging.figures": [
        _figure(2025, 1, "discrete", "2025-04-25"),
        _figure(2025, 2, "ytd", "2025-07-24"),  # six months: counts for Q2
        _figure(2025, None, "fy", "2026-02-05"),  # the full year: counts for Q4
        _figure(2026, 1, "discrete", "2026-04-01", kind="consensus"),  # not a figure
        _figure(2026, 1, "discrete", "2026-06-20"),  # published after the day measured
    ],
}


def test_late_quarters_are_named_and_reported_ones_are_not():
    rows = run_model("meta.freshness", GIVEN, {"today": "2026-06-16"})
    got = [
        (r["fiscal_year"], r["fiscal_quarter"], r["status"], r["due_date"], r["days_late"])
        for r in rows
    ]
    # from the first quarter with a figure (2025 Q1) to the last ended (2026 Q1)
    assert got == [
        (2025, 1, "reported", D("2025-05-15"), None),
        (2025, 2, "reported", D("2025-08-14"), None),
        (2025, 3, "late", D("2025-11-14"), 214),
        (2025, 4, "reported", D("2026-03-16"), None),  # 75 days for the fiscal year end
        (2026, 1, "late", D("2026-05-15"), 32),
    ]
    # the warn check names the company and each late quarter
    con = duckdb.connect()
    con.execute("CREATE SCHEMA meta")
    con.register("built", pl.DataFrame(rows))
    con.execute("CREATE TABLE meta.freshness AS SELECT * FROM built")
    [outcome] = run_tests(con, contracts()["meta.freshness"])
    assert not outcome.passed and outcome.test.severity == "warn"
    assert outcome.failing_rows == 1
    assert outcome.sample == (
        "ticker=A, late_quarters=2, late=FY2025 Q3 (2025Q3, ended 2025-09-30, 214 days late); "
        "FY2026 Q1 (2026Q1, ended 2026-03-31, 32 days late)"
    )


def test_a_quarter_within_its_grace_days_is_not_yet_due():
    rows = run_model("meta.freshness", GIVEN, {"today": "2026-05-15"})
    last = rows[-1]
    assert (last["fiscal_year"], last["fiscal_quarter"], last["status"]) == (2026, 1, "not_yet_due")
    assert [r["status"] for r in rows].count("late") == 1  # 2025 Q3 only
