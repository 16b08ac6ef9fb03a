"""The next-quarter drill: the shipped raw/ plus one more quarter for every company.

Copies the shipped raw/ (whatever it holds today), appends one more quarter of plausible
figures for every company, a new consensus, a guidance raise and a restated earlier quarter
(tests/drill.py), refreshes, and asserts that every asset and check passes and that only the
expected rows changed: the new quarters, the restated quarter and the growth and TTM rows
that depend on it. No historical claim verdict (as of the claim's date) may change.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipelines import settings
from pipelines.refresh import failure_messages, run_refresh
from tests.conftest import SHIPPED_RAW, RefreshedRun
from tests.drill import Drill, append_next_quarter

KEYED = {
    "marts.capex_quarterly": ("ticker", "calendar_quarter"),
    "marts.company_quarterly": ("ticker", "calendar_quarter"),
}


def _refresh(raw: Path, path: Path, reports: Path) -> None:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(settings.RAW_DIR_ENV, str(raw))
        mp.setenv(settings.WAREHOUSE_ENV, str(path))
        mp.setenv("LEDGER_REPORTS_DIR", str(reports))
        mp.delenv("DAGSTER_HOME", raising=False)
        result = run_refresh()
    _no_error_check_failed(result)


def _no_error_check_failed(result: dg.ExecuteInProcessResult) -> None:
    assert result.success, failure_messages(result)
    failed = [e.check_name for e in result.get_asset_check_evaluations() if not e.passed]
    severities = {e.check_name: e.severity.value for e in result.get_asset_check_evaluations()}
    assert [n for n in failed if severities[n] == "ERROR"] == []


def _rows(path: Path, sql: str) -> list[dict]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql).pl().to_dicts()


@pytest.fixture(scope="module")
def drilled(
    tmp_path_factory: pytest.TempPathFactory, shipped_run: RefreshedRun
) -> tuple[Path, Path, Drill]:
    """Before: the session's refresh of the shipped raw/; after: a refresh of a copy of it
    with the drill's quarter appended."""
    root = tmp_path_factory.mktemp("drill")
    after_raw = root / "after"
    shutil.copytree(SHIPPED_RAW, after_raw, ignore=shutil.ignore_patterns("sec"))
    drill = append_next_quarter(after_raw)
    _no_error_check_failed(shipped_run.result)
    after = root / "after.duckdb"
    shutil.copytree(shipped_run.reports, root / "reports_after")  # unchanged charts: reused
    _refresh(after_raw, after, root / "reports_after")
    return shipped_run.path, after, drill


def test_drill_adds_a_quarter_for_every_company(drilled) -> None:
    before, after, drill = drilled
    assert drill.new_quarters and drill.restated is not None
    capex_companies = {
        r["ticker"] for r in _rows(after, "SELECT DISTINCT ticker FROM marts.capex_quarterly")
    }
    new = {
        (r["ticker"], r["calendar_quarter"])
        for r in _rows(after, "SELECT ticker, calendar_quarter FROM marts.company_quarterly")
    }
    for ticker, quarter in drill.new_quarters.items():
        assert (ticker, quarter) in new, (ticker, quarter)
    assert capex_companies <= set(drill.new_quarters)


@pytest.mark.parametrize("table", ["marts.capex_quarterly", "marts.company_quarterly"])
def test_only_expected_rows_change(drilled, table: str) -> None:
    before, after, drill = drilled
    keys = ["ticker", "metric", "calendar_quarter"] if "company" in table else list(KEYED[table])
    old = {tuple(r[k] for k in keys): r for r in _rows(before, f"SELECT * FROM {table}")}
    new = {tuple(r[k] for k in keys): r for r in _rows(after, f"SELECT * FROM {table}")}
    assert set(old) <= set(new)  # nothing disappears
    changed = [k for k in old if old[k] != new[k]]
    unexpected = [k for k in changed if not drill.may_change(k[0], k[-1])]
    assert unexpected == [], [
        (k, {c: (old[k][c], new[k][c]) for c in old[k] if old[k][c] != new[k][c]})
        for k in unexpected[:3]
    ]
    added = [k for k in new if k not in old]
    assert added and all(drill.may_change(k[0], k[-1]) for k in added)
    # the restated quarter did change
    assert any(k[0] == drill.restated[0] and k[-1] == drill.restated[1] for k in changed)


def test_group_rows_change_only_for_new_or_restated_quarters(drilled) -> None:
    before, after, drill = drilled
    sql = "SELECT * FROM marts.group_quarterly"
    key = ("group_name", "metric", "calendar_quarter")
    old = {tuple(r[k] for k in key): r for r in _rows(before, sql)}
    new = {tuple(r[k] for k in key): r for r in _rows(after, sql)}
    quarters = set(drill.new_quarters.values())
    assert drill.restated is not None
    quarters |= {shift for shift in _window(drill.restated[1])}
    unexpected = [k for k in old if old[k] != new.get(k) and k[2] not in quarters]
    assert unexpected == []


def _window(label: str) -> list[str]:
    from pipelines.calendar.fiscal import shift_calendar_quarter

    return [shift_calendar_quarter(label, k) for k in range(8)]


def test_historical_claim_verdicts_never_change(drilled) -> None:
    before, after, _ = drilled
    sql = (
        "SELECT claim_id, status_as_of_claim, computed_value_as_of_claim "
        "FROM marts.claim_checks ORDER BY claim_id"
    )
    assert _rows(before, sql) == _rows(after, sql)


def test_new_guidance_statement_is_the_latest(drilled) -> None:
    _, after, drill = drilled
    latest = _rows(after, "SELECT max(given_on) AS d FROM marts.capex_guidance")[0]["d"]
    assert latest == drill.results_date


def test_pinned_historical_quarters_of_the_shipped_data(drilled) -> None:
    """What must stay true of the shipped raw/, pinned to quarters new rows cannot change."""
    before, after, _ = drilled
    sql = (
        "SELECT calendar_quarter, total_usd_m FROM marts.group_quarterly WHERE group_name = "
        "'MAMG' AND metric = 'capex' AND calendar_quarter IN ('2024Q1', '2025Q2') ORDER BY 1"
    )
    # 2Q25: MSFT 17,079 + AMZN (32,183 - 815) + META 16,538 + GOOGL 22,446
    # 1Q24: MSFT 10,952 + AMZN (14,925 - 990) + META 6,400 + GOOGL 12,012
    expected = [
        {"calendar_quarter": "2024Q1", "total_usd_m": 43299.0},
        {"calendar_quarter": "2025Q2", "total_usd_m": 87431.0},
    ]
    assert _rows(before, sql) == expected
    assert _rows(after, sql) == expected
