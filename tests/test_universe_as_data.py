"""A made-up company on a new calendar, in a new group, goes through every mart by data alone.

Two invented companies are appended to a copy of the frozen raw snapshot: ZZCO (52/53-week
year ending the last Saturday of September, a calendar no shipped company uses) and YYCO
(year to 31 May), both members of a new group NEOCLOUDS. No code changes: the refresh must
place their fiscal quarters on calendar quarters, derive ZZCO's fiscal Q4 from its full year,
total the group only where both have a quarter, and judge ZZCO's AI revenue against its
consensus. Every expected value below is computed by hand from the rows written here.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import duckdb
import pytest

from pipelines import settings
from pipelines.calendar.fiscal import (
    fiscal_quarter_end,
    fiscal_quarter_start,
    fiscal_year_end,
    fiscal_year_start,
)
from pipelines.refresh import failure_messages, run_refresh
from tests.conftest import FIXTURE_RAW, RefreshedRun
from tests.rawfiles import append_rows

ZZCO_CAL = "last:sat:sep:q1"
YYCO_CAL = "month_end:may"
SOURCE = {
    "source_title": "Made-up company for tests (not a real filing)",
    "source_url": "https://example.invalid/made-up",
    "source_quote": "test fixture",
    "source_note": "",
}


def _figure(
    ticker: str,
    rule: str,
    metric: str,
    fy: int,
    q: int | None,
    value: float,
    published: str,
    *,
    kind: str = "actual",
    basis: str = "discrete",
    unit: str = "USD_m",
) -> dict[str, object]:
    if basis == "fy":
        start, end = fiscal_year_start(rule, fy), fiscal_year_end(rule, fy)
    else:
        assert q is not None
        start, end = fiscal_quarter_start(rule, fy, q), fiscal_quarter_end(rule, fy, q)
    return {
        "ticker": ticker,
        "metric": metric,
        "value_kind": kind,
        "fiscal_year": fy,
        "fiscal_quarter": "" if q is None else q,
        "basis": basis,
        "period_start": start.isoformat(),
        "period_end": end.isoformat(),
        "value": value,
        "unit": unit,
        "published": published,
        **SOURCE,
    }


def made_up_raw(target: Path) -> Path:
    shutil.copytree(FIXTURE_RAW, target)
    append_rows(
        target / "companies.csv",
        [
            {
                "ticker": "ZZCO",
                "name": "Zeta Cloud Co (made up)",
                "cik": 9_999_999_001,
                "fiscal_calendar": ZZCO_CAL,
                "capex_metric": "capex_purchases_pp_e",
                "capex_definition": "cash_purchases_pp_e",
                "source_title": SOURCE["source_title"],
                "source_date": "2025-01-01",
                "source_url": SOURCE["source_url"],
            },
            {
                "ticker": "YYCO",
                "name": "Ypsilon Compute (made up)",
                "cik": 9_999_999_002,
                "fiscal_calendar": YYCO_CAL,
                "capex_metric": "capex_purchases_pp_e",
                "capex_definition": "cash_purchases_pp_e",
                "source_title": SOURCE["source_title"],
                "source_date": "2025-01-01",
                "source_url": SOURCE["source_url"],
            },
        ],
    )
    append_rows(
        target / "groups.csv",
        [{"group_name": "NEOCLOUDS", "description": "Made-up neoclouds (test group)"}],
    )
    append_rows(
        target / "group_members.csv",
        [
            {"group_name": "NEOCLOUDS", "ticker": "ZZCO"},
            {"group_name": "NEOCLOUDS", "ticker": "YYCO"},
        ],
    )
    z = [("2025-01-30", 1), ("2025-05-01", 2), ("2025-07-31", 3)]
    rows = []
    for (published, q), capex, revenue in zip(z, (100, 120, 150), (1000, 1100, 1200), strict=True):
        rows.append(_figure("ZZCO", ZZCO_CAL, "capex_purchases_pp_e", 2025, q, capex, published))
        rows.append(_figure("ZZCO", ZZCO_CAL, "revenue", 2025, q, revenue, published))
    # fiscal Q4 only inside the full year: capex 500 -> Q4 = 500 - 370 = 130
    rows.append(
        _figure("ZZCO", ZZCO_CAL, "capex_purchases_pp_e", 2025, None, 500, "2025-10-30", basis="fy")
    )
    rows.append(_figure("ZZCO", ZZCO_CAL, "revenue", 2025, 4, 1300, "2025-10-30"))
    # AI revenue against consensus: Q3 fresh consensus (10 days old), Q4 stale (60 days old)
    rows.append(_figure("ZZCO", ZZCO_CAL, "ai_revenue", 2025, 3, 300, "2025-07-31"))
    rows.append(_figure("ZZCO", ZZCO_CAL, "ai_revenue", 2025, 4, 350, "2025-10-30"))
    rows.append(
        {
            **_figure("ZZCO", ZZCO_CAL, "ai_revenue", 2025, 3, 280, "2025-07-21", kind="consensus"),
            "compiled_by": "unnamed",
        }
    )
    rows.append(
        {
            **_figure("ZZCO", ZZCO_CAL, "ai_revenue", 2025, 4, 340, "2025-08-31", kind="consensus"),
            "compiled_by": "unnamed",
        }
    )
    y = [
        (2025, 2, "2024-12-10", 40),
        (2025, 3, "2025-03-12", 50),
        (2025, 4, "2025-06-12", 60),
        (2026, 1, "2025-09-10", 70),
    ]
    for fy, q, published, capex in y:
        rows.append(_figure("YYCO", YYCO_CAL, "capex_purchases_pp_e", fy, q, capex, published))
    append_rows(target / "financials.csv", rows)
    append_rows(
        target / "capex_guidance.csv",
        [
            {
                "ticker": "ZZCO",
                "guided_period": "FY2026",
                "period_start": fiscal_year_start(ZZCO_CAL, 2026).isoformat(),
                "period_end": fiscal_year_end(ZZCO_CAL, 2026).isoformat(),
                "basis": "fy",
                "capex_definition": "cash_pp_e",
                "low_usd_m": 600,
                "high_usd_m": 700,
                "given_on": "2025-10-30",
                "reported_on": "2025-10-30",
                **SOURCE,
            }
        ],
    )
    return target


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory, refreshed_run: RefreshedRun) -> Path:
    root = tmp_path_factory.mktemp("universe")
    raw = made_up_raw(root / "raw")
    path = root / "warehouse.duckdb"
    # the golden run's charts: those whose data the new companies leave alone are reused
    shutil.copytree(refreshed_run.reports, root / "reports")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(settings.RAW_DIR_ENV, str(raw))
        mp.setenv(settings.WAREHOUSE_ENV, str(path))
        mp.setenv("LEDGER_REPORTS_DIR", str(root / "reports"))
        mp.delenv("DAGSTER_HOME", raising=False)
        result = run_refresh()
    assert result.success, failure_messages(result)
    return path


def q(path: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_new_calendar_places_quarters(warehouse: Path) -> None:
    rows = q(
        warehouse,
        "SELECT fiscal_quarter, calendar_quarter, period_start, period_end, capex_usd_m, "
        "capex_is_derived FROM marts.capex_quarterly WHERE ticker = 'ZZCO' ORDER BY 1",
    )
    D = dt.date
    assert rows == [
        (1, "2024Q4", D(2024, 9, 29), D(2024, 12, 28), 100.0, False),
        (2, "2025Q1", D(2024, 12, 29), D(2025, 3, 29), 120.0, False),
        (3, "2025Q2", D(2025, 3, 30), D(2025, 6, 28), 150.0, False),
        (4, "2025Q3", D(2025, 6, 29), D(2025, 9, 27), 130.0, True),  # 500 - (100+120+150)
    ]
    (derivation,) = q(
        warehouse,
        "SELECT capex_derivation FROM marts.capex_quarterly WHERE ticker='ZZCO' "
        "AND fiscal_quarter = 4",
    )[0]
    assert "FY" in derivation


def test_new_group_totals_shares_and_growth(warehouse: Path) -> None:
    rows = q(
        warehouse,
        "SELECT calendar_quarter, is_complete, total_usd_m, missing_members, qoq_pct "
        "FROM marts.group_quarterly WHERE group_name = 'NEOCLOUDS' AND metric = 'capex' "
        "ORDER BY 1",
    )
    assert [r[:4] for r in rows] == [
        ("2024Q4", True, 140.0, None),  # ZZCO 100 + YYCO 40 (FY2025 Q2, Sep-Nov 2024)
        ("2025Q1", True, 170.0, None),  # 120 + 50
        ("2025Q2", True, 210.0, None),  # 150 + 60
        ("2025Q3", True, 200.0, None),  # 130 + 70
    ]
    assert rows[1][4] == pytest.approx((170 / 140 - 1) * 100)
    share = q(
        warehouse,
        "SELECT share_pct FROM marts.group_member_quarterly WHERE group_name = 'NEOCLOUDS' "
        "AND metric = 'capex' AND calendar_quarter = '2025Q3' AND ticker = 'ZZCO'",
    )
    assert share == [(pytest.approx(130 / 200 * 100),)]
    # revenue: only ZZCO reports it, so NEOCLOUDS revenue is never a (partial) total
    revenue = q(
        warehouse,
        "SELECT count(*), count(total_usd_m), min(incomplete_reason) FROM marts.group_quarterly "
        "WHERE group_name = 'NEOCLOUDS' AND metric = 'revenue'",
    )
    assert revenue[0][0] == 4 and revenue[0][1] == 0
    assert "YYCO: no revenue series" in revenue[0][2]


def test_ai_revenue_beat_and_stale_consensus(warehouse: Path) -> None:
    rows = q(
        warehouse,
        "SELECT fiscal_quarter, ai_revenue_usd_m, ai_revenue_consensus_usd_m, "
        "ai_revenue_consensus_age_days, ai_revenue_surprise_pct, ai_revenue_surprise_status "
        "FROM marts.ai_revenue_quarterly WHERE ticker = 'ZZCO' ORDER BY 1",
    )
    by_q = {r[0]: r for r in rows}
    assert by_q[3][1:4] == (300.0, 280.0, 10)
    assert by_q[3][4] == pytest.approx((300 / 280 - 1) * 100)
    assert by_q[3][5] == "beat"
    assert by_q[4][3] == 60  # 2025-08-31 -> 2025-10-30
    assert by_q[4][5] == "stale_consensus"  # older than the default 45 days


def test_guidance_and_company_table(warehouse: Path) -> None:
    (row,) = q(
        warehouse,
        "SELECT low_usd_m, high_usd_m, point_usd_m, date_basis FROM marts.capex_guidance "
        "WHERE ticker = 'ZZCO'",
    )
    assert row == (600.0, 700.0, 650.0, "given_on")
    metrics = q(
        warehouse,
        "SELECT metric, count(*) FROM marts.company_quarterly WHERE ticker = 'ZZCO' "
        "GROUP BY 1 ORDER BY 1",
    )
    assert metrics == [("ai_revenue", 2), ("capex", 4), ("revenue", 4)]


def test_shipped_groups_unchanged_by_the_new_company(warehouse: Path) -> None:
    assert q(
        warehouse,
        "SELECT total_usd_m FROM marts.group_quarterly WHERE group_name = 'MAMG' "
        "AND metric = 'capex' AND calendar_quarter = '2025Q2'",
    ) == [(87431.0,)]
